"""The built-in instrument's sound: any General MIDI SoundFont (.sf2/.sf3) the user owns, or the
bank shipped with Segue. Remembered (``prefs.SOUNDFONT``); used by the instrument and by audio
export alike.

``SoundFontChooser(playback, dialogs, parent=None)``   ``choose_action`` ("Instrument
SoundFont…": a file dialog), ``built_in_action`` (back to the shipped bank), ``use(path)``
(True when the file is now in use; ``changed`` says which). A file that cannot be used gives
one message naming it and the reason; the bank in use stays.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction

from segue.engine import file_formats
from segue.engine.audio.soundfont import SoundFontError, SoundFontSynth
from segue.gui import settings as prefs


class SoundFontChooser(QObject):
    """See the module docstring."""

    status_message = Signal(str, int)
    changed = Signal(str)  # the SoundFont now in use: a path, or '' for the built-in bank

    def __init__(self, playback, dialogs, parent: QObject | None = None):
        super().__init__(parent)
        self.playback, self.dialogs = playback, dialogs
        self.choose_action = QAction("Instrument &SoundFont…", self)
        self.choose_action.setStatusTip("Play the built-in instrument with a SoundFont you own.")
        self.choose_action.triggered.connect(lambda _checked=False: self.choose())
        self.built_in_action = QAction("Use the Built-in &Bank", self)
        self.built_in_action.setStatusTip("Play the General MIDI bank shipped with Segue.")
        self.built_in_action.triggered.connect(lambda _checked=False: self.use(None))

    def choose(self) -> bool:
        current = prefs.read(prefs.SOUNDFONT)
        folder = str(Path(current).parent) if current else ""
        path = self.dialogs.open_path("Choose a SoundFont", file_formats.SOUNDFONT_FILTER, folder)
        return bool(path) and self.use(path)

    def use(self, path: str | None) -> bool:
        """Play ``path`` (None: the built-in bank) from now on; False, with a message, when the
        file cannot be used."""
        if path is not None:
            try:
                SoundFontSynth(path)  # read it whole now: a bad file is named here, once
            except SoundFontError as error:
                self.dialogs.error("Cannot use this SoundFont", f"{error} The bank in use stays.")
                return False
        prefs.write(prefs.SOUNDFONT, path or "")
        self.playback.set_soundfont(path)
        self.changed.emit(path or "")
        name = Path(path).name if path else "the built-in General MIDI bank"
        self.status_message.emit(f"The built-in instrument plays {name}.", 6000)
        return True
