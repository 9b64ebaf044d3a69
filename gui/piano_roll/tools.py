"""Mouse gestures on the piano roll, one small state class per gesture.

A gesture starts on a mouse press, follows the pointer and ends on release. While it runs it
offers a preview (the melody it would make, a selection, a marker position, a rubber band) that
the panes paint instead of the document; on release it hands back one :class:`Outcome`, which the
roll commits as ONE undo step. Cancelling (Escape) simply drops the gesture.

No Qt here: the panes turn Qt events into :class:`Pointer` values, so the gestures are tested with
plain numbers. Which gesture a press starts is decided by :func:`grid_gesture`:

=============================  ===============================================================
press                          gesture
=============================  ===============================================================
left on a note's right edge    :class:`ResizeGesture` (all selected notes if it is selected)
left on a note                 :class:`MoveGesture` (Ctrl: copy); a click without a drag selects
left on empty grid, draw tool  :class:`DrawGesture`: click for one snap length, drag for longer
left on empty grid, select     :class:`RubberBandGesture` (Shift adds to the selection)
right on a note                :class:`EraseGesture`: deletes it and what the drag passes over
=============================  ===============================================================

The velocity lane starts :class:`VelocityGesture`; the ruler starts :class:`LoopGesture` in its
upper strip and :class:`MarkerGesture` below it.
Snap sizes come from a ``grid_for(alt)`` callable so Alt bypasses snap at every mouse move.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from segue.engine import edits
from segue.engine.melody import Melody, Note
from segue.gui.piano_roll.geometry import RollGeometry
from segue.gui.piano_roll.snap import snap_floor, snap_round

# Pixels the pointer travels before a press on a note becomes a move (so a click never nudges).
DRAG_THRESHOLD_PX = 3.0
BAR_LINE_CATCH_PX = 6.0  # a loop drag pressed this close to a bar line snaps to whole bars
# Width of the grab zone at a note's right edge, in pixels (narrow notes get a third of them).
RESIZE_EDGE_PX = 7.0

TOOLS = ("draw", "select")


@dataclass(frozen=True)
class Pointer:
    """One mouse position in view pixels, what lies under it and the modifier keys."""

    x: float
    y: float
    step: float
    pitch: int
    alt: bool = False
    shift: bool = False
    ctrl: bool = False
    velocity: int | None = None  # the velocity lane's reading at y

    @classmethod
    def at(cls, geometry: RollGeometry, x: float, y: float, **modifiers) -> Pointer:
        return cls(x, y, geometry.step_at(x), geometry.pitch_at(y), **modifiers)


@dataclass
class Outcome:
    """What a finished gesture asks the roll to do."""

    text: str = ""
    result: edits.EditResult | None = None  # a melody edit: one undo step named ``text``
    selection: frozenset[Note] | None = None  # a new selection (no undo step)
    marker: int | None = None  # a new continue-from marker position (one undo step)
    loop: tuple[int, int] | None = None  # a new loop region (transport state, not an edit)
    insert_step: int | None = None  # where paste goes next (a click on empty grid)


@dataclass
class RollContext:
    """What a gesture needs to know about the roll when it starts."""

    melody: Melody
    selection: frozenset[Note]
    geometry: RollGeometry
    grid_for: Callable[[bool], int]  # snap size in steps; the argument says whether Alt is down
    velocity: int = 100  # for new notes
    tool: str = "draw"
    starts: list[int] = field(default_factory=list)
    # Snap to scale: the pitch a note aimed at a pitch lands on; the flag says whether Alt is down.
    pitch_for: Callable[[int, bool], int] = lambda pitch, alt: pitch

    def __post_init__(self):
        if not self.starts:
            self.starts = [n.start for n in self.melody.notes]


class Gesture:
    """Base class: a gesture's preview state and its three events."""

    cursor = "arrow"
    text = ""

    def __init__(self):
        self.result: edits.EditResult | None = None  # preview of the melody edit
        self.selection: frozenset[Note] | None = None  # preview of the selection
        self.marker: int | None = None  # preview of the marker
        self.loop: tuple[int, int] | None = None  # preview of the loop region
        self.band: tuple[float, float, float, float] | None = None  # rubber band, view pixels
        self.audition: tuple[int, int] | None = None  # a pitch to sound now (taken by the roll)

    def move(self, pointer: Pointer) -> None:
        """Follow the pointer."""

    def release(self, pointer: Pointer) -> Outcome:
        """Finish; the default commits whatever the preview shows."""
        self.move(pointer)
        return Outcome(self.text, result=self.result)

    def take_audition(self) -> tuple[int, int] | None:
        audition, self.audition = self.audition, None
        return audition


