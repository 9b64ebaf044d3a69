"""The main window as a user meets it: first start, model in the background, menus and keys,
New from Corpus, settings that persist, the screenshot, and the last-resort error hook."""

import json
import logging
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QApplication, QMessageBox, QSlider, QToolBar

from segue.engine.melody import Melody, Note
from segue.engine.session import melodies_to_json
from segue.gui import settings as prefs
from segue.gui.document import Document
from segue.gui.window.main_window import demo_seed
from tests.fakes.dialogs import ScriptedDialogs

ROOT = Path(__file__).resolve().parents[3]
SEED = Melody([Note(62, 0, 4), Note(66, 4, 4), Note(69, 8, 4), Note(67, 12, 4)])
OPENINGS = [
    Melody([Note(67, 0, 4), Note(69, 4, 4), Note(71, 8, 8), Note(74, 16, 16)]),
    Melody([Note(60, 0, 8), Note(64, 8, 8), Note(67, 16, 8), Note(72, 24, 8)], time_signature=(3, 4)),
]


@pytest.fixture(autouse=True)
def isolated(isolated_app, tmp_path, monkeypatch):
    monkeypatch.setenv("SEGUE_DEVICE", "cpu")
    (tmp_path / "models").mkdir()


@pytest.fixture
def models_dir(tmp_path):
    """A models folder with a small real model 'folk' (and its openings)."""
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    from segue.engine.ml.checkpoint import save_model
    from segue.engine.ml.model import ModelConfig, create_model

    config = ModelConfig(hidden_size=48, num_layers=1, token_dim=16, pitch_dim=8, contour_dim=8,
                         meter_dim=8, lookback_dim=8)
    folder = tmp_path / "models"
    save_model(create_model(config, seed=2), folder / "folk")
    (folder / "folk.openings.json").write_text(melodies_to_json(OPENINGS))
    return folder


@pytest.fixture
def make_window(main_window):
    """``make_window(document=None, **answers)`` -> (shown window, its scripted dialogs)."""

    def make(document=None, **answers):
        dialogs = ScriptedDialogs(**answers)
        window = main_window(document or Document(SEED, SEED.end), dialogs=dialogs)
        window.show()
        return window, dialogs

    return make


def start(qtbot, window, expect_model=True):
    if expect_model:
        with qtbot.waitSignal(window.models.loaded, timeout=20000):
            window.start_up()
    else:
        window.start_up()


def idle_after(qtbot, window):
    """Wait until the continuation started in the block has ended."""
    return qtbot.waitSignal(window.continuation.busy_changed, timeout=20000, check_params_cb=lambda busy: not busy)


def press_keys(window, key, modifiers=Qt.KeyboardModifier.NoModifier, target=None):
    """A key press as the user makes it: shortcuts first, then the focused widget."""
    target = target or window
    window.activateWindow()
    QApplication.processEvents()
    event = QKeyEvent(QEvent.Type.ShortcutOverride, key, modifiers)
    QApplication.sendEvent(target, event)
    from PySide6.QtTest import QTest

    QTest.keyClick(target, key, modifiers)


# --- first start --------------------------------------------------------------------------------


def test_first_start_shows_the_demo_seed_and_says_no_model(qtbot, main_window):
    window = main_window()
    window.show()
    window.start_up()
    assert window.document.melody == demo_seed() and len(demo_seed().notes) >= 6
    assert window.document.marker == demo_seed().end
    assert not window.document.is_modified()
    assert window.windowTitle() == "Segue — Untitled[*]"
    assert window.status.model_label.text() == "Model: none"
    assert window.panel.model_state.text().startswith("No model found in the models folder.")
    assert window.status.midi_label.text().startswith("MIDI out")
    assert window.dialogs.asked == []  # nothing modal on a first start


def test_the_model_loads_in_the_background_and_continue_works(qtbot, models_dir, make_window):
    window, dialogs = make_window()
    assert window.status.model_label.text() == "Model: none"
    start(qtbot, window)
    assert window.status.model_label.text() == "Model: folk"
    assert window.status.device_label.text() == "CPU"
    window.panel.set_settings(window.panel.settings().replace(bars=1, variations=3))
    with idle_after(qtbot, window):
        window.actions["continue"].trigger()
    assert len(window.document.variations) == 3
    assert window.actions["accept"].isEnabled() and window.actions["next_variation"].isEnabled()
    assert dialogs.asked == []


