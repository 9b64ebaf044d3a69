"""Parts on the grid: ticks to beats to steps, polyphony reduced to one line, and what choosing
the melody asks of a part (:func:`line_traits`; the rule is :mod:`engine.part_choice`).

The rules are the package docstring's (Time, Grid, Reduction, Best part).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from segue.engine.grid import grid_for_notes
from segue.engine.melody import Note
from segue.engine.midi_io.parse import _Part, _Song
from segue.engine.midi_io.results import DRUM_CHANNEL, DRUM_KIT_NAME, GM_PROGRAM_NAMES, TrackInfo

DEFAULT_TEMPO_US = 500_000  # 120 BPM, the Standard MIDI File default
REDUCTIONS = ("highest", "lowest")
LEGATO_OVERLAP_BEATS = 0.125  # a 32nd note: overlaps up to this are legato, not polyphony


# --- time: ticks to beats to steps --------------------------------------------------------------


def _tick_to_beats(song: _Song):
    """A function from an array of ticks to beats (the rule is the package docstring's)."""
    layout = song.layout
    if layout.ticks_per_beat:
        ticks_per_beat = layout.ticks_per_beat
        return lambda ticks: ticks / ticks_per_beat
    # SMPTE ticks count seconds: walk the tempo map, held in the same ticks.
    ticks_per_second = layout.ticks_per_second
    starts, beats_at, tempos = [0], [0.0], [DEFAULT_TEMPO_US]
    for tick, tempo in song.tempos:
        beats_at.append(beats_at[-1] + (tick - starts[-1]) * 1e6 / (tempos[-1] * ticks_per_second))
        starts.append(tick)
        tempos.append(tempo)
    starts, beats_at = np.array(starts), np.array(beats_at)
    seconds_per_tick = np.array(tempos) * ticks_per_second

    def convert(ticks: np.ndarray) -> np.ndarray:
        i = np.searchsorted(starts, ticks, side="right") - 1
        return beats_at[i] + (ticks - starts[i]) * 1e6 / seconds_per_tick[i]

    return convert


def part_grid(timed: _TimedNotes | list[_Timed], steps_per_quarter: int | None = None) -> int:
    """``steps_per_quarter`` when given, else the grid a part's notes need: 12 steps per quarter
    when they play triplets (eighths or sixteenths), else 4 (:func:`engine.grid.grid_for_notes`:
    the onsets decide; times mostly off both grids, a played take, snap to sixteenths as ever)."""
    if steps_per_quarter is not None:
        return steps_per_quarter
    timed = _as_arrays(timed) if len(timed) else None
    if timed is None:
        return grid_for_notes((), ())
    return grid_for_notes(timed.start, timed.sounding_end)


def _snap(beats, steps_per_quarter: int):
    """The nearest grid step (of one time or an array of them); half a step rounds up."""
    return np.floor(beats * steps_per_quarter + 0.5).astype(np.int64)


# --- parts: analysis and reduction --------------------------------------------------------------


@dataclass
class _Timed:
    """One note in beats (how engine.notation hands its notes to :func:`_reduce`)."""

    start: float
    end: float  # for overlap tests: an unreleased note counts as ending where it starts
    sounding_end: float  # where the note really ends
    pitch: int
    velocity: int


@dataclass
class _TimedNotes:
    """A part's notes in beats, as arrays (no object per note), for analysis and reduction."""

    start: np.ndarray
    end: np.ndarray  # for overlap tests: an unreleased note counts as ending where it starts
    sounding_end: np.ndarray  # where the note really ends
    pitch: np.ndarray
    velocity: np.ndarray

    def __len__(self) -> int:
        return len(self.start)

    def take(self, which) -> _TimedNotes:
        return _TimedNotes(self.start[which], self.end[which], self.sounding_end[which],
                           self.pitch[which], self.velocity[which])


def _as_arrays(timed: _TimedNotes | list[_Timed]) -> _TimedNotes:
    if isinstance(timed, _TimedNotes):
        return timed
    columns = zip(*((t.start, t.end, t.sounding_end, t.pitch, t.velocity) for t in timed))
    start, end, sounding_end, pitch, velocity = (list(c) for c in columns)
    return _TimedNotes(np.array(start, dtype=float), np.array(end, dtype=float),
                       np.array(sounding_end, dtype=float), np.array(pitch, dtype=np.int64),
                       np.array(velocity, dtype=np.int64))


def _timed_notes(part: _Part, to_beats) -> _TimedNotes:
    """The part's notes in beats, sorted by start then pitch."""
    notes = part.notes
    start, end = to_beats(notes.start), to_beats(notes.end)
    order = np.lexsort((notes.pitch, start))  # stable: equal notes keep their file order
    return _TimedNotes(start[order], np.where(notes.released, end, start)[order], end[order],
                  notes.pitch[order], notes.velocity[order])


def _overlap(a_start, a_end, b_start, b_end):
    return np.minimum(a_end, b_end) - np.maximum(a_start, b_start)


def _covers(upper_start, upper_end, under_start, under_end):
    """Whether ``upper`` sounds over ``under`` for half of it or more (and over a 32nd note)."""
    overlap = _overlap(upper_start, upper_end, under_start, under_end)
    return (overlap > LEGATO_OVERLAP_BEATS) & (overlap >= 0.5 * (under_end - under_start))


def _polyphonic_share(timed: _TimedNotes | list[_Timed]) -> float:
    """The share of notes that sound together with the longest-lasting earlier note: more
    than legato, overlapping by over a 32nd note and by half the shorter one."""
    count = len(timed)
    if count < 2:
        return 0.0
    timed = _as_arrays(timed)
    start, end = timed.start, timed.end
    # The longest-lasting note so far: the first to reach each new latest end.
    record = np.ones(count, dtype=bool)
    record[1:] = end[1:] > np.maximum.accumulate(end)[:-1]
    longest = np.maximum.accumulate(np.where(record, np.arange(count), 0))[:-1]
    overlap = _overlap(start[longest], end[longest], start[1:], end[1:])
    shorter = np.minimum(end[longest] - start[longest], end[1:] - start[1:])
    together = (overlap > LEGATO_OVERLAP_BEATS) & (overlap >= 0.5 * shorter)
    return int(np.count_nonzero(together)) / count


@dataclass
class _Reduction:
    """A part reduced to one line: its kept notes (as arrays) and the report's counts."""

    pitch: np.ndarray
    start: np.ndarray  # steps
    length: np.ndarray
    velocity: np.ndarray
    moved: int
    merged: int
    dropped: int

    @property
    def kept(self) -> int:
        return len(self.pitch)

    @functools.cached_property
    def notes(self) -> list[Note]:
        """The kept notes, made only when asked for: choosing a part needs just the counts."""
        return list(map(Note, self.pitch.tolist(), self.start.tolist(), self.length.tolist(),
                        self.velocity.tolist()))


def _reduce(
    timed: _TimedNotes | list[_Timed], steps_per_quarter: int, reduction: str
) -> _Reduction:
    """One line from a part's notes (rule in the package docstring); every note is counted once.

    The notes on one grid step form a group; its pick is the highest (lowest) note, the later
    start breaking ties, then the first given.
    """
    sign = 1 if reduction == "highest" else -1
    timed = _as_arrays(timed)
    count = len(timed)
    step = _snap(timed.start, steps_per_quarter)
    if np.any(step[1:] < step[:-1]):  # not sorted by start: group by step, keeping the order
        order = np.argsort(step, kind="stable")
        timed, step = timed.take(order), step[order]
    first = np.ones(count, dtype=bool)
    first[1:] = step[1:] != step[:-1]
    group = np.cumsum(first) - 1
    index = np.arange(count)
    order = np.lexsort((-index, timed.start, sign * timed.pitch, group))
    last = np.append(np.flatnonzero(first)[1:] - 1, count - 1)
    pick = order[last]
    pick_start, pick_end = timed.start[pick], timed.end[pick].copy()
    pick_sounding_end, pick_pitch = timed.sounding_end[pick].copy(), timed.pitch[pick]
    # The other notes of each group are merged or dropped; a pick may grow by merging a
    # same-pitch note, which changes the later tests in its group: such groups go one by one.
    others = pick[group] != index
    same_pitch = others & (timed.pitch == pick_pitch[group])
    by_hand = np.unique(group[same_pitch])
    plain = others & ~np.isin(group, by_hand)
    dropped = int(np.count_nonzero(
        plain & (_overlap(timed.start, timed.end, pick_start[group], pick_end[group]) > 0)
    ))
    merged = int(np.count_nonzero(plain)) - dropped
    bounds = np.append(np.flatnonzero(first), count)
    for g in by_hand.tolist():
        low, high = int(bounds[g]), int(bounds[g + 1])
        group_dropped, pick_end[g], pick_sounding_end[g] = _merge_group(
            timed.take(slice(low, high)), int(pick[g]) - low
        )
        dropped += group_dropped
        merged += high - low - 1 - group_dropped
    # A pick sounding under (over) the last kept note for half its length is dropped.
    kept = _kept_line(pick_start, pick_end, sign * pick_pitch)
    dropped += len(pick) - int(np.count_nonzero(kept))
    kept_step, kept_start = step[pick][kept], pick_start[kept]
    kept_sounding_end = pick_sounding_end[kept]
    end = np.maximum(kept_step + 1, _snap(kept_sounding_end, steps_per_quarter))
    exact_start = kept_start * steps_per_quarter
    exact_length = (kept_sounding_end - kept_start) * steps_per_quarter
    moved = (np.abs(exact_start - kept_step) > 1e-6) | (
        np.abs(exact_length - (end - kept_step)) > 1e-6
    )
    return _Reduction(pick_pitch[kept], kept_step, end - kept_step, timed.velocity[pick][kept],
                      int(np.count_nonzero(moved)), merged, dropped)


def _merge_group(group: _TimedNotes, pick: int) -> tuple[int, float, float]:
    """(notes dropped, the pick's end, its sounding end) for a group whose pick grows."""
    start, end = group.start.tolist(), group.end.tolist()
    pitch, sounding_end = group.pitch.tolist(), group.sounding_end.tolist()
    pick_end, pick_sounding_end = end[pick], sounding_end[pick]
    dropped = 0
    for other in range(len(start)):
        if other == pick:
            continue
        if pitch[other] != pitch[pick] and (
            min(end[other], pick_end) - max(start[other], start[pick]) > 0
        ):
            dropped += 1  # a chord tone under (or over) the kept line
            continue
        # a repeat, a grace note or a run too fast for the grid
        if pitch[other] == pitch[pick] and sounding_end[other] > pick_sounding_end:
            pick_end, pick_sounding_end = max(pick_end, end[other]), sounding_end[other]
    return dropped, pick_end, pick_sounding_end


def _kept_line(start: np.ndarray, end: np.ndarray, height: np.ndarray) -> np.ndarray:
    """Which picks stay: a pick is dropped when the last kept one is higher (``height``) and
    covers it. Only picks whose predecessor would drop them, and those after a dropped pick,
    can change, so just they are walked one by one."""
    kept = np.ones(len(start), dtype=bool)
    suspects = (np.flatnonzero(
        (height[:-1] > height[1:]) & _covers(start[:-1], end[:-1], start[1:], end[1:])
    ) + 1).tolist()
    if not suspects:
        return kept
    start, end, height = start.tolist(), end.tolist(), height.tolist()
    suspects.reverse()
    after_drop = None  # (pick, the last kept pick before it) to check after a dropped one
    while suspects or after_drop:
        if after_drop and (not suspects or after_drop[0] <= suspects[-1]):
            current, previous = after_drop
            if suspects and suspects[-1] == current:
                suspects.pop()
        else:
            current = suspects.pop()
            previous = current - 1
        after_drop = None
        overlap = min(end[previous], end[current]) - max(start[previous], start[current])
        if height[previous] > height[current] and overlap > LEGATO_OVERLAP_BEATS and (
            overlap >= 0.5 * (end[current] - start[current])
        ):
            kept[current] = False
            if current + 1 < len(start):
                after_drop = (current + 1, previous)
    return kept


def line_traits(timed: _TimedNotes | list[_Timed]) -> dict:
    """What choosing the melody asks of a part (:mod:`engine.part_choice`): its median pitch,
    its share of chord notes, and the share of its top line's moves by one or two semitones
    (the top line: the highest note of each onset; repeated notes are no step)."""
    if not len(timed):
        return {"median_pitch": 0.0, "chord_share": 0.0, "step_share": 0.0}
    timed = _as_arrays(timed)
    order = np.lexsort((-timed.pitch, timed.start))
    start, pitch = timed.start[order], timed.pitch[order]
    first = np.ones(len(start), dtype=bool)
    first[1:] = start[1:] != start[:-1]  # sorted highest first: the onset's top note
    moves = np.abs(np.diff(pitch[first]))
    steps = int(np.count_nonzero((moves >= 1) & (moves <= 2)))
    return {
        "median_pitch": float(np.median(timed.pitch)),
        "chord_share": _polyphonic_share(timed),
        "step_share": steps / len(moves) if len(moves) else 0.0,
    }


def _part_info(index: int, part: _Part, timed: _TimedNotes) -> TrackInfo:
    is_drum = part.channel == DRUM_CHANNEL
    pitches = part.notes.pitch
    traits = line_traits(timed)
    return TrackInfo(
        index=index,
        name=part.name,
        channel=part.channel,
        program=part.program,
        program_name=DRUM_KIT_NAME if is_drum else GM_PROGRAM_NAMES[part.program],
        note_count=len(part.notes),
        pitch_range=(int(pitches.min()), int(pitches.max())) if len(pitches) else None,
        is_drum=is_drum,
        is_polyphonic=traits["chord_share"] > 0,
        track=part.track,
        **traits,
    )
