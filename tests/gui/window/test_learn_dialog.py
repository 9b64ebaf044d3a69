"""Generate > Learn a Style…: the dialog, its progress, Stop keeping the best, the chooser."""

from __future__ import annotations

import json

import pytest

from segue.engine.melody import Melody, Note
from segue.engine.midi_io import write_midi
from segue.engine.ml.checkpoint import save_model
from segue.engine.ml.model import ModelConfig, create_model
from segue.engine.ml.style_learning import LearnProgress, LearnResult
from segue.gui.window.learn_dialog import LearnDialog, show_learn_dialog
from tests.fakes.dialogs import ScriptedDialogs

TINY = ModelConfig(hidden_size=8, token_dim=4, pitch_dim=4, contour_dim=2, meter_dim=2,
                   lookback_dim=2)


@pytest.fixture
def models(tmp_path, monkeypatch):
    """A private models folder holding a tiny model ``base``, and a folder of four pieces."""
    folder = tmp_path / "models"
    monkeypatch.setenv("SEGUE_MODELS_DIR", str(folder))
    save_model(create_model(TINY), folder / "base")
    pieces = tmp_path / "Songs"
    pieces.mkdir()
    for n in range(4):
        write_midi(Melody([Note(60 + (n + i) % 5, 2 * i, 2) for i in range(16)]),
                   pieces / f"song{n}.mid")
    return folder, pieces


def waiting_job(request, state, stop):
    """A learner that reports one measurement, then waits for Stop and writes a model."""
    state.summary = "4 pieces from 4 files"
    state.latest = state.measured = LearnProgress(30.0, 270.0, 3, 4.5, 3.5, 3.5, True)
    yield 0.1
    while not stop.wait(0.005):  # the worker's loop: poll the Stop flag
        yield None
    save_model(create_model(TINY), request.out)
    return LearnResult(request.out.with_suffix(".json"), request.base_model, 4.5, 3.5, 3,
                       "stopped", 31.0, 3, 1, 0)


def start(window, qtbot, pieces, job, name="Songs"):
    dialog = show_learn_dialog(window, job=job)
    qtbot.addWidget(dialog)
    dialog.set_folder(str(pieces))
    if name != "Songs":
        dialog.name_edit.setText(name)
    dialog.learn_button.click()
    return dialog


def test_learn_a_style_is_in_the_generate_menu(main_window):
    window = main_window()
    generate = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Generate")
    assert window.actions["learn_style"] in generate.actions()


def test_progress_shows_time_left_and_the_held_out_figure_and_stop_keeps_the_best(
    main_window, qtbot, models
):
    folder, pieces = models
    window = main_window()
    dialog = start(window, qtbot, pieces, waiting_job)
    assert dialog.name_edit.text() == "Songs"  # the folder's name
    qtbot.waitUntil(lambda: "held-out 3.50 bits/note (base 4.50)" in dialog.figure.text())
    assert "4:30 left" in dialog.figure.text() and "epoch 3" in dialog.figure.text()
    assert dialog.close_button.text() == "Stop and Keep the Best"
    assert not dialog.learn_button.isEnabled() and not dialog.choose_button.isEnabled()
    with qtbot.waitSignal(dialog.model_learned) as learned:
        dialog.close_button.click()  # Stop: the job writes the best so far
    assert learned.args == [str(folder / "Songs")]
    assert "Saved the model Songs (stopped" in dialog.status.text()
    assert "4.50 bits/note with base, 3.50 with Songs" in dialog.figure.text()
    combo = window.panel.model_combo
    assert combo.findData("Songs") >= 0  # the chooser lists the new model
    assert dialog.use_button.isVisible()
    dialog.use_button.click()
    assert window.panel.settings().model == "Songs"
    assert window.models.requested == "Songs"
    window.models.wait()


def test_the_real_learner_runs_and_stop_writes_a_model_with_its_card(main_window, qtbot, models):
    folder, pieces = models
    window = main_window()
    dialog = start(window, qtbot, pieces, job=show_learn_dialog.__defaults__[0])
    qtbot.waitUntil(lambda: dialog.state.measured is not None, timeout=60000)
    qtbot.waitUntil(lambda: "held-out" in dialog.figure.text(), timeout=10000)
    with qtbot.waitSignal(dialog.model_learned, timeout=60000):
        dialog.stop()
    card = json.loads((folder / "Songs.json").read_text())["training"]["learned_style"]
    assert card["stopped"] == "stopped" and card["base_model"] == "base"
    assert card["source"] == str(pieces) and card["files"] == 4
    assert window.panel.model_combo.findData("Songs") >= 0


def test_an_existing_name_asks_before_replacing(main_window, qtbot, models):
    folder, pieces = models
    window = main_window(dialogs=ScriptedDialogs(replace_model=False))
    dialog = start(window, qtbot, pieces, waiting_job, name="base")
    assert ("replace_model", "base") in window.dialogs.asked
    assert not dialog.is_running()
    window.dialogs.answers["replace_model"] = True
    dialog.learn_button.click()
    assert dialog.is_running()
    with qtbot.waitSignal(dialog.model_learned):
        dialog.stop()


def test_a_folder_without_melodies_says_so(main_window, qtbot, models, tmp_path, caplog):
    window = main_window()
    (tmp_path / "empty").mkdir()
    with caplog.at_level("DEBUG", logger="segue.gui.worker"):
        dialog = start(window, qtbot, tmp_path / "empty", job=show_learn_dialog.__defaults__[0])
        qtbot.waitUntil(lambda: not dialog.is_running(), timeout=30000)
    assert "holds no MIDI, ABC or MusicXML files" in window.dialogs.messages()[-1]
    assert "Could not learn" in dialog.status.text()
    # Bad input, not a bug: one warning line, no traceback.
    records = [r for r in caplog.records if r.name == "segue.gui.worker"]
    assert [r.levelname for r in records] == ["WARNING"] and records[0].exc_info is None


def test_choose_folder_and_bad_names(qtbot, models, tmp_path):
    _, pieces = models
    dialogs = ScriptedDialogs(open_folder=str(pieces))
    dialog = LearnDialog(dialogs, ["base"], "base", Melody([Note(60, 0, 4)] * 1))
    qtbot.addWidget(dialog)
    assert not dialog.open_piece_box.isEnabled()  # one note: nothing to learn from
    dialog.learn_button.click()
    assert dialogs.messages()[-1].startswith("Choose a folder of your pieces, or learn from")
    dialog.choose_folder()
    assert dialog.folder_edit.text() == str(pieces) and dialog.name_edit.text() == "Songs"
    dialog.name_edit.setText("a/b")
    dialog.learn_button.click()
    assert "cannot be a model's name" in dialogs.messages()[-1]
    assert not dialog.is_running()


def test_the_open_piece_alone_is_learnt_from_without_a_folder(main_window, qtbot, models):
    folder, _ = models
    window = main_window()
    piece = Melody([Note(60 + (i % 5), 4 * i, 4) for i in range(40)])  # ten bars
    window.document.set_melody(piece, "Draw")
    dialog = show_learn_dialog(window, job=show_learn_dialog.__defaults__[0])
    qtbot.addWidget(dialog)
    dialog.open_piece_box.setChecked(True)
    dialog.name_edit.setText("Mine")
    dialog.learn_button.click()
    qtbot.waitUntil(lambda: dialog.state.measured is not None, timeout=60000)
    with qtbot.waitSignal(dialog.model_learned, timeout=60000):
        dialog.stop()
    card = json.loads((folder / "Mine.json").read_text())["training"]["learned_style"]
    assert card["source"] == "the open piece" and card["files"] == 0
