"""Training: files written, repeatable from the seed, resumable, batches as documented."""

import json
import math
import random

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from segue.engine.corpus import Tune
from segue.engine.melody import Melody, Note
from segue.engine.ml.checkpoint import ModelError, load_model
from segue.engine.ml.evaluation import encode_tunes
from segue.engine.ml.model import ModelConfig
from segue.engine.ml.train_state import state_paths
from segue.engine.ml.training import TrainOptions, epoch_batches, learning_rate, plot_history, train

torch.set_num_threads(1)

TINY = ModelConfig(hidden_size=16, token_dim=8, pitch_dim=4, contour_dim=4, meter_dim=4, lookback_dim=4)
METER_PATTERNS = {
    (2, 4): [2, 2, 4],
    (3, 4): [4, 2, 2, 4],
    (4, 4): [4, 4, 2, 2, 4],
    (6, 8): [4, 2, 4, 2],
}


def synthetic_tunes(count: int, seed: int = 0, prefix: str = "synthetic") -> list[Tune]:
    """Scale-wise tunes in a major key with a rhythm that repeats every bar, some with a
    pickup and rests: structure a small model can learn in seconds."""
    rng = random.Random(seed)
    tunes = []
    for index in range(count):
        meter = rng.choice(list(METER_PATTERNS))
        pattern = METER_PATTERNS[meter]
        tonic = rng.choice([60, 62, 65, 67])
        scale = [tonic + s for s in (0, 2, 4, 5, 7, 9, 11, 12)]
        degree, step, notes = 0, rng.choice([0, 2]), []
        for _bar in range(rng.randrange(3, 7)):
            for length in pattern:
                if rng.random() < 0.08:
                    step += length  # a rest
                    continue
                notes.append(Note(scale[degree], step, length))
                degree = max(0, min(7, degree + rng.choice([-1, 1, 1, 2])))
                step += length
        tunes.append(Tune(f"{prefix}/{index}", Melody(notes, time_signature=meter)))
    return tunes


def options(**changes) -> TrainOptions:
    values = dict(epochs=2, batch_size=8, warmup_steps=3, learning_rate=1e-2, model=TINY, seed=5)
    values.update(changes)
    return TrainOptions(**values)


def weights(path) -> dict:
    return load_file(f"{path}.safetensors")


@pytest.fixture(scope="module")
def corpus():
    return synthetic_tunes(48, seed=1), synthetic_tunes(12, seed=2, prefix="held-out")


def test_training_writes_model_card_state_and_plot_and_learns(tmp_path, corpus):
    train_tunes, validation_tunes = corpus
    lines = []
    result = train(options(epochs=3), tmp_path / "m", train_tunes=train_tunes,
                   validation_tunes=validation_tunes, progress=False, log=lines.append)
    for suffix in (".json", ".safetensors", ".png", ".train.json", ".train.safetensors"):
        assert (tmp_path / f"m{suffix}").is_file(), suffix
    assert result.epochs_run == 3 and result.stopped == "epochs"
    curve = [h["validation_bits_per_note"] for h in result.history]
    assert curve[-1] < curve[0]
    assert result.best_validation == min(curve)
    assert result.steps_per_second > 0
    model = load_model(tmp_path / "m", device="cpu")
    card = json.loads((tmp_path / "m.json").read_text())
    assert card["training"]["best_epoch"] == result.best_epoch
    assert card["training"]["options"]["transpose"] == 2
    assert card["metrics"]["validation"]["total_bits_per_note"] == pytest.approx(result.best_validation)
    assert model.config == TINY
    assert any(line.startswith("epoch 3:") for line in lines)


def test_the_same_seed_gives_the_same_weights(tmp_path, corpus):
    train_tunes, validation_tunes = corpus
    for name in ("a", "b"):
        train(options(epochs=1), tmp_path / name, train_tunes=train_tunes,
              validation_tunes=validation_tunes, progress=False, log=lambda _: None)
    a, b = weights(tmp_path / "a"), weights(tmp_path / "b")
    assert all(torch.equal(a[k], b[k]) for k in a)
    train(options(epochs=1, seed=6), tmp_path / "c", train_tunes=train_tunes,
          validation_tunes=validation_tunes, progress=False, log=lambda _: None)
    c = weights(tmp_path / "c")
    assert not all(torch.equal(a[k], c[k]) for k in a)


def test_resuming_continues_exactly_like_an_uninterrupted_run(tmp_path, corpus):
    train_tunes, validation_tunes = corpus
    quiet = dict(train_tunes=train_tunes, validation_tunes=validation_tunes, progress=False, log=lambda _: None)
    whole = train(options(epochs=3, patience=10), tmp_path / "whole", **quiet)
    first = train(options(epochs=3, patience=10), tmp_path / "split", stop_after_epochs=1, **quiet)
    assert first.stopped == "interrupted" and first.epochs_run == 1
    resumed = train(options(epochs=3, patience=10), tmp_path / "split", resume=True, **quiet)
    assert [h["validation_bits_per_note"] for h in resumed.history] == [
        h["validation_bits_per_note"] for h in whole.history
    ]
    state_whole = load_file(str(state_paths(tmp_path / "whole")[1]))
    state_split = load_file(str(state_paths(tmp_path / "split")[1]))
    assert state_whole.keys() == state_split.keys()
    assert all(torch.equal(state_whole[k], state_split[k]) for k in state_whole)


