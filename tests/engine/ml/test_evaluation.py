"""Evaluation: the documented definitions, per melody and summed over a split."""

import math

import pytest
import torch

from segue.engine.corpus import Tune
from segue.engine.encoding import HOLD, REST, EventEncoding
from segue.engine.melody import Melody, Note
from segue.engine.ml.evaluation import (
    Totals,
    accumulate,
    encode_tunes,
    evaluate,
    format_report,
    score,
    score_encoded,
)
from segue.engine.ml.model import ModelConfig, create_model, meter_of, meter_tensor
from tests.engine.ml.test_training import synthetic_tunes

torch.set_num_threads(1)

TINY = ModelConfig(hidden_size=16, token_dim=8, pitch_dim=4, contour_dim=4, meter_dim=4, lookback_dim=4)
MELODY = Melody(
    [Note(60, 2, 4), Note(62, 6, 2), Note(64, 10, 2), Note(65, 12, 4), Note(67, 16, 1)],
    time_signature=(3, 4),
)


@pytest.fixture(scope="module")
def model():
    return create_model(TINY, seed=7)


def test_score_follows_the_definitions(model):
    tokens = EventEncoding().encode(MELODY)  # from the first note: step 2
    with torch.inference_mode():
        logits = model(torch.tensor([tokens]), torch.tensor([2]), meter_tensor([meter_of((3, 4))]))[0]
    log_probs = torch.log_softmax(logits.double(), -1)
    total = pitch = 0.0
    notes = 0
    for t in range(1, len(tokens)):
        row, token = log_probs[t - 1], tokens[t]
        total -= float(row[token]) / math.log(2)
        if token >= 2:
            notes += 1
            pitch -= float(row[token] - torch.logsumexp(row[2:], 0)) / math.log(2)
    result = score(model, MELODY)
    assert result["steps"] == len(tokens) - 1 == MELODY.end - MELODY.start - 1
    assert result["notes"] == notes == 4  # the first note is given, not predicted
    assert result["total_bits"] == pytest.approx(total, rel=1e-6)
    assert result["pitch_bits"] == pytest.approx(pitch, rel=1e-6)
    assert 0 < result["pitch_bits"] < result["total_bits"]


def test_score_is_the_same_in_any_octave_that_fits_and_refuses_what_cannot(model):
    # 24-31 is below the range (36-96): it is scored an octave up, where 36-43 already sits.
    assert score(model, MELODY.transpose(-36)) == score(model, MELODY.transpose(-24))
    with pytest.raises(ValueError, match="spans"):
        score(model, Melody([Note(10, 0, 1), Note(110, 1, 1)]))
    with pytest.raises(ValueError, match="no notes"):
        score(model, Melody())


def test_batched_split_scores_add_up_to_the_single_melody_scores(model):
    tunes = synthetic_tunes(20, seed=3)
    encoded, skipped = encode_tunes(tunes, model.encoding)
    assert skipped == 0
    totals = score_encoded(model, encoded, max_steps=200)  # several padded batches
    singles = [score(model, t.melody) for t in tunes]
    assert totals.tunes == 20
    assert totals.notes == sum(s["notes"] for s in singles)
    assert totals.steps == sum(s["steps"] for s in singles)
    assert totals.total_bits == pytest.approx(sum(s["total_bits"] for s in singles), rel=1e-5)
    assert totals.pitch_bits == pytest.approx(sum(s["pitch_bits"] for s in singles), rel=1e-5)


def test_accuracies_count_the_most_likely_token_by_kind():
    log_probs = torch.log(torch.tensor([
        [0.1, 0.7, 0.1, 0.1],  # HOLD predicted, HOLD came
        [0.6, 0.2, 0.1, 0.1],  # REST predicted, note 2 came
        [0.1, 0.1, 0.2, 0.6],  # note 3 predicted, note 3 came
        [0.5, 0.1, 0.2, 0.2],  # REST predicted, REST came
    ]))
    totals = accumulate(log_probs, torch.tensor([HOLD, 2, 3, REST]), Totals())
    metrics = totals.metrics()
    assert (metrics["onset_accuracy"], metrics["hold_accuracy"], metrics["rest_accuracy"]) == (0.5, 1.0, 1.0)
    assert metrics["notes"] == 2 and metrics["steps"] == 4
    expected_pitch = -(math.log2(0.1 / 0.2) + math.log2(0.6 / 0.8))
    assert totals.pitch_bits == pytest.approx(expected_pitch)
    assert metrics["total_bits_per_note"] == pytest.approx(
        -(math.log2(0.7) + math.log2(0.1) + math.log2(0.6) + math.log2(0.5)) / 2
    )


def test_totals_travel_as_lists():
    totals = Totals(tunes=2, steps=10, notes=4, total_bits=7.5, pitch_bits=3.25, onset_correct=1)
    assert Totals.from_list(totals.as_list()) == totals


