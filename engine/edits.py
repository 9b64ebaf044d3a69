"""Piano-roll edits as pure functions: a melody and the notes to act on in, a new melody out.

No Qt here: the roll computes the result (also as a live preview during a drag) and commits it
through the document's undo stack. Each function returns an :class:`EditResult` holding the new
melody and the notes to select afterwards (the edited notes as they are in the result).

Two rules put notes somewhere, and every result says which notes it replaced or shortened (so
the roll can tell the user):

* :func:`fit_notes`, for drawing and lengthening a note (the DAW convention for a one-voice
  line): the earlier note gives way. A note sounding into the next note's start is shortened
  there, whether it is the placed note or the one it lands in; only a note on the very step a
  placed note starts on is replaced.
* :func:`place_notes`, for moving, pasting, duplicating and quantizing phrases: the placed notes
  win. An untouched note that starts under a placed note is removed (it was drawn over), and one
  that starts before a placed note is cut where that note starts (the engine's monophony rule).
  Without the first half, dragging a phrase over other notes would interleave the two.

Notes are values; in a monophonic melody no two notes share a start, so a start names a note.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from segue.engine.grid import regrid
from segue.engine.melody import MAX_PITCH, Melody, Note


@dataclass(frozen=True)
class EditResult:
    """The edited melody, the notes to select in it, and what the edit did to other notes:
    ``replaced`` (removed: drawn over) and ``shortened`` (cut at the next note), each as the
    notes were given to the edit."""

    melody: Melody
    selection: frozenset[Note]
    replaced: tuple[Note, ...] = ()
    shortened: tuple[Note, ...] = ()


def members(melody: Melody, notes: Iterable[Note]) -> list[Note]:
    """``notes`` in melody order; ValueError naming the first one the melody lacks.

    Matched through their starts (unique in a monophonic melody), which is much cheaper than
    hashing every note of a long melody on each mouse move of a drag.
    """
    by_start = {n.start: n for n in melody.notes}
    wanted = {}
    for note in notes:
        if by_start.get(note.start) != note:
            raise ValueError(f"{note} is not in the melody")
        wanted[note.start] = note
    return [wanted[start] for start in sorted(wanted)]


def others(melody: Melody, targets: list[Note]) -> list[Note]:
    """The melody's notes that are not among ``targets`` (members of the melody)."""
    starts = {n.start for n in targets}
    return [n for n in melody.notes if n.start not in starts]


def place_notes(
    melody: Melody, placed: Iterable[Note], base: Iterable[Note] | None = None
) -> EditResult:
    """``placed`` put into ``base`` (default: the melody's notes), the placed notes winning.

    Of placed notes that share a start, the last given wins (the monophony rule).
    """
    placed = list(placed)
    base = list(melody.notes if base is None else base)
    spans = sorted((n.start, n.end) for n in placed)
    span_starts = [s for s, _ in spans]
    # Running maximum of ends lets one bisect answer "does any placed note cover this step?".
    reach, ends = 0, []
    for _, end in spans:
        reach = max(reach, end)
        ends.append(reach)

    def covered(step: int) -> bool:
        i = bisect.bisect_right(span_starts, step) - 1
        return i >= 0 and ends[i] > step

    kept, replaced = [], []
    for note in base:
        (replaced if covered(note.start) else kept).append(note)
    return _result(melody.with_notes(kept + placed), kept, placed, tuple(replaced))


def fit_notes(
    melody: Melody, placed: Iterable[Note], base: Iterable[Note] | None = None
) -> EditResult:
    """``placed`` put into ``base`` (default: the melody's notes) as one voice: every note that
    would sound into the next note's start is shortened there; a base note on the step a placed
    note starts on is replaced (see the module docstring)."""
    placed = list(placed)
    base = list(melody.notes if base is None else base)
    placed_starts = {n.start for n in placed}
    kept, replaced = [], []
    for note in base:
        (replaced if note.start in placed_starts else kept).append(note)
    return _result(melody.with_notes(kept + placed), kept, placed, tuple(replaced))


