"""Chords heard in an accompaniment: which chord symbol explains the notes sounding in a beat,
and a chord track from a run of beats.

Plain data in, :class:`engine.chords.Chord` out: no MIDI, no music21, no Qt, so MIDI import,
notation and tests share it. A beat is a list of ``(MIDI pitch, weight)``: each note sounding
in the beat, weighted by how long it sounds there.

A beat's notes become pitch-class weights (shares of 1), matched against chord templates in
:mod:`engine.chords`' spellings. A template's cost is the weight it leaves unexplained, plus a
share for each of its tones that does not sound, plus a little for each step away from a
plain triad (the simplest chord that explains the notes wins); the lowest note counts for the
root it is (a chord over its own root is more likely than an inversion). Beats are then read
together (dynamic programming): a change of chord costs a little, more off the bar's strong
beats, so a boom-chick's lone bass note stays with the chord its off-beats play, and the
chord changes where the harmony does. Beats with no notes continue the chord before; before
the first note there is no chord (``N.C.``). A slash chord is written only where a separate
bass voice (a lone note, or one a fifth or more below the rest) plays the same chord tone
other than the root on every beat of the chord that has one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from segue.engine import keys
from segue.engine.chords import NO_CHORD, Chord

# Kinds tried, with how much less simple each is than a plain triad.
TEMPLATES: dict[str, tuple[tuple[int, ...], float]] = {
    "": ((0, 4, 7), 0.0),
    "m": ((0, 3, 7), 0.0),
    "7": ((0, 4, 7, 10), 0.03),
    "m7": ((0, 3, 7, 10), 0.03),
    "maj7": ((0, 4, 7, 11), 0.05),
    "dim": ((0, 3, 6), 0.04),
    "dim7": ((0, 3, 6, 9), 0.06),
    "m7b5": ((0, 3, 6, 10), 0.06),
    "aug": ((0, 4, 8), 0.06),
    "sus4": ((0, 5, 7), 0.06),
    "6": ((0, 4, 7, 9), 0.07),
    "m6": ((0, 3, 7, 9), 0.07),
}
MISSING_TONE_COST = 0.35  # for a template whose tones all fail to sound
BASS_ON_ROOT = 0.05  # the lowest note is the root: that much cheaper; outside the chord: dearer
PRESENT_SHARE = 0.03  # a pitch class with less of the beat's weight does not count as sounding
CHANGE_COST = 0.1  # a new chord on the bar's first beat
HALF_BAR_CHANGE_COST = 0.2  # a new chord half way through an even bar
OFF_BEAT_CHANGE_COST = 0.3  # a new chord on any other beat
BASS_APART = 7  # semitones (a fifth, more than a close voicing spans): a bass voice

# Roots without a key: the spellings lead sheets use most (Bb and Eb, F# and C#).
ROOT_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_KINDS = [kind for kind in TEMPLATES for _root in range(12)]
_ROOTS = np.array([root for _kind in TEMPLATES for root in range(12)])
_TONES = np.zeros((len(_KINDS), 12))
_SIMPLICITY = np.zeros(len(_KINDS))
for _k, (_intervals, _cost) in enumerate(TEMPLATES.values()):
    for _root in range(12):
        _TONES[_k * 12 + _root, [(_root + i) % 12 for i in _intervals]] = 1.0
        _SIMPLICITY[_k * 12 + _root] = _cost
_SIZES = _TONES.sum(axis=1)


def root_name(pitch_class: int, key: str | None = None) -> str:
    """A root or bass spelled in ``key`` (Bb in F major, A# in B major), else as
    :data:`ROOT_NAMES` spells it; never E#, B#, Cb, Fb or a double accidental."""
    if key is not None:
        letter, alteration = keys.spelling(pitch_class, key)
        name = letter + {-1: "b", 0: "", 1: "#"}.get(alteration, "?")
        if "?" not in name and name not in ("E#", "B#", "Cb", "Fb"):
            return name
    return ROOT_NAMES[pitch_class % 12]


def _symbol(template: int, key: str | None) -> str:
    return root_name(int(_ROOTS[template]), key) + _KINDS[template]


class _Beats:
    """Beats as arrays: each beat's pitch-class weights, lowest note (-1: silent) and whether
    that note is a bass voice apart from the rest (module docstring)."""

    def __init__(self, beat, pitch, weight, count: int):
        beat, pitch = np.asarray(beat, dtype=np.int64), np.asarray(pitch, dtype=np.int64)
        weight = np.asarray(weight, dtype=float)
        sounding = weight > 0
        beat, pitch, weight = beat[sounding], pitch[sounding], weight[sounding]
        self.weights = np.zeros((count, 12))
        np.add.at(self.weights, (beat, pitch % 12), weight)
        pairs = np.unique(beat * 128 + pitch)  # each beat's distinct pitches, low to high
        pair_beat, pair_pitch = pairs // 128, pairs % 128
        first = np.ones(len(pairs), dtype=bool)
        first[1:] = pair_beat[1:] != pair_beat[:-1]
        self.lowest = np.full(count, -1)
        self.lowest[pair_beat[first]] = pair_pitch[first]
        second = np.flatnonzero(first) + 1
        has_second = second < len(pairs)
        has_second[has_second] = pair_beat[second[has_second]] == pair_beat[first][has_second]
        gap = np.full(count, 128)
        gap[pair_beat[first][has_second]] = (
            pair_pitch[second[has_second]] - pair_pitch[first][has_second]
        )
        self.apart = (self.lowest >= 0) & (gap >= BASS_APART)

    @classmethod
    def of(cls, beats: Sequence[Sequence[tuple[int, float]]]) -> _Beats:
        listed = [(i, pitch, weight) for i, notes in enumerate(beats) for pitch, weight in notes]
        beat, pitch, weight = zip(*listed) if listed else ((), (), ())
        return cls(beat, pitch, weight, len(beats))

    def carried_basses(self, beats_per_bar: int) -> np.ndarray:
        """Each beat's bass pitch class: its own bass voice, else the last one played earlier
        in the bar (a boom-chick's off-beat chord sounds over the bass of the beat before),
        else its lowest note; -1 for a silent beat."""
        basses = np.where(self.lowest >= 0, self.lowest % 12, -1)
        carried = -1
        for beat, (own, apart) in enumerate(zip(basses.tolist(), self.apart.tolist())):
            if beat % beats_per_bar == 0:
                carried = -1
            if apart:
                carried = own
            elif carried >= 0:
                basses[beat] = carried
        return basses

    def costs(self, basses: np.ndarray) -> np.ndarray:
        """Every template's cost for every beat over its bass (rows of silent beats: 0)."""
        total = self.weights.sum(axis=1, keepdims=True)
        share = self.weights / np.where(total > 0, total, 1.0)
        cost = 1.0 - share @ _TONES.T
        cost += MISSING_TONE_COST * ((share < PRESENT_SHARE) @ _TONES.T) / _SIZES + _SIMPLICITY
        has_bass = basses >= 0
        bass = np.where(has_bass, basses, 0)
        on_root = (_ROOTS[None, :] == bass[:, None]) & has_bass[:, None]
        outside = (_TONES.T[bass] == 0) & has_bass[:, None]
        cost += BASS_ON_ROOT * (outside.astype(float) - on_root)
        cost[total[:, 0] <= 0] = 0.0
        return cost


def recognize(notes: Sequence[tuple[int, float]], key: str | None = None) -> str | None:
    """The chord symbol that best explains ``notes`` (``(MIDI pitch, weight)``) heard alone,
    its root spelled in ``key``; None when nothing sounds."""
    beats = _Beats.of([notes])
    if beats.lowest[0] < 0:
        return None
    return _symbol(int(np.argmin(beats.costs(beats.carried_basses(1))[0])), key)


def _change_cost(beat: int, beats_per_bar: int) -> float:
    position = beat % beats_per_bar
    if position == 0:
        return CHANGE_COST
    if beats_per_bar % 2 == 0 and beats_per_bar > 2 and position == beats_per_bar // 2:
        return HALF_BAR_CHANGE_COST
    return OFF_BEAT_CHANGE_COST


def _best_path(costs: np.ndarray, silent: np.ndarray, first: int, beats_per_bar: int) -> list[int]:
    """The template of each beat from ``first`` on, cheapest in all (costs plus changes); a
    silent beat continues the chord before."""
    total = costs[first].copy()
    states = np.arange(len(_KINDS))
    back = []
    for beat in range(first + 1, len(costs)):
        if silent[beat]:
            back.append(None)
            continue
        best = int(np.argmin(total))
        change = total[best] + _change_cost(beat, beats_per_bar)
        back.append(np.where(total <= change, states, best))
        total = np.minimum(total, change) + costs[beat]
    path = [int(np.argmin(total))]
    for came_from in reversed(back):
        path.append(path[-1] if came_from is None else int(came_from[path[-1]]))
    path.reverse()
    return path


def _slash_bass(beats: _Beats, first: int, stop: int, template: int, key: str | None) -> str:
    """The symbol of ``template`` over the bass its beats' separate bass voice plays, when
    that is one chord tone other than the root on every beat that has one."""
    symbol = _symbol(template, key)
    apart = beats.apart[first:stop]
    basses = set((beats.lowest[first:stop][apart] % 12).tolist())
    if len(basses) != 1:
        return symbol
    bass = basses.pop()
    if bass == _ROOTS[template] or not _TONES[template, bass]:
        return symbol
    return f"{symbol}/{root_name(bass, key)}"


def chords_of_beats(
    beats: Sequence[Sequence[tuple[int, float]]], beat_steps: int, beats_per_bar: int,
    end: int | None = None, key: str | None = None,
) -> tuple[Chord, ...]:
    """The chord track of an accompaniment: ``beats[i]`` lists the ``(MIDI pitch, weight)``
    sounding in beat ``i`` (steps ``i * beat_steps`` on). See :func:`chords_of_notes`."""
    return _chords(_Beats.of(beats), beat_steps, beats_per_bar, end, key)


def chords_of_notes(
    beat, pitch, weight, beat_count: int, beat_steps: int, beats_per_bar: int,
    end: int | None = None, key: str | None = None,
) -> tuple[Chord, ...]:
    """The chord track of an accompaniment given as arrays: note ``i`` sounds in beat
    ``beat[i]`` (steps ``beat * beat_steps`` on) at ``pitch[i]`` for ``weight[i]`` of it (a
    note over several beats is listed once per beat). Equal beats in a row are one chord, the
    last lasting to ``end`` (the end of the beats when None); beats before the first note are
    "no chord". Roots are spelled in ``key`` when it is given. () when nothing sounds."""
    return _chords(_Beats(beat, pitch, weight, beat_count), beat_steps, beats_per_bar, end, key)


def _chords(beats: _Beats, beat_steps: int, beats_per_bar: int, end, key) -> tuple[Chord, ...]:
    if beat_steps < 1 or beats_per_bar < 1:
        raise ValueError("a beat and a bar must be at least one step and one beat")
    count = len(beats.lowest)
    end = count * beat_steps if end is None else end
    silent = beats.lowest < 0
    sounding = np.flatnonzero(~silent)
    if not len(sounding) or sounding[0] * beat_steps >= end:
        return ()
    first = int(sounding[0])
    costs = beats.costs(beats.carried_basses(beats_per_bar))
    path = _best_path(costs, silent, first, beats_per_bar)
    chords = [Chord(0, first * beat_steps, NO_CHORD)] if first else []
    run_start = first
    for i in range(1, len(path) + 1):
        if i < len(path) and path[i] == path[i - 1]:
            continue
        start = run_start * beat_steps
        if start >= end:
            break
        stop = end if i == len(path) else min((first + i) * beat_steps, end)
        symbol = _slash_bass(beats, run_start, first + i, path[i - 1], key)
        chords.append(Chord(start, stop - start, symbol))
        run_start = first + i
    return tuple(chords)
