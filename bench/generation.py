"""Generation speed: prints one JSON object of figures (no pass/fail; goals live in the report).

    .venv/bin/python bench/generation.py [--model folk] [--threads 1] [--runs 30]

Figures (milliseconds, warm, medians over ``--runs``):
- ``generate_64x8_ms``: ``engine.generate`` for 64 sixteenths x 8 variations from a 2-bar
  straight seed, everything included (seed pass, sampling, melodies), a new seed each run, as
  the app runs it: a style with a model for straight pieces (``straight_model``) plays the
  straight seed with that (64 steps); ``generate_64x8_reroll_ms`` the same seed again (its
  LSTM state is reused).
- ``generate_64x8_12_steps_ms``: the same from the 12-step model alone (192 steps, writing
  straight notes: the grid lock; what a learned style, which has no model for straight
  pieces, does).
- ``generate_64x8_follow_ms``: the same from a 4-bar seed following it (``follow_seed=1``),
  and ``follow_added_ms`` what following adds over the same 4-bar seed without it (rerolls,
  so the seed pass does not blur the difference); ``key_lock_added_ms`` what a key lock to a
  distant key adds to the same rerolls (the scale fold on every step).
- ``generate_64x8_chords_ms``: as ``generate_64x8_ms`` (new seeds) with a chord a bar given over
  seed and continuation (``chords=``), and ``chords_ratio`` that / the same without chords,
  timed in alternation (a busy CPU slows both alike); a model without chord input ignores
  them (time ``--model nottingham`` for the chord-aware one).
- ``generate_192x8_triplet_grid_ms``: 192 steps (64 sixteenths) x 8 variations on a
  12-steps-per-quarter grid (what triplets need) from the same 2-bar seed on that grid (new
  seeds each run, ``follow_seed=0``; triplets allowed: a piece with triplets, where the 12-step
  model draws every step), and ``..._reroll_ms`` the same seed again (no seed pass). The timed
  model when it is on 12 steps; else one of its shape with random weights
  (``triplet_grid_model``), which plays a note on most steps, so its melodies' notes cost more
  than a trained model's would.
- ``generate_64x8_on_4_steps_ms``: ``generate_64x8_12_steps_ms`` for a model of the 12-step
  one's shape on 4 steps per quarter (random weights: they play more notes than trained ones,
  so this is a little above what a trained 4-step model takes), timed in alternation with it
  and with ``generate_64x8_ms``: the cost of a 4-step model on this machine in this run
  (machines differ: one session's VM ran the same code at half another's speed);
  ``triplet_grid_ratio`` is ``generate_64x8_12_steps_ms`` / that.
- ``step_batch1_ms`` / ``step_batch8_ms``: one incremental model step.
- ``lstm_cells_128x8_ms``: the LSTM cell arithmetic alone (``Stepper._cell``: one matrix
  product and six elementwise ops) for 128 steps at batch 8, what a 12-step model on a
  straight piece adds over a 4-step one whatever else gets cheaper:
  ``generate_64x8_on_4_steps_ms`` plus this is a floor for ``generate_64x8_12_steps_ms``.
- ``rerun_window_64x8_ms``: the method of the usual write-ups, re-running the model over a
  64-step window for every new step, timed in the same run; ``speedup`` = that / ours with the
  same model (``generate_64x8_12_steps_ms`` for a 12-step one).
The default is the app's default model (``engine.ml.catalog.DEFAULT_MODEL``); when there is no
such model (or with
``--hidden-size``) a model of the default configuration with random weights is timed: speed
does not depend on the weights.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from segue.engine.chords import Chord  # noqa: E402
from segue.engine.grid import regrid  # noqa: E402
from segue.engine.melody import Melody, Note  # noqa: E402
from segue.engine.ml.catalog import DEFAULT_MODEL, model_path, model_paths  # noqa: E402
from segue.engine.ml.checkpoint import load_model  # noqa: E402
from segue.engine.ml.model import ModelConfig, create_model, meter_of, meter_tensor  # noqa: E402
from segue.engine.ml.sampling import generate  # noqa: E402
from segue.engine.ml.stepper import Stepper, step_tables  # noqa: E402

SEED = Melody(
    [Note(p, 2 * i, 2) for i, p in enumerate([67, 69, 71, 72, 74, 72, 71, 69, 67, 66, 67, 69, 71, 67, 62, 67])],
    time_signature=(4, 4),
)


def timed(function, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return times


def rerun_window(model, seed_tokens: list[int], steps: int, variations: int, window: int = 64) -> None:
    """The write-ups' method: every new step runs the model over the last ``window`` steps."""
    generator = torch.Generator().manual_seed(0)
    meter = meter_of(SEED.time_signature, model.config.steps_per_quarter)
    sequences = torch.tensor([seed_tokens] * variations)
    with torch.inference_mode():
        for _ in range(steps):
            context = sequences[:, -window:]
            offset = SEED.start + sequences.shape[1] - context.shape[1]
            logits = model(context, torch.full((variations,), offset), meter_tensor([meter] * variations))[:, -1]
            probs = torch.softmax(logits, -1)
            chosen = torch.multinomial(probs, 1, generator=generator)
            sequences = torch.cat([sequences, chosen], dim=1)


