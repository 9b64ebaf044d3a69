"""Learning a style: fine-tuning a model on the user's own pieces for a few minutes.

:func:`iter_learn` trains a loaded model in place on :class:`engine.learn.StyleMaterial`'s
pieces and yields a :class:`LearnProgress` after every batch: time spent and left, the epoch,
and the held-out figure (total bits per note, as :mod:`engine.ml.evaluation` defines it) each
time it is measured. The model keeps its shape (as ``train --init``); only the weights change.

- Measured on the held-out pieces before anything changes (the base figure), after every
  epoch, at most ``measure_seconds`` apart and once more at the end; the best weights so far
  are kept in memory. When ``patience`` measurements bring nothing better, learning goes on
  from the best weights at half the rate; after ``halvings`` such plateaus the next one ends it.
- It ends then, at the time limit, or when ``should_stop`` says so (Cancel): the best weights
  are written, never a half-trained state. Time comes from an injected ``clock``, so tests
  need no waiting. No transposition by default: a style's keys are part of the style (on the
  bench's Palestrina, shifting by up to 2 semitones learnt worse: 0.79-0.80 x against 0.78 x).
- The model is written through :func:`engine.ml.learned_model.save_learned`: into a staging folder beside the
  destination, then renamed into place, card last; a failed write (a full disk) leaves
  neither a half-written model nor a staging folder, and the model that was there stays.
- The card (``NAME.json``'s ``training.learned_style`` and ``NAME.md``) records the source
  folder, files and pieces, the base model, the date, the minutes and the figures before and
  after. The run is a shorter cousin of :func:`engine.ml.training.train` with its own loop, so
  training's options and resume state stay as they are.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Generator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from segue.engine.encoding import FIRST_PITCH_TOKEN
from segue.engine.learn import LearnError, Piece, StyleMaterial
from segue.engine.ml.catalog import model_paths
from segue.engine.ml.evaluation import EncodedTune, collate, encode_melody, score_encoded
from segue.engine.ml.learned_model import (  # noqa: F401 - ModelWriteError: this module's API
    ModelWriteError,
    card_markdown,
    save_learned,
)

MAX_MINUTES = 24 * 60


@dataclass(frozen=True)
class LearnSettings:
    """How a style is learnt; the defaults suit tens of pieces and a few minutes on a CPU."""

    minutes: float = 5.0  # the time limit
    learning_rate: float = 3e-3  # peak AdamW rate (training's): plateaus halve it
    final_lr_fraction: float = 0.1  # the cosine decay over the time limit ends here
    warmup_steps: int = 20
    batch_size: int = 8  # few pieces: small batches give more updates
    transpose: int = 0  # random shift per window, within +- semitones (see the module doc)
    max_length: int = 2048  # longer pieces learn as random windows of this many steps
    weight_decay: float = 0.01
    clip: float = 1.0
    patience: int = 8  # measurements without a better figure: back to the best, half the rate
    halvings: int = 3  # after this many halvings, no better figure in ``patience`` ends the run
    measure_seconds: float = 20.0  # at most this long between two measurements
    average: float = 0.0  # measure (and keep) a running average of the weights with this decay
    dropout: float | None = None  # the model's dropout while learning (None: its own)
    seed: int = 0

    def __post_init__(self):
        minutes = self.minutes
        if isinstance(minutes, bool) or not isinstance(minutes, (int, float)) or not (
            0 < minutes <= MAX_MINUTES
        ):
            raise ValueError(f"minutes must be a number above 0 and at most {MAX_MINUTES}, "
                             f"got {minutes!r}")


@dataclass(frozen=True)
class LearnProgress:
    """Where a run is: what a progress bar, a time-left label and a figure show."""

    elapsed: float  # seconds since the run began
    time_left: float  # seconds left of the limit (the run may end sooner)
    epoch: int  # epochs begun, from 1
    base_bits: float  # the base model's held-out total bits per note
    best_bits: float  # the best held-out figure so far (the weights that will be written)
    held_out_bits: float | None = None  # the figure measured just now, None between measurements
    improved: bool = False  # this measurement is the best so far

    @property
    def fraction(self) -> float:
        total = self.elapsed + self.time_left
        return min(1.0, self.elapsed / total) if total > 0 else 1.0


@dataclass(frozen=True)
class LearnResult:
    """A finished run: the model written, and its figures."""

    path: Path  # the card, NAME.json
    base_model: str
    base_bits: float
    best_bits: float
    epochs: int
    stopped: str  # "time limit", "no longer improving" or "stopped"
    seconds: float
    pieces: int  # learnt from
    held_out: int
    skipped: int  # pieces outside the model's pitch range or grid

    @property
    def name(self) -> str:
        return self.path.with_suffix("").name

    @property
    def ratio(self) -> float:
        return self.best_bits / self.base_bits if self.base_bits else math.nan

    def to_json(self) -> dict:
        data = asdict(self)
        data["path"] = str(self.path)
        data["ratio"] = self.ratio
        return data


# --- material ---------------------------------------------------------------------------------


def encode_pieces(pieces: Sequence[Piece], model) -> tuple[list[EncodedTune], int]:
    """(encoded pieces, skipped): pieces off the model's grid or outside its pitch range even
    after octave fitting are skipped."""
    encoded, skipped = [], 0
    for piece in pieces:
        if piece.melody.steps_per_quarter != model.config.steps_per_quarter:
            skipped += 1
            continue
        try:
            tune = encode_melody(piece.melody, model.encoding, piece.id)
        except ValueError:
            skipped += 1
            continue
        if len(tune.tokens) >= 2:
            encoded.append(tune)
        else:
            skipped += 1
    return encoded, skipped


def _windows(tunes, settings: LearnSettings, epoch: int, num_pitches: int) -> list[list[EncodedTune]]:
    """The epoch's batches: shuffled, windowed and transposed, all from (seed, epoch)."""
    rng = np.random.default_rng([settings.seed, epoch])
    windows = []
    for index in rng.permutation(len(tunes)):
        tune = tunes[index]
        length = len(tune.tokens)
        start = int(rng.integers(0, length - settings.max_length + 1)) if length > settings.max_length else 0
        tokens = tune.tokens[start:start + settings.max_length].copy()
        notes = tokens >= FIRST_PITCH_TOKEN
        if settings.transpose and notes.any():
            pitches = tokens[notes] - FIRST_PITCH_TOKEN
            low = max(-settings.transpose, -int(pitches.min()))
            high = min(settings.transpose, num_pitches - 1 - int(pitches.max()))
            tokens[notes] += int(rng.integers(low, high + 1))
        windows.append(EncodedTune(tune.id, tokens, tune.offset + start, tune.meter))
    windows.sort(key=lambda w: len(w.tokens))  # similar lengths together: little padding
    size = settings.batch_size
    batches = [windows[i:i + size] for i in range(0, len(windows), size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def _loss(model, batch: Sequence[EncodedTune]) -> torch.Tensor:
    """Mean cross-entropy over the batch's predicted steps (row t predicts step t + 1)."""
    tokens, lengths, offsets, meters = collate(batch, model.device)
    logits = model(tokens, offsets, meters)
    steps = torch.arange(tokens.shape[1] - 1, device=tokens.device)
    scored = steps.unsqueeze(0) < (lengths - 1).unsqueeze(1)
    return F.cross_entropy(logits[:, :-1][scored], tokens[:, 1:][scored])


def held_out_bits(model, tunes: Sequence[EncodedTune]) -> float:
    """Total bits per note of the model over the held-out pieces (eval mode, no dropout)."""
    return score_encoded(model, tunes).metrics()["total_bits_per_note"]


def _rate(settings: LearnSettings, step: int, fraction: float) -> float:
    """Linear warm-up, then cosine decay over the time limit to ``final_lr_fraction``."""
    peak = settings.learning_rate
    if step < settings.warmup_steps:
        return peak * (step + 1) / settings.warmup_steps
    floor = settings.final_lr_fraction
    return peak * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * min(1.0, fraction))))


