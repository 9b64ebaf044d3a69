"""Qt events to :class:`~gui.piano_roll.tools.Pointer` values, and gesture names to cursors."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QCursor, QMouseEvent

from segue.gui.piano_roll.geometry import RollGeometry
from segue.gui.piano_roll.tools import Pointer

CURSOR_SHAPES = {
    "arrow": Qt.ArrowCursor,
    "select": Qt.ArrowCursor,
    "draw": Qt.CrossCursor,
    "move": Qt.SizeAllCursor,
    "resize": Qt.SizeHorCursor,
    "erase": Qt.ForbiddenCursor,
    "velocity": Qt.SizeVerCursor,
    "marker": Qt.SplitHCursor,
    "loop": Qt.IBeamCursor,
    "key": Qt.PointingHandCursor,
}


def modifier_flags(modifiers) -> dict[str, bool]:
    """``alt`` / ``shift`` / ``ctrl`` booleans from Qt keyboard modifiers."""
    return {
        "alt": bool(modifiers & Qt.AltModifier),
        "shift": bool(modifiers & Qt.ShiftModifier),
        "ctrl": bool(modifiers & Qt.ControlModifier),
    }


def other_buttons_held(event: QMouseEvent) -> bool:
    """Whether a mouse press comes while another button is still down (a second button)."""
    return event.buttons() != event.button()


def pointer_from_event(
    geometry: RollGeometry, event: QMouseEvent, velocity: int | None = None
) -> Pointer:
    position = event.position()
    x, y = position.x(), position.y()
    return Pointer(
        x,
        y,
        geometry.step_at(x),
        geometry.pitch_at(y),
        velocity=velocity,
        **modifier_flags(event.modifiers()),
    )


def cursor_for(name: str) -> QCursor:
    return QCursor(CURSOR_SHAPES.get(name, Qt.ArrowCursor))
