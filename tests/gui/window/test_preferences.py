"""Edit > Preferences: the built-in instrument's SoundFont and note preview, applied at once."""

import os
import shutil
import sys

import pytest
from PySide6.QtCore import Qt

from segue.engine.audio.soundfont import BUILT_IN_SOUNDFONT
from segue.gui import settings as prefs
from segue.gui.window.preferences import BUILT_IN_NAME
from tests.engine.audio.soundfont_mutants import CRASHING_SEEDS, write_mutant
from tests.fakes.dialogs import ScriptedDialogs

pytest.importorskip("tinysoundfont")


def open_preferences(window):
    window.actions["preferences"].trigger()
    return window.preferences_dialog


def test_edit_menu_opens_preferences_on_ctrl_comma(main_window):
    window = main_window()
    action = window.actions["preferences"]
    assert action.shortcut().toString() == "Ctrl+,"
    assert action in window.edit_menu.actions()
    dialog = open_preferences(window)
    assert dialog.isVisible() and open_preferences(window) is dialog  # one at a time
    assert dialog.soundfont_name.text() == BUILT_IN_NAME and not dialog.built_in_button.isEnabled()


def test_choosing_a_soundfont_the_user_owns_plays_it_and_is_remembered(main_window, tmp_path, qtbot):
    owned = tmp_path / "My Strings.sf2"
    shutil.copy(BUILT_IN_SOUNDFONT, owned)
    window = main_window(dialogs=ScriptedDialogs(open_path=str(owned)))
    used = []
    window.playback.set_soundfont = used.append
    dialog = open_preferences(window)
    with qtbot.waitSignal(window.soundfont.settled, timeout=60000) as settled:
        qtbot.mouseClick(dialog.choose_button, Qt.MouseButton.LeftButton)
        assert window.soundfont.is_checking  # read in the worker: the window goes on
    assert settled.args == [True]
    assert used == [str(owned)] and prefs.read(prefs.SOUNDFONT) == str(owned)
    assert dialog.soundfont_name.text() == "My Strings.sf2" and dialog.built_in_button.isEnabled()
    qtbot.mouseClick(dialog.built_in_button, Qt.MouseButton.LeftButton)
    assert used == [str(owned), None] and prefs.read(prefs.SOUNDFONT) == ""
    assert dialog.soundfont_name.text() == BUILT_IN_NAME


def test_a_file_that_is_not_a_soundfont_is_named_and_the_bank_stays(main_window, tmp_path, qtbot):
    bad = tmp_path / "song.sf2"
    bad.write_bytes(b"RIFF but not really")
    dialogs = ScriptedDialogs(open_path=str(bad))
    window = main_window(dialogs=dialogs)
    dialog = open_preferences(window)
    with qtbot.waitSignal(window.soundfont.settled, timeout=60000) as settled:
        qtbot.mouseClick(dialog.choose_button, Qt.MouseButton.LeftButton)
    assert settled.args == [False]
    [message] = dialogs.messages()
    assert "song.sf2" in message and "The bank in use stays." in message
    assert prefs.read(prefs.SOUNDFONT) == "" and dialog.soundfont_name.text() == BUILT_IN_NAME


@pytest.mark.synth
def test_a_soundfont_that_crashes_the_synthesizer_is_named_as_damaged(main_window, tmp_path, qtbot):
    # Checked in a child process: parsed in the app's own, this file can kill it.
    damaged = write_mutant(tmp_path, CRASHING_SEEDS[0])
    dialogs = ScriptedDialogs(open_path=str(damaged))
    window = main_window(dialogs=dialogs)
    used = []
    window.playback.set_soundfont = used.append
    dialog = open_preferences(window)
    with qtbot.waitSignal(window.soundfont.settled, timeout=60000):
        qtbot.mouseClick(dialog.choose_button, Qt.MouseButton.LeftButton)
    assert dialogs.messages() == [
        f"Cannot use the SoundFont '{damaged.name}': it is damaged. The bank in use stays."
    ]
    assert used == [] and prefs.read(prefs.SOUNDFONT) == ""
    assert dialog.soundfont_name.text() == BUILT_IN_NAME


def test_the_preview_box_and_the_view_menu_toggle_are_one_setting(main_window, qtbot):
    window = main_window()
    dialog = open_preferences(window)
    preview = window.live.preview_action
    assert dialog.preview.isChecked() == preview.isChecked() is True
    dialog.preview.click()
    assert not preview.isChecked() and prefs.read(prefs.NOTE_PREVIEW) is False
    preview.trigger()
    assert dialog.preview.isChecked() and prefs.read(prefs.NOTE_PREVIEW) is True


def choose_buffer(dialog, frames):
    index = dialog.buffer_combo.findData(frames)
    dialog.buffer_combo.setCurrentIndex(index)
    dialog.buffer_combo.activated.emit(index)  # as a click on the item does


def test_the_audio_buffer_size_applies_at_once_and_is_remembered(main_window):
    window = main_window()
    asked = []
    window.playback.set_buffer_frames = lambda frames: asked.append(frames) or True
    dialog = open_preferences(window)
    assert dialog.buffer_combo.currentData() == 0
    assert dialog.buffer_combo.currentText() == "Automatic (the device's low latency)"
    labels = [dialog.buffer_combo.itemText(i) for i in range(dialog.buffer_combo.count())]
    assert "256 samples (5.3 ms)" in labels and "1024 samples (21.3 ms)" in labels
    choose_buffer(dialog, 1024)
    assert asked == [1024] and prefs.read(prefs.AUDIO_BUFFER) == 1024


def test_a_buffer_size_the_device_refuses_is_not_kept(main_window):
    window = main_window()
    window.playback.set_buffer_frames = lambda frames: frames != 128
    dialog = open_preferences(window)
    choose_buffer(dialog, 512)
    choose_buffer(dialog, 128)
    assert prefs.read(prefs.AUDIO_BUFFER) == 512 and dialog.buffer_combo.currentData() == 512


def test_closing_the_window_while_a_soundfont_is_checked_kills_its_child(main_window, tmp_path,
                                                                         qtbot, monkeypatch):
    from segue.engine.audio import soundfont_check

    pid_file = tmp_path / "checker.pid"
    hang = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(600)"
    monkeypatch.setattr(soundfont_check, "child_command",
                        lambda module, *args: [sys.executable, "-c", hang])
    slow = tmp_path / "Huge Bank.sf2"
    slow.write_bytes(b"RIFF")
    window = main_window(dialogs=ScriptedDialogs(open_path=str(slow)))
    assert window.soundfont.choose() and window.soundfont.is_checking  # the window goes on
    qtbot.waitUntil(lambda: pid_file.exists() and bool(pid_file.read_text()), timeout=10000)
    pid = int(pid_file.read_text())
    window.soundfont.shutdown()  # what closing the window does
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # killed and reaped, not left reading
    assert prefs.read(prefs.SOUNDFONT) == ""
