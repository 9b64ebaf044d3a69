"""How the sampling controls move the music, with a real model: prints one JSON object.

    .venv/bin/python bench/controls.py [--model folk] [--bars 200]

For each setting, ``--bars`` bars are generated (as 8 variations of bars/8 bars each, from the
demo seed) and measured:
- ``rest_fraction_by_weight``: the share of generated steps that are rests, per rest weight
  (0 must give 0; the share should rise with the weight);
- ``key_lock``: generated notes outside the locked key's scale (should be 0) beside the same
  count without the lock;
- ``pitch_entropy_bits_by_temperature``: entropy of the generated pitch distribution (should
  rise with the temperature).
The tests check the same rules on a small model; this prints the figures for a shipped one.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from segue.engine import keys  # noqa: E402
from segue.engine.ml.catalog import DEFAULT_MODEL  # noqa: E402
from segue.engine.ml.checkpoint import load_model  # noqa: E402
from segue.engine.ml.sampling import generate  # noqa: E402
from segue.engine.session import read_melodies  # noqa: E402

VARIATIONS = 8


def run(model, seed, bars: int, **settings):
    steps = max(1, bars // VARIATIONS) * seed.steps_per_bar
    return generate(model, seed, steps, variations=VARIATIONS, rng_seed=11, **settings), steps


def rest_fraction(melodies, steps: int) -> float:
    sounding = sum(n.length for m in melodies for n in m.notes)
    return 1 - sounding / (steps * len(melodies))


def pitch_entropy(melodies) -> float:
    counts = Counter(n.pitch for m in melodies for n in m.notes)
    total = sum(counts.values())
    return -sum(c / total * math.log2(c / total) for c in counts.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=DEFAULT_MODEL, help="a model name or path")
    parser.add_argument("--bars", type=int, default=200)
    args = parser.parse_args()
    torch.set_num_threads(1)
    model = load_model(args.model, device="cpu")
    seed = read_melodies(ROOT / "resources" / "demo_seed.json")[0]

    rests = {}
    for weight in (0.0, 0.25, 1.0, 2.0):
        melodies, steps = run(model, seed, args.bars, rest_weight=weight)
        rests[str(weight)] = round(rest_fraction(melodies, steps), 4)

    key = seed.detect_key()
    scale = keys.scale_pitch_classes(key)
    outside = {}
    for label, lock in (("locked", key), ("unlocked", None)):
        melodies, _ = run(model, seed, args.bars, key=lock)
        outside[label] = sum(n.pitch % 12 not in scale for m in melodies for n in m.notes)

    entropy = {}
    for temperature in (0.5, 1.0, 1.5):
        melodies, _ = run(model, seed, args.bars, temperature=temperature)
        entropy[str(temperature)] = round(pitch_entropy(melodies), 3)

    print(json.dumps({
        "model": args.model,
        "bars_per_setting": max(1, args.bars // VARIATIONS) * VARIATIONS,
        "rest_fraction_by_weight": rests,
        "key_lock": {"key": key, "notes_outside_scale": outside},
        "pitch_entropy_bits_by_temperature": entropy,
    }, indent=2))


if __name__ == "__main__":
    main()
