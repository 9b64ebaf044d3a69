"""``segue-cli``: build corpora, train, evaluate, generate, and make a stand-in model.

    segue-cli corpus build essen [--cache-dir D] [--workers N]
    segue-cli corpus build nottingham --from DIR   (also: segue-cli corpus nottingham --from DIR)
    segue-cli train --corpus essen --out runs/folk [--epochs 20] [--resume] [--seed 0] ...
    segue-cli evaluate --model models/folk --corpus essen --split test [--json] \
        [--follow-seed 1] [--prime-bars 4 [--plot intervals.png]]
    segue-cli evaluate --harmony [--split test] [--json]   (chords, see engine.cli_harmonizer)
    segue-cli harmonize-train --out models/harmony/nottingham   (the shipped harmonizer)
    segue-cli generate --seed in.mid --out out.mid --bars 4 --temperature 0.9 \\
        --rest-weight 0.8 --variations 4 --rng-seed 7 [--key auto] [--model folk]
    segue-cli openings --corpus essen --out models/folk.openings.json [--count 40] [--grid 12]
    segue-cli init-model PATH [--hidden-size 64 --layers 1]   (random weights, for development)
    segue-cli render IN.mid OUT.wav [--program N] [--soundfont F] [--rate 44100|48000] [--tempo BPM]
        [--no-chords]   (the file's chords are accompanied, as the app plays them)
    segue-cli convert IN OUT [--part N]   (.mid, .abc, .musicxml/.xml/.mxl, .segue, by suffix)
    segue-cli learn FOLDER --from folk [--name NAME | --out PATH] [--minutes 5] [--force]
    segue-cli harmonize IN OUT [--part N] [--key K] [--model M]   (chords for the melody)

Training runs unchanged under ``torchrun --nproc_per_node=N -m segue.engine.cli train ...``.
Errors print one line naming the file and the reason; set SEGUE_DEBUG=1 for tracebacks.
Heavy modules (torch, MIDI) load only inside the command that needs them.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from pathlib import Path

from segue.engine.cli_args import CliError, default_text, json_safe, positive_int, set_threads
from segue.engine.ml.catalog import DEFAULT_MODEL

# --- commands -----------------------------------------------------------------------------------


def cmd_corpus_build(args) -> int:
    from segue.engine.corpus import build_corpus  # noqa: PLC0415

    source = {"source": args.source} if args.source else {}  # only the nottingham corpus has one
    report = build_corpus(
        args.name, cache_dir=args.cache_dir, workers=args.workers, progress=not args.quiet,
        grid=args.grid, **source,
    )
    print(report.summary())
    return 0


_MODEL_FLAGS = {
    "hidden_size": "hidden_size", "layers": "num_layers", "token_dim": "token_dim",
    "pitch_dim": "pitch_dim", "contour_dim": "contour_dim", "meter_dim": "meter_dim",
    "lookback_dim": "lookback_dim", "dropout": "dropout", "input_dropout": "input_dropout",
    "min_pitch": "min_pitch", "max_pitch": "max_pitch", "chord_dim": "chord_dim",
    "steps_per_quarter": "steps_per_quarter",
}
_TRAIN_FLAGS = {
    "epochs": "epochs", "batch_size": "batch_size", "lr": "learning_rate",
    "final_lr_fraction": "final_lr_fraction", "warmup_steps": "warmup_steps",
    "weight_decay": "weight_decay", "clip": "clip", "transpose": "transpose",
    "max_length": "max_length", "patience": "patience", "seed": "seed", "max_minutes": "max_minutes",
}


def _given(args, flags: dict) -> dict:
    return {field: getattr(args, flag) for flag, field in flags.items() if getattr(args, flag) is not None}


def cmd_train(args) -> int:
    from segue.engine.ml.model_config import ModelConfig  # noqa: PLC0415
    from segue.engine.ml.training import TrainOptions, train  # noqa: PLC0415

    set_threads(args.threads)
    config = ModelConfig(
        **_given(args, _MODEL_FLAGS),
        relative_head=not args.no_relative_head,
        layer_norm=not args.no_layer_norm,
    )
    if args.init:  # fine-tuning: the shape is the starting model's, dropout may change
        from segue.engine.ml.checkpoint import load_model  # noqa: PLC0415

        config = dataclasses.replace(load_model(args.init).config, **_given(args, _MODEL_FLAGS))
    if args.steps_per_quarter is not None:  # the step tables span as many quarters as at 4
        config = config.on_grid(config.steps_per_quarter)
    options = TrainOptions(
        corpus=args.corpus, model=config, init=args.init, **_given(args, _TRAIN_FLAGS)
    )
    result = train(
        options, args.out, resume=args.resume, device=args.device, progress=not args.quiet,
        cache_dir=args.cache_dir,
    )
    if int(os.environ.get("RANK", "0")) == 0:
        print(
            f"best validation {result.best_validation:.3f} bits/note at epoch {result.best_epoch} "
            f"of {result.epochs_run} ({result.stopped}); {result.steps_per_second:.0f} steps/s; "
            f"model: {result.model_path}"
        )
    return 0


def cmd_evaluate(args) -> int:
    if args.harmony:
        from segue.engine.cli_harmonizer import run_evaluate  # noqa: PLC0415

        return run_evaluate(args)
    from segue.engine.ml.checkpoint import load_model  # noqa: PLC0415
    from segue.engine.ml.evaluation import evaluate, format_report  # noqa: PLC0415

    set_threads(args.threads)
    model = load_model(args.model, device=args.device)
    result = evaluate(
        model, args.corpus, args.split, cache_dir=args.cache_dir,
        baseline=not args.no_baseline, max_order=args.max_order, follow_seed=args.follow_seed,
    )
    if args.prime_bars:
        from segue.engine.ml.continuation_eval import continuation_report  # noqa: PLC0415

        result["continuation"] = continuation_report(
            model, args.corpus, args.split, args.prime_bars, cache_dir=args.cache_dir,
            follow_seed=args.follow_seed, plot=args.plot, quiet=args.json)
    if args.json:
        flat = dict(result["model"])
        flat.update({"corpus": result["corpus"], "split": result["split"], "skipped": result["skipped"]})
        for extra in ("ngram", "model_following", "follow_seed", "continuation"):
            if extra in result:
                flat[extra] = result[extra]
        print(json.dumps(json_safe(flat), sort_keys=False))
    else:
        print(format_report(result))
    return 0


def cmd_openings(args) -> int:
    from segue.engine.corpus import load_corpus  # noqa: PLC0415
    from segue.engine.files import write_atomically  # noqa: PLC0415
    from segue.engine.openings import corpus_openings  # noqa: PLC0415
    from segue.engine.session import melodies_to_json  # noqa: PLC0415

    tunes = load_corpus(args.corpus, "validation", cache_dir=args.cache_dir, grid=args.grid)
    openings = corpus_openings(tunes, count=args.count, rng_seed=args.rng_seed)
    if not openings:
        raise CliError(f"corpus {args.corpus!r} has no validation tune with an opening of 2-4 bars")
    out = Path(args.out)
    write_atomically(out, melodies_to_json(openings).encode("utf-8"))  # a failure keeps the old file
    print(f"{out}: {len(openings)} openings from the validation split of {args.corpus}")
    return 0


def cmd_init_model(args) -> int:
    from segue.engine.ml.checkpoint import save_model  # noqa: PLC0415
    from segue.engine.ml.model import ModelConfig, create_model  # noqa: PLC0415

    model = create_model(ModelConfig(hidden_size=args.hidden_size, num_layers=args.layers), seed=args.seed)
    path = save_model(model, args.path, training={"note": "random weights, not trained"})
    print(path)
    return 0


def cmd_render(args) -> int:
    from segue.engine.accompaniment import AccompanimentSettings  # noqa: PLC0415
    from segue.engine.audio.midi_render import render_midi_file  # noqa: PLC0415

    print(render_midi_file(
        args.midi, args.out, program=args.program, soundfont=args.soundfont, rate=args.rate,
        tempo=args.tempo, accompaniment=AccompanimentSettings(on=not args.no_chords),
    ))
    return 0


def cmd_convert(args) -> int:
    from segue.engine.notation.convert import convert  # noqa: PLC0415

    print(convert(args.source, args.destination, None if args.part is None else args.part - 1))
    return 0


# --- arguments ----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    from segue.engine import (  # noqa: PLC0415
        __version__,
        cli_generate,
        cli_harmonize,
        cli_harmonizer,
        cli_learn,
    )
    from segue.engine.ml.model_config import ModelConfig  # noqa: PLC0415
    from segue.engine.ml.train_options import TrainOptions  # noqa: PLC0415

    parser = argparse.ArgumentParser(prog="segue-cli", description="Segue's command line.")
    parser.add_argument("--version", action="version", version=f"segue-cli {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    corpus = commands.add_parser("corpus", help="training corpora")
    corpus_commands = corpus.add_subparsers(dest="corpus_command", required=True, metavar="ACTION")
    build = corpus_commands.add_parser("build", help="parse a corpus into the cache")
    build.add_argument("name", help="essen, irish, bach, nottingham, or a folder of MIDI files")
    nottingham = corpus_commands.add_parser(
        "nottingham", help="build the nottingham corpus (as: corpus build nottingham --from DIR)"
    )
    for command in (build, nottingham):
        command.add_argument(
            "--from", dest="source", required=command is nottingham,
            help="the folder of the Nottingham Music Database's ABC files (its ABC_cleaned)",
        )
        command.add_argument("--cache-dir", help="where the cache goes (default ~/.cache/segue/corpora)")
        command.add_argument("--workers", type=positive_int, help="parsing processes (default: all cores)")
        command.add_argument("--quiet", action="store_true", help="no progress bar")
        command.add_argument("--grid", type=int, choices=(4, 12), default=4,
                             help="steps per quarter: 12 keeps triplets, in a cache of its own "
                                  "(NAME-12.npz) (default 4)")
        command.set_defaults(run=cmd_corpus_build)
    nottingham.set_defaults(name="nottingham")

    # Training defaults live in TrainOptions and ModelConfig (torch-free, so help stays quick):
    # the help shows them, and an option left out keeps the dataclass default.
    train_defaults, shape_defaults = TrainOptions(), ModelConfig()
    train = commands.add_parser("train", help="train a model on a built corpus")
    train.add_argument("--corpus", default=train_defaults.corpus,
                       help=f"corpus name or folder {default_text(train_defaults.corpus)}")
    train.add_argument("--out", required=True, help="model path without suffix, e.g. runs/folk")
    train.add_argument("--cache-dir", help="the corpus cache folder")
    train.add_argument("--resume", action="store_true", help="continue from OUT.train.*")
    train.add_argument("--init", metavar="MODEL",
                       help="start from this model's weights and shape (fine-tuning)")
    train.add_argument("--max-minutes", type=float, help="stop after this long (schedule follows)")
    train.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps (default auto)")
    train.add_argument("--threads", type=positive_int, help="torch CPU threads")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    for flag, kind, text in (
        ("epochs", int, "epochs the learning-rate schedule spans"),
        ("batch-size", int, "sequences per batch"),
        ("lr", float, "peak learning rate"),
        ("final-lr-fraction", float, "the schedule ends at this fraction of the peak"),
        ("warmup-steps", int, "linear warm-up batches"),
        ("weight-decay", float, "AdamW weight decay"),
        ("clip", float, "gradient norm clipping"),
        ("transpose", int, "random shift per sequence, +- semitones"),
        ("max-length", int, "longer tunes train as windows of this many steps"),
        ("patience", int, "early stopping after this many epochs without progress"),
        ("seed", int, "makes the run repeatable"),
    ):
        default = getattr(train_defaults, _TRAIN_FLAGS[flag.replace("-", "_")])
        train.add_argument(f"--{flag}", type=kind, help=f"{text} {default_text(default)}")
    shape = train.add_argument_group("model shape (defaults: engine.ml.model_config.ModelConfig)")
    for flag, kind, text in (
        ("hidden-size", int, "LSTM units per layer"),
        ("layers", int, "LSTM layers"),
        ("token-dim", int, "token embedding size"),
        ("pitch-dim", int, "latest-pitch embedding size, 0 switches it off"),
        ("contour-dim", int, "interval and duration embedding size, 0 switches them off"),
        ("meter-dim", int, "metrical position embedding size, 0 switches it off"),
        ("lookback-dim", int, "one- and two-bar lookback embedding size, 0 switches it off"),
        ("dropout", float, "dropout before the output (and between layers)"),
        ("input-dropout", float, "dropout on the input features"),
        ("min-pitch", int, "lowest pitch"),
        ("max-pitch", int, "highest pitch"),
        ("chord-dim", int, "chord input size (hears the corpus's chords), 0 switches it off"),
        ("steps-per-quarter", int, "the grid: 12 learns triplets from the corpus's 12-step cache"),
    ):
        default = getattr(shape_defaults, _MODEL_FLAGS[flag.replace("-", "_")])
        shape.add_argument(f"--{flag}", type=kind, help=f"{text} {default_text(default)}")
    shape.add_argument("--no-relative-head", action="store_true", help="no interval output head")
    shape.add_argument("--no-layer-norm", action="store_true", help="no layer norm before the output")
    train.set_defaults(run=cmd_train)

    evaluate = commands.add_parser("evaluate", help="bits per note on a corpus split")
    evaluate.add_argument("--model", default=DEFAULT_MODEL, help=f"model name or path (default {DEFAULT_MODEL})")
    evaluate.add_argument("--corpus", default="essen")
    evaluate.add_argument("--split", default="test", choices=("train", "validation", "test"))
    evaluate.add_argument("--json", action="store_true", help="one JSON object on stdout")
    evaluate.add_argument("--no-baseline", action="store_true", help="skip the n-gram baseline")
    evaluate.add_argument("--max-order", type=positive_int, default=20, help="highest n-gram order tried (default 20)")
    evaluate.add_argument("--cache-dir", help="the corpus cache folder")
    evaluate.add_argument("--follow-seed", type=float, default=0.0, metavar="X",
                          help="also score following each tune, 0-1 (default 0: off)")
    evaluate.add_argument("--prime-bars", type=positive_int, metavar="N",
                          help="also continue bars 1..N of each tune and compare with bars N+1..2N")
    evaluate.add_argument("--plot", metavar="PNG", help="with --prime-bars: interval histograms to PNG")
    evaluate.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps")
    evaluate.add_argument("--threads", type=positive_int, help="torch CPU threads")
    evaluate.add_argument("--harmony", action="store_true", help="instead: the harmonizer's "
                          "chord accuracy on the nottingham split beside its baselines")
    evaluate.set_defaults(run=cmd_evaluate)

    openings = commands.add_parser("openings", help="opening phrases to ship with a model")
    openings.add_argument("--corpus", default="essen", help="corpus name or folder (default essen)")
    openings.add_argument("--out", required=True, help="e.g. models/folk.openings.json")
    openings.add_argument("--count", type=positive_int, default=40, help="how many (default 40)")
    openings.add_argument("--rng-seed", type=int, default=0, help="which tunes (default 0)")
    openings.add_argument("--grid", type=int, choices=(4, 12), default=4,
                          help="the corpus's grid: 12 keeps triplet tunes (a straight opening "
                               "still ships on 4 steps)")
    openings.add_argument("--cache-dir", help="the corpus cache folder")
    openings.set_defaults(run=cmd_openings)

    init = commands.add_parser("init-model", help="write a randomly initialised model (development)")
    init.add_argument("path", help="model path without suffix")
    init.add_argument("--hidden-size", type=positive_int, default=64)
    init.add_argument("--layers", type=positive_int, default=1)
    init.add_argument("--seed", type=int, default=0)
    init.set_defaults(run=cmd_init_model)

    render = commands.add_parser("render", help="a MIDI file's melody to WAV or FLAC")
    render.add_argument("midi", help="the MIDI file (its melody part, as import chooses)")
    render.add_argument("out", help="the audio file: .wav, or .flac when soundfile is installed")
    render.add_argument("--program", type=int, default=0, help="General MIDI program 0-127 (default 0, piano; 73 flute, 40 violin)")
    render.add_argument("--soundfont", help="an .sf2/.sf3 file (default: the built-in bank)")
    render.add_argument("--rate", type=int, choices=(44100, 48000), default=44100, help="sample rate in Hz")
    render.add_argument("--tempo", type=float, help="BPM (default: the file's tempo)")
    render.add_argument("--no-chords", action="store_true", help="leave out the accompaniment of the file's chords (its chord markers or chord part)")
    render.set_defaults(run=cmd_render)

    convert = commands.add_parser("convert", help="a melody from one file format to another")
    convert.add_argument("source", help=".mid, .abc, .musicxml, .xml, .mxl or .segue")
    convert.add_argument("destination", help="the file to write; its suffix picks the format")
    convert.add_argument("--part", type=positive_int, help="the MIDI part, ABC tune or MusicXML "
                         "part to take, from 1 (default: the best MIDI part, the first tune)")
    convert.set_defaults(run=cmd_convert)
    for module in (cli_generate, cli_learn, cli_harmonizer, cli_harmonize):  # modules of their own
        module.add_parser(commands)
    return parser


def _known_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [CliError, ValueError, OSError]
    for module, name in (
        ("segue.engine.corpus", "CorpusError"),
        ("segue.engine.midi_io", "MidiImportError"),
        ("segue.engine.midi_io", "MidiExportError"),
        ("segue.engine.notation.results", "NotationImportError"),
        ("segue.engine.notation.results", "NotationExportError"),
        ("segue.engine.ml.sampling", "GenerationCancelled"),
        ("segue.engine.audio.soundfont", "SoundFontError"),
        ("segue.engine.audio.audio_files", "AudioExportError"),
        ("segue.engine.session", "SessionFileError"),
        ("segue.engine.ml.style_learning", "ModelWriteError"),
    ):
        loaded = sys.modules.get(module)  # only modules the command used can have raised
        if loaded is not None and hasattr(loaded, name):
            errors.append(getattr(loaded, name))
    return tuple(errors)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("segue-cli: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one clear line, never a traceback (unless asked for)
        if os.environ.get("SEGUE_DEBUG"):
            raise
        if isinstance(exc, _known_errors()):
            print(f"segue-cli: error: {exc}", file=sys.stderr)
        else:
            print(f"segue-cli: unexpected error ({type(exc).__name__}): {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