def triplet_grid_figures(model, runs: int) -> tuple[float, float, str]:
    """Median ms of 192 steps x 8 on a 12-steps-per-quarter grid from new seeds, rerolled, and
    which model (see the module docstring)."""
    if model.config.steps_per_quarter == 12:
        grid_model, label = model, "the timed model"
    else:
        grid_model, label = create_model(model.config.on_grid(12)), "random weights, its shape"
    seed = regrid(SEED, 12)
    for _ in range(3):
        generate(grid_model, seed, 192, variations=8, rng_seed=1, follow_seed=0.0)
    fresh = iter([seed.transpose(k % 24 - 12).shift(k // 24) for k in range(runs)])
    times = timed(lambda: generate(grid_model, next(fresh), 192, variations=8, rng_seed=1,
                                   follow_seed=0.0), runs)
    rerolls = timed(lambda: generate(grid_model, seed, 192, variations=8, rng_seed=1,
                                     follow_seed=0.0), runs)
    return round(statistics.median(times), 2), round(statistics.median(rerolls), 2), label


def straight_grid_figures(model, runs: int) -> tuple[float, float, float]:
    """Median ms of ``generate_64x8_ms`` for ``model`` as loaded, for the model alone (without
    its model for straight pieces) and for a random model of its shape on 4 steps per quarter,
    new seeds each run, timed in alternation (a busy CPU slows them alike)."""
    alone = copy.copy(model)  # (a shallow copy: the same weights)
    object.__setattr__(alone, "straight_model", None)
    shape = create_model(model.config.on_grid(4))
    for _ in range(3):
        generate(shape, SEED, 64, variations=8, rng_seed=1)
        generate(alone, SEED, 64, variations=8, rng_seed=1)
    order = (("model", model), ("alone", alone), ("shape", shape))
    times: dict[str, list[float]] = {name: [] for name, _ in order}
    for k in range(runs):
        seed = SEED.transpose(k % 24 - 12).shift(k // 24 + 5)  # not seeds timed before
        for name, timed_model in order:
            times[name] += timed(lambda m=timed_model, s=seed: generate(m, s, 64, variations=8,
                                                                        rng_seed=1), 1)
    return tuple(round(statistics.median(times[name]), 2) for name, _ in order)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=DEFAULT_MODEL,
                        help=f"a model name or path to time (default: the app's {DEFAULT_MODEL})")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (default 1: batch-8 steps are too small to share, and "
                             "extra threads stall when other processes hold the cores)")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--hidden-size", type=int, help="time a random model of this width instead")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    path = model_path(args.model)
    if not args.hidden_size and model_paths(path)[0].exists():
        model, label = load_model(path, device="cpu"), args.model
    else:
        config = ModelConfig(hidden_size=args.hidden_size) if args.hidden_size else ModelConfig()
        model, label = create_model(config), f"random weights, {config.num_layers}x{config.hidden_size}"
    on_model_grid = regrid(SEED, model.config.steps_per_quarter)  # for the step-level figures
    seed_tokens = model.encoding.encode(on_model_grid)

    for _ in range(5):  # warm up allocator, caches, lazy tables
        generate(model, SEED, 64, variations=8, rng_seed=1)
    # A new seed each run (the model keeps the state of its last 8 seeds: rerolls skip the
    # seed pass), and the same seed again (a reroll).
    fresh_seeds = iter([SEED.transpose(k % 24 - 12).shift(k // 24) for k in range(10 * args.runs)])
    ours = timed(lambda: generate(model, next(fresh_seeds), 64, variations=8, rng_seed=1), args.runs)
    # A chord a bar over seed and continuation (the furthest seed ends before step 64).
    chords = [Chord(bar * 16, 16, "GCDG"[bar % 4]) for bar in range(9)]
    for _ in range(3):
        generate(model, SEED, 64, variations=8, rng_seed=1, chords=chords)
    chorded, unchorded = [], []
    for k in range(args.runs):
        seed = SEED.transpose(k % 24 - 12).shift(k // 24 + 1)  # new seeds: no reroll cache
        for given, times in ((chords, chorded), (None, unchorded)):
            times += timed(lambda s=seed, g=given: generate(model, s, 64, variations=8, rng_seed=1,
                                                            chords=g), 1)
    _, on_12, on_4 = straight_grid_figures(model, args.runs)
    reroll = timed(lambda: generate(model, SEED, 64, variations=8, rng_seed=1), args.runs)
    four_bars = SEED.concatenate(SEED.transpose(2))  # 4 bars of 4/4
    plain4 = timed(lambda: generate(model, four_bars, 64, variations=8, rng_seed=1), args.runs)
    follow4 = timed(lambda: generate(model, four_bars, 64, variations=8, rng_seed=1, follow_seed=1.0),
                    args.runs)
    locked4 = timed(lambda: generate(model, four_bars, 64, variations=8, rng_seed=1, key="F# major"),
                    args.runs)

    triplet_grid, triplet_grid_reroll, triplet_grid_model = triplet_grid_figures(model, args.runs)

    steps = {}
    meter = meter_of(SEED.time_signature, model.config.steps_per_quarter)
    with torch.inference_mode():
        for batch in (1, 8):
            stepper = Stepper(model, batch, SEED.start, meter)
            stepper.prime(seed_tokens)
            for _ in range(20):
                stepper.feed([3] * batch)
            per_step = timed(lambda s=stepper, b=batch: [s.feed([3] * b) for _ in range(10)], args.runs)
            steps[batch] = statistics.median(per_step) / 10
        gates = torch.randn(8, 4 * model.config.hidden_size)
        cells = timed(lambda s=stepper: [s._cell(0, gates) for _ in range(128)], args.runs)
        tables = step_tables(model)

        def seed_pass():
            tables.primed.clear()  # time the pass itself, not the reroll cache
            Stepper(model, 8, SEED.start, meter).prime(seed_tokens)

        prime = timed(seed_pass, args.runs)

    rerun_window(model, seed_tokens, 8, 8)
    sixteenths = 64 * model.config.steps_per_quarter // 4  # the same music as ours
    naive = timed(lambda: rerun_window(model, seed_tokens, sixteenths, 8), max(3, args.runs // 5))

    result = {
        "model": label,
        "parameters": sum(p.numel() for p in model.parameters()),
        "steps_per_quarter": model.config.steps_per_quarter,
        "threads": torch.get_num_threads(),
        "cpu_count": os.cpu_count(),
        "generate_64x8_ms": round(statistics.median(ours), 2),
        "generate_64x8_p90_ms": round(sorted(ours)[int(0.9 * (len(ours) - 1))], 2),
        "generate_64x8_reroll_ms": round(statistics.median(reroll), 2),
        "generate_64x8_12_steps_ms": on_12 if model.config.steps_per_quarter == 12 else None,
        "generate_64x8_on_4_steps_ms": on_4,
        "triplet_grid_ratio": round(on_12 / on_4, 2) if model.config.steps_per_quarter == 12 else None,
        "generate_64x8_chords_ms": round(statistics.median(chorded), 2),
        "chords_ratio": round(statistics.median(chorded) / statistics.median(unchorded), 3),
        "generate_64x8_follow_ms": round(statistics.median(follow4), 2),
        "follow_added_ms": round(statistics.median(follow4) - statistics.median(plain4), 2),
        "key_lock_added_ms": round(statistics.median(locked4) - statistics.median(plain4), 2),
        "generate_192x8_triplet_grid_ms": triplet_grid,
        "generate_192x8_triplet_grid_reroll_ms": triplet_grid_reroll,
        "triplet_grid_model": triplet_grid_model,
        "seed_pass_32_steps_ms": round(statistics.median(prime), 2),
        "step_batch1_ms": round(steps[1], 3),
        "step_batch8_ms": round(steps[8], 3),
        "lstm_cells_128x8_ms": round(statistics.median(cells), 2),
        "rerun_window_64x8_ms": round(statistics.median(naive), 2),
        "speedup": round(statistics.median(naive) / (
            on_12 if model.config.steps_per_quarter == 12 else statistics.median(ours)), 1),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
