"""Learning a style: the fine-tuning loop, its stop flag, the best weights and the files."""

from __future__ import annotations

import errno
import json

import pytest
import torch

from segue.engine.learn import LearnError, Piece, StyleMaterial
from segue.engine.melody import Melody, Note
from segue.engine.ml import checkpoint, style_learning
from segue.engine.ml.checkpoint import load_model, save_model
from segue.engine.ml.evaluation import score_encoded
from segue.engine.ml.model import ModelConfig, create_model
from segue.engine.ml.style_learning import (
    LearnSettings,
    ModelWriteError,
    encode_pieces,
    iter_learn,
    learn,
    leaving_a_core,
)

TINY = ModelConfig(hidden_size=8, token_dim=4, pitch_dim=4, contour_dim=2, meter_dim=2,
                   lookback_dim=2)


def scale_tune(n: int) -> Melody:
    """A rising scale with a rhythm of its own: easy to learn, so figures fall."""
    steps = [2, 2, 4, 2, 2, 4, 8]
    notes, start = [], 0
    for i in range(24):
        notes.append(Note(60 + [0, 2, 4, 5, 7, 9, 11][(i + n) % 7], start, steps[i % 7]))
        start += steps[i % 7]
    return Melody(notes)


def material(count: int = 10) -> StyleMaterial:
    pieces = [Piece(f"p{n}.mid", scale_tune(n)) for n in range(count)]
    return StyleMaterial("/music/style", tuple(pieces[1:]), tuple(pieces[:1]), count)


class Clock:
    """Injected time: each reading moves it on ``tick`` seconds."""

    def __init__(self, tick: float = 1.0):
        self.now, self.tick = 0.0, tick

    def __call__(self) -> float:
        self.now += self.tick
        return self.now


def tiny_model():
    return create_model(TINY, seed=3)


def run(out, *, settings=None, clock=None, should_stop=lambda: False, model=None, stuff=None):
    updates = []
    result = learn(model or tiny_model(), stuff or material(), out, base_model="tiny",
                   settings=settings or LearnSettings(minutes=1.0, batch_size=3),
                   clock=clock or Clock(), should_stop=should_stop, on_progress=updates.append)
    return result, updates


def held_out_figure(path, stuff) -> float:
    model = load_model(path, device="cpu")
    encoded, _ = encode_pieces(stuff.held_out, model)
    return score_encoded(model, encoded).metrics()["total_bits_per_note"]


def test_learning_lowers_the_held_out_figure_and_writes_the_model_with_its_card(tmp_path):
    stuff = material()
    result, updates = run(tmp_path / "mine", stuff=stuff,
                          settings=LearnSettings(minutes=0.5, batch_size=3, learning_rate=3e-2))
    assert result.stopped == "time limit"
    assert result.best_bits < result.base_bits
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.json", "mine.md", "mine.safetensors"]
    assert held_out_figure(tmp_path / "mine", stuff) == pytest.approx(result.best_bits, rel=1e-4)
    card = json.loads((tmp_path / "mine.json").read_text())["training"]["learned_style"]
    assert card["source"] == "/music/style" and card["base_model"] == "tiny"
    assert card["files"] == 10 and card["pieces"] == 9 and card["held_out_pieces"] == 1
    assert card["held_out_total_bits_per_note"] == {"before": result.base_bits,
                                                    "after": result.best_bits}
    assert card["minutes"] == 0.5 and card["date"]
    text = (tmp_path / "mine.md").read_text()
    assert "/music/style" in text and "`tiny` before" in text
    # The first update is the base figure; time left falls to nothing as time passes.
    assert updates[0].held_out_bits == result.base_bits and updates[0].elapsed == 0
    lefts = [u.time_left for u in updates]
    assert lefts == sorted(lefts, reverse=True) and lefts[-1] < 5
    assert updates[-1].fraction > 0.8


