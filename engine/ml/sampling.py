"""Continuing a seed melody with the model: sampling controls, variations, beam search.

The seed runs through the LSTM once; after that each new step costs one batched step of the
model for all variations together (see :class:`engine.ml.stepper.Stepper`).

Controls, applied to each step's distribution in this order:

1. masks: HOLD is impossible after REST and on the first generated step (the seed's last note
   ends where the seed ends); pitches outside the pitch range or outside the model's range are
   impossible; the steps between the note grid's positions (``note_grid``, default the seed's:
   :mod:`engine.ml.grid_lock`, applied last) only continue what sounds: a triplet model on a
   straight piece writes straight notes, and on a triplet piece it writes on the roll's snaps. A key lock means "continue in this key": the
   continuation is moved into the key by the nearest transposition of the seed's own key
   (:func:`_seed_tokens`), and each
   pitch outside the scale hands its probability to its in-scale neighbours
   (:class:`engine.ml.pitch_mask.ScaleFold`, applied after steps 2 and 3), so a wanted
   chromatic note becomes a scale note, not a longer hold;
2. temperature (``adaptive_temperature`` scales it per step by target entropy / entropy,
   within half to double, so unsure steps get cooler and over-sure ones warmer);
3. rest weighting: the probability of REST (starting or continuing a rest) is multiplied by
   :func:`rest_factor` of ``rest_weight`` and the distribution renormalised: 0 means no rests
   at all, 1 the model's own, and the top of the panel's range (2) mostly rests;
4. top-p (nucleus) truncation; then a draw from a seeded generator (Gumbel-max), or the
   most likely token when the temperature is at or below :data:`GREEDY_TEMPERATURE`.

The model hears the seed's recent bars only (:func:`engine.encoding.recent_context`): a seed far
along the timeline, or with a note held for hours, costs what a short one does.

Chords (``chords=``, over seed and continuation) are heard by a chord-aware model at every step;
each variation carries its continuation's chords (:mod:`engine.ml.chord_continuation`).

Same model, seed, settings, ``rng_seed`` and device give the same notes.
"""

from __future__ import annotations

import secrets
import statistics
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

from segue.engine.encoding import fit_to_key, fit_to_range, recent_context
from segue.engine.melody import Melody
from segue.engine.ml.chord_continuation import ChordPlan
from segue.engine.ml.controls import (  # noqa: F401 - named by the docstring and the tests
    GREEDY_TEMPERATURE,
    REST_FACTOR_PER_UNIT,
    _top_p_log,
    rest_log_factor,
)
from segue.engine.ml.controls import Controls as _Controls
from segue.engine.ml.follow import SeedFollower
from segue.engine.ml.grid_lock import grid_lock_for
from segue.engine.ml.model import SegueModel, meter_of
from segue.engine.ml.options import GenerationOptions
from segue.engine.ml.pitch_mask import ScaleFold, allowed_pitch_bias, pitch_bounds
from segue.engine.ml.stepper import Stepper

if TYPE_CHECKING:
    from segue.engine.chords import Chord

MAX_STEPS = 100_000
UPDATE_STEPS = 24  # model steps between two progress updates (half a bar of 4/4 on 12 a quarter)


class GenerationCancelled(Exception):
    """``should_stop`` asked generation to stop before it finished."""


@dataclass(frozen=True)
class GenerationUpdate:
    """One report from :func:`iter_generate`: progress, and the melodies in the last one."""

    fraction: float  # 0..1 of the steps generated so far
    melodies: list[Melody] | None = None  # the continuations, set only in the final update
    rng_seed: int | None = None  # the random seed used (reproduces the run)
    # With chords asked for, in the final update: each variation's chords in its continuation
    # (given ones where they cover it, proposed ones elsewhere), one tuple per variation.
    chords: list[tuple[Chord, ...]] | None = None


def steps_for_bars(melody: Melody, bars: float) -> int:
    """Grid steps in ``bars`` bars of the melody's meter."""
    if isinstance(bars, bool) or not isinstance(bars, (int, float)) or not bars > 0:
        raise ValueError(f"the number of bars must be positive, got {bars!r}")
    return max(1, round(bars * melody.steps_per_bar))


def _check_steps(steps) -> int:
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= MAX_STEPS:
        raise ValueError(f"steps must be an integer from 1 to {MAX_STEPS}, got {steps!r}")
    return steps


def resolve_key(key: str | None, seed: Melody) -> str | None:
    """``None``, a key name, or ``'auto'`` (``Melody.resolved_key``); auto needs notes."""
    resolved = seed.resolved_key(key)
    if key is not None and resolved is None:
        raise ValueError("key 'auto' needs a seed with notes to detect the key from")
    return resolved


