"""The whole piece on another grid (:meth:`engine.piece.Piece.regridded`): a straight piece
goes onto the triplet grid when the musician picks a triplet snap, and back when that is undone.

Everything that is a step moves together: the melody and its chords, the continue marker, the
pending variations with their chords, a fill's range, where the pending continuations end, a
chord suggestion, and the loop. Onto a grid that is a multiple of the old one (4 -> 12) nothing
moves in time; onto a coarser one (12 -> 4) notes and chords snap by :mod:`engine.grid`'s rule
and every other step to the nearest step. A range that snaps to nothing is dropped: a loop
region loops the whole piece again; a fill's variations and a chord suggestion go (they no
longer fit a range of their own).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from segue.engine import limits
from segue.engine.grid import regrid, regrid_chords
from segue.engine.pending_chords import ChordSuggestion

if TYPE_CHECKING:
    from segue.engine.piece import Piece


def scaled_step(step: int, old: int, new: int) -> int:
    """``step`` of a grid of ``old`` steps per quarter on a grid of ``new``: exact when it
    lands on a step, else the nearest one (halves round up, as notes snap)."""
    return (2 * step * new + old) // (2 * old)


def scaled_range(region: tuple[int, int] | None, old: int, new: int) -> tuple[int, int] | None:
    """A ``(start, end)`` range on the new grid; None when it snaps to nothing."""
    if region is None:
        return None
    start, end = (scaled_step(step, old, new) for step in region)
    return (start, end) if start < end else None


def regridded_piece(piece: Piece, steps_per_quarter: int) -> Piece:
    """``piece`` on a grid of ``steps_per_quarter`` steps per quarter (see the module
    docstring); the piece itself when it is on it already. ValueError when the piece does not
    fit the new grid (its meter, or :mod:`engine.limits`' longest piece)."""
    old, new = piece.melody.steps_per_quarter, steps_per_quarter
    if new == old:
        return piece
    melody = limits.check_melody(regrid(piece.melody, new))
    pending = dict(variations=(), current=0, fill_range=None, phrase_end=None, variation_chords=())
    fill_range = scaled_range(piece.fill_range, old, new)
    if piece.variations and (piece.fill_range is None or fill_range is not None):
        phrase_end = piece.phrase_end
        pending = dict(
            variations=tuple(
                limits.check_melody(regrid(variation, new), f"pending variation {i + 1}")
                for i, variation in enumerate(piece.variations)),
            current=piece.current, fill_range=fill_range,
            phrase_end=None if phrase_end is None else scaled_step(phrase_end, old, new),
            variation_chords=tuple(
                regrid_chords(chords, old, new) for chords in piece.variation_chords),
        )
    return piece.replace(
        melody=melody,
        marker=scaled_step(piece.marker, old, new),
        chords=regrid_chords(piece.chords, old, new),
        loop_region=scaled_range(piece.loop_region, old, new),
        chord_suggestion=_suggestion(piece.chord_suggestion, old, new),
        **pending,
    )


def _suggestion(suggestion: ChordSuggestion | None, old: int, new: int) -> ChordSuggestion | None:
    if suggestion is None:
        return None
    span = scaled_range(suggestion.span, old, new)
    chords = regrid_chords(suggestion.chords, old, new)
    if span is None or len(chords) != len(suggestion.chords):
        return None  # two ghost chords snapped into one: the choices no longer match them
    try:
        return ChordSuggestion(chords, span, suggestion.choices)
    except ValueError:
        return None
