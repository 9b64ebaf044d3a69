"""Generation: controls do what they promise, results are reproducible, stopping is prompt."""

import math
from collections import Counter

import pytest
import torch

from segue.engine import keys
from segue.engine.encoding import HOLD, REST
from segue.engine.melody import Melody, Note
from segue.engine.ml.model import ModelConfig, create_model
from segue.engine.ml.options import REST_WEIGHT, GenerationOptions
from segue.engine.ml.sampling import (
    GenerationCancelled,
    _Controls,
    generate,
    iter_generate,
    rest_log_factor,
    steps_for_bars,
)

torch.set_num_threads(1)

TINY = ModelConfig(hidden_size=24, token_dim=8, pitch_dim=4, contour_dim=4, meter_dim=4, lookback_dim=4)


@pytest.fixture(scope="module")
def model():
    """A random model whose output favours REST and HOLD like real melodies (about a fifth of
    the steps rest when nothing is changed), so the controls have something to act on."""
    built = create_model(TINY, seed=3)
    with torch.no_grad():
        built.head.bias[REST] += 3.0
        built.head.bias[HOLD] += 4.0
    return built


SEED = Melody(
    [Note(62, 4, 4), Note(64, 8, 2), Note(66, 10, 2), Note(67, 12, 4, velocity=80), Note(69, 16, 8)],
    time_signature=(3, 4), tempo=96.0, key="D major",
)


def rest_fraction(melody: Melody, start: int, steps: int) -> float:
    covered = sum(min(n.end, start + steps) - n.start for n in melody.notes)
    return 1 - covered / steps


def test_continuation_starts_after_the_seed_and_carries_its_fields(model):
    [melody] = generate(model, SEED, 24, rng_seed=1)
    assert melody.notes and melody.notes[0].start >= SEED.end
    assert melody.end <= SEED.end + 24
    assert (melody.time_signature, melody.tempo, melody.key, melody.steps_per_quarter) == (
        (3, 4), 96.0, "D major", 4
    )
    assert {n.velocity for n in melody.notes} == {100}  # the seed's median velocity


def test_same_seed_and_settings_give_the_same_notes(model):
    a = generate(model, SEED, 40, variations=3, rng_seed=11, temperature=1.2)
    b = generate(model, SEED, 40, variations=3, rng_seed=11, temperature=1.2)
    c = generate(model, SEED, 40, variations=3, rng_seed=12, temperature=1.2)
    assert a == b
    assert a != c
    assert len({m.notes for m in a}) > 1  # variations differ from each other


def test_a_start_after_the_seed_leaves_the_gap_empty(model):
    [melody] = generate(model, SEED, 16, start=SEED.end + 5, rng_seed=2, rest_weight=0)
    assert melody.notes[0].start == SEED.end + 5
    assert melody.end == SEED.end + 5 + 16


def test_a_start_inside_the_seed_continues_from_there(model):
    [melody] = generate(model, SEED, 8, start=14, rng_seed=2)
    assert all(n.start >= 14 for n in melody.notes)
    with pytest.raises(ValueError, match="after the seed's first note"):
        generate(model, SEED, 8, start=4)


def test_seeds_outside_the_model_range_are_fitted_and_moved_back(model):
    high = SEED.transpose(36)  # 98-105: the model (36-96) sees it an octave lower
    [melody] = generate(model, high, 32, rng_seed=5, rest_weight=0, key="auto", temperature=3.0)
    pitches = [n.pitch for n in melody.notes]
    assert min(pitches) >= 36 + 12 and max(pitches) <= 96 + 12
    assert max(pitches) > 96  # some notes only exist in the seed's own octave
    assert all(p % 12 in keys.scale_pitch_classes("D major") for p in pitches)


def test_rest_weight_zero_gives_no_rests_at_all(model):
    melodies = generate(model, SEED, 96, variations=4, rng_seed=3, rest_weight=0)
    for melody in melodies:
        assert melody.notes[0].start == SEED.end
        for a, b in zip(melody.notes, melody.notes[1:]):
            assert a.end == b.start
        assert melody.end == SEED.end + 96


def test_rest_fraction_follows_the_rest_weight_over_200_bars(model):
    steps = 200 * SEED.steps_per_bar // 8  # 200 bars over 8 variations
    fractions = {}
    for weight in (0, 0.25, 1, 2):
        melodies = generate(model, SEED, steps, variations=8, rng_seed=4, rest_weight=weight)
        fractions[weight] = sum(rest_fraction(m, SEED.end, steps) for m in melodies) / len(melodies)
    assert fractions[0] == 0
    assert 0 < fractions[0.25] < fractions[1] < fractions[2]


def silence_after_first_note(melodies, start: int, end: int) -> float:
    """The share of steps from each continuation's first note (or ``start``, without one) to
    ``end`` where nothing sounds."""
    silent = total = 0
    for melody in melodies:
        first = melody.notes[0].start if melody.notes else start
        silent += end - first - sum(min(n.end, end) - n.start for n in melody.notes)
        total += end - first
    return silent / total