class DrawGesture(Gesture):
    """Create one note: a click gives one snap length, dragging right lengthens it by the snap."""

    cursor = "draw"
    text = "Draw Note"

    def __init__(self, context: RollContext, pointer: Pointer):
        super().__init__()
        self._melody = context.melody
        self._grid_for = context.grid_for
        grid = context.grid_for(pointer.alt)
        self._start = snap_floor(pointer.step, grid)
        self._pitch = context.pitch_for(pointer.pitch, pointer.alt)
        self._velocity = context.velocity
        self.audition = (self._pitch, self._velocity)
        self._place(self._start + grid)

    def _place(self, end: int) -> None:
        note = Note(self._pitch, self._start, end - self._start, self._velocity)
        self.result = edits.fit_notes(self._melody, [note])
        self.selection = self.result.selection

    def move(self, pointer: Pointer) -> None:
        grid = self._grid_for(pointer.alt)
        end = max(snap_floor(pointer.step, grid) + grid, snap_floor(self._start, grid) + grid)
        self._place(max(end, self._start + 1))


class MoveGesture(Gesture):
    """Drag notes in time and pitch; with ``copy`` (Ctrl held at the press) the originals stay.

    The grabbed note's start snaps to the grid; a drag of less than half a snap unit leaves the
    time alone, so a purely vertical drag of an off-grid note does not shift it.
    A release without a drag is a click: it selects the note alone (Shift/Ctrl: toggles it).
    """

    cursor = "move"

    def __init__(self, context: RollContext, pointer: Pointer, note: Note):
        super().__init__()
        self._context = context
        self._press = pointer
        self._note = note
        self._dragging = False
        self._copy = pointer.ctrl
        self.text = "Copy Notes" if self._copy else "Move Notes"
        selection = context.selection
        if pointer.shift or pointer.ctrl:
            # A modifier click toggles the note; a drag then moves the selection including it.
            self._moved = selection | {note}
        else:
            self._moved = selection if note in selection else frozenset({note})
        self.selection = self._moved
        self._last_pitch = note.pitch
        self.audition = (note.pitch, note.velocity)

    def move(self, pointer: Pointer) -> None:
        if not self._dragging:
            travel = abs(pointer.x - self._press.x) + abs(pointer.y - self._press.y)
            if travel < DRAG_THRESHOLD_PX:
                return
            self._dragging = True
        grid = self._context.grid_for(pointer.alt)
        raw = pointer.step - self._press.step
        dsteps = 0
        if abs(raw) >= grid / 2:
            dsteps = snap_round(self._note.start + raw, grid) - self._note.start
        aimed = self._note.pitch + pointer.pitch - self._press.pitch
        dpitch = self._context.pitch_for(aimed, pointer.alt) - self._note.pitch
        dsteps, dpitch = edits.clamp_move(self._moved, dsteps, dpitch)
        self.result = edits.move_notes(
            self._context.melody, self._moved, dsteps, dpitch, self._copy
        )
        self.selection = self.result.selection
        pitch = self._note.pitch + dpitch
        if pitch != self._last_pitch:
            self._last_pitch = pitch
            self.audition = (pitch, self._note.velocity)

    def release(self, pointer: Pointer) -> Outcome:
        self.move(pointer)
        if self._dragging:
            if self.result is not None and self.result.melody == self._context.melody:
                return Outcome(selection=self.result.selection)
            return Outcome(self.text, result=self.result)
        selection = self._context.selection
        if self._press.shift or self._press.ctrl:
            return Outcome(selection=selection ^ {self._note})
        return Outcome(selection=frozenset({self._note}))


