"""The LSTM model: stepping equals the full-sequence pass, checkpoints load only when sound."""

import json
import pickle
import random

import pytest
import torch

from engine.encoding import FIRST_PITCH_TOKEN, HOLD, REST
from engine.ml.model import (
    METERS,
    ModelConfig,
    ModelError,
    SegueModel,
    create_model,
    load_model,
    meter_of,
    meter_tensor,
    model_paths,
    save_model,
)

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


@pytest.mark.parametrize(
    "config",
    [
        SMALL,
        ModelConfig(hidden_size=16, num_layers=1, token_dim=8, pitch_dim=0, contour_dim=0, meter_dim=0,
                    lookback_dim=0, relative_head=False, layer_norm=False),
        ModelConfig(hidden_size=16, num_layers=3, token_dim=8, pitch_dim=4, contour_dim=0, meter_dim=4,
                    lookback_dim=4, relative_head=True, layer_norm=False),
    ],
    ids=["all-features", "plain", "three-layers"],
)
@pytest.mark.parametrize("time_signature, offset", [((3, 4), 5), ((6, 8), 0), ((4, 4), 13)])
def test_stepping_gives_the_full_sequence_logits(config, time_signature, offset):
    model = create_model(config, seed=1)
    meter = meter_of(time_signature)
    tokens = random_tokens(70, random.Random(offset))
    full = full_logits(model, tokens, offset, meter)
    with torch.inference_mode():
        stepper = model.stepper(2, offset, meter)
        stepped = torch.stack([stepper.feed([t, t])[1].clone() for t in tokens])
    finite = torch.isfinite(full)
    assert torch.equal(finite, torch.isfinite(stepped))
    assert torch.allclose(full[finite], stepped[finite], atol=1e-4)


def test_a_step_never_sees_the_steps_after_it():
    """No leakage from the future through the lookback, contour or repeat features: changing
    the tokens from step k on leaves every distribution before step k as it was."""
    model = create_model(SMALL, seed=4).eval()
    rng = random.Random(9)
    meter = meter_of((3, 4))
    tokens = random_tokens(80, rng)
    base = full_logits(model, tokens, 2, meter)
    for k in (1, 17, 40, 79):
        changed = tokens[:k] + random_tokens(80 - k, random.Random(k))
        assert changed != tokens
        other = full_logits(model, changed, 2, meter)
        torch.testing.assert_close(other[:k], base[:k], rtol=0, atol=1e-6)
        assert not torch.allclose(other[k:], base[k:])  # the future does change what follows


def test_stepping_matches_before_the_first_note_too():
    model = create_model(SMALL, seed=5)
    meter = meter_of((4, 4))
    tokens = [REST, REST, REST] + random_tokens(30, random.Random(8))
    full = full_logits(model, tokens, 1, meter)
    with torch.inference_mode():
        stepper = model.stepper(1, 1, meter)
        stepped = torch.stack([stepper.feed([t])[0].clone() for t in tokens])
    finite = torch.isfinite(full)
    assert torch.allclose(full[finite], stepped[finite], atol=1e-4)


def test_priming_with_a_seed_then_stepping_matches_too():
    model = create_model(SMALL, seed=2)
    meter = meter_of((2, 4))
    tokens = random_tokens(60, random.Random(3))
    full = full_logits(model, tokens, 3, meter)
    with torch.inference_mode():
        stepper = model.stepper(3, 3, meter)
        rows = [stepper.prime(tokens[:25])[2].clone()]
        rows += [stepper.feed([t] * 3)[0].clone() for t in tokens[25:]]
    stepped = torch.stack(rows)
    finite = torch.isfinite(full[24:])
    assert torch.allclose(full[24:][finite], stepped[finite], atol=1e-4)


