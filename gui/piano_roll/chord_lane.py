"""The chord lane above the grid: the piece's chords as labelled blocks on the bar and beat grid,
scrolling and zooming with the roll like the ruler.

Chords are entered and edited in place (the rules are :mod:`gui.piano_roll.chord_tools`):
double-click a beat or a chord, or select one and type a letter A-G; Enter keeps the symbol, a
symbol that is not a chord is refused in place (the editor stays open, red, with the reason),
Escape cancels. Drag a chord's edge to move it to another beat; Delete removes the selected
chord; clicking a chord plays it (through the roll's note preview). Every change is one undo
step (``document.set_chords``).

Ghost chords (proposals: a chord suggestion, or the chords the current variation proposes) are
drawn like ghost notes, over the chords they would replace; a ghost chord that offers other
symbols shows a ``▾``, and its right-click menu lists them with their probabilities (choosing
one flips it; Generate > Next Chord Alternative does the same for the selected ghost chord).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QLineF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QLineEdit, QMenu, QToolTip

from segue.engine import limits
from segue.engine.chords import Chord, bass_note, voicing
from segue.gui.piano_roll import style
from segue.gui.piano_roll.chord_tools import (
    ChordEntry,
    EdgeDrag,
    LaneGrid,
    edge_at,
    index_at,
    new_chord_span,
    removed,
)
from segue.gui.piano_roll.editor import RollEditor
from segue.gui.piano_roll.pane import RollPane
from segue.gui.piano_roll.timeline import time_lines
from segue.gui.piano_roll.view import RollView

LANE_HEIGHT = 24
CHORD_VELOCITY = 80  # a chord clicked in the lane sounds softer than a clicked note
CHORD_FILL = QColor("#3b4656")
CHORD_BORDER = QColor("#7d8ba0")
CHORD_TEXT = QColor("#e8ecf2")
PAST_END = QColor(0, 0, 0, 40)  # after the piece's end: a chord typed there extends it
BEAT_SELECTED = QColor(255, 255, 255, 30)
REFUSED_STYLE = "QLineEdit { background: #6b2424; color: white; }"
LETTERS = {getattr(Qt.Key, f"Key_{letter}"): letter for letter in "ABCDEFG"}


def sounding_pitches(chord: Chord) -> tuple[int, ...]:
    """What clicking ``chord`` plays: its bass note and a close voicing around middle C."""
    bass = bass_note(chord)
    return tuple(dict.fromkeys(([bass] if bass is not None else []) + list(voicing(chord))))


class ChordEntryEdit(QLineEdit):
    """The in-place editor: Enter keeps, Escape cancels; both are its own keys, never the
    window's shortcuts (Escape cancels generation there)."""

    def __init__(self, lane: ChordLane):
        super().__init__(lane)
        self._lane = lane
        self.setFrame(False)

    def event(self, event):
        if event.type() == QEvent.Type.ShortcutOverride and event.key() in (
            Qt.Key_Escape, Qt.Key_Return, Qt.Key_Enter,
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event):
        if event.key() == Qt.Key_Escape:
            self._lane.cancel_entry()
        elif event.key() in (Qt.Key_Return, Qt.Key_Enter):
            self._lane.commit_entry()
        else:
            super().keyPressEvent(event)


