"""The accompaniment toolbar: the chords heard as an accompaniment part, on or off, in a style,
with its own instrument, volume and MIDI channel (:mod:`engine.accompaniment` decides what it
plays; this bar only holds the choices).

``AccompanimentBar(parent=None)``   a QToolBar: ``on_action`` (checkable "Chords"),
    ``style_combo``, ``program_combo`` (General MIDI), ``volume_spin`` (0-127),
    ``channel_spin`` (1-16, as musicians count).
    ``settings() -> AccompanimentSettings``, ``set_settings(settings)`` (no ``changed``), and
    the signal ``changed(AccompanimentSettings)`` on every user edit.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QComboBox, QToolBar

from segue.engine.accompaniment import STYLES, AccompanimentSettings
from segue.gui.live.toolbar_widgets import SpaceStillPlays, place
from segue.gui.number_box import NumberBox

STYLE_NAMES = {
    "auto": "Style: by meter", "block": "Block chords", "boom-chick": "Boom-chick",
    "waltz": "Waltz", "jig": "Jig", "arpeggio": "Arpeggio",
}
STYLE_TIP = ("How the chords are played. By meter: boom-chick in 2/4 and 4/4, waltz in 3/4, "
             "jig in 6/8, block chords otherwise")


def _general_midi_names() -> list[str]:
    from segue.gui.live.transport import general_midi_names  # noqa: PLC0415 - one list

    return general_midi_names()


class AccompanimentBar(QToolBar):
    """See the module docstring."""

    changed = Signal(object)  # AccompanimentSettings

    def __init__(self, parent=None):
        super().__init__("Accompaniment", parent)
        self.setObjectName("AccompanimentToolbar")
        self.on_action = QAction("Chords", self)
        self.on_action.setCheckable(True)
        self.on_action.setToolTip("Play the piece's chords as an accompaniment")
        self.on_action.setStatusTip("Hear the chord track played beside the melody.")
        self.style_combo = QComboBox(self)
        for style in STYLES:
            self.style_combo.addItem(STYLE_NAMES[style], style)
        self.style_combo.setToolTip(STYLE_TIP)
        self.program_combo = QComboBox(self)
        for number, name in enumerate(_general_midi_names()):
            self.program_combo.addItem(f"{number + 1} {name}", number)
        self.program_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.program_combo.setMinimumContentsLength(16)
        self.program_combo.setToolTip("Instrument (General MIDI program) of the accompaniment")
        self.volume_spin = NumberBox("Accompaniment volume", self)
        self.volume_spin.setRange(0, 127)
        self.volume_spin.setPrefix("Vol ")
        self.volume_spin.setToolTip("Loudness of the accompaniment (note velocity 0-127)")
        self.channel_spin = NumberBox("Accompaniment MIDI channel", self)
        self.channel_spin.setRange(1, 16)
        self.channel_spin.setPrefix("Ch ")
        self.channel_spin.setToolTip("MIDI channel of the accompaniment (its own instrument)")
        place(self, (self.on_action, self.style_combo, self.program_combo, self.volume_spin,
                     self.channel_spin))
        for combo in (self.style_combo, self.program_combo):
            combo.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # arrow keys stay the roll's
        self._space_filter = SpaceStillPlays(self)
        for box in (self.volume_spin, self.channel_spin):
            box.installEventFilter(self._space_filter)
        self.set_settings(AccompanimentSettings())
        self.on_action.toggled.connect(self._edited)
        self.style_combo.activated.connect(self._edited)
        self.program_combo.activated.connect(self._edited)
        self.volume_spin.valueChanged.connect(self._edited)
        self.channel_spin.valueChanged.connect(self._edited)

    def settings(self) -> AccompanimentSettings:
        return AccompanimentSettings(
            on=self.on_action.isChecked(),
            style=self.style_combo.currentData(),
            program=self.program_combo.currentData(),
            volume=self.volume_spin.value(),
            channel=self.channel_spin.value(),
        )

    def set_settings(self, settings: AccompanimentSettings) -> None:
        """Show ``settings`` (a loaded session's) without reporting an edit."""
        widgets = (self.on_action, self.style_combo, self.program_combo, self.volume_spin,
                   self.channel_spin)
        blockers = [QSignalBlocker(widget) for widget in widgets]
        self.on_action.setChecked(settings.on)
        self.style_combo.setCurrentIndex(self.style_combo.findData(settings.style))
        self.program_combo.setCurrentIndex(self.program_combo.findData(settings.program))
        self.volume_spin.setValue(settings.volume)
        self.channel_spin.setValue(settings.channel)
        self._enable(settings.on)
        del blockers

    def _enable(self, on: bool) -> None:
        for widget in (self.style_combo, self.program_combo, self.volume_spin,
                       self.channel_spin):
            widget.setEnabled(on)

    def _edited(self, *_args) -> None:
        self._enable(self.on_action.isChecked())
        self.changed.emit(self.settings())