def _result(
    result: Melody, kept: list[Note], placed: list[Note], replaced: tuple[Note, ...]
) -> EditResult:
    """The EditResult of putting ``placed`` among ``kept`` (both as given), which made
    ``result``: the placed notes selected, and the given notes the result holds shorter."""
    starts = [n.start for n in result.notes]
    placed_starts = {n.start for n in placed}
    selection = frozenset(n for n in result.notes if n.start in placed_starts)
    # Only a placed note, or the kept note just before one, can have been cut.
    kept_starts = [n.start for n in kept]
    candidates = list(placed)
    for note in placed:
        i = bisect.bisect_left(kept_starts, note.start) - 1
        if i >= 0:
            candidates.append(kept[i])
    shortened = []
    for note in candidates:
        i = bisect.bisect_left(starts, note.start)
        if i < len(starts) and starts[i] == note.start:
            now = result.notes[i]
            if now.pitch == note.pitch and now.length < note.length and note not in shortened:
                shortened.append(note)
    shortened.sort(key=lambda n: n.start)
    return EditResult(result, selection, replaced, tuple(shortened))


def clamp_move(notes: Iterable[Note], dsteps: int, dpitch: int) -> tuple[int, int]:
    """The movement closest to ``(dsteps, dpitch)`` that keeps every note on the roll."""
    notes = list(notes)
    if not notes:
        return 0, 0
    first = min(n.start for n in notes)
    low = min(n.pitch for n in notes)
    high = max(n.pitch for n in notes)
    dsteps = max(dsteps, -first)
    dpitch = min(max(dpitch, -low), MAX_PITCH - high)
    return dsteps, dpitch


def move_notes(
    melody: Melody, notes: Iterable[Note], dsteps: int, dpitch: int, copy: bool = False
) -> EditResult:
    """Move notes by ``dsteps`` and ``dpitch``; with ``copy`` the originals stay.

    ValueError when a note would start before step 0 or leave the MIDI range.
    """
    targets = members(melody, notes)
    if not targets:
        return EditResult(melody, frozenset())
    if (dsteps, dpitch) != clamp_move(targets, dsteps, dpitch):
        raise ValueError(
            f"moving by {dsteps} steps and {dpitch} semitones takes notes off the roll "
            "(before step 0 or outside MIDI pitches 0-127)"
        )
    # dataclasses.replace keeps what else a note carries (its humanize offset)
    moved = [dataclasses.replace(n, pitch=n.pitch + dpitch, start=n.start + dsteps) for n in targets]
    if copy:
        return place_notes(melody, moved)
    return place_notes(melody, moved, others(melody, targets))


def transpose_notes(melody: Melody, notes: Iterable[Note], semitones: int) -> EditResult:
    """Move the notes' pitches by ``semitones``; ValueError if one would leave 0-127."""
    targets = members(melody, notes)
    if targets:
        low = min(n.pitch for n in targets)
        high = max(n.pitch for n in targets)
        if low + semitones < 0 or high + semitones > MAX_PITCH:
            raise ValueError(
                f"transposing by {semitones:+d} semitones moves pitches {low}-{high} "
                "outside the MIDI range 0-127"
            )
    return move_notes(melody, targets, 0, semitones)


def resize_notes(melody: Melody, notes: Iterable[Note], dlength: int) -> EditResult:
    """Change every note's length by ``dlength`` steps, never below one step; a note lengthened
    over the next note's start stops there (:func:`fit_notes`)."""
    targets = members(melody, notes)
    resized = [n.with_length(max(1, n.length + dlength)) for n in targets]
    return fit_notes(melody, resized, others(melody, targets))


def delete_notes(melody: Melody, notes: Iterable[Note]) -> EditResult:
    """The melody without the notes; nothing selected afterwards."""
    return EditResult(melody.remove(members(melody, notes)), frozenset())


def paste_notes(melody: Melody, notes: Iterable[Note], at: int) -> EditResult:
    """Place copies of ``notes`` so that the earliest starts at step ``at``; they are selected.

    ``notes`` may come from anywhere (the clipboard): only their relative positions matter.
    Pitches that would leave the MIDI range raise ValueError.
    """
    notes = list(notes)
    if at < 0:
        raise ValueError(f"cannot paste at step {at}: before the start of the roll")
    if not notes:
        return EditResult(melody, frozenset())
    origin = min(n.start for n in notes)
    placed = [n.with_start(n.start - origin + at) for n in notes]
    return place_notes(melody, placed)


