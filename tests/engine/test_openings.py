"""Openings: bar-aligned phrases from the validation split only, shipped beside a model."""

import random

import pytest

from segue.engine.corpus import Tune
from segue.engine.grid import holds_triplets, regrid
from segue.engine.melody import Melody, Note
from segue.engine.ml import catalog
from segue.engine.openings import (
    corpus_openings,
    opening_of,
    openings_path,
    random_opening,
    read_openings,
)
from segue.engine.session import SessionError, melodies_to_json


def tune_melody(first_start=0, bars=6, time_signature=(4, 4)):
    melody = Melody(time_signature=time_signature)
    bar = melody.steps_per_bar
    notes = [Note(60 + i % 7, first_start + i * 2, 2) for i in range((bars * bar - first_start) // 2)]
    return melody.with_notes(notes)


def test_opening_cuts_at_bar_lines():
    opening = opening_of(tune_melody(), 2)
    assert opening.start == 0 and opening.end == 32
    assert len(opening.notes) == 16


def test_pickup_comes_with_the_bars_after_it():
    melody = tune_melody(first_start=8, time_signature=(3, 4))
    opening = opening_of(melody, 2)
    assert opening.notes[0].start == 8  # still a pickup before the bar line at 12
    assert opening.end == 36 and opening.time_signature == (3, 4)
    with pytest.raises(ValueError):
        opening_of(melody, 0)


def test_only_validation_tunes_are_used():
    tunes = [Tune(f"t/{i}.abc:1", tune_melody()) for i in range(200)]
    openings = corpus_openings(tunes, count=500)
    validation = [t for t in tunes if t.split == "validation"]
    assert 0 < len(openings) == len(validation)
    assert all(2 * 16 <= o.end <= 4 * 16 for o in openings)
    assert corpus_openings(tunes, count=5, rng_seed=3) == corpus_openings(tunes, count=5, rng_seed=3)


def test_openings_of_a_12_step_corpus_keep_triplets_and_straight_ones_go_back_to_4():
    straight = [Tune(f"s/{i}.abc:1", regrid(tune_melody(), 12)) for i in range(60)]
    triplet = Melody(steps_per_quarter=12).with_notes(  # eighth-note triplets, 6 bars
        [Note(60 + i % 5, 4 * i, 4) for i in range(6 * 48 // 4)])
    tunes = straight + [Tune(f"t/{i}.abc:1", triplet) for i in range(60)]
    openings = corpus_openings(tunes, count=500)
    grids = {o.steps_per_quarter for o in openings}
    assert grids == {4, 12}
    assert all(holds_triplets(o) for o in openings if o.steps_per_quarter == 12)


def test_openings_ship_beside_their_model(tmp_path, monkeypatch):
    monkeypatch.setenv(catalog.MODELS_DIR_ENV, str(tmp_path))
    assert openings_path("folk") == tmp_path / "folk.openings.json"
    assert openings_path(str(tmp_path / "runs" / "mine.safetensors")) == tmp_path / "runs" / "mine.openings.json"
    phrases = [opening_of(tune_melody(), 2), opening_of(tune_melody(time_signature=(3, 4)), 2)]
    (tmp_path / "folk.openings.json").write_text(melodies_to_json(phrases))
    assert read_openings("folk") == phrases
    assert random_opening("folk", random.Random(1)) in phrases


def test_missing_or_empty_openings_name_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv(catalog.MODELS_DIR_ENV, str(tmp_path))
    with pytest.raises(SessionError, match="folk.openings.json does not exist: model folk ships no"):
        read_openings("folk")
    (tmp_path / "folk.openings.json").write_text(melodies_to_json([]))
    with pytest.raises(SessionError, match="folk.openings.json holds no opening phrases"):
        read_openings("folk")
