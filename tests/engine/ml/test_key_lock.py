"""Key lock means "continue in this key": the model continues the seed in its own key and the
continuation is moved into the locked key, so a continuation locked to a distant key is as much
a tune as a free one, every note in the scale."""

import statistics

import pytest
import torch

from segue.engine import keys
from segue.engine.melody import Melody, Note
from segue.engine.ml import stepper
from segue.engine.ml.catalog import DEFAULT_MODEL, model_path, model_paths
from segue.engine.ml.checkpoint import load_model
from segue.engine.ml.model import ModelConfig, create_model
from segue.engine.ml.sampling import generate

torch.set_num_threads(1)

PITCHES = (60, 64, 67, 72, 71, 67, 65, 64, 62, 64, 65, 67, 64, 62, 60, 60)
C_MAJOR = Melody([Note(p, 2 * i, 2) for i, p in enumerate(PITCHES)], key="C major")
FOUR_BARS = 4 * C_MAJOR.steps_per_bar


@pytest.fixture(scope="module")
def shipped():
    """The app's default model: random weights cannot drone the way a trained model does."""
    path = model_path(DEFAULT_MODEL)
    if not model_paths(path)[0].exists():
        pytest.skip(f"the shipped model {DEFAULT_MODEL} is not here")
    return load_model(path, device="cpu")


def figures(melodies):
    distinct, intervals = [], []
    for melody in melodies:
        pitches = [n.pitch for n in melody.notes]
        distinct.append(len(set(pitches)))
        intervals += [abs(b - a) for a, b in zip(pitches, pitches[1:])]
    return distinct, statistics.fmean(intervals), statistics.fmean(i == 0 for i in intervals)


def test_a_c_major_seed_locked_to_any_key_still_gives_tunes(shipped):
    off = generate(shipped, C_MAJOR, FOUR_BARS, variations=8, rng_seed=7)
    off_distinct, off_interval, off_repeated = figures(off)
    for key in keys.ALL_KEYS:
        melodies = generate(shipped, C_MAJOR, FOUR_BARS, variations=8, rng_seed=7, key=key)
        scale = keys.scale_pitch_classes(key)
        assert all(n.pitch % 12 in scale for m in melodies for n in m.notes), key
        distinct, interval, repeated = figures(melodies)
        # Locking to F# major used to repeat one to three pitches (1.1 distinct, 0.99 repeated).
        assert min(distinct) >= 3, key
        # As much of a tune as the free continuation (measured: 6.6 distinct against 6.4).
        assert statistics.fmean(distinct) >= statistics.fmean(off_distinct) - 0.5, key
        assert interval >= 0.9 * off_interval and repeated <= off_repeated + 0.05, key


def test_the_continuation_stays_near_the_seeds_register(shipped):
    for key in ("F# major", "Eb minor", "Db major"):
        melodies = generate(shipped, C_MAJOR, FOUR_BARS, variations=8, rng_seed=3, key=key)
        pitches = [n.pitch for m in melodies for n in m.notes]
        assert 60 - 12 <= statistics.median(pitches) <= 72 + 12, key


def test_a_tritone_away_the_continuation_joins_the_seed_near_its_last_note(shipped):
    # C major to F# major is a tritone up or down: down stays near the seed's last note (C4).
    melodies = generate(shipped, C_MAJOR, FOUR_BARS, variations=8, rng_seed=3, key="F# major")
    assert statistics.median(m.notes[0].pitch for m in melodies) <= 60 + 4
    # ...unless the pitch range says otherwise: from C4 up, it goes up.
    high = generate(shipped, C_MAJOR, FOUR_BARS, variations=8, rng_seed=3, key="F# major",
                    pitch_range=(60, 84))
    assert statistics.median(m.notes[0].pitch for m in high) >= 64


def test_the_model_hears_the_seed_as_it_is_and_the_continuation_is_moved_into_the_key(monkeypatch):
    tiny = create_model(ModelConfig(hidden_size=16, token_dim=8, pitch_dim=4, contour_dim=4,
                                    meter_dim=4, lookback_dim=4), seed=1)
    primed = []
    prime = stepper.Stepper.prime
    monkeypatch.setattr(stepper.Stepper, "prime",
                        lambda self, tokens: primed.append(list(tokens)) or prime(self, tokens))
    in_d = generate(tiny, C_MAJOR, 64, variations=4, rng_seed=1, key="D major", temperature=2.0)
    in_c = generate(tiny, C_MAJOR, 64, variations=4, rng_seed=1, key="C major", temperature=2.0)
    generate(tiny, C_MAJOR, 16, rng_seed=1)
    assert primed[0] == primed[1] == primed[2]
    assert [m.transpose(2) for m in in_c] == in_d  # the nearest move into D major: up a tone
    assert any(n.pitch % 12 in (2, 9) for m in in_d for n in m.notes)
