"""Fill with a real model: do the chosen fills lead into the following bars?

    .venv/bin/python bench/fill.py [--model folk] [--limit 200] [--candidates 16] [--json]

On Essen test tunes in 4/4 with at least 8 bars (their first 8 bars), bars 3-4 are blanked and
written three ways: the chosen fill (``engine.fill``: candidates from bars 1-2, ranked by the
probability of bars 5-6), a plain continuation of bars 1-2 (``engine.generate``, no look
ahead), and the real bars 3-4. For each it prints the model's total bits per note of the real
bars 5-6 after them (teacher-forced, the same notes counted in every row; lower means the bars
after the gap follow more naturally), the share of tunes where the fill beats the
continuation, and the seconds per fill. The fill is chosen by this very figure under the
model, so ``--judge folk-large`` scores with another model as well: a check that the fill fits
the following bars, not just the chooser's taste.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from segue.engine.corpus import load_corpus  # noqa: E402
from segue.engine.ml.catalog import DEFAULT_MODEL  # noqa: E402
from segue.engine.ml.checkpoint import load_model  # noqa: E402
from segue.engine.ml.fill import fill, following_log_probs  # noqa: E402
from segue.engine.ml.options import GenerationOptions  # noqa: E402
from segue.engine.ml.sampling import generate  # noqa: E402
from segue.engine.piece import outside_range, seed_of  # noqa: E402

BARS = 8
GAP = (2, 4)  # bars 3-4, as bar indices from 0
AFTER = 2  # bars 5-6 are scored
LN2 = math.log(2)


def usable(tune) -> bool:
    """4/4, 8 bars or more, notes in bars 1-2 and 5-6."""
    melody = tune.melody
    if melody.time_signature != (4, 4):
        return False
    bar = melody.steps_per_bar
    onsets = [n.start // bar for n in melody.notes]
    return melody.end >= BARS * bar and 0 in onsets and 1 in onsets and GAP[1] in onsets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--limit", type=int, default=200, help="tunes at most (0: all)")
    parser.add_argument("--candidates", type=int, default=None, help="fill candidates per tune")
    parser.add_argument("--follow-seed", type=float, default=0.0)
    parser.add_argument("--judge", default=None, help="also score bars 5-6 with this model")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(2)
    model = load_model(args.model)
    judges = {"": model}
    if args.judge:
        judges[f" ({args.judge})"] = load_model(args.judge)
    tunes = [t for t in load_corpus("essen", split="test") if usable(t)]
    if args.limit:
        tunes = tunes[: args.limit]
    bits = {f"{name}{judge}": 0.0 for judge in judges for name in ("fill", "continuation", "real")}
    notes, wins, seconds, skipped = 0, 0, 0.0, 0
    for number, tune in enumerate(tunes):
        bar = tune.melody.steps_per_bar
        melody = tune.melody.slice(0, BARS * bar)
        start, end = GAP[0] * bar, GAP[1] * bar
        score_end = end + AFTER * bar
        clock = time.perf_counter()
        try:
            options = GenerationOptions(rng_seed=number, follow_seed=args.follow_seed)  # both the same
            [filled] = fill(model, melody, start, end, options, candidates=args.candidates)
            [continued] = generate(model, seed_of(melody, start), end - start, options, start=start)
        except ValueError:  # a tune the model's range cannot take
            skipped += 1
            continue
        seconds += time.perf_counter() - clock
        gapped = outside_range(melody, start, end)
        wholes = {"fill": filled, "continuation": gapped.add(*continued.notes), "real": melody}
        scores = {judge: following_log_probs(scorer, list(wholes.values()), start, end, score_end,
                                             args.follow_seed) for judge, scorer in judges.items()}
        if not all(math.isfinite(s) for row in scores.values() for s in row):
            skipped += 1
            continue
        for judge, row in scores.items():
            for name, score in zip(wholes, row):
                bits[f"{name}{judge}"] += -score / LN2
        wins += scores[""][0] > scores[""][1]
        notes += sum(1 for n in melody.notes if end <= n.start < score_end)
    counted = len(tunes) - skipped
    result = {
        "model": args.model, "tunes": counted, "skipped": skipped, "notes_scored": notes,
        "bits_per_note_of_bars_5_6": {name: total / notes for name, total in bits.items()},
        "fill_beats_continuation": wins / counted if counted else float("nan"),
        "seconds_per_fill": seconds / counted if counted else float("nan"),
        "candidates": args.candidates, "follow_seed": args.follow_seed,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"Essen test, 4/4, first {BARS} bars, bars 3-4 blanked: {counted} tunes "
          f"({skipped} skipped), {notes} notes in bars 5-6")
    print("total bits/note of the real bars 5-6 after bars 3-4 written by:")
    for name, value in result["bits_per_note_of_bars_5_6"].items():
        print(f"  {name:28}{value:8.3f}")
    print(f"fill beats continuation on {result['fill_beats_continuation']:.0%} of tunes; "
          f"{result['seconds_per_fill'] * 1000:.0f} ms per tune (fill + continuation)")


if __name__ == "__main__":
    main()
