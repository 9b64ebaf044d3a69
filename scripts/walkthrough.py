"""A musician's walk-through of the real window, grabbed to PNGs (for the closing notes).

``xvfb-run -s "-screen 0 1600x1000x24" .venv/bin/python scripts/walkthrough.py [OUT_FOLDER]``
(or ``QT_QPA_PLATFORM=offscreen``). At 1024x700 and at 1600x1000 it starts the window on fake
MIDI ports with long names, draws a few notes on an empty roll, continues with the shipped
model (a stand-in when none loads), accepts, and opens Help > Keyboard Shortcuts, writing one
PNG per step to OUT_FOLDER (default /tmp/walk). Preferences and recovery files go to a temporary
folder: the user's own are never touched.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QPoint, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from segue.gui import settings as prefs  # noqa: E402
from tests.fakes.audio import fake_audio  # noqa: E402
from tests.fakes.live import FakeRtmidi, fake_system  # noqa: E402

SIZES = ((1024, 700), (1600, 1000))
OUTPUTS = ["midi-monitor:input 128:0", "FLUID Synth (qsynth):Synth input port (4242:0) 130:0"]
INPUTS = ["Arturia KeyStep 32:Arturia KeyStep 32 MIDI 1 24:0"]
# (pitch, start step) of the notes drawn: a rising figure over two bars of 4/4.
DRAWN = [(67, 0), (69, 4), (71, 8), (74, 12), (72, 16), (71, 20), (69, 24), (67, 28)]


def settle(app: QApplication, until=None, timeout: float = 60.0) -> None:
    """Process events until ``until()`` holds (or for a moment when None)."""
    deadline = time.monotonic() + (timeout if until else 0.3)
    while time.monotonic() < deadline:
        app.processEvents()
        if until is not None and until():
            break
        time.sleep(0.01)
    app.processEvents()


def grab(widget, folder: Path, name: str) -> None:
    path = folder / f"{name}.png"
    widget.grab().save(str(path), "PNG")
    print(f"{path}: {widget.width()}x{widget.height()}")


def draw(app, window, notes) -> None:
    """Click the notes onto the roll, as a user would with the draw tool."""
    roll = window.roll
    geometry, grid = roll.roll_geometry, roll.note_grid
    for pitch, start in notes:
        x = geometry.x_of(start) + geometry.step_width * 0.5
        y = geometry.y_of(pitch) + geometry.key_height / 2
        QTest.mouseClick(grid, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         QPoint(round(x), round(y)))
        app.processEvents()


def walk(app: QApplication, size: tuple[int, int], folder: Path) -> None:
    from segue.gui.window.main_window import MainWindow
    from segue.gui.window.shortcuts_dialog import show_shortcuts

    width, height = size
    tag = f"{width}x{height}"
    midi = fake_system(FakeRtmidi(outputs=OUTPUTS, inputs=INPUTS))
    window = MainWindow(midi_system=midi, audio=fake_audio()[0],
                        recovery_folder=Path(tempfile.mkdtemp()) / "recovery")
    window.show()
    window.resize(width, height)
    window.start_up(load_model=True)
    settle(app, lambda: window.models.current is not None, timeout=90)
    grab(window, folder, f"{tag}-1-start")

    window.actions["new"].trigger()
    settle(app)
    window.roll.zoom_to_fit()
    settle(app)
    grab(window, folder, f"{tag}-2-empty")
    draw(app, window, DRAWN)
    window.document.set_marker(window.document.melody.end)
    settle(app)
    grab(window, folder, f"{tag}-3-drawn")

    window.actions["continue"].trigger()
    settle(app, lambda: bool(window.document.variations) and not window.continuation.is_running)
    grab(window, folder, f"{tag}-4-continued")
    window.actions["continue"].trigger()  # continue again: the roll keeps the seed's end in view
    settle(app, lambda: not window.continuation.is_running)
    settle(app)
    grab(window, folder, f"{tag}-5-continued-again")

    window.actions["accept"].trigger()
    settle(app)
    grab(window, folder, f"{tag}-6-accepted")

    dialog = show_shortcuts(window)  # what Help > Keyboard Shortcuts opens
    settle(app)
    grab(dialog, folder, f"{tag}-7-shortcuts")
    dialog.filter_edit.setText("play")
    settle(app)
    grab(dialog, folder, f"{tag}-8-shortcuts-filtered")
    dialog.close()

    window.document.mark_saved()  # no unsaved-changes question at close
    window.close()
    settle(app)


def main(argv: list[str]) -> int:
    folder = Path(argv[0] if argv else "/tmp/walk")
    folder.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    prefs.use_private_store(tempfile.mkdtemp())
    for size in SIZES:
        prefs.use_private_store(tempfile.mkdtemp())  # each size starts like a first start
        walk(app, size, folder)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