def test_a_broken_default_model_only_shows_in_the_status_bar(qtbot, tmp_path, make_window):
    (tmp_path / "models" / "folk.safetensors").write_bytes(b"\x80\x04 pickle")
    (tmp_path / "models" / "folk.json").write_text("{}")
    window, dialogs = make_window()
    with qtbot.waitSignal(window.models.failed, timeout=20000):
        window.start_up()
    assert window.status.model_label.text() == "Model: none"
    assert "not a Segue model card" in window.status.model_label.toolTip()
    assert dialogs.asked == []
    window.actions["continue"].trigger()
    assert dialogs.kinds() == ["error"] and "not a Segue model card" in dialogs.messages()[0]


def test_open_model_loads_a_chosen_file_and_reports_a_bad_one(qtbot, models_dir, tmp_path, make_window):
    bad = tmp_path / "weights.pt"
    bad.write_bytes(b"\x80\x02")
    window, dialogs = make_window(open_path=[str(models_dir / "folk.safetensors"), str(bad)])
    start(qtbot, window)
    with qtbot.waitSignal(window.models.loaded, timeout=20000):
        window.actions["open_model"].trigger()
    assert window.panel.settings().model == str(models_dir / "folk.safetensors")
    with qtbot.waitSignal(window.models.failed, timeout=20000):
        window.actions["open_model"].trigger()
    assert dialogs.kinds() == ["open_path", "open_path", "error"]
    assert "pickle" in dialogs.messages()[0]


# --- the continuation workflow through menus and keys ------------------------------------------------


