"""Generation on a piece whose grid is not the model's: a triplet piece (12 steps per quarter)
continued or filled by a model trained on 4, or a straight piece (4) by a model trained on 12.

The model hears the piece on its own grid and writes on it; the piece gets the results on its
grid. :func:`on_model_grid` wraps a run of :func:`engine.ml.sampling.iter_generate` or
:func:`engine.ml.fill.iter_fill` (``engine.ml.request.iter_continuations`` / ``iter_fills``):

* the request goes onto the model's grid (:func:`request_on_grid`): the seed (a fill's whole
  piece) and the chords by :mod:`engine.grid`'s rule (triplets snap to the straight grid;
  onto a finer model grid, a straight piece under a triplet model, exactly);
  the new music starts at the first model step at or after the marker (a fill's start) and after
  every seed note, and ends at the last model step at or before the phrase's end, so the
  results never reach outside what was asked for. Key lock, pitch range, follow the seed and
  the rest of the options are not steps: they apply unchanged. On a model grid finer than the
  piece's (12 over 4) the options also get the piece's grid as ``note_grid``, so the model
  writes only notes the piece's grid holds (:mod:`engine.ml.grid_lock`: the musician asked
  for straight music, and snapping triplets onto it would move and drop notes);
* the results come back onto the piece's grid (exact when it is a multiple of the model's,
  and under ``note_grid`` when the model's is a multiple of it):
  a continuation's notes and chords as they are; a fill's notes inside its range, put into the
  piece as it is, so the notes outside the range stay exactly as they were on the finer grid.

A request already on the model's grid (a straight piece under a straight model) runs untouched.

A style may come with a model for straight pieces (``straight_model``, named by its card and
loaded with it: :func:`engine.ml.checkpoint.load_model`): a piece on that model's grid is given
to it instead, untouched (:func:`model_for`). It is the style's model from before the triplet
grid: a third of the steps for the same music, and on straight test tunes within 0.01 total
bits/note of the 12-step model or better (each card's figures).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from segue.engine.grid import regrid, regrid_chords
from segue.engine.piece import inside_range, outside_range, seed_of
from segue.engine.piece_grid import scaled_step

if TYPE_CHECKING:
    from segue.engine.ml.request import ContinuationRequest
    from segue.engine.ml.sampling import GenerationUpdate

Run = Callable[[object, "ContinuationRequest"], Iterator["GenerationUpdate"]]


def model_grid(model) -> int | None:
    """The model's grid in steps per quarter (None: a stand-in that says nothing of one)."""
    return getattr(getattr(model, "config", None), "steps_per_quarter", None)


def model_for(model, steps_per_quarter: int):
    """The model that plays a piece on ``steps_per_quarter``: the style's model for straight
    pieces when the piece is on its grid, else ``model`` itself."""
    straight = getattr(model, "straight_model", None)
    return straight if straight is not None and model_grid(straight) == steps_per_quarter else model


def request_on_grid(request: ContinuationRequest, steps_per_quarter: int) -> ContinuationRequest:
    """``request`` as a model on ``steps_per_quarter`` hears it (module docstring). ValueError
    when the asked-for steps hold no step of that grid."""
    old, new = request.seed.steps_per_quarter, steps_per_quarter
    if request.fill:  # the piece around the range: the notes inside it are rewritten anyway
        seed = regrid(outside_range(request.seed, request.start, request.phrase_end), new)
        leading = regrid(seed_of(request.seed, request.start), new)
    else:
        seed = leading = regrid(request.seed, new)
    first_free = max((note.start + 1 for note in leading.notes), default=0)
    start = max(-(-request.start * new // old), first_free)  # the first step at or after it
    end = request.phrase_end * new // old  # the last step at or before it
    if not request.fill:
        end = max(end, start + 1)  # a continuation writes at least a step
    if end <= start:
        raise ValueError(
            f"steps {request.start}-{request.phrase_end} hold no step of the model's grid "
            f"({new} steps per quarter): choose a longer range")
    chords = None if request.chords is None else regrid_chords(request.chords, old, new)
    options = request.options
    if new > old and new % old == 0:  # a finer model: it writes on the piece's grid only
        options = options.replace(note_grid=old)
    return dataclasses.replace(request, seed=seed, start=start, steps=end - start, chords=chords,
                               options=options)


def on_model_grid(model, request: ContinuationRequest, run: Run) -> Iterator[GenerationUpdate]:
    """``run(model, request)``'s updates with the model that plays the piece (:func:`model_for`),
    the request put on its grid and the last update's melodies and chords brought back onto
    the piece's (module docstring)."""
    model = model_for(model, request.seed.steps_per_quarter)
    grid = model_grid(model)
    if grid is None or grid == request.seed.steps_per_quarter:
        yield from run(model, request)
        return
    heard = request_on_grid(request, grid)
    for update in run(model, heard):
        if update.melodies is not None:
            update = _on_piece_grid(update, request, heard)
        yield update


def _on_piece_grid(update: GenerationUpdate, request: ContinuationRequest,
                   heard: ContinuationRequest) -> GenerationUpdate:
    old, new = heard.seed.steps_per_quarter, request.seed.steps_per_quarter
    melodies = [regrid(melody, new) for melody in update.melodies]
    if request.fill:
        # The model's notes inside its range (its own steps, mapped back), in the piece as it is.
        start, end = (scaled_step(step, old, new) for step in (heard.start, heard.phrase_end))
        around = outside_range(request.seed, request.start, request.phrase_end)
        melodies = [around.add(*inside_range(melody, start, end).notes) for melody in melodies]
    chords = update.chords
    if chords is not None:
        chords = [regrid_chords(sequence, old, new) for sequence in chords]
    return dataclasses.replace(update, melodies=melodies, chords=chords)
