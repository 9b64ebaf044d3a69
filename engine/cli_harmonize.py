"""``segue-cli harmonize IN OUT``: chords for a melody, written with it.

    segue-cli harmonize tune.abc tune-chords.mid [--part N] [--key "G major"] [--model hmm]

IN is read as ``segue-cli convert`` reads it (MIDI, ABC, MusicXML or a session; ``--part``
picks the MIDI part, ABC tune or MusicXML part, from 1); its melody is harmonized by
:func:`engine.harmony.harmonize` (any chords IN had are replaced), and OUT is written by its
suffix with those chords: ABC's quoted symbols, MusicXML's ``<harmony>``, a MIDI file's chord
markers and "Chords" track, or a session's chord track. The chords are printed as a lead
sheet, a bar a line, in the spelling ``generate --chords`` takes (``G``, or ``G:2 D:2`` for
two beats each).
"""

from __future__ import annotations

from pathlib import Path

from segue.engine.chords import Chord, chords_in
from segue.engine.cli_args import CliError, positive_int


def lead_sheet(chords, melody) -> list[str]:
    """One line per bar: the bar's number and the chords sounding in it, a chord that fills
    the bar by its symbol alone, else each with its beats (``Em:2 D7:2``); a chord held over a
    bar line is named again in the next bar, as a lead sheet does."""
    bar, beat = melody.steps_per_bar, melody.steps_per_beat
    end = max((chord.end for chord in chords), default=0)
    lines = []
    for number, start in enumerate(range(0, end, bar), start=1):
        inside = chords_in(chords, start, start + bar)
        if len(inside) == 1 and inside[0].length == bar:
            text = inside[0].symbol
        else:
            text = " ".join(
                f"{chord.symbol}:{chord.length // beat}" if chord.length % beat == 0
                else f"{chord.symbol}:{chord.length / beat:g}"
                for chord in inside
            )
        lines.append(f"{number:>4}  {text}")
    return lines


def run(args) -> int:
    from segue.engine.harmony import harmonize  # noqa: PLC0415
    from segue.engine.notation.convert import check_kind, read_any, write_any  # noqa: PLC0415

    source, destination = Path(args.input), Path(args.output)
    check_kind(destination, "harmonize")  # before the reading and the harmonizing, which take a while
    part = None if args.part is None else args.part - 1
    check_kind(source, "harmonize")
    piece, title, report = read_any(source, part)
    if not piece.melody.notes:
        raise CliError(f"{source}: there is no melody to harmonize")
    suggested = harmonize(piece.melody, key=args.key, model=args.model)
    chords = tuple(Chord(c.start, c.length, c.symbol) for c in suggested)
    harmonized = piece.with_chords(chords)
    write_any(harmonized, destination, title)
    print(report)
    for line in lead_sheet(harmonized.chords, piece.melody):
        print(line)
    print(f"Wrote '{destination.name}' with {len(harmonized.chords)} chord(s).")
    return 0


def add_parser(commands) -> None:
    command = commands.add_parser(
        "harmonize", help="chords for a melody, written with it (ABC, MusicXML, MIDI, .segue)"
    )
    command.add_argument("input", help="the melody: .mid, .abc, .musicxml/.xml/.mxl or .segue")
    command.add_argument("output", help="where to write it with its chords, by suffix")
    command.add_argument("--part", type=positive_int, help="the MIDI part, ABC tune or "
                         "MusicXML part to take, from 1 (default: the best MIDI part, the first tune)")
    command.add_argument("--key", help="the key to harmonize in, e.g. 'G major' (default: the "
                         "melody's, else the one its notes suggest)")
    command.add_argument("--model", help="the harmonizer: 'hmm' (the baseline) or a path to a "
                         "harmonizer's files (default: the shipped one)")
    command.set_defaults(run=run)
