"""The built-in instrument's volume: a small slider for the transport, remembered.

``VolumeSlider(bridge, parent=None, *, remember=True)``   0-100 %; each move sets
``bridge.set_volume`` at once (heard while playing) and, with ``remember``, the preference.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSlider, QWidget

from segue.gui import settings as prefs

SLIDER_WIDTH = 70  # pixels: small, as a channel strip's fader on a toolbar


class VolumeSlider(QSlider):
    """See the module docstring."""

    def __init__(self, bridge, parent: QWidget | None = None, *, remember: bool = True):
        super().__init__(Qt.Orientation.Horizontal, parent)
        self._bridge, self._remember = bridge, remember
        self.setRange(0, 100)
        self.setFixedWidth(SLIDER_WIDTH)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # the arrow keys stay with the notes
        self.setValue(prefs.read(prefs.INSTRUMENT_VOLUME) if remember else 100)
        self._show(self.value())
        self.valueChanged.connect(self._moved)

    def _show(self, value: int) -> None:
        self._bridge.set_volume(value / 100)
        self.setToolTip(f"Volume of the built-in instrument: {value} %")

    def _moved(self, value: int) -> None:
        self._show(value)
        if self._remember:
            prefs.write(prefs.INSTRUMENT_VOLUME, value)
