"""The open piece: one :class:`engine.piece.Piece` value, its undo history, and signals.

The document holds the current piece; every user edit ends in :meth:`Document.set_piece`
(directly or via ``set_melody`` / ``set_marker`` / ``set_chords`` / ``accept_variation`` /
``replace_piece``), which pushes one command onto the ``QUndoStack``. A command keeps the piece before and after:
pieces are immutable values, so a snapshot costs one reference, and undo can never drift from
redo. The rules (the seed, what is heard, what Accept keeps, what an export holds) are the
piece's own: callers ask ``document.piece`` and never rebuild them.

An edit's undo restores what edits change (the melody, the marker, the chords:
:data:`engine.piece.EDITED`). Pending variations (generated, not yet accepted) are not undo
steps of their own: they are proposals beside the piece, cleared by accept or discard, and saved
with the session. New variations still count as an unsaved change (``is_modified``), so closing
asks before losing them. The one link: undoing an Accept brings back the variations it chose
from, so "wrong one, undo, take the third" works as a musician expects (see
:class:`AcceptCommand`); undoing an import that discarded variations brings them back the same
way (:meth:`Document.replace_piece`). The loop travels with the piece (saved with it) but, as
in a DAW, setting it is neither an undo step nor an unsaved change.
Undo and redo say what they did (``history_message``), so the status bar never keeps describing
an edit that has just been undone.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QUndoCommand, QUndoStack

from segue.engine.melody import Melody
from segue.engine.pending_chords import ChordSuggestion
from segue.engine.piece import EDITED, LOOP, PENDING, SUGGESTION, Piece


class EditCommand(QUndoCommand):
    """Go from piece ``before`` to ``after`` (what edits change, :data:`EDITED`); consecutive
    commands with the same ``merge_id`` coalesce."""

    restores = EDITED

    def __init__(self, document: Document, before: Piece, after: Piece, text: str, merge_id: int = -1):
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
        self._document._apply(self._document.piece.taking(self._after, self.restores))
        if self._pushed:
            self._document.history_message.emit(f"Redo: {self.text()}")
        self._pushed = True

    def undo(self):
        self._document._apply(self._document.piece.taking(self._before, self.restores))
        self._document.history_message.emit(f"Undo: {self.text()}")


class AcceptCommand(EditCommand):
    """Accept Variation (or an import that replaces the piece). Pending variations continue one
    particular piece, so they travel with it: undo brings back the variations the accept chose
    from (and keeps any newer ones, which continue the accepted phrase, for the redo); redo
    brings those newer ones back."""

    restores = EDITED + PENDING

    def undo(self):
        self._after = self._after.taking(self._document.piece, PENDING)  # pending since
        self._mark_unsaved(self._before)
        super().undo()

    def redo(self):
        self._mark_unsaved(self._after)
        super().redo()

    def _mark_unsaved(self, target: Piece):
        if self._document.piece.variations or target.variations:
            self._document.mark_unsaved_pending()


class AcceptChordsCommand(EditCommand):
    """Accept Chords: undo brings back the suggestion the accept chose from (as AcceptCommand
    brings back variations), redo a newer one pending since."""

    restores = EDITED + SUGGESTION

    def undo(self):
        self._after = self._after.taking(self._document.piece, SUGGESTION)
        super().undo()


class GridCommand(EditCommand):
    """The whole piece onto another grid (:meth:`Piece.regridded`: Use a Triplet Grid). Undo
    and redo bring back the melody, the marker and the chords exactly; the proposals beside
    them (pending variations, a chord suggestion, the loop) are taken as they are then, moved
    to the grid they go back to, so new variations are never left on a grid the piece has not."""

    restores = EDITED + PENDING + SUGGESTION + LOOP

    def redo(self):
        self._after = self._moved(self._after)
        super().redo()

    def undo(self):
        self._before = self._moved(self._before)
        super().undo()

    def _moved(self, target: Piece) -> Piece:
        now = self._document.piece
        return now.regridded(target.melody.steps_per_quarter).taking(target, EDITED)


# Merge ids for edits that come in a stream of small steps (spin boxes, sliders).
MERGE_TEMPO = 1
MERGE_TIME_SIGNATURE = 2


class Document(QObject):
    """The piece being edited. Views listen to the signals and never change state directly."""

    melody_changed = Signal()
    marker_changed = Signal(int)
    variations_changed = Signal()
    chords_changed = Signal()
    chord_suggestion_changed = Signal()  # a suggestion came, flipped, was accepted or discarded
    loop_changed = Signal(object, bool)  # the loop region (or None) and whether it is on
    key_lock_changed = Signal(str)  # 'off', 'auto' or a key name
    modified_changed = Signal(bool)  # unsaved changes appeared (True) or were saved (False)
    history_message = Signal(str)  # 'Undo: Accept Variation' after an undo or a redo

    def __init__(self, melody: Melody | None = None, marker: int | None = None, parent=None):
        super().__init__(parent)
        self._piece = Piece.of(melody if melody is not None else Melody(), marker)
        self._unsaved_extra = False
        self._last_modified = False
        self.undo_stack = QUndoStack(self)
        # A bound slot (not a lambda): Qt drops it when the document goes, before the stack.
        self.undo_stack.cleanChanged.connect(self._clean_changed)

    # --- the piece ----------------------------------------------------------------------------

    @property
    def piece(self) -> Piece:
        """Everything the piece is now: ask it the piece's questions (seed, heard, export...)."""
        return self._piece

    @property
    def melody(self) -> Melody:
        return self._piece.melody

    @property
    def marker(self) -> int:
        return self._piece.marker

    def seed(self) -> Melody:
        """The notes before the marker (cut at it): what a continuation continues."""
        return self._piece.seed()

    def heard(self) -> Melody:
        """What you hear: the piece with the current variation in place (:meth:`Piece.heard`)."""
        return self._piece.heard()

    def set_piece(self, piece: Piece, text: str, merge_id: int = -1) -> bool:
        """Push one undo step to reach what ``piece`` has of :data:`EDITED` (melody, marker,
        chords); False (and nothing pushed) if nothing changes."""
        after = self._piece.taking(piece, EDITED)
        if after == self._piece:
            return False
        self.undo_stack.push(EditCommand(self, self._piece, after, text, merge_id))
        return True

    def replace_piece(self, piece: Piece, text: str) -> bool:
        """One undo step to ``piece``'s melody, marker and chords that also clears the pending
        variations (an import): undo brings them back with the piece they continued."""
        after = self._piece.discarded().taking(piece, EDITED)  # the variations may not fit it
        if after == self._piece:
            return False
        self.undo_stack.push(AcceptCommand(self, self._piece, after, text))
        self.set_chord_suggestion(None)  # ghost chords for the melody that went
        return True

    def set_steps_per_quarter(self, steps_per_quarter: int, text: str = "Use a Triplet Grid") -> bool:
        """The whole piece on a grid of ``steps_per_quarter`` (:meth:`Piece.regridded`: the
        melody, chords, marker, loop, a fill's range and the pending variations) as one undo
        step; False when it is on that grid already. ValueError when the piece does not fit it."""
        if steps_per_quarter == self._piece.melody.steps_per_quarter:
            return False
        after = self._piece.regridded(steps_per_quarter)
        self.undo_stack.push(GridCommand(self, self._piece, after, text))
        return True

    def set_melody(self, melody: Melody, text: str, merge_id: int = -1) -> bool:
        return self.set_piece(self._piece.replace(melody=melody), text, merge_id)

    def set_marker(self, step: int, text: str = "Move Continue Marker") -> bool:
        return self.set_piece(self._piece.replace(marker=max(0, int(step))), text)

    def set_chords(self, chords, text: str = "Edit Chords", merge_id: int = -1) -> bool:
        """The chord track, cut at the piece's end (:meth:`Piece.with_chords`), as one undo
        step; ValueError for chords out of order or overlapping."""
        return self.set_piece(self._piece.with_chords(chords), text, merge_id)

    def load(self, piece: Piece | Melody, marker: int | None = None):
        """Start afresh (new file, open, import as new) with ``piece``, or a piece of a melody
        continuing from ``marker`` (its end when None): clears the history."""
        if not isinstance(piece, Piece):
            piece = Piece.of(piece, marker)
        # The key lock is the panel's setting, not the file's: a session's comes with its
        # generation settings, which the panel then hands back through set_key_lock.
        piece = piece.replace(key_lock=self._piece.key_lock)
        self.undo_stack.clear()
        same_pending = all(getattr(piece, name) == getattr(self._piece, name) for name in PENDING)
        self._apply(piece)
        if same_pending:
            self.variations_changed.emit()  # the views start afresh with the new piece
        self.undo_stack.setClean()
        self.mark_saved()

    # --- the loop -----------------------------------------------------------------------------

    @property
    def loop_region(self) -> tuple[int, int] | None:
        return self._piece.loop_region

    @property
    def loop_on(self) -> bool:
        return self._piece.loop_on

    def set_loop(self, region: tuple[int, int] | None, on: bool | None = None) -> None:
        """The loop region (None: the whole piece) and, unless None, whether it is on. Not an
        undo step, and not an unsaved change (a DAW keeps its loop the same way)."""
        on = self._piece.loop_on if on is None else bool(on)
        self._apply(self._piece.replace(loop_region=region, loop_on=on))

    def set_key_lock(self, key_lock: str) -> None:
        """The key lock ('off', 'auto' or a key name: ValueError otherwise), as the generation
        panel sets it. Like the panel's other settings, not an undo step of the piece."""
        self._apply(self._piece.replace(key_lock=key_lock))

    # --- saved or not -------------------------------------------------------------------------

    def is_modified(self) -> bool:
        """True when the piece or its pending variations changed since the last save or load."""
        return not self.undo_stack.isClean() or self._unsaved_extra

    def mark_unsaved(self):
        """The piece differs from its file although the history is clean (a restored recovery)."""
        self._unsaved_extra = True
        self._emit_modified()

    def mark_unsaved_pending(self):
        """New pending variations are an unsaved change (reported once the change is made)."""
        self._unsaved_extra = True

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

    def _apply(self, piece: Piece):
        old, self._piece = self._piece, piece
        if piece.melody != old.melody:
            self.melody_changed.emit()
        if piece.marker != old.marker:
            self.marker_changed.emit(piece.marker)
        if piece.chords != old.chords:
            self.chords_changed.emit()
        if any(getattr(piece, name) != getattr(old, name) for name in PENDING):
            self.variations_changed.emit()
        if any(getattr(piece, name) != getattr(old, name) for name in LOOP):
            self.loop_changed.emit(piece.loop_region, piece.loop_on)
        if piece.key_lock != old.key_lock:
            self.key_lock_changed.emit(piece.key_lock)
        if piece.chord_suggestion != old.chord_suggestion:
            self.chord_suggestion_changed.emit()

    # --- pending variations -------------------------------------------------------------------

    @property
    def variations(self) -> list[Melody]:
        return list(self._piece.variations)

    @property
    def current_index(self) -> int:
        return self._piece.current

    def current_variation(self) -> Melody | None:
        return self._piece.current_variation()

    @property
    def fill_range(self) -> tuple[int, int] | None:
        """``(start, end)`` when the pending variations are fills of that range (Fill)."""
        return self._piece.fill_range

    def set_variations(self, variations, current: int = 0,
                       fill_range: tuple[int, int] | None = None, phrase_end: int | None = None,
                       chords=()):
        """Pending variations: continuations after the marker (asked to end at
        ``phrase_end``), or fills of ``fill_range``, with the ``chords`` each proposes (none,
        or one sequence per variation). Not an undo step. Variations written on another grid
        (the piece went onto a triplet grid while they were written) are moved onto its grid,
        with their range and end."""
        variations, grid = tuple(variations), self._piece.melody.steps_per_quarter
        theirs = variations[0].steps_per_quarter if variations else grid
        on_theirs = self._piece if theirs == grid else self._piece.regridded(theirs)
        piece = on_theirs.with_variations(variations, current, fill_range, phrase_end, chords)
        if theirs != grid:
            piece = self._piece.taking(piece.regridded(grid), PENDING)
        if self._piece.variations or piece.variations:
            self._unsaved_extra = True
        changed = piece != self._piece
        self._apply(piece)
        if not changed:
            self.variations_changed.emit()  # views refresh on a repeated batch too
        self._emit_modified()

    def select_variation(self, index: int):
        if self._piece.variations:
            piece = self._piece.selecting(index)
            if piece == self._piece:
                self.variations_changed.emit()  # one variation: "next" still refreshes
            self._apply(piece)

    def accept_variation(self) -> bool:
        """Merge the current variation into the piece (one undo step; undo brings the variations
        back): :meth:`engine.piece.Piece.accepted` says what is kept and where the marker goes."""
        if self.current_variation() is None:
            return False
        after = self._piece.accepted()
        if after.taking(self._piece, PENDING) != self._piece:
            text = "Accept Fill" if self._piece.fill_range else "Accept Variation"
            self.undo_stack.push(AcceptCommand(self, self._piece, after, text))
        else:
            self.set_variations([])
        return True

    def discard_variations(self):
        self.set_variations([])

    # --- a chord suggestion (ghost chords) -----------------------------------------------------

    @property
    def chord_suggestion(self) -> ChordSuggestion | None:
        return self._piece.chord_suggestion

    def set_chord_suggestion(self, suggestion: ChordSuggestion | None) -> None:
        """Pending ghost chords (None: none), or another choice among their alternatives. A
        proposal beside the piece, as variations are: not an undo step."""
        self._apply(self._piece.with_chord_suggestion(suggestion))

    def accept_chord_suggestion(self) -> bool:
        """The suggested chords, as shown, into the chord track over the suggestion's span:
        one undo step (undo brings the suggestion back). False when none is pending."""
        if self._piece.chord_suggestion is None:
            return False
        after = self._piece.suggestion_accepted()
        if after.chords == self._piece.chords:
            self.set_chord_suggestion(None)  # nothing to keep: no empty undo step
        else:
            self.undo_stack.push(AcceptChordsCommand(self, self._piece, after, "Accept Chords"))
        return True
