"""Edit > Preferences: the settings that belong to the app rather than to a piece.

``show_preferences(window)`` opens :class:`PreferencesDialog` (one at a time, not modal). It is a
view over controls that live elsewhere, so a change here is the same change as from a menu and
takes effect at once, as in a DAW's preferences:

- the built-in instrument's SoundFont (any ``.sf2``/``.sf3`` the user owns, or the bank shipped
  with Segue), through :class:`gui.window.soundfont.SoundFontChooser`, which names a file it
  cannot use and keeps the bank in use;
- note preview (the View menu's "Preview Notes" action, remembered).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
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

from engine.audio.soundfont import BUILT_IN_SOUNDFONT
from gui import settings as prefs

BUILT_IN_NAME = "Built-in General MIDI bank"


def soundfont_label(path: str) -> str:
    return Path(path).name if path else BUILT_IN_NAME


class PreferencesDialog(QDialog):
    """See the module docstring. ``soundfont`` is the window's SoundFontChooser, ``preview`` the
    checkable Preview Notes action."""

    def __init__(self, soundfont, preview, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self._chooser = soundfont

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
        instrument = QFormLayout()
        instrument.addRow("SoundFont", row)
        hint = QLabel("The built-in instrument and File > Export Audio play this SoundFont; the "
                      "General MIDI program is chosen in the transport bar.")
        hint.setWordWrap(True)
        instrument.addRow(hint)
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

    def show_soundfont(self, path: str) -> None:
        self.soundfont_name.setText(soundfont_label(path))
        self.soundfont_name.setToolTip(path or str(BUILT_IN_SOUNDFONT))
        self.built_in_button.setEnabled(bool(path))


def show_preferences(window) -> PreferencesDialog:
    """Open the window's Preferences, or raise the one already open."""
    dialog = getattr(window, "preferences_dialog", None)
    if dialog is None:
        dialog = PreferencesDialog(window.soundfont, window.live.preview_action, window)
        window.preferences_dialog = dialog
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog
