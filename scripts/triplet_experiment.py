"""Can a model hear triplets? The 12-step corpora and a first 12-step model, measured (issue 24).

    .venv/bin/python scripts/triplet_experiment.py [build] [train] [evaluate] [time]
        [--out runs/triplets] [--minutes 35] [--threads 1]

Steps (all by default, in this order; each writes ``OUT/<step>.json``):

- ``build``: the ``irish`` and ``essen`` corpora on 12 steps per quarter (``NAME-12.npz`` beside
  the 4-step caches; as ``segue-cli corpus build NAME --grid 12``), with the tunes kept and the
  tunes with triplets in each split.
- ``train``: ``folk`` fine-tuned onto 12 steps (as ``segue-cli train --init folk
  --steps-per-quarter 12 --corpus essen``): Essen's train split, its validation split for early
  stopping, never its test split; at most ``--minutes``. The model goes to ``OUT/folk-12``.
- ``evaluate``: bits per note (total and pitch) on Essen's test split: ``folk`` on the 4-step
  tunes and the 12-step model on the same tunes moved x3 (the same notes, so the figures
  compare); then the 12-step model on the 12-step test tunes (triplets kept), and how many of
  Irish's 12-step test tunes with triplets it scores.
- ``time``: ``generate`` with the 12-step model, 192 steps (64 sixteenths) x 8 variations from
  a 2-bar seed, warm, median of 7, ``--threads`` torch threads; beside it ``folk`` on the same
  seed on 4 steps, 64 steps x 8, timed in alternation (a busy CPU slows both alike).

Nothing goes into ``models/``; ``runs/`` is not in git.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STEPS = ("build", "train", "evaluate", "time")
GRID = 12


def build(out: Path, args) -> dict:
    from segue.engine.corpus import build_corpus, load_corpus  # noqa: PLC0415
    from segue.engine.grid import holds_triplets  # noqa: PLC0415

    result = {}
    for name in ("irish", "essen"):
        report = build_corpus(name, workers=args.workers, progress=False, grid=GRID)
        print(report.summary())
        tunes = load_corpus(name, grid=GRID)
        triplets = {}
        for tune in tunes:
            if holds_triplets(tune.melody):
                triplets[tune.split] = triplets.get(tune.split, 0) + 1
        result[name] = {
            "counts": report.counts, "skipped": report.skipped, "adjusted": report.adjusted,
            "triplet tunes": triplets, "seconds": round(report.seconds, 1), "path": report.path,
        }
    return result


def train_model(out: Path, args) -> dict:
    from segue.engine.ml.checkpoint import load_model  # noqa: PLC0415
    from segue.engine.ml.training import TrainOptions, train  # noqa: PLC0415

    folk = load_model("folk")
    options = TrainOptions(
        corpus="essen",
        init="folk",
        model=folk.config.on_grid(GRID),
        epochs=args.epochs,
        learning_rate=args.lr,
        warmup_steps=50,
        max_length=512 * GRID // folk.config.steps_per_quarter,  # the same bars as folk's windows
        patience=3,
        max_minutes=args.minutes,
    )
    started = time.perf_counter()
    result = train(options, out / "folk-12", progress=False)
    return {
        "options": options.to_json(), "best_epoch": result.best_epoch,
        "best_validation_bits_per_note": result.best_validation, "epochs_run": result.epochs_run,
        "stopped": result.stopped, "seconds": round(time.perf_counter() - started, 1),
        "steps_per_second": round(result.steps_per_second, 1), "history": result.history,
    }


def _scores(model, tunes) -> dict:
    from segue.engine.ml.evaluation import encode_tunes, score_encoded  # noqa: PLC0415

    encoded, skipped = encode_tunes(tunes, model.encoding, model.config.steps_per_quarter)
    metrics = score_encoded(model, encoded).metrics()
    return {
        "tunes": len(encoded), "skipped": skipped,
        "total_bits_per_note": metrics["total_bits_per_note"],
        "pitch_bits_per_note": metrics["pitch_bits_per_note"],
    }


def evaluate(out: Path, args) -> dict:
    from segue.engine.corpus import load_corpus  # noqa: PLC0415
    from segue.engine.grid import holds_triplets  # noqa: PLC0415
    from segue.engine.ml.checkpoint import load_model  # noqa: PLC0415

    folk, tuned = load_model("folk"), load_model(str(out / "folk-12"))
    test = load_corpus("essen", "test")
    same_notes = [t.on_grid(GRID) for t in test]
    result = {"essen test, folk (4 steps)": _scores(folk, test),
              "essen test x3, folk-12": _scores(tuned, same_notes)}
    result["difference (folk-12 - folk)"] = {
        key: result["essen test x3, folk-12"][key] - result["essen test, folk (4 steps)"][key]
        for key in ("total_bits_per_note", "pitch_bits_per_note")
    }
    result["essen test at 12 (triplets kept), folk-12"] = _scores(
        tuned, load_corpus("essen", "test", grid=GRID)
    )
    irish = [t for t in load_corpus("irish", "test", grid=GRID) if holds_triplets(t.melody)]
    result["irish test tunes with triplets, folk-12"] = _scores(tuned, irish)
    return result


def time_generation(out: Path, args) -> dict:
    import torch  # noqa: PLC0415

    from segue.engine.grid import regrid  # noqa: PLC0415
    from segue.engine.melody import Melody, Note  # noqa: PLC0415
    from segue.engine.ml.checkpoint import load_model  # noqa: PLC0415
    from segue.engine.ml.sampling import generate  # noqa: PLC0415

    pitches = [67, 69, 71, 72, 74, 72, 71, 69, 67, 66, 67, 69, 71, 67, 62, 67]
    straight = Melody([Note(p, 2 * i, 2) for i, p in enumerate(pitches)])
    runs = {  # name: (model, seed, steps): 64 sixteenths of continuation each
        "folk-12, 192 steps x 8": (load_model(str(out / "folk-12")), regrid(straight, GRID), 192),
        "folk (4 steps), 64 steps x 8": (load_model("folk"), straight, 64),
    }
    times = {name: [] for name in runs}
    for rng_seed in range(10):  # 3 warm-up rounds, then 7 timed
        for name, (model, seed, steps) in runs.items():
            started = time.perf_counter()
            generate(model, seed, steps, variations=8, follow_seed=0.0, rng_seed=rng_seed)
            if rng_seed >= 3:
                times[name].append((time.perf_counter() - started) * 1000)
    return {name: {"median_ms": round(statistics.median(values), 2),
                   "runs_ms": [round(t, 2) for t in values]} for name, values in times.items()
            } | {"threads": torch.get_num_threads()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("steps", nargs="*", help=f"of {', '.join(STEPS)} (default: all)")
    parser.add_argument("--out", default=str(ROOT / "runs" / "triplets"))
    parser.add_argument("--minutes", type=float, default=35.0, help="training time limit")
    parser.add_argument("--epochs", type=int, default=10, help="the learning-rate schedule's span")
    parser.add_argument("--lr", type=float, default=1e-3, help="peak learning rate (fine-tuning)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--workers", type=int, default=1, help="corpus parsing processes")
    args = parser.parse_args()
    unknown = set(args.steps) - set(STEPS)
    if unknown:
        parser.error(f"unknown steps: {', '.join(sorted(unknown))}")
    import torch  # noqa: PLC0415

    torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    run = {"build": build, "train": train_model, "evaluate": evaluate, "time": time_generation}
    for step in args.steps or STEPS:
        result = run[step](out, args)
        (out / f"{step}.json").write_text(json.dumps(result, indent=1) + "\n")
        print(json.dumps({step: result}, indent=1, default=str))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