class _Best:
    """The best held-out figure so far, its weights, and the measurements made."""

    def __init__(self, model, held_set, clock, started: float):
        self.model, self.held_set, self.clock, self.started = model, held_set, clock, started
        self.bits = held_out_bits(model, held_set)
        self.state = _copy_state(model)
        self.stale = 0
        self.measured_at = clock() - started
        self.history = [{"seconds": 0.0, "held_out_bits_per_note": self.bits}]

    def measure(self, parameters, averaged, epoch: int, limit: float) -> LearnProgress:
        """Measure the model (its averaged weights, when averaging), keep them if best."""
        with _weights(parameters, averaged):
            figure = held_out_bits(self.model, self.held_set)
            improved = figure < self.bits
            if improved:
                self.bits, self.state, self.stale = figure, _copy_state(self.model), 0
            else:
                self.stale += 1
        self.model.train()
        self.measured_at = seconds = self.clock() - self.started
        self.history.append({"seconds": round(seconds, 1), "held_out_bits_per_note": figure})
        return LearnProgress(seconds, max(0.0, limit - seconds), epoch, self.history[0][
            "held_out_bits_per_note"], self.bits, figure, improved)


@contextmanager
def _weights(parameters, averaged):
    """The averaged weights in the model while inside (when there are any)."""
    if averaged is None:
        yield
        return
    with torch.no_grad():
        current = [p.detach().clone() for p in parameters]
        for parameter, mean in zip(parameters, averaged):
            parameter.copy_(mean)
    try:
        yield
    finally:
        with torch.no_grad():
            for parameter, value in zip(parameters, current):
                parameter.copy_(value)


