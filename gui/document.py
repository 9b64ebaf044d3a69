"""The open piece: melody, continue-from marker and pending variations, edited through undo.

Every user edit ends in :meth:`Document.set_state` (directly or via ``set_melody`` /
``set_marker`` / ``accept_variation``), which pushes one :class:`EditCommand` onto the
``QUndoStack``. A command stores the whole state before and after: melodies are immutable values,
so a snapshot costs one reference, and undo can never drift from redo.

Pending variations (generated, not yet accepted) are not part of the undo history: they are
proposals beside the piece, cleared by accept or discard, and saved with the session. New
variations still count as an unsaved change (``is_modified``), so closing asks before losing them.
The one link: undoing an Accept brings back the variations it chose from, so "wrong one, undo,
take the third" works as a musician expects (see :class:`AcceptCommand`); undoing an import that
discarded variations brings them back the same way (:meth:`Document.replace_piece`).
Variations from Fill rewrite a range instead of what follows the marker: the document keeps that
``fill_range`` with them (:func:`engine.piece.with_variation` decides what you hear and keep).
Undo and redo say what they did (``history_message``), so the status bar never keeps describing
an edit that has just been undone.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QUndoCommand, QUndoStack

from segue.engine import piece
from segue.engine.melody import Melody


@dataclass(frozen=True)
class PieceState:
    """What one undo step restores."""

    melody: Melody
    marker: int  # "continue from" step: everything before it is the seed


class EditCommand(QUndoCommand):
    """Replace the piece state; consecutive commands with the same ``merge_id`` coalesce."""

    def __init__(self, document: Document, before: PieceState, after: PieceState, text: str, merge_id: int = -1):
        super().__init__(text)
        self._document, self._before, self._after, self._merge_id = document, before, after, merge_id
        self._pushed = False  # the first redo is the push itself, not a Redo

    def id(self) -> int:
        return self._merge_id

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, EditCommand) or other._merge_id != self._merge_id or self._merge_id < 0:
            return False
        self._after = other._after
        return True

    def redo(self):
        self._document._apply(self._after)
        if self._pushed:
            self._document.history_message.emit(f"Redo: {self.text()}")
        self._pushed = True

    def undo(self):
        self._document._apply(self._before)
        self._document.history_message.emit(f"Undo: {self.text()}")


class AcceptCommand(EditCommand):
    """Accept Variation (or an import that replaces the piece). Pending variations continue one
    particular piece state, so they travel with it: undo brings back the variations the accept
    chose from (and keeps any newer ones, which continue the accepted phrase, for the redo); redo
    brings those newer ones back."""

    def __init__(self, document, before: PieceState, after: PieceState, variations, current: int,
                 text: str = "Accept Variation"):
        super().__init__(document, before, after, text)
        self._chosen_from = (list(variations), current, document.fill_range)
        self._later: tuple = ([], 0, None)  # pending when the accept was undone

    def redo(self):
        super().redo()
        self._document.set_variations(*self._later)

    def undo(self):
        document = self._document
        self._later = (document.variations, document.current_index, document.fill_range)
        super().undo()
        document.set_variations(*self._chosen_from)


# Merge ids for edits that come in a stream of small steps (spin boxes, sliders).
MERGE_TEMPO = 1
MERGE_TIME_SIGNATURE = 2


class Document(QObject):
    """The piece being edited. Views listen to the signals and never change state directly."""

    melody_changed = Signal()
    marker_changed = Signal(int)
    variations_changed = Signal()
    modified_changed = Signal(bool)  # unsaved changes appeared (True) or were saved (False)
    history_message = Signal(str)  # 'Undo: Accept Variation' after an undo or a redo

    def __init__(self, melody: Melody | None = None, marker: int | None = None, parent=None):
        super().__init__(parent)
        melody = melody if melody is not None else Melody()
        self._state = PieceState(melody, melody.end if marker is None else max(0, marker))
        self._variations: list[Melody] = []
        self._current = 0
        self._fill_range: tuple[int, int] | None = None  # set while the variations are fills
        self._unsaved_extra = False
        self._last_modified = False
        self.undo_stack = QUndoStack(self)
        # A bound slot (not a lambda): Qt drops it when the document goes, before the stack.
        self.undo_stack.cleanChanged.connect(self._clean_changed)

    # --- piece state --------------------------------------------------------------------------

    @property
    def melody(self) -> Melody:
        return self._state.melody

    @property
    def marker(self) -> int:
        return self._state.marker

    @property
    def state(self) -> PieceState:
        return self._state

    def seed(self) -> Melody:
        """The notes before the marker (cut at it): what a continuation continues."""
        return piece.seed_of(self.melody, self.marker)

    def heard(self) -> Melody:
        """What you hear: the piece with the current variation in place, if one is pending
        (Play, Audition, the drag handle; exactly what Accept would keep)."""
        return piece.with_variation(
            self.melody, self.marker, self.current_variation(), self._fill_range
        )

    def set_state(self, state: PieceState, text: str, merge_id: int = -1) -> bool:
        """Push one undo step to reach ``state``; False (and nothing pushed) if nothing changes."""
        if state == self._state:
            return False
        self.undo_stack.push(EditCommand(self, self._state, state, text, merge_id))
        return True

    def replace_piece(self, state: PieceState, text: str) -> bool:
        """One undo step to ``state`` that also clears the pending variations (an import): undo
        brings them back with the piece they continued."""
        if state == self._state and not self._variations:
            return False
        self.undo_stack.push(AcceptCommand(self, self._state, state, self._variations,
                                           self._current, text))
        return True

    def set_melody(self, melody: Melody, text: str, merge_id: int = -1) -> bool:
        return self.set_state(replace(self._state, melody=melody), text, merge_id)

    def set_marker(self, step: int, text: str = "Move Continue Marker") -> bool:
        return self.set_state(replace(self._state, marker=max(0, int(step))), text)

    def load(self, melody: Melody, marker: int | None = None, variations=(), current: int = 0,
             fill_range: tuple[int, int] | None = None):
        """Start afresh (new file, open, import as new): clears history and variations."""
        self.undo_stack.clear()
        self._apply(PieceState(melody, melody.end if marker is None else max(0, marker)))
        self.set_variations(list(variations), current, fill_range=fill_range)
        self.undo_stack.setClean()
        self.mark_saved()

    # --- saved or not -------------------------------------------------------------------------

    def is_modified(self) -> bool:
        """True when the piece or its pending variations changed since the last save or load."""
        return not self.undo_stack.isClean() or self._unsaved_extra

    def mark_unsaved(self):
        """The piece differs from its file although the history is clean (a restored recovery)."""
        self._unsaved_extra = True
        self._emit_modified()

    def mark_saved(self):
        """The current state is what is on disk now."""
        self.undo_stack.setClean()
        self._unsaved_extra = False
        self._emit_modified()

    @Slot(bool)
    def _clean_changed(self, _clean: bool):
        self._emit_modified()

    def _emit_modified(self):
        modified = self.is_modified()
        if modified != self._last_modified:
            self._last_modified = modified
            self.modified_changed.emit(modified)

    def _apply(self, state: PieceState):
        old = self._state
        self._state = state
        if state.melody != old.melody:
            self.melody_changed.emit()
        if state.marker != old.marker:
            self.marker_changed.emit(state.marker)

    # --- pending variations -------------------------------------------------------------------

    @property
    def variations(self) -> list[Melody]:
        return list(self._variations)

    @property
    def current_index(self) -> int:
        return self._current

    def current_variation(self) -> Melody | None:
        return self._variations[self._current] if self._variations else None

    @property
    def fill_range(self) -> tuple[int, int] | None:
        """``(start, end)`` when the pending variations are fills of that range (Fill)."""
        return self._fill_range

    def set_variations(self, variations: list[Melody], current: int = 0,
                       fill_range: tuple[int, int] | None = None):
        """Pending variations: continuations after the marker, or fills of ``fill_range``."""
        had_any = bool(self._variations)
        self._variations = list(variations)
        self._fill_range = fill_range if self._variations else None
        self._current = min(max(0, current), max(0, len(self._variations) - 1))
        if had_any or self._variations:
            self._unsaved_extra = True
        self.variations_changed.emit()
        self._emit_modified()

    def select_variation(self, index: int):
        if self._variations:
            self._current = index % len(self._variations)
            self.variations_changed.emit()

    def accept_variation(self, phrase_end: int | None = None) -> bool:
        """Merge the current variation into the piece (one undo step; undo brings the variations
        back); the marker moves to the end of the new phrase (:func:`engine.piece.accept`).

        ``phrase_end`` is where the continuation was asked to end (marker + its length).
        """
        variation = self.current_variation()
        if variation is None:
            return False
        after = PieceState(*piece.accept(self.melody, self.marker, variation, phrase_end,
                                         self._fill_range))
        if after != self._state:  # the command's first redo clears the variations
            text = "Accept Fill" if self._fill_range else "Accept Variation"
            self.undo_stack.push(
                AcceptCommand(self, self._state, after, self._variations, self._current, text)
            )
        else:
            self.set_variations([])
        return True

    def discard_variations(self):
        self.set_variations([])
