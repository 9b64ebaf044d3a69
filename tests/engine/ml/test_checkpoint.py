"""Model files: a saved model loads back the same, and unsound files are refused by name."""

import json
import pickle
import random

import pytest
import torch

from segue.engine.ml.checkpoint import ModelError, load_model, save_model
from segue.engine.ml.model import ModelConfig, SegueModel, create_model, meter_of
from tests.engine.ml.test_model import SMALL, full_logits, random_tokens

torch.set_num_threads(1)


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


def test_a_card_with_a_number_of_thousands_of_digits_is_refused(saved, tmp_path):
    card = tmp_path / "tiny.json"
    card.write_text(card.read_text().replace('"hidden_size": 24', '"hidden_size": ' + "9" * 5000))
    with pytest.raises(ModelError, match=r"tiny\.json: the model card is not readable JSON"):
        load_model(tmp_path / "tiny")


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


# --- hostile cards: refused before the model is built -------------------------------------------


@pytest.fixture
def never_built(monkeypatch):
    """Fails the test if a real (memory-holding) model is built; meta-device shapes are fine."""
    from segue.engine.ml import checkpoint

    built = []

    class Spy(SegueModel):
        def __init__(self, config=None):
            built.append(torch.empty(0).device.type)  # where its parameters would live
            super().__init__(config)

    monkeypatch.setattr(checkpoint, "SegueModel", Spy)
    yield built
    assert all(device == "meta" for device in built), built


def test_a_card_asking_for_a_huge_model_is_refused_by_its_bounds(saved, tmp_path, never_built):
    huge = {"hidden_size": 4096, "num_layers": 8, "token_dim": 1024, "pitch_dim": 1024,
            "contour_dim": 1024, "meter_dim": 1024, "lookback_dim": 1024}
    _rewrite_card(tmp_path / "tiny.json", lambda c: c["config"].update(huge))
    with pytest.raises(ModelError, match=r"tiny\.json: invalid model description: hidden size 4096"):
        load_model(tmp_path / "tiny")
    assert never_built == []


@pytest.mark.parametrize(
    "change",
    [
        {"hidden_size": 1024, "num_layers": 4},  # the largest allowed, far from these weights
        {"hidden_size": 25},
        {"lookback_dim": 0},
    ],
)
def test_a_card_that_disagrees_with_its_weights_is_refused_before_building(
    saved, tmp_path, never_built, change
):
    _rewrite_card(tmp_path / "tiny.json", lambda c: c["config"].update(change))
    with pytest.raises(ModelError, match=r"tiny\.safetensors: .*(larger than the card|do not fit|shape)"):
        load_model(tmp_path / "tiny")
    assert set(never_built) <= {"meta"}


def test_shapes_are_known_without_allocating_and_match_the_real_model(never_built):
    from segue.engine.ml import checkpoint

    largest = ModelConfig(hidden_size=1024, num_layers=4, token_dim=256, pitch_dim=256,
                          contour_dim=256, meter_dim=256, lookback_dim=256)
    assert sum(torch.Size(s).numel() for s in checkpoint._expected_shapes(largest).values()) < 50e6
    real = {k: tuple(v.shape) for k, v in create_model(SMALL).state_dict().items()}
    assert checkpoint._expected_shapes(SMALL) == real


def test_a_weights_file_larger_than_the_card_allows_is_refused_unread(saved, tmp_path, monkeypatch):
    weights = tmp_path / "tiny.safetensors"
    with weights.open("ab") as file:
        file.truncate(weights.stat().st_size + 2 * 1024 * 1024)
    read = []
    monkeypatch.setattr(type(weights), "read_bytes", lambda self: read.append(self) or b"")
    with pytest.raises(ModelError, match=r"tiny\.safetensors: the file is larger than the card"):
        load_model(tmp_path / "tiny")
    assert read == []


def test_a_weights_header_with_another_dtype_is_refused(tmp_path):
    from safetensors.torch import save

    model = create_model(SMALL)
    save_model(model, tmp_path / "ints")
    tensors = {k: v.detach().to(torch.int32) for k, v in model.state_dict().items()}
    data = save(tensors)
    (tmp_path / "ints.safetensors").write_bytes(data)
    import hashlib

    _rewrite_card(tmp_path / "ints.json",
                  lambda c: c["weights"].update(sha256=hashlib.sha256(data).hexdigest()))
    with pytest.raises(ModelError, match=r"ints\.safetensors: tensor .* is not floating point"):
        load_model(tmp_path / "ints")


