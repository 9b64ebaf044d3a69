"""The LSTM model: its features, its meter view, its config, reproducible creation."""

import random

import pytest
import torch

from segue.engine.encoding import FIRST_PITCH_TOKEN, HOLD, REST
from segue.engine.ml.model import METERS, ModelConfig, create_model, meter_of, meter_tensor

torch.set_num_threads(1)

SMALL = ModelConfig(hidden_size=24, token_dim=8, pitch_dim=6, contour_dim=4, meter_dim=4, lookback_dim=8)


def random_tokens(length: int, rng: random.Random, vocab: int = 63) -> list[int]:
    """A valid event sequence: starts with a note, HOLD never follows REST."""
    tokens = [rng.randrange(FIRST_PITCH_TOKEN, vocab)]
    for _ in range(length - 1):
        r = rng.random()
        if r < 0.3:
            tokens.append(rng.randrange(FIRST_PITCH_TOKEN, vocab))
        elif r < 0.45:
            tokens.append(REST)
        else:
            tokens.append(HOLD if tokens[-1] != REST else REST)
    return tokens


def full_logits(model, tokens, offset, meter):
    with torch.inference_mode():
        return model(torch.tensor([tokens]), torch.tensor([offset]), meter_tensor([meter]))[0]


def test_hold_is_impossible_right_after_a_rest():
    model = create_model(SMALL)
    tokens = [20, HOLD, REST, REST, 30, REST]
    logits = full_logits(model, tokens, 0, meter_of((4, 4)))
    for t, token in enumerate(tokens):
        assert (logits[t, HOLD] == float("-inf")) == (token == REST)
    assert torch.isfinite(logits[:, [REST] + list(range(FIRST_PITCH_TOKEN, 63))]).all()


def test_features_see_the_latest_pitch_through_holds_and_the_bar_before():
    model = create_model(SMALL)
    tokens = torch.tensor([[20, HOLD, HOLD, 25, HOLD, REST, 20, HOLD]])
    features = model.feature_indices(tokens, torch.tensor([2]), meter_tensor([meter_of((2, 4))]))
    assert features["pitch"][0].tolist() == [18, 18, 18, 23, 23, 23, 18, 18]
    none = 2 * 12 + 1
    assert features["interval"][0].tolist() == [none, none, none, 17, 17, 17, 7, 7]
    assert features["since"][0].tolist() == [0, 1, 2, 0, 1, 2, 0, 1]
    # The input at step t describes step t + 1: offset 2 in a bar of 8 steps.
    assert features["position"][0].tolist() == [3, 4, 5, 6, 7, 0, 1, 2]
    # One bar (8 steps) before step t + 1 exists only from t = 7 on.
    assert features["lookback1"][0].tolist()[-1] == 20
    assert features["lookback1"][0].tolist()[:-1] == [model.vocab_size] * 7


def test_meter_of_knows_compound_meters():
    assert meter_of((6, 8)) == meter_of((6, 8))
    six_eight = meter_of((6, 8))
    assert (six_eight.steps_per_bar, six_eight.beat_steps) == (12, 6)
    three_four = meter_of((3, 4))
    assert (three_four.steps_per_bar, three_four.beat_steps) == (12, 4)
    assert three_four.meter_id != six_eight.meter_id
    assert meter_of((11, 16)).meter_id == len(METERS)


def test_config_rejects_nonsense():
    with pytest.raises(ValueError, match="hidden size"):
        ModelConfig(hidden_size=0)
    with pytest.raises(ValueError, match="dropout"):
        ModelConfig(dropout=1.5)
    with pytest.raises(ValueError, match="pitch range"):
        ModelConfig(min_pitch=90, max_pitch=30)
    with pytest.raises(ValueError, match="unknown fields"):
        ModelConfig.from_json({**SMALL.to_json(), "colour": "blue"})


def test_create_model_is_reproducible_and_leaves_the_global_rng_alone():
    torch.manual_seed(123)
    expected = torch.rand(1)
    torch.manual_seed(123)
    a = create_model(SMALL, seed=9)
    assert torch.equal(torch.rand(1), expected)
    b = create_model(SMALL, seed=9)
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))