def test_the_ends_of_the_rests_range_do_what_they_say_with_the_shipped_model():
    from segue.engine.ml.checkpoint import load_model  # noqa: PLC0415
    from segue.engine.openings import read_openings  # noqa: PLC0415

    folk, seeds = load_model("folk"), read_openings("folk")[:4]
    shares = {}
    for weight in (REST_WEIGHT.low, 1.0, REST_WEIGHT.high):
        made = [(seed, generate(folk, seed, 4 * seed.steps_per_bar, variations=8, rng_seed=i,
                                rest_weight=weight)) for i, seed in enumerate(seeds)]
        shares[weight] = sum(silence_after_first_note(m, s.end, s.end + 4 * s.steps_per_bar)
                             for s, m in made) / len(made)
    assert shares[REST_WEIGHT.low] == 0  # none at all
    assert shares[1.0] < 0.1  # the model's own: a few
    assert shares[REST_WEIGHT.high] > 0.4, shares  # mostly rests (doubling left about 7%)


def test_key_lock_keeps_every_pitch_in_the_scale(model):
    for key in ("F# minor", "Bb major"):
        melodies = generate(model, SEED, 200, variations=4, rng_seed=6, key=key, temperature=1.5)
        scale = keys.scale_pitch_classes(key)
        pitches = [n.pitch for m in melodies for n in m.notes]
        assert len(pitches) > 50
        assert all(p % 12 in scale for p in pitches)


def test_auto_key_uses_the_seed(model):
    no_key = SEED.replace(key=None)  # D-major notes, detected
    melodies = generate(model, no_key, 200, variations=2, rng_seed=6, key="auto")
    scale = keys.scale_pitch_classes(no_key.detect_key())
    assert all(n.pitch % 12 in scale for m in melodies for n in m.notes)


def test_pitch_range_bounds_the_notes(model):
    melodies = generate(model, SEED, 200, variations=4, rng_seed=7, pitch_range=(60, 67), temperature=2.0)
    pitches = {n.pitch for m in melodies for n in m.notes}
    assert pitches and min(pitches) >= 60 and max(pitches) <= 67


def pitch_entropy(melodies) -> float:
    counts = Counter(n.pitch for m in melodies for n in m.notes)
    total = sum(counts.values())
    return -sum(c / total * math.log2(c / total) for c in counts.values())


def test_higher_temperature_gives_higher_pitch_entropy(model):
    entropies = [
        pitch_entropy(generate(model, SEED, 200, variations=8, rng_seed=8, temperature=t))
        for t in (0.3, 1.0, 2.0)
    ]
    assert entropies[0] < entropies[1] < entropies[2]


def test_greedy_and_tiny_top_p_ignore_the_random_seed(model):
    greedy = generate(model, SEED, 32, rng_seed=1, temperature=1e-4)
    assert greedy == generate(model, SEED, 32, rng_seed=2, temperature=1e-4)
    nucleus = generate(model, SEED, 32, rng_seed=3, top_p=1e-6)
    assert nucleus == greedy


def test_top_p_keeps_the_smallest_likely_set():
    controls = _Controls(torch.zeros(4), 1.0, 1.0, 0.7, None, steps=1)
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]]))
    from segue.engine.ml.sampling import _top_p_log

    kept = _top_p_log(controls.scores(logits, first=False), 0.7).exp()
    assert torch.allclose(kept, torch.tensor([[0.5, 0.3, 0.0, 0.0]]), atol=1e-6)


def test_rest_weight_multiplies_the_rest_probability():
    logits = torch.log(torch.tensor([[0.2, 0.3, 0.5]]))
    controls = _Controls(torch.zeros(3), 1.0, 0.5, None, None, steps=1)
    probs = controls.log_probs(logits, first=False).exp()[0]
    assert probs.tolist() == pytest.approx([0.1 / 0.9, 0.3 / 0.9, 0.5 / 0.9])
    # Above 1 the weight is an exponent: the top of the range (2) multiplies rests by 64.
    top = _Controls(torch.zeros(3), 1.0, 2.0, None, None, steps=1).log_probs(logits, first=False).exp()[0]
    assert top.tolist() == pytest.approx([12.8 / 13.6, 0.3 / 13.6, 0.5 / 13.6])
    assert rest_log_factor(1.0) == 0 and rest_log_factor(0) == -math.inf
    assert rest_log_factor(1.5) == pytest.approx(math.log(8))
    first = _Controls(torch.zeros(3), 1.0, 1.0, None, None, steps=1).log_probs(logits, first=True).exp()[0]
    assert first.tolist() == pytest.approx([0.2 / 0.7, 0.0, 0.5 / 0.7])