def test_stepping_follows_weight_changes():
    model = create_model(SMALL, seed=2)
    meter = meter_of((4, 4))
    with torch.inference_mode():
        before = model.stepper(1, 0, meter).feed([10]).clone()
    with torch.no_grad():
        model.head.bias[5] += 3.0
    with torch.inference_mode():
        after = model.stepper(1, 0, meter).feed([10])
    assert after[0, 5] - before[0, 5] == pytest.approx(3.0, abs=1e-4)


def test_a_primed_seed_is_reused_until_the_weights_change():
    model = create_model(SMALL, seed=2)
    meter = meter_of((4, 4))
    tokens = random_tokens(20, random.Random(4))
    with torch.inference_mode():
        first = model.stepper(2, 0, meter).prime(tokens).clone()
        again = model.stepper(3, 0, meter).prime(tokens)
        assert torch.equal(first[0], again[2])
        with torch.no_grad():
            model.head.bias[7] += 1.0
        changed = model.stepper(2, 0, meter).prime(tokens)
    assert changed[0, 7] - first[0, 7] == pytest.approx(1.0, abs=1e-5)
    torch.testing.assert_close(changed, full_logits(model, tokens, 0, meter)[-1:].expand(2, -1), rtol=0, atol=1e-5)


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


# --- checkpoints --------------------------------------------------------------------------------


@pytest.fixture
def saved(tmp_path):
    model = create_model(SMALL, seed=4)
    card = save_model(model, tmp_path / "tiny", training={"epochs": 3}, metrics={"validation": {"x": 1}})
    return model, card


def test_save_and_load_round_trip(saved, tmp_path):
    model, card = saved
    assert card == tmp_path / "tiny.json"
    tokens = random_tokens(30, random.Random(5))
    meter = meter_of((3, 4))
    for name in ("tiny", "tiny.json", "tiny.safetensors"):
        loaded = load_model(tmp_path / name, device="cpu")
        assert isinstance(loaded, SegueModel) and not loaded.training
        assert loaded.config == model.config
        assert loaded.card["training"] == {"epochs": 3}
        assert torch.equal(full_logits(loaded, tokens, 0, meter), full_logits(model, tokens, 0, meter))
    description = json.loads(card.read_text())
    assert description["vocabulary"]["num_tokens"] == 63
    assert description["encoding"] == {"min_pitch": 36, "max_pitch": 96, "version": 1}


def test_a_pickle_is_refused_without_being_run(tmp_path):
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (marker.touch, ())

    data = pickle.dumps({"weights": Payload()})
    for name in ("model.pt", "model.ckpt", "model.pth"):
        (tmp_path / name).write_bytes(data)
        with pytest.raises(ModelError, match="pickle"):
            load_model(tmp_path / name)
    # A pickle disguised as safetensors beside a real card is refused too.
    model = create_model(SMALL)
    save_model(model, tmp_path / "disguised")
    (tmp_path / "disguised.safetensors").write_bytes(data)
    with pytest.raises(ModelError, match="pickle"):
        load_model(tmp_path / "disguised")
    torch.save({"x": torch.zeros(1)}, tmp_path / "zipped.safetensors")
    save_model(model, tmp_path / "zipped2")
    (tmp_path / "zipped2.safetensors").write_bytes((tmp_path / "zipped.safetensors").read_bytes())
    with pytest.raises(ModelError, match="pickle"):
        load_model(tmp_path / "zipped2")
    assert not marker.exists()


def test_damaged_weights_are_refused_by_name(saved, tmp_path):
    weights = tmp_path / "tiny.safetensors"
    data = bytearray(weights.read_bytes())
    data[-10] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="tiny.safetensors.*damaged"):
        load_model(tmp_path / "tiny")
    weights.write_bytes(bytes(data[:100]))
    with pytest.raises(ModelError, match="tiny.safetensors"):
        load_model(tmp_path / "tiny")


def _rewrite_card(card_path, change):
    card = json.loads(card_path.read_text())
    change(card)
    card_path.write_text(json.dumps(card))


