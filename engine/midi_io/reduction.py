"""Parts on the grid: ticks to beats to steps, polyphony reduced to one line, the best part.

The rules are the package docstring's (Time, Grid, Reduction, Best part).
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass

from engine.melody import Note
from engine.midi_io.parse import _Part, _Song
from engine.midi_io.results import DRUM_CHANNEL, DRUM_KIT_NAME, GM_PROGRAM_NAMES, TrackInfo

DEFAULT_TEMPO_US = 500_000  # 120 BPM, the Standard MIDI File default
REDUCTIONS = ("highest", "lowest")
LEGATO_OVERLAP_BEATS = 0.125  # a 32nd note: overlaps up to this are legato, not polyphony

_MELODY_NAME = re.compile(
    r"melod|lead|vocal|voice|vox|soprano|solo|theme|tune|singer|chant|canto", re.IGNORECASE
)


# --- time: ticks to beats to steps --------------------------------------------------------------


def _tick_to_beats(song: _Song):
    """A function from ticks to beats (see the package docstring for the rule)."""
    layout = song.layout
    if layout.ticks_per_beat:
        ticks_per_beat = layout.ticks_per_beat
        return lambda tick: tick / ticks_per_beat
    # SMPTE ticks count seconds: walk the tempo map, held in the same ticks.
    ticks_per_second = layout.ticks_per_second
    starts, beats_at, tempos = [0], [0.0], [DEFAULT_TEMPO_US]
    for tick, tempo in song.tempos:
        beats_at.append(beats_at[-1] + (tick - starts[-1]) * 1e6 / (tempos[-1] * ticks_per_second))
        starts.append(tick)
        tempos.append(tempo)

    def convert(tick: int) -> float:
        i = bisect.bisect_right(starts, tick) - 1
        return beats_at[i] + (tick - starts[i]) * 1e6 / (tempos[i] * ticks_per_second)

    return convert


def _snap(beats: float, steps_per_quarter: int) -> int:
    """The nearest grid step; half a step rounds up."""
    return math.floor(beats * steps_per_quarter + 0.5)


# --- parts: analysis and reduction --------------------------------------------------------------


@dataclass
class _Timed:
    """A note in beats, for analysis and reduction."""

    start: float
    end: float  # for overlap tests: an unreleased note counts as ending where it starts
    sounding_end: float  # where the note really ends
    pitch: int
    velocity: int


def _timed_notes(part: _Part, to_beats) -> list[_Timed]:
    timed = []
    for n in part.notes:
        start, end = to_beats(n.start), to_beats(n.end)
        timed.append(_Timed(start, end if n.released else start, end, n.pitch, n.velocity))
    timed.sort(key=lambda t: (t.start, t.pitch))
    return timed


def _overlap(a: _Timed, b: _Timed) -> float:
    return min(a.end, b.end) - max(a.start, b.start)


def _sound_together(a: _Timed, b: _Timed) -> bool:
    """More than legato: they overlap by over a 32nd note and by half the shorter one."""
    overlap = _overlap(a, b)
    shorter = min(a.end - a.start, b.end - b.start)
    return overlap > LEGATO_OVERLAP_BEATS and overlap >= 0.5 * shorter


def _covers(upper: _Timed, under: _Timed) -> bool:
    """Whether ``upper`` sounds over ``under`` for half of it or more (and over a 32nd note)."""
    overlap = _overlap(upper, under)
    return overlap > LEGATO_OVERLAP_BEATS and overlap >= 0.5 * (under.end - under.start)


def _polyphonic_share(timed: list[_Timed]) -> float:
    """The share of notes that sound together with the longest-lasting earlier note."""
    longest = None
    together = 0
    for note in timed:
        if longest is not None and _sound_together(longest, note):
            together += 1
        if longest is None or note.end > longest.end:
            longest = note
    return together / len(timed) if timed else 0.0


@dataclass
class _Reduction:
    notes: list[Note]
    moved: int
    merged: int
    dropped: int


def _reduce(timed: list[_Timed], steps_per_quarter: int, reduction: str) -> _Reduction:
    """One line from a part's notes (rule in the package docstring); every note is counted once."""
    sign = 1 if reduction == "highest" else -1
    by_step: dict[int, list[_Timed]] = {}
    for note in timed:
        by_step.setdefault(_snap(note.start, steps_per_quarter), []).append(note)
    kept: list[tuple[int, _Timed]] = []
    merged = dropped = 0
    for step in sorted(by_step):
        group = by_step[step]
        if len(group) == 1:  # a single line, the usual case: nothing to choose
            pick = group[0]
        else:
            pick = max(group, key=lambda n: (sign * n.pitch, n.start))
        for other in group:
            if other is pick:
                continue
            if other.pitch != pick.pitch and _overlap(other, pick) > 0:
                dropped += 1  # a chord tone under (or over) the kept line
                continue
            merged += 1  # a repeat, a grace note or a run too fast for the grid
            if other.pitch == pick.pitch and other.sounding_end > pick.sounding_end:
                pick = _Timed(pick.start, max(pick.end, other.end), other.sounding_end,
                              pick.pitch, pick.velocity)
        if kept:
            previous = kept[-1][1]
            if sign * previous.pitch > sign * pick.pitch and _covers(previous, pick):
                dropped += 1
                continue
        kept.append((step, pick))
    notes, moved = [], 0
    for step, note in kept:
        end = max(step + 1, _snap(note.sounding_end, steps_per_quarter))
        exact_start = note.start * steps_per_quarter
        exact_length = (note.sounding_end - note.start) * steps_per_quarter
        if abs(exact_start - step) > 1e-6 or abs(exact_length - (end - step)) > 1e-6:
            moved += 1
        notes.append(Note(note.pitch, step, end - step, note.velocity))
    return _Reduction(notes, moved, merged, dropped)


def _part_info(index: int, part: _Part, timed: list[_Timed]) -> TrackInfo:
    is_drum = part.channel == DRUM_CHANNEL
    pitches = [n.pitch for n in part.notes]
    return TrackInfo(
        index=index,
        name=part.name,
        channel=part.channel,
        program=part.program,
        program_name=DRUM_KIT_NAME if is_drum else GM_PROGRAM_NAMES[part.program],
        note_count=len(part.notes),
        pitch_range=(min(pitches), max(pitches)) if pitches else None,
        is_drum=is_drum,
        is_polyphonic=_polyphonic_share(timed) > 0,
        track=part.track,
    )


def _melody_score(info: TrackInfo, timed: list[_Timed], kept: int) -> tuple:
    """The best-part heuristic of the package docstring, as a sortable key."""
    mean_pitch = sum(n.pitch for n in timed) / len(timed)
    score = kept * (1 - 0.75 * _polyphonic_share(timed))
    score *= min(max(1 + (mean_pitch - 60) / 12, 0.25), 2.0)  # the tune is usually on top
    if _MELODY_NAME.search(info.name):
        score *= 3
    return (score, mean_pitch, -info.index)
