"""``segue-cli learn FOLDER --from MODEL``: learn a style from a folder of the user's files.

Reads the folder (:mod:`engine.learn`), fine-tunes the base model for at most ``--minutes``
(:mod:`engine.ml.style_learning`), prints the held-out bits/note before and after, and writes
the model with its card into the user's models folder (``--name``, default the folder's name)
or to ``--out``. An existing model is replaced only with ``--force``; the check comes first, so
nothing is read or trained for a name that would be refused.
"""

from __future__ import annotations

import json
import math
from contextlib import nullcontext

from segue.engine.cli_args import CliError, positive_int, set_threads
from segue.engine.learn import default_name, destination, model_exists


def _minutes(text: str) -> float:
    import argparse  # noqa: PLC0415

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of minutes, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a number of minutes above 0, got {text!r}")
    return value


def _clock(seconds: float) -> str:
    seconds = max(0, round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def run(args) -> int:
    from segue.engine.learn import read_folder  # noqa: PLC0415
    from segue.engine.ml.checkpoint import load_model  # noqa: PLC0415
    from segue.engine.ml.style_learning import LearnSettings, learn, leaving_a_core  # noqa: PLC0415

    out = destination(args.name or default_name(args.folder), args.out)
    if model_exists(out) and not args.force:
        raise CliError(f"a model is already at {out} (.json/.safetensors); give another --name "
                       "or --force to replace it")
    settings = LearnSettings(minutes=args.minutes, seed=args.seed)  # checked before the reading
    set_threads(args.threads)
    say = (lambda *_a, **_k: None) if args.json else print
    model = load_model(args.base, device=args.device)
    material = read_folder(args.folder, steps_per_quarter=model.config.steps_per_quarter)
    say(material.summary())
    for line in material.report_lines():
        say(line)

    def progress(update) -> None:
        if update.held_out_bits is not None:
            say(f"{_clock(update.elapsed)}  epoch {update.epoch}: held-out "
                f"{update.held_out_bits:.3f} bits/note{' (best)' if update.improved else ''}, "
                f"{_clock(update.time_left)} left")

    # One core left free by default: on a busy machine torch's threads otherwise fight for
    # the cores and an epoch takes many times longer (bench/learn.py).
    with nullcontext() if args.threads else leaving_a_core():
        result = learn(model, material, out, base_model=args.base, settings=settings,
                       on_progress=progress)
    if args.json:
        print(json.dumps({**result.to_json(), "files": material.files,
                          "unreadable": [list(entry) for entry in material.unreadable]}))
        return 0
    print(f"held-out total bits/note: {result.base_bits:.3f} ({args.base}) -> "
          f"{result.best_bits:.3f} ({result.name}), {result.ratio:.2f} x; {result.epochs} "
          f"epochs in {_clock(result.seconds)} ({result.stopped})")
    print(f"model: {result.path}")
    return 0


def add_parser(commands) -> None:
    learn = commands.add_parser(
        "learn", help="learn a style from a folder of MIDI, ABC and MusicXML files"
    )
    learn.add_argument("folder", help="the folder of your pieces (subfolders too)")
    learn.add_argument("--from", dest="base", required=True, metavar="MODEL",
                       help="the model to start from, a name (folk) or a path")
    learn.add_argument("--name", help="the new model's name (default: the folder's name)")
    learn.add_argument("--out", help="write the model here (path without suffix) instead of "
                       "the user models folder")
    learn.add_argument("--minutes", type=_minutes, default=5.0,
                       help="learn for at most this long (default 5)")
    learn.add_argument("--force", action="store_true", help="replace a model of that name")
    learn.add_argument("--seed", type=int, default=0, help="makes the run repeatable (default 0)")
    learn.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps (default auto)")
    learn.add_argument("--threads", type=positive_int,
                       help="torch CPU threads (default: one fewer than the cores)")
    learn.add_argument("--json", action="store_true", help="one JSON object on stdout")
    learn.set_defaults(run=run)
