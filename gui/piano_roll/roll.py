"""The piano roll: where the musician draws and edits the seed melody.

``PianoRoll(document)`` composes the panes (header strip, ruler, keyboard column, note grid,
velocity lane, scroll bars) around one shared :class:`~gui.piano_roll.geometry.RollGeometry`,
and owns the view state the panes paint: selection, snap, tool, playhead, the running gesture.
Zoom, scrolling, following the playhead and revealing new material are
:mod:`gui.piano_roll.view`'s.

Editing model:

* The document is the only truth. A mouse gesture (see :mod:`gui.piano_roll.tools`) shows a
  preview while it runs and ends in exactly ONE ``document.set_melody`` (one undo step); Escape
  cancels it. Keyboard and menu edits are one step each. The edits themselves are the pure
  functions of :mod:`engine.edits` (placed notes win over the notes they land on; the engine's
  monophony rule does the rest).
* Snap (:mod:`gui.piano_roll.snap`): '1/4', '1/8', '1/16', '1/32', 'off'. The melody's grid is
  never changed behind the user's back: a setting finer than one grid step ('1/32' on the
  default 1/16 grid) and 'off' snap to one step, and the status bar says so. Alt bypasses snap.
* Selection is a set of notes (values). After an edit it is the edited notes; after undo/redo it
  keeps the selected notes that still exist.
* Paste goes to the insert position: where the user last clicked on empty grid, else after the
  last copied notes (so copy + paste appends, like duplicate), else the continue-from marker.
  Cut sets it to where the cut notes began; each paste moves it to the end of what was pasted.
* Menu-style commands with nothing selected: quantize and transpose act on the whole melody;
  copy, cut, duplicate, delete and the arrow keys do nothing (and say so).

Keys handled when the roll has focus: Delete/Backspace, arrows (snap step or semitone; Shift:
bar or octave), Ctrl+A, Escape, and the standard copy/cut/paste/undo/redo keys
plus Ctrl+D and Ctrl+Y, for when the main window has no actions for them (its actions win).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QKeySequence, QPainter
from PySide6.QtWidgets import QGridLayout, QScrollBar, QWidget

from engine import edits, keys
from engine.melody import Melody, Note
from gui.document import Document
from gui.piano_roll import clipboard, style
from gui.piano_roll.geometry import RollGeometry
from gui.piano_roll.grid import NoteGrid
from gui.piano_roll.header import RollHeader
from gui.piano_roll.keyboard import KeyboardColumn
from gui.piano_roll.ruler import Ruler
from gui.piano_roll.snap import DEFAULT_SNAP, snap_note, snap_steps, validate_snap_name
from gui.piano_roll.tools import TOOLS, Gesture, Outcome, Pointer, RollContext, arrow_move
from gui.piano_roll.velocity import VelocityLane
from gui.piano_roll.view import RollViewMixin

DEFAULT_QUARTER_WIDTH = 64.0  # pixels per quarter note at the default zoom
DEFAULT_KEY_HEIGHT = 14.0


class _Filler(QWidget):
    """The corners beside the ruler and the velocity lane."""

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


class PianoRoll(RollViewMixin, QWidget):
    """The piano-roll editor for ``document``; see the module docstring."""

    audition_requested = Signal(int, int)  # pitch, velocity: play this note now
    selection_changed = Signal()
    status_message = Signal(str)
    loop_region_changed = Signal(object)  # (start, end) in steps, or None for the whole piece

    def __init__(self, document: Document, parent=None):
        super().__init__(parent)
        self.document = document
        spq = document.melody.steps_per_quarter
        self.roll_geometry = RollGeometry(DEFAULT_QUARTER_WIDTH / spq, DEFAULT_KEY_HEIGHT)
        self.tool = "draw"
        self.snap = DEFAULT_SNAP
        self.playhead: float | None = None
        self.loop_region: tuple[int, int] | None = None
        self.loop_enabled = False  # painted brighter when the transport's loop is on
        self.insert_step: int | None = None
        self.gesture: Gesture | None = None
        self.default_velocity = 100
        self._follow = True
        self._selection: frozenset[Note] = frozenset()
        self._starts_cache: dict[int, tuple[Melody, list[int]]] = {}
        self._selected_cache: tuple[frozenset[Note], frozenset[int]] = (frozenset(), frozenset())
        self._steps_per_quarter = spq
        self._committing = False
        self._framed = False
        self._fit_pending = False
        self._fit_sticks = False  # refit on resize until the user zooms or scrolls

        self.header = RollHeader(self)
        self.ruler = Ruler(self)
        self.keyboard = KeyboardColumn(self)
        self.note_grid = NoteGrid(self)
        self.velocity_lane = VelocityLane(self)
        self.hbar = QScrollBar(Qt.Horizontal)
        self.vbar = QScrollBar(Qt.Vertical)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header, 0, 0, 1, 3)
        layout.addWidget(_Filler(), 1, 0)
        layout.addWidget(self.ruler, 1, 1)
        layout.addWidget(self.keyboard, 2, 0)
        layout.addWidget(self.note_grid, 2, 1)
        layout.addWidget(self.vbar, 2, 2)
        layout.addWidget(_Filler("Velocity"), 3, 0)
        layout.addWidget(self.velocity_lane, 3, 1)
        layout.addWidget(self.hbar, 4, 1)
        layout.setRowStretch(2, 1)
        layout.setColumnStretch(1, 1)
        self.setFocusProxy(self.note_grid)
        self.header.show_state(self.tool, self.snap, self._follow)

        self.hbar.valueChanged.connect(self._horizontal_scrolled)
        self.vbar.valueChanged.connect(self._vertical_scrolled)
        document.melody_changed.connect(self._melody_changed)
        document.marker_changed.connect(self._marker_changed)
        document.variations_changed.connect(self._variations_changed)

    # --- what the panes show ---------------------------------------------------------------------

    def shown_melody(self) -> Melody:
        """The melody to paint: a running gesture's preview, else the document's."""
        if self.gesture is not None and self.gesture.result is not None:
            return self.gesture.result.melody
        return self.document.melody

    def shown_selection(self) -> frozenset[Note]:
        if self.gesture is not None and self.gesture.selection is not None:
            return self.gesture.selection
        return self._selection

    def shown_selected_starts(self) -> frozenset[int]:
        """Starts of the shown selection: a note's start names it in a monophonic melody."""
        selection = self.shown_selection()
        if self._selected_cache[0] is not selection:
            self._selected_cache = (selection, frozenset(n.start for n in selection))
        return self._selected_cache[1]

    def shown_loop_region(self) -> tuple[int, int] | None:
        """The loop region to paint: a running loop drag's preview, else the roll's."""
        if self.gesture is not None and self.gesture.loop is not None:
            return self.gesture.loop
        return self.loop_region

    def set_loop_region(self, region: tuple[int, int] | None) -> None:
        """Set (or with None clear) the loop region; emits ``loop_region_changed``."""
        if region is not None:
            start, end = int(region[0]), int(region[1])
            if not 0 <= start < end:
                raise ValueError(f"a loop region needs 0 <= start < end, got {region!r}")
            region = (start, end)
        if region != self.loop_region:
            self.loop_region = region
            self.loop_region_changed.emit(region)
        self.refresh()

    def set_loop_enabled(self, on: bool) -> None:
        self.loop_enabled = bool(on)
        self.refresh()

    def shown_marker(self) -> int:
        if self.gesture is not None and self.gesture.marker is not None:
            return self.gesture.marker
        return self.document.marker

    def ghost_melody(self) -> Melody | None:
        """The pending variation drawn translucent (not editable)."""
        return self.document.current_variation()

    def starts_of(self, melody: Melody) -> list[int]:
        """The sorted note starts of ``melody``, cached while it is on show."""
        cached = self._starts_cache.get(id(melody))
        if cached is None or cached[0] is not melody:
            if len(self._starts_cache) > 8:
                self._starts_cache.clear()
            cached = (melody, [n.start for n in melody.notes])
            self._starts_cache[id(melody)] = cached
        return cached[1]

    def scale_pitch_classes(self) -> frozenset[int] | None:
        key = self.document.melody.key
        return keys.scale_pitch_classes(key) if key else None

    def grid(self, alt: bool = False) -> int:
        """The snap size in steps (one step when ``alt`` bypasses snap)."""
        melody = self.document.melody
        return snap_steps(
            "off" if alt else self.snap, melody.steps_per_quarter, melody.steps_per_bar
        )

    def grid_for(self, alt: bool) -> int:
        return self.grid(alt)

    def context(self) -> RollContext:
        melody = self.document.melody
        return RollContext(
            melody=melody,
            selection=self._selection,
            geometry=self.roll_geometry,
            grid_for=self.grid_for,
            velocity=self.default_velocity,
            tool=self.tool,
            starts=self.starts_of(melody),
        )

    # --- settings ----------------------------------------------------------------------------------

    def set_snap(self, name: str) -> None:
        """Snap to '1/4', '1/8', '1/16', '1/32' or 'off' (see the module docstring)."""
        self.snap = validate_snap_name(name)
        self.header.show_state(self.tool, self.snap, self._follow)
        note = snap_note(name, self.document.melody.steps_per_quarter)
        self.status_message.emit(note or f"Snap {name}")
        self.refresh()

    def set_tool(self, name: str) -> None:
        """'draw' (empty grid draws notes) or 'select' (empty grid drags a selection rectangle)."""
        if name not in TOOLS:
            raise ValueError(f"tool must be one of {', '.join(TOOLS)}; got {name!r}")
        self.tool = name
        self.header.show_state(self.tool, self.snap, self._follow)

    @property
    def follow_playhead(self) -> bool:
        """Whether the view pages along with the playhead during playback."""
        return self._follow

    @follow_playhead.setter
    def follow_playhead(self, on: bool) -> None:
        self._follow = bool(on)
        self.header.show_state(self.tool, self.snap, self._follow)

    # --- selection ---------------------------------------------------------------------------------

    def selected_notes(self) -> list[Note]:
        return sorted(self._selection, key=lambda n: n.start)

    def select_all(self) -> None:
        self._set_selection(self.document.melody.notes)

    def clear_selection(self) -> None:
        self._set_selection(())

    def _set_selection(self, notes) -> None:
        selection = frozenset(notes)
        if selection != self._selection:
            self._selection = selection
            self.selection_changed.emit()
        self.refresh()

    # --- gestures ----------------------------------------------------------------------------------

    def accept_press(self, event) -> bool:
        """Whether a pane may start a gesture for this mouse press.

        A second button pressed during a drag is ignored. A press with no other button held
        while a gesture still runs means its release went missing (a popup or a window switch
        took the mouse mid-drag): the stale gesture is dropped, uncommitted.
        """
        if self.gesture is None:
            return True
        if event.buttons() != event.button():
            return False
        self.gesture = None
        self.refresh()
        return True

    def begin_gesture(self, gesture: Gesture) -> None:
        self.gesture = gesture
        self._play_audition()
        self.refresh()

    def update_gesture(self, pointer: Pointer) -> None:
        if self.gesture is None:
            return
        self.gesture.move(pointer)
        self._play_audition()
        self.refresh()

    def end_gesture(self, pointer: Pointer) -> None:
        gesture, self.gesture = self.gesture, None
        if gesture is None:
            return
        outcome = gesture.release(pointer)
        self._play_audition(gesture)
        self._apply(outcome)
        self.refresh()

    def cancel_gesture(self) -> None:
        if self.gesture is not None:
            self.gesture = None
            self.status_message.emit("Cancelled")
            self.refresh()

    def _play_audition(self, gesture: Gesture | None = None) -> None:
        gesture = gesture or self.gesture
        if gesture is not None:
            audition = gesture.take_audition()
            if audition is not None:
                self.audition(*audition)

    def audition(self, pitch: int, velocity: int) -> None:
        self.audition_requested.emit(pitch, velocity)

    def _apply(self, outcome: Outcome) -> None:
        if outcome.result is not None:
            self._commit(outcome.result, outcome.text)
        elif outcome.selection is not None:
            self._set_selection(outcome.selection)
        if outcome.marker is not None:
            self.document.set_marker(outcome.marker, outcome.text or "Move Continue Marker")
        if outcome.insert_step is not None:
            self.insert_step = outcome.insert_step
        if outcome.loop is not None:
            self.set_loop_region(outcome.loop)

    def _commit(self, result: edits.EditResult, text: str) -> bool:
        """Push ``result`` as one undo step named ``text`` and select its notes."""
        self._committing = True
        try:
            changed = self.document.set_melody(result.melody, text)
        finally:
            self._committing = False
        self._set_selection(edits.resolve_selection(self.document.melody, result.selection))
        return changed

    # --- commands (the main window's Edit menu calls these) ----------------------------------------

    def _require_selection(self, verb: str) -> list[Note] | None:
        notes = self.selected_notes()
        if not notes:
            self.status_message.emit(f"Select notes to {verb}")
            return None
        return notes

    def delete_selection(self) -> None:
        notes = self._require_selection("delete")
        if notes:
            self._commit(edits.delete_notes(self.document.melody, notes), "Delete Notes")

    def copy(self) -> None:
        notes = self._require_selection("copy")
        if notes:
            clipboard.copy_to_clipboard(notes, self.document.melody.steps_per_quarter)
            self.insert_step = edits.selection_span(notes)[1]
            self.status_message.emit(f"Copied {_count(notes)}")

    def cut(self) -> None:
        notes = self._require_selection("cut")
        if notes:
            clipboard.copy_to_clipboard(notes, self.document.melody.steps_per_quarter)
            self._commit(edits.delete_notes(self.document.melody, notes), "Cut Notes")
            self.insert_step = edits.selection_span(notes)[0]
            self.status_message.emit(f"Cut {_count(notes)}")

    def paste(self) -> None:
        melody = self.document.melody
        try:
            notes = clipboard.notes_from_clipboard(melody.steps_per_quarter)
        except ValueError as error:
            self.status_message.emit(f"Nothing pasted: {error}")
            return
        if not notes:
            self.status_message.emit("Nothing pasted: the copied notes are empty")
            return
        at = self.insert_step if self.insert_step is not None else self.document.marker
        try:
            result = edits.paste_notes(melody, notes, at)
        except ValueError as error:
            self.status_message.emit(f"Nothing pasted: {error}")
            return
        self._commit(result, "Paste Notes")
        first, last = edits.selection_span(notes)
        self.insert_step = at + last - first
        self.status_message.emit(f"Pasted {_count(notes)}")

    def duplicate(self) -> None:
        notes = self._require_selection("duplicate")
        if notes:
            self._commit(
                edits.duplicate_notes(self.document.melody, notes, self.grid()), "Duplicate Notes"
            )

    def quantize_selection(self) -> None:
        """Quantize the selected notes (all notes when none are selected) to the snap grid."""
        melody = self.document.melody
        notes = self.selected_notes() or list(melody.notes)
        if not notes:
            return
        grid = self.grid()
        if not self._commit(edits.quantize_notes(melody, notes, grid), "Quantize Notes"):
            self.status_message.emit(f"Already on the grid: {_count(notes)}")

    def transpose_selection(self, semitones: int) -> None:
        """Transpose the selected notes (all notes when none are selected)."""
        melody = self.document.melody
        notes = self.selected_notes() or list(melody.notes)
        if not notes or not semitones:
            return
        try:
            result = edits.transpose_notes(melody, notes, int(semitones))
        except ValueError as error:
            self.status_message.emit(f"Cannot transpose: {error}")
            return
        self._commit(result, "Transpose Notes")

    def nudge_selection(self, dsteps: int, dpitch: int) -> None:
        """Move the selected notes (arrow keys); refused with a message at the roll's edges."""
        notes = self._require_selection("move")
        if not notes:
            return
        try:
            result = edits.move_notes(self.document.melody, notes, dsteps, dpitch)
        except ValueError as error:
            self.status_message.emit(f"Cannot move: {error}")
            return
        self._commit(result, "Move Notes")
        if dpitch:
            first = min(result.selection, key=lambda n: n.start)
            self.audition(first.pitch, first.velocity)

    # --- keys --------------------------------------------------------------------------------------

    def handle_key(self, event) -> bool:
        """Handle a key pressed in a pane; False when it is not the roll's."""
        if self.gesture is not None:
            if event.key() == Qt.Key_Escape:
                self.cancel_gesture()
            return True
        key = event.key()
        modifiers = event.modifiers()
        shift = bool(modifiers & Qt.ShiftModifier)
        ctrl = bool(modifiers & Qt.ControlModifier)
        arrows = {Qt.Key_Left: "left", Qt.Key_Right: "right", Qt.Key_Up: "up", Qt.Key_Down: "down"}
        if key in (Qt.Key_Delete, Qt.Key_Backspace):
            self.delete_selection()
        elif key in arrows and not ctrl and not modifiers & Qt.AltModifier:
            # Ctrl+arrows (transpose) and Alt+arrows (variations) belong to the main window.
            dsteps, dpitch = arrow_move(
                arrows[key], shift, self.grid(), self.document.melody.steps_per_bar
            )
            self.nudge_selection(dsteps, dpitch)
        elif key == Qt.Key_Escape:
            self.clear_selection()
        elif event.matches(QKeySequence.SelectAll):
            self.select_all()
        elif event.matches(QKeySequence.Copy):
            self.copy()
        elif event.matches(QKeySequence.Cut):
            self.cut()
        elif event.matches(QKeySequence.Paste):
            self.paste()
        elif event.matches(QKeySequence.Undo):
            self.document.undo_stack.undo()
        elif event.matches(QKeySequence.Redo) or (ctrl and key in (Qt.Key_Y,) and not shift):
            self.document.undo_stack.redo()
        elif ctrl and key == Qt.Key_Z and shift:
            self.document.undo_stack.redo()
        elif ctrl and key == Qt.Key_D:
            self.duplicate()
        else:
            return False
        return True

    # --- document signals --------------------------------------------------------------------------

    def _melody_changed(self) -> None:
        melody = self.document.melody
        if self.gesture is not None and not self._committing:
            self.gesture = None  # the melody changed under the drag (undo, accept): drop it
        if melody.steps_per_quarter != self._steps_per_quarter:
            # Keep the visual zoom (pixels per quarter) when the grid changes.
            self.roll_geometry.step_width *= self._steps_per_quarter / melody.steps_per_quarter
            self._steps_per_quarter = melody.steps_per_quarter
        if not self._committing:
            self._set_selection(edits.resolve_selection(melody, self._selection))
        self._sync_scrollbars()

    def _marker_changed(self, _marker: int) -> None:
        self._sync_scrollbars()

    def _variations_changed(self) -> None:
        self._sync_scrollbars()
        self.reveal_variation()


def _count(notes) -> str:
    n = len(notes)
    return f"{n} note" if n == 1 else f"{n} notes"
