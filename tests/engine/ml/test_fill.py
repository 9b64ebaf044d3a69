"""Fill: new music inside a range, everything outside untouched, ranked by the following bars."""

import math

import pytest
import torch

from segue.engine.encoding import HOLD, REST
from segue.engine.melody import Melody, Note
from segue.engine.ml.evaluation import encode_melody, tune_log_probs
from segue.engine.ml.fill import fill, following_log_probs
from segue.engine.ml.model import ModelConfig, create_model
from segue.engine.ml.sampling import GenerationCancelled

torch.set_num_threads(1)

TINY = ModelConfig(hidden_size=24, token_dim=8, pitch_dim=4, contour_dim=4, meter_dim=4, lookback_dim=4)
BAR = 16
START, END = 2 * BAR, 4 * BAR


@pytest.fixture(scope="module")
def model():
    built = create_model(TINY, seed=5)
    with torch.no_grad():
        built.head.bias[REST] += 2.0
        built.head.bias[HOLD] += 3.0
    return built


def tune() -> Melody:
    """Eight bars of quarter notes; one note sounds into the range from before, one starts in
    it and sounds past its end."""
    notes = [Note(60 + (i % 5), i * 4, 4) for i in range(7)]
    notes.append(Note(67, 28, 8))  # crosses START: cut there
    notes.append(Note(65, 60, 8))  # starts inside, ends past END: replaced
    notes += [Note(62 + (i % 3), 68 + i * 4, 4) for i in range(15)]
    return Melody(notes, key="C major")


def test_notes_outside_the_range_stay_and_the_fill_stays_inside(model):
    melody = tune()
    results = fill(model, melody, START, END, variations=3, rng_seed=4)
    before = [n for n in melody.notes if n.start < START]
    before[-1] = before[-1].with_length(START - before[-1].start)
    after = [n for n in melody.notes if n.start >= END]
    assert len(results) == 3
    for whole in results:
        assert [n for n in whole.notes if n.start < START] == before
        assert [n for n in whole.notes if n.start >= END] == after
        assert all(n.end <= END for n in whole.notes if START <= n.start < END)
        assert Note(65, 60, 8) not in whole.notes
        assert (whole.time_signature, whole.key) == (melody.time_signature, melody.key)


def test_same_rng_seed_same_fills_and_variations_differ(model):
    a = fill(model, tune(), START, END, variations=4, rng_seed=9, temperature=1.5)
    b = fill(model, tune(), START, END, variations=4, rng_seed=9, temperature=1.5)
    assert a == b
    assert len(set(a)) == 4


def test_candidates_are_ranked_by_the_following_bars():
    calls = []

    def by_first_fill_pitch(wholes, start, end, score_end):
        calls.append((len(wholes), start, end, score_end))
        return [max((n.pitch for n in w.notes if start <= n.start < end), default=0) for w in wholes]

    results = fill(create_model(TINY, seed=2), tune(), START, END, variations=3, rng_seed=1,
                   temperature=2.0, candidates=12, scorer=by_first_fill_pitch)
    assert calls == [(12, START, END, END + 2 * BAR)]
    tops = [max(n.pitch for n in w.notes if START <= n.start < END) for w in results]
    assert tops == sorted(tops, reverse=True)
    everything = by_first_fill_pitch(
        fill(create_model(TINY, seed=2), tune(), START, END, variations=12, rng_seed=1,
             temperature=2.0, candidates=12, scorer=lambda w, *_: [0.0] * len(w)), START, END, 0)
    assert tops[0] == max(everything)  # the best of all twelve drawn came first


def test_with_nothing_after_the_range_no_ranking_is_needed(model):
    melody = tune().slice(0, START)
    def refuse(*_):
        raise AssertionError("nothing follows: nothing to rank by")

    [whole] = fill(model, melody, START, END, rng_seed=3, scorer=refuse)
    assert [n for n in whole.notes if n.start < START] == list(melody.notes)


def test_the_default_scorer_is_the_models_probability_of_the_following_steps(model):
    melody = tune()
    score_end = END + 2 * BAR
    [scored] = following_log_probs(model, [melody], START, END, score_end)
    encoded = encode_melody(melody.slice(0, score_end), model.encoding)
    _, rows, targets = next(tune_log_probs(model, [encoded]))
    origin = melody.start
    expected = float(rows.gather(1, targets.unsqueeze(1)).squeeze(1)[END - origin - 1:].sum())
    assert math.isclose(scored, expected, rel_tol=1e-4)
    assert scored < 0


@pytest.mark.parametrize("start, end, options, message", [
    (32, 32, {}, "start < end"),
    (-4, 32, {}, "start < end"),
    (1.5, 32, {}, "integer"),
    (0, 32, {}, "no notes before"),
    (32, 64, {"variations": 0}, "variations"),
    (32, 64, {"variations": 4, "candidates": 2}, "candidates"),
    (32, 64, {"follow_seed": 2}, "follow seed"),
    (32, 64, {"temperature": 0}, "temperature"),
])
def test_bad_arguments_are_refused_clearly(model, start, end, options, message):
    with pytest.raises(ValueError, match=message):
        fill(model, tune(), start, end, rng_seed=1, **options)


def test_stopping_raises_cancelled(model):
    with pytest.raises(GenerationCancelled):
        fill(model, tune(), START, END, rng_seed=1, should_stop=lambda: True)
