import json
import sys
import types

import numpy as np
import pytest

from segue.engine import harmony_beats as hb
from segue.engine.chords import SuggestedChord, check_chords, majmin
from segue.engine.cli import main
from segue.engine.harmony import harmonize
from segue.engine.melody import Melody, Note
from tests.engine.harmony_fixtures import tune, write_tiny_nottingham

MODELS = (None, "hmm")


def covers(chords, melody):
    check_chords(chords)
    assert chords[0].start == 0 and chords[-1].end == melody.bar_end(melody.end)
    assert all(a.end == b.start for a, b in zip(chords, chords[1:]))
    assert all(a.symbol != b.symbol for a, b in zip(chords, chords[1:]))  # equal beats merged


@pytest.mark.parametrize("model", MODELS)
def test_the_chords_cover_the_melody_and_fit_it(model):
    melody, written = tune(2, "I IV V I I V I I")  # D major
    chords = harmonize(melody, model=model)
    covers(chords, melody)
    assert all(isinstance(c, SuggestedChord) and 0 < c.probability <= 1 for c in chords)
    by_beat = hb.chords_at_beats(melody, chords)
    truth = hb.chords_at_beats(melody, written)
    right = sum(majmin(a) == majmin(b) for a, b in zip(by_beat, truth))
    assert right / len(truth) >= 0.75, [c.symbol for c in chords]


@pytest.mark.parametrize("model", MODELS)
def test_a_pickup_and_compound_meter(model):
    melody = Melody([Note(62, 4, 2), Note(67, 6, 4), Note(71, 10, 2), Note(74, 12, 6),
                     Note(72, 18, 3), Note(69, 21, 3), Note(66, 24, 6)],
                    time_signature=(6, 8), key="G major")
    covers(harmonize(melody, model=model), melody)


@pytest.mark.parametrize("model", MODELS)
def test_alternatives_carry_sorted_probabilities(model):
    melody = tune(9, "I V IV I V I")[0]
    for count in (1, 3):
        chords = harmonize(melody, model=model, alternatives=count)
        for chord in chords:
            assert 1 <= len(chord.alternatives) <= count
            probabilities = [p for _, p in chord.alternatives]
            assert probabilities == sorted(probabilities, reverse=True)
            assert chord.probability + sum(probabilities) <= 1 + 1e-9
            assert chord.symbol not in [s for s, _ in chord.alternatives]
    assert all(c.alternatives == () for c in harmonize(melody, model=model))
    with pytest.raises(ValueError, match="alternatives"):
        harmonize(melody, model=model, alternatives=-1)


@pytest.mark.parametrize("model", MODELS)
def test_an_rng_seed_samples_repeatably(model):
    melody = Melody([Note(60 + (i * 7) % 12, 4 * i, 4) for i in range(32)], key="C major")
    best = harmonize(melody, model=model)
    assert harmonize(melody, model=model) == best  # deterministic without a seed
    drawn = [harmonize(melody, model=model, rng_seed=seed) for seed in range(6)]
    assert drawn[:3] == [harmonize(melody, model=model, rng_seed=seed) for seed in range(3)]
    assert any(d != best for d in drawn)
    for chords in drawn:
        covers(chords, melody)


class Tonic:
    """A fake harmonizer that always prefers the tonic's major chord."""

    def __init__(self):
        self.features = None

    def chain(self, features):
        self.features = features
        scores = np.full((len(features), hb.CLASSES), -5.0)
        scores[:, 1] = 0.0
        return scores, np.zeros(hb.CLASSES), np.zeros((2, hb.CLASSES, hb.CLASSES)), \
            features[:, hb.DOWNBEAT] > 0


def test_the_key_given_overrides_the_melody_s():
    melody = tune(0)[0]  # C major
    fake = Tonic()
    assert [c.symbol for c in harmonize(melody, model=fake)] == ["C"]
    assert fake.features[:, hb.MINOR].max() == 0
    assert [c.symbol for c in harmonize(melody, model=fake, key="G major")] == ["G"]
    assert [c.symbol for c in harmonize(melody, model=fake, key="Bb minor")] == ["Bb"]
    assert fake.features[:, hb.MINOR].min() == 1
    scale = Melody([Note(p, 4 * i, 4) for i, p in enumerate((67, 69, 71, 72, 74, 76, 78, 79, 74, 71, 67))])
    assert scale.detect_key() == "G major"
    assert [c.symbol for c in harmonize(scale, model=fake)] == ["G"]  # the key found
    with pytest.raises(ValueError, match="key"):
        harmonize(melody, model=fake, key="H major")


def test_an_empty_melody_has_no_chords():
    assert harmonize(Melody([])) == []
    assert harmonize(Melody([]), model="hmm", alternatives=2, rng_seed=1) == []


def test_suggested_chords_keep_their_alternatives_when_one_is_picked():
    chord = SuggestedChord(0, 4, "G", probability=0.6, alternatives=(("Em", 0.3), ("C", 0.1)))
    picked = chord.with_symbol("Em")
    assert picked.symbol == "Em" and picked.alternatives == chord.alternatives
    with pytest.raises(ValueError, match="probability"):
        SuggestedChord(0, 4, "G", probability=1.5)
    with pytest.raises(ValueError, match="not a chord"):
        SuggestedChord(0, 4, "G", alternatives=(("H", 0.1),))


def test_evaluate_harmony_on_a_tiny_corpus(tmp_path, capsys, monkeypatch):
    write_tiny_nottingham(tmp_path)
    monkeypatch.setitem(sys.modules, "segue.engine.ml.chord_eval", None)  # not importable
    assert main(["evaluate", "--harmony", "--cache-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "harmony on nottingham test" in out and "bar-aware HMM baseline" in out
    assert "chord-aware melody model: not available" in out
    # with the chord-aware model's report there
    fake = types.SimpleNamespace(chord_bits_report=lambda **kw: {
        "bits_with_chords": 2.5, "bits_without_chords": 2.75, "split": kw["split"]})
    monkeypatch.setitem(sys.modules, "segue.engine.ml.chord_eval", fake)
    monkeypatch.setattr("segue.engine.ml.catalog.available_models", lambda: ["nottingham"])
    assert main(["evaluate", "--harmony", "--json", "--cache-dir", str(tmp_path)]) == 0
    result = json.loads(capsys.readouterr().out)
    for name in ("harmonizer", "hmm", "naive_bayes", "most_frequent"):
        assert 0 <= result[name]["majmin"] <= 1 and result[name]["beats"] > 0
    assert result["harmonizer"]["majmin"] >= 0.75  # the tiny tunes are I-IV-V
    assert result["chord_model"]["bits_with_chords"] == 2.5
    fake.format_chord_report = lambda bits: f"with chords {bits['bits_with_chords']} bits"
    assert main(["evaluate", "--harmony", "--cache-dir", str(tmp_path)]) == 0
    assert "chord-aware melody model:\n    with chords 2.5 bits" in capsys.readouterr().out
