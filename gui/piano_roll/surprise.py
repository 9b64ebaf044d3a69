"""What the surprise lane and the surprise tint show: each note's surprise in bits, and why.

A note's surprise is its information content under the model, ``-log2 P(this note, here)``
(IDyOM's measure): about 1 bit for the note everyone expects, 8 or more for a leap out of the
blue. :class:`Surprises` holds one :class:`NoteSurprise` per note of the melody scored, keyed by
the note itself (notes are values and a melody has one note per start), so a note the user has
just moved shows nothing until the piece is scored again. The numbers come from
``engine.ml.evaluation.score(..., per_note=True)``; this module only words and colours them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtGui import QColor

from segue.engine.melody import Melody, Note
from segue.gui.piano_roll.style import note_name

FIRST_NOTE_TEXT = "The first note is given: the model predicts from it on."
HOT_BITS = 10.0  # the hottest colour; every note at or above it looks alike
COLOUR_STEPS = 10  # colours on the way (few, so a repaint batches notes by colour)
CALM = QColor("#3f8fd2")  # what the model expected
HOT = QColor("#f0603c")  # what it did not
TINT_ALPHA = 150


@dataclass(frozen=True)
class NoteSurprise:
    """One note's figures: ``bits`` for the note (when and what), ``pitch_bits`` for its pitch
    given that a note starts, ``expected`` the likeliest pitches then with their probabilities."""

    bits: float
    pitch_bits: float
    expected: tuple[tuple[int, float], ...]


def percent(probability: float) -> str:
    return "<1%" if probability < 0.005 else f"{round(probability * 100)}%"


def expected_text(expected: Sequence[tuple[int, float]]) -> str:
    """``'F#4 (41%), A4 (22%) or G4 (9%)'``."""
    names = [f"{note_name(pitch)} ({percent(p)})" for pitch, p in expected]
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} or {names[-1]}"


def describe(note: Note, surprise: NoteSurprise) -> str:
    """The hover text: the bits, what the model expected, and how the bits split."""
    lines = [f"{surprise.bits:.1f} bits: the model expected {expected_text(surprise.expected)}"]
    timing = max(0.0, surprise.bits - surprise.pitch_bits)
    lines.append(
        f"{note_name(note.pitch)} here: {surprise.pitch_bits:.1f} bits for the pitch, "
        f"{timing:.1f} for when it starts"
    )
    return "\n".join(lines)


class Surprises:
    """The surprise of each note of one scored melody, or the reason there is none (``problem``)."""

    def __init__(self, by_note: dict[Note, NoteSurprise | None] | None = None, problem: str = ""):
        self._by_note = dict(by_note or {})
        self.problem = problem

    @classmethod
    def from_score(cls, melody: Melody, result: dict) -> Surprises:
        """From ``score(model, melody, per_note=True)``: its lists run in note order."""
        by_note: dict[Note, NoteSurprise | None] = {}
        lists = zip(melody.notes, result["note_bits"], result["note_pitch_bits"], result["expected"])
        for note, bits, pitch_bits, expected in lists:
            by_note[note] = None if bits is None else NoteSurprise(
                float(bits), float(pitch_bits), tuple((int(p), float(q)) for p, q in expected)
            )
        return cls(by_note)

    def __len__(self) -> int:
        return len(self._by_note)

    def __contains__(self, note: Note) -> bool:
        return note in self._by_note

    def of(self, note: Note) -> NoteSurprise | None:
        """The note's figures; None for the first note or a note that was not scored."""
        return self._by_note.get(note)

    def text_for(self, note: Note) -> str | None:
        """The hover text for ``note``, or None for a note this scoring did not see."""
        if note not in self._by_note:
            return None
        surprise = self._by_note[note]
        return FIRST_NOTE_TEXT if surprise is None else describe(note, surprise)

    def colour_of(self, note: Note) -> QColor | None:
        """The tint of ``note`` (None when it has no figure)."""
        surprise = self._by_note.get(note)
        return None if surprise is None else surprise_colour(surprise.bits)


_COLOURS: list[QColor] = []


def surprise_colour(bits: float) -> QColor:
    """Calm blue for an expected note to hot orange for a surprising one, in a few steps."""
    if not _COLOURS:
        for k in range(COLOUR_STEPS + 1):
            t = k / COLOUR_STEPS
            colour = QColor.fromRgbF(
                CALM.redF() + (HOT.redF() - CALM.redF()) * t,
                CALM.greenF() + (HOT.greenF() - CALM.greenF()) * t,
                CALM.blueF() + (HOT.blueF() - CALM.blueF()) * t,
            )
            colour.setAlpha(TINT_ALPHA)
            _COLOURS.append(colour)
    step = round(min(max(bits, 0.0), HOT_BITS) / HOT_BITS * COLOUR_STEPS)
    return _COLOURS[step]
