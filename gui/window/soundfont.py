"""The built-in instrument's sound: any General MIDI SoundFont (.sf2/.sf3) the user owns, or the
bank shipped with Segue. Remembered (``prefs.SOUNDFONT``); used by the instrument and by audio
export alike.

``SoundFontChooser(playback, dialogs, parent=None)``   ``choose_action`` ("Instrument
SoundFont…": a file dialog), ``built_in_action`` (back to the shipped bank), ``use(path)``.
A file is checked first, in the worker, by a short-lived child process
(``engine.audio.soundfont_check``): a damaged SoundFont can crash the synthesizer's parser,
which must never be Segue's own process, and a large bank takes a while to read, which must
never freeze the window. ``settled(bool)`` says how a choice ended (``changed`` which file is in
use); a file that cannot be used gives one message naming it and the reason, and the bank in
use stays.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction

from segue.engine import file_formats
from segue.engine.audio.soundfont_check import iter_check_soundfont
from segue.gui import settings as prefs
from segue.gui.worker import Worker


class SoundFontChooser(QObject):
    """See the module docstring."""

    status_message = Signal(str, int)
    changed = Signal(str)  # the SoundFont now in use: a path, or '' for the built-in bank
    settled = Signal(bool)  # a choice ended: True when the file plays now, False when refused

    def __init__(self, playback, dialogs, parent: QObject | None = None):
        super().__init__(parent)
        self.playback, self.dialogs = playback, dialogs
        self._check: Worker | None = None
        self.choose_action = QAction("Instrument &SoundFont…", self)
        self.choose_action.setStatusTip("Play the built-in instrument with a SoundFont you own.")
        self.choose_action.triggered.connect(lambda _checked=False: self.choose())
        self.built_in_action = QAction("Use the Built-in &Bank", self)
        self.built_in_action.setStatusTip("Play the General MIDI bank shipped with Segue.")
        self.built_in_action.triggered.connect(lambda _checked=False: self.use(None))

    @property
    def is_checking(self) -> bool:
        return self._check is not None

    def choose(self) -> bool:
        current = prefs.read(prefs.SOUNDFONT)
        folder = str(Path(current).parent) if current else ""
        path = self.dialogs.open_path("Choose a SoundFont", file_formats.SOUNDFONT_FILTER, folder)
        return bool(path) and self.use(path)

    def use(self, path: str | None) -> bool:
        """Play ``path`` from now on once it is checked (``settled`` says how that ended), or
        the built-in bank (None) at once; False when a check is already under way."""
        if self._check is not None:
            return False
        if path is None:
            self._play(None)
            return True
        worker = Worker(self)
        self._check = worker
        worker.finished.connect(lambda _result, path=path: self._play(path))
        worker.errored.connect(self._refuse)
        worker.cancelled.connect(self._forget_check)
        worker.done.connect(worker.deleteLater)
        self.status_message.emit(f"Checking the SoundFont '{Path(path).name}'…", 0)
        worker.start(lambda: iter_check_soundfont(path))
        return True

    def shutdown(self) -> None:
        """Stop a check under way (its child process is killed) and wait for the worker."""
        worker = self._check
        if worker is not None:
            worker.cancel()
            worker.wait()

    def _play(self, path: str | None) -> None:
        self._forget_check()  # settled: a new choice may start at once
        prefs.write(prefs.SOUNDFONT, path or "")
        self.playback.set_soundfont(path)
        self.changed.emit(path or "")
        name = Path(path).name if path else "the built-in General MIDI bank"
        self.status_message.emit(f"The built-in instrument plays {name}.", 6000)
        self.settled.emit(True)

    def _refuse(self, message: str) -> None:
        self._forget_check()
        self.status_message.emit("", 0)
        self.dialogs.error("Cannot use this SoundFont", f"{message} The bank in use stays.")
        self.settled.emit(False)

    def _forget_check(self) -> None:
        self._check = None
