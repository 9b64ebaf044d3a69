"""Filling a gap: new music for the steps ``[start, end)`` of a melody that fits what comes
before it and what comes after.

A forward LSTM cannot hear the future, so a fill is chosen in two passes:

1. candidates: continuations of the music before ``start``, sampled exactly as Continue samples
   them (:func:`engine.ml.sampling.iter_generate`: the same controls, key lock and following
   of the seed), ``end - start`` steps each, many more than the variations asked for;
2. ranking: each candidate is put in the piece and the model scores, teacher-forced and all
   candidates in one batch, the notes of the following bars (from ``end``,
   :data:`FOLLOWING_BARS` bars); the candidates that make those most probable come first.

The edges follow :mod:`engine.piece` (one rule for the engine, Play and Accept): a note that
sounds into the range from before is cut at ``start``; notes that start inside the range are
the range's and are replaced, even when they sound past ``end``; notes from ``end`` on are
untouched. A fill's notes end at ``end`` at the latest, so the next note is never cut: every
note outside the range is exactly what it was, as a DAW user expects. With nothing after the
range the candidates keep the order they were drawn in (a plain continuation).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np
import torch

from segue.engine.encoding import fit_to_range
from segue.engine.melody import Melody
from segue.engine.ml.chord_continuation import ChordPlan
from segue.engine.ml.chord_features import chord_indices
from segue.engine.ml.follow import follow_log_probs
from segue.engine.ml.model import SegueModel, meter_of, meter_tensor
from segue.engine.ml.options import MAX_VARIATIONS, GenerationOptions
from segue.engine.ml.sampling import GenerationUpdate, final_melodies, iter_generate
from segue.engine.piece import inside_range, outside_range, seed_of

FOLLOWING_BARS = 2  # bars after the range whose probability ranks the candidates
CONTEXT_BARS = 8  # bars before the range the scoring pass hears
CANDIDATES_PER_VARIATION = 4
MIN_CANDIDATES = 16
SAMPLING_SHARE = 0.9  # of the progress: the rest is ranking

# (whole melodies, start, end, score_end) -> one log-probability of the following bars each.
# Chords, on the melody's steps, are heard while drawing and while ranking (a chord-aware model);
# each fill then carries its range's chords, proposed where none were given (chord_continuation).
Scorer = Callable[[Sequence[Melody], int, int, int], Sequence[float]]


def _check_range(melody, start, end) -> None:
    if not isinstance(melody, Melody):
        raise ValueError(f"the melody must be a Melody, got {type(melody).__name__}")
    for name, value in (("start", start), ("end", end)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"the fill's {name} must be a grid step (an integer), got {value!r}")
    if not 0 <= start < end:
        raise ValueError(f"the fill needs a range of steps with start < end, got {start}-{end}")
    if not any(note.start < start for note in melody.notes):
        raise ValueError("there are no notes before the range: the fill continues from the music before it")


def _count(name, value, low, high) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be an integer from {low} to {high}, got {value!r}")
    return value


def following_log_probs(model: SegueModel, wholes: Sequence[Melody], start: int, end: int,
                        score_end: int, follow_seed: float = 0.0, chords=None) -> list[float]:
    """For each whole melody, the natural log-probability the model gives its steps
    ``[end, score_end)`` given everything before (teacher-forced, one batch), hearing
    ``chords`` (a chord-aware model). A melody that does not fit the model's range scores -inf."""
    first = wholes[0]
    bar = first.steps_per_bar
    cut = max(0, first.bar_start(start) - CONTEXT_BARS * bar)  # whole bars: the metre stays
    windows = [whole.slice(cut, score_end) for whole in wholes]
    fitted, shifts = [], []
    for window in windows:
        try:
            moved, shift = fit_to_range(window, model.encoding)
        except ValueError:
            moved, shift = None, 0
        fitted.append(moved)
        shifts.append(shift)
    usable = [f for f in fitted if f is not None and f.notes]
    if not usable:
        return [float("-inf")] * len(wholes)
    origin = min(f.start for f in usable)
    length = score_end - cut - origin
    tokens = torch.tensor([
        model.encoding.encode(f if f is not None else first.with_notes(()), origin, score_end - cut)
        for f in fitted
    ], dtype=torch.long, device=model.device)
    meter = meter_of(first.time_signature, first.steps_per_quarter)
    offsets = torch.full((len(wholes),), origin, dtype=torch.long, device=model.device)
    heard = None
    if chords is not None and model.config.chord_dim:  # row r, column i: step cut + origin + i + 1
        heard = torch.tensor(np.stack([chord_indices(chords, cut + origin + 1, tokens.shape[1], shift)
                                       for shift in shifts]), device=model.device)
    model.eval()
    with torch.inference_mode():
        meters = meter_tensor([meter] * len(wholes), model.device)
        log_probs = torch.log_softmax(model(tokens, offsets, meters, chords=heard).float(), -1)
    first_row = max(0, end - cut - origin - 1)  # row r predicts token r + 1
    results = []
    for row, window in enumerate(fitted):
        if window is None:
            results.append(float("-inf"))
            continue
        rows = log_probs[row, : length - 1]
        if follow_seed:
            rows = follow_log_probs(rows.double().cpu(), tokens[row].tolist(), meter.steps_per_bar,
                                    follow_seed, steps_per_quarter=model.config.steps_per_quarter)
        targets = tokens[row, first_row + 1:length].to(rows.device)
        results.append(float(rows[first_row:length - 1].gather(1, targets.unsqueeze(1)).sum()))
    return results


