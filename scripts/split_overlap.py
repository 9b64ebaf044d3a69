"""How much of a split's music the train split already holds, and models' figures without it.

    python scripts/split_overlap.py CORPUS SPLIT MODEL [MODEL...]

A tune "shares its melody" with the train split when its first ``PREFIX`` intervals (semitones
between successive notes, so any transposition) are those of a train tune. Bach set many
chorale melodies more than once, so a fixed split by tune id puts the same melody on both sides.
Prints one JSON object: the counts, and per model the figures on the whole split and on the
tunes whose melody no train tune shares.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from segue.engine.corpus import load_corpus  # noqa: E402
from segue.engine.ml.checkpoint import load_model  # noqa: E402
from segue.engine.ml.evaluation import evaluate  # noqa: E402

PREFIX = 12
FIGURES = ("total_bits_per_note", "pitch_bits_per_note", "tunes", "notes")


def intervals(tune) -> tuple[int, ...]:
    pitches = [note.pitch for note in tune.melody.notes]
    return tuple(b - a for a, b in zip(pitches, pitches[1:]))


def main(argv: list[str]) -> int:
    corpus, split, *models = argv
    torch.set_num_threads(1)
    seen = {intervals(tune)[:PREFIX] for tune in load_corpus(corpus, "train")}
    tunes = load_corpus(corpus, split)
    unseen = [tune for tune in tunes if intervals(tune)[:PREFIX] not in seen]
    result = {
        "corpus": corpus, "split": split, "prefix_intervals": PREFIX,
        "tunes": len(tunes), "sharing_a_train_melody": len(tunes) - len(unseen), "models": {},
    }
    unseen_ids = {tune.id for tune in unseen}
    for name in models:
        model = load_model(name)
        grid = model.config.steps_per_quarter  # the split as the model reads it (12: triplets)
        on_grid = load_corpus(corpus, split, grid=grid) if grid != tunes[0].melody.steps_per_quarter else tunes
        figures = {}
        for label, subset in (("all", on_grid),
                              ("unseen_melodies", [t for t in on_grid if t.id in unseen_ids])):
            metrics = evaluate(model, corpus, split, baseline=False,
                               tunes_by_split={split: subset})["model"]
            figures[label] = {key: metrics[key] for key in FIGURES}
        result["models"][name] = figures
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