class ChordLane(RollPane):
    """The chord lane; see the module docstring."""

    def __init__(self, editor: RollEditor, view: RollView):
        super().__init__(editor, view)
        self.document = editor.document
        self.selected: Chord | None = None  # a chord of the track
        self.selected_beat: int | None = None  # an empty beat (typing enters a chord there)
        self.selected_ghost: int | None = None  # a ghost chord of the suggestion
        self.drag: EdgeDrag | None = None
        self.entry: ChordEntry | None = None
        self.line_edit = ChordEntryEdit(self)
        self.line_edit.hide()
        self.setFixedHeight(LANE_HEIGHT)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.ClickFocus)
        self.setToolTip("Chords. Double-click a beat to enter a chord (Am7, G/B, N.C.), drag an "
                        "edge to move it, Delete removes it; click one to hear it.")
        self.document.chords_changed.connect(self._chords_changed)
        self.document.chord_suggestion_changed.connect(self._suggestion_changed)
        self.document.variations_changed.connect(self.update)

    # --- what is shown ------------------------------------------------------------------------

    def grid(self) -> LaneGrid:
        melody = self.document.melody
        # Chords may run ahead of the melody (Continue writes over them), up to the limit.
        return LaneGrid(melody.steps_per_beat, melody.steps_per_bar, limits.MAX_STEPS)

    def shown_chords(self) -> tuple[Chord, ...]:
        """The chord track, or a running edge drag's preview of it."""
        return self.drag.preview if self.drag is not None else self.document.piece.chords

    def ghost_chords(self) -> list[tuple[Chord, str]]:
        """(chord, label) of every ghost chord: the suggestion's as chosen, then the current
        variation's. A label ends in ``▾`` where the chord offers other symbols."""
        piece = self.document.piece
        ghosts = []
        suggestion = piece.chord_suggestion
        if suggestion is not None:
            for i, chord in enumerate(suggestion.shown()):
                more = len(suggestion.options(i)) > 1
                ghosts.append((chord, chord.symbol + (" ▾" if more else "")))
        ghosts += [(chord, chord.symbol) for chord in piece.current_variation_chords()]
        return ghosts

    def rect_of(self, chord: Chord) -> QRectF:
        geometry = self._view.geometry
        x0, x1 = geometry.x_of(chord.start), geometry.x_of(chord.end)
        return QRectF(x0, 2, max(2.0, x1 - x0 - 1), self.height() - 4)

    def x_of(self, step: float) -> float:
        return self._view.geometry.x_of(step)

    # --- painting -----------------------------------------------------------------------------

    def paintEvent(self, event):
        width, height = self.width(), self.height()
        painter = QPainter(self)
        try:
            painter.fillRect(QRectF(0, 0, width, height), style.LANE_BACKGROUND)
            end_x = self.x_of(self.document.piece.end)
            if end_x < width:
                painter.fillRect(QRectF(max(0.0, end_x), 0, width, height), PAST_END)
            melody = self.document.melody
            lines = time_lines(self._view.geometry, width, melody.steps_per_bar,
                               melody.steps_per_beat, self._editor.grid())
            painter.setPen(QPen(style.BEAT_LINE, 1))
            painter.drawLines([QLineF(self.x_of(s) + 0.5, height - 4, self.x_of(s) + 0.5, height)
                               for s in lines.beats])
            painter.setPen(QPen(style.BAR_LINE, 1))
            painter.drawLines([QLineF(self.x_of(s) + 0.5, 0, self.x_of(s) + 0.5, height)
                               for s in lines.bars])
            if self.selected_beat is not None:
                beat = Chord(self.selected_beat, melody.steps_per_beat, "N.C.")
                painter.fillRect(self.rect_of(beat), BEAT_SELECTED)
            font = QFont(painter.font())
            font.setPixelSize(11)
            painter.setFont(font)
            for chord in self.shown_chords():
                border = style.SELECTED_BORDER if chord == self.selected else CHORD_BORDER
                self._paint_block(painter, chord, chord.symbol, CHORD_FILL, QPen(border, 1))
            ghosts = self.ghost_chords()
            for chord, _label in ghosts:  # what a ghost chord would replace is dimmed under it
                painter.fillRect(self.rect_of(chord).adjusted(0, -2, 1, 2), style.LANE_BACKGROUND)
            for i, (chord, label) in enumerate(ghosts):
                pen = QPen(style.SELECTED_BORDER if i == self.selected_ghost else style.GHOST_BORDER,
                           1, Qt.DashLine)
                self._paint_block(painter, chord, label, style.GHOST_FILL, pen)
            painter.setPen(QPen(style.BAR_LINE, 1))
            painter.drawLine(QLineF(0, height - 0.5, width, height - 0.5))
        finally:
            painter.end()
        if self.entry is not None:
            self._place_line_edit()

    def _paint_block(self, painter: QPainter, chord: Chord, label: str, fill, pen) -> None:
        rect = self.rect_of(chord)
        if rect.right() < 0 or rect.left() > self.width():
            return
        painter.setPen(pen)
        painter.setBrush(QBrush(fill))
        painter.drawRoundedRect(rect, 3, 3)
        painter.setPen(CHORD_TEXT)
        painter.drawText(rect.adjusted(4, 0, -2, 0), Qt.AlignVCenter | Qt.AlignLeft, label)

    # --- the mouse ----------------------------------------------------------------------------

    def _step(self, event) -> float:
        return self._view.geometry.step_at(event.position().x())

    def ghost_index_at(self, step: float) -> int | None:
        suggestion = self.document.piece.chord_suggestion
        return None if suggestion is None else index_at(suggestion.shown(), step)

    def mousePressEvent(self, event):
        if self.entry is not None:
            self.cancel_entry()  # a press elsewhere in the lane leaves the editor
        step = self._step(event)
        chords = self.document.piece.chords
        ghost = self.ghost_index_at(step)
        if event.button() == Qt.RightButton:
            self._show_menu(step, ghost, event.globalPosition().toPoint())
            event.accept()
            return
        if event.button() != Qt.LeftButton:
            event.ignore()
            return
        self.setFocus()
        if ghost is not None:
            self.select(ghost=ghost)
            self.play(self.document.piece.chord_suggestion.shown()[ghost])
        elif (edge := edge_at(chords, step, self._view.geometry.step_width)) is not None:
            self.drag = EdgeDrag(chords, edge[0], edge[1], self.grid())
            self.select(chord=chords[edge[0]])
        elif (i := index_at(chords, step)) is not None:
            self.select(chord=chords[i])
            self.play(chords[i])
        elif (variation_chord := self._variation_chord_at(step)) is not None:
            self.play(variation_chord)
        else:
            self.select(beat=self.grid().beat_at(step))
        event.accept()

    def mouseMoveEvent(self, event):
        if self.drag is not None:
            self.drag.move(self._step(event))
            self.update()
        else:
            edge = edge_at(self.document.piece.chords, self._step(event),
                           self._view.geometry.step_width)
            self.setCursor(Qt.SizeHorCursor if edge is not None else Qt.ArrowCursor)
        event.accept()

    def mouseReleaseEvent(self, event):
        drag, self.drag = self.drag, None
        if drag is not None:
            drag.move(self._step(event))
            result = drag.result()
            if result is not None:
                self.selected = drag.chord
                self.document.set_chords(result, "Move Chord Edge")
            self.update()
        event.accept()

    def mouseDoubleClickEvent(self, event):
        if event.button() != Qt.LeftButton:
            return
        step = self._step(event)
        chords = self.document.piece.chords
        i = index_at(chords, step)
        if i is not None:
            self.open_entry(ChordEntry(chords, chord=chords[i]))
        else:
            self.enter_at(step)
        event.accept()

    def _variation_chord_at(self, step: float) -> Chord | None:
        chords = self.document.piece.current_variation_chords()
        i = index_at(chords, step)
        return None if i is None else chords[i]

    def _show_menu(self, step: float, ghost: int | None, where) -> None:
        menu = QMenu(self)
        suggestion = self.document.piece.chord_suggestion
        if ghost is not None:
            self.select(ghost=ghost)
            for option, (symbol, probability) in enumerate(suggestion.options(ghost)):
                shown = symbol if probability is None else f"{symbol}  ({probability:.0%})"
                action = menu.addAction(shown)
                action.setCheckable(True)
                action.setChecked(option == suggestion.choices[ghost])
                action.triggered.connect(
                    lambda _checked=False, o=option: self.choose_alternative(ghost, o))
        else:
            chords = self.document.piece.chords
            i = index_at(chords, step)
            if i is None:
                menu.addAction("Enter Chord…", lambda: self.enter_at(step))
            else:
                self.select(chord=chords[i])
                menu.addAction("Edit Chord…", lambda: self.open_entry(
                    ChordEntry(chords, chord=chords[i])))
                menu.addAction("Delete Chord", self.delete_selected)
        menu.exec(where)

    def event(self, event):
        if event.type() == QEvent.Type.ToolTip:
            text = self.tooltip_at(self._view.geometry.step_at(event.pos().x()))
            if text:
                QToolTip.showText(event.globalPos(), text, self)
                return True
        if event.type() == QEvent.Type.ShortcutOverride and self._own_key(event.key()):
            event.accept()  # Delete and the letters are the lane's while it has the focus
            return True
        return super().event(event)

    def tooltip_at(self, step: float) -> str | None:
        """A ghost chord's options with their probabilities (None elsewhere)."""
        ghost = self.ghost_index_at(step)
        if ghost is None:
            return None
        options = self.document.piece.chord_suggestion.options(ghost)
        return "Suggested: " + ", ".join(
            symbol if p is None else f"{symbol} {p:.0%}" for symbol, p in options)

    # --- keys ---------------------------------------------------------------------------------

    def _own_key(self, key: int) -> bool:
        if key in (Qt.Key_Delete, Qt.Key_Backspace):
            return self.selected is not None
        return key in LETTERS and (self.selected is not None or self.selected_beat is not None)

    def keyPressEvent(self, event):
        key = event.key()
        if key in (Qt.Key_Delete, Qt.Key_Backspace) and self.selected is not None:
            self.delete_selected()
        elif key in LETTERS and event.modifiers() & ~Qt.ShiftModifier == Qt.NoModifier:
            self.type_letter(LETTERS[key])
        elif key in (Qt.Key_Return, Qt.Key_Enter) and self.selected is not None:
            self.open_entry(ChordEntry(self.document.piece.chords, chord=self.selected))
        elif key == Qt.Key_Escape:
            self.select()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def type_letter(self, letter: str) -> None:
        """A letter A-G starts the editor on the selected chord or beat, with the letter in it."""
        chords = self.document.piece.chords
        if self.selected is not None:
            self.open_entry(ChordEntry(chords, chord=self.selected, text=letter))
        elif self.selected_beat is not None:
            self.enter_at(self.selected_beat, text=letter)

    # --- commands -----------------------------------------------------------------------------

    def select(self, chord: Chord | None = None, beat: int | None = None,
               ghost: int | None = None) -> None:
        self.selected, self.selected_beat, self.selected_ghost = chord, beat, ghost
        self.update()

    def play(self, chord: Chord) -> None:
        """Sound ``chord`` through the roll's note preview (the bass and a close voicing)."""
        for pitch in sounding_pitches(chord):
            self._editor.audition(pitch, CHORD_VELOCITY)

    def delete_selected(self) -> None:
        if self.selected is not None:
            self.document.set_chords(removed(self.document.piece.chords, self.selected),
                                     "Delete Chord")
            self.select()

    def choose_alternative(self, ghost: int, option: int) -> None:
        suggestion = self.document.piece.chord_suggestion
        if suggestion is not None and ghost < len(suggestion.chords):
            self.document.set_chord_suggestion(suggestion.choosing(ghost, option))
            self.select(ghost=ghost)
            self.play(self.document.piece.chord_suggestion.shown()[ghost])

    def enter_at(self, step: float, text: str | None = None) -> bool:
        """Open the editor for a new chord at the beat of ``step``; False on a chord."""
        grid = self.grid()
        span = new_chord_span(self.document.piece.chords, step, grid)
        if span is None:
            return False
        self.open_entry(ChordEntry(self.document.piece.chords, span=span, text=text))
        return True

    def open_entry(self, entry: ChordEntry) -> None:
        self.entry = entry
        edit = self.line_edit
        edit.setStyleSheet("")
        edit.setToolTip("")
        edit.setText(entry.text)
        if entry.chord is not None and entry.text == entry.chord.symbol:
            edit.selectAll()  # typing replaces the symbol
        self._place_line_edit()
        edit.show()
        edit.setFocus()

    def _place_line_edit(self) -> None:
        start, end = self.entry.span
        rect = self.rect_of(Chord(start, end - start, "N.C."))
        self.line_edit.setGeometry(int(rect.left()), 0, max(64, int(rect.width())), self.height())

    def commit_entry(self) -> bool:
        """Keep the symbol typed (one undo step); a symbol that is not a chord is refused in
        place: the editor stays open, red, with the reason in its tooltip and the status bar."""
        if self.entry is None:
            return False
        try:
            chords, text = self.entry.commit(self.line_edit.text())
        except ValueError as error:
            reason = str(error)
            self.line_edit.setStyleSheet(REFUSED_STYLE)
            self.line_edit.setToolTip(reason)
            self._editor.status_message.emit(f"Not a chord: {reason}")
            return False
        start = self.entry.span[0]
        self.close_entry()
        self.document.set_chords(chords, text)
        kept = [chord for chord in self.document.piece.chords if chord.start == start]
        self.select(chord=kept[0] if kept else None)
        return True

    def cancel_entry(self) -> None:
        self.close_entry()

    def close_entry(self) -> None:
        self.entry = None
        self.line_edit.hide()
        self.setFocus()
        self.update()

    def refused(self) -> str:
        """The reason the editor shows for a refused symbol ('' when none)."""
        return self.line_edit.toolTip() if self.line_edit.styleSheet() else ""

    # --- the document changed -----------------------------------------------------------------

    def _chords_changed(self) -> None:
        if self.entry is not None and self.entry.chords != self.document.piece.chords:
            self.cancel_entry()  # undone or changed under the editor: it would write stale chords
        if self.selected is not None and self.selected not in self.document.piece.chords:
            self.selected = None
        self.drag = None  # undo under a drag: drop it
        self.update()

    def _suggestion_changed(self) -> None:
        suggestion = self.document.piece.chord_suggestion
        if suggestion is None or (self.selected_ghost or 0) >= len(suggestion.chords):
            self.selected_ghost = None
        self.update()
