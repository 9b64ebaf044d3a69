"""What a piece may be, once: length, notes, pitches, meter, pending variations, and the sizes of
the files and text it comes from.

Every way in (MIDI, ABC, MusicXML, the clipboard, sessions, generation) checks against these
limits, and every save checks the same limits before it writes, so Segue never writes a file it
would refuse to open. The ``check_*`` functions raise ValueError whose message is a clause in a
musician's words (``"the piece ends in bar 62,501, past ..."``); callers wrap it with the file
name (``NotationImportError(path, str(error))``, ``SessionError``...).

No imports from the rest of Segue: anything may import this module.
"""

from __future__ import annotations

# --- the piece --------------------------------------------------------------------------------

# The latest step a piece may reach: 62,500 bars of 4/4 at 4 steps per quarter (over 8 hours at
# 120 BPM), beyond the longest MIDI import (midi_io.MAX_BEATS quarters), and small enough that
# the piano roll's scroll range stays within Qt's int at any zoom. Sessions keep the same limit.
MAX_STEPS = 1_000_000
# Notes of one piece (or one pending variation): three hours of sixteenths at 120 BPM. A
# monophonic melody holds at most one note per step, so this bounds memory, not music.
MAX_NOTES = 100_000
PITCH_RANGE = (0, 127)  # MIDI notes: C-1 to G9
# Chords of one piece: as many as its notes (a chord a step for three hours is far more than any
# lead sheet), so a hostile session cannot make millions of them.
MAX_CHORDS = 100_000
MAX_PENDING_VARIATIONS = 8  # the generation controls' cap (engine.ml.options.VARIATIONS)

# Meters: what engine.melody.Melody holds (a bar is a whole number of steps on the grid).
METER_NUMERATOR_RANGE = (1, 64)
METER_DENOMINATORS = (1, 2, 4, 8, 16, 32)

# --- what notation brings in -------------------------------------------------------------------

# A notation file or clipboard text: ABC books of thousands of tunes fit; the tunes are listed by
# a quick scan of the text, and only the chosen one is read in full.
MAX_NOTATION_BYTES = 20 * 1024 * 1024
MAX_CLIPBOARD_CHARS = MAX_NOTATION_BYTES  # pasted text has the same cap as a file
# MusicXML is read whole by music21: a Beethoven string quartet movement (10 MB of XML, 17,000
# notes in its four parts) takes about 4 s and 300 MB, so a score is capped a little above the
# largest real ones, by size and by its notes in all parts; an .mxl archive is checked for what
# it unpacks to before anything in it is read (a 2 MB archive may unpack to gigabytes).
MAX_MUSICXML_BYTES = 16 * 1024 * 1024
MAX_MUSICXML_NOTES = 25_000
MAX_MXL_UNPACKED_BYTES = MAX_MUSICXML_BYTES + 1024 * 1024  # the score plus container and extras
# One ABC tune read in full, or a melody written as MusicXML: music21 slows with the square of
# its length (4,000 notes take about a second, 16,000 twelve), so longer ones are refused.
MAX_NOTATION_NOTES = 5_000
MAX_ABC_TUNE_BYTES = 256 * 1024  # one tune's text; a long reel is 2 KB
MAX_MUSICXML_EXPORT_BARS = 1_000  # music21 writes about 100 bars a second
# ABC note lengths and tuplets: the multiplier of a note or rest (C16 is sixteen units) and
# the tuplet ratios (3 notes in the time of 2, up to 64 in the time of 64: far from a hostile
# file's thousands, and room for the 24:16 music21 writes for odd lengths on a triplet grid).
MAX_ABC_LENGTH_MULTIPLIER = 1024
TUPLET_RANGE = (2, 64)
# The unit note length ``L:`` (and the length of a whole note in quarters, 4): 1/512 to 4/1.
ABC_UNIT_RANGE_QUARTERS = (4 / 512, 16.0)

# --- what the synthesizer reads ----------------------------------------------------------------

