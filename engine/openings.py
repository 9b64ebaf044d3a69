"""Opening phrases that ship with a model, so File > New from corpus needs no corpus.

An opening is the first 2-4 bars of a validation-split tune (a pickup comes along with the bars
after it), cut at a bar line and moved so that its first bar starts at step 0. Taking them from
the validation split keeps the test split unseen. They ship as ``NAME.openings.json`` beside
the model ``NAME`` (``segue-cli openings`` writes them).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from segue.engine.melody import Melody
from segue.engine.ml.catalog import display_name, model_path
from segue.engine.session import SessionError, read_melodies

if TYPE_CHECKING:  # the corpus module loads numpy; the GUI reads openings without it
    from segue.engine.corpus import Tune

MIN_NOTES = 6


def opening_of(melody: Melody, bars: int) -> Melody:
    """The first ``bars`` full bars of ``melody`` (plus its pickup), starting at step 0."""
    if bars < 1:
        raise ValueError(f"an opening needs at least one bar, got {bars}")
    # A pickup's bar is the partial bar before the first bar line.
    end = melody.bar_end(melody.start) + bars * melody.steps_per_bar
    return melody.slice(melody.bar_start(melody.start), end)


def corpus_openings(
    tunes: Sequence[Tune], count: int = 40, bars: tuple[int, int] = (2, 4), rng_seed: int = 0
) -> list[Melody]:
    """Up to ``count`` openings of validation tunes, each ``bars[0]``-``bars[1]`` bars long, on
    the coarsest grid that holds them (a straight opening of a 12-step corpus on 4 steps)."""
    from segue.engine.grid import STRAIGHT_STEPS_PER_QUARTER, holds_triplets, regrid  # noqa: PLC0415

    rng = random.Random(rng_seed)
    candidates = [t for t in tunes if t.split == "validation"]
    rng.shuffle(candidates)
    openings = []
    for tune in candidates:
        if len(openings) >= count:
            break
        opening = opening_of(tune.melody, rng.randint(*bars))
        if not holds_triplets(opening):  # on the coarsest grid that holds it: straight stays straight
            opening = regrid(opening, STRAIGHT_STEPS_PER_QUARTER)
        if len(opening.notes) >= MIN_NOTES:
            openings.append(opening)
    return openings


def openings_path(model: str | Path) -> Path:
    """Where the openings of ``model`` (a shipped model's name or a path) are."""
    base = model_path(str(model))
    return base.with_name(base.name + ".openings.json")


def read_openings(model: str | Path) -> list[Melody]:
    """The opening phrases shipped with ``model``; SessionError naming the file otherwise."""
    path = openings_path(model)
    if not path.is_file():
        raise SessionError(
            f"{path.name} does not exist: model {display_name(str(model))} ships no openings"
        )
    openings = read_melodies(path)
    if not openings:
        raise SessionError(f"{path.name} holds no opening phrases")
    return openings


def random_opening(model: str | Path, rng: random.Random | None = None) -> Melody:
    return (rng or random).choice(read_openings(model))
