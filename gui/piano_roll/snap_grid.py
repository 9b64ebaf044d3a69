"""The snap and the piece's grid, kept in agreement.

Picking a triplet snap ('1/8T') on a straight piece puts the whole piece on the triplet grid
first (:meth:`gui.document.Document.set_steps_per_quarter`: exact, one undo step named "Use a
Triplet Grid"), so a musician just picks 1/8T and draws; straight snaps go on working there
(1/16 is 3 steps of 12). When the grid changes under the roll (that step undone, a piece
opened), :class:`SnapFollowsGrid` moves the roll's insert position with it and turns a triplet
snap the new grid cannot hold back to the default, saying so.
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from segue.engine.piece_grid import scaled_step
from segue.gui.document import Document
from segue.gui.piano_roll.snap import (
    DEFAULT_SNAP,
    grid_for_snap,
    holds_snap,
    is_triplet,
    snap_note,
    validate_snap_name,
)

TRIPLET_GRID_TEXT = "Use a Triplet Grid"


def chosen_snap(document: Document, current: str, name: str) -> tuple[str, str]:
    """(the snap in force, what the status bar says) once ``name`` is chosen instead of
    ``current``: a triplet snap first puts the piece on a grid that holds it; a piece that does
    not fit that grid keeps ``current``. ValueError for an unknown name."""
    validate_snap_name(name)
    grid = grid_for_snap(name, document.melody.steps_per_quarter)
    if grid != document.melody.steps_per_quarter:
        try:
            document.set_steps_per_quarter(grid, TRIPLET_GRID_TEXT)
        except ValueError as error:  # too long for the finer grid: engine.limits
            return current, f"Snap {name} refused: on a triplet grid {error}"
        return name, (f"Snap {name}: the piece is on a triplet grid now (1/16 is 3 steps, "
                      "1/8T 4); Undo puts it back")
    return name, snap_note(name, grid) or f"Snap {name}"


class SnapFollowsGrid(QObject):
    """Follows ``editor.document``'s grid (see the module docstring)."""

    def __init__(self, editor):
        super().__init__(editor)
        self._editor = editor
        self._grid = editor.document.melody.steps_per_quarter
        editor.document.melody_changed.connect(self._melody_changed)

    def _melody_changed(self) -> None:
        editor = self._editor
        old, new = self._grid, editor.document.melody.steps_per_quarter
        if new == old:
            return
        self._grid = new
        if editor.insert_step is not None:
            editor.insert_step = scaled_step(editor.insert_step, old, new)
        if is_triplet(editor.snap) and not holds_snap(editor.snap, new):
            snap = editor.snap
            editor.set_snap(DEFAULT_SNAP)
            editor.status_message.emit(
                f"Snap {DEFAULT_SNAP}: the piece is on a straight grid, which has no {snap}")