def _check_seed(model: SegueModel, seed: Melody, start: int | None) -> int:
    """Where the continuation starts; ValueError for a seed the model cannot take."""
    if not isinstance(seed, Melody):
        raise ValueError(f"the seed must be a Melody, got {type(seed).__name__}")
    if not seed.notes:
        raise ValueError("the seed melody is empty: give at least one note to continue from")
    if seed.steps_per_quarter != model.config.steps_per_quarter:
        raise ValueError(
            f"the model works on a grid of {model.config.steps_per_quarter} steps per quarter; "
            f"the seed uses {seed.steps_per_quarter}"
        )
    start = seed.end if start is None else start
    if isinstance(start, bool) or not isinstance(start, int):
        raise ValueError(f"start must be a grid step (an integer), got {start!r}")
    if start <= seed.start:
        raise ValueError(
            f"the continuation must start after the seed's first note (step {seed.start}), not at {start}"
        )
    return start


def _seed_tokens(model: SegueModel, seed: Melody, start: int, key: str | None, pitch_range):
    """``(tokens, shift, offset, heard)``: what the model is primed with, the semitones from a
    continuation's pitches to the model's (its range, and with a key lock the move into the
    key), the grid step of its first token (the same step of the bar as the real one) and the
    seed's recent bars.

    A key lock moves the continuation, not what the model hears: the model continues the seed
    in the seed's own key, where it plays as it does unlocked (a model knows some keys better
    than others), and its notes are moved into the locked key by the nearest transposition
    (:func:`engine.encoding.fit_to_key`), so a locked continuation sounds like a free one.
    """
    heard, context_end = recent_context(seed, start)
    move = 0
    if key is not None:
        # A tritone either way is as near: go towards the seed's last note, where the
        # continuation joins it, unless that would leave the pitch range (or the model's).
        low, high = pitch_bounds(pitch_range) if pitch_range is not None else (
            model.encoding.min_pitch, model.encoding.max_pitch)
        centre = min(max(heard.notes[-1].pitch, low + 6), high - 6) if high - low >= 12 else (low + high) / 2
        _, move = fit_to_key(heard, key, centre=centre)
    fitted, shift = fit_to_range(_recent_part_in_range(heard, model.encoding), model.encoding)
    tokens = model.encoding.encode(fitted, origin=fitted.start, end=context_end)
    return tokens, shift - move, fitted.start, heard


def _recent_part_in_range(seed: Melody, encoding) -> Melody:
    """The seed, or when it spans more than the model's range (a bass note left in by a
    reduction, say) its longest recent part that fits: what comes last matters most."""
    span = encoding.max_pitch - encoding.min_pitch
    notes = seed.notes
    low = high = notes[-1].pitch
    first = len(notes) - 1
    while first > 0:
        pitch = notes[first - 1].pitch
        if max(high, pitch) - min(low, pitch) > span:
            return seed.with_notes(notes[first:])
        low, high, first = min(low, pitch), max(high, pitch), first - 1
    return seed


