"""The chord lane's editing rules, as small state classes and functions with no Qt.

The lane (:mod:`gui.piano_roll.chord_lane`) turns the mouse and keys into these and commits
what they return through ``document.set_chords`` (one undo step each):

=================================  ==========================================================
what the musician does             what happens
=================================  ==========================================================
click a chord                      selects it (and the lane plays it)
click an empty beat                selects the beat
double-click a chord, or Enter     :class:`ChordEntry` edits its symbol in place
double-click an empty beat         :class:`ChordEntry` enters a chord from that beat to the
                                   bar line (or the next chord, or the piece's end)
type A-G with a chord or beat      :class:`ChordEntry` starts with that letter
selected
drag a chord's left or right edge  :class:`EdgeDrag`: the edge lands on a beat, between the
                                   neighbours; one undo step
Delete or Backspace                removes the selected chord
=================================  ==========================================================

A symbol that is not a chord is refused with :class:`~engine.chords.Chord`'s own reason
(ValueError), and nothing changes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from segue.engine.chords import Chord

EDGE_CATCH_PX = 5.0  # a press this close to a chord's edge drags the edge
START, END = "start", "end"


@dataclass(frozen=True)
class LaneGrid:
    """Where chords may go: on beats (``steps_per_beat``), in bars, before the piece's ``end``."""

    steps_per_beat: int
    steps_per_bar: int
    end: int

    def beat_at(self, step: float) -> int:
        """The beat holding ``step`` (its first step)."""
        return math.floor(step / self.steps_per_beat) * self.steps_per_beat

    def nearest_beat(self, step: float) -> int:
        return math.floor(step / self.steps_per_beat + 0.5) * self.steps_per_beat

    def bar_end(self, step: int) -> int:
        """The bar line after ``step``."""
        return (step // self.steps_per_bar + 1) * self.steps_per_bar


def index_at(chords: Sequence[Chord], step: float) -> int | None:
    """The chord sounding at ``step``; None where none does."""
    for i, chord in enumerate(chords):
        if chord.start <= step < chord.end:
            return i
    return None


def edge_at(chords: Sequence[Chord], step: float, step_width: float) -> tuple[int, str] | None:
    """``(index, START or END)`` of the chord edge within :data:`EDGE_CATCH_PX` of ``step``;
    where two chords meet, the side the pointer is on chooses (left: the end of the chord
    before, right: the start of the one after)."""
    catch = EDGE_CATCH_PX / max(step_width, 1e-9)
    best = None
    for i, chord in enumerate(chords):
        for edge, at in ((START, chord.start), (END, chord.end)):
            distance = abs(step - at)
            inside = chord.start <= step < chord.end if edge == START else (
                chord.start < step <= chord.end)
            if distance <= catch and (best is None or (distance, not inside) < best[0]):
                best = ((distance, not inside), (i, edge))
    return None if best is None else best[1]


def new_chord_span(chords: Sequence[Chord], step: float, grid: LaneGrid) -> tuple[int, int] | None:
    """Where a chord entered at ``step`` goes: from its beat to the bar line, or the next chord,
    or the piece's end, whichever comes first; None on a chord or past the end."""
    start = grid.beat_at(step)
    if start < 0 or start >= grid.end or index_at(chords, start) is not None:
        return None
    following = [chord.start for chord in chords if chord.start > start]
    return start, min([grid.bar_end(start), grid.end, *following])


def previous_symbol(chords: Sequence[Chord], step: int) -> str:
    """The symbol of the last chord before ``step`` ('' when none): what a new chord's editor
    starts with, as a lead sheet repeats the chord until it changes."""
    before = [chord for chord in chords if chord.end <= step]
    return before[-1].symbol if before else ""


def removed(chords: Sequence[Chord], chord: Chord) -> tuple[Chord, ...]:
    return tuple(c for c in chords if c != chord)


class ChordEntry:
    """The in-place editor's job: the chord ``chord`` to change, or the empty ``span`` to fill.

    :meth:`commit` gives the new chord track (ValueError with the symbol's reason when it is
    not a chord); an empty symbol removes the chord edited, or enters nothing."""

    def __init__(self, chords: Sequence[Chord], chord: Chord | None = None,
                 span: tuple[int, int] | None = None, text: str | None = None):
        if (chord is None) == (span is None):
            raise ValueError("a chord entry edits a chord or fills a span, one of them")
        self.chords, self.chord = tuple(chords), chord
        self.span = (chord.start, chord.end) if chord is not None else span
        self.text = text if text is not None else (
            chord.symbol if chord is not None else previous_symbol(chords, span[0]))

    @property
    def verb(self) -> str:
        return "Change Chord" if self.chord is not None else "Enter Chord"

    def commit(self, text: str) -> tuple[tuple[Chord, ...], str]:
        """(the new chord track, the undo step's name); ValueError for a symbol that is not a
        chord (the Chord's own reason), the track unchanged."""
        text = text.strip()
        others = removed(self.chords, self.chord) if self.chord is not None else self.chords
        if not text:
            return others, "Delete Chord" if self.chord is not None else self.verb
        start, end = self.span
        chord = Chord(start, end - start, text)
        return tuple(sorted((*others, chord), key=lambda c: c.start)), self.verb


class EdgeDrag:
    """Dragging edge ``edge`` (START or END) of ``chords[index]``: the edge lands on the nearest
    beat, never past its neighbour or the piece's end, and never makes the chord empty."""

    def __init__(self, chords: Sequence[Chord], index: int, edge: str, grid: LaneGrid):
        self.chords, self.index, self.edge, self.grid = tuple(chords), index, edge, grid
        chord = self.chords[index]
        if edge == START:
            self.low = self.chords[index - 1].end if index > 0 else 0
            self.high = chord.end - 1
        else:
            self.low = chord.start + 1
            following = self.chords[index + 1].start if index + 1 < len(self.chords) else None
            self.high = min(grid.end, following) if following is not None else grid.end
        self.preview = self.chords

    @property
    def chord(self) -> Chord:
        return self.preview[self.index]

    def move(self, step: float) -> None:
        at = min(max(self.grid.nearest_beat(step), self.low), max(self.low, self.high))
        chord = self.chords[self.index]
        if self.edge == START:
            changed = chord.replace(start=at, length=chord.end - at)
        else:
            changed = chord.with_length(at - chord.start)
        self.preview = (*self.chords[:self.index], changed, *self.chords[self.index + 1:])

    def result(self) -> tuple[Chord, ...] | None:
        """The chord track the drag made; None when the chord is as it was."""
        return None if self.preview == self.chords else self.preview
