"""A melody as ABC text (music21 reads ABC but cannot write it, so this small writer does).

One step is the unit note length (``L:1/16`` on the sixteenth grid), so every length is a whole
multiplier; notes that cross a bar line are split and tied. Pitches are spelled in the key
(``K:``): scale notes by the signature, others as naturals or, failing that, with sharps in sharp
keys and flats in flat keys. An accidental is written on every note that needs one, and again on
a later note of the same letter in that bar, so readers that carry accidentals through the bar
(ABC 2.1) and readers that do not read the same pitches.
"""

from __future__ import annotations

from segue.engine import keys
from segue.engine.melody import Melody

LETTERS = "CDEFGAB"
LETTER_PITCH = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
SHARP_ORDER, FLAT_ORDER = "FCGDAEB", "BEADGCF"
# Sharps (+) or flats (-) of each major key, by tonic pitch class, in the spelling Segue names it.
MAJOR_FIFTHS = {0: 0, 7: 1, 2: 2, 9: 3, 4: 4, 11: 5, 6: 6, 1: -5, 8: -4, 3: -3, 10: -2, 5: -1}
BARS_PER_LINE = 4
ACCIDENTAL_SIGNS = {-2: "__", -1: "_", 0: "=", 1: "^", 2: "^^"}


def abc_unit(steps_per_quarter: int) -> int:
    """The ``L:1/N`` that makes one step one unit; ValueError for grids ABC lengths cannot hold."""
    division = 4 * steps_per_quarter
    if division & (division - 1):
        raise ValueError(
            f"ABC export needs a grid of straight notes (1/8, 1/16, 1/32...), not "
            f"{steps_per_quarter} steps per quarter; MusicXML can hold it"
        )
    return division


def key_signature(key: str | None) -> tuple[str, dict[str, int]]:
    """(``K:`` field, alteration by letter) of a key name; C major for no key."""
    if key is None:
        return "C", {}
    tonic, mode = keys.parse_key(key)
    fifths = MAJOR_FIFTHS[(tonic + 3) % 12 if mode == "minor" else tonic]
    if mode == "minor" and tonic == 3:  # Eb minor (6 flats), as Segue names it, not D# minor
        fifths = -6
    order = SHARP_ORDER if fifths >= 0 else FLAT_ORDER
    alterations = {letter: (1 if fifths > 0 else -1) for letter in order[: abs(fifths)]}
    tonic_letter = _spell(tonic, alterations, fifths)
    name = tonic_letter[0] + {1: "#", -1: "b", 0: ""}[tonic_letter[1]]
    return name + ("m" if mode == "minor" else ""), alterations


def _spell(pitch_class: int, alterations: dict[str, int], fifths: int) -> tuple[str, int]:
    """(letter, alteration) for a pitch class in a key with these signature alterations."""
    for letter in LETTERS:  # a scale note: the signature spells it
        if (LETTER_PITCH[letter] + alterations.get(letter, 0)) % 12 == pitch_class:
            return letter, alterations.get(letter, 0)
    for letter in LETTERS:  # a natural
        if LETTER_PITCH[letter] == pitch_class:
            return letter, 0
    step = 1 if fifths >= 0 else -1
    for letter in LETTERS:
        if (LETTER_PITCH[letter] + step) % 12 == pitch_class:
            return letter, step
    raise AssertionError(pitch_class)  # every pitch class is a natural or one off one


def _note_name(letter: str, octave: int) -> str:
    """ABC octave marks: C is middle C (C4), c the octave above, c' and C, beyond."""
    if octave >= 5:
        return letter.lower() + "'" * (octave - 5)
    return letter + "," * (4 - octave)


def _length(units: int) -> str:
    return "" if units == 1 else str(units)


def melody_to_abc(melody: Melody, title: str = "Segue", reference: int = 1) -> str:
    """The melody as one ABC tune (X, T, M, L, Q, K headers, then the bars)."""
    unit = abc_unit(melody.steps_per_quarter)
    key_field, alterations = key_signature(melody.key)
    fifths = sum(alterations.values())
    bar, beat = melody.steps_per_bar, melody.steps_per_beat
    numerator, denominator = melody.time_signature
    lines = [
        f"X:{reference}",
        f"T:{' '.join(title.split()) or 'Segue'}",
        f"M:{numerator}/{denominator}",
        f"L:1/{unit}",
        f"Q:1/4={round(melody.tempo)}",
        f"K:{key_field}",
    ]
    bars = max(1, melody.bar_end(melody.end) // bar)
    notes = list(melody.notes)
    body, written = [], []
    position, index, tied_sign = 0, 0, False
    for number in range(bars):
        bar_end = (number + 1) * bar
        tokens, in_bar = [], {}
        while position < bar_end:
            if position % beat == 0 and tokens:
                tokens.append(" ")
            note = notes[index] if index < len(notes) else None
            if note is None or note.start >= bar_end or note.start > position:
                # A rest up to the next note, the next beat, or the bar line.
                stop = min(note.start if note else bar_end, bar_end, (position // beat + 1) * beat)
                tokens.append("z" + _length(stop - position))
                position = stop
                continue
            stop = min(note.end, bar_end)
            letter, alteration = _spell(note.pitch % 12, alterations, fifths)
            octave = (note.pitch - alteration) // 12 - 1
            sign = ""
            # A tied note keeps its first bar's sign: music21 ties only equal spellings.
            if alteration != alterations.get(letter, 0) or letter in in_bar or tied_sign:
                sign = ACCIDENTAL_SIGNS[alteration]
                in_bar[letter] = alteration
            tie = "-" if note.end > bar_end else ""
            tokens.append(f"{sign}{_note_name(letter, octave)}{_length(stop - position)}{tie}")
            if note.end > bar_end:  # the rest of the note goes on in the next bar
                notes[index] = note.with_start(bar_end).with_length(note.end - bar_end)
                tied_sign = bool(sign)
            else:
                index += 1
                tied_sign = False
            position = stop
        written.append("".join(tokens))
        if len(written) == BARS_PER_LINE or number == bars - 1:
            end = " |]" if number == bars - 1 else " |"
            body.append(" | ".join(written) + end)
            written = []
    return "\n".join(lines + body) + "\n"
