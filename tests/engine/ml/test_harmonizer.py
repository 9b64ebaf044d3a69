import json

import numpy as np
import pytest
import torch

from segue.engine import harmony_beats as hb
from segue.engine.harmony import harmonize
from segue.engine.ml.harmonizer import (
    Harmonizer,
    HarmonizerConfig,
    HarmonizerError,
    load_harmonizer,
    save_harmonizer,
)
from segue.engine.ml.harmonizer_training import HarmonizerTraining, train_and_save
from tests.engine.harmony_fixtures import tune, write_tiny_nottingham


def small_model(seed=0):
    torch.manual_seed(seed)
    model = Harmonizer(HarmonizerConfig(hidden=8, layers=1))
    model.card["metrics"] = {"validation_majmin": 0.5}
    return model.eval()


def test_save_and_load_round_trip(tmp_path):
    model = small_model()
    card = save_harmonizer(model, tmp_path / "h")
    assert card == tmp_path / "h.json" and (tmp_path / "h.safetensors").is_file()
    loaded = load_harmonizer(tmp_path / "h.safetensors")
    features = torch.from_numpy(hb.beat_features(tune()[0], (0, "major")))[None]
    with torch.inference_mode():
        assert torch.equal(model(features), loaded(features))
    assert loaded.card["metrics"] == {"validation_majmin": 0.5}
    assert loaded.card["decoding"] == model.card["decoding"]
    assert not loaded.training


def test_padded_batches_score_each_tune_as_alone():
    model = small_model()
    short = torch.rand(1, 5, hb.FEATURES)
    batch = torch.cat([torch.cat([short, torch.rand(1, 3, hb.FEATURES)], 1),
                       torch.rand(1, 8, hb.FEATURES)])
    with torch.inference_mode():
        padded = model(batch, torch.tensor([5, 8]))[0, :5]
        assert torch.allclose(padded, model(short)[0], atol=1e-6)


def damage(tmp_path, change):
    save_harmonizer(small_model(), tmp_path / "h")
    card_path = tmp_path / "h.json"
    card = json.loads(card_path.read_text())
    change(card, tmp_path)
    card_path.write_text(json.dumps(card))
    return tmp_path / "h"


def flip_a_byte(card, folder):
    data = bytearray((folder / "h.safetensors").read_bytes())
    data[-3] ^= 0xFF
    (folder / "h.safetensors").write_bytes(bytes(data))


def other_model(card, folder):
    """Weights of a larger model, with a card checksum that matches them."""
    import hashlib

    bigger = Harmonizer(HarmonizerConfig(hidden=9, layers=1))
    save_harmonizer(bigger, folder / "other")
    data = (folder / "other.safetensors").read_bytes()
    (folder / "h.safetensors").write_bytes(data)
    card["weights"]["sha256"] = hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("change, message", [
    (lambda card, _: card.update(format="segue-model"), "not a Segue harmonizer"),
    (lambda card, _: card.update(format_version=2), "format_version 2 is not supported"),
    (lambda card, _: card["vocabulary"].update(classes=25), "vocabulary"),
    (lambda card, _: card["config"].update(hidden=10**9), "invalid config"),
    (lambda card, _: card["config"].update(extra=1), "invalid config"),
    (lambda card, _: card.update(decoding={"change_penalty": -1}), "decoding"),
    (flip_a_byte, "do not match their card's checksum"),
    (other_model, "the card.s model needs"),
    (lambda card, folder: (folder / "h.safetensors").unlink(), "file not found"),
])
def test_a_damaged_or_wrong_file_is_refused_clearly(tmp_path, change, message):
    path = damage(tmp_path, change)
    with pytest.raises(HarmonizerError, match=message) as raised:
        load_harmonizer(path)
    assert str(tmp_path) in str(raised.value)


def test_not_json_and_pickles_are_refused(tmp_path):
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(HarmonizerError, match="not readable JSON"):
        load_harmonizer(tmp_path / "bad")
    with pytest.raises(HarmonizerError, match="never loads pickles"):
        load_harmonizer(tmp_path / "model.pt")
    with pytest.raises(HarmonizerError, match="file not found"):
        load_harmonizer(tmp_path / "missing")


def test_non_finite_weights_are_refused(tmp_path):
    model = small_model()
    with torch.no_grad():
        model.output.bias[0] = float("nan")
    save_harmonizer(model, tmp_path / "h")
    with pytest.raises(HarmonizerError, match="NaN"):
        load_harmonizer(tmp_path / "h")


def test_training_on_a_tiny_corpus_writes_a_harmonizer_that_harmonizes(tmp_path):
    write_tiny_nottingham(tmp_path)
    options = HarmonizerTraining(epochs=3, hidden=8, layers=1, batch_size=4)
    card_path, hmm_path = train_and_save(options, tmp_path / "out" / "h", cache_dir=tmp_path,
                                         log=lambda line: None)
    card = json.loads(card_path.read_text())
    assert card["training"]["epochs_run"] == 3 and len(card["training"]["history"]) == 3
    assert 0 <= card["metrics"]["validation_majmin"] <= 1
    assert set(card["decoding"]) == {"change_penalty", "downbeat_change_penalty"}
    melody = tune()[0]
    for model in (card_path, hmm_path):
        chords = harmonize(melody, model=model)
        assert chords[0].start == 0 and chords[-1].end == melody.bar_end(melody.end)
    hmm = json.loads(hmm_path.read_text())
    assert np.asarray(hmm["frequency"]).sum() > 0
