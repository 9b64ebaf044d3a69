"""What the piano roll edits: selection, tool, snap, the running gesture, the loop region and the
edit commands, for one :class:`~gui.document.Document`.

:class:`RollEditor` holds no widgets: the panes (note grid, ruler, velocity lane, keyboard) receive
it and call it; it answers what they paint (a gesture's preview or the document) and says when
that changed (``changed``). It is tested directly, without a window.

Editing model:

* The document is the only truth. A mouse gesture (see :mod:`gui.piano_roll.tools`) shows a
  preview while it runs and ends in exactly ONE ``document.set_melody`` (one undo step); Escape
  cancels it. Commands are one step each. The edits themselves are the pure functions of
  :mod:`engine.edits` (placed notes win over the notes they land on; the engine's monophony rule
  does the rest).
* Snap (:mod:`gui.piano_roll.snap`): '1/4', '1/8', '1/16', '1/32', '1/4T', '1/8T', '1/16T',
  'off'. The melody's grid changes only when the user picks a triplet snap (the piece goes onto
  a triplet grid, one undo step); a setting finer than one grid step ('1/32' on the default
  1/16 grid) and 'off' snap to one step, and the status bar says so. Alt bypasses snap.
* Selection is a set of notes (values). After an edit it is the edited notes; after undo/redo it
  keeps the selected notes that still exist.
* Paste goes to the insert position: where the user last clicked on empty grid, else after the
  last copied notes (so copy + paste appends, like duplicate), else the continue-from marker.
  Cut sets it to where the cut notes began; each paste moves it to the end of what was pasted.
* Commands with nothing selected: quantize and transpose act on the whole melody; copy, cut,
  duplicate, delete and the arrow keys do nothing (and say so).

Keys: only the roll's own (:meth:`RollEditor.handle_key`: arrows, Escape). Delete, select all,
copy, cut, paste, duplicate, undo and redo are the main window's actions, which call the
commands here; one key, one path.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal

from segue.engine import edits, transforms
from segue.engine.melody import Melody, Note
from segue.gui.document import Document
from segue.gui.piano_roll import clipboard, snap_grid
from segue.gui.piano_roll.geometry import RollGeometry
from segue.gui.piano_roll.messages import count_notes as _count
from segue.gui.piano_roll.messages import room_message
from segue.gui.piano_roll.scale import RollScale
from segue.gui.piano_roll.snap import DEFAULT_SNAP, snap_steps
from segue.gui.piano_roll.tools import TOOLS, Gesture, Outcome, Pointer, RollContext, arrow_move

DEFAULT_VELOCITY = 100  # for drawn notes
ARROW_KEYS = {Qt.Key_Left: "left", Qt.Key_Right: "right", Qt.Key_Up: "up", Qt.Key_Down: "down"}


class RollEditor(QObject):
    """The piano roll's editing state and commands (see the module docstring)."""

    changed = Signal()  # something the panes paint changed
    settings_changed = Signal()  # tool, snap, or the scale and its fold and snap options
    status_message = Signal(str)
    audition_requested = Signal(int, int)  # pitch, velocity: play this note now
    loop_region_changed = Signal(object)  # (start, end) in steps, or None for the whole piece
    context_menu_requested = Signal(object)  # a QPoint on screen: show the roll's context menu

    def __init__(self, document: Document, geometry: RollGeometry, parent=None):
        super().__init__(parent)
        self.document = document
        self.geometry = geometry  # the gestures need it to tell a note's edge from its body
        self.tool = "draw"
        self.snap = DEFAULT_SNAP
        self.gesture: Gesture | None = None
        self.insert_step: int | None = None
        self.loop_region: tuple[int, int] | None = None
        self.loop_enabled = False  # painted brighter when the transport's loop is on
        self.scale = RollScale()  # the key shown; fold and snap to scale
        self._selection: frozenset[Note] = frozenset()
        self._starts_cache: dict[int, tuple[Melody, list[int]]] = {}
        self._selected_cache: tuple[frozenset[Note], frozenset[int]] = (frozenset(), frozenset())
        self._committing = False
        document.melody_changed.connect(self._melody_changed)
        self._snap_follows_grid = snap_grid.SnapFollowsGrid(self)  # a triplet snap needs its grid

    # --- what the panes show -----------------------------------------------------------------

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
        """The loop region to paint: a running loop drag's preview, else the set one."""
        if self.gesture is not None and self.gesture.loop is not None:
            return self.gesture.loop
        return self.loop_region

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
        return self.scale.pitch_classes

    def folded_pitches(self) -> tuple[int, ...] | None:
        """The rows to show (fold to scale), or None for all of them."""
        return self.scale.folded_pitches((self.document.melody, self.ghost_melody()))

    def grid(self, alt: bool = False) -> int:
        """The snap size in steps (one step when ``alt`` bypasses snap)."""
        melody = self.document.melody
        return snap_steps(
            "off" if alt else self.snap, melody.steps_per_quarter, melody.steps_per_bar
        )

    def context(self) -> RollContext:
        """What a gesture starting now needs to know."""
        melody = self.document.melody
        return RollContext(
            melody=melody,
            selection=self._selection,
            geometry=self.geometry,
            grid_for=self.grid,
            velocity=DEFAULT_VELOCITY,
            tool=self.tool,
            starts=self.starts_of(melody),
            pitch_for=self.scale.snap_pitch,
        )

    # --- settings ------------------------------------------------------------------------------

    def set_snap(self, name: str) -> None:
        """Snap to '1/4', '1/8', '1/16', '1/32', a triplet ('1/8T': the piece goes onto a
        triplet grid first, :mod:`gui.piano_roll.snap_grid`) or 'off' (module docstring)."""
        self.snap, message = snap_grid.chosen_snap(self.document, self.snap, name)
        self.settings_changed.emit()
        self.status_message.emit(message)
        self.changed.emit()

    def set_tool(self, name: str) -> None:
        """'draw' (empty grid draws notes) or 'select' (empty grid drags a selection rectangle)."""
        if name not in TOOLS:
            raise ValueError(f"tool must be one of {', '.join(TOOLS)}; got {name!r}")
        self.tool = name
        self.settings_changed.emit()

    def set_scale(self, key: str | None) -> None:
        """Shade ``key``'s scale on the roll (None: no key); fold and snap to scale follow it."""
        if self.scale.set_key(key):
            self.settings_changed.emit()
            self.changed.emit()

    def set_scale_options(self, fold: bool | None = None, snap: bool | None = None) -> None:
        """Fold to scale (show only the scale's rows) and snap to scale (draw and drag onto
        the scale's notes); None leaves an option as it is."""
        if fold is not None:
            self.scale.fold = bool(fold)
        if snap is not None:
            self.scale.snap = bool(snap)
        if (fold or snap) and not self.scale.key:
            self.status_message.emit("No key to fold or snap to: the piece has no notes yet")
        self.settings_changed.emit()
        self.changed.emit()

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
        self.changed.emit()

    def set_loop_enabled(self, on: bool) -> None:
        self.loop_enabled = bool(on)
        self.changed.emit()

    # --- selection -----------------------------------------------------------------------------

    def selected_notes(self) -> list[Note]:
        return sorted(self._selection, key=lambda n: n.start)

    def select_all(self) -> None:
        self._set_selection(self.document.melody.notes)

    def clear_selection(self) -> None:
        self._set_selection(())

    def _set_selection(self, notes) -> None:
        self._selection = frozenset(notes)
        self.changed.emit()

    # --- gestures ------------------------------------------------------------------------------

    def accept_press(self, other_buttons_held: bool) -> bool:
        """Whether a pane may start a gesture for a mouse press.

        A second button pressed during a drag is ignored. A press with no other button held
        while a gesture still runs means its release went missing (a popup or a window switch
        took the mouse mid-drag): the stale gesture is dropped, uncommitted.
        """
        if self.gesture is None:
            return True
        if other_buttons_held:
            return False
        self.gesture = None
        self.changed.emit()
        return True

    def begin_gesture(self, gesture: Gesture) -> None:
        self.gesture = gesture
        self._play_audition(gesture)
        self.changed.emit()

    def update_gesture(self, pointer: Pointer) -> None:
        if self.gesture is None:
            return
        self.gesture.move(pointer)
        self._play_audition(self.gesture)
        self.changed.emit()

    def end_gesture(self, pointer: Pointer) -> None:
        gesture, self.gesture = self.gesture, None
        if gesture is None:
            return
        outcome = gesture.release(pointer)
        self._play_audition(gesture)
        self._apply(outcome)
        self.changed.emit()

    def cancel_gesture(self) -> None:
        if self.gesture is not None:
            self.gesture = None
            self.status_message.emit("Cancelled")
            self.changed.emit()

    def _play_audition(self, gesture: Gesture) -> None:
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
        room = room_message(result)
        if changed and room:
            self.status_message.emit(room)
        return changed

    def _melody_changed(self) -> None:
        if not self._committing:
            self.gesture = None  # the melody changed under a drag (undo, accept): drop it
            self._set_selection(edits.resolve_selection(self.document.melody, self._selection))

    # --- commands (the main window's Edit menu calls these) ------------------------------------

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
        if not self._commit(edits.quantize_notes(melody, notes, self.grid()), "Quantize Notes"):
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
        if self._commit(result, "Transpose Notes"):
            self._audition_first(result.selection)  # heard, as a drag or an arrow key is

    def apply_transform(self, text: str, transform) -> bool:
        """Run ``transform(melody, notes)`` (an :mod:`engine.transforms` function with its
        arguments bound) on the selection, or every note when none is selected, as one undo
        step named ``text``; a refusal (ValueError) goes to the status bar. True if it changed."""
        melody = self.document.melody
        notes = self.selected_notes() or list(melody.notes)
        if not notes:
            self.status_message.emit(f"Nothing to {text.lower()}: the piece has no notes")
            return False
        try:
            result = transform(melody, notes)
        except ValueError as error:
            self.status_message.emit(f"Cannot {text.lower()}: {error}")
            return False
        if not self._commit(result, text):
            self.status_message.emit(f"{text}: nothing changed")
            return False
        return True

    def nudge_selection(self, dsteps: int, dpitch: int) -> None:
        """Move the selected notes (arrow keys); refused with a message at the roll's edges."""
        notes = self._require_selection("move")
        if not notes:
            return
        try:
            if abs(dpitch) == 1 and self.scale.snap and self.scale.key:
                # Snapping to the scale, up and down step along it, as drawing lands on it.
                result = transforms.transpose_diatonic(
                    self.document.melody, notes, dpitch, self.scale.key)
            else:
                result = edits.move_notes(self.document.melody, notes, dsteps, dpitch)
        except ValueError as error:
            self.status_message.emit(f"Cannot move: {error}")
            return
        self._commit(result, "Move Notes")
        if dpitch:
            self._audition_first(result.selection)

    def _audition_first(self, notes) -> None:
        if notes:
            first = min(notes, key=lambda n: n.start)
            self.audition(first.pitch, first.velocity)

    # --- keys ----------------------------------------------------------------------------------

    def handle_key(self, key: int, modifiers) -> bool:
        """The roll's own keys; False for any other (the main window's actions own those).

        While a gesture runs every key is swallowed and Escape cancels it. Otherwise Escape
        clears the selection and the arrows move it by a snap step or a semitone (Shift: a bar
        or an octave). Ctrl+arrows (transpose) and Alt+arrows (variations) are the window's.
        """
        if self.gesture is not None:
            if key == Qt.Key_Escape:
                self.cancel_gesture()
            return True
        if key == Qt.Key_Escape:
            self.clear_selection()
            return True
        if key in ARROW_KEYS and not modifiers & (Qt.ControlModifier | Qt.AltModifier):
            shift = bool(modifiers & Qt.ShiftModifier)
            melody = self.document.melody
            self.nudge_selection(
                *arrow_move(ARROW_KEYS[key], shift, self.grid(), melody.steps_per_bar)
            )
            return True
        return False
