"""``segue-cli generate``: continue a MIDI seed with a model, one file per variation.

The seed is read on the model's grid; a seed without triplets is continued with straight notes
even by a triplet (12-step) model (``note_grid``, :mod:`engine.ml.grid_lock`)."""

from __future__ import annotations

from pathlib import Path

from segue.engine import file_formats
from segue.engine.cli_args import CliError, default_text, positive_int, set_threads
from segue.engine.ml.catalog import DEFAULT_MODEL, model_path

CHORDS_HELP = (
    "chords to continue over, e.g. \"G D Em C\": one chord a bar from the bar where the "
    "continuation starts; SYMBOL:N lasts N beats (\"G:2 D:2\"). Bars after the last chord "
    "get chords proposed with the melody. Heard by a chord-aware model (nottingham)"
)


def _pitch_range(text: str | None):
    if text is None:
        return None
    try:
        low, high = (int(part) for part in text.replace(":", "-").split("-"))
    except ValueError:
        raise CliError(f"--pitch-range must look like 48-84, got {text!r}") from None
    return low, high


def chords_from_text(text: str, melody, start: int) -> tuple:
    """The chords ``--chords`` names, laid from the bar line at or before ``start`` (a bar
    each, or ``:N`` beats of ``melody``'s meter); CliError naming a bad symbol or length."""
    from segue.engine.chords import Chord  # noqa: PLC0415

    chords, at = [], melody.bar_start(start)
    for part in text.split():
        symbol, colon, beats = part.partition(":")
        length = melody.steps_per_bar
        if colon:
            if not beats.isdigit() or not 1 <= int(beats) <= 64:
                raise CliError(f"--chords: {part!r} must give its length as 1-64 beats, e.g. G:2")
            length = int(beats) * melody.steps_per_beat
        try:
            chords.append(Chord(at, length, symbol))
        except ValueError as exc:
            raise CliError(f"--chords: {exc}") from None
        at += length
    if not chords:
        raise CliError("--chords needs at least one chord symbol, e.g. \"G D Em C\"")
    return tuple(chords)


def _note_grid(seed, model_grid: int) -> int | None:
    """The grid the continuation's notes keep to: a seed without triplets (every note on a
    sixteenth) is continued with straight notes, also by a triplet model (engine.ml.grid_lock);
    None (any step of the model's grid) otherwise."""
    from segue.engine.grid import STRAIGHT_STEPS_PER_QUARTER, holds_triplets  # noqa: PLC0415

    straight = STRAIGHT_STEPS_PER_QUARTER
    if model_grid > straight and model_grid % straight == 0 and not holds_triplets(seed):
        return straight
    return None


def _output_paths(out: Path, count: int) -> list[Path]:
    if count == 1:
        return [out]
    suffix = out.suffix or file_formats.MIDI.suffix
    return [out.with_name(f"{out.stem}-{i}{suffix}") for i in range(1, count + 1)]


