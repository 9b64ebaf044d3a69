"""``segue-cli harmonize-train``: make the shipped harmonizer; and ``segue-cli evaluate
--harmony``: its accuracy on the Nottingham test split beside the baselines.

    segue-cli corpus build nottingham --from /tmp/nottingham/ABC_cleaned
    segue-cli harmonize-train --out models/harmony/nottingham [--epochs 15] [--threads 1]
    segue-cli evaluate --harmony [--split test] [--json] [--cache-dir D]

``harmonize-train`` writes ``OUT.safetensors`` + ``OUT.json`` (the network) and ``OUT-hmm.json``
(the HMM baseline, ``harmonize(..., model="hmm")``); ``OUT.md``, the card a person reads, is
written by hand from the figures ``evaluate --harmony`` prints.
"""

from __future__ import annotations

import json

from segue.engine.cli_args import json_safe, positive_int, set_threads


def run_evaluate(args) -> int:
    """``evaluate --harmony``: the shipped harmonizer (``--model`` is the melody model's)."""
    from segue.engine.ml.harmony_eval import format_harmony_report, harmony_report  # noqa: PLC0415

    set_threads(args.threads)
    result = harmony_report(args.split, cache_dir=args.cache_dir)
    print(json.dumps(json_safe(result)) if args.json else format_harmony_report(result))
    return 0


def run_train(args) -> int:
    from segue.engine.ml.harmonizer_training import (  # noqa: PLC0415
        HarmonizerTraining,
        train_and_save,
    )

    set_threads(args.threads)
    given = {name: getattr(args, name) for name in ("epochs", "hidden", "seed")}
    options = HarmonizerTraining(**{k: v for k, v in given.items() if v is not None})
    card, hmm = train_and_save(options, args.out, cache_dir=args.cache_dir)
    print(f"wrote {card.with_suffix('.safetensors')}, {card} and {hmm}")
    return 0


def add_parser(commands) -> None:
    # The defaults are HarmonizerTraining's; not imported here, as it loads torch.
    train = commands.add_parser(
        "harmonize-train", help="train the harmonizer on the Nottingham corpus")
    train.add_argument("--out", required=True, help="NAME: writes NAME.safetensors, NAME.json "
                       "and NAME-hmm.json (shipped: models/harmony/nottingham)")
    train.add_argument("--epochs", type=positive_int, help="most epochs (default 15; it stops "
                       "when the validation score has not improved for 6)")
    train.add_argument("--hidden", type=positive_int, help="recurrent units each way (default 64)")
    train.add_argument("--seed", type=int, help="random seed (default 0)")
    train.add_argument("--cache-dir", help="the corpus cache folder")
    train.add_argument("--threads", type=positive_int, default=1,
                       help="torch CPU threads (default 1)")
    train.set_defaults(run=run_train)
