"""What to generate: a request from the panel's settings, and running it (no Qt involved)."""

import pytest

from segue.engine.melody import Melody, Note
from segue.engine.ml.model import ModelConfig, create_model
from segue.engine.ml.request import ContinuationRequest, iter_continuations, stand_in_continuation
from segue.engine.session import GenerationSettings

SEED = Melody([Note(62, 0, 4), Note(66, 4, 4), Note(69, 8, 4), Note(67, 12, 4)], key="D major",
              time_signature=(3, 4))


def test_a_request_carries_the_settings_in_the_seeds_meter():
    settings = GenerationSettings(temperature=0.5, rest_weight=0.25, bars=3, variations=5,
                                  rng_seed=11, pitch_low=48, pitch_high=72)
    request = ContinuationRequest.build(SEED, 20, settings, model_range=(36, 96))
    assert request == ContinuationRequest(SEED, 20, 3 * 12, 0.5, 0.25, 5, 11, None, (48, 72))


def test_auto_key_becomes_the_seeds_key_and_a_named_key_stays():
    auto = ContinuationRequest.build(SEED, 16, GenerationSettings(key_lock="auto"))
    assert auto.key == "D major"
    named = ContinuationRequest.build(SEED, 16, GenerationSettings(key_lock="A minor"))
    assert named.key == "A minor"


@pytest.mark.parametrize(
    "low, high, model_range, expected",
    [(36, 96, (36, 96), None), (30, 100, (36, 96), None), (37, 96, (36, 96), (37, 96)),
     (36, 96, None, (36, 96))],
)
def test_a_pitch_range_covering_the_models_is_left_out(low, high, model_range, expected):
    settings = GenerationSettings(pitch_low=low, pitch_high=high)
    assert ContinuationRequest.build(SEED, 16, settings, model_range).pitch_range == expected


def test_running_a_request_gives_its_variations_from_the_start():
    pytest.importorskip("torch")
    model = create_model(ModelConfig(hidden_size=16, token_dim=8, pitch_dim=4, contour_dim=4,
                                     meter_dim=4, lookback_dim=4), seed=2)
    request = ContinuationRequest.build(SEED, 16, GenerationSettings(bars=2, variations=3, rng_seed=4))
    updates = list(iter_continuations(model, request, lambda: False))
    melodies = updates[-1].melodies
    assert len(melodies) == 3 and updates[-1].fraction == 1.0
    assert all(n.start >= 16 and n.end <= 16 + 24 for m in melodies for n in m.notes)


def test_the_stand_in_echoes_the_last_bar_differently_in_each_variation():
    request = ContinuationRequest.build(SEED, 16, GenerationSettings(bars=2, variations=3))
    variations = stand_in_continuation(request)
    assert len(variations) == 3
    assert len({tuple(n.pitch for n in v.notes) for v in variations}) == 3
    assert all(16 <= n.start < 16 + 24 for v in variations for n in v.notes)


def test_a_request_carries_follow_seed_from_the_settings():
    request = ContinuationRequest.build(SEED, 16, GenerationSettings(follow_seed=0.75))
    assert request.follow_seed == 0.75
    assert ContinuationRequest.build(SEED, 16, GenerationSettings()).follow_seed == 0.0
