"""The chords of a MIDI file: from chord names in its meta events, else heard in a part that
accompanies the melody.

1. Names: text, lyric, marker or cue events whose text is a chord symbol (Segue's own export
   writes each chord's name as a marker at its start, so Segue -> Segue keeps its chords
   exactly). The events of one kind in one track count as chord names when one of them is
   a chord and at least :data:`NAMED_SHARE` of them look like chords (a song's lyrics, whose
   "A" reads as a chord, do not). Each chord lasts to the next name; the last to the bar line after the melody.
   Names that look like a chord but are none (``"Gsus7"``) are named as unreadable; words
   ("Verse", "Coda") are not chords and are passed over.
2. Otherwise a part other than the melody that plays chords (notes sounding together, or a
   name such as "Chords", "Piano LH", "Guitar", "Accomp"), with any bass part under it: its
   notes, beat by beat, through :mod:`engine.chord_recognition`.

A file with neither has no chords, and imports as it always has.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from segue.engine import keys
from segue.engine.chord_recognition import chords_of_notes
from segue.engine.chords import MAX_SYMBOL_CHARS, Chord
from segue.engine.limits import check_chord_count
from segue.engine.melody import Melody
from segue.engine.midi_io.reduction import _snap

NAMED_SHARE = 2 / 3  # of a kind of text event in a track, to read them as chord names
CHORDAL_SHARE = 0.2  # of a part's notes sounding over another note, for it to play chords
BASS_REGISTER = 48  # a part whose median is below C3 is a bass line
_CHORDAL_NAME = re.compile(
    r"\b(?:chords?|accomp\w*|comp|guitars?|gtr|piano|keys|rhythm|harmony|backing|pads?|"
    r"left hand|lh|strum\w*)\b", re.IGNORECASE,
)
_BASS_NAME = re.compile(r"\bbass\b", re.IGNORECASE)
_WORD = re.compile(r"[A-Z][a-z]+")  # "Verse", "Coda": a word, not a chord
_KIND_ORDER = ("marker", "cue_marker", "text", "lyrics")  # on a tie, markers first


@dataclass(frozen=True)
class FileChords:
    """What a MIDI file says about its chords."""

    chords: tuple[Chord, ...] = ()
    unreadable: tuple[str, ...] = ()  # names that look like chords but are none, as written
    source: str = ""  # where they came from, in a musician's words ("" without chords)


def _chord_symbol(text: str) -> str | None:
    try:
        return Chord(0, 1, text).symbol
    except ValueError:
        return None


def _looks_like_chord(text: str) -> bool:
    """A chord, or what a chord name Segue cannot read looks like: short, no spaces, from a
    note name, and no capitalised word."""
    if _chord_symbol(text) is not None:
        return True
    return (
        bool(text) and len(text) <= MAX_SYMBOL_CHARS and text[0] in "ABCDEFG"
        and not any(c.isspace() for c in text) and not _WORD.fullmatch(text)
    )


def named_chords(song, to_beats, melody: Melody) -> FileChords:
    """The chords the file's text events name, or none (module docstring, 1)."""
    groups = defaultdict(list)
    for tick, track, kind, text in song.texts:
        if text:
            groups[(track, kind)].append((tick, text))
    best = None
    for (track, kind), events in groups.items():
        named = sum(1 for _, text in events if _chord_symbol(text) is not None)
        chord_like = sum(1 for _, text in events if _looks_like_chord(text))
        if named and chord_like >= NAMED_SHARE * len(events):
            rank = (named, -_KIND_ORDER.index(kind), -track)
            if best is None or rank > best[0]:
                best = (rank, kind, events)
    if best is None:
        return FileChords()
    _, kind, events = best
    ticks = np.array([tick for tick, _ in events], dtype=np.int64)
    steps = _snap(to_beats(ticks), melody.steps_per_quarter).tolist()
    marks, unreadable = [], []
    for step, (_, text) in zip(steps, events):
        symbol = _chord_symbol(text)
        if symbol is not None:
            marks.append((step, symbol))
        elif _looks_like_chord(text):
            marks.append((step, None))  # no chord sounds from it to the next name
            unreadable.append(text)
    chords = _chords_from_marks(marks, melody)
    what = {"marker": "markers", "cue_marker": "cue points", "lyrics": "lyrics"}.get(kind, "text")
    return FileChords(chords, tuple(unreadable), f"named in the file's {what}")


