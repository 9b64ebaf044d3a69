"""What every pane of the piano roll shares: it is given the editor and the view, hands a running
gesture the pointer as it moves and is released, and gives the wheel to the view."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from segue.gui.piano_roll.editor import RollEditor
from segue.gui.piano_roll.input import pointer_from_event
from segue.gui.piano_roll.tools import Pointer
from segue.gui.piano_roll.view import RollView


class RollPane(QWidget):
    """Base of the note grid, ruler, velocity lane and keyboard column."""

    # Which way the pane runs, so a wheel zoom keeps the point under the pointer in place.
    time_axis = True
    pitch_axis = False

    def __init__(self, editor: RollEditor, view: RollView):
        super().__init__()
        self._editor = editor
        self._view = view

    def _pointer(self, event) -> Pointer:
        return pointer_from_event(self._view.geometry, event)

    def hover(self, event) -> None:
        """The pointer moved, or a gesture ended, with no gesture running: show a cursor."""

    def mouseMoveEvent(self, event):
        if self._editor.gesture is not None:
            self._editor.update_gesture(self._pointer(event))
        else:
            self.hover(event)
        event.accept()

    def mouseReleaseEvent(self, event):
        if self._editor.gesture is not None:
            self._editor.end_gesture(self._pointer(event))
            self.hover(event)
        event.accept()

    def wheelEvent(self, event):
        self._view.wheel(event, self.time_axis, self.pitch_axis)
