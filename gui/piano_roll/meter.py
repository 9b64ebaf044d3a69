"""Tempo and time-signature controls for the piece.

Every change goes through the document's undo stack. Spin-box streams (holding an arrow, typing
digits) coalesce into one undo step through the document's merge ids ``MERGE_TEMPO`` and
``MERGE_TIME_SIGNATURE``. A time signature whose bar is not a whole number of grid steps (3/32 on
a 1/16 grid) is refused with a status message and the controls show the piece's meter again.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from segue.engine import limits
from segue.engine.melody import TEMPO_RANGE
from segue.gui.document import MERGE_TEMPO, MERGE_TIME_SIGNATURE, Document
from segue.gui.number_box import DecimalNumberBox, NumberBox

DENOMINATORS = limits.METER_DENOMINATORS


class MeterControls(QWidget):
    """``BPM [120.0]  [4] / [4]``, kept in step with the document."""

    status_message = Signal(str)

    def __init__(self, document: Document, parent=None):
        super().__init__(parent)
        self._document = document
        self.tempo = DecimalNumberBox("Tempo")
        self.tempo.setRange(*TEMPO_RANGE)
        self.tempo.setDecimals(1)
        self.tempo.setSuffix(" BPM")
        self.tempo.setKeyboardTracking(False)  # typing "140" is one change, not "1", "14", "140"
        self.tempo.setToolTip("Tempo in beats (quarter notes) per minute")
        self.numerator = NumberBox("Beats per bar")
        self.numerator.setRange(*limits.METER_NUMERATOR_RANGE)
        self.numerator.setKeyboardTracking(False)
        self.numerator.setToolTip("Beats per bar")
        self.denominator = QComboBox()
        for value in DENOMINATORS:
            self.denominator.addItem(str(value), value)
        self.denominator.setToolTip("Beat unit")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.tempo)
        layout.addSpacing(8)
        layout.addWidget(QLabel("Time"))
        layout.addWidget(self.numerator)
        layout.addWidget(QLabel("/"))
        layout.addWidget(self.denominator)
        self._show_document()
        for box in (self.tempo, self.numerator):
            box.out_of_range.connect(self.status_message)  # a typed 9999 is set to 400, saying so
        self.tempo.valueChanged.connect(self._tempo_edited)
        self.numerator.valueChanged.connect(self._meter_edited)
        self.denominator.currentIndexChanged.connect(self._meter_edited)
        document.melody_changed.connect(self._show_document)

    def _show_document(self):
        melody = self._document.melody
        numerator, denominator = melody.time_signature
        for widget in (self.tempo, self.numerator, self.denominator):
            widget.blockSignals(True)
        try:
            self.tempo.setValue(melody.tempo)
            self.numerator.setValue(numerator)
            self.denominator.setCurrentIndex(DENOMINATORS.index(denominator))
        finally:
            for widget in (self.tempo, self.numerator, self.denominator):
                widget.blockSignals(False)

    def _tempo_edited(self, value: float):
        melody = self._document.melody
        self._document.set_melody(melody.replace(tempo=value), "Change Tempo", merge_id=MERGE_TEMPO)

    def _meter_edited(self, *_):
        melody = self._document.melody
        meter = (self.numerator.value(), self.denominator.currentData())
        try:
            changed = melody.replace(time_signature=meter)
        except ValueError as error:
            self.status_message.emit(f"Time signature {meter[0]}/{meter[1]} refused: {error}")
            self._show_document()
            return
        self._document.set_melody(changed, "Change Time Signature", merge_id=MERGE_TIME_SIGNATURE)