class ResizeGesture(Gesture):
    """Drag a note's right edge; every selected note changes length by the same amount."""

    cursor = "resize"
    text = "Resize Notes"

    def __init__(self, context: RollContext, pointer: Pointer, note: Note):
        super().__init__()
        self._context = context
        self._note = note
        self._notes = context.selection if note in context.selection else frozenset({note})
        self.selection = self._notes

    def move(self, pointer: Pointer) -> None:
        grid = self._context.grid_for(pointer.alt)
        end = snap_round(pointer.step, grid)
        end = max(end, snap_floor(self._note.start, grid) + grid, self._note.start + 1)
        self.result = edits.resize_notes(self._context.melody, self._notes, end - self._note.end)
        self.selection = self.result.selection

    def release(self, pointer: Pointer) -> Outcome:
        self.move(pointer)
        if self.result.melody == self._context.melody:
            return Outcome(selection=self._notes)
        return Outcome(self.text, result=self.result)


class RubberBandGesture(Gesture):
    """Drag a rectangle to select the notes it touches; Shift adds to the selection.

    A click without a drag clears the selection (Shift: keeps it) and sets the paste position.
    """

    cursor = "select"

    def __init__(self, context: RollContext, pointer: Pointer):
        super().__init__()
        self._context = context
        self._press = pointer
        self._base = context.selection if pointer.shift else frozenset()
        self._dragging = False

    def move(self, pointer: Pointer) -> None:
        if not self._dragging:
            travel = abs(pointer.x - self._press.x) + abs(pointer.y - self._press.y)
            if travel < DRAG_THRESHOLD_PX:
                return
            self._dragging = True
        press = self._press
        self.band = (
            min(press.x, pointer.x),
            min(press.y, pointer.y),
            max(press.x, pointer.x),
            max(press.y, pointer.y),
        )
        inside = edits.notes_in_area(
            self._context.melody,
            min(press.step, pointer.step),
            max(press.step, pointer.step),
            min(press.pitch, pointer.pitch),
            max(press.pitch, pointer.pitch),
        )
        self.selection = self._base | inside

    def release(self, pointer: Pointer) -> Outcome:
        self.move(pointer)
        if self._dragging:
            return Outcome(selection=self.selection)
        grid = self._context.grid_for(pointer.alt)
        return Outcome(selection=self._base, insert_step=snap_floor(self._press.step, grid))


class EraseGesture(Gesture):
    """Right-button press and drag: delete the note under the pointer and every note passed over."""

    cursor = "erase"
    text = "Delete Notes"

    def __init__(self, context: RollContext, pointer: Pointer):
        super().__init__()
        self._context = context
        self._erased: set[Note] = set()
        self.move(pointer)

    def move(self, pointer: Pointer) -> None:
        note = edits.note_at(
            self._context.melody, pointer.step, pointer.pitch, self._context.starts
        )
        if note is not None and note not in self._erased:
            self._erased.add(note)
            self.result = edits.delete_notes(self._context.melody, self._erased)
            self.selection = edits.resolve_selection(self.result.melody, self._context.selection)

    def release(self, pointer: Pointer) -> Outcome:
        self.move(pointer)
        if not self._erased:
            return Outcome()
        return Outcome(self.text, result=self.result)


class VelocityGesture(Gesture):
    """Drag a note's stem in the velocity lane; selected notes follow by the same amount."""

    cursor = "velocity"
    text = "Change Velocity"

    def __init__(self, context: RollContext, pointer: Pointer, note: Note):
        super().__init__()
        self._context = context
        self._note = note
        self._notes = context.selection if note in context.selection else frozenset({note})
        self.selection = self._notes
        self.move(pointer)

    def move(self, pointer: Pointer) -> None:
        if pointer.velocity is None:
            return
        delta = min(127, max(1, pointer.velocity)) - self._note.velocity
        self.result = edits.change_velocity(self._context.melody, self._notes, delta)
        self.selection = self.result.selection

    def release(self, pointer: Pointer) -> Outcome:
        self.move(pointer)
        if self.result is None or self.result.melody == self._context.melody:
            return Outcome(selection=self._notes)
        return Outcome(self.text, result=self.result)


class MarkerGesture(Gesture):
    """Press or drag in the ruler: move the continue-from marker to the nearest snap point."""

    cursor = "marker"
    text = "Move Continue Marker"

    def __init__(self, grid_for: Callable[[bool], int], pointer: Pointer):
        super().__init__()
        self._grid_for = grid_for
        self.move(pointer)

    def move(self, pointer: Pointer) -> None:
        self.marker = max(0, snap_round(pointer.step, self._grid_for(pointer.alt)))

    def release(self, pointer: Pointer) -> Outcome:
        self.move(pointer)
        return Outcome(self.text, marker=self.marker)


