"""The velocity lane under the grid: one stem per note, its height the note's velocity.

Drag a stem up or down to change the velocity (a click sets it to the height clicked); when the
note is selected every selected note moves by the same amount. Shift- or Alt-drag draws a line
that sets the velocities of the notes it spans (:mod:`gui.piano_roll.velocity_line`). One undo
step per drag.
"""

from __future__ import annotations

import bisect

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QFont, QPainter, QPen

from segue.engine.melody import Melody, Note
from segue.gui.piano_roll import style
from segue.gui.piano_roll.editor import RollEditor
from segue.gui.piano_roll.input import cursor_for, other_buttons_held, pointer_from_event
from segue.gui.piano_roll.paint import ShapeCache, visible_range
from segue.gui.piano_roll.pane import RollPane
from segue.gui.piano_roll.tools import VelocityGesture
from segue.gui.piano_roll.velocity_line import VelocityLineGesture
from segue.gui.piano_roll.view import RollView

PAD = 6.0  # pixels above velocity 127 and below velocity 0
STEM_GRAB_PX = 5.0  # a press this close to a stem picks its note even outside the note
DETAIL_MAX_NOTES = 400  # heads and length bars only when this few notes show


def stem_shape(note: Note, step_width: float, height: float) -> QRectF:
    """A note's stem in content pixels (x unscrolled): a filled bar, the fastest thing to draw."""
    width = 2.0 if step_width >= 4 else 1.0
    top = y_of_velocity(note.velocity, height)
    return QRectF(note.start * step_width, top, width, height - PAD - top)


def velocity_at(y: float, height: float) -> int:
    """The velocity (1-127) that view y in a lane ``height`` pixels tall stands for."""
    usable = max(1.0, height - 2 * PAD)
    return min(127, max(1, round(127 * (height - PAD - y) / usable)))


def y_of_velocity(velocity: int, height: float) -> float:
    return height - PAD - velocity / 127 * max(1.0, height - 2 * PAD)


def note_for_x(melody: Melody, starts: list[int], x: float, roll_geometry) -> Note | None:
    """The note whose stem or body is at view x: the one sounding there, else a stem close by."""
    step = roll_geometry.step_at(x)
    i = bisect.bisect_right(starts, step) - 1
    if i >= 0 and step < melody.notes[i].end:
        return melody.notes[i]
    best, best_distance = None, STEM_GRAB_PX
    for j in (i, i + 1):
        if 0 <= j < len(starts):
            distance = abs(roll_geometry.x_of(starts[j]) - x)
            if distance <= best_distance:
                best, best_distance = melody.notes[j], distance
    return best


class VelocityLane(RollPane):
    def __init__(self, editor: RollEditor, view: RollView):
        super().__init__(editor, view)
        self._stems = ShapeCache(stem_shape)
        self.setFixedHeight(style.VELOCITY_LANE_HEIGHT)
        self.setCursor(cursor_for("velocity"))
        self.setToolTip(
            "Velocity: drag a stem up or down; Shift- or Alt-drag draws a ramp across notes"
        )

    def paintEvent(self, event):
        editor = self._editor
        geometry = self._view.geometry
        melody = editor.shown_melody()
        width, height = self.width(), self.height()
        painter = QPainter(self)
        try:
            painter.fillRect(QRectF(0, 0, width, height), style.LANE_BACKGROUND)
            painter.setPen(QPen(style.LANE_GUIDE, 1))
            guides = [
                QLineF(
                    0,
                    round(y_of_velocity(v, height)) + 0.5,
                    width,
                    round(y_of_velocity(v, height)) + 0.5,
                )
                for v in (32, 64, 96, 127)
            ]
            painter.drawLines(guides)
            painter.setPen(QPen(style.BAR_LINE, 1))
            painter.drawLine(QLineF(0, 0.5, width, 0.5))
            first, last = geometry.visible_steps(width)
            ghost = editor.ghost_melody()
            if ghost is not None and ghost.notes:
                ghost_stems = []
                for i in visible_range(editor.starts_of(ghost), first, last):
                    note = ghost.notes[i]
                    x = geometry.x_of(note.start) + 0.5
                    ghost_stems.append(
                        QLineF(x, height - PAD, x, y_of_velocity(note.velocity, height))
                    )
                if ghost_stems:
                    painter.setPen(QPen(style.GHOST_BORDER, 1))
                    painter.drawLines(ghost_stems)
            self._paint_stems(painter, melody, first, last, height)
            font = QFont(painter.font())
            font.setPixelSize(9)
            painter.setFont(font)
            painter.setPen(style.LANE_TEXT)
            painter.drawText(QPointF(4, 11), "127")
            line = getattr(editor.gesture, "line", None)
            if line is not None:
                painter.setPen(QPen(style.BAND_BORDER, 1, Qt.DashLine))
                painter.drawLine(QLineF(*line))
        finally:
            painter.end()

    def _paint_stems(
        self, painter: QPainter, melody: Melody, first: float, last: float, height: float
    ):
        """Stems batched by colour bucket: a few painter calls however many notes show."""
        editor = self._editor
        geometry = self._view.geometry
        selected = editor.shown_selected_starts()
        stems = self._stems.get(melody.notes, (geometry.step_width, height), selected)
        indexes = visible_range(editor.starts_of(melody), first, last)
        colours = style.bucket_colours(False) + style.bucket_colours(True)
        painter.save()
        painter.translate(-geometry.scroll_x, 0)
        painter.setPen(Qt.NoPen)
        for key, rects in enumerate(stems.lists_for(indexes)):
            if rects:
                painter.setBrush(QBrush(colours[key]))
                painter.drawRects(rects)
        if len(indexes) <= DETAIL_MAX_NOTES:
            # Zoomed in: a head on each stem and a bar over the note's length, which shows
            # which note a stem belongs to.
            for i in indexes:
                note = melody.notes[i]
                length_px = geometry.step_width * note.length
                if length_px < 6:
                    continue
                x = note.start * geometry.step_width + 0.5
                y = y_of_velocity(note.velocity, height)
                colour = colours[stems.keys[i]]
                painter.setPen(QPen(colour, 1))
                painter.drawLine(QLineF(x, y, x + length_px - 2, y))
                painter.setBrush(QBrush(colour))
                painter.drawRect(QRectF(x - 2.5, y - 2.5, 5, 5))
        painter.restore()

    def _pointer(self, event):
        return pointer_from_event(
            self._view.geometry, event, velocity_at(event.position().y(), self.height())
        )

    def mousePressEvent(self, event):
        editor = self._editor
        if event.button() != Qt.LeftButton or not editor.accept_press(other_buttons_held(event)):
            event.ignore()
            return
        if event.modifiers() & (Qt.ShiftModifier | Qt.AltModifier):
            editor.begin_gesture(VelocityLineGesture(editor.context(), self._pointer(event)))
            event.accept()
            return
        melody = editor.shown_melody()
        note = note_for_x(
            melody, editor.starts_of(melody), event.position().x(), self._view.geometry
        )
        if note is not None:
            editor.begin_gesture(VelocityGesture(editor.context(), self._pointer(event), note))
        event.accept()
