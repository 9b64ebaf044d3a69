"""The surprise lane's cost: scoring a whole piece note by note, as the lane does after an edit.

    .venv/bin/python bench/surprise.py [--model folk] [--bars 64] [--runs 30] [--follow 0.5]

Prints one JSON object (milliseconds, warm, medians over ``--runs``; goal: under 20 ms for 64
bars): ``score_per_note_ms`` is ``engine.ml.evaluation.score(model, piece, follow_seed,
per_note=True)``, everything the lane's job does; ``score_total_ms`` the same without the
per-note lists; ``score_no_follow_ms`` per note with following off. The piece is the model's
shipped openings laid end to end, cut to ``--bars`` bars of 4/4. CPU, one thread, as the GUI
runs models (``engine.ml.device.use_interactive_threads``).
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

from segue.engine.melody import Melody  # noqa: E402
from segue.engine.ml.catalog import DEFAULT_MODEL  # noqa: E402
from segue.engine.ml.checkpoint import load_model  # noqa: E402
from segue.engine.ml.device import use_interactive_threads  # noqa: E402
from segue.engine.ml.evaluation import score  # noqa: E402
from segue.engine.openings import openings_path  # noqa: E402
from segue.engine.session import read_melodies  # noqa: E402


def long_piece(model_name: str, bars: int) -> Melody:
    """The model's openings one after another (each on a bar line) until ``bars`` bars."""
    notes, at = [], 0
    openings = [m for m in read_melodies(openings_path(model_name)) if m.notes]
    while True:
        for opening in openings:
            if opening.time_signature != (4, 4):
                continue
            shift = at - opening.notes[0].start
            bar = opening.steps_per_bar
            for note in opening.notes:
                if note.start + shift + note.length > bars * bar:
                    return Melody(notes, time_signature=(4, 4))
                notes.append(note.with_start(note.start + shift))
            at = opening.bar_end(notes[-1].end)


def median_ms(function, runs: int) -> float:
    function()  # warm up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 2)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--bars", type=int, default=64)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--follow", type=float, default=0.5, help="follow the seed, 0-1")
    args = parser.parse_args(argv)
    model = load_model(args.model, device="cpu")
    use_interactive_threads(model.device)
    piece = long_piece(args.model, args.bars)
    figures = {
        "model": args.model,
        "bars": args.bars,
        "notes": len(piece.notes),
        "steps": piece.end - piece.start,
        "follow_seed": args.follow,
        "score_per_note_ms": median_ms(lambda: score(model, piece, args.follow, per_note=True), args.runs),
        "score_total_ms": median_ms(lambda: score(model, piece, args.follow), args.runs),
        "score_no_follow_ms": median_ms(lambda: score(model, piece, 0.0, per_note=True), args.runs),
    }
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