class LoopGesture(Gesture):
    """Drag in the ruler's loop strip: the loop region between press and pointer, each end on
    the nearest snap point, or the nearest bar line when the press was on a bar line (as a
    DAW's ruler does; Alt: the nearest step); a click without a drag loops the bar under it.

    Nearest, not outwards: a drag that ends a pixel or two past a bar line ends on it, so the
    loop (and a Fill of it) never takes the next bar's first note by a hair."""

    cursor = "loop"
    text = "Set Loop Region"

    def __init__(self, grid_for: Callable[[bool], int], steps_per_bar: int, pointer: Pointer,
                 step_width: float = 0.0):
        super().__init__()
        self._grid_for = grid_for
        self._bar = steps_per_bar
        self._anchor = max(0.0, pointer.step)
        self._anchor_x = pointer.x
        # On a bar line: within a few pixels of it (a quarter of a bar, zoomed far out).
        catch = min(BAR_LINE_CATCH_PX, steps_per_bar * step_width / 4)
        off_bar_px = abs(self._anchor - snap_round(self._anchor, steps_per_bar)) * step_width
        self.by_bars = step_width > 0 and off_bar_px <= catch
        self.move(pointer)

    def move(self, pointer: Pointer) -> None:
        if abs(pointer.x - self._anchor_x) < DRAG_THRESHOLD_PX:
            start = int(self._anchor // self._bar) * self._bar
            self.loop = (start, start + self._bar)
            return
        grid = self._grid_for(True) if pointer.alt else (
            self._bar if self.by_bars else self._grid_for(False))
        low, high = sorted((self._anchor, max(0.0, pointer.step)))
        start = snap_round(low, grid)
        self.loop = (start, max(start + grid, snap_round(high, grid)))

    def release(self, pointer: Pointer) -> Outcome:
        self.move(pointer)
        return Outcome(self.text, loop=self.loop)


def resize_edge_width(note_width: float) -> float:
    """Pixels at a note's right end that grab the edge rather than the note."""
    return min(RESIZE_EDGE_PX, max(2.0, note_width / 3))


def hit_note(context: RollContext, pointer: Pointer) -> tuple[Note | None, bool]:
    """The note under the pointer and whether the pointer is on its right edge."""
    note = edits.note_at(context.melody, pointer.step, pointer.pitch, context.starts)
    if note is None:
        return None, False
    x, _, width, _ = context.geometry.note_rect(note)
    return note, pointer.x >= x + width - resize_edge_width(width)


def grid_gesture(
    context: RollContext, pointer: Pointer, right_button: bool = False
) -> Gesture | None:
    """The gesture a press on the note grid starts (see the module docstring), or None."""
    note, on_edge = hit_note(context, pointer)
    if right_button:
        return EraseGesture(context, pointer) if note is not None else None
    if note is not None:
        if on_edge:
            return ResizeGesture(context, pointer, note)
        return MoveGesture(context, pointer, note)
    if context.tool == "draw" and not (pointer.shift or pointer.ctrl):
        return DrawGesture(context, pointer)
    return RubberBandGesture(context, pointer)


def hover_cursor(context: RollContext, pointer: Pointer) -> str:
    """The cursor name for the pointer hovering with no button down."""
    note, on_edge = hit_note(context, pointer)
    if note is not None:
        return "resize" if on_edge else "move"
    return "draw" if context.tool == "draw" else "arrow"


def arrow_move(key: str, shift: bool, grid: int, steps_per_bar: int) -> tuple[int, int]:
    """``(dsteps, dpitch)`` for an arrow key: a snap step or a semitone; Shift: a bar or an octave."""
    moves = {
        "left": (-(steps_per_bar if shift else grid), 0),
        "right": (steps_per_bar if shift else grid, 0),
        "up": (0, 12 if shift else 1),
        "down": (0, -12 if shift else -1),
    }
    if key not in moves:
        raise ValueError(f"arrow key must be one of {', '.join(moves)}; got {key!r}")
    return moves[key]
