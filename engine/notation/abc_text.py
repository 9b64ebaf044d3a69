"""A melody as ABC text (music21 reads ABC but cannot write it, so this small writer does).

The tune keeps its shape:

* ``T:`` is the title given; ``K:`` the melody's key, else the key its notes suggest;
* ``L:`` is the tune's own most common note length as a plain note value (``L:1/8`` for a reel
  of eighths, so an eighth is ``A``; a dotted quarter counts as a quarter); other lengths are
  multiples or fractions of it (``A3``, ``A/``); notes that cross a bar line are split and tied;
* triplets (a melody on 12 steps per quarter, :mod:`engine.grid`) are ABC tuplets, ``(3ABc``
  (:mod:`engine.notation.abc_tuplets`); a pickup starting on a triplet is written from its beat;
* a first bar that starts with silence is written as a pickup: its rests are left out, as a
  tune book writes an anacrusis, and reading it back puts the notes where they were;
* repeats: a melody holds each bar once (import reads repeat signs without writing them out),
  so none are written;
* chords, when given, are quoted symbols (``"G"``) before the note or rest at each chord's
  start; a note or rest sounding across a chord's start is split there (a tied note), so the
  symbol lands on its step. A chord before a pickup's first note writes the pickup bar whole.

Pitches are spelled by the key (:func:`engine.keys.spelling`: scale notes by the signature,
E# in F# major, C# in D minor). An accidental is written on every note that differs from the
signature, and again on a later note of the same letter in that bar, so readers that carry
accidentals through the bar (ABC 2.1) and readers that do not read the same pitches.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Sequence

from segue.engine import keys
from segue.engine.chords import Chord
from segue.engine.melody import Melody
from segue.engine.notation.abc_tuplets import Piece, render_bar

BARS_PER_LINE = 4
ACCIDENTAL_SIGNS = {-2: "__", -1: "_", 0: "=", 1: "^", 2: "^^"}


def straight_steps(steps_per_quarter: int) -> int:
    """Steps in the finest straight note value the grid holds (1 on a grid of straight notes,
    3 on a grid with triplets such as 12 steps per quarter); ValueError for grids whose notes
    ABC's triplets cannot write (quintuplets...)."""
    straight = steps_per_quarter
    while straight % 2 == 0:
        straight //= 2
    if straight not in (1, 3):
        raise ValueError(
            f"ABC export needs a grid of straight notes or triplets (1/16, 1/8T...), not "
            f"{steps_per_quarter} steps per quarter; MusicXML can hold it"
        )
    return straight


def whole_note_steps(steps_per_quarter: int) -> int:
    """Steps in a whole note; ValueError for grids ABC lengths cannot hold (quintuplets)."""
    straight_steps(steps_per_quarter)
    return 4 * steps_per_quarter


