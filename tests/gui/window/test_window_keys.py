"""Issue 21: Ctrl+E did nothing while a number box had the focus. On Linux desktops (xcb) a
spin box's text field claims Ctrl+E (Emacs' end of line) before any shortcut sees it; the
window's keys now go first, except the clipboard, undo and select-all keys the box keeps."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QMainWindow, QSpinBox

from segue.gui.window.window_keys import is_window_key, window_keys_work_in_number_boxes

ROOT = Path(__file__).resolve().parents[3]
CTRL = Qt.KeyboardModifier.ControlModifier


def key(sequence: str) -> QKeyEvent:
    combination = QKeySequence(sequence)[0]
    return QKeyEvent(QEvent.Type.ShortcutOverride, combination.key(),
                     combination.keyboardModifiers())


@pytest.mark.parametrize("sequence, window", [
    ("Ctrl+E", True), ("Ctrl+G", True), ("Ctrl+Return", True), ("Alt+Right", True),
    ("Ctrl+Backspace", True), ("Ctrl+U", True),
    ("Ctrl+C", False), ("Ctrl+V", False), ("Ctrl+Z", False), ("Ctrl+A", False),
    ("5", False), ("Home", False), ("Backspace", False),
])
def test_which_keys_go_to_the_window(qapp, sequence, window):
    assert is_window_key(key(sequence)) is window


class LinuxStyleBox(QSpinBox):
    """A spin box whose text field claims Ctrl+E, as it does on xcb (Emacs' end of line)."""

    def event(self, event):
        ctrl_e = QKeySequence("Ctrl+E")[0]
        if event.type() == QEvent.Type.ShortcutOverride and event.keyCombination() == ctrl_e:
            event.accept()
            return True
        return super().event(event)


def test_a_box_that_claims_ctrl_e_lets_the_window_have_it(qtbot):
    window = QMainWindow()
    qtbot.addWidget(window)
    box = LinuxStyleBox()
    window.setCentralWidget(box)
    exported = []
    action = QAction("Export", window)
    action.setShortcut(QKeySequence("Ctrl+E"))
    action.triggered.connect(lambda: exported.append(True))
    window.addAction(action)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    box.setFocus()
    qtbot.waitUntil(box.hasFocus)
    qtbot.keyClick(box, Qt.Key.Key_E, CTRL)
    assert exported == []  # the defect, as a musician on X11 met it
    window_keys_work_in_number_boxes(window)
    qtbot.keyClick(box, Qt.Key.Key_E, CTRL)
    assert exported == [True]
    box.lineEdit().setText("12")
    box.lineEdit().selectAll()
    qtbot.keyClick(box, Qt.Key.Key_C, CTRL)  # the box keeps its own copy
    assert QApplication.clipboard().text() == "12" and exported == [True]


def test_ctrl_e_exports_from_every_number_box_of_the_window(main_window, qtbot):
    window = main_window()
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    boxes = [b for b in window.findChildren(QAbstractSpinBox) if b.isVisibleTo(window)]
    assert window.transport.tempo_spin in boxes and len(boxes) > 3
    for box in boxes:
        box.setFocus()
        qtbot.waitUntil(box.hasFocus)
        before = window.dialogs.kinds().count("export")
        qtbot.keyClick(box, Qt.Key.Key_E, CTRL)
        assert window.dialogs.kinds().count("export") == before + 1, box.objectName()


@pytest.mark.skipif(shutil.which("xvfb-run") is None,
                    reason="needs Xvfb (xvfb-run) to press keys on a real X11 display")
def test_ctrl_e_exports_from_the_tempo_box_on_x11(tmp_path):
    code = (
        "import sys\n"
        "from PySide6.QtCore import Qt\n"
        "from PySide6.QtTest import QTest\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from segue.engine.live.ports import MidiSystem\n"
        "from segue.gui import settings\n"
        f"settings.use_private_store({str(tmp_path / 'settings')!r})\n"
        "from segue.gui.window.main_window import MainWindow\n"
        "from tests.fakes.audio import fake_audio\n"
        "from tests.fakes.dialogs import ScriptedDialogs\n"
        "from tests.fakes.live import FakeRtmidi\n"
        "app = QApplication(sys.argv[:1])\n"
        "dialogs = ScriptedDialogs()\n"
        "window = MainWindow(dialogs=dialogs, audio=fake_audio(available=False)[0],\n"
        "    midi_system=MidiSystem(FakeRtmidi(), path_exists=lambda _p: True),\n"
        f"    recovery_folder={str(tmp_path / 'recovery')!r})\n"
        "window.show()\n"
        "QTest.qWaitForWindowExposed(window)\n"
        "window.activateWindow()\n"
        "box = window.transport.tempo_spin\n"
        "box.setFocus()\n"
        "QTest.qWait(50)\n"
        "QTest.keyClick(box, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)\n"
        "print(app.platformName(), dialogs.kinds().count('export'))\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb", "SEGUE_LOG_DIR": str(tmp_path),
           "SEGUE_MODELS_DIR": str(tmp_path / "no-models")}
    result = subprocess.run(["xvfb-run", "-a", sys.executable, "-c", code], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["xcb", "1"], result.stdout + result.stderr