def test_adaptive_temperature_cools_unsure_steps_and_warms_sure_ones():
    unsure = torch.zeros(1, 40)  # log2(40) = 5.3 bits
    sure = torch.tensor([[8.0] + [0.0] * 39])
    controls = _Controls(torch.zeros(40), 1.0, 1.0, None, 2.0, steps=1)
    plain = _Controls(torch.zeros(40), 1.0, 1.0, None, None, steps=1)

    def entropy(c, logits):
        p = c.log_probs(logits, first=False).exp()
        return float(-(p * p.log()).sum())

    assert entropy(controls, unsure) == pytest.approx(entropy(plain, unsure))  # uniform stays uniform
    peaked = torch.tensor([[3.0, 2.0, 1.0] + [0.0] * 37])
    assert entropy(controls, peaked) < entropy(plain, peaked)
    assert entropy(controls, sure) > entropy(plain, sure)


def test_adaptive_temperature_generates_reproducibly(model):
    a = generate(model, SEED, 48, variations=2, rng_seed=9, adaptive_temperature=True)
    assert a == generate(model, SEED, 48, variations=2, rng_seed=9, adaptive_temperature=2.0)


def test_beam_search_returns_distinct_likely_continuations(model):
    melodies = generate(model, SEED, 16, variations=3, beam_width=4)
    assert len(melodies) == 3
    assert len({m.notes for m in melodies}) == 3
    assert melodies == generate(model, SEED, 16, variations=3, beam_width=4, rng_seed=99, temperature=2.0)
    [best] = generate(model, SEED, 16, beam_width=1)
    assert best == generate(model, SEED, 16, temperature=1e-4)[0]


def test_progress_then_result_and_prompt_stop(model):
    updates = list(iter_generate(model, SEED, 20, GenerationOptions(variations=2, rng_seed=1)))
    fractions = [u.fraction for u in updates]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert all(u.melodies is None for u in updates[:-1])
    assert len(updates[-1].melodies) == 2 and updates[-1].rng_seed == 1

    asked = []

    def stop_after_five():
        asked.append(1)
        return len(asked) > 5

    stopped = list(iter_generate(model, SEED, 1000, GenerationOptions(rng_seed=1), should_stop=stop_after_five))
    assert len(asked) == 6 and all(u.melodies is None for u in stopped)  # asked before each step
    with pytest.raises(GenerationCancelled):
        generate(model, SEED, 1000, should_stop=lambda: True)


def test_generation_leaves_the_callers_grad_mode_alone(model):
    for _ in iter_generate(model, SEED, 3, GenerationOptions(rng_seed=1)):
        assert not torch.is_inference_mode_enabled()


def test_a_random_seed_is_chosen_and_reported_when_none_is_given(model):
    final = list(iter_generate(model, SEED, 8))[-1]
    assert isinstance(final.rng_seed, int)
    assert final.melodies == generate(model, SEED, 8, rng_seed=final.rng_seed)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(temperature=0), "temperature"),
        (dict(temperature=float("nan")), "temperature"),
        (dict(rest_weight=-1), "rest weight"),
        (dict(variations=0), "variations"),
        (dict(top_p=0), "top-p"),
        (dict(key="H major"), "note name"),
        (dict(pitch_range=(80, 70)), "pitch range"),
        (dict(pitch_range=(61, 61), key="C major"), "no pitch is allowed"),
        (dict(rng_seed=-1), "rng_seed"),
        (dict(beam_width=2, variations=3), "beam"),
    ],
)
def test_bad_settings_are_refused_clearly(model, kwargs, message):
    with pytest.raises(ValueError, match=message):
        generate(model, SEED, 8, **kwargs)


def test_bad_seeds_are_refused_clearly(model):
    with pytest.raises(ValueError, match="empty"):
        generate(model, Melody(), 8)
    # A seed on another grid is not refused: heard on the model's, continued on its own.
    on_6 = generate(model, Melody([Note(60, 0, 6)], steps_per_quarter=6), 12, variations=2, rng_seed=1)
    assert all(m.steps_per_quarter == 6 and all(n.start >= 6 for n in m.notes) for m in on_6)
    with pytest.raises(ValueError, match="steps"):
        generate(model, SEED, 0)


def test_a_seed_wider_than_the_model_is_heard_from_its_recent_part_that_fits(model):
    # A low bass note left in by a reduction must not make the piece impossible to continue.
    tail = [Note(100, 4, 4), Note(98, 8, 2), Note(96, 10, 2)]
    wide = Melody([Note(20, 0, 4), *tail])
    recent = Melody(tail)
    assert generate(model, wide, 16, variations=2, rng_seed=3) == generate(
        model, recent, 16, variations=2, rng_seed=3
    )


def test_steps_for_bars_uses_the_meter():
    assert steps_for_bars(SEED, 4) == 48
    assert steps_for_bars(Melody(time_signature=(6, 8)), 2) == 24
    with pytest.raises(ValueError):
        steps_for_bars(SEED, 0)
