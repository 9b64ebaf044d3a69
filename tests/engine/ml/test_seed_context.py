"""A seed far along the timeline, or holding a note for hours, is continued like a short one:
the model hears a bounded context and the continuation lands at the right absolute steps."""

import tracemalloc

import pytest
import torch

from segue.engine.encoding import CONTEXT_BARS, HELD_BARS
from segue.engine.melody import Melody, Note
from segue.engine.ml import stepper
from segue.engine.ml.model import ModelConfig, create_model
from segue.engine.ml.sampling import generate

torch.set_num_threads(1)

SEED = Melody([Note(p, 2 * i, 2) for i, p in enumerate([67, 69, 71, 72, 74, 72, 71, 69])])  # 4/4
BAR = SEED.steps_per_bar
TEN_HOURS = 10 * 3600 * 8  # steps at 120 bpm, 4 steps per quarter
# Steps the model may hear: the context window plus the seed's first bar (notes land in it).
BOUND = (CONTEXT_BARS + 1) * BAR


@pytest.fixture(scope="module")
def model():
    return create_model(ModelConfig(hidden_size=16, token_dim=8, pitch_dim=4, contour_dim=4,
                                    meter_dim=4, lookback_dim=4), seed=5)


@pytest.fixture
def primed(monkeypatch):
    """The token sequences the model is primed with, in order."""
    seen = []
    prime = stepper.Stepper.prime

    def spy(self, tokens):
        seen.append((list(tokens), self.offset % self.meter.steps_per_bar))
        return prime(self, tokens)

    monkeypatch.setattr(stepper.Stepper, "prime", spy)
    return seen


def peak_python_bytes(function) -> int:
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("steps_later", [10**6, 10**6 + 5, 10**12])
def test_a_seed_far_along_the_timeline_is_continued_as_if_it_were_near(model, primed, steps_later):
    far = SEED.shift(steps_later)
    near = SEED.shift(steps_later % BAR)  # the same steps of the bar
    far_melodies = generate(model, far, 2 * BAR, variations=3, rng_seed=4)
    near_melodies = generate(model, near, 2 * BAR, variations=3, rng_seed=4)
    moved = steps_later - steps_later % BAR
    assert far_melodies == [m.shift(moved) for m in near_melodies]  # same notes, on its own bars
    assert all(n.start >= far.end for m in far_melodies for n in m.notes)
    assert primed[0] == primed[1] and len(primed[0][0]) <= BOUND


def test_a_ten_hour_note_costs_no_more_than_a_short_one(model, primed):
    held = SEED.add(Note(60, SEED.end, TEN_HOURS + 3))  # ends 3 steps into a bar
    [melody] = generate(model, held, 2 * BAR, rng_seed=2, rest_weight=0)
    assert melody.notes[0].start == held.end  # at the right absolute step
    assert (melody.notes[0].start - held.end) % BAR == 0 and melody.end == held.end + 2 * BAR
    tokens, phase = primed[0]
    assert len(tokens) <= BOUND and phase == SEED.start % BAR
    assert tokens.count(1) < (HELD_BARS + 2) * BAR  # the hold is heard a few bars long
    short = SEED.add(Note(60, SEED.end, HELD_BARS * BAR + 3))
    peak_short = peak_python_bytes(
        lambda: generate(model, short, 2 * BAR, variations=8, rng_seed=2))
    peak_held = peak_python_bytes(lambda: generate(model, held, 2 * BAR, variations=8, rng_seed=2))
    assert peak_held < 2 * peak_short + 100_000  # no per-step lists of the whole note


def test_a_continuation_asked_for_far_after_the_seed_still_hears_the_seed(model, primed):
    start = 10**6 + 7
    [melody] = generate(model, SEED, BAR, start=start, rng_seed=3, rest_weight=0)
    assert melody.notes[0].start == start and melody.end == start + BAR
    tokens, _ = primed[0]
    assert len(tokens) <= BOUND and tokens[0] >= 2  # starts with the seed's first note
    assert (len(tokens) - SEED.end) % BAR == (start - SEED.end) % BAR  # the gap keeps its phase


def test_only_the_last_bars_of_a_long_seed_are_heard(model, primed):
    long = Melody([Note(60 + i % 7, 4 * i, 4) for i in range(4 * 300)])  # 300 bars
    generate(model, long, BAR, rng_seed=1)
    tokens, phase = primed[0]
    assert len(tokens) == CONTEXT_BARS * BAR and phase == 0