def unit_steps(melody: Melody) -> int:
    """Steps in the ``L:`` unit: the most common note length (the shorter on a tie; a triplet
    note counts as written, three halves of it), as the plain note value at or below it (a
    power of two of straight steps, at most a whole note)."""
    whole = whole_note_steps(melody.steps_per_quarter)
    straight = straight_steps(melody.steps_per_quarter)
    lengths = Counter(n.length for n in melody.notes)
    if not lengths:
        return max(straight, whole // 8)
    common = min(lengths, key=lambda length: (-lengths[length], length))
    written = common if common % straight == 0 else common * 3 // 2
    return min(whole, straight << (max(1, written // straight).bit_length() - 1))


def notation_key(melody: Melody) -> str | None:
    """The key a notation file is written in: the melody's own, else the key of its notes."""
    return melody.key or melody.detect_key()


def abc_key_field(key: str | None) -> str:
    """``K:`` for a key name: ``'D minor'`` -> ``'Dm'``; C major for no key."""
    if key is None:
        return "C"
    tonic, mode = keys.parse_key(key)
    name = keys.key_name(tonic, mode).split()[0]
    return name + ("m" if mode == "minor" else "")


def _note_name(letter: str, octave: int) -> str:
    """ABC octave marks: C is middle C (C4), c the octave above, c' and C, beyond."""
    if octave >= 5:
        return letter.lower() + "'" * (octave - 5)
    return letter + "," * (4 - octave)


def pickup_start(melody: Melody) -> int:
    """Where the written tune starts: its first note when the first bar starts with silence
    and more bars follow (a pickup), else 0."""
    first, bar = melody.start, melody.steps_per_bar
    if melody.notes and 0 < first < bar and melody.end > bar:
        return first
    return 0


def melody_to_abc(
    melody: Melody, title: str = "Segue", reference: int = 1, chords: Sequence[Chord] = ()
) -> str:
    """The melody as one ABC tune (X, T, M, L, Q, K headers, then the bars), with ``chords``
    (:class:`engine.chords.Chord`, in order) as quoted symbols at their steps."""
    unit = unit_steps(melody)
    key = notation_key(melody)
    signature = keys.signature_alterations(key) if key else {}
    bar, beat = melody.steps_per_bar, melody.steps_per_beat
    numerator, denominator = melody.time_signature
    lines = [
        f"X:{reference}",
        f"T:{' '.join(title.split()) or 'Segue'}",
        f"M:{numerator}/{denominator}",
        f"L:1/{whole_note_steps(melody.steps_per_quarter) // unit}",
        f"Q:1/4={round(melody.tempo)}",
        f"K:{abc_key_field(key)}",
    ]
    symbols = {chord.start: chord.symbol for chord in chords}
    last_chord = max(symbols, default=-1)
    bars = max(1, melody.bar_end(max(melody.end, last_chord + 1)) // bar)
    notes = list(melody.notes)
    body, written = [], []
    straight = straight_steps(melody.steps_per_quarter)
    position, index, tied_sign = pickup_start(melody), 0, False
    if position % straight:  # a pickup starting on a triplet: written from its beat
        position -= position % beat
    if symbols and min(symbols) < position:
        position = 0  # a chord sounds before the pickup's first note: write its rests
    changes = sorted(symbols)
    for number in range(bars):
        bar_end = (number + 1) * bar
        pieces: list[Piece] = []
        in_bar: dict[str, int] = {}
        while position < bar_end:
            lead = " " if position % beat == 0 and pieces else ""
            if position in symbols:
                lead += f'"{symbols[position]}"'
            # The next chord change splits whatever sounds across it.
            after = bisect.bisect_right(changes, position)
            change = changes[after] if after < len(changes) else bar_end
            note = notes[index] if index < len(notes) else None
            if note is None or note.start >= bar_end or note.start > position:
                # A rest up to the next note, the next beat, or the bar line.
                stop = min(note.start if note else bar_end, bar_end, (position // beat + 1) * beat)
                stop = min(stop, change)
                pieces.append(Piece(position, stop, lead, "z"))
                position = stop
                continue
            stop = min(note.end, bar_end, change)
            letter, alteration = keys.spelling(note.pitch % 12, key or "C major")
            octave = (note.pitch - alteration) // 12 - 1
            sign = ""
            # A tied note keeps its first bar's sign: music21 ties only equal spellings.
            if alteration != signature.get(letter, 0) or letter in in_bar or tied_sign:
                sign = ACCIDENTAL_SIGNS[alteration]
                in_bar[letter] = alteration
            tie = "-" if note.end > stop else ""
            pieces.append(Piece(position, stop, lead, sign + _note_name(letter, octave), tie))
            if note.end > stop:  # the rest of the note goes on after the bar line or chord change
                notes[index] = note.with_start(stop).with_length(note.end - stop)
                tied_sign = bool(sign)
            else:
                index += 1
                tied_sign = False
            position = stop
        written.append(render_bar(pieces, unit, straight, bar_end))
        if len(written) == BARS_PER_LINE or number == bars - 1:
            end = " |]" if number == bars - 1 else " |"
            body.append(" | ".join(written) + end)
            written = []
    return "\n".join(lines + body) + "\n"
