"""Opening phrases that ship with a model, so File > New from corpus needs no corpus.

An opening is the first 2-4 bars of a validation-split tune (a pickup comes along with the bars
after it), cut at a bar line and moved so that its first bar starts at step 0. Taking them from
the validation split keeps the test split unseen.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from engine.corpus import Tune
from engine.melody import Melody

MIN_NOTES = 6


def opening_of(melody: Melody, bars: int) -> Melody:
    """The first ``bars`` full bars of ``melody`` (plus its pickup), starting at step 0."""
    if bars < 1:
        raise ValueError(f"an opening needs at least one bar, got {bars}")
    bar = melody.steps_per_bar
    first_bar = melody.start // bar
    pickup = 1 if melody.start % bar else 0
    return melody.slice(first_bar * bar, (first_bar + pickup + bars) * bar)


def corpus_openings(
    tunes: Sequence[Tune], count: int = 40, bars: tuple[int, int] = (2, 4), rng_seed: int = 0
) -> list[Melody]:
    """Up to ``count`` openings of validation tunes, each ``bars[0]``-``bars[1]`` bars long."""
    rng = random.Random(rng_seed)
    candidates = [t for t in tunes if t.split == "validation"]
    rng.shuffle(candidates)
    openings = []
    for tune in candidates:
        if len(openings) >= count:
            break
        opening = opening_of(tune.melody, rng.randint(*bars))
        if len(opening.notes) >= MIN_NOTES:
            openings.append(opening)
    return openings