def test_the_time_limit_comes_from_the_clock(tmp_path):
    fast, _ = run(tmp_path / "a", clock=Clock(tick=0.25), settings=LearnSettings(minutes=0.05))
    slow, _ = run(tmp_path / "b", clock=Clock(tick=1.0), settings=LearnSettings(minutes=0.05))
    assert fast.stopped == slow.stopped == "time limit"
    assert fast.seconds >= 3 and slow.seconds >= 3
    assert fast.epochs > slow.epochs


def test_stop_keeps_the_best_weights_so_far_not_the_last(tmp_path, monkeypatch):
    figures = iter([5.0, 4.0, 3.0, 6.0, 7.0, 8.0, 9.0, 9.5, 9.9])
    states = []

    def scripted(model, tunes):  # each measurement's figure, and the weights it saw
        states.append({k: v.clone() for k, v in model.state_dict().items()})
        return next(figures)

    monkeypatch.setattr(style_learning, "held_out_bits", scripted)
    measured = []

    def stop_after_six_measurements():
        return len(measured) >= 6

    def note(update):
        if update.held_out_bits is not None:
            measured.append(update)

    result = learn(tiny_model(), material(), tmp_path / "mine", base_model="tiny",
                   settings=LearnSettings(minutes=60, batch_size=3, learning_rate=0.05,
                                          measure_seconds=1), clock=Clock(),
                   should_stop=stop_after_six_measurements, on_progress=note)
    assert result.stopped == "stopped"
    assert [u.held_out_bits for u in measured] == [5.0, 4.0, 3.0, 6.0, 7.0, 8.0]
    assert [u.improved for u in measured] == [False, True, True, False, False, False]
    assert [u.best_bits for u in measured] == [5.0, 4.0, 3.0, 3.0, 3.0, 3.0]
    assert result.base_bits == 5.0 and result.best_bits == 3.0
    written = load_model(tmp_path / "mine", device="cpu").state_dict()
    best, last = states[2], states[-1]
    assert all(torch.equal(written[k], best[k]) for k in best)
    assert not all(torch.equal(written[k], last[k]) for k in last)


def test_stopping_at_once_writes_the_base_weights(tmp_path):
    base = tiny_model()
    before = {k: v.clone() for k, v in base.state_dict().items()}
    result, _ = run(tmp_path / "mine", model=base, should_stop=lambda: True)
    assert result.stopped == "stopped" and result.best_bits == result.base_bits
    written = load_model(tmp_path / "mine", device="cpu").state_dict()
    assert all(torch.equal(written[k], before[k]) for k in before)


def test_no_progress_for_patience_measurements_ends_the_run(tmp_path, monkeypatch):
    monkeypatch.setattr(style_learning, "held_out_bits", lambda model, tunes: 4.0)
    settings = LearnSettings(minutes=600, batch_size=3, patience=3, halvings=0, measure_seconds=1)
    result, updates = run(tmp_path / "mine", settings=settings)
    assert result.stopped == "no longer improving"
    assert len([u for u in updates if u.held_out_bits is not None]) == 1 + 3


def test_a_plateau_goes_back_to_the_best_weights_at_half_the_rate(tmp_path, monkeypatch):
    monkeypatch.setattr(style_learning, "held_out_bits", lambda model, tunes: 4.0)
    seen = []
    real_loss = style_learning._loss

    def loss(model, batch):
        seen.append(model.head.weight.detach().clone())
        return real_loss(model, batch)

    monkeypatch.setattr(style_learning, "_loss", loss)
    base = tiny_model()
    start = base.head.weight.detach().clone()
    settings = LearnSettings(minutes=600, batch_size=3, patience=2, halvings=2,
                             measure_seconds=1, learning_rate=0.05, warmup_steps=1)
    result, updates = run(tmp_path / "mine", settings=settings, model=base)
    assert result.stopped == "no longer improving"
    measured = [u for u in updates if u.held_out_bits is not None]
    assert len(measured) == 1 + 2 * 3  # the base, then three plateaus of two
    # Each plateau starts again from the best weights: the base's, as nothing beat them.
    restarts = [w for w in seen if torch.equal(w, start)]
    assert len(restarts) == 3


