"""The ruler above the grid: bar numbers, beat ticks, the loop region, the continue-from marker
and the playhead.

As in a DAW's timeline, the ruler has two strips. In the upper one (with the bar numbers) a drag
sets the loop region, its ends on the nearest snap points (bar lines when the drag starts on a
bar line), and a click loops the bar under it; setting a region turns the transport's loop on. Right-click offers to clear it. In the lower strip a
press or drag moves the continue-from marker (snapped; one undo step per drag). The loop region
is a blue band (grey while the loop is off), the marker a green flag, the playhead a white
triangle.
"""

from __future__ import annotations

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QFont, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QMenu

from segue.gui.piano_roll import style
from segue.gui.piano_roll.editor import RollEditor
from segue.gui.piano_roll.input import cursor_for, other_buttons_held
from segue.gui.piano_roll.pane import RollPane
from segue.gui.piano_roll.timeline import bar_labels, time_lines
from segue.gui.piano_roll.tools import LoopGesture, MarkerGesture
from segue.gui.piano_roll.view import RollView


class Ruler(RollPane):
    def __init__(self, editor: RollEditor, view: RollView):
        super().__init__(editor, view)
        self.setFixedHeight(style.RULER_HEIGHT)
        self.setMouseTracking(True)  # the cursor tells the two strips apart
        self.setCursor(cursor_for("marker"))
        self.setToolTip(
            "Bars. Upper strip: drag to set the loop region, click to loop one bar, "
            "right-click to clear it. Lower strip: click or drag to move the continue-from marker."
        )

    @staticmethod
    def in_loop_strip(y: float) -> bool:
        return y < style.LOOP_STRIP_HEIGHT

    def paintEvent(self, event):
        editor = self._editor
        geometry = self._view.geometry
        playhead = self._view.playhead
        melody = editor.shown_melody()
        width, height = self.width(), self.height()
        painter = QPainter(self)
        try:
            painter.fillRect(QRectF(0, 0, width, height), style.RULER_BACKGROUND)
            region = editor.shown_loop_region()
            if region is not None:
                x0, x1 = geometry.x_of(region[0]), geometry.x_of(region[1])
                colour = style.LOOP_ON if editor.loop_enabled else style.LOOP_OFF
                painter.fillRect(QRectF(x0, 0, x1 - x0, style.LOOP_STRIP_HEIGHT), colour)
                painter.setPen(QPen(colour.lighter(150), 1))
                painter.drawLine(QLineF(x0 + 0.5, 0, x0 + 0.5, height))
                painter.drawLine(QLineF(x1 - 0.5, 0, x1 - 0.5, height))
            lines = time_lines(
                geometry, width, melody.steps_per_bar, melody.steps_per_beat, editor.grid()
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
            self._paint_marker(painter, geometry.x_of(editor.shown_marker()), height)
            if playhead is not None:
                x = geometry.x_of(playhead)
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
        editor = self._editor
        if event.button() == Qt.RightButton and editor.gesture is None:
            self._show_menu(event.globalPosition().toPoint())
            event.accept()
            return
        if event.button() != Qt.LeftButton or not editor.accept_press(other_buttons_held(event)):
            event.ignore()
            return
        pointer = self._pointer(event)
        if self.in_loop_strip(pointer.y):
            bar = editor.shown_melody().steps_per_bar
            step_width = self._view.geometry.step_width
            editor.begin_gesture(LoopGesture(editor.grid, bar, pointer, step_width))
        else:
            editor.begin_gesture(MarkerGesture(editor.grid, pointer))
        event.accept()

    def _show_menu(self, where) -> None:
        menu = QMenu(self)
        clear = menu.addAction("Clear Loop Region (Loop Whole Piece)")
        clear.setEnabled(self._editor.loop_region is not None)
        clear.triggered.connect(lambda: self._editor.set_loop_region(None))
        menu.exec(where)

    def hover(self, event) -> None:
        strip = "loop" if self.in_loop_strip(event.position().y()) else "marker"
        self.setCursor(cursor_for(strip))
