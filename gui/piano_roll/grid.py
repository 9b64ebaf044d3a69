"""The note grid pane: paints the notes and turns mouse events into gestures.

It holds no state of its own: everything it shows (melody or a gesture's preview, selection,
marker, playhead) and every gesture it starts belong to the :class:`~gui.piano_roll.roll.PianoRoll`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from gui.piano_roll import paint, style, tools
from gui.piano_roll.input import cursor_for, pointer_from_event

if TYPE_CHECKING:
    from gui.piano_roll.roll import PianoRoll


class NoteGrid(QWidget):
    """Notes over pitch rows and time lines."""

    def __init__(self, roll: PianoRoll):
        super().__init__(roll)
        self._roll = roll
        self._background = paint.GridBackground()
        self._note_shapes = paint.ShapeCache(paint.note_rect_shape)
        self.painted_notes = 0  # notes drawn by the last repaint (the bench reports it)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setAttribute(Qt.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setMinimumSize(120, 80)

    # --- painting -----------------------------------------------------------------------------

    def paintEvent(self, event):
        roll = self._roll
        geometry = roll.roll_geometry
        melody = roll.shown_melody()
        width, height = self.width(), self.height()
        painter = QPainter(self)
        try:
            painter.drawPixmap(
                0,
                0,
                self._background.pixmap(
                    width,
                    height,
                    self.devicePixelRatioF(),
                    geometry,
                    melody.steps_per_bar,
                    melody.steps_per_beat,
                    roll.grid(),
                    roll.scale_pitch_classes(),
                    roll.shown_marker(),
                ),
            )
            ghost = roll.ghost_melody()
            if ghost is not None and ghost.notes:
                paint.paint_ghost_notes(
                    painter, geometry, ghost.notes, roll.starts_of(ghost), width, height
                )
            self.painted_notes = paint.paint_notes(
                painter,
                geometry,
                melody.notes,
                roll.starts_of(melody),
                width,
                height,
                roll.shown_selected_starts(),
                self._note_shapes,
            )
            if roll.insert_step is not None:
                paint.paint_vertical_line(
                    painter, geometry.x_of(roll.insert_step) + 0.5, height, style.INSERT_LINE
                )
            paint.paint_vertical_line(
                painter, geometry.x_of(roll.shown_marker()) + 0.5, height, style.MARKER, 2
            )
            if roll.playhead is not None:
                paint.paint_vertical_line(
                    painter, geometry.x_of(roll.playhead), height, style.PLAYHEAD
                )
            band = roll.gesture.band if roll.gesture is not None else None
            if band is not None:
                paint.paint_band(painter, band)
        finally:
            painter.end()

    # --- mouse --------------------------------------------------------------------------------

    def mousePressEvent(self, event):
        if event.button() not in (Qt.LeftButton, Qt.RightButton) or not self._roll.accept_press(
            event
        ):
            event.ignore()
            return
        self.setFocus(Qt.MouseFocusReason)
        pointer = pointer_from_event(self._roll.roll_geometry, event)
        gesture = tools.grid_gesture(
            self._roll.context(), pointer, event.button() == Qt.RightButton
        )
        if gesture is not None:
            self._roll.begin_gesture(gesture)
            self.setCursor(cursor_for(gesture.cursor))
        event.accept()

    def mouseMoveEvent(self, event):
        pointer = pointer_from_event(self._roll.roll_geometry, event)
        if self._roll.gesture is not None:
            self._roll.update_gesture(pointer)
        else:
            self.setCursor(cursor_for(tools.hover_cursor(self._roll.context(), pointer)))
        event.accept()

    def mouseReleaseEvent(self, event):
        if self._roll.gesture is not None:
            self._roll.end_gesture(pointer_from_event(self._roll.roll_geometry, event))
            self.setCursor(
                cursor_for(
                    tools.hover_cursor(
                        self._roll.context(), pointer_from_event(self._roll.roll_geometry, event)
                    )
                )
            )
        event.accept()

    def mouseDoubleClickEvent(self, event):
        # Select tool: a double-click on empty grid draws a note (as in Reaper and Logic).
        if (
            event.button() == Qt.LeftButton
            and self._roll.tool == "select"
            and self._roll.gesture is None
        ):
            pointer = pointer_from_event(self._roll.roll_geometry, event)
            context = self._roll.context()
            if tools.hit_note(context, pointer)[0] is None:
                self._roll.begin_gesture(tools.DrawGesture(context, pointer))
                return
        self.mousePressEvent(event)

    def wheelEvent(self, event):
        self._roll.handle_wheel(event, self)

    def keyPressEvent(self, event):
        if not self._roll.handle_key(event):
            super().keyPressEvent(event)

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._roll.view_resized()

    def invalidate_background(self):
        self._background.invalidate()