def test_shape_mismatch_is_refused(tmp_path):
    small = create_model(ModelConfig(hidden_size=8, token_dim=4, pitch_dim=0, contour_dim=0,
                                     meter_dim=0, lookback_dim=0))
    save_model(small, tmp_path / "m")
    other = create_model(ModelConfig(hidden_size=12, token_dim=4, pitch_dim=0, contour_dim=0,
                                     meter_dim=0, lookback_dim=0))
    save_model(other, tmp_path / "other")
    # Keep the card of the small model but put the other model's weights (and checksum) in.
    (tmp_path / "m.safetensors").write_bytes((tmp_path / "other.safetensors").read_bytes())
    other_sum = json.loads((tmp_path / "other.json").read_text())["weights"]["sha256"]
    _rewrite_card(tmp_path / "m.json", lambda c: c["weights"].update(sha256=other_sum))
    with pytest.raises(ModelError, match="shape"):
        load_model(tmp_path / "m")


def test_missing_and_unexpected_tensors_are_refused(tmp_path):
    with_lookback = create_model(SMALL)
    save_model(with_lookback, tmp_path / "a")
    without = create_model(ModelConfig(**{**SMALL.to_json(), "lookback_dim": 0}))
    save_model(without, tmp_path / "b")
    # The card says "lookback" but the weights lack those tables.
    card_a = json.loads((tmp_path / "a.json").read_text())
    _rewrite_card(tmp_path / "b.json", lambda c: c.update(config=card_a["config"]))
    with pytest.raises(ModelError, match="missing embeddings.lookback1.weight"):
        load_model(tmp_path / "b")


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda c: c.update(format="something"), "not a Segue model card"),
        (lambda c: c.update(format_version=99), "format version 99"),
        (lambda c: c.update(features_version=0), "features version"),
        (lambda c: c["vocabulary"].update(num_tokens=64), "vocabulary"),
        (lambda c: c["encoding"].update(max_pitch=95), "encoding"),
        (lambda c: c["encoding"].update(version=7), "encoding version 7"),
        (lambda c: c["config"].update(hidden_size=-3), "hidden size"),
        (lambda c: c["config"].update(colour="red"), "unknown fields"),
        (lambda c: c["weights"].pop("sha256"), "checksum"),
    ],
)
def test_bad_cards_are_refused_with_the_reason(saved, tmp_path, change, message):
    _rewrite_card(tmp_path / "tiny.json", change)
    with pytest.raises(ModelError, match=message) as info:
        load_model(tmp_path / "tiny")
    assert "tiny.json" in str(info.value)


def test_missing_files_and_broken_json(tmp_path, saved):
    with pytest.raises(ModelError, match="does not exist"):
        load_model(tmp_path / "nothing")
    (tmp_path / "tiny.safetensors").unlink()
    with pytest.raises(ModelError, match="tiny.safetensors.*do not exist"):
        load_model(tmp_path / "tiny")
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(ModelError, match="broken.json.*JSON"):
        load_model(tmp_path / "broken")


def test_non_finite_weights_are_refused(tmp_path):
    model = create_model(SMALL)
    with torch.no_grad():
        model.head.weight[0, 0] = float("nan")
    save_model(model, tmp_path / "nan")
    with pytest.raises(ModelError, match="NaN"):
        load_model(tmp_path / "nan")


def test_model_paths_accept_either_file_or_the_base_name(tmp_path):
    expected = (tmp_path / "folk.v2.json", tmp_path / "folk.v2.safetensors")
    assert model_paths(tmp_path / "folk.v2") == expected
    assert model_paths(tmp_path / "folk.v2.json") == expected
    assert model_paths(tmp_path / "folk.v2.safetensors") == expected


def test_create_model_is_reproducible_and_leaves_the_global_rng_alone():
    torch.manual_seed(123)
    expected = torch.rand(1)
    torch.manual_seed(123)
    a = create_model(SMALL, seed=9)
    assert torch.equal(torch.rand(1), expected)
    b = create_model(SMALL, seed=9)
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))
