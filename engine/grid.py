"""The melody's grid: which grid a piece's times need, and moving a melody (and its chords)
from one grid to another.

A straight piece lives on 4 steps per quarter (a step is a sixteenth). A piece with triplets
lives on :data:`TRIPLET_STEPS_PER_QUARTER`, 12: a sixteenth is 3 steps, a triplet eighth (1/8T)
4 and a triplet sixteenth (1/16T) 2, so straight and triplet notes sit side by side exactly.

Moving to a grid that is a multiple of the old one is exact. Moving to a coarser grid snaps
each note's start and end to the nearest new step (half a step rounds up, as MIDI import
snaps) and keeps a note at least one step long; notes that then collide follow the monophony
rule of :class:`engine.melody.Melody` (the earlier note is cut where the later one starts, and
of two notes on one step the later one stays), and the report counts the notes moved and
dropped. Chords move the same way (:func:`regrid_chords`).

Qt-free and pure: values in, values out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from segue.engine.chords import Chord
from segue.engine.melody import (
    DEFAULT_STEPS_PER_QUARTER,
    Melody,
    Note,
    check_steps_per_quarter,
    monophonic,
)

STRAIGHT_STEPS_PER_QUARTER = DEFAULT_STEPS_PER_QUARTER  # 4: a step is a sixteenth
TRIPLET_STEPS_PER_QUARTER = 12  # sixteenths (3 steps) beside 1/8T (4) and 1/16T (2)
# How far (in quarters) a time may lie from a grid position and still count as on it: a few
# ticks of a file whose resolution does not divide by three (1/3 of 100 ticks is 33).
ON_GRID_TOLERANCE = 0.01


@dataclass(frozen=True)
class Regridded:
    """A melody moved to another grid, and what that did to its notes."""

    melody: Melody
    moved: int = 0  # kept notes whose start or length is not exactly where it was
    dropped: int = 0  # notes that collided with a later one on the new grid


def _to_step(step: int, old: int, new: int) -> int:
    """The nearest step of grid ``new`` to step ``step`` of grid ``old``; half rounds up."""
    return (2 * step * new + old) // (2 * old)  # floor(step * new / old + 1/2), in integers


def regrid_with_report(melody: Melody, steps_per_quarter: int) -> Regridded:
    """``melody`` on ``steps_per_quarter`` (module docstring), with the notes moved and dropped.

    ValueError when the melody's meter has no whole bar on the new grid."""
    new = check_steps_per_quarter(steps_per_quarter)
    old = melody.steps_per_quarter
    if new == old:
        return Regridded(melody)
    notes, source = [], {}
    for note in melody.notes:
        start = (2 * note.start * new + old) // (2 * old)  # _to_step, inline: a generation
        end = max(start + 1, (2 * note.end * new + old) // (2 * old))  # regrids 8 melodies
        notes.append(Note(note.pitch, start, end - start, note.velocity, note.offset_ms))
        source[start] = note  # of notes landing on one step the later stays, as in Melody
    regridded = melody.replace(
        notes=notes, steps_per_quarter=new, swing_unit=_swing_unit(melody, new)
    )
    moved = sum(  # (exact: a note kept in place lies at step * old / new of the old grid)
        1 for note in regridded.notes
        if source[note.start].start * new != note.start * old
        or source[note.start].end * new != note.end * old
    )
    return Regridded(regridded, moved, len(melody.notes) - len(regridded.notes))


def _swing_unit(melody: Melody, new: int) -> int:
    """The swing unit on the new grid: the same note value where the grid holds it."""
    unit = round(Fraction(melody.swing_unit * new, melody.steps_per_quarter))
    return min(max(1, unit), new)


def regrid(melody: Melody, steps_per_quarter: int) -> Melody:
    """``melody`` on ``steps_per_quarter`` steps per quarter: exact onto a multiple of its grid,
    snapped onto a coarser one (module docstring)."""
    return regrid_with_report(melody, steps_per_quarter).melody


def regrid_chords(chords: Sequence[Chord], old_spq: int, new_spq: int) -> tuple[Chord, ...]:
    """``chords`` (in order, not overlapping) moved from grid ``old_spq`` to ``new_spq`` by the
    notes' rule: exact onto a multiple, else each start and end to the nearest step, a chord at
    least one step long; a chord that then starts where a later one starts is dropped, and one
    that runs into the next is cut where it starts."""
    check_steps_per_quarter(old_spq)
    check_steps_per_quarter(new_spq)
    if old_spq == new_spq:
        return tuple(chords)
    moved = []
    for chord in chords:
        start = _to_step(chord.start, old_spq, new_spq)
        end = max(start + 1, _to_step(chord.end, old_spq, new_spq))
        moved.append(chord.replace(start=start, length=end - start))
    return monophonic(moved)  # the melody's rule: the later of two on a step stays


def note_positions(steps_per_quarter: int) -> frozenset[int]:
    """The steps of a quarter where the roll's snaps (down to 1/16 and 1/16T) start and end
    notes on this grid: on a grid of a multiple of 12 steps a quarter, the sixteenths and the
    triplet sixteenths (the triplet eighths among them); on any other grid, every step."""
    spq = check_steps_per_quarter(steps_per_quarter)
    if spq % TRIPLET_STEPS_PER_QUARTER:
        return frozenset(range(spq))
    return frozenset(p for p in range(spq) if p % (spq // 4) == 0 or p % (spq // 6) == 0)


def _on_grid(steps: int, steps_per_quarter: int, division: int) -> bool:
    """Whether step ``steps`` of a ``steps_per_quarter`` grid is a multiple of 1/``division``
    of a quarter."""
    return steps * division % steps_per_quarter == 0


def off_sixteenths(melody: Melody) -> int:
    """How many notes start or end off the straight sixteenth grid (on the 12-step grid: the
    triplet notes)."""
    spq = melody.steps_per_quarter
    return sum(
        1 for note in melody.notes
        if not (_on_grid(note.start, spq, 4) and _on_grid(note.end, spq, 4))
    )


def holds_triplets(melody: Melody) -> bool:
    """Whether a note starts or ends off the melody's straight sixteenth grid: whether moving it
    to 4 steps per quarter would move a note."""
    return off_sixteenths(melody) > 0


def _on(times: np.ndarray, steps_per_quarter: int) -> np.ndarray:
    """Which times lie on the grid, within :data:`ON_GRID_TOLERANCE`."""
    steps = times * steps_per_quarter
    return np.abs(steps - np.rint(steps)) <= ON_GRID_TOLERANCE * steps_per_quarter


def grid_for_onsets(onsets_in_quarters: Iterable, *, strict: bool = False) -> int:
    """The grid a piece's times need: 4 when every one lies on a sixteenth (within
    :data:`ON_GRID_TOLERANCE`), else 12 when the triplet grid holds them (sixteenths, triplet
    eighths, triplet sixteenths), or (unless ``strict``) when a few times lie off both grids
    (a quintuplet or a grace note in a written piece): at most a third of four or more, and no
    more than lie on triplet positions, of which there are at least two (one could be chance);
    else 4. Times mostly off both grids are a played take, which snaps to sixteenths as it
    always has (the triplet grid would turn its looseness into triplets): of sets of random
    times, about 1 in 250 with 8 times passes, none in 4,000 with 20. Times are in quarters
    (floats, Fractions or a numpy array)."""
    times = np.asarray(
        onsets_in_quarters if isinstance(onsets_in_quarters, np.ndarray)
        else [float(t) for t in onsets_in_quarters],
        dtype=float,
    )
    on_sixteenths = _on(times, STRAIGHT_STEPS_PER_QUARTER)
    if on_sixteenths.all():
        return STRAIGHT_STEPS_PER_QUARTER
    on_triplet_grid = _on(times, TRIPLET_STEPS_PER_QUARTER)
    triplets = int(np.count_nonzero(on_triplet_grid & ~on_sixteenths))
    off_both = len(times) - int(np.count_nonzero(on_triplet_grid))
    if off_both == 0:
        return TRIPLET_STEPS_PER_QUARTER
    if not strict and len(times) >= 4 and 3 * off_both <= len(times) and triplets >= max(2, off_both):
        return TRIPLET_STEPS_PER_QUARTER
    return STRAIGHT_STEPS_PER_QUARTER


def grid_for_notes(starts, ends, *, strict: bool = False) -> int:
    """The grid for notes starting and ending at these times (quarters): the onsets decide (a
    played or gated note's end may lie anywhere; ``strict``: see :func:`grid_for_onsets`), and
    ends on triplet positions also ask for 12 when every onset is a sixteenth and every end
    lies on the triplet grid (a triplet-long note from a straight onset)."""
    starts = np.asarray(starts, dtype=float)
    grid = grid_for_onsets(starts, strict=strict)
    if grid == STRAIGHT_STEPS_PER_QUARTER and len(starts):
        both = np.concatenate([starts, np.asarray(ends, dtype=float)])
        grid = grid_for_onsets(both, strict=True)
    return grid