def test_a_full_disk_leaves_no_model_and_keeps_the_one_there(tmp_path, monkeypatch):
    def disk_full(path, data):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(checkpoint, "write_atomically", disk_full)
    with pytest.raises(ModelWriteError, match="Cannot save the model 'new': disk is full"):
        run(tmp_path / "new", should_stop=lambda: True)
    assert list(tmp_path.iterdir()) == []  # no model, no staging folder
    monkeypatch.undo()
    save_model(tiny_model(), tmp_path / "old")
    kept = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    monkeypatch.setattr(checkpoint, "write_atomically", disk_full)
    with pytest.raises(ModelWriteError):
        run(tmp_path / "old", should_stop=lambda: True)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == kept


def test_pieces_the_model_cannot_play_are_skipped_or_refused(tmp_path):
    narrow = ModelConfig(hidden_size=8, token_dim=4, pitch_dim=4, contour_dim=2, meter_dim=2,
                         lookback_dim=2, min_pitch=60, max_pitch=64)
    with pytest.raises(LearnError, match="no piece fits the model's pitch range 60-64"):
        run(tmp_path / "mine", model=create_model(narrow), should_stop=lambda: True)
    assert list(tmp_path.iterdir()) == []


def test_settings_are_checked():
    with pytest.raises(ValueError, match="minutes"):
        LearnSettings(minutes=0)
    with pytest.raises(ValueError, match="minutes"):
        LearnSettings(minutes=float("nan"))


def test_learning_leaves_a_core_and_restores_the_threads():
    before = torch.get_num_threads()
    with leaving_a_core():
        import os

        assert torch.get_num_threads() == max(1, (os.cpu_count() or 1) - 1)
    assert torch.get_num_threads() == before


def test_the_generator_can_be_driven_step_by_step(tmp_path):
    run_ = iter_learn(tiny_model(), material(), tmp_path / "m", base_model="tiny",
                      settings=LearnSettings(minutes=0.05), clock=Clock())
    first = next(run_)
    assert first.epoch == 0 and first.best_bits == first.base_bits
    assert not (tmp_path / "m.json").exists()  # nothing is written before the end
    with pytest.raises(StopIteration):
        while True:
            next(run_)
    assert (tmp_path / "m.json").exists()


def test_a_running_average_of_the_weights_is_measured_and_kept(tmp_path):
    stuff = material()
    settings = LearnSettings(minutes=0.3, batch_size=3, learning_rate=3e-2, average=0.8)
    result, updates = run(tmp_path / "mine", stuff=stuff, settings=settings)
    assert result.best_bits < result.base_bits
    assert held_out_figure(tmp_path / "mine", stuff) == pytest.approx(result.best_bits, rel=1e-4)


def test_the_steps_after_the_last_measurement_are_measured_before_the_end(tmp_path, monkeypatch):
    figures = iter([5.0, 4.0])
    monkeypatch.setattr(style_learning, "held_out_bits", lambda model, tunes: next(figures))
    # One piece a batch, an epoch longer than the limit, no measurement inside it.
    settings = LearnSettings(minutes=0.1, batch_size=1, measure_seconds=1000)
    result, updates = run(tmp_path / "mine", settings=settings)
    assert result.stopped == "time limit" and result.epochs == 1
    assert [u.held_out_bits for u in updates if u.held_out_bits is not None] == [5.0, 4.0]
    assert result.best_bits == 4.0


def test_dropout_can_be_changed_for_the_run_only(tmp_path):
    model = tiny_model()
    result, _ = run(tmp_path / "mine", model=model,
                    settings=LearnSettings(minutes=0.05, dropout=0.5))
    assert result.epochs >= 1
    assert {m.p for m in model.modules() if isinstance(m, torch.nn.Dropout)} == {
        TINY.dropout, TINY.input_dropout}
    assert load_model(tmp_path / "mine", device="cpu").config.dropout == TINY.dropout
