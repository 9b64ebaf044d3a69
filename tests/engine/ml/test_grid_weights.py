"""A 4-step model's weights start a 12-step one (train --init onto the triplet grid)."""

import dataclasses

import pytest
import torch

from segue.engine.ml.checkpoint import load_model, save_model
from segue.engine.ml.grid_weights import spread_rows, weights_for_grid
from segue.engine.ml.model import MAX_BAR_STEPS, MAX_SINCE, create_model
from segue.engine.ml.training import TrainOptions, train
from tests.engine.ml.test_training import TINY, synthetic_tunes

torch.set_num_threads(1)


def test_rows_are_spread_over_the_finer_steps():
    table = torch.arange(10.0).unsqueeze(1).repeat(1, 2)
    spread = spread_rows(table, 3, keep_last=False)
    assert spread[:, 0].tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3]
    marked = spread_rows(table, 3, keep_last=True)
    assert marked[:, 0].tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2, 9]  # the marker row stays


def test_the_step_tables_move_and_every_other_weight_is_kept():
    old = create_model(TINY, seed=1).state_dict()
    new = weights_for_grid(old, 4, 12)
    position, since = new["embeddings.position.weight"], new["embeddings.since.weight"]
    assert position.shape == (MAX_BAR_STEPS, TINY.meter_dim)
    for p in range(MAX_BAR_STEPS // 3):  # step 3p of the bar is old step p; 3p+1, 3p+2 take it too
        for q in (3 * p, 3 * p + 1, 3 * p + 2):
            assert torch.equal(position[q], old["embeddings.position.weight"][p])
    assert torch.equal(new["embeddings.beat_phase.weight"][12], old["embeddings.beat_phase.weight"][4])
    assert torch.equal(since[7], old["embeddings.since.weight"][2])
    assert torch.equal(since[MAX_SINCE], old["embeddings.since.weight"][MAX_SINCE])  # no onset yet
    moved = {"embeddings.position.weight", "embeddings.beat_phase.weight", "embeddings.since.weight"}
    assert all(torch.equal(new[name], old[name]) for name in old if name not in moved)
    assert weights_for_grid(old, 4, 4) is old
    with pytest.raises(ValueError, match="multiple"):
        weights_for_grid(old, 12, 4)
    with pytest.raises(ValueError, match="multiple"):
        weights_for_grid(old, 4, 6)


def test_a_4_step_model_starts_a_12_step_fine_tuning(tmp_path):
    start = create_model(TINY, seed=2)
    save_model(start, tmp_path / "start")
    on_12 = dataclasses.replace(TINY, steps_per_quarter=12)
    tunes = [dataclasses.replace(t, melody=t.melody.replace(
        notes=[n.with_start(3 * n.start).with_length(3 * n.length) for n in t.melody.notes],
        steps_per_quarter=12)) for t in synthetic_tunes(10, seed=3)]
    options = TrainOptions(epochs=1, batch_size=8, warmup_steps=1, learning_rate=1e-9,
                           model=on_12, init=str(tmp_path / "start"), seed=5)
    result = train(options, tmp_path / "tuned", train_tunes=tunes, validation_tunes=tunes[:4],
                   progress=False, log=lambda _: None)
    assert result.best_epoch == 1  # it trained on the 12-step tunes (none skipped as off-grid)
    tuned = load_model(tmp_path / "tuned", device="cpu")
    assert tuned.config.steps_per_quarter == 12
    expected = weights_for_grid(start.state_dict(), 4, 12)
    for name, value in tuned.state_dict().items():  # a vanishing rate: the remapped weights
        assert torch.allclose(value, expected[name], atol=1e-5), name
