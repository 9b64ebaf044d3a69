"""The shipped models: every one loads by name, with its card, curves, openings and the test
figures its card reports; `bach` is listed after the default and knows how `folk` did on its
test notes."""

import json

import pytest

from segue import engine
from segue.engine.ml.catalog import DEFAULT_MODEL, model_path, shipped_models
from segue.engine.openings import read_openings

FIGURES = ("total_bits_per_note", "pitch_bits_per_note", "notes")


def card(name: str) -> dict:
    return json.loads(model_path(name).with_suffix(".json").read_text())


def test_the_default_comes_first_and_bach_is_shipped():
    names = shipped_models()
    assert names[0] == DEFAULT_MODEL
    assert {"folk", "irish", "bach"} <= set(names)


@pytest.mark.parametrize("name", shipped_models())
def test_a_shipped_model_is_complete(name):
    base = model_path(name)
    for suffix in (".md", ".png", ".openings.json"):
        assert base.with_name(base.name + suffix).is_file(), suffix
    assert read_openings(name)
    test = card(name)["metrics"]["test"]
    assert all(test[key] > 0 for key in FIGURES)


def test_bach_loads_by_name_and_its_card_carries_test_metrics():
    model = engine.load_model("bach")
    info = card("bach")
    assert model.config.to_json() == info["config"]
    metrics = info["metrics"]
    assert metrics["test"]["corpus"] == "bach" and metrics["test"]["split"] == "test"
    assert metrics["test_ngram_baseline"]["notes"] == metrics["test"]["notes"]
    # folk measured on the same notes, so the card's comparison is like for like
    folk = metrics["test_folk_same_notes"]
    assert folk["model"] == "folk" and folk["notes"] == metrics["test"]["notes"]
    assert metrics["test"]["total_bits_per_note"] < folk["total_bits_per_note"]


@pytest.mark.parametrize("name", shipped_models())
def test_a_shipped_style_plays_straight_pieces_with_its_model_from_before_the_triplet_grid(name):
    model = engine.load_model(name, device="cpu")
    straight = model.straight_model
    assert model.config.steps_per_quarter == 12 and straight.config.steps_per_quarter == 4
    folder = model_path(name).parent / "straight"
    for suffix in (".md", ".png"):
        assert (folder / f"{name}{suffix}").is_file(), suffix
    # The 12-step card reports this model's figures on the same straight test notes.
    assert json.loads((folder / f"{name}.json").read_text())["metrics"]["test"]["notes"] > 0


def test_a_straight_seed_is_continued_by_the_straight_model_a_triplet_seed_by_the_style():
    from segue.engine.grid import regrid  # noqa: PLC0415
    from segue.engine.melody import Melody, Note  # noqa: PLC0415
    from segue.engine.ml.sampling import generate  # noqa: PLC0415

    folk = engine.load_model("folk", device="cpu")
    seed = Melody([Note(p, 2 * i, 2) for i, p in enumerate([67, 69, 71, 72, 74, 72, 71, 69])])
    written = generate(folk, seed, 32, variations=3, rng_seed=4)
    assert written == generate(folk.straight_model, seed, 32, variations=3, rng_seed=4)
    assert all(m.steps_per_quarter == 4 for m in written)
    on_12 = generate(folk, regrid(seed, 12), 96, variations=3, rng_seed=4)
    assert all(m.steps_per_quarter == 12 for m in on_12)  # a triplet piece: the 12-step model