def _copy_state(model) -> dict[str, torch.Tensor]:
    return {name: tensor.detach().clone() for name, tensor in model.state_dict().items()}


# --- the run ----------------------------------------------------------------------------------


def iter_learn(
    model,
    material: StyleMaterial,
    out: str | os.PathLike,
    *,
    base_model: str,
    settings: LearnSettings | None = None,
    clock: Callable[[], float] = time.monotonic,
    should_stop: Callable[[], bool] = lambda: False,
) -> Generator[LearnProgress, None, LearnResult]:
    """Fine-tune ``model`` (in place) on ``material`` and write the best weights to ``out``
    (``NAME`` -> NAME.safetensors, NAME.json, NAME.md), replacing a model there; see the
    module docstring. LearnError when no piece fits the model; ModelWriteError when the
    model cannot be written."""
    settings = settings or LearnSettings()
    started = clock()
    limit = settings.minutes * 60
    # The base style's model for straight pieces would not play the learned style: the learned
    # model plays every piece itself (a straight one on its grid, engine.ml.grid_lock).
    object.__setattr__(model, "straight_model", None)
    train_set, skipped = encode_pieces(material.train, model)
    held_set, held_skipped = encode_pieces(material.held_out, model)
    skipped += held_skipped
    if not train_set or not held_set:
        raise LearnError(
            f"no piece fits the model's pitch range {model.config.min_pitch}-"
            f"{model.config.max_pitch} and grid ({skipped} of {material.pieces} pieces do not)"
            if skipped else "there are no pieces to learn from"
        )
    best = _Best(model, held_set, clock, started)
    base = best.bits
    yield LearnProgress(0.0, limit, 0, base, base, base, improved=False)

    torch.manual_seed(settings.seed)
    dropouts = {m: m.p for m in model.modules() if isinstance(m, torch.nn.Dropout)}
    if settings.dropout is not None:  # only while learning: the model keeps its own after
        for module in dropouts:
            module.p = settings.dropout
    optimizer = torch.optim.AdamW(model.parameters(), lr=settings.learning_rate,
                                  weight_decay=settings.weight_decay)
    parameters = list(model.parameters())
    averaged = [p.detach().clone() for p in parameters] if settings.average else None
    step, epoch, stopped, unmeasured, halved = 0, 0, "time limit", False, 0
    running = True
    while running:
        epoch += 1
        model.train()
        batches = _windows(train_set, settings, epoch, model.num_pitches)
        for number, batch in enumerate(batches, 1):
            elapsed = clock() - started
            asked = should_stop()
            if asked or elapsed >= limit:
                stopped, running = ("stopped" if asked else "time limit"), False
                break
            for group in optimizer.param_groups:
                group["lr"] = _rate(settings, step, elapsed / limit) / 2 ** halved
            loss = _loss(model, batch)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if settings.clip:
                torch.nn.utils.clip_grad_norm_(model.parameters(), settings.clip)
            optimizer.step()
            step, unmeasured = step + 1, True
            if averaged is not None:
                with torch.no_grad():
                    for mean, parameter in zip(averaged, parameters):
                        mean.lerp_(parameter.detach(), 1 - settings.average)
            now = clock() - started
            if number < len(batches) and now - best.measured_at < settings.measure_seconds:
                yield LearnProgress(now, max(0.0, limit - now), epoch, base, best.bits)
                continue
            # An epoch's end, or a long epoch's time to look: measure, keep the best.
            yield best.measure(parameters, averaged, epoch, limit)
            unmeasured = False
            if best.stale >= settings.patience:
                if halved >= settings.halvings:
                    stopped, running = "no longer improving", False
                    break
                # A plateau: on from the best weights at half the rate.
                halved, best.stale = halved + 1, 0
                model.load_state_dict(best.state)
                if averaged is not None:
                    averaged = [p.detach().clone() for p in parameters]
    if unmeasured:  # the steps since the last measurement may hold the best weights
        yield best.measure(parameters, averaged, epoch, limit)
    for module, p in dropouts.items():
        module.p = p
    model.load_state_dict(best.state)
    model.eval()
    seconds = clock() - started
    result = LearnResult(
        path=model_paths(out)[0], base_model=base_model, base_bits=base, best_bits=best.bits,
        epochs=epoch, stopped=stopped, seconds=round(seconds, 1), pieces=len(train_set),
        held_out=len(held_set), skipped=skipped,
    )
    card = _card(result, material, settings, best.history)
    model.card = {"training": {"learned_style": card},
                  "metrics": {"held_out": {"total_bits_per_note": best.bits,
                                           "base_total_bits_per_note": base}}}
    save_learned(model, out, card_markdown(result, material))
    return result