def test_the_shipped_models_fit_the_bounds():
    from pathlib import Path

    models = sorted((Path(__file__).resolve().parents[3] / "models").glob("*.safetensors"))
    assert models
    for weights in models:
        assert isinstance(load_model(weights, device="cpu"), SegueModel)


def test_a_model_loads_by_its_name_from_the_models_folders(tmp_path, monkeypatch):
    from segue.engine.ml import catalog

    monkeypatch.setattr(catalog, "shipped_models_dir", lambda: tmp_path / "shipped")
    monkeypatch.setattr(catalog, "user_models_dir", lambda: tmp_path / "user")
    monkeypatch.delenv(catalog.MODELS_DIR_ENV, raising=False)
    shipped, users = create_model(SMALL, seed=1), create_model(SMALL, seed=2)
    save_model(shipped, tmp_path / "shipped" / "folk")
    save_model(users, tmp_path / "user" / "mine")
    monkeypatch.chdir(tmp_path)  # a bare name is never read as a file in the current folder
    for name, expected in (("folk", shipped), ("mine", users)):
        loaded = load_model(name, device="cpu")
        assert loaded.card["path"] == str(catalog.model_path(name))
        for key, tensor in expected.state_dict().items():
            assert torch.equal(loaded.state_dict()[key], tensor)


def test_an_unknown_model_name_is_refused_naming_the_models_there_are(tmp_path, monkeypatch):
    from segue.engine.ml import catalog

    monkeypatch.setenv(catalog.MODELS_DIR_ENV, str(tmp_path))
    save_model(create_model(SMALL), tmp_path / "folk")
    save_model(create_model(SMALL), tmp_path / "irish")
    with pytest.raises(ModelError, match=r"no model named 'jazz' \(available models: folk, irish\)"):
        load_model("jazz")
    with pytest.raises(ModelError, match="never loads pickles"):
        load_model("jazz.pt")  # a pickle's name is refused as a pickle, not looked up


def test_a_card_may_name_the_styles_model_for_straight_pieces(tmp_path):
    triplets = create_model(SMALL.on_grid(12), seed=1)
    save_model(triplets, tmp_path / "style")
    save_model(create_model(SMALL, seed=2), tmp_path / "straight" / "style")
    _rewrite_card(tmp_path / "style.json", lambda c: c.update(straight_model="straight/style"))
    model = load_model(tmp_path / "style", device="cpu")
    assert model.config.steps_per_quarter == 12 and model.straight_model.config.steps_per_quarter == 4
    # Its own weights only: what is saved, stepped and counted is the model's.
    assert sum(p.numel() for p in model.parameters()) == sum(p.numel() for p in triplets.parameters())
    assert load_model(tmp_path / "straight" / "style", device="cpu").straight_model is None


@pytest.mark.parametrize("link, problem", [
    ("straight/missing", "its model for straight pieces, .* does not exist"),
    ("../style", "must name a model in the card's folder"),
    ("/etc/passwd", "must name a model in the card's folder"),
    (7, "must name a model in the card's folder"),
    ("same-grid", "coarser grid that divides 12 steps per quarter, not 12"),
    ("chained", "may not name one of its own"),
])
def test_a_bad_link_to_a_model_for_straight_pieces_is_refused_by_name(tmp_path, link, problem):
    save_model(create_model(SMALL.on_grid(12), seed=1), tmp_path / "style")
    save_model(create_model(SMALL.on_grid(12), seed=2), tmp_path / "same-grid")
    save_model(create_model(SMALL, seed=3), tmp_path / "chained")
    save_model(create_model(SMALL, seed=4), tmp_path / "other")
    _rewrite_card(tmp_path / "chained.json", lambda c: c.update(straight_model="other"))
    _rewrite_card(tmp_path / "style.json", lambda c: c.update(straight_model=link))
    with pytest.raises(ModelError, match=problem) as caught:
        load_model(tmp_path / "style", device="cpu")
    assert "style.json" in str(caught.value) or link in ("same-grid", "chained")
