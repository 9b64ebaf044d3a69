"""The stepper: one step at a time gives exactly the full-sequence pass's logits."""

import dataclasses
import random

import pytest
import torch

from segue.engine.encoding import REST
from segue.engine.ml.model import ModelConfig, create_model, meter_of
from segue.engine.ml.stepper import Stepper
from tests.engine.ml.test_model import SMALL, full_logits, random_tokens

torch.set_num_threads(1)


@pytest.mark.parametrize(
    "config",
    [
        SMALL,
        ModelConfig(hidden_size=16, num_layers=1, token_dim=8, pitch_dim=0, contour_dim=0, meter_dim=0,
                    lookback_dim=0, relative_head=False, layer_norm=False),
        ModelConfig(hidden_size=16, num_layers=3, token_dim=8, pitch_dim=4, contour_dim=0, meter_dim=4,
                    lookback_dim=4, relative_head=True, layer_norm=False),
        # Step tables smaller than a bar, a beat and a note: the clamped rows step alike.
        dataclasses.replace(SMALL, bar_rows=5, beat_phase_rows=3, since_rows=2),
    ],
    ids=["all-features", "plain", "three-layers", "small-step-tables"],
)
@pytest.mark.parametrize("time_signature, offset", [((3, 4), 5), ((6, 8), 0), ((4, 4), 13)])
def test_stepping_gives_the_full_sequence_logits(config, time_signature, offset):
    model = create_model(config, seed=1)
    meter = meter_of(time_signature)
    tokens = random_tokens(70, random.Random(offset))
    full = full_logits(model, tokens, offset, meter)
    with torch.inference_mode():
        stepper = Stepper(model, 2, offset, meter)
        stepped = torch.stack([stepper.feed([t, t])[1].clone() for t in tokens])
    finite = torch.isfinite(full)
    assert torch.equal(finite, torch.isfinite(stepped))
    assert torch.allclose(full[finite], stepped[finite], atol=1e-4)


def test_a_step_fed_without_logits_moves_the_lstm_on_just_the_same():
    model = create_model(SMALL, seed=5)
    meter = meter_of((4, 4), 12)
    tokens = random_tokens(40, random.Random(3))
    full = full_logits(model, tokens, 0, meter)
    with torch.inference_mode():
        stepper = Stepper(model, 2, 0, meter)
        for t, token in enumerate(tokens):
            logits = stepper.feed([token, token], logits=t % 3 == 2)  # two in three skip the head
            if t % 3 == 2:
                assert torch.allclose(logits[1], full[t], atol=1e-4)
            else:
                assert logits is None


def test_a_run_of_steps_fed_at_once_gives_the_logits_of_feeding_them_one_by_one():
    model = create_model(SMALL, seed=6)
    meter = meter_of((6, 8), 12)
    tokens = random_tokens(30, random.Random(4))
    with torch.inference_mode():
        one, runs = Stepper(model, 2, 5, meter), Stepper(model, 2, 5, meter)
        for start in range(0, 30, 3):
            for token in tokens[start:start + 3]:
                expected = one.feed([token, token]).clone()
            got = runs.feed_run([[token, token] for token in tokens[start:start + 3]])
            finite = torch.isfinite(expected)
            assert torch.equal(finite, torch.isfinite(got))
            assert torch.allclose(got[finite], expected[finite], atol=1e-5)


def test_a_step_never_sees_the_steps_after_it():
    """No leakage from the future through the lookback, contour or repeat features: changing
    the tokens from step k on leaves every distribution before step k as it was."""
    model = create_model(SMALL, seed=4).eval()
    rng = random.Random(9)
    meter = meter_of((3, 4))
    tokens = random_tokens(80, rng)
    base = full_logits(model, tokens, 2, meter)
    for k in (1, 17, 40, 79):
        changed = tokens[:k] + random_tokens(80 - k, random.Random(k))
        assert changed != tokens
        other = full_logits(model, changed, 2, meter)
        torch.testing.assert_close(other[:k], base[:k], rtol=0, atol=1e-6)
        assert not torch.allclose(other[k:], base[k:])  # the future does change what follows


def test_stepping_matches_before_the_first_note_too():
    model = create_model(SMALL, seed=5)
    meter = meter_of((4, 4))
    tokens = [REST, REST, REST] + random_tokens(30, random.Random(8))
    full = full_logits(model, tokens, 1, meter)
    with torch.inference_mode():
        stepper = Stepper(model, 1, 1, meter)
        stepped = torch.stack([stepper.feed([t])[0].clone() for t in tokens])
    finite = torch.isfinite(full)
    assert torch.allclose(full[finite], stepped[finite], atol=1e-4)


def test_priming_with_a_seed_then_stepping_matches_too():
    model = create_model(SMALL, seed=2)
    meter = meter_of((2, 4))
    tokens = random_tokens(60, random.Random(3))
    full = full_logits(model, tokens, 3, meter)
    with torch.inference_mode():
        stepper = Stepper(model, 3, 3, meter)
        rows = [stepper.prime(tokens[:25])[2].clone()]
        rows += [stepper.feed([t] * 3)[0].clone() for t in tokens[25:]]
    stepped = torch.stack(rows)
    finite = torch.isfinite(full[24:])
    assert torch.allclose(full[24:][finite], stepped[finite], atol=1e-4)


def test_stepping_follows_weight_changes():
    model = create_model(SMALL, seed=2)
    meter = meter_of((4, 4))
    with torch.inference_mode():
        before = Stepper(model, 1, 0, meter).feed([10]).clone()
    with torch.no_grad():
        model.head.bias[5] += 3.0
    with torch.inference_mode():
        after = Stepper(model, 1, 0, meter).feed([10])
    assert after[0, 5] - before[0, 5] == pytest.approx(3.0, abs=1e-4)


def test_a_primed_seed_is_reused_until_the_weights_change():
    model = create_model(SMALL, seed=2)
    meter = meter_of((4, 4))
    tokens = random_tokens(20, random.Random(4))
    with torch.inference_mode():
        first = Stepper(model, 2, 0, meter).prime(tokens).clone()
        again = Stepper(model, 3, 0, meter).prime(tokens)
        assert torch.equal(first[0], again[2])
        with torch.no_grad():
            model.head.bias[7] += 1.0
        changed = Stepper(model, 2, 0, meter).prime(tokens)
    assert changed[0, 7] - first[0, 7] == pytest.approx(1.0, abs=1e-5)
    torch.testing.assert_close(changed, full_logits(model, tokens, 0, meter)[-1:].expand(2, -1), rtol=0, atol=1e-5)
