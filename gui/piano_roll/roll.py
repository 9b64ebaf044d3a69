"""The piano roll: where the musician draws and edits the seed melody.

``PianoRoll(document)`` lays out the panes (header strip, ruler, chord lane, keyboard column,
note grid, velocity lane, the optional surprise lane, scroll bars) around one shared
:class:`~gui.piano_roll.geometry.RollGeometry`.
What is edited and how (selection, tool, snap, the running gesture, the loop region, the edit
commands) is its :class:`~gui.piano_roll.editor.RollEditor` (``roll.editor``); zoom, scrolling,
following the playhead and revealing new material are its :class:`~gui.piano_roll.view.RollView`
(``roll.view``). The panes receive those two and call nothing on the roll.

The roll's own methods are what the main window drives: the view's zoom and playhead, the loop
region, and the signals it forwards from the editor.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QGridLayout, QScrollBar, QWidget

from segue.gui.document import Document
from segue.gui.piano_roll import style
from segue.gui.piano_roll.chord_lane import ChordLane
from segue.gui.piano_roll.editor import RollEditor
from segue.gui.piano_roll.geometry import RollGeometry
from segue.gui.piano_roll.grid import NoteGrid
from segue.gui.piano_roll.header import RollHeader
from segue.gui.piano_roll.keyboard import KeyboardColumn
from segue.gui.piano_roll.ruler import Ruler
from segue.gui.piano_roll.surprise import Surprises
from segue.gui.piano_roll.surprise_lane import SurpriseLane
from segue.gui.piano_roll.velocity import VelocityLane
from segue.gui.piano_roll.view import RollView

DEFAULT_QUARTER_WIDTH = 64.0  # pixels per quarter note at the default zoom
DEFAULT_KEY_HEIGHT = 14.0


class _Filler(QWidget):
    """The corners beside the ruler and the lanes."""

    def __init__(self, text: str = "", parent=None):
        super().__init__(parent)
        self._text = text

    def paintEvent(self, event):
        painter = QPainter(self)
        try:
            painter.fillRect(QRectF(0, 0, self.width(), self.height()), style.RULER_BACKGROUND)
            if self._text:
                painter.setPen(style.LANE_TEXT)
                painter.drawText(QPointF(6, 14), self._text)
        finally:
            painter.end()


class PianoRoll(QWidget):
    """The piano-roll editor for ``document``; see the module docstring."""

    audition_requested = Signal(int, int)  # pitch, velocity: play this note now
    status_message = Signal(str)
    loop_region_changed = Signal(object)  # (start, end) in steps, or None for the whole piece

    def __init__(self, document: Document, parent=None):
        super().__init__(parent)
        self.document = document
        spq = document.melody.steps_per_quarter
        self.roll_geometry = RollGeometry(DEFAULT_QUARTER_WIDTH / spq, DEFAULT_KEY_HEIGHT)
        self.editor = RollEditor(document, self.roll_geometry, self)
        self.hbar = QScrollBar(Qt.Horizontal)
        self.vbar = QScrollBar(Qt.Vertical)
        self.view = RollView(document, self.editor, self.roll_geometry, self.hbar, self.vbar, self)

        self.header = RollHeader(self.editor, self.view)
        self.ruler = Ruler(self.editor, self.view)
        self.chord_lane = ChordLane(self.editor, self.view)
        self.keyboard = KeyboardColumn(self.editor, self.view)
        self.note_grid = NoteGrid(self.editor, self.view)
        self.velocity_lane = VelocityLane(self.editor, self.view)
        self.surprise_lane = SurpriseLane(self.editor, self.view)
        self._surprise_label = _Filler("Surprise")
        self.view.viewport = self.note_grid
        # The tempo box in the header; the main window hides it when its transport shows one.
        self.tempo_box = self.header.meter.tempo
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header, 0, 0, 1, 3)
        layout.addWidget(_Filler(), 1, 0)
        layout.addWidget(self.ruler, 1, 1)
        layout.addWidget(_Filler("Chords"), 2, 0)
        layout.addWidget(self.chord_lane, 2, 1)
        layout.addWidget(self.keyboard, 3, 0)
        layout.addWidget(self.note_grid, 3, 1)
        layout.addWidget(self.vbar, 3, 2)
        layout.addWidget(_Filler("Velocity"), 4, 0)
        layout.addWidget(self.velocity_lane, 4, 1)
        layout.addWidget(self._surprise_label, 5, 0)
        layout.addWidget(self.surprise_lane, 5, 1)
        layout.addWidget(self.hbar, 6, 1)
        self.show_surprise_lane(False)
        layout.setRowStretch(3, 1)
        layout.setColumnStretch(1, 1)
        self.setFocusProxy(self.note_grid)

        self.editor.changed.connect(self.refresh)
        self.view.changed.connect(self.refresh)
        self.view.playhead_moved.connect(self.note_grid.update)
        self.view.playhead_moved.connect(self.ruler.update)
        self.editor.audition_requested.connect(self.audition_requested)
        self.editor.status_message.connect(self.status_message)
        self.editor.loop_region_changed.connect(self.loop_region_changed)

    def refresh(self) -> None:
        """Repaint every pane (cheap: they share a cached background)."""
        for pane in (self.note_grid, self.ruler, self.chord_lane, self.keyboard,
                     self.velocity_lane, self.surprise_lane):
            pane.update()

    # --- what the main window drives ----------------------------------------------------------

    @property
    def playhead(self) -> float | None:
        return self.view.playhead

    def set_playhead(self, step: float | None) -> None:
        """Show the playback position (None hides it); pages the view along when following."""
        self.view.set_playhead(step)

    def zoom_to_fit(self) -> None:
        self.view.zoom_to_fit()

    def zoom_time(self, factor: float) -> None:
        self.view.zoom_time(factor)

    def set_view(self, **zoom_and_scroll) -> None:
        """``step_width``, ``key_height``, ``scroll_x``, ``scroll_y``: see RollView.set_view."""
        self.view.set_view(**zoom_and_scroll)

    @property
    def loop_region(self) -> tuple[int, int] | None:
        return self.editor.loop_region

    def set_loop_region(self, region: tuple[int, int] | None) -> None:
        """Set (or with None clear) the loop region; emits ``loop_region_changed``."""
        self.editor.set_loop_region(region)

    @property
    def loop_enabled(self) -> bool:
        return self.editor.loop_enabled

    def set_loop_enabled(self, on: bool) -> None:
        """Paint the loop region as on (the transport loops) or off."""
        self.editor.set_loop_enabled(on)

    # --- the surprise lane and tint (figures from gui.generation.surprise) -----------------------

    def show_surprise_lane(self, on: bool) -> None:
        self.surprise_lane.setVisible(on)
        self._surprise_label.setVisible(on)

    def set_surprise_tint(self, on: bool) -> None:
        """Tint the notes by their surprise (when there are figures)."""
        self.note_grid.surprise_tint = on
        self.note_grid.update()

    def set_surprises(self, surprises: Surprises | None, message: str = "") -> None:
        """Each note's surprise for the lane, the tint and the notes' hover text (None: none);
        ``message`` says in the lane why there are none."""
        self.surprise_lane.set_surprises(surprises, message)
        self.note_grid.surprises = surprises
        self.note_grid.update()
