"""Finding models: names and paths, the models folder, the default first; no torch needed."""

import subprocess
import sys
from pathlib import Path

import pytest

from segue.engine.ml import catalog
from segue.engine.ml.catalog import (
    DEFAULT_MODEL,
    available_models,
    display_name,
    is_model_file,
    model_folders,
    model_path,
    model_paths,
    models_dir,
    shipped_models,
    user_models_dir,
)

ROOT = Path(__file__).resolve().parents[3]


def make_model(folder: Path, name: str, weights=True, card=True) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if weights:
        (folder / f"{name}.safetensors").write_bytes(b"w")
    if card:
        (folder / f"{name}.json").write_text("{}")


def test_model_paths_accept_either_file_or_the_base_name(tmp_path):
    expected = (tmp_path / "folk.v2.json", tmp_path / "folk.v2.safetensors")
    assert model_paths(tmp_path / "folk.v2") == expected
    assert model_paths(tmp_path / "folk.v2.json") == expected
    assert model_paths(tmp_path / "folk.v2.safetensors") == expected


def test_the_models_folder_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv(catalog.MODELS_DIR_ENV, raising=False)
    assert models_dir() == ROOT / "models"
    monkeypatch.setenv(catalog.MODELS_DIR_ENV, str(tmp_path))
    assert models_dir() == tmp_path


@pytest.fixture
def two_folders(tmp_path, monkeypatch):
    """(shipped, user): the shipped models' folder and the user's, as a user has them."""
    monkeypatch.delenv(catalog.MODELS_DIR_ENV, raising=False)
    monkeypatch.setattr(catalog, "shipped_models_dir", lambda: tmp_path / "shipped")
    monkeypatch.setattr(catalog, "user_models_dir", lambda: tmp_path / "user")
    return tmp_path / "shipped", tmp_path / "user"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG folders are Linux's")
def test_the_users_models_live_in_the_users_data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert user_models_dir() == tmp_path / "Segue" / "models"


def test_user_models_are_listed_after_the_shipped_ones_and_found_by_name(two_folders):
    shipped, user = two_folders
    make_model(shipped, "irish")
    make_model(shipped, DEFAULT_MODEL)
    make_model(user, "mine")
    make_model(user, DEFAULT_MODEL)  # hidden: the shipped one of that name wins
    make_model(user, "half", card=False)
    assert available_models() == [DEFAULT_MODEL, "irish", "mine"]
    assert model_path("mine") == user / "mine"
    assert model_path(DEFAULT_MODEL) == shipped / DEFAULT_MODEL
    assert model_path("unknown") == shipped / "unknown"  # where an error message points


def test_no_user_folder_yet_lists_the_shipped_models(two_folders):
    make_model(two_folders[0], DEFAULT_MODEL)
    assert available_models() == [DEFAULT_MODEL]


def test_the_models_folder_setting_replaces_both_folders(two_folders, tmp_path, monkeypatch):
    make_model(two_folders[1], "mine")
    make_model(tmp_path / "elsewhere", "other")
    monkeypatch.setenv(catalog.MODELS_DIR_ENV, str(tmp_path / "elsewhere"))
    assert model_folders() == [tmp_path / "elsewhere"]
    assert available_models() == ["other"]


def test_shipped_models_are_complete_pairs_with_the_default_first(tmp_path):
    make_model(tmp_path, "bach")
    make_model(tmp_path, DEFAULT_MODEL)
    make_model(tmp_path, "folk.v2")
    make_model(tmp_path, "no-card", card=False)
    make_model(tmp_path, "no-weights", weights=False)
    (tmp_path / "folk.openings.json").write_text("[]")
    assert shipped_models(tmp_path) == [DEFAULT_MODEL, "bach", "folk.v2"]
    assert shipped_models(tmp_path / "missing") == []


def test_a_name_means_a_shipped_model_and_a_path_means_a_file(tmp_path, monkeypatch):
    monkeypatch.setenv(catalog.MODELS_DIR_ENV, str(tmp_path / "models"))
    assert not is_model_file("folk") and not is_model_file("folk.v2")
    assert is_model_file("runs/folk") and is_model_file("folk.json") and is_model_file("x.safetensors")
    assert model_path("folk") == tmp_path / "models" / "folk"
    assert model_path("folk", folder=tmp_path / "elsewhere") == tmp_path / "elsewhere" / "folk"
    assert model_path(str(tmp_path / "runs" / "mine.safetensors")) == tmp_path / "runs" / "mine"
    assert model_path(str(tmp_path / "runs" / "mine.v2")) == tmp_path / "runs" / "mine.v2"


def test_a_name_not_shipped_but_in_the_current_folder_means_that_one(tmp_path, monkeypatch):
    monkeypatch.setenv(catalog.MODELS_DIR_ENV, str(tmp_path / "models"))
    make_model(tmp_path / "models", "folk")
    make_model(tmp_path, "mine")
    make_model(tmp_path, "folk")
    monkeypatch.chdir(tmp_path)
    assert model_path("mine") == Path("mine")
    assert model_path("folk") == tmp_path / "models" / "folk"  # the shipped one wins


@pytest.mark.parametrize(
    "given, name",
    [("folk", "folk"), ("folk.v2", "folk.v2"), ("runs/folk.v2.json", "folk.v2"),
     ("/m/deep.safetensors", "deep")],
)
def test_display_name_is_the_file_name_without_suffix(given, name):
    assert display_name(given) == name


def test_the_catalog_loads_no_torch():
    code = ("import sys, segue.engine.ml.catalog, segue.engine.ml.request, segue.engine.ml.options; "
            "print('torch' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


def test_a_models_card_summary_is_its_opening_paragraphs(tmp_path, monkeypatch):
    monkeypatch.setenv(catalog.MODELS_DIR_ENV, str(tmp_path))
    (tmp_path / "mine.md").write_text(
        "# Model card: mine\n\nLearnt from `~/tunes` on 2026-12-07: 60 files.\n\n"
        "| before | after |\n\n## Training\n\nlong text\n", encoding="utf-8")
    assert catalog.card_summary("mine") == (
        "Learnt from ~/tunes on 2026-12-07: 60 files.\n\n| before | after |\n\nlong text")
    assert catalog.card_summary("mine", max_chars=20) == "Learnt from ~/tunes…"
    assert catalog.card_summary("none") == ""  # no card: no summary, no error
