"""The piece with a pending variation: what a continuation continues, what you hear while a
variation is pending, and what Accept keeps. One rule for all three, on Melody values.

A piece is a melody plus its continue-from marker. Everything before the marker is the seed
(notes that start before it, cut at it); a variation replaces everything from the marker on.
"""

from __future__ import annotations

import math

from engine.melody import Melody


def seed_of(melody: Melody, marker: int) -> Melody:
    """The notes before ``marker``, at their own steps, cut at it: what a continuation continues."""
    return melody.slice(0, max(0, marker))


def with_variation(melody: Melody, marker: int, variation: Melody | None) -> Melody:
    """The piece with ``variation`` in place of what follows the marker (the piece itself when
    there is none): what Play, Audition, the drag handle and Accept all use."""
    if variation is None:
        return melody
    return seed_of(melody, marker).add(*variation.notes)


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
    melody: Melody, marker: int, variation: Melody, phrase_end: int | None = None
) -> tuple[Melody, int]:
    """(melody, marker) after accepting ``variation``: exactly what :func:`with_variation` played."""
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