# A SoundFont is read whole into memory (the largest General MIDI banks are about 1 GB).
MAX_SOUNDFONT_BYTES = 2 * 1024 * 1024 * 1024


def _count(value: int) -> str:
    return f"{value:,}"


def meter_words() -> str:
    low, high = METER_NUMERATOR_RANGE
    return f"{low}-{high} beats of 1/{METER_DENOMINATORS[0]}-1/{METER_DENOMINATORS[-1]}"


def check_meter(numerator: int, denominator: int) -> tuple[int, int]:
    """``(numerator, denominator)``; ValueError unless Segue holds that meter."""
    low, high = METER_NUMERATOR_RANGE
    if not (low <= numerator <= high and denominator in METER_DENOMINATORS):
        raise ValueError(
            f"its meter {numerator}/{denominator} is outside what Segue reads ({meter_words()})"
        )
    return numerator, denominator


def check_pitch(pitch: int, what: str = "a note") -> int:
    """``pitch``; ValueError unless it is a MIDI note (0-127)."""
    low, high = PITCH_RANGE
    if not low <= pitch <= high:
        raise ValueError(
            f"{what} (pitch {_count(pitch)}) is outside the MIDI range {low}-{high} (C-1 to G9)"
        )
    return pitch


def longest_piece_words(steps_per_bar: int = 16) -> str:
    bars = MAX_STEPS // steps_per_bar
    return f"step {_count(MAX_STEPS)} ({_count(bars)} bars of this meter and grid)"


def check_end(end_step: int, what: str = "the piece", steps_per_bar: int = 16) -> int:
    """``end_step``; ValueError when it lies past :data:`MAX_STEPS`, said in bars."""
    if end_step > MAX_STEPS:
        bar = end_step // max(1, steps_per_bar) + 1
        raise ValueError(
            f"{what} runs to bar {_count(bar)}, past {longest_piece_words(steps_per_bar)}, "
            "the end of the longest piece Segue keeps"
        )
    return end_step


def check_note_count(count: int, what: str = "the piece", limit: int = MAX_NOTES) -> int:
    """``count``; ValueError when it is over ``limit`` notes."""
    if count > limit:
        raise ValueError(
            f"{what} has {_count(count)} notes, more than the {_count(limit)} Segue keeps"
        )
    return count


def check_melody(melody, what: str = "the piece"):
    """``melody`` itself; ValueError when its end or its note count is over the limits.

    Pitches and meters are already checked by :class:`engine.melody.Melody` itself.
    """
    check_note_count(len(melody.notes), what)
    check_end(melody.end, what, melody.steps_per_bar)
    return melody


def check_chord_count(count: int, what: str = "the piece") -> int:
    """``count`` chords; ValueError over :data:`MAX_CHORDS`."""
    if count > MAX_CHORDS:
        raise ValueError(
            f"{what} has {_count(count)} chords, more than the {_count(MAX_CHORDS)} Segue keeps"
        )
    return count


def check_variations(count: int, what: str = "the piece") -> int:
    """``count`` pending variations; ValueError over :data:`MAX_PENDING_VARIATIONS`."""
    if count > MAX_PENDING_VARIATIONS:
        raise ValueError(
            f"{what} holds {_count(count)} pending variations, more than the "
            f"{MAX_PENDING_VARIATIONS} Segue offers"
        )
    return count


def size_words(n_bytes: int) -> str:
    """``'20 MB'``, ``'256 KB'``: a byte limit as a person says it."""
    if n_bytes >= 1024 * 1024:
        return f"{n_bytes / (1024 * 1024):g} MB"
    return f"{n_bytes / 1024:g} KB" if n_bytes >= 1024 else f"{n_bytes} bytes"


def check_size(n_bytes: int, limit: int, what: str = "a notation file") -> int:
    """``n_bytes``; ValueError when it is over ``limit``."""
    if n_bytes > limit:
        raise ValueError(f"it is over {size_words(limit)}, too large for {what}")
    return n_bytes
