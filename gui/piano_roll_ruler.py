"""The ruler above the grid: bar numbers, beat ticks, the continue-from marker and the playhead.

Press or drag anywhere in the ruler to move the continue-from marker (snapped; one undo step
per drag). The marker is drawn as a green flag, the playhead as a white triangle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QFont, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QWidget

from gui import piano_roll_style as style
from gui.piano_roll_input import cursor_for, pointer_from_event
from gui.piano_roll_timeline import bar_labels, time_lines
from gui.piano_roll_tools import MarkerGesture

if TYPE_CHECKING:
    from gui.piano_roll import PianoRoll


class Ruler(QWidget):
    def __init__(self, roll: PianoRoll):
        super().__init__(roll)
        self._roll = roll
        self.setFixedHeight(style.RULER_HEIGHT)
        self.setCursor(cursor_for("marker"))
        self.setToolTip("Bars. Click or drag to move the continue-from marker.")

    def paintEvent(self, event):
        roll = self._roll
        geometry = roll.roll_geometry
        melody = roll.shown_melody()
        width, height = self.width(), self.height()
        painter = QPainter(self)
        try:
            painter.fillRect(QRectF(0, 0, width, height), style.RULER_BACKGROUND)
            lines = time_lines(
                geometry, width, melody.steps_per_bar, melody.steps_per_beat, roll.grid()
            )
            painter.setPen(QPen(style.RULER_TICK, 1))
            ticks = [
                QLineF(geometry.x_of(s) + 0.5, height - 5, geometry.x_of(s) + 0.5, height)
                for s in lines.beats
            ]
            ticks += [
                QLineF(geometry.x_of(s) + 0.5, height - 11, geometry.x_of(s) + 0.5, height)
                for s in lines.bars
            ]
            if ticks:
                painter.drawLines(ticks)
            font = QFont(painter.font())
            font.setPixelSize(11)
            painter.setFont(font)
            painter.setPen(style.RULER_TEXT)
            for step, number in bar_labels(geometry, width, melody.steps_per_bar):
                painter.drawText(QPointF(geometry.x_of(step) + 4, 12), str(number))
            painter.setPen(QPen(style.RULER_TICK, 1))
            painter.drawLine(QLineF(0, height - 0.5, width, height - 0.5))
            self._paint_marker(painter, geometry.x_of(roll.shown_marker()), height)
            if roll.playhead is not None:
                x = geometry.x_of(roll.playhead)
                painter.setPen(Qt.NoPen)
                painter.setBrush(QBrush(style.PLAYHEAD))
                painter.drawPolygon(
                    QPolygonF([QPointF(x - 5, 0), QPointF(x + 5, 0), QPointF(x, 7)])
                )
        finally:
            painter.end()

    @staticmethod
    def _paint_marker(painter: QPainter, x: float, height: float) -> None:
        painter.setPen(QPen(style.MARKER, 2))
        painter.drawLine(QLineF(x + 0.5, 0, x + 0.5, height))
        painter.setPen(Qt.NoPen)
        painter.setBrush(QBrush(style.MARKER))
        painter.drawPolygon(
            QPolygonF(
                [QPointF(x, height - 14), QPointF(x + 9, height - 9.5), QPointF(x, height - 5)]
            )
        )

    def mousePressEvent(self, event):
        if event.button() != Qt.LeftButton or not self._roll.accept_press(event):
            event.ignore()
            return
        pointer = pointer_from_event(self._roll.roll_geometry, event)
        self._roll.begin_gesture(MarkerGesture(self._roll.grid_for, pointer))
        event.accept()

    def mouseMoveEvent(self, event):
        if self._roll.gesture is not None:
            self._roll.update_gesture(pointer_from_event(self._roll.roll_geometry, event))
        event.accept()

    def mouseReleaseEvent(self, event):
        if self._roll.gesture is not None:
            self._roll.end_gesture(pointer_from_event(self._roll.roll_geometry, event))
        event.accept()

    def wheelEvent(self, event):
        self._roll.handle_wheel(event, self)