def iter_generate(
    model: SegueModel,
    seed_melody: Melody,
    steps: int,
    options: GenerationOptions | None = None,
    *,
    start: int | None = None,
    should_stop: Callable[[], bool] | None = None,
    chords=None,
    carry_chords: bool = True,
) -> Iterator[GenerationUpdate]:
    """Generate ``steps`` steps from ``start`` with ``options``, yielding a
    :class:`GenerationUpdate` every :data:`UPDATE_STEPS` steps or so (beam search: every
    step); the last one carries the melodies (see
    :func:`generate`; None: the default options) and, when ``chords`` were given, each
    variation's chords (unless ``carry_chords`` is false: a fill proposes chords only for
    the candidates it keeps).

    When ``should_stop()`` returns true the iteration ends at once without melodies.
    ``options.beam_width`` switches to beam search for the most likely continuations
    (temperature, top-p and the random seed then do not apply; masks and rest weighting do).
    """
    options = GenerationOptions() if options is None else options
    if not isinstance(options, GenerationOptions):
        raise TypeError(f"options must be GenerationOptions, got {type(options).__name__}")
    _check_steps(steps)
    if isinstance(seed_melody, Melody) and seed_melody.notes and (
            seed_melody.steps_per_quarter != model.config.steps_per_quarter):
        yield from _on_seed_grid(model, seed_melody, steps, options, start, should_stop, chords,
                                 carry_chords)
        return
    start = _check_seed(model, seed_melody, start)
    key = resolve_key(options.key, seed_melody)
    pitch_range, follow_seed = options.pitch_range, options.follow_seed
    variations, beam_width = options.variations, options.beam_width
    tokens, shift, offset, heard = _seed_tokens(model, seed_melody, start, key, pitch_range)
    plan = ChordPlan.of(chords, start, steps)
    fold = ScaleFold(model, shift, key, pitch_range) if key else None
    bias = allowed_pitch_bias(model, shift, None, pitch_range)
    batch = beam_width or variations
    lock = grid_lock_for(options.note_grid, seed_melody.steps_per_quarter, start, batch,
                         model.device)
    if beam_width:  # the most likely continuations: the model's own distribution
        controls = _Controls(bias, 1.0, options.rest_weight, None, None, steps, fold, lock)
    else:
        controls = _Controls(bias, options.temperature, options.rest_weight, options.top_p,
                             options.adaptive_temperature, steps, fold, lock)
    rng_seed = secrets.randbits(63) if options.rng_seed is None else options.rng_seed
    generator = torch.Generator(device=model.device)
    generator.manual_seed(rng_seed)
    meter = meter_of(seed_melody.time_signature, seed_melody.steps_per_quarter)
    if model.training:
        model.eval()
    # Inference mode is entered per step, never across a yield, so the caller's code between
    # updates runs in its own grad mode.
    with torch.inference_mode():
        stepper = Stepper(model, batch, offset, meter,
                          plan.heard_indices(model, offset, len(tokens), shift))
        logits = stepper.prime(tokens)
        # Following the seed: a short-term model of the heard seed, mixed with the LSTM.
        follower = SeedFollower(tokens, batch, meter.steps_per_bar, follow_seed, offset,
                                model.config.steps_per_quarter) if follow_seed else None
        if follower is not None:
            logits = follower.adjust(logits)
    if beam_width:
        generated = yield from _beam_steps(stepper, logits, controls, steps, should_stop, follower)
        generated = None if generated is None else generated[:variations]
    else:
        if fold is not None:
            fold.follow_played(tokens, variations)
        generated = yield from _sample_steps(stepper, logits, controls, steps, generator, should_stop, follower)
    if generated is None:
        return
    velocities = [n.velocity for n in heard.notes]
    velocity = int(statistics.median_low(velocities))
    fields = dict(
        steps_per_quarter=seed_melody.steps_per_quarter,
        time_signature=seed_melody.time_signature,
        tempo=seed_melody.tempo,
        key=seed_melody.key,
        swing=seed_melody.swing,  # a variation exported alone is played as the piece is
        swing_unit=seed_melody.swing_unit,
    )
    melodies = []
    for sequence in generated:
        notes = model.encoding.decode_notes(sequence, origin=start, velocity=velocity)
        melody = Melody(notes, **fields)
        melodies.append(melody.transpose(-shift) if shift and notes else melody)
    carried = plan.variation_chords(seed_melody, melodies) if carry_chords else None
    yield GenerationUpdate(1.0, melodies, rng_seed, carried)


def _on_seed_grid(model, seed_melody, steps, options, start, should_stop, chords, carry_chords):
    """:func:`iter_generate` of a seed on another grid than the model's: heard on the model's,
    the new notes written and given on the seed's (:mod:`engine.ml.grid_view`; a straight seed
    under a 12-step model gets straight notes)."""
    from segue.engine.ml.grid_view import on_model_grid  # noqa: PLC0415
    from segue.engine.ml.request import ContinuationRequest  # noqa: PLC0415

    start = seed_melody.end if start is None else start
    request = ContinuationRequest(seed_melody, start, steps, options,
                                  chords=None if chords is None else tuple(chords))
    return on_model_grid(model, request, lambda playing, heard: iter_generate(
        playing, heard.seed, heard.steps, heard.options, start=heard.start,
        should_stop=should_stop, chords=heard.chords, carry_chords=carry_chords))


def _sample_steps(stepper, logits, controls, steps, generator, should_stop, follower):
    drawn: list[list[int]] = []  # one token per variation, a list per step
    inference = torch.inference_mode()  # (entered anew each step; made once: cheaper)
    # A grid lock forces the steps between the note grid's (a 12-step model on a straight
    # piece: two steps in three): nothing is drawn there, and a drawn step and the forced ones
    # after it go into the model as one run (one lookup, the logits of the last only).
    lock = controls.grid_lock
    step = 0
    while step < steps:
        # An update, and inference mode entered and left, once every UPDATE_STEPS steps rather
        # than every run (each time costs about what a cell does); should_stop every run.
        with inference:
            until = min(steps, step + UPDATE_STEPS)
            while step < until:
                if should_stop is not None and should_stop():
                    return None
                if lock is None:
                    run = [controls.draw(logits, step == 0, generator)]
                elif lock.on_grid:
                    run = [controls.draw(logits, step == 0, generator)]
                    run += lock.forced(steps - step - 1)
                else:  # (a run starting between note-grid steps: a fill's first)
                    run = lock.forced(steps - step)
                if step + len(run) < steps:
                    logits = stepper.feed_run(run)
                    if follower is not None:
                        for chosen in run:
                            follower.learn(chosen)
                        logits = follower.adjust(logits)
                drawn += run
                step += len(run)
        yield GenerationUpdate(step / steps)
    return [list(sequence) for sequence in zip(*drawn)]