def test_resume_refuses_other_settings_or_a_missing_state(tmp_path, corpus):
    train_tunes, validation_tunes = corpus
    quiet = dict(train_tunes=train_tunes, validation_tunes=validation_tunes, progress=False, log=lambda _: None)
    with pytest.raises(ModelError, match="no training state"):
        train(options(), tmp_path / "none", resume=True, **quiet)
    train(options(epochs=1), tmp_path / "m", **quiet)
    with pytest.raises(ModelError, match="batch_size"):
        train(options(epochs=2, batch_size=4), tmp_path / "m", resume=True, **quiet)


def test_init_starts_from_another_models_weights(tmp_path, corpus):
    train_tunes, validation_tunes = corpus
    quiet = dict(train_tunes=train_tunes, validation_tunes=validation_tunes, progress=False, log=lambda _: None)
    start = train(options(epochs=2), tmp_path / "start", **quiet)
    tuned = train(options(epochs=1, learning_rate=1e-9, init=str(tmp_path / "start")), tmp_path / "tuned", **quiet)
    scratch = train(options(epochs=1, learning_rate=1e-9), tmp_path / "scratch", **quiet)
    # with a vanishing learning rate the fine-tuned model is the model it started from
    assert tuned.best_validation == pytest.approx(start.best_validation, abs=1e-3)
    assert scratch.best_validation > start.best_validation + 0.1
    card = json.loads((tmp_path / "tuned.json").read_text())
    assert card["training"]["options"]["init"] == str(tmp_path / "start")
    with pytest.raises(ValueError, match="another shape"):
        train(options(epochs=1, init=str(tmp_path / "start"), model=ModelConfig(**{**TINY.to_json(), "hidden_size": 8})),
              tmp_path / "wrong", **quiet)


def test_a_time_limit_stops_after_validating(tmp_path, corpus):
    train_tunes, validation_tunes = corpus
    result = train(options(epochs=50, max_minutes=1e-6), tmp_path / "m", train_tunes=train_tunes,
                   validation_tunes=validation_tunes, progress=False, log=lambda _: None)
    assert result.stopped == "time limit" and result.epochs_run == 1
    assert result.history[0]["batches"] == 1
    assert (tmp_path / "m.json").is_file()


def test_epoch_batches_window_transpose_and_repeat(corpus):
    train_tunes, _ = corpus
    encoded, _ = encode_tunes(train_tunes, TINY.encoding)
    opts = options(batch_size=5, max_length=20, transpose=3)
    batches = epoch_batches(encoded, opts, 0, TINY.encoding.num_pitches)
    assert sum(len(b) for b in batches) == len(encoded)
    assert all(len(b) <= 5 for b in batches)
    by_id = {t.id: t for t in encoded}
    shifts = set()
    for batch in batches:
        for window in batch:
            original = by_id[window.id]
            start = window.offset - original.offset
            assert 0 <= start and len(window.tokens) <= 20
            source = original.tokens[start:start + len(window.tokens)]
            notes = source >= 2
            assert np.array_equal(window.tokens[~notes], source[~notes])
            shift = set((window.tokens[notes] - source[notes]).tolist())
            assert len(shift) <= 1
            shifts |= shift
    assert shifts <= set(range(-3, 4)) and len(shifts) > 3
    again = epoch_batches(encoded, opts, 0, TINY.encoding.num_pitches)
    assert [[w.id for w in b] for b in again] == [[w.id for w in b] for b in batches]
    other = epoch_batches(encoded, opts, 1, TINY.encoding.num_pitches)
    assert [[w.id for w in b] for b in other] != [[w.id for w in b] for b in batches]


def test_transposition_never_leaves_the_pitch_range(corpus):
    train_tunes, _ = corpus
    encoded, _ = encode_tunes(train_tunes, TINY.encoding)
    edge = encoded[0]
    edge.tokens[edge.tokens >= 2] = 2  # everything on the lowest pitch
    for epoch in range(5):
        for batch in epoch_batches([edge], options(transpose=12), epoch, TINY.encoding.num_pitches):
            assert batch[0].tokens[batch[0].tokens >= 2].min() >= 2


def test_learning_rate_warms_up_then_decays_to_the_floor():
    opts = options(learning_rate=1.0, warmup_steps=10, final_lr_fraction=0.1)
    rates = [learning_rate(opts, step, 110) for step in range(110)]
    assert rates[0] == pytest.approx(0.1) and rates[9] == pytest.approx(1.0)
    assert all(a >= b for a, b in zip(rates[10:], rates[11:]))
    assert learning_rate(opts, 110, 110) == pytest.approx(0.1)
    assert learning_rate(opts, 20, 110, time_fraction=1.0) == pytest.approx(0.1)
    assert learning_rate(opts, 60, 110) == pytest.approx(0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * 0.5)))


def test_options_are_validated():
    with pytest.raises(ValueError, match="batch size"):
        TrainOptions(batch_size=0)
    with pytest.raises(ValueError, match="learning rate"):
        TrainOptions(learning_rate=0)
    with pytest.raises(ValueError, match="max minutes"):
        TrainOptions(max_minutes=-1)
    assert TrainOptions(model=TINY.to_json()).model == TINY


def test_plot_draws_both_curves(tmp_path):
    history = [
        {"epoch": 1, "train_bits_per_note": 5.0, "validation_bits_per_note": 4.5},
        {"epoch": 2, "train_bits_per_note": 4.0, "validation_bits_per_note": 4.1},
    ]
    png = plot_history(history, tmp_path / "m")
    assert png == tmp_path / "m.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
