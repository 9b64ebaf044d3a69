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