def learn(model, material: StyleMaterial, out, *, on_progress=None, **kwargs) -> LearnResult:
    """:func:`iter_learn` to the end; ``on_progress`` receives every update."""
    run = iter_learn(model, material, out, **kwargs)
    try:
        while True:
            update = next(run)
            if on_progress is not None:
                on_progress(update)
    except StopIteration as stop:
        return stop.value


@contextmanager
def leaving_a_core():
    """torch's CPU threads one fewer than the cores while inside (the GUI keeps a core),
    restored after."""
    before = torch.get_num_threads()
    torch.set_num_threads(max(1, (os.cpu_count() or 1) - 1))
    try:
        yield
    finally:
        torch.set_num_threads(before)


# --- the card and the files -------------------------------------------------------------------


def _card(result: LearnResult, material: StyleMaterial, settings, history) -> dict:
    return {
        "source": material.source,
        "files": material.files,
        "unreadable_files": len(material.unreadable),
        "pieces": result.pieces,
        "held_out_pieces": result.held_out,
        "skipped_pieces": result.skipped,
        "base_model": result.base_model,
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "minutes": settings.minutes,
        "seconds": result.seconds,
        "epochs": result.epochs,
        "stopped": result.stopped,
        "held_out_total_bits_per_note": {"before": result.base_bits, "after": result.best_bits},
        "settings": asdict(settings),
        "history": history,
    }
