"""Edit > Preferences: the settings that belong to the app rather than to a piece.

``show_preferences(window)`` opens :class:`PreferencesDialog` (one at a time, not modal). It is a
view over controls that live elsewhere, so a change here is the same change as from a menu and
takes effect at once, as in a DAW's preferences:

- the built-in instrument's SoundFont (any ``.sf2``/``.sf3`` the user owns, or the bank shipped
  with Segue), through :class:`gui.window.soundfont.SoundFontChooser`, which names a file it
  cannot use and keeps the bank in use;
- the built-in instrument's audio buffer size, as in a DAW's audio settings: larger buffers
  survive a busy machine without dropouts, smaller ones sound sooner (a size the device refuses
  is named and the instrument plays on as it was);
- note preview (the View menu's "Preview Notes" action, remembered).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from segue.engine.audio.instrument import BUFFER_SIZES, BUILT_IN_PORT, DEFAULT_RATE
from segue.engine.audio.soundfont import BUILT_IN_SOUNDFONT
from segue.gui import settings as prefs

BUILT_IN_NAME = "Built-in General MIDI bank"


def soundfont_label(path: str) -> str:
    return Path(path).name if path else BUILT_IN_NAME


def buffer_label(frames: int, rate: int = DEFAULT_RATE) -> str:
    if not frames:
        return "Automatic (the device's low latency)"
    return f"{frames} samples ({1000 * frames / rate:.1f} ms)"


class PreferencesDialog(QDialog):
    """See the module docstring. ``soundfont`` is the window's SoundFontChooser, ``preview`` the
    checkable Preview Notes action, ``playback`` the window's PlaybackBridge."""

    def __init__(self, soundfont, preview, playback, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self._chooser, self._playback = soundfont, playback

        self.soundfont_name = QLabel()
        self.soundfont_name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.choose_button = QPushButton("Choose…")
        self.choose_button.setToolTip("Play the built-in instrument (and audio export) with a General "
                                      "MIDI SoundFont you own: an .sf2 or .sf3 file.")
        self.choose_button.clicked.connect(lambda: soundfont.choose())
        self.built_in_button = QPushButton("Use Built-in")
        self.built_in_button.setToolTip("Go back to the bank shipped with Segue.")
        self.built_in_button.clicked.connect(lambda: soundfont.use(None))
        row = QHBoxLayout()
        row.addWidget(self.soundfont_name, 1)
        row.addWidget(self.choose_button)
        row.addWidget(self.built_in_button)
        self.buffer_combo = QComboBox()
        output = playback.player.output
        rate = output.rate if playback.output_port == BUILT_IN_PORT else DEFAULT_RATE
        for frames in (0, *BUFFER_SIZES):
            self.buffer_combo.addItem(buffer_label(frames, rate), frames)
        self.buffer_combo.setToolTip("Raise it if the built-in instrument crackles or drops out "
                                     "while Segue generates; lower it to hear notes sooner.")
        self._show_buffer(prefs.read(prefs.AUDIO_BUFFER))
        self.buffer_combo.activated.connect(self._buffer_chosen)
        instrument = QFormLayout()
        instrument.addRow("SoundFont", row)
        hint = QLabel("The built-in instrument and File > Export Audio play this SoundFont; the "
                      "General MIDI program is chosen in the transport bar.")
        hint.setWordWrap(True)
        instrument.addRow(hint)
        instrument.addRow("Audio buffer", self.buffer_combo)
        instrument_box = QGroupBox("Built-in instrument")
        instrument_box.setLayout(instrument)

        self.preview = QCheckBox("Sound notes while editing (click, draw, move, transpose)")
        self.preview.setChecked(preview.isChecked())
        self.preview.toggled.connect(preview.setChecked)
        preview.toggled.connect(self.preview.setChecked)
        editing_box = QGroupBox("Editing")
        editing = QVBoxLayout(editing_box)
        editing.addWidget(self.preview)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(instrument_box)
        layout.addWidget(editing_box)
        layout.addWidget(buttons)

        soundfont.changed.connect(self.show_soundfont)
        self.show_soundfont(prefs.read(prefs.SOUNDFONT))

    def _show_buffer(self, frames: int) -> None:
        index = self.buffer_combo.findData(frames)
        self.buffer_combo.setCurrentIndex(max(0, index))

    def _buffer_chosen(self, index: int) -> None:
        frames = self.buffer_combo.itemData(index)
        if self._playback.set_buffer_frames(frames):
            prefs.write(prefs.AUDIO_BUFFER, frames)
        else:  # the device refused it; the bridge has said why
            self._show_buffer(prefs.read(prefs.AUDIO_BUFFER))

    def show_soundfont(self, path: str) -> None:
        self.soundfont_name.setText(soundfont_label(path))
        self.soundfont_name.setToolTip(path or str(BUILT_IN_SOUNDFONT))
        self.built_in_button.setEnabled(bool(path))


def show_preferences(window) -> PreferencesDialog:
    """Open the window's Preferences, or raise the one already open."""
    dialog = getattr(window, "preferences_dialog", None)
    if dialog is None:
        dialog = PreferencesDialog(window.soundfont, window.live.preview_action, window.playback,
                                   window)
        window.preferences_dialog = dialog
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog
