"""Does a model write triplets where the piece has them, and only there? (issue 24)

    .venv/bin/python scripts/triplet_continuations.py MODEL CORPUS [--tunes 60] [--bars 4]

Takes tunes of CORPUS's ``--split`` (test) on 12 steps per quarter: those with triplets in their first
``--bars`` bars (the triplet pieces) and as many without any in the whole tune, moved onto 4
steps (the straight pieces). Continues each seed by ``--bars`` bars, 8 variations, with
the app's default settings (temperature 1, follow the seed 0.4; ``--temperature``,
``--follow-seed``), as the app does (``ContinuationRequest.build``, ``iter_continuations``: a
straight piece under a 12-step model is written on its own grid). Prints one JSON object: per kind of seed, the share
of variations with a triplet note and the share of notes off the sixteenth grid, beside the
same shares in the tunes' real next bars.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from segue.engine.ml.options import FOLLOW_SEED, TEMPERATURE  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("corpus")
    parser.add_argument("--tunes", type=int, default=60, help="of each kind (default 60)")
    parser.add_argument("--bars", type=int, default=4)
    parser.add_argument("--split", default="test")
    parser.add_argument("--temperature", type=float, default=TEMPERATURE.default)
    parser.add_argument("--follow-seed", type=float, default=FOLLOW_SEED.default)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    import torch  # noqa: PLC0415

    from segue.engine.corpus import load_corpus  # noqa: PLC0415
    from segue.engine.grid import holds_triplets, off_sixteenths, regrid  # noqa: PLC0415
    from segue.engine.ml.checkpoint import load_model  # noqa: PLC0415
    from segue.engine.ml.request import (  # noqa: PLC0415
        ContinuationRequest,
        GenerationSettings,
        iter_continuations,
    )
    from segue.engine.ml.sampling import final_melodies  # noqa: PLC0415

    torch.set_num_threads(args.threads)
    model = load_model(args.model, device="cpu")
    seeds = {"triplet pieces": [], "straight pieces": []}
    for tune in load_corpus(args.corpus, args.split, grid=12):
        melody = tune.melody
        cut = args.bars * melody.steps_per_bar + melody.start // melody.steps_per_bar * melody.steps_per_bar
        seed, real = melody.slice(0, cut), melody.slice(cut, cut + args.bars * melody.steps_per_bar)
        if len(seed.notes) < 4 or not real.notes:
            continue
        if holds_triplets(seed):
            kind = "triplet pieces"
        elif not holds_triplets(melody):
            kind, seed, real = "straight pieces", regrid(seed, 4), regrid(real, 4)
        else:
            continue
        if len(seeds[kind]) < args.tunes:
            seeds[kind].append((seed, real))
    result = {"model": args.model, "corpus": args.corpus, "split": args.split, "bars": args.bars,
              "temperature": args.temperature, "follow_seed": args.follow_seed}
    for kind, pairs in seeds.items():
        with_triplets = notes = off = real_with = real_notes = real_off = variations = 0
        for number, (seed, real) in enumerate(pairs):
            settings = GenerationSettings(
                model=args.model, bars=args.bars, variations=8, rng_seed=number, seed_locked=True,
                temperature=args.temperature, follow_seed=args.follow_seed)
            request = ContinuationRequest.build(seed, seed.end, settings)
            for melody in final_melodies(iter_continuations(model, request, lambda: False)):
                variations += 1
                with_triplets += holds_triplets(melody)
                notes += len(melody.notes)
                off += off_sixteenths(melody)
            real_with += holds_triplets(real)
            real_notes += len(real.notes)
            real_off += off_sixteenths(real)
        result[kind] = {
            "seeds": len(pairs), "variations": variations,
            "variations_with_triplets": round(with_triplets / max(1, variations), 3),
            "notes_off_the_sixteenths": round(off / max(1, notes), 3),
            "real_next_bars_with_triplets": round(real_with / max(1, len(pairs)), 3),
            "real_notes_off_the_sixteenths": round(real_off / max(1, real_notes), 3),
        }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