def test_keys_flip_accept_and_undo(qtbot, models_dir, make_window):
    window, dialogs = make_window()
    start(qtbot, window)
    window.panel.set_settings(window.panel.settings().replace(bars=1, variations=3))
    with idle_after(qtbot, window):
        press_keys(window, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    press_keys(window, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert window.document.current_index == 1
    press_keys(window, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
    assert window.document.current_index == 2
    chosen = window.document.current_variation()
    press_keys(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert window.document.variations == []
    assert set(chosen.notes) <= set(window.document.melody.notes)
    assert window.actions["undo"].isEnabled()
    window.actions["undo"].trigger()
    assert window.document.melody == SEED
    window.actions["redo"].trigger()
    assert set(chosen.notes) <= set(window.document.melody.notes)


def test_escape_cancels_a_running_continuation(qtbot, models_dir, make_window):
    window, _ = make_window()
    start(qtbot, window)
    window.panel.set_settings(window.panel.settings().replace(bars=32, variations=8))

    release = threading.Event()

    def held_job(model, request, should_stop):
        # Runs until the test releases it, then would deliver a variation unless cancelled.
        yield 0.5
        release.wait(20)
        yield 1.0
        return [Melody([Note(74, SEED.end, 4)])]

    window.continuation.job = held_job
    window.actions["continue"].trigger()
    assert window.actions["cancel"].isEnabled() and not window.actions["continue"].isEnabled()
    assert window.panel.cancel_button.isEnabled()  # the button shows the action
    press_keys(window, Qt.Key.Key_Escape)
    with idle_after(qtbot, window):
        release.set()
    assert window.statusBar().currentMessage() == "Continuation cancelled."
    assert not window.actions["cancel"].isEnabled() and window.panel.continue_button.isEnabled()
    assert window.document.variations == [] and window.document.melody == SEED


def test_audition_and_transport_hooks(qtbot, make_window):
    window, _ = make_window()
    variation = Melody([Note(74, 16, 4)])
    window.document.set_variations([variation])
    with qtbot.waitSignal(window.live.audition_started) as blocker:
        window.actions["audition"].trigger()
    assert blocker.args[0].notes == SEED.notes + variation.notes
    assert window.document.heard() == blocker.args[0]
    window.actions["accept"].trigger()
    assert window.document.melody == blocker.args[0]  # what you heard is what Accept kept
    bar = QToolBar("Transport")
    window.set_transport(bar)
    assert bar in window.findChildren(QToolBar)
    window.status.show_output("MIDI out: FluidSynth", "Where auditions and playback are sent.")
    assert window.status.midi_label.text() == "MIDI out: FluidSynth"


# --- the roll inside the window ------------------------------------------------------------------------


def mouse(widget, kind, x, y):
    types = {"press": QEvent.Type.MouseButtonPress, "release": QEvent.Type.MouseButtonRelease}
    position = QPointF(x, y)
    event = QMouseEvent(types[kind], position, QPointF(widget.mapToGlobal(position)), Qt.MouseButton.LeftButton,
                        Qt.MouseButton.LeftButton if kind == "press" else Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def test_drawing_on_the_roll_then_undo_and_redo_from_the_edit_menu(qtbot, make_window):
    window, _ = make_window()
    roll = window.roll
    QApplication.processEvents()
    geometry = roll.roll_geometry
    step, pitch = SEED.end + 8, 72
    mouse(roll.note_grid, "press", geometry.x_of(step) + 2, geometry.y_of(pitch) + geometry.key_height / 2)
    mouse(roll.note_grid, "release", geometry.x_of(step) + 2, geometry.y_of(pitch) + geometry.key_height / 2)
    drawn = [n for n in window.document.melody.notes if n not in SEED.notes]
    assert len(drawn) == 1 and drawn[0].pitch == pitch and drawn[0].start == step
    assert window.isWindowModified()
    edit_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Edit")
    undo = next(a for a in edit_menu.actions() if a is window.actions["undo"])
    undo.trigger()
    assert window.document.melody == SEED and not window.isWindowModified()
    window.actions["redo"].trigger()
    assert drawn[0] in window.document.melody.notes
    window.actions["select_all"].trigger()
    window.actions["delete"].trigger()
    assert window.document.melody.notes == ()


def test_editing_keys_on_the_focused_roll_reach_the_window_actions(qtbot, make_window):
    # The roll no longer handles Ctrl+A, Delete, Ctrl+Z...: the window's shortcuts must.
    window, _ = make_window()
    grid = window.roll.note_grid
    grid.setFocus()
    qtbot.waitUntil(grid.hasFocus)
    press_keys(window, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier, target=grid)
    assert len(window.roll.editor.selected_notes()) == len(SEED.notes)
    press_keys(window, Qt.Key.Key_Delete, target=grid)
    assert window.document.melody.notes == ()
    press_keys(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier, target=grid)
    assert window.document.melody == SEED
    press_keys(window, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier, target=grid)
    assert window.document.melody.notes == ()
    press_keys(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier, target=grid)
    assert window.document.melody.notes == ()  # nothing left to redo: unchanged


def test_edit_menu_offers_the_roll_commands(qtbot, make_window):
    window, _ = make_window()
    edit_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Edit")
    texts = [a.text().replace("&", "") for a in edit_menu.actions() if not a.isSeparator()]
    for wanted in ("Undo", "Redo", "Cut", "Copy", "Paste", "Duplicate", "Delete", "Select All", "Quantize",
                   "Transpose Up a Semitone", "Transpose Down an Octave"):
        assert any(t.startswith(wanted) for t in texts), wanted
    window.actions["transpose_up"].trigger()  # nothing selected: the whole melody
    assert window.document.melody == SEED.transpose(1)


def test_roll_status_messages_reach_the_status_bar(qtbot, make_window):
    window, _ = make_window()
    window.roll.status_message.emit("Snap is one step")
    assert window.statusBar().currentMessage() == "Snap is one step"


# --- New from Corpus --------------------------------------------------------------------------------------


def test_new_from_corpus_starts_from_a_shipped_opening(qtbot, models_dir, make_window):
    window, dialogs = make_window()
    seen = set()
    for _ in range(12):
        assert window.files.new_from_corpus()
        melody = window.document.melody
        assert melody in OPENINGS
        # The marker sits on the phrase's closing bar line: 32 in 4/4, and in 3/4 (bars of 12
        # steps) 36, though that opening's last note ends at 32.
        assert window.document.marker == (32 if melody == OPENINGS[0] else 36)
        assert not window.document.is_modified()
        seen.add(melody)
    assert len(seen) == 2  # random, not always the first
    assert dialogs.asked == []


def test_new_from_corpus_without_openings_explains(qtbot, make_window):
    window, dialogs = make_window()
    assert window.files.new_from_corpus() is False
    assert dialogs.kinds() == ["error"] and "openings" in dialogs.messages()[0]
    assert window.document.melody == SEED


# --- settings persist -------------------------------------------------------------------------------------


def test_generation_settings_and_geometry_survive_a_restart(qtbot, make_window):
    window, _ = make_window()
    wanted = window.panel.settings().replace(temperature=1.4, rest_weight=0.5, bars=12, variations=6,
                                             key_lock="G major", rng_seed=77, seed_locked=True)
    window.panel.set_settings(wanted)
    window.resize(window.minimumSizeHint().width() + 10, 540)  # the offscreen screen is 800x600
    window.panel_dock.hide()
    window.close()
    assert json.loads(prefs.read(prefs.GENERATION))["bars"] == 12

    again, _ = make_window()
    assert again.panel.settings() == wanted
    assert again.height() == 540
    assert again.panel_dock.isHidden()  # the dock layout comes back too


def test_damaged_settings_fall_back_to_defaults(qtbot, make_window):
    prefs.store().setValue(prefs.GENERATION.key, "{not json")
    prefs.store().setValue(prefs.RECENT_FILES.key, 17)
    window, _ = make_window()
    assert window.panel.settings().bars == 4
    assert isinstance(prefs.recent_files(), list)


# --- screenshot and error hook -------------------------------------------------------------------------------


def test_screenshot_renders_the_window_with_a_pending_continuation(tmp_path):
    target = tmp_path / "shot.png"
    env = {**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen", "SEGUE_LOG_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "main.py", "--screenshot", str(target)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    from PySide6.QtGui import QImage

    image = QImage(str(target))
    assert image.width() >= 1000 and image.height() >= 600
    assert "Traceback" not in result.stderr


def test_unexpected_errors_are_logged_and_shown_without_a_traceback(qtbot, tmp_path, monkeypatch, make_window):
    from segue.gui import app

    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append((title, text)))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    window, _ = make_window()
    window.start_up(load_model=False)
    window.document.set_melody(SEED.transpose(2), "Transpose")
    log_file = tmp_path / "segue.log"
    handler = logging.FileHandler(log_file)
    logging.getLogger("segue").addHandler(handler)
    try:
        app.install_excepthook(lambda: window, log_file)
        try:
            raise KeyError("boom in a slot")
        except KeyError:
            sys.excepthook(*sys.exc_info())
    finally:
        logging.getLogger("segue").removeHandler(handler)
        handler.close()
    assert len(shown) == 1
    title, text = shown[0]
    assert "boom in a slot" in text and "Traceback" not in text and str(log_file) in text
    assert "Traceback" in log_file.read_text()
    assert window.autosaver.path.exists()  # the piece was autosaved on the way
    window.autosaver.stop()


def test_version_and_help_need_no_window():
    result = subprocess.run([sys.executable, "main.py", "--help"], cwd=ROOT, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0 and "--screenshot" in result.stdout



def answer_modal(qtbot, button_text):
    """Click ``button_text`` in the next modal dialog as soon as it shows."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QAbstractButton

    def click():
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(10, click)
            return
        for button in dialog.findChildren(QAbstractButton):
            if button.text().replace("&", "") == button_text:
                button.click()
                return
        dialog.close()

    QTimer.singleShot(10, click)


def test_the_real_dialogs_ask_and_answer(qtbot, main_window):
    from segue.gui.dialogs import CANCEL, DISCARD, Dialogs

    window = main_window(Document(SEED, SEED.end))
    window.show()
    dialogs = Dialogs(window)
    answer_modal(qtbot, "Discard")
    assert dialogs.ask_save_changes("tune") == DISCARD
    answer_modal(qtbot, "Cancel")
    assert dialogs.ask_save_changes("tune") == CANCEL
    answer_modal(qtbot, "No")
    assert dialogs.ask_restore("an untitled piece") is False
    answer_modal(qtbot, "OK")
    dialogs.error("Could not open", "Could not open x.segue: it is damaged.")


def test_the_real_track_chooser_and_export_dialogs(qtbot):
    from segue.engine.midi_io import TrackInfo
    from segue.gui.dialogs import Dialogs
    from segue.gui.window.export import VARIATION

    dialogs = Dialogs()
    tracks = [TrackInfo(0, "Lead", 0, 73, "Flute", 12, (60, 79), False, False),
              TrackInfo(2, "Pads", 1, 88, "Pad 1 (new age)", 40, (48, 72), False, True)]
    answer_modal(qtbot, "Import")
    assert dialogs.choose_track("song.mid", tracks) == 0
    answer_modal(qtbot, "Cancel")
    assert dialogs.choose_track("song.mid", tracks) is None
    answer_modal(qtbot, "Export…")
    options = dialogs.export_options(has_variation=True, has_seed=True)
    assert options is not None and options.what != VARIATION


def test_a_loaded_model_narrows_a_pitch_range_it_cannot_play(qtbot, models_dir, make_window):
    window, _ = make_window()
    window.panel.set_settings(window.panel.settings().replace(pitch_low=100, pitch_high=120))
    start(qtbot, window)
    settings = window.panel.settings()
    assert (settings.pitch_low, settings.pitch_high) == (96, 96)  # the tiny model plays 36-96


def test_the_app_starts_without_torch_and_freezes_the_collector_after_start_up_and_model_loads(tmp_path):
    """gc.freeze keeps a full collection from stalling the playback thread (see gui/app.py)."""
    code = (
        "import gc, sys\n"
        "from PySide6.QtCore import QTimer\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from segue.engine.live import ports\n"
        "from tests.fakes.live import FakeRtmidi\n"
        "from segue.gui import app, settings\n"
        "ports.default_system = lambda: ports.MidiSystem(FakeRtmidi(), path_exists=lambda p: True)\n"
        f"settings.use_private_store({str(tmp_path / 'settings')!r})\n"
        "from segue.gui.generation.model_loader import LoadedModel\n"
        "qt_app = QApplication(sys.argv[:1])\n"
        "freezes = []\n"
        "real_freeze = gc.freeze\n"
        "gc.freeze = lambda: (freezes.append(1), real_freeze())\n"
        "def report():\n"
        "    window = next(w for w in qt_app.topLevelWidgets() if w.objectName() == 'MainWindow')\n"
        "    print('torch' in sys.modules, len(freezes), window.transport.isVisible())\n"
        "    window.models.loaded.emit(LoadedModel('stand-in', 'stand-in', object(), 'CPU'))\n"
        "    print(len(freezes))\n"
        "    window.close()\n"
        "    qt_app.quit()\n"
        "QTimer.singleShot(300, report)\n"
        "sys.exit(app.main([]))\n"
    )
    env = {**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen",
           "SEGUE_LOG_DIR": str(tmp_path), "SEGUE_MODELS_DIR": str(tmp_path / "no-models"),
           "SEGUE_RECOVERY_DIR": str(tmp_path / "recovery")}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "1", "True", "2"]


# --- found in a hands-on QA pass -------------------------------------------------------------------


def test_a_bad_model_file_leaves_the_working_model_in_charge(qtbot, models_dir, tmp_path, make_window):
    bad = tmp_path / "random.safetensors"
    bad.write_bytes(b"\x00\x01 not a model")
    window, dialogs = make_window(open_path=str(bad))
    start(qtbot, window)
    working = window.models.current
    with qtbot.waitSignal(window.models.failed, timeout=20000):
        window.actions["open_model"].trigger()
    assert window.models.current is working
    assert window.status.model_label.text() == "Model: folk" and window.status.device_label.text() == "CPU"
    assert window.panel.model_state.isHidden()
    assert window.panel.model_combo.currentText() == "folk"
    assert window.panel.model_combo.findData(str(bad)) < 0
    assert window.panel.settings().model == "folk"
    assert prefs.read_generation_settings().model == "folk"  # the next start is not broken
    assert dialogs.kinds() == ["open_path", "error"]
    assert "random.safetensors" in dialogs.messages()[0] and "goes on with the model folk" in dialogs.messages()[0]
    window.panel.set_settings(window.panel.settings().replace(bars=1, variations=1))
    with idle_after(qtbot, window):
        window.actions["continue"].trigger()
    assert len(window.document.variations) == 1


def test_redo_and_quit_have_their_usual_keys_on_every_platform(qtbot, make_window):
    window, _ = make_window()
    redo = [s.toString() for s in window.actions["redo"].shortcuts()]
    assert redo[:2] == ["Ctrl+Shift+Z", "Ctrl+Y"] and len(redo) == len(set(redo))
    assert window.actions["undo"].shortcut().toString() == "Ctrl+Z"
    assert window.actions["quit"].shortcut().toString() == "Ctrl+Q"


def test_ctrl_y_redoes_from_anywhere_in_the_window(qtbot, make_window):
    window, _ = make_window()
    window.document.set_melody(SEED.transpose(2), "Transpose")
    window.actions["undo"].trigger()
    window.panel.key_lock.setFocus()  # not the roll: the window's own shortcut must do it
    press_keys(window, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier, target=window.panel.key_lock)
    assert window.document.melody == SEED.transpose(2)


def test_the_view_menu_zooms_and_hides_the_generation_panel(qtbot, make_window):
    window, _ = make_window()
    texts = [a.text().replace("&", "") for a in window.view_menu.actions() if not a.isSeparator()]
    assert texts[:3] == ["Zoom In", "Zoom Out", "Zoom to Fit"]
    assert {"Generation Panel", "Preview Notes", "Fold to Scale", "Snap to Scale"} <= set(texts)
    width = window.roll.roll_geometry.step_width
    window.actions["zoom_in"].trigger()
    assert window.roll.roll_geometry.step_width > width
    window.actions["zoom_out"].trigger()
    assert window.roll.roll_geometry.step_width == pytest.approx(width)
    toggle = window.panel_dock.toggleViewAction()
    assert toggle.isEnabled() and toggle.isChecked()
    toggle.trigger()
    assert window.panel_dock.isHidden()
    toggle.trigger()
    assert window.panel_dock.isVisible()


def test_clicking_the_panels_buttons_leaves_the_keys_with_the_notes(qtbot, models_dir, make_window):
    window, _ = make_window()
    start(qtbot, window)
    window.panel.set_settings(window.panel.settings().replace(bars=1, variations=2))
    window.activateWindow()
    window.roll.note_grid.setFocus()
    window.roll.editor.select_all()
    tempo = window.document.melody.tempo
    with idle_after(qtbot, window):
        qtbot.mouseClick(window.panel.continue_button, Qt.MouseButton.LeftButton)
    # Continue disabled itself while it ran: the focus must not have moved on to the tempo box.
    assert QApplication.focusWidget() is window.roll.note_grid
    qtbot.mouseClick(window.roll.header.fit, Qt.MouseButton.LeftButton)
    assert QApplication.focusWidget() is window.roll.note_grid
    press_keys(window, Qt.Key.Key_Delete, target=window.roll.note_grid)
    assert window.document.melody.notes == () and window.document.melody.tempo == tempo
    assert window.transport.tempo_spin.text() == f"{tempo:.1f} BPM"


def test_a_restored_session_loads_its_model_once(qtbot, models_dir, tmp_path, make_window):
    from segue.engine.session import Session
    from segue.gui.window.autosave import Autosaver

    crashed = Document(SEED.add(Note(72, 16, 4)), 20)
    crashed.set_melody(crashed.melody.add(Note(74, 20, 4)), "Draw")
    saver = Autosaver(crashed, snapshot=lambda: Session(crashed.piece, prefs.read_generation_settings()),
                      folder=tmp_path / "recovery", interval_ms=60_000)
    assert saver.save_now()
    saver.path.rename(saver.path.with_name("recovery-999998.segue"))  # as if its Segue crashed
    window, dialogs = make_window(restore=True)
    loads = []
    window.models.loading.connect(loads.append)
    start(qtbot, window)
    assert dialogs.kinds() == ["restore"] and window.document.melody == crashed.melody
    assert loads == ["folk"]


def test_key_lock_auto_names_the_seeds_key(qtbot, make_window):
    window, _ = make_window()
    auto = window.panel.key_lock.findData("auto")
    assert window.panel.key_lock.itemText(auto) == "Auto (D major)"  # D F# A G
    window.document.set_melody(Melody([Note(57, 0, 4), Note(60, 4, 4), Note(64, 8, 4), Note(69, 12, 4)]),
                               "Draw")
    assert window.panel.key_lock.itemText(auto) == "Auto (A minor)"
    # Nothing before the marker: Continue would continue from the end, so Auto reads the whole
    # piece, as the roll's key and export do (one rule: engine.piece.Piece.key_melody).
    window.document.set_marker(0)
    assert window.panel.key_lock.itemText(auto) == "Auto (A minor)"
    window.document.set_melody(Melody(), "Delete")
    assert window.panel.key_lock.itemText(auto) == "Auto (key of the seed)"


def test_variations_that_land_off_screen_are_brought_into_view(qtbot, models_dir, make_window):
    window, _ = make_window()
    window.resize(1280, 800)
    start(qtbot, window)
    window.roll.set_view(step_width=16, scroll_x=0)
    window.panel.set_settings(window.panel.settings().replace(bars=16, variations=1))
    with idle_after(qtbot, window):
        window.actions["continue"].trigger()
    variation = window.document.current_variation()
    geometry, grid = window.roll.roll_geometry, window.roll.note_grid
    first, last = geometry.visible_steps(grid.width())
    low, high = geometry.visible_pitches(grid.height())
    assert first <= window.document.marker and variation.end <= last
    assert low <= variation.pitch_range()[0] and variation.pitch_range()[1] <= high


def test_a_first_start_fits_the_window_on_a_small_screen():
    from PySide6.QtCore import QSize

    from segue.gui.window.main_window import first_window_size

    assert first_window_size(QSize(1920, 1050)) == (1280, 800)
    width, height = first_window_size(QSize(1280, 770))  # a 1280x800 laptop less its panel
    assert width < 1280 and height < 770 - 20  # room for the title bar
    assert first_window_size(QSize(0, 0)) == (1280, 800)  # no screen information


def test_a_midi_file_offered_as_a_model_is_called_what_it_is(tmp_path):
    from segue.engine.ml.checkpoint import ModelError
    from segue.gui.generation.model_loader import load_model_job

    song = tmp_path / "song.mid"
    song.write_bytes(b"MThd\x00\x00\x00\x06\x00\x01\x00\x01\x01\xe0")
    with pytest.raises(ModelError, match=r"song.mid is not a Segue model \(a model is NAME.safetensors"):
        load_model_job(str(song))
    with pytest.raises(ModelError, match="pickle"):  # the engine's own word for checkpoints
        (tmp_path / "weights.pt").write_bytes(b"\x80\x02")
        load_model_job(str(tmp_path / "weights.pt"))


# --- narrow windows and keys in the panel -------------------------------------------------------


@pytest.mark.parametrize("width", [1024, 1600])
def test_panic_and_the_transport_stay_visible_in_a_narrow_window(make_window, width):
    window, _ = make_window()
    window.resize(width, 700)
    QApplication.processEvents()
    transport = window.transport
    for action in (transport.panic_action, transport.call_response_action,
                   transport.metronome_action, transport.loop_action):
        button = transport.widgetForAction(action)
        assert button is not None and button.isVisible(), action.text()
        right = button.mapTo(window, button.rect().topRight()).x()
        assert right < window.width(), action.text()
    ports = transport.ports_bar
    assert transport.output_combo.isVisible()
    combo_right = transport.output_combo.mapTo(window, transport.output_combo.rect().topRight())
    assert combo_right.x() < window.width()
    # 1024: the ports wrap onto a row of their own; 1600: everything on one row.
    assert window.toolBarBreak(ports) == (width == 1024)


def test_home_in_a_focused_slider_moves_the_slider_not_the_playhead(make_window, qtbot):
    window, _ = make_window()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    slider = window.panel.findChildren(QSlider)[0]
    slider.setValue(slider.maximum())
    returned = []
    window.actions["return_to_start"].triggered.connect(lambda *_: returned.append(True))
    slider.setFocus()
    qtbot.keyClick(slider, Qt.Key.Key_Home)
    assert slider.value() == slider.minimum()
    assert returned == []
    window.roll.note_grid.setFocus()  # elsewhere Home still returns to the start
    qtbot.keyClick(window.roll.note_grid, Qt.Key.Key_Home)
    assert returned == [True]
