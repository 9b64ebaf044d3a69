"""Key lock with a real model: is a continuation locked to any of the 24 keys still a tune?

    .venv/bin/python bench/key_lock.py [--model folk] [--seeds 4] [--variations 8] [--json]

For a few seeds (a C major phrase, the demo seed and openings shipped with the model), each
continued by 4 bars in ``--variations`` variations from three random seeds, with the lock off
and locked to each of the 24 keys, it prints per lock (averaged over seeds and variations):
distinct pitches per 4 bars, mean |interval| in semitones, the share of notes repeating the
previous pitch, and notes outside the locked scale (must be 0). Two readings of the lock sit
side by side: ``mask``, a plain scale mask on the seed as it is (the lock before issue 12: a
C major seed locked to F# major droned on a few pitches), and ``key``, what
``engine.generate`` does now: the seed continued in its own key, each pitch outside the scale
folded onto its neighbours (``engine.ml.pitch_mask.ScaleFold``), the continuation moved into
the locked key by the nearest transposition (``engine.encoding.fit_to_key``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import sys
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from segue.engine import keys  # noqa: E402
from segue.engine.melody import Melody, Note  # noqa: E402
from segue.engine.ml import sampling  # noqa: E402
from segue.engine.ml.catalog import DEFAULT_MODEL, model_path  # noqa: E402
from segue.engine.ml.checkpoint import load_model  # noqa: E402
from segue.engine.ml.pitch_mask import allowed_pitch_bias  # noqa: E402
from segue.engine.openings import openings_path  # noqa: E402
from segue.engine.session import read_melodies  # noqa: E402

RNG_SEEDS = (1, 2, 3)
BARS = 4
C_MAJOR_PITCHES = (60, 64, 67, 72, 71, 67, 65, 64, 62, 64, 65, 67, 64, 62, 60, 60)
C_MAJOR_SEED = Melody([Note(p, 2 * i, 2) for i, p in enumerate(C_MAJOR_PITCHES)], key="C major")


def tune_figures(melodies, key: str | None) -> dict:
    """Distinct pitches, mean |interval|, repeated-pitch share, notes outside ``key``'s scale."""
    scale = keys.scale_pitch_classes(key) if key else None
    distinct, intervals, outside = [], [], 0
    for melody in melodies:
        pitches = [n.pitch for n in melody.notes]
        distinct.append(len(set(pitches)))
        intervals += [abs(b - a) for a, b in zip(pitches, pitches[1:])]
        outside += sum(p % 12 not in scale for p in pitches) if scale else 0
    return {
        "distinct": statistics.fmean(distinct),
        "interval": statistics.fmean(intervals) if intervals else 0.0,
        "repeated": statistics.fmean(i == 0 for i in intervals) if intervals else 1.0,
        "outside": outside,
    }


class PlainMask:
    """The lock before issue 12: forbidden pitches dropped and the rest renormalised."""

    def __init__(self, model, shift, key, pitch_range):
        self.mask = allowed_pitch_bias(model, shift, key, pitch_range)

    def __call__(self, scores):
        return torch.log_softmax(scores + self.mask, dim=-1)

    def follow_played(self, tokens, batch):
        pass

    def played(self, chosen):
        pass


def measure(model, seeds, key: str | None, variations: int, reading: str) -> dict:
    """Figures for one lock, averaged over seeds and random seeds (outside: summed)."""
    def as_is():
        stack = contextlib.ExitStack()
        stack.enter_context(mock.patch.object(sampling, "fit_to_key", lambda melody, *_a, **_k: (melody, 0)))
        stack.enter_context(mock.patch.object(sampling, "ScaleFold", PlainMask))
        return stack

    rows = []
    for seed in seeds:
        for rng_seed in RNG_SEEDS:
            if reading == "mask":
                with as_is():
                    melodies = sampling.generate(model, seed, BARS * seed.steps_per_bar,
                                                 variations=variations, rng_seed=rng_seed, key=key)
            else:
                melodies = sampling.generate(model, seed, BARS * seed.steps_per_bar,
                                             variations=variations, rng_seed=rng_seed, key=key)
            rows.append(tune_figures(melodies, key))
    figures = {name: round(statistics.fmean(r[name] for r in rows), 3) for name in rows[0]}
    figures["outside"] = sum(r["outside"] for r in rows)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=DEFAULT_MODEL, help="a model name or path")
    parser.add_argument("--seeds", type=int, default=4,
                        help="how many seeds: a C major phrase, the demo seed, then openings")
    parser.add_argument("--variations", type=int, default=8)
    parser.add_argument("--json", action="store_true", help="one JSON object instead of a table")
    args = parser.parse_args()
    torch.set_num_threads(1)
    path = model_path(args.model)
    model = load_model(path, device="cpu")
    seeds = [C_MAJOR_SEED, read_melodies(ROOT / "resources" / "demo_seed.json")[0]]
    openings = openings_path(path)
    if openings.exists():
        seeds += read_melodies(openings)
    seeds = seeds[: args.seeds]

    off = measure(model, seeds, None, args.variations, "key")
    readings = ("mask", "key")
    table = {key: {r: measure(model, seeds, key, args.variations, r) for r in readings}
             for key in keys.ALL_KEYS}
    worst = {reading: {
        "distinct": min(row[reading]["distinct"] for row in table.values()),
        "interval": min(row[reading]["interval"] for row in table.values()),
        "repeated": max(row[reading]["repeated"] for row in table.values()),
        "outside": sum(row[reading]["outside"] for row in table.values()),
    } for reading in readings}
    if args.json:
        print(json.dumps({"model": args.model, "seeds": len(seeds), "variations": args.variations,
                          "off": off, "locked": table, "worst": worst}, indent=2))
        return
    print(f"model {args.model}: {len(seeds)} seeds x {len(RNG_SEEDS)} rng seeds x "
          f"{args.variations} variations, {BARS} bars each")
    heads = [f"{r}: distinct |int| repeat out" for r in readings]
    print(f"{'lock':10} | {heads[0]:32} | {heads[1]:32}")

    def cells(f):
        return f"{f['distinct']:14.2f} {f['interval']:5.2f} {f['repeated']:6.2f} {f['outside']:3d}"

    print(f"{'off':10} | {cells(off):32} | {cells(off):32}")
    for key, row in table.items():
        print(f"{key:10} | {cells(row['mask']):32} | {cells(row['key']):32}")
    print(f"{'worst':10} | {cells(worst['mask']):32} | {cells(worst['key']):32}")


if __name__ == "__main__":
    main()
