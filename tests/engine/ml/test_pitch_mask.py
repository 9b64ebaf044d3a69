"""The key lock's fold: a pitch outside the scale hands its probability to its in-scale
neighbours, not to HOLD, REST or far-away pitches."""

import math

import pytest
import torch

from segue.engine.encoding import FIRST_PITCH_TOKEN, HOLD, REST
from segue.engine.ml.model import ModelConfig, create_model
from segue.engine.ml.pitch_mask import ScaleFold, allowed_pitch_bias, pitch_bounds


@pytest.fixture(scope="module")
def model():
    return create_model(ModelConfig(hidden_size=8, token_dim=4, pitch_dim=4, contour_dim=4,
                                    meter_dim=4, lookback_dim=4), seed=1)


def token(model, pitch):
    return model.encoding.pitch_to_token(pitch)


def scores_wanting(model, wanted: dict[int, float]) -> torch.Tensor:
    """Log-probabilities with the given token -> probability; the rest share what is left."""
    probs = torch.full((model.encoding.num_tokens,), 0.0)
    for tok, p in wanted.items():
        probs[tok] = p
    rest = (1 - sum(wanted.values())) / (len(probs) - len(wanted))
    probs[probs == 0] = rest
    return probs.log()


def test_a_chromatic_note_is_split_between_its_scale_neighbours(model):
    fold = ScaleFold(model, 0, "C major", None)
    scores = scores_wanting(model, {token(model, 61): 0.6, HOLD: 0.1, REST: 0.1})
    folded = fold(scores).exp()
    assert folded[token(model, 61)] == 0
    assert math.isclose(folded.sum().item(), 1.0, rel_tol=1e-5)
    # HOLD and REST keep their share; C and D each gain half of C#'s.
    assert math.isclose(folded[HOLD].item(), scores[HOLD].exp().item(), rel_tol=1e-4)
    gained = folded[token(model, 60)] - scores[token(model, 60)].exp()
    assert math.isclose(gained.item(), 0.3, abs_tol=0.01)
    assert all(folded[token(model, p)] == 0 for p in range(model.encoding.min_pitch, 97) if p % 12 in (1, 3, 6, 8, 10))


def test_a_folded_note_moves_away_from_the_note_just_played(model):
    fold = ScaleFold(model, 0, "C major", None)
    fold.follow_played([REST, token(model, 62), HOLD], batch=2)
    fold.played(torch.tensor([token(model, 60), HOLD]))  # row 0 played C, row 1 still D
    scores = scores_wanting(model, {token(model, 61): 0.9}).expand(2, -1)
    folded = fold(scores).exp()
    c, d = token(model, 60), token(model, 62)
    assert folded[0, d] > 0.85 and folded[0, c] < 0.05  # from C: C# meant moving up, to D
    assert folded[1, c] > 0.85 and folded[1, d] < 0.05  # from D: down, to C


def test_the_range_is_a_hard_mask_not_a_fold(model):
    fold = ScaleFold(model, 0, "C major", (60, 64))
    scores = scores_wanting(model, {token(model, 66): 0.5, token(model, 65): 0.2})
    folded = fold(scores).exp()
    assert folded[token(model, 65)] == 0 and folded[token(model, 66)] == 0
    assert math.isclose(folded.sum().item(), 1.0, rel_tol=1e-5)
    allowed = allowed_pitch_bias(model, 0, "C major", (60, 64))
    assert {p for p in range(36, 97) if allowed[token(model, p)] == 0} == {60, 62, 64}


def test_shifted_frames_lock_the_continuations_own_pitches(model):
    # The model plays two semitones up (shift 2): its token for 62 is the continuation's C.
    bias = allowed_pitch_bias(model, 2, "C major", None)
    assert bias[token(model, 62)] == 0 and bias[token(model, 63)] == float("-inf")


@pytest.mark.parametrize("pitch_range, message", [((70, 60), "not a valid"), ("x", "two MIDI pitches")])
def test_bad_ranges_are_refused(pitch_range, message):
    with pytest.raises(ValueError, match=message):
        pitch_bounds(pitch_range)


def test_first_pitch_token_is_after_rest_and_hold():
    assert FIRST_PITCH_TOKEN > max(REST, HOLD)


def test_a_pitch_with_no_neighbour_in_range_is_dropped_and_the_rest_renormalised(model):
    # Range 59-61 in C major: B and C are in, C# (61) has C below but D (62) is out of range.
    fold = ScaleFold(model, 0, "C major", (59, 61))
    scores = scores_wanting(model, {token(model, 61): 0.5, token(model, 59): 0.1, HOLD: 0.1})
    folded = fold(scores).exp()
    assert folded[token(model, 61)] == 0 and math.isclose(folded.sum().item(), 1.0, rel_tol=1e-5)
    assert folded[token(model, 60)] > 0.45  # all of C#'s share: C is its only neighbour
    lonely = ScaleFold(model, 0, "C major", (61, 62))  # C# with D only
    assert lonely(scores_wanting(model, {token(model, 61): 0.9})).exp()[token(model, 62)] > 0.85
