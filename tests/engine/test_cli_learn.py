"""``segue-cli learn``: a folder in, a model with its card out; refusals in one line."""

from __future__ import annotations

import json

import pytest

from segue.engine.cli import main
from segue.engine.melody import Melody, Note
from segue.engine.midi_io import write_midi
from segue.engine.ml.checkpoint import save_model
from segue.engine.ml.model import ModelConfig, create_model

TINY = ModelConfig(hidden_size=8, token_dim=4, pitch_dim=4, contour_dim=2, meter_dim=2,
                   lookback_dim=2)


@pytest.fixture
def setup(tmp_path, monkeypatch):
    """A tiny base model, a folder of four MIDI files with one broken file, and a private
    models folder."""
    monkeypatch.setenv("SEGUE_MODELS_DIR", str(tmp_path / "models"))
    save_model(create_model(TINY), tmp_path / "models" / "base")
    folder = tmp_path / "My Style"
    folder.mkdir()
    for n in range(4):
        notes = [Note(60 + (n + i) % 7, 2 * i, 2) for i in range(16)]
        write_midi(Melody(notes), folder / f"tune{n}.mid")
    (folder / "broken.mid").write_bytes(b"not MIDI at all")
    return tmp_path, folder


def learn(*args: str) -> int:
    return main(["learn", *args, "--minutes", "0.005"])


def test_learn_writes_the_model_into_the_models_folder_and_prints_the_figures(setup, capsys):
    root, folder = setup
    assert learn(str(folder), "--from", "base") == 0
    out = capsys.readouterr().out
    assert "4 pieces from 5 files" in out
    assert "could not read broken.mid:" in out
    assert "held-out total bits/note:" in out and "(base) ->" in out
    assert (root / "models" / "My Style.json").is_file()
    assert (root / "models" / "My Style.safetensors").is_file()
    card = json.loads((root / "models" / "My Style.json").read_text())
    assert card["training"]["learned_style"]["base_model"] == "base"


def test_an_existing_name_is_refused_unless_forced(setup, capsys):
    root, folder = setup
    assert learn(str(folder), "--from", "base", "--name", "base") == 1
    assert "a model is already at" in capsys.readouterr().err
    assert learn(str(folder), "--from", "base", "--name", "base", "--force") == 0
    card = json.loads((root / "models" / "base.json").read_text())
    assert card["training"]["learned_style"]["base_model"] == "base"


def test_out_and_json(setup, capsys):
    root, folder = setup
    assert learn(str(folder), "--from", "base", "--out", str(root / "elsewhere" / "m"),
                 "--json") == 0
    result = json.loads(capsys.readouterr().out)
    assert result["path"] == str(root / "elsewhere" / "m.json")
    assert result["pieces"] + result["held_out"] == 4 and result["held_out"] == 1
    assert result["unreadable"][0][0] == "broken.mid"
    assert (root / "elsewhere" / "m.safetensors").is_file()


@pytest.mark.parametrize("make, message", [
    (lambda folder: None, "holds no MIDI, ABC or MusicXML files"),
    (lambda folder: (folder / "x.mid").write_bytes(b"junk"), "no usable melody"),
])
def test_a_folder_without_melodies_is_one_clear_line(setup, capsys, make, message):
    root, _ = setup
    empty = root / "empty"
    empty.mkdir()
    make(empty)
    assert learn(str(empty), "--from", "base") == 1
    err = capsys.readouterr().err
    assert err.startswith("segue-cli: error:") and message in err
    assert sorted(p.name for p in (root / "models").iterdir()) == ["base.json", "base.safetensors"]


def test_bad_minutes_and_names(setup, capsys):
    _, folder = setup
    with pytest.raises(SystemExit):
        main(["learn", str(folder), "--from", "base", "--minutes", "0"])
    assert learn(str(folder), "--from", "base", "--name", "a/b") == 1
    assert "cannot be a model's name" in capsys.readouterr().err
