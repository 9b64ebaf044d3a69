"""How long harmonizing a 32-bar tune takes (issue 23: at most 50 ms on the 2-core CPU).

    .venv/bin/python bench/harmonize.py [--model hmm] [--runs 20] [--alternatives 3] [--json]

The tune: 32 bars of 4/4 in eighth and quarter notes (a D major reel-like line, 200 notes).
After two warm-up runs (the first loads the model and torch) it prints the median and the
slowest of ``--runs`` runs, for the shipped network and the HMM baseline, in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from segue.engine.harmony import harmonize  # noqa: E402
from segue.engine.melody import Melody, Note  # noqa: E402

BARS = 32
SCALE = (62, 64, 66, 67, 69, 71, 73, 74)


def long_tune() -> Melody:
    notes, step = [], 0
    for bar in range(BARS):
        for i in range(8 if bar % 4 != 3 else 4):
            length = 2 if bar % 4 != 3 else 4
            notes.append(Note(SCALE[(bar * 3 + i * (1 + bar % 3)) % len(SCALE)], step, length))
            step += length
    return Melody(notes, key="D major")


def timings(model, runs: int, alternatives: int) -> dict:
    melody = long_tune()
    for _ in range(2):
        harmonize(melody, model=model, alternatives=alternatives)
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        harmonize(melody, model=model, alternatives=alternatives)
        seconds.append(time.perf_counter() - started)
    return {"median_ms": round(1000 * statistics.median(seconds), 2),
            "max_ms": round(1000 * max(seconds), 2)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append",
                        help="a harmonizer (default: the shipped one and hmm)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--alternatives", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    import torch  # the app runs the harmonizer on its own worker thread; measure one thread

    torch.set_num_threads(1)
    result = {"bars": BARS, "notes": len(long_tune().notes), "runs": args.runs,
              "alternatives": args.alternatives}
    for model in args.model or ["shipped", "hmm"]:
        result[model] = timings(None if model == "shipped" else model, args.runs, args.alternatives)
    if args.json:
        print(json.dumps(result))
    else:
        for model in args.model or ["shipped", "hmm"]:
            figures = result[model]
            print(f"{model}: {BARS} bars, median {figures['median_ms']} ms, "
                  f"slowest {figures['max_ms']} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
