"""Generate > Suggest Chords: the harmonizer's chords for the selected bars, or for the seed when
nothing is selected, shown as ghost chords in the roll's chord lane.

:class:`ChordSuggestionController` runs ``harmonize`` (``segue.engine.harmony.harmonize`` by
default; tests hand in a fake) in a :class:`~gui.worker.Worker` with the piece's key lock and a
few alternatives per chord, and puts the result beside the piece as a pending
:class:`~engine.pending_chords.ChordSuggestion`. As for variations: the chord track changes only
on Accept Chords (one undo step; Undo brings back the chords it replaced and the suggestion),
Discard Chords drops them, and flipping chooses another symbol for the selected ghost chord
(Alt+Down / Alt+Up, as Alt+Right / Alt+Left flip variations; or its right-click menu in the lane,
which lists the alternatives with their probabilities). Suggesting again for the same bars while
a suggestion is pending samples new chords rather than repeating the best ones.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence

from segue.engine.chords import chords_in
from segue.engine.pending_chords import ChordSuggestion
from segue.gui.document import Document
from segue.gui.worker import Worker

ALTERNATIVES = 3  # other symbols each ghost chord offers

# key: (menu text, shortcuts, status tip)
COMMANDS = {
    "suggest_chords": ("Suggest C&hords", ["Ctrl+Shift+H"],
                       "Suggest chords for the selected bars, or for the seed (ghost chords)."),
    "accept_chords": ("Accept Chords", ["Ctrl+Shift+Return", "Ctrl+Shift+Enter"],
                      "Keep the suggested chords in the chord lane (one undo step)."),
    "discard_chords": ("Discard Chords", ["Ctrl+Shift+Backspace"],
                       "Throw the suggested chords away; the chord lane stays as it was."),
    "next_chord_alternative": ("Next Chord Alternative", ["Alt+Down"],
                               "Show the selected ghost chord's next alternative."),
    "previous_chord_alternative": ("Previous Chord Alternative", ["Alt+Up"],
                                   "Show the selected ghost chord's previous alternative."),
}


def default_harmonize(melody, **options):
    """The shipped harmonizer (imported in the worker thread: its model loads there)."""
    from segue.engine.harmony import harmonize

    return harmonize(melody, **options)


class ChordSuggestionController(QObject):
    """Suggest, Accept, Discard and flip chord suggestions for one document."""

    status_message = Signal(str)
    busy_changed = Signal(bool)

    def __init__(
        self,
        document: Document,
        selected_notes: Callable[[], list],
        lane=None,  # the roll's ChordLane: which ghost chord is selected, and playing a flip
        harmonize: Callable = default_harmonize,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.document, self.lane, self.harmonize = document, lane, harmonize
        self._selected_notes = selected_notes
        self._worker: Worker | None = None
        self._rng = random.Random()
        self.actions: dict[str, QAction] = {}
        for key, (text, shortcuts, tip) in COMMANDS.items():
            action = QAction(text, self)
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
            action.setStatusTip(tip)
            action.setToolTip(tip)
            self.actions[key] = action
        for key, slot in (
            ("suggest_chords", self.suggest),
            ("accept_chords", self.accept),
            ("discard_chords", self.discard),
            ("next_chord_alternative", lambda: self.flip(1)),
            ("previous_chord_alternative", lambda: self.flip(-1)),
        ):
            self.actions[key].triggered.connect(lambda _checked=False, slot=slot: slot())
        document.chord_suggestion_changed.connect(self._update_actions)
        self._update_actions()

    @property
    def is_running(self) -> bool:
        return self._worker is not None

    def span_to_suggest(self) -> tuple[tuple[int, int], str] | None:
        """(steps, words) the suggestion covers: the selected notes' bars, else the seed's
        (else the whole melody's, when no note comes before the marker); None without notes."""
        piece = self.document.piece
        melody = piece.melody
        selected = list(self._selected_notes())
        if selected:
            start = melody.bar_start(min(note.start for note in selected))
            end, where = melody.bar_end(max(note.end for note in selected)), "the selected bars"
        elif piece.seed().notes:
            start, end, where = 0, melody.bar_end(piece.seed().end), "the seed"
        elif melody.notes:
            start, end, where = 0, melody.bar_end(melody.end), "the melody"
        else:
            return None
        end = min(end, piece.end)
        return ((start, end), where) if start < end else None

    def suggest(self) -> bool:
        """Start suggesting chords; False (with a message) when that cannot start."""
        if self._worker is not None:
            return False
        found = self.span_to_suggest()
        if found is None:
            self.status_message.emit("Nothing to suggest chords for: draw or select a few notes.")
            return False
        (start, end), where = found
        piece = self.document.piece
        pending = piece.chord_suggestion
        # The same bars again: new chords, sampled, rather than the same best ones.
        rng_seed = self._rng.randrange(2**31) if pending and pending.span == (start, end) else None
        melody, key = piece.melody.slice(0, end), piece.resolved_key()
        worker = Worker(self)
        self._worker = worker
        worker.finished.connect(lambda chords: self._finished((start, end), where, chords))
        worker.errored.connect(
            lambda message: self.status_message.emit(f"Could not suggest chords: {message}"))
        worker.done.connect(lambda w=worker: self._done(w))
        self.busy_changed.emit(True)
        self._update_actions()
        self.status_message.emit(f"Suggesting chords for {where}…")
        harmonize = self.harmonize
        worker.start(lambda: harmonize(melody, key=key, alternatives=ALTERNATIVES,
                                       rng_seed=rng_seed))
        return True

    def _finished(self, span: tuple[int, int], where: str, chords) -> None:
        try:
            suggestion = ChordSuggestion(chords_in(list(chords or []), *span), span)
        except ValueError as error:
            self.status_message.emit(f"Could not suggest chords: {error}")
            return
        if not suggestion.chords:
            self.status_message.emit(f"No chords suggested for {where}.")
            return
        self.document.set_chord_suggestion(suggestion)
        count = len(suggestion.chords)
        self.status_message.emit(
            f"{count} chord{'s' if count > 1 else ''} suggested for {where}: click one to hear "
            "it, Alt+Down flips it, Accept Chords (Ctrl+Shift+Return) keeps them.")

    def _done(self, worker: Worker) -> None:
        if worker is self._worker:
            self._worker = None
        self.busy_changed.emit(False)
        self._update_actions()
        worker.deleteLater()

    def accept(self) -> bool:
        if self._worker is not None or not self.document.accept_chord_suggestion():
            return False
        self.status_message.emit("Chords accepted (Undo brings back the chords they replaced).")
        return True

    def discard(self) -> None:
        if self.document.chord_suggestion is not None:
            self.document.set_chord_suggestion(None)
            self.status_message.emit("Suggested chords discarded.")

    def flip(self, by: int = 1) -> bool:
        """The selected ghost chord (the first when none is) shows its next alternative (``by``
        -1: the previous); False when no ghost chord offers another."""
        suggestion = self.document.chord_suggestion
        if suggestion is None:
            return False
        selected = getattr(self.lane, "selected_ghost", None)
        index = selected if selected is not None and selected < len(suggestion.chords) else 0
        flipped = suggestion.flipping(index, by)
        if flipped == suggestion:
            self.status_message.emit("This suggested chord has no alternatives.")
            return False
        if self.lane is not None:
            self.lane.choose_alternative(index, flipped.choices[index])  # selects and plays it
        else:
            self.document.set_chord_suggestion(flipped)
        return True

    def _update_actions(self) -> None:
        pending = self.document.chord_suggestion is not None
        busy = self._worker is not None
        self.actions["suggest_chords"].setEnabled(not busy)
        for key in COMMANDS:
            if key != "suggest_chords":
                self.actions[key].setEnabled(pending and not busy)

    def wait(self, milliseconds: int = 10000) -> bool:
        return self._worker is None or self._worker.wait(milliseconds)

    def shutdown(self, milliseconds: int = 2000) -> None:
        """Stop before the window goes (a QThread must not outlive its owner)."""
        if self._worker is not None:
            self._worker.cancel()
            self._worker.wait(milliseconds)