def test_unfit_tunes_are_skipped_and_counted(model):
    tunes = synthetic_tunes(5) + [Tune("wide", Melody([Note(10, 0, 2), Note(120, 2, 2)]))]
    encoded, skipped = encode_tunes(tunes, model.encoding)
    assert len(encoded) == 5 and skipped == 1


def test_evaluate_reports_the_model_beside_the_ngram(model):
    splits = {
        "train": synthetic_tunes(40, seed=1),
        "validation": synthetic_tunes(10, seed=2),
        "test": synthetic_tunes(10, seed=3) + [Tune("wide", Melody([Note(10, 0, 2), Note(120, 2, 2)]))],
    }
    result = evaluate(model, "synthetic", "test", tunes_by_split=splits, max_order=4)
    keys = {"total_bits_per_note", "pitch_bits_per_note", "bits_per_step", "onset_accuracy",
            "hold_accuracy", "rest_accuracy", "tunes", "notes", "steps"}
    assert keys <= set(result["model"]) and keys <= set(result["ngram"])
    assert result["skipped"] == 1 and result["model"]["tunes"] == 10
    assert result["ngram"]["notes"] == result["model"]["notes"]
    assert result["ngram"]["steps"] == result["model"]["steps"]
    assert 1 <= result["ngram"]["order"] <= 4
    # On this very regular corpus an n-gram does far better than an untrained LSTM.
    assert result["ngram"]["total_bits_per_note"] < result["model"]["total_bits_per_note"]
    report = format_report(result)
    assert "LSTM" in report and "-gram KN" in report and "pitch bits/note" in report


def test_evaluate_reads_the_corpus_on_the_models_grid(monkeypatch):
    import dataclasses

    from segue.engine import corpus
    from segue.engine.grid import regrid

    asked = []

    def load_corpus(name, split=None, cache_dir=None, grid=4):
        asked.append(grid)
        return [Tune(t.id, regrid(t.melody, grid)) for t in synthetic_tunes(4, seed=3)]

    monkeypatch.setattr(corpus, "load_corpus", load_corpus)
    triplet_model = create_model(dataclasses.replace(TINY, steps_per_quarter=12), seed=7)
    result = evaluate(triplet_model, "synthetic", "test", baseline=False)
    assert asked == [12] and result["model"]["tunes"] == 4 and result["skipped"] == 0


def test_evaluate_refuses_an_empty_split(model):
    with pytest.raises(ValueError, match="no usable tunes"):
        evaluate(model, "x", "test", tunes_by_split={"test": []}, baseline=False)


# Notes one step long and back to back: every scored step is a note-on, so the notes' bits
# are all the bits. Three bars of the same phrase: following the seed has matches to use.
PHRASE = [60, 62, 64, 65, 67, 65, 64, 62, 60, 67, 64, 60]
BACK_TO_BACK = Melody([Note(p, i, 1) for i, p in enumerate(PHRASE * 3)], time_signature=(3, 4))


@pytest.mark.parametrize("follow_seed", [0.0, 1.0])
def test_per_note_bits_add_up_to_the_totals(model, follow_seed):
    result = score(model, BACK_TO_BACK, follow_seed=follow_seed, per_note=True)
    whole = score(model, BACK_TO_BACK, follow_seed=follow_seed)
    assert {k: result[k] for k in whole} == pytest.approx(whole)
    count = len(BACK_TO_BACK.notes)
    assert len(result["note_bits"]) == len(result["note_pitch_bits"]) == len(result["expected"]) == count
    assert result["note_bits"][0] is result["note_pitch_bits"][0] is result["expected"][0] is None
    assert sum(result["note_bits"][1:]) == pytest.approx(result["total_bits"], rel=1e-9)
    assert sum(result["note_pitch_bits"][1:]) == pytest.approx(result["pitch_bits"], rel=1e-9)
    for bits, pitch_bits, expected in zip(result["note_bits"][1:], result["note_pitch_bits"][1:],
                                          result["expected"][1:]):
        assert bits >= pitch_bits > 0
        probabilities = [p for _pitch, p in expected]
        assert len(expected) == 3 and probabilities == sorted(probabilities, reverse=True)
        assert 0 < sum(probabilities) <= 1 + 1e-9


def test_per_note_bits_fall_where_the_phrase_repeats_when_following(model):
    plain = score(model, BACK_TO_BACK, per_note=True)["note_bits"]
    following = score(model, BACK_TO_BACK, follow_seed=1.0, per_note=True)["note_bits"]
    assert following[1:12] == pytest.approx(plain[1:12])  # nothing to match yet
    assert sum(following[24:]) < sum(plain[24:])  # the third bar repeats the first two


def test_per_note_expectations_are_in_the_melodys_own_pitches(model):
    # Below the range, a melody is scored an octave or more up; what it expected comes back down.
    low = score(model, MELODY.transpose(-36), per_note=True)["expected"]
    higher = score(model, MELODY.transpose(-24), per_note=True)["expected"]
    for a, b in zip(low[1:], higher[1:]):
        assert [(pitch + 12, p) for pitch, p in a] == b