def _beam_steps(stepper, logits, controls, steps, should_stop, follower):
    width = stepper.batch
    device = logits.device
    scores = torch.full((width,), float("-inf"), device=device)
    scores[0] = 0.0  # every beam starts as the same seed: expand only the first
    sequences: list[list[int]] = [[] for _ in range(width)]
    for step in range(steps):
        if should_stop is not None and should_stop():
            return None
        with torch.inference_mode():
            log_probs = controls.log_probs(logits, step == 0)
            vocab = log_probs.shape[1]
            total = (scores.unsqueeze(1) + log_probs).reshape(-1)
            scores, flat = total.topk(width)
            parents = (flat // vocab).tolist()
            chosen = (flat % vocab).tolist()
            controls.played(chosen)
            if step + 1 < steps:
                stepper.reorder(parents)
                logits = stepper.feed(chosen)
                if follower is not None:
                    follower.reorder(parents)
                    follower.learn(chosen)
                    logits = follower.adjust(logits)
        sequences = [sequences[p] + [t] for p, t in zip(parents, chosen)]
        yield GenerationUpdate((step + 1) / steps)
    finite = [s for s, score in zip(sequences, scores.tolist()) if score > float("-inf")]
    return finite or sequences[:1]


def final_melodies(updates: Iterator[GenerationUpdate]) -> list[Melody]:
    """Run ``updates`` (from :func:`iter_generate` or ``iter_fill``) to the end: the melodies of
    the last one; GenerationCancelled when they stopped before any."""
    result = None
    for update in updates:
        if update.melodies is not None:
            result = update.melodies
    if result is None:
        raise GenerationCancelled("generation was stopped before it finished")
    return result


def generate(
    model: SegueModel,
    seed_melody: Melody,
    steps: int,
    options: GenerationOptions | None = None,
    *,
    start: int | None = None,
    should_stop: Callable[[], bool] | None = None,
    chords=None,
    **controls,
) -> list[Melody]:
    """``variations`` continuations of ``seed_melody``, each ``steps`` grid steps long.

    The steps are the seed's: a seed on another grid than the model's is heard on the model's
    and continued on its own (a straight seed under a 12-step model gets straight notes).
    The continuations hold only the new notes, on the seed's time axis: the first generated
    step is ``start`` (default: the seed's end; steps between the seed's end and a later
    ``start`` are fed to the model as rests). They carry the seed's meter, tempo and key.

    The controls are ``options`` (:class:`engine.ml.options.GenerationOptions`) or, for short,
    its fields as keywords (``temperature=0.5``; they change ``options`` where both are given;
    an unknown one is a TypeError):

    - ``temperature`` > 0: lower is safer, higher wilder; at most 0.001 means greedy.
    - ``rest_weight`` >= 0: fewer or more rests (0: none, 1: the model's, 2: mostly rests; see
      :func:`rest_log_factor`).
    - ``key``: ``'C major'``, ``'F# minor'`` ... or ``'auto'`` (from the seed): continue in that
      key, only its scale; a seed in another key is heard moved into it (at most a tritone).
    - ``pitch_range`` (low, high) MIDI pitches; ``top_p`` nucleus sampling in (0, 1].
    - ``adaptive_temperature``: True or a target entropy in bits, see the module docstring.
    - ``beam_width``: beam search for the most likely continuations instead of sampling.
    - ``follow_seed`` 0-1: how strongly to follow the seed's own motifs (0: not at all; see
      :mod:`engine.ml.follow`); the continuation keeps learning from what it has generated.
    - ``rng_seed``: reproducible draws; ``should_stop``: raises GenerationCancelled when true.
    - ``note_grid``: steps per quarter the new notes start and end on, a divisor of the
      model's (4 under a 12-step model: straight notes only; default the seed's, whose snaps
      a triplet grid keeps to: :mod:`engine.ml.grid_lock`).
    - ``chords``: ``Chord`` values on the seed's time axis (seed and continuation) that a
      chord-aware model hears (others ignore them); each variation's are in iter_generate's.

    A seed spanning more than the model's pitch range is heard from its longest recent part
    that fits; only its last bars are heard, long notes and rests shortened (the work does not
    grow with where the seed sits on the timeline). Raises ValueError with a clear message for
    bad arguments or a seed the model cannot take.
    """
    options = (options or GenerationOptions()).replace(**controls)
    return final_melodies(iter_generate(model, seed_melody, steps, options, start=start,
                                        should_stop=should_stop, chords=chords))


__all__ = [
    "GenerationCancelled",
    "GenerationOptions",
    "GenerationUpdate",
    "final_melodies",
    "generate",
    "iter_generate",
    "steps_for_bars",
]
