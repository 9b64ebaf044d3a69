"""The same test notes scored by a model and by its successor on a finer grid (issue 24: a
model moved onto 12 steps per quarter may cost at most 0.03 bits/note more on Essen's test
notes).

    .venv/bin/python scripts/same_notes.py OLD NEW CORPUS [--split test] [--follow-seed F]

OLD scores the corpus's split on its own grid (4 steps per quarter: no triplet tunes); NEW
scores the same tunes moved exactly onto its grid (melody and chords, :mod:`engine.grid`), so
both predict the same notes. A chord-aware model is scored with the tunes' chords and with
them withheld. ``new_on_old_grid`` scores NEW as it writes on a piece on OLD's grid
(:mod:`engine.ml.grid_lock`): only the steps on that grid are drawn, the steps between are
forced, so they cost nothing. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KEYS = ("total_bits_per_note", "pitch_bits_per_note")


def scores(model, tunes, follow_seed: float, with_chords: bool = True) -> dict:
    from segue.engine.ml.evaluation import encode_tunes, score_encoded  # noqa: PLC0415

    encoded, skipped = encode_tunes(tunes, model.encoding, model.config.steps_per_quarter, with_chords)
    totals = score_encoded(model, encoded, follow_seed=follow_seed)
    metrics = totals.metrics()
    return {"tunes": len(encoded), "skipped": skipped, "notes": metrics.get("notes"),
            **{key: round(metrics[key], 4) for key in KEYS}}


def locked_scores(model, tunes, ratio: int) -> dict:
    """``model``'s figures counting only the predictions of steps on every ``ratio``-th step."""
    import torch  # noqa: PLC0415

    from segue.engine.ml.evaluation import Totals, accumulate, encode_tunes, tune_log_probs  # noqa: PLC0415

    encoded, _ = encode_tunes(tunes, model.encoding, model.config.steps_per_quarter)
    totals = Totals()
    for index, log_probs, targets in tune_log_probs(model, encoded):
        step = encoded[index].offset + 1 + torch.arange(len(targets))  # the step each row predicts
        drawn = step % ratio == 0
        accumulate(log_probs[drawn], targets[drawn], totals)
        totals.tunes += 1
    metrics = totals.metrics()
    return {"tunes": totals.tunes, "notes": metrics["notes"], **{key: round(metrics[key], 4) for key in KEYS}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("corpus")
    parser.add_argument("--split", default="test")
    parser.add_argument("--follow-seed", type=float, default=0.0)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    import torch  # noqa: PLC0415

    from segue.engine.corpus import load_corpus  # noqa: PLC0415
    from segue.engine.ml.checkpoint import load_model  # noqa: PLC0415

    torch.set_num_threads(args.threads)
    old, new = load_model(args.old, device="cpu"), load_model(args.new, device="cpu")
    old_grid, new_grid = old.config.steps_per_quarter, new.config.steps_per_quarter
    tunes = load_corpus(args.corpus, args.split, grid=old_grid)
    moved = [tune.on_grid(new_grid) for tune in tunes]
    result = {"corpus": args.corpus, "split": args.split, "follow_seed": args.follow_seed,
              "old": {"model": args.old, "grid": old_grid, **scores(old, tunes, args.follow_seed)},
              "new": {"model": args.new, "grid": new_grid, **scores(new, moved, args.follow_seed)}}
    result["difference"] = {key: round(result["new"][key] - result["old"][key], 4) for key in KEYS}
    if new_grid != old_grid and not args.follow_seed:
        result["new_on_old_grid"] = locked_scores(new, moved, new_grid // old_grid)
    if new.config.chord_dim:
        result["chords_withheld"] = {
            "old": scores(old, tunes, args.follow_seed, with_chords=False),
            "new": scores(new, moved, args.follow_seed, with_chords=False),
        }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
