"""The keyboard column left of the grid: one row per semitone, note names at each C and at the
tonic of the key shown, spelled in that key (a tonic on a black key is named inside it).

Clicking a key auditions it (the editor emits ``audition_requested``); dragging over the keys
plays each one passed, as on a DAW's keyboard. The wheel scrolls and zooms like the grid's.
"""

from __future__ import annotations

from PySide6.QtCore import QLineF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen

from segue.gui.piano_roll import style
from segue.gui.piano_roll.editor import RollEditor
from segue.gui.piano_roll.input import cursor_for
from segue.gui.piano_roll.pane import RollPane
from segue.gui.piano_roll.view import RollView

AUDITION_VELOCITY = 100
BLACK_KEY_FRACTION = 0.62  # black keys cover this much of the column's width
SCALE_MARK_WIDTH = 4  # pixels: the strip beside the keys of the scale shown


class KeyboardColumn(RollPane):
    time_axis = False
    pitch_axis = True

    def __init__(self, editor: RollEditor, view: RollView):
        super().__init__(editor, view)
        self.pressed_pitch: int | None = None
        self.setFixedWidth(style.KEYBOARD_WIDTH)
        self.setCursor(cursor_for("key"))

    def paintEvent(self, event):
        geometry = self._view.geometry
        width, height = self.width(), self.height()
        key_height = geometry.key_height
        rows = geometry.visible_rows(height)
        folded = geometry.pitches is not None  # rows are apart: a line under each
        painter = QPainter(self)
        try:
            painter.fillRect(QRectF(0, 0, width, height), style.KEY_WHITE)
            black_width = width * BLACK_KEY_FRACTION
            separators = []
            for pitch in rows:
                y = geometry.y_of(pitch)
                if style.is_black_key(pitch):
                    colour = style.KEY_PRESSED if pitch == self.pressed_pitch else style.KEY_BLACK
                    painter.fillRect(QRectF(0, y, black_width, key_height), colour)
                    # The white keys' boundary runs through the middle of the black key.
                    separators.append(
                        QLineF(black_width, y + key_height / 2, width, y + key_height / 2)
                    )
                else:
                    if pitch == self.pressed_pitch:
                        painter.fillRect(QRectF(0, y, width, key_height), style.KEY_PRESSED)
                    if folded or pitch % 12 in (0, 5):  # B|C and E|F: white keys touch
                        separators.append(
                            QLineF(0, y + key_height - 0.5, width, y + key_height - 0.5)
                        )
            painter.setPen(QPen(style.KEY_LINE, 1))
            if separators:
                painter.drawLines(separators)
            painter.drawLine(QLineF(width - 0.5, 0, width - 0.5, height))
            labelled = self._paint_scale_marks(painter, rows, width)
            if key_height >= 6:
                font = QFont(painter.font())
                font.setPixelSize(max(7, min(11, int(key_height) - 1)))
                painter.setFont(font)
                for pitch in rows:
                    if pitch % 12 in labelled:
                        rect, colour = self.label_place(pitch)
                        painter.setPen(colour)
                        painter.drawText(rect, Qt.AlignVCenter | Qt.AlignRight, self.label(pitch))
        finally:
            painter.end()

    def label(self, pitch: int) -> str:
        """A key's name, spelled in the key the roll shows (E#4 in F# major, never F4)."""
        return style.note_name(pitch, self._editor.scale.key)

    def label_place(self, pitch: int) -> tuple[QRectF, QColor]:
        """Where a key's name is drawn, and in what colour: on a black key, inside it in the
        white keys' colour (the column right of a black key is too narrow for a name, and dark
        text there runs under the black key); on a white key, right of the black keys."""
        y, key_height = self._view.geometry.y_of(pitch), self._view.geometry.key_height
        if style.is_black_key(pitch):
            return QRectF(0, y, self.width() * BLACK_KEY_FRACTION - 3, key_height), style.KEY_WHITE
        return QRectF(0, y, self.width() - 6 - SCALE_MARK_WIDTH, key_height), style.KEY_LABEL

    def _paint_scale_marks(self, painter: QPainter, rows: list[int], width: float) -> set[int]:
        """A strip beside the scale's keys, brighter at the tonic; returns the pitch classes
        to name (the Cs, and the tonic)."""
        scale, tonic = self._editor.scale_pitch_classes(), self._editor.scale.tonic
        if scale is None:
            return {0}
        geometry = self._view.geometry
        for pitch in rows:
            if pitch % 12 in scale:
                colour = style.KEY_TONIC_MARK if pitch % 12 == tonic else style.KEY_SCALE_MARK
                y = geometry.y_of(pitch)
                left = width - SCALE_MARK_WIDTH - 1
                painter.fillRect(
                    QRectF(left, y + 1, SCALE_MARK_WIDTH, geometry.key_height - 2), colour
                )
        return {0, tonic}

    def _press_key(self, y: float) -> None:
        pitch = self._view.geometry.pitch_at(y)
        if pitch != self.pressed_pitch:
            self.pressed_pitch = pitch
            self._editor.audition(pitch, AUDITION_VELOCITY)
            self.update()

    def mousePressEvent(self, event):
        if event.button() != Qt.LeftButton:
            event.ignore()
            return
        self._press_key(event.position().y())
        event.accept()

    def mouseMoveEvent(self, event):
        if self.pressed_pitch is not None:
            self._press_key(event.position().y())
        event.accept()

    def mouseReleaseEvent(self, event):
        self.pressed_pitch = None
        self.update()
        event.accept()
