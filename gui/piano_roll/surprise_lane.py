"""The surprise lane under the grid: one bar per note, its height the note's surprise in bits.

A bar spans its note's length and is coloured like the note tint (calm blue to hot orange);
hovering a bar says what the model expected there. The lane only shows what it is given
(:meth:`SurpriseLane.set_surprises`, from :class:`gui.generation.surprise.SurpriseController`)
and edits nothing.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QToolTip

from segue.engine.melody import Note
from segue.gui.piano_roll import style
from segue.gui.piano_roll.editor import RollEditor
from segue.gui.piano_roll.paint import visible_range
from segue.gui.piano_roll.pane import RollPane
from segue.gui.piano_roll.surprise import Surprises, surprise_colour
from segue.gui.piano_roll.velocity import note_for_x
from segue.gui.piano_roll.view import RollView

LANE_HEIGHT = 64
PAD = 5.0  # pixels above the top of the scale and below 0 bits
TOP_BITS = 12.0  # the lane's scale; a taller bar is cut at the top
GUIDE_BITS = (4, 8)


def y_of_bits(bits: float, height: float) -> float:
    usable = max(1.0, height - 2 * PAD)
    return height - PAD - min(bits, TOP_BITS) / TOP_BITS * usable


class SurpriseLane(RollPane):
    def __init__(self, editor: RollEditor, view: RollView):
        super().__init__(editor, view)
        self.surprises: Surprises | None = None
        self.message = ""  # shown when there are no figures (no model, out of range…)
        self.setFixedHeight(LANE_HEIGHT)
        self.setMouseTracking(True)

    def set_surprises(self, surprises: Surprises | None, message: str = "") -> None:
        self.surprises, self.message = surprises, message
        self.update()

    def bars(self) -> list[tuple[Note, float, QRectF]]:
        """``(note, bits, rectangle in view pixels)`` for every visible note with a figure."""
        surprises = self.surprises
        if surprises is None:
            return []
        editor, geometry = self._editor, self._view.geometry
        melody = editor.shown_melody()
        first, last = geometry.visible_steps(self.width())
        height = self.height()
        bars = []
        for i in visible_range(editor.starts_of(melody), first, last):
            note = melody.notes[i]
            figure = surprises.of(note)
            if figure is None:
                continue
            x = geometry.x_of(note.start)
            width = max(2.0, note.length * geometry.step_width - 1)
            top = y_of_bits(figure.bits, height)
            bars.append((note, figure.bits, QRectF(x, top, width, height - PAD - top)))
        return bars

    def paintEvent(self, event):
        width, height = self.width(), self.height()
        painter = QPainter(self)
        try:
            painter.fillRect(QRectF(0, 0, width, height), style.LANE_BACKGROUND)
            painter.setPen(QPen(style.LANE_GUIDE, 1))
            painter.drawLines([
                QLineF(0, round(y_of_bits(b, height)) + 0.5, width, round(y_of_bits(b, height)) + 0.5)
                for b in GUIDE_BITS
            ])
            painter.setPen(QPen(style.BAR_LINE, 1))
            painter.drawLine(QLineF(0, 0.5, width, 0.5))
            by_colour: dict[int, tuple[QColor, list[QRectF]]] = {}
            for _note, bits, rect in self.bars():
                colour = QColor(surprise_colour(bits))
                colour.setAlpha(255)
                by_colour.setdefault(colour.rgba(), (colour, []))[1].append(rect)
            painter.setPen(Qt.NoPen)
            for colour, rects in by_colour.values():
                painter.setBrush(QBrush(colour))
                painter.drawRects(rects)
            font = QFont(painter.font())
            font.setPixelSize(9)
            painter.setFont(font)
            painter.setPen(style.LANE_TEXT)
            for bits in GUIDE_BITS:
                painter.drawText(QPointF(4, y_of_bits(bits, height) - 2), f"{bits} bits")
            text = self.message or (self.surprises.problem if self.surprises else "")
            if text:
                painter.drawText(QRectF(0, 0, width, height), Qt.AlignCenter, text)
        finally:
            painter.end()

    def tooltip_at(self, x: float) -> str | None:
        """The hover text for the note at view x (None where there is none)."""
        if self.surprises is None:
            return None
        melody = self._editor.shown_melody()
        note = note_for_x(melody, self._editor.starts_of(melody), x, self._view.geometry)
        return None if note is None else self.surprises.text_for(note)

    def event(self, event):
        if event.type() == QEvent.Type.ToolTip:
            text = self.tooltip_at(event.pos().x())
            if text:
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)
