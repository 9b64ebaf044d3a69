"""A 4-step model's weights start a 12-step one (train --init onto the triplet grid)."""

import dataclasses

import pytest
import torch

from segue.engine.ml.checkpoint import load_model, save_model
from segue.engine.ml.grid_weights import spread_rows, weights_for_grid
from segue.engine.ml.model import create_model
from segue.engine.ml.model_config import ModelConfig
from segue.engine.ml.training import TrainOptions, train
from tests.engine.ml.test_training import TINY, synthetic_tunes

torch.set_num_threads(1)


def test_rows_are_spread_over_the_finer_steps():
    table = torch.arange(10.0).unsqueeze(1).repeat(1, 2)
    spread = spread_rows(table, 3, keep_last=False)
    assert spread[:, 0].tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3]
    marked = spread_rows(table, 3, keep_last=True)
    assert marked[:, 0].tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2, 9]  # the marker row stays
    grown = spread_rows(table[:4], 3, keep_last=True, steps=11)  # 3 step rows and a marker
    assert grown[:, 0].tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2, 3]


def test_a_config_on_a_finer_grid_spans_the_same_quarters():
    on_4 = ModelConfig()
    assert on_4.on_grid(4) == on_4
    on_12 = on_4.on_grid(12)
    assert (on_12.bar_rows, on_12.beat_phase_rows, on_12.since_rows) == (192, 48, 96)
    assert "bar_rows" not in on_4.to_json()  # a 4-step card reads as older Segues wrote it
    assert ModelConfig.from_json(on_12.to_json()) == on_12
    with pytest.raises(ValueError, match="bar_rows"):
        dataclasses.replace(on_4, bar_rows=0)
    # A 12-step card from before the step tables grew (no sizes in it) keeps its 64 rows.
    legacy = {k: v for k, v in on_12.to_json().items()
              if k not in ("bar_rows", "beat_phase_rows", "since_rows")}
    assert ModelConfig.from_json(legacy).bar_rows == 64


def test_the_step_tables_move_and_every_other_weight_is_kept():
    old = create_model(TINY, seed=1).state_dict()
    on_12 = TINY.on_grid(12)
    new = weights_for_grid(old, TINY, on_12)
    position, since = new["embeddings.position.weight"], new["embeddings.since.weight"]
    assert position.shape == (192, TINY.meter_dim)  # 16 quarters, as the 4-step table's 64 rows
    old_position = old["embeddings.position.weight"]
    for p in range(64):  # step 3p of the bar is old step p; 3p+1, 3p+2 take it too
        for q in (3 * p, 3 * p + 1, 3 * p + 2):
            assert torch.equal(position[q], old_position[p])
    assert torch.equal(new["embeddings.beat_phase.weight"][12], old["embeddings.beat_phase.weight"][4])
    assert new["embeddings.beat_phase.weight"].shape[0] == 48
    assert torch.equal(since[7], old["embeddings.since.weight"][2])
    assert torch.equal(since[95], old["embeddings.since.weight"][31])  # the clamped value
    assert torch.equal(since[96], old["embeddings.since.weight"][32])  # no onset yet, the marker
    moved = {"embeddings.position.weight", "embeddings.beat_phase.weight", "embeddings.since.weight"}
    assert all(torch.equal(new[name], old[name]) for name in old if name not in moved)
    assert weights_for_grid(old, TINY, TINY) is old
    with pytest.raises(ValueError, match="multiple"):
        weights_for_grid(new, on_12, TINY)
    with pytest.raises(ValueError, match="multiple"):
        weights_for_grid(old, TINY, TINY.on_grid(6))


def test_a_4_step_model_starts_a_12_step_fine_tuning(tmp_path):
    start = create_model(TINY, seed=2)
    save_model(start, tmp_path / "start")
    on_12 = TINY.on_grid(12)
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
    expected = weights_for_grid(start.state_dict(), TINY, on_12)
    for name, value in tuned.state_dict().items():  # a vanishing rate: the remapped weights
        assert torch.allclose(value, expected[name], atol=1e-5), name
