"""Training the model on a corpus: ``segue-cli train``.

- Train split for learning, validation split for early stopping (bits per note, as
  :mod:`engine.ml.evaluation` defines it); the test split is never touched here.
- Each sequence is transposed by a random shift within ``transpose`` semitones that keeps it
  inside the pitch range (its chords' roots move with it); long tunes are cut into random
  windows of ``max_length`` steps.
- A tune's chords are withheld from :data:`WITHHELD_WINDOWS` of its windows and from a random
  span of :data:`WITHHELD_SPANS` of the rest, so a chord-aware model also predicts well where
  no chords are given (the "no chord" input).
- AdamW, linear warm-up then cosine decay of the learning rate, gradient clipping, dropout.
- After every epoch: ``NAME.train.safetensors`` + ``NAME.train.json`` (everything ``--resume``
  needs, see :mod:`engine.ml.train_state`); whenever validation improves, the model itself
  (``NAME.safetensors`` + ``NAME.json``). At the end a plot ``NAME.png`` of both curves.
- ``--seed`` makes a run repeatable: every epoch's shuffling, windows, shifts and dropout come
  from (seed, epoch), so a resumed run continues exactly as an uninterrupted one.
- Under ``torchrun --nproc_per_node=N`` it trains as PyTorch DDP (gloo on CPU, nccl on GPU):
  every process builds the same batches and takes every N-th; validation is summed over all
  (:mod:`engine.ml.distributed`). The options are :class:`engine.ml.train_options.TrainOptions`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from segue.engine.encoding import FIRST_PITCH_TOKEN
from segue.engine.ml.catalog import model_paths
from segue.engine.ml.checkpoint import load_model, save_model
from segue.engine.ml.chord_features import NO_CHORD_INDEX, transpose_indices
from segue.engine.ml.distributed import Processes, all_sum, barrier, setup_distributed
from segue.engine.ml.evaluation import (
    EncodedTune,
    Totals,
    collate,
    collate_chords,
    encode_tunes,
    score_encoded,
)
from segue.engine.ml.grid_weights import weights_for_grid
from segue.engine.ml.model import SegueModel, create_model
from segue.engine.ml.train_options import TrainOptions
from segue.engine.ml.train_state import load_state, save_state

WITHHELD_WINDOWS = 0.4  # of the windows of tunes with chords: trained without any
WITHHELD_SPANS = 0.5  # of the other windows: one random span (up to half the window) without
# The chord output's learning rate, times the others': a handful of scores that start at zero
# and must grow to a few nats while fine-tuning moves the rest a little (Adam steps ~ lr).
CHORD_BIAS_LR_SCALE = 10.0


@dataclass
class TrainResult:
    model_path: Path  # the card of the best model
    best_epoch: int
    best_validation: float  # validation total bits per note of the best model
    epochs_run: int
    history: list  # per epoch: train and validation bits per note, seconds, learning rate
    steps_per_second: float  # training throughput, grid steps per second (this process)
    stopped: str  # why training ended: "epochs", "early stopping", "time limit", "interrupted"
    model: SegueModel | None = None  # the final weights (the best ones are in model_path)


# --- batches ----------------------------------------------------------------------------------


def _transpose_window(tune: EncodedTune, shift: int, start: int, length: int, rng=None) -> EncodedTune:
    tokens = tune.tokens[start:start + length].copy()
    if shift:
        notes = tokens >= FIRST_PITCH_TOKEN
        tokens[notes] += shift
    chords = None
    if tune.chords is not None:  # moved with the tokens; with ``rng``, some withheld
        chords = transpose_indices(tune.chords[start:start + length], shift).copy()
        if rng is not None:
            chords = _withhold(chords, rng)
    return EncodedTune(tune.id, tokens, tune.offset + start, tune.meter, chords)


def _withhold(chords: np.ndarray, rng) -> np.ndarray | None:
    """A window's chords, withheld (None) or with a span withheld, as the module says."""
    if rng.random() < WITHHELD_WINDOWS:
        return None
    if rng.random() < WITHHELD_SPANS:
        span = int(rng.integers(1, max(2, len(chords) // 2 + 1)))
        begin = int(rng.integers(0, len(chords) - span + 1))
        chords[begin:begin + span] = NO_CHORD_INDEX
    return chords


def epoch_batches(
    tunes: Sequence[EncodedTune], options: TrainOptions, epoch: int, num_pitches: int
) -> list[list[EncodedTune]]:
    """The epoch's batches: shuffled, length-bucketed, windowed and transposed, all from
    (seed, epoch), identical in every process."""
    rng = np.random.default_rng([options.seed, epoch])
    order = rng.permutation(len(tunes))
    windows = []
    for i in order:
        tune = tunes[i]
        length = len(tune.tokens)
        start = int(rng.integers(0, length - options.max_length + 1)) if length > options.max_length else 0
        window = tune.tokens[start:start + options.max_length]
        shift = 0
        notes = window[window >= FIRST_PITCH_TOKEN]
        if options.transpose and notes.size:
            low = max(-options.transpose, -int(notes.min() - FIRST_PITCH_TOKEN))
            high = min(options.transpose, num_pitches - 1 - int(notes.max() - FIRST_PITCH_TOKEN))
            shift = int(rng.integers(low, high + 1))
        windows.append(_transpose_window(tune, shift, start, options.max_length, rng))
    # Sort within pools of 50 batches by length so padding stays small, then shuffle batches.
    pool = options.batch_size * 50
    batches = []
    for begin in range(0, len(windows), pool):
        chunk = sorted(windows[begin:begin + pool], key=lambda w: len(w.tokens))
        batches += [chunk[i:i + options.batch_size] for i in range(0, len(chunk), options.batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def learning_rate(options: TrainOptions, step: int, total_steps: int, time_fraction: float = 0.0) -> float:
    """Linear warm-up, then cosine decay to ``final_lr_fraction`` of the peak.

    With a time limit the decay follows whichever is further along, steps or time, so a short
    run still ends on a low learning rate.
    """
    if step < options.warmup_steps:
        return options.learning_rate * (step + 1) / options.warmup_steps
    span = max(1, total_steps - options.warmup_steps)
    progress = min(1.0, max((step - options.warmup_steps) / span, time_fraction))
    floor = options.final_lr_fraction
    return options.learning_rate * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress)))


def batch_loss(model, tunes: Sequence[EncodedTune], device) -> tuple[torch.Tensor, float, int, int]:
    """(mean loss over scored steps, summed nats, scored steps, predicted onsets)."""
    tokens, lengths, offsets, meters = collate(tunes, device)
    logits = model(tokens, offsets, meters, chords=collate_chords(tunes, tokens.shape[1], device))
    steps = torch.arange(tokens.shape[1] - 1, device=device)
    scored = steps.unsqueeze(0) < (lengths - 1).unsqueeze(1)
    targets = tokens[:, 1:][scored]
    nll = F.cross_entropy(logits[:, :-1][scored], targets, reduction="sum")
    count = int(scored.sum())
    onsets = int((targets >= FIRST_PITCH_TOKEN).sum())
    return nll / max(1, count), float(nll.detach()), count, onsets


# --- plot -------------------------------------------------------------------------------------


def plot_history(history: list[dict], path) -> Path | None:
    """A PNG of training and validation bits per note by epoch; None without matplotlib."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
        from matplotlib.figure import Figure  # noqa: PLC0415
    except ImportError:
        return None
    figure = Figure(figsize=(7, 4.2), dpi=110)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    epochs = [h["epoch"] for h in history]
    axes.plot(epochs, [h["train_bits_per_note"] for h in history], marker="o", label="training")
    axes.plot(epochs, [h["validation_bits_per_note"] for h in history], marker="o", label="validation")
    axes.set_xlabel("epoch")
    axes.set_ylabel("bits per note")
    axes.set_title(Path(str(path)).stem)
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    card, _ = model_paths(path)
    png = card.with_suffix(".png")
    figure.savefig(png)
    return png


# --- the loop ---------------------------------------------------------------------------------


def _progress(total: int, description: str, enabled: bool):
    if enabled:
        from tqdm import tqdm  # noqa: PLC0415

        return tqdm(total=total, desc=description, unit="batch", leave=False, dynamic_ncols=True)
    return None


def train(
    options: TrainOptions,
    out,
    *,
    resume: bool = False,
    device=None,
    progress: bool = True,
    train_tunes=None,
    validation_tunes=None,
    cache_dir=None,
    log=print,
    stop_after_epochs: int | None = None,
) -> TrainResult:
    """Train a model and write it to ``out`` (``NAME`` -> NAME.safetensors + NAME.json).

    ``train_tunes`` / ``validation_tunes`` (lists of corpus ``Tune``) replace loading
    ``options.corpus``; ``log`` receives one line per epoch (main process only).
    ``stop_after_epochs`` ends this run early as an interruption would (resume continues it).
    """
    ctx = setup_distributed(device)
    started = time.perf_counter()
    encoding = options.model.encoding
    spq = options.model.steps_per_quarter
    if train_tunes is None or validation_tunes is None:
        from segue.engine.corpus import load_corpus  # noqa: PLC0415

        # The corpus on the model's grid: a model on 12 steps per quarter learns triplets.
        train_tunes = load_corpus(options.corpus, "train", cache_dir=cache_dir, grid=spq)
        validation_tunes = load_corpus(options.corpus, "validation", cache_dir=cache_dir, grid=spq)
    train_set, train_skipped = encode_tunes(train_tunes, encoding, spq)
    validation_set, _ = encode_tunes(validation_tunes, encoding, spq)
    train_set = [t for t in train_set if len(t.tokens) >= 2]
    if not train_set or not validation_set:
        raise ValueError(f"corpus {options.corpus!r} has no usable train or validation tunes")

    model = create_model(options.model, seed=options.seed)
    if options.init:  # fine-tuning: the same shape, another model's weights
        _load_initial_weights(model, options.init)
    model = model.to(ctx.device)
    optimizer = torch.optim.AdamW(
        _parameter_groups(model), lr=options.learning_rate, weight_decay=options.weight_decay
    )
    history: list[dict] = []
    first_epoch, step, best, best_epoch, stale = 0, 0, math.inf, 0, 0
    if resume:
        info = load_state(out, model, optimizer, options)
        history = info["history"]
        first_epoch, step = info["epoch"] + 1, info["step"]
        best, best_epoch, stale = info["best"], info["best_epoch"], info["stale"]
    network = model
    if ctx.world > 1:
        from torch.nn.parallel import DistributedDataParallel  # noqa: PLC0415

        network = DistributedDataParallel(model, device_ids=[ctx.device.index] if ctx.device.type == "cuda" else None)

    batches_per_epoch = len(epoch_batches(train_set, options, 0, encoding.num_pitches)) // ctx.world
    if batches_per_epoch == 0:
        raise ValueError(f"the corpus has too few tunes for {ctx.world} processes")
    total_steps = batches_per_epoch * options.epochs
    limit = options.max_minutes * 60 if options.max_minutes else None
    if ctx.main:
        log(
            f"training on {len(train_set)} tunes ({train_skipped} skipped), validating on "
            f"{len(validation_set)}; {ctx.world} process(es) on {ctx.device}; "
            f"{sum(p.numel() for p in model.parameters()):,} parameters"
        )
    stopped, trained_steps, train_seconds = "epochs", 0, 0.0
    epoch = first_epoch
    for epoch in range(first_epoch, options.epochs):
        torch.manual_seed(options.seed * 1_000_003 + epoch)  # dropout, repeatable per epoch
        batches = epoch_batches(train_set, options, epoch, encoding.num_pitches)
        batches = batches[: batches_per_epoch * ctx.world][ctx.rank::ctx.world]
        network.train()
        bar = _progress(len(batches), f"epoch {epoch + 1}/{options.epochs}", progress and ctx.main)
        epoch_started = time.perf_counter()
        nats = onsets = 0.0
        out_of_time = False
        done = 0
        for batch in batches:
            elapsed = time.perf_counter() - started
            lr = learning_rate(options, step, total_steps, elapsed / limit if limit else 0.0)
            for group in optimizer.param_groups:
                group["lr"] = lr * group.get("lr_scale", 1.0)
            loss, batch_nats, count, batch_onsets = batch_loss(network, batch, ctx.device)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if options.clip:
                torch.nn.utils.clip_grad_norm_(model.parameters(), options.clip)
            optimizer.step()
            step += 1
            done += 1
            trained_steps += count
            nats += batch_nats
            onsets += batch_onsets
            if bar is not None:
                bar.update(1)
                bar.set_postfix(bits_per_note=f"{nats / max(onsets, 1) / math.log(2):.3f}",
                                val=f"{history[-1]['validation_bits_per_note']:.3f}" if history else "-")
            if limit is not None:
                # Every process must agree on stopping, or DDP would wait forever.
                out_of_time = all_sum([float(time.perf_counter() - started > limit)], ctx)[0] > 0
                if out_of_time:
                    break
        if bar is not None:
            bar.close()
        train_seconds += time.perf_counter() - epoch_started
        nats, onsets = all_sum([nats, onsets], ctx)
        validation = _validate(model, validation_set, ctx)
        value = validation["total_bits_per_note"]
        improved = value < best
        if improved:
            best, best_epoch, stale = value, epoch + 1, 0
        else:
            stale += 1
        history.append({
            "epoch": epoch + 1,
            "train_bits_per_note": nats / max(onsets, 1) / math.log(2),
            "validation_bits_per_note": value,
            "validation_pitch_bits_per_note": validation["pitch_bits_per_note"],
            "learning_rate": lr,
            "seconds": round(time.perf_counter() - epoch_started, 2),
            "batches": done,
        })
        if ctx.main:
            log(
                f"epoch {epoch + 1}: train {history[-1]['train_bits_per_note']:.3f}, validation "
                f"{value:.3f} total / {validation['pitch_bits_per_note']:.3f} pitch bits/note"
                f"{' (best)' if improved else ''}, {history[-1]['seconds']:.0f} s"
            )
            summary = _summary(options, history, best, best_epoch, trained_steps, train_seconds, ctx, started)
            if improved:
                save_model(model, out, training=summary, metrics={"validation": validation})
            save_state(out, model, optimizer, {
                "options": options.to_json(), "epoch": epoch, "step": step, "best": best,
                "best_epoch": best_epoch, "stale": stale, "history": history,
            })
        barrier(ctx)
        if out_of_time:
            stopped = "time limit"
            break
        if stale >= options.patience:
            stopped = "early stopping"
            break
        if stop_after_epochs is not None and epoch + 1 - first_epoch >= stop_after_epochs:
            stopped = "interrupted"
            break
    card_path, _ = model_paths(out)
    if ctx.main:
        if not card_path.exists():  # nothing improved on infinity: cannot happen, but be safe
            save_model(model, out)
        plot = plot_history(history, out) if history else None
        if plot is not None:
            log(f"curves: {plot}")
    barrier(ctx)
    return TrainResult(
        model_path=card_path,
        best_epoch=best_epoch,
        best_validation=best,
        epochs_run=len(history),
        history=history,
        steps_per_second=trained_steps / train_seconds if train_seconds else 0.0,
        stopped=stopped,
        model=model.eval(),
    )


def _parameter_groups(model: SegueModel) -> list[dict]:
    """The optimizer's groups, in the model's parameter order (the resume state's indices):
    the chord output learns at :data:`CHORD_BIAS_LR_SCALE` x the rate."""
    groups: list[dict] = []
    for name, parameter in model.named_parameters():
        scale = CHORD_BIAS_LR_SCALE if name == "chord_bias" else 1.0
        if not groups or groups[-1]["lr_scale"] != scale:
            groups.append({"params": [], "lr_scale": scale})
        groups[-1]["params"].append(parameter)
    return groups


def _load_initial_weights(model: SegueModel, init: str) -> None:
    """``init``'s weights into ``model``. A chordless model may start a chord-aware one of
    the same shape otherwise: its chord input's weights and chord output start at zero, so
    it begins by predicting exactly as ``init`` does. A model on a finer grid starts with the
    step-counting embeddings spread out (:mod:`engine.ml.grid_weights`)."""
    source = load_model(init, device="cpu")
    weights = weights_for_grid(source.state_dict(), source.config, model.config)
    if model.config.chord_dim and not source.config.chord_dim:
        weights = _with_chord_weights(model, weights)
    try:
        model.load_state_dict(weights)
    except RuntimeError as error:  # names and shapes differ
        raise ValueError(f"the model {init!r} has another shape than the options ask for: {error}") from None


def _with_chord_weights(model: SegueModel, weights: dict) -> dict:
    own = model.state_dict()
    weights = dict(weights)
    weights["embeddings.chord.weight"] = own["embeddings.chord.weight"]
    weights["chord_bias"] = torch.zeros_like(own["chord_bias"])
    old = weights["lstm.weight_ih_l0"]
    grown = torch.zeros_like(own["lstm.weight_ih_l0"])
    if old.shape[0] == grown.shape[0] and old.shape[1] <= grown.shape[1]:
        grown[:, : old.shape[1]] = old  # the chord input's columns are last (model._feature_spec)
        weights["lstm.weight_ih_l0"] = grown
    return weights


def _validate(model: SegueModel, tunes: Sequence[EncodedTune], ctx: Processes) -> dict:
    totals = score_encoded(model, tunes[ctx.rank::ctx.world])
    return Totals.from_list(all_sum(totals.as_list(), ctx)).metrics()


def _summary(options, history, best, best_epoch, trained_steps, train_seconds, ctx, started) -> dict:
    return {
        "options": options.to_json(),
        "epochs_run": len(history),
        "best_epoch": best_epoch,
        "best_validation_bits_per_note": best,
        "processes": ctx.world,
        "device": str(ctx.device),
        "steps_per_second": round(trained_steps / train_seconds, 1) if train_seconds else None,
        "seconds": round(time.perf_counter() - started, 1),
        "history": history,
    }
