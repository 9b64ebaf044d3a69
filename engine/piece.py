"""The piece with a pending variation: what a continuation continues, what you hear while a
variation is pending, and what Accept keeps. One rule for all three, on Melody values.

A piece is a melody plus its continue-from marker. Everything before the marker is the seed
(notes that start before it, cut at it); a variation replaces everything from the marker on.

A fill variation (Generate > Fill) rewrites a range ``[start, end)`` instead: the piece outside
it stays (:func:`outside_range`: a note sounding into the range from before is cut at
``start``; notes starting inside are replaced even when they sound past ``end``; notes from
``end`` on are untouched) and the variation's notes inside the range go in; the marker stays.
"""

from __future__ import annotations

import math

from segue.engine.melody import Melody


def seed_of(melody: Melody, marker: int) -> Melody:
    """The notes before ``marker``, at their own steps, cut at it: what a continuation continues."""
    return melody.slice(0, max(0, marker))


def outside_range(melody: Melody, start: int, end: int) -> Melody:
    """The piece around a fill of ``[start, end)``: the notes before ``start`` (cut at it) and
    the notes that start at or after ``end``, unchanged."""
    return seed_of(melody, start).add(*(note for note in melody.notes if note.start >= end))


def inside_range(melody: Melody, start: int, end: int) -> Melody:
    """The notes of ``melody`` that start in ``[start, end)``, cut at ``end``, at their own steps
    (a fill variation as the ghost notes show it)."""
    return melody.with_notes(
        note.with_length(min(note.end, end) - note.start)
        for note in melody.notes if start <= note.start < end
    )


def with_variation(
    melody: Melody, marker: int, variation: Melody | None, fill_range: tuple[int, int] | None = None
) -> Melody:
    """The piece with ``variation`` in place of what follows the marker, or with a
    ``fill_range`` in place of what lies in that range (the piece itself when there is no
    variation): what Play, Audition, the drag handle and Accept all use."""
    if variation is None:
        return melody
    if fill_range is not None:
        start, end = fill_range
        return outside_range(melody, start, end).add(*inside_range(variation, start, end).notes)
    return seed_of(melody, marker).add(*variation.notes)


def fill_range_of(melody: Melody, selected, loop_region: tuple[int, int] | None) -> tuple[int, int] | None:
    """The range Fill rewrites: the span of the ``selected`` notes rounded out to whole bars,
    else the loop region, else None (nothing to fill)."""
    selected = list(selected)
    if selected:
        bar = melody.steps_per_bar
        first = min(note.start for note in selected) // bar * bar
        last = max(note.end for note in selected)
        return first, max(first + bar, math.ceil(last / bar) * bar)
    if loop_region is not None and loop_region[0] < loop_region[1]:
        return int(loop_region[0]), int(loop_region[1])
    return None


def accepted_marker(melody: Melody, marker: int, variation: Melody, phrase_end: int | None = None) -> int:
    """Where the marker goes once ``variation`` is accepted: the end of the new phrase.

    ``phrase_end`` is where the continuation was asked to end (marker + its length). Without it
    the phrase runs to the next whole bar after the marker: continuations are whole bars long,
    and a phrase ending in a rest must not make the next one start early.
    """
    moved = max(marker, variation.end)
    if phrase_end is not None:
        return max(moved, int(phrase_end))
    if variation.end > marker:
        bar = melody.steps_per_bar
        return marker + math.ceil((variation.end - marker) / bar) * bar
    return moved


def accept(
    melody: Melody, marker: int, variation: Melody, phrase_end: int | None = None,
    fill_range: tuple[int, int] | None = None,
) -> tuple[Melody, int]:
    """(melody, marker) after accepting ``variation``: exactly what :func:`with_variation` played.
    A fill leaves the marker where it was."""
    if fill_range is not None:
        return with_variation(melody, marker, variation, fill_range), marker
    return with_variation(melody, marker, variation), accepted_marker(melody, marker, variation, phrase_end)


def crop_to_seed(melody: Melody, start: int, end: int) -> tuple[Melody, int]:
    """(melody, marker) with the steps ``start``-``end`` as the seed ("Use Selection as Seed").

    The piece is cut at the bar line at or before ``start`` and moves left by those whole bars
    (the meter stays where it was); the notes after ``end`` stay, and the marker goes to ``end``.
    """
    if not 0 <= start < end:
        raise ValueError(f"a seed needs a step range, got {start}-{end}")
    cut = start // melody.steps_per_bar * melody.steps_per_bar
    return melody.slice(cut, max(cut, melody.end)), end - cut