def iter_fill(
    model: SegueModel,
    melody: Melody,
    start: int,
    end: int,
    options: GenerationOptions | None = None,
    *,
    candidates: int | None = None,
    following_bars: int = FOLLOWING_BARS,
    scorer: Scorer | None = None,
    should_stop: Callable[[], bool] | None = None,
    chords=None,
) -> Iterator[GenerationUpdate]:
    """:func:`fill` step by step: progress updates, the last one with the melodies (and with
    ``chords`` given, each fill's chords in the range). ``options.variations`` fills are
    returned; the candidates are drawn with ``options``."""
    options = GenerationOptions() if options is None else options
    if not isinstance(options, GenerationOptions):
        raise TypeError(f"options must be GenerationOptions, got {type(options).__name__}")
    if options.beam_width is not None:
        raise ValueError("a fill samples its candidates: beam search does not apply")
    _check_range(melody, start, end)
    variations, follow_seed = options.variations, options.follow_seed
    if candidates is None:
        candidates = min(MAX_VARIATIONS, max(MIN_CANDIDATES, CANDIDATES_PER_VARIATION * variations))
    candidates = _count("candidates", candidates, variations, MAX_VARIATIONS)
    following_bars = _count("following bars", following_bars, 1, 64)
    around = outside_range(melody, start, end)
    plan = ChordPlan.of(chords, start, end - start)
    drawn, used_seed = None, options.rng_seed
    for update in iter_generate(
        model, seed_of(melody, start), end - start, options.replace(variations=candidates),
        start=start, should_stop=should_stop, chords=plan.chords, carry_chords=False,
    ):
        if update.melodies is not None:
            drawn, used_seed = update.melodies, update.rng_seed
        else:
            yield GenerationUpdate(update.fraction * SAMPLING_SHARE)
    if drawn is None:
        return  # stopped
    wholes = [around.add(*inside_range(c, start, end).notes) for c in drawn]
    score_end = end + following_bars * melody.steps_per_bar
    if any(note.start >= end for note in around.notes):
        if scorer is None:
            scores = following_log_probs(model, wholes, start, end, score_end, follow_seed, plan.chords)
        else:
            scores = list(scorer(wholes, start, end, score_end))
        order = sorted(range(len(wholes)), key=lambda i: -scores[i])  # stable: ties keep draw order
    else:
        order = list(range(len(wholes)))
    chosen = _best_distinct([wholes[i] for i in order], variations)
    inside = [inside_range(whole, start, end) for whole in chosen]
    yield GenerationUpdate(1.0, chosen, used_seed, plan.variation_chords(seed_of(melody, start), inside))


def _best_distinct(ranked: list[Melody], count: int) -> list[Melody]:
    """The first ``count`` distinct melodies (repeats only when too few differ)."""
    chosen: list[Melody] = []
    for melody in ranked:
        if len(chosen) < count and melody not in chosen:
            chosen.append(melody)
    repeats = iter(ranked)
    while len(chosen) < count:
        chosen.append(next(repeats))
    return chosen


def fill(
    model: SegueModel,
    melody: Melody,
    start: int,
    end: int,
    options: GenerationOptions | None = None,
    *,
    candidates: int | None = None,
    following_bars: int = FOLLOWING_BARS,
    scorer: Scorer | None = None,
    should_stop: Callable[[], bool] | None = None,
    chords=None,
    **controls,
) -> list[Melody]:
    """``variations`` whole melodies: ``melody`` with new music in ``[start, end)``, best first.

    Notes outside the range are untouched (see the module docstring for the edges); the fill
    continues the notes before ``start`` (there must be some) with ``options``, the controls of
    :func:`engine.ml.sampling.generate` (as there, its fields may be given as keywords:
    ``temperature``, ``rest_weight``, ``key``, ``follow_seed``, ``pitch_range``, ``rng_seed``;
    same options, same fills; an unknown one is a TypeError). ``candidates`` (default 4 per
    variation, at least 16) are drawn and ranked by the log-probability of the
    ``following_bars`` bars after ``end``; ``scorer`` replaces the model's scoring (tests).
    ``chords`` (on the melody's steps) are heard by a chord-aware model, drawing and ranking.
    Raises ValueError for bad arguments, GenerationCancelled when ``should_stop`` stops it.
    """
    options = (options or GenerationOptions()).replace(**controls)
    return final_melodies(iter_fill(
        model, melody, start, end, options,
        candidates=candidates, following_bars=following_bars, scorer=scorer, should_stop=should_stop,
        chords=chords,
    ))


__all__ = ["fill", "following_log_probs", "iter_fill"]