def run(args) -> int:
    from segue.engine.chords import cut_at  # noqa: PLC0415
    from segue.engine.encoding import fit_to_range  # noqa: PLC0415
    from segue.engine.midi_io import import_midi, write_midi  # noqa: PLC0415
    from segue.engine.ml.checkpoint import load_model  # noqa: PLC0415
    from segue.engine.ml.options import GenerationOptions  # noqa: PLC0415
    from segue.engine.ml.sampling import iter_generate, steps_for_bars  # noqa: PLC0415

    set_threads(args.threads)
    model = load_model(model_path(args.model), device=args.device)
    imported = import_midi(args.seed, steps_per_quarter=model.config.steps_per_quarter)
    seed = imported.melody
    if not seed.notes:
        raise CliError(f"{args.seed}: the file has no notes to continue")
    try:
        fit_to_range(seed, model.encoding)
    except ValueError as exc:
        raise CliError(f"{args.seed}: {exc}") from None
    steps = args.steps if args.steps is not None else steps_for_bars(seed, args.bars)
    start = seed.end if args.start is None else args.start
    # The seed's own chords (markers or a chord part) are heard too; --chords go on after them.
    given = chords_from_text(args.chords, seed, max(0, start)) if args.chords else ()
    seed_chords = cut_at(imported.chords, given[0].start if given else max(0, start))
    chords = (*seed_chords, *given) or None
    options = GenerationOptions(
        temperature=args.temperature, rest_weight=args.rest_weight, variations=args.variations,
        rng_seed=args.rng_seed, key=args.key, pitch_range=_pitch_range(args.pitch_range),
        top_p=args.top_p, adaptive_temperature=args.adaptive_temperature,
        beam_width=args.beam, follow_seed=args.follow_seed,
        note_grid=_note_grid(seed, model.config.steps_per_quarter),
    )
    final = None  # the last update: the melodies and, with chords, each one's chords
    for update in iter_generate(model, seed, steps, options, start=args.start, chords=chords):
        final = update
    melodies = final.melodies
    carried = final.chords or [None] * len(melodies)
    for melody, path, its_chords in zip(melodies, _output_paths(Path(args.out), len(melodies)), carried):
        if args.continuation_only:
            write_midi(melody, path, chords=its_chords or ())
        else:  # the file carries the seed's chords and the continuation's: markers, a Chords track
            write_midi(seed, path, continuation=melody, separate_tracks=args.separate_tracks,
                       chords=(*cut_at(seed_chords, max(0, start)), *(its_chords or ())))
        over = f" over {' '.join(c.symbol for c in its_chords)}" if its_chords else ""
        print(f"{path}: {len(melody.notes)} new notes{over}")
    return 0


def add_parser(commands) -> None:
    from segue.engine.ml import options as generation  # noqa: PLC0415

    gen = commands.add_parser("generate", help="continue a MIDI seed")
    gen.add_argument("--seed", required=True, help="the seed melody, a MIDI file")
    gen.add_argument("--out", required=True, help="output .mid (NAME-1.mid ... for several variations)")
    gen.add_argument("--model", default=DEFAULT_MODEL, help=f"model name or path (default {DEFAULT_MODEL})")
    length = gen.add_mutually_exclusive_group()
    length.add_argument("--bars", type=float, default=generation.BARS.default,
                        help=f"length in bars of the seed's meter {default_text(generation.BARS.default)}")
    length.add_argument("--steps", type=positive_int, help="length in grid steps")
    gen.add_argument("--temperature", type=float, default=generation.TEMPERATURE.default,
                     help=f"sampling temperature {default_text(generation.TEMPERATURE.default)}")
    gen.add_argument("--rest-weight", type=float, default=generation.REST_WEIGHT.default,
                     help=f"weight of rests against notes {default_text(generation.REST_WEIGHT.default)}")
    gen.add_argument("--variations", type=positive_int, default=1)
    gen.add_argument("--rng-seed", type=int, help="makes the result repeatable")
    gen.add_argument("--key", help="lock to a key: 'C major', 'F# minor' ... or auto")
    gen.add_argument("--pitch-range", help="LOW-HIGH MIDI pitches, e.g. 55-84")
    gen.add_argument("--top-p", type=float, help="nucleus sampling threshold in (0, 1]")
    gen.add_argument("--start", type=int, help="grid step where the continuation starts (default: seed end)")
    gen.add_argument("--adaptive-temperature", type=float, metavar="BITS",
                     help="steer each step's entropy towards BITS (temperature x0.5-x2)")
    gen.add_argument("--beam", type=positive_int, help="beam search of this width (most likely)")
    gen.add_argument("--follow-seed", type=float, default=generation.FOLLOW_SEED.default, metavar="X",
                     help=f"follow the seed's motifs, 0 (off) to 1 {default_text(generation.FOLLOW_SEED.default)}")
    gen.add_argument("--chords", metavar="\"G D Em C\"", help=CHORDS_HELP)
    gen.add_argument("--continuation-only", action="store_true", help="write only the new notes")
    gen.add_argument("--separate-tracks", action="store_true", help="seed and continuation on two tracks")
    gen.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps")
    gen.add_argument("--threads", type=positive_int, help="torch CPU threads")
    gen.set_defaults(run=run)