def _chords_from_marks(marks, melody: Melody) -> tuple[Chord, ...]:
    """Each symbol from its step to the next mark's (a later mark at one step wins); the last
    to the bar line at or after the melody's end (or after its own start)."""
    starts: dict[int, str | None] = {}
    for step, symbol in sorted(marks, key=lambda mark: mark[0]):
        starts[max(step, 0)] = symbol
    ordered = sorted(starts.items())
    chords = []
    for i, (start, symbol) in enumerate(ordered):
        if symbol is None:
            continue
        stop = (
            ordered[i + 1][0] if i + 1 < len(ordered)
            else melody.bar_end(max(melody.end, start + 1))
        )
        chords.append(Chord(start, stop - start, symbol))
    check_chord_count(len(chords), "the file's chord names")
    return tuple(chords)


def accompaniment_parts(infos, melody_index: int) -> list[int]:
    """The parts the chords are heard from: those other than the melody that play chords (or
    are named for it), with the bass parts under them; [] when none plays chords."""
    others = [info for info in infos if info.index != melody_index and not info.is_drum]
    chordal = [
        info.index for info in others
        if info.chord_share >= CHORDAL_SHARE or _CHORDAL_NAME.search(info.name or "")
    ]
    if not chordal:
        return []
    basses = [
        info.index for info in others if info.index not in chordal
        and (_BASS_NAME.search(info.name or "") or info.median_pitch < BASS_REGISTER)
    ]
    return sorted(chordal + basses)


def _sounding(timed_parts, beat_quarters: float, beat_count: int):
    """(beat, pitch, weight) arrays: every note once per beat it sounds in (weight: the share
    of that beat it sounds)."""
    start = np.concatenate([t.start for t in timed_parts]) / beat_quarters
    end = np.concatenate([t.sounding_end for t in timed_parts]) / beat_quarters
    pitch = np.concatenate([t.pitch for t in timed_parts])
    first = np.clip(np.floor(start).astype(np.int64), 0, beat_count)
    last = np.clip(np.ceil(end).astype(np.int64), 0, beat_count)
    spans = np.maximum(last - first, 0)
    note = np.repeat(np.arange(len(start)), spans)
    beat = np.repeat(first, spans) + np.arange(int(spans.sum())) - np.repeat(
        np.cumsum(spans) - spans, spans
    )
    weight = np.minimum(end[note], beat + 1) - np.maximum(start[note], beat)
    return beat, pitch[note], weight


def heard_chords(infos, timed, melody_index: int, melody: Melody) -> FileChords:
    """The chords heard in the accompaniment, or none (module docstring, 2)."""
    parts = accompaniment_parts(infos, melody_index)
    if not parts:
        return FileChords()
    beat_steps = melody.steps_per_beat
    end = max(melody.steps_per_bar, melody.bar_end(melody.end))
    beat_count = -(-end // beat_steps)
    beat, pitch, weight = _sounding(
        [timed[i] for i in parts], beat_steps / melody.steps_per_quarter, beat_count
    )
    key = melody.key
    if key is None and len(pitch):
        weights = np.bincount(pitch % 12, weights=np.maximum(weight, 0), minlength=12)
        key = keys.key_name(*keys.best_key(weights.tolist())) if weights.any() else None
    chords = chords_of_notes(
        beat, pitch, weight, beat_count, beat_steps, melody.steps_per_bar // beat_steps or 1,
        end=end, key=key,
    )
    check_chord_count(len(chords), "the accompaniment")
    names = ", ".join(
        f"{info.index + 1}" + (f" '{info.name}'" if info.name else "")
        for info in infos if info.index in parts
    )
    return FileChords(chords, (), f"heard in part(s) {names}" if chords else "")


def file_chords(song, to_beats, infos, timed, melody_index: int, melody: Melody) -> FileChords:
    """The file's chords: named (1) before heard (2), as the module docstring says."""
    named = named_chords(song, to_beats, melody)
    if named.chords or named.unreadable:
        return named
    return heard_chords(infos, timed, melody_index, melody)