def selection_span(notes: Iterable[Note]) -> tuple[int, int]:
    """``(first start, last end)`` of the notes; ValueError when there are none."""
    notes = list(notes)
    if not notes:
        raise ValueError("no notes selected")
    return min(n.start for n in notes), max(n.end for n in notes)


def duplicate_notes(melody: Melody, notes: Iterable[Note], grid: int = 1) -> EditResult:
    """Copies of the notes placed right after them.

    The copy is offset by the notes' span rounded up to whole ``grid`` units, so a phrase on the
    grid repeats on the grid (a dotted-quarter phrase duplicated at 1/4 snap lands on a beat).
    """
    if grid < 1:
        raise ValueError(f"duplicate grid {grid} must be at least one step")
    targets = members(melody, notes)
    if not targets:
        return EditResult(melody, frozenset())
    first, last = selection_span(targets)
    offset = -(-(last - first) // grid) * grid
    return place_notes(melody, [n.with_start(n.start + offset) for n in targets])


def quantize_notes(melody: Melody, notes: Iterable[Note], grid: int) -> EditResult:
    """Snap the notes' starts and ends to multiples of ``grid`` steps (Melody.quantize rules)."""
    targets = members(melody, notes)
    quantized = melody.with_notes(targets).quantize(grid).notes
    return place_notes(melody, quantized, others(melody, targets))


def change_velocity(melody: Melody, notes: Iterable[Note], delta: int) -> EditResult:
    """Add ``delta`` to the notes' velocities, each clamped to 1-127."""
    starts = {n.start for n in members(melody, notes)}
    result = melody.with_notes(
        n.with_velocity(min(127, max(1, n.velocity + delta))) if n.start in starts else n
        for n in melody.notes
    )
    return EditResult(result, frozenset(n for n in result.notes if n.start in starts))


def note_at(
    melody: Melody, step: float, pitch: int, starts: list[int] | None = None
) -> Note | None:
    """The note sounding at ``step`` on ``pitch``, or None. ``starts``: the notes' starts, if known."""
    if starts is None:
        starts = [n.start for n in melody.notes]
    i = bisect.bisect_right(starts, step) - 1
    if i >= 0:
        note = melody.notes[i]
        if note.pitch == pitch and step < note.end:
            return note
    return None


def notes_in_area(
    melody: Melody, first_step: float, last_step: float, low_pitch: int, high_pitch: int
) -> frozenset[Note]:
    """Notes overlapping steps ``[first_step, last_step)`` with pitches in ``[low, high]``."""
    return frozenset(
        n
        for n in melody.notes
        if n.start < last_step and n.end > first_step and low_pitch <= n.pitch <= high_pitch
    )


def resolve_selection(melody: Melody, selection: Iterable[Note]) -> frozenset[Note]:
    """The selected notes still in ``melody`` (after undo, redo or an edit elsewhere)."""
    present = set(melody.notes)
    return frozenset(n for n in selection if n in present)


def merge_take(melody: Melody, take: Melody) -> Melody:
    """``melody`` with a recorded ``take`` written over the span it covers (from its first
    note's start to its last note's end): older notes starting there go, an older note running
    into it is cut. The GUI pushes the result as one undo step. A take on a coarser grid the
    melody's is a multiple of (recorded before the piece went onto a triplet grid) is moved onto
    it exactly first; one on a finer grid would lose notes and is refused."""
    if not take.notes:
        return melody
    spq = melody.steps_per_quarter
    if take.steps_per_quarter != spq and spq % take.steps_per_quarter == 0:
        take = regrid(take, spq)
    if take.steps_per_quarter != spq:
        raise ValueError(
            f"a take recorded at {take.steps_per_quarter} steps per quarter cannot be merged into "
            f"a melody with {melody.steps_per_quarter}"
        )
    begin, end = take.start, take.end
    kept = []
    for note in melody.notes:
        if begin <= note.start < end:
            continue
        if note.start < begin < note.end:
            note = note.with_length(begin - note.start)
        kept.append(note)
    return melody.with_notes(kept + list(take.notes))
