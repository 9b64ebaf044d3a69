"""Chords as the melody model hears them: one chord index per grid step (no torch here).

A chord-aware model (``ModelConfig.chord_dim`` > 0) reads, at every step, the chord sounding at
the step it predicts: its root and its family (:attr:`engine.chords.Chord.quality`: maj, min,
dim, aug, sus), or "no chord given" (:data:`NO_CHORD_INDEX`), which is also what it hears where
no chords are known, so the same model continues a bare melody.

The root is a pitch class in the model's own pitch frame, the frame of the tokens it reads and
predicts (the melody moved by ``shift`` semitones to fit the model's range or a key lock), not
relative to a key: the model has no key input, and a chord tone is then one fixed set of
pitch tokens, which the model's chord output (``SegueModel``'s ``chord_bias``) raises directly.
Training's transposition moves tokens and chord roots together.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from segue.engine.chords import QUALITIES, Chord

NO_CHORD_INDEX = 12 * len(QUALITIES)  # "no chord given" (also N.C. and unknown stretches)
CHORD_ROWS = NO_CHORD_INDEX + 1


def chord_index(chord: Chord | None, shift: int = 0) -> int:
    """The index of ``chord`` with its root moved ``shift`` semitones: ``root * 5 + family``;
    :data:`NO_CHORD_INDEX` for None and "no chord"."""
    if chord is None or chord.is_no_chord:
        return NO_CHORD_INDEX
    return ((chord.root + shift) % 12) * len(QUALITIES) + QUALITIES.index(chord.quality)


def root_and_family(index: int) -> tuple[int, int] | None:
    """(root pitch class, family number) of a chord index; None for "no chord"."""
    if index == NO_CHORD_INDEX:
        return None
    return divmod(int(index), len(QUALITIES))


def chord_indices(chords: Iterable[Chord] | None, first: int, length: int, shift: int = 0) -> np.ndarray:
    """The chord index of every step ``first .. first + length - 1`` (int64): the chord
    sounding there, moved by ``shift``, or "no chord" where none sounds (or ``chords`` is
    None). Steps before 0 have no chord."""
    out = np.full(max(0, length), NO_CHORD_INDEX, dtype=np.int64)
    if chords is None:
        return out
    end = first + length
    for chord in chords:
        low, high = max(chord.start, first), min(chord.end, end)
        if low < high:
            out[low - first:high - first] = chord_index(chord, shift)
    return out


def transpose_indices(indices: np.ndarray, shift: int) -> np.ndarray:
    """``indices`` with every chord's root moved ``shift`` semitones ("no chord" stays)."""
    if not shift:
        return indices
    families = len(QUALITIES)
    moved = ((indices // families + shift) % 12) * families + indices % families
    return np.where(indices == NO_CHORD_INDEX, NO_CHORD_INDEX, moved)


def chord_tone_table(min_pitch: int, num_pitches: int) -> np.ndarray:
    """(CHORD_ROWS, num_pitches) int64: for each chord index and each pitch token (pitch
    ``min_pitch + j``), the interval of that pitch above the root plus 12 x the family, the
    column of the model's ``chord_bias`` it reads; "no chord" reads column ``12 * 5`` (a zero)."""
    families = len(QUALITIES)
    table = np.full((CHORD_ROWS, num_pitches), 12 * families, dtype=np.int64)
    pitches = np.arange(num_pitches) + min_pitch
    for root in range(12):
        for family in range(families):
            table[root * families + family] = family * 12 + (pitches - root) % 12
    return table


def given_chords(chords: object) -> tuple[Chord, ...] | None:
    """``chords`` checked (see :func:`engine.chords.check_chords`); None stays None."""
    if chords is None:
        return None
    from segue.engine.chords import check_chords  # noqa: PLC0415

    return check_chords(chords)


def gaps(chords: Sequence[Chord], start: int, end: int) -> list[tuple[int, int]]:
    """The spans of ``[start, end)`` that no chord covers ("no chord" symbols cover theirs:
    the musician said so)."""
    spans, at = [], start
    for chord in sorted(chords, key=lambda c: c.start):
        if chord.end <= at or chord.start >= end:
            continue
        if chord.start > at:
            spans.append((at, chord.start))
        at = max(at, chord.end)
    if at < end:
        spans.append((at, end))
    return spans
