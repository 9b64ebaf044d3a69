"""The note grid pane: paints the notes and turns mouse events into gestures.

It holds no state of its own: what it shows (melody or a gesture's preview, selection, marker)
and every gesture it starts belong to the :class:`~gui.piano_roll.editor.RollEditor`; zoom,
scroll and the playhead to the :class:`~gui.piano_roll.view.RollView`.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QSizePolicy, QToolTip

from segue.engine import edits
from segue.gui.piano_roll import paint, style, tools
from segue.gui.piano_roll.editor import RollEditor
from segue.gui.piano_roll.input import cursor_for, other_buttons_held
from segue.gui.piano_roll.pane import RollPane
from segue.gui.piano_roll.view import RollView


class NoteGrid(RollPane):
    """Notes over pitch rows and time lines."""

    pitch_axis = True

    def __init__(self, editor: RollEditor, view: RollView):
        super().__init__(editor, view)
        self._background = paint.GridBackground()
        self._note_shapes = paint.ShapeCache(paint.note_rect_shape)
        self.painted_notes = 0  # notes drawn by the last repaint (the bench reports it)
        self._erasing = False  # the last right press was on a note: no context menu for it
        self.surprises = None  # each note's surprise (gui.piano_roll.surprise), for hover text
        self.surprise_tint = False  # colour the notes by their surprise
        self._dimmed: tuple = (None, frozenset())  # (what they were found for, the notes)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setAttribute(Qt.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setMinimumSize(120, 80)

    # --- painting -----------------------------------------------------------------------------

    def paintEvent(self, event):
        editor = self._editor
        geometry = self._view.geometry
        playhead = self._view.playhead
        melody = editor.shown_melody()
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
                    editor.grid(),
                    editor.scale_pitch_classes(),
                    editor.shown_marker(),
                    editor.scale.tonic,
                ),
            )
            hint = self.hint_text()
            if hint:
                painter.setPen(style.HINT_TEXT)
                painter.drawText(self.rect(), Qt.AlignCenter, hint)
            ghost = editor.ghost_melody()
            if ghost is not None and ghost.notes:
                paint.paint_ghost_notes(
                    painter, geometry, ghost.notes, editor.starts_of(ghost), width, height,
                    editor.scale.key,
                )
            self.painted_notes = paint.paint_notes(
                painter,
                geometry,
                melody.notes,
                editor.starts_of(melody),
                width,
                height,
                editor.shown_selected_starts(),
                self._note_shapes,
                editor.scale.key,
            )
            if self.surprise_tint and self.surprises is not None:
                paint.paint_note_tints(painter, geometry, melody.notes, editor.starts_of(melody),
                                       width, self.surprises.colour_of)
            dimmed = self.dimmed_notes()
            if dimmed:
                paint.paint_note_tints(painter, geometry, melody.notes, editor.starts_of(melody),
                                       width, lambda note: paint.DIMMED if note in dimmed else None)
            if editor.insert_step is not None:
                paint.paint_vertical_line(
                    painter, geometry.x_of(editor.insert_step) + 0.5, height, style.INSERT_LINE
                )
            paint.paint_vertical_line(
                painter, geometry.x_of(editor.shown_marker()) + 0.5, height, style.MARKER, 2
            )
            if playhead is not None:
                paint.paint_vertical_line(painter, geometry.x_of(playhead), height, style.PLAYHEAD)
            band = editor.gesture.band if editor.gesture is not None else None
            if band is not None:
                paint.paint_band(painter, band)
        finally:
            painter.end()

    def dimmed_notes(self) -> frozenset:
        """The shown notes a pending Accept would replace, dimmed (see paint.notes_to_dim);
        kept while the melody, the marker and the pending variations stay the same."""
        editor = self._editor
        piece = editor.document.piece
        key = (editor.shown_melody(), editor.shown_marker(), piece.fill_range,
               bool(piece.variations))
        found_for, notes = self._dimmed
        if found_for != key:  # Melody equality: identical objects compare at once
            notes = paint.notes_to_dim(*key)
        # Kept under this key even when equal: an equal melody that is another object would
        # otherwise be compared note by note on every repaint.
        self._dimmed = (key, notes)
        return notes

    def hint_text(self) -> str | None:
        """The one-line hint an empty roll shows until the first note (None otherwise)."""
        editor = self._editor
        if editor.shown_melody().notes or editor.ghost_melody() is not None:
            return None
        verb = "Click" if editor.tool == "draw" else "Double-click"
        return f"{verb} to draw a note, or File > Import…"

    def surprise_tip_at(self, x: float, y: float) -> str | None:
        """The surprise of the note at view (x, y), as hover text; None without one."""
        if self.surprises is None:
            return None
        melody, geometry = self._editor.shown_melody(), self._view.geometry
        note = edits.note_at(melody, geometry.step_at(x), geometry.pitch_at(y),
                             self._editor.starts_of(melody))
        return None if note is None else self.surprises.text_for(note)

    def event(self, event):
        if event.type() == QEvent.Type.ToolTip and self.surprises is not None:
            text = self.surprise_tip_at(event.pos().x(), event.pos().y())
            if text:
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)

    # --- mouse --------------------------------------------------------------------------------

    def contextMenuEvent(self, event):  # noqa: N802 - Qt's name
        # A right press on a note erases it (see tools); elsewhere, or from the keyboard's
        # menu key, the right button asks for the roll's context menu.
        erasing, self._erasing = self._erasing, False
        if event.reason() == event.Reason.Mouse and erasing:
            return
        self._editor.context_menu_requested.emit(event.globalPos())

    def hover(self, event) -> None:
        pointer = self._pointer(event)
        self.setCursor(cursor_for(tools.hover_cursor(self._editor.context(), pointer)))

    def mousePressEvent(self, event):
        if event.button() not in (Qt.LeftButton, Qt.RightButton) or not self._editor.accept_press(
            other_buttons_held(event)
        ):
            event.ignore()
            return
        self.setFocus(Qt.MouseFocusReason)
        gesture = tools.grid_gesture(
            self._editor.context(), self._pointer(event), event.button() == Qt.RightButton
        )
        self._erasing = event.button() == Qt.RightButton and gesture is not None
        if gesture is not None:
            self._editor.begin_gesture(gesture)
            self.setCursor(cursor_for(gesture.cursor))
        event.accept()

    def mouseDoubleClickEvent(self, event):
        # Select tool: a double-click on empty grid draws a note (as in Reaper and Logic).
        editor = self._editor
        if event.button() == Qt.LeftButton and editor.tool == "select" and editor.gesture is None:
            pointer = self._pointer(event)
            context = editor.context()
            if tools.hit_note(context, pointer)[0] is None:
                editor.begin_gesture(tools.DrawGesture(context, pointer))
                return
        self.mousePressEvent(event)

    def keyPressEvent(self, event):
        if not self._editor.handle_key(event.key(), event.modifiers()):
            super().keyPressEvent(event)

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._view.viewport_resized()

    def invalidate_background(self):
        self._background.invalidate()
