"""The continuation workflow behind the generation panel, and call and response's answers.

:class:`ContinuationController` does the work of :class:`~gui.generation.panel.GenerationPanel`:
it builds a request from the document's seed and the panel's settings, runs it in a
:class:`~gui.worker.Worker`, puts the results in the document as pending variations (ghost notes
after the marker, with where they were asked to end), and accepts, discards or regenerates them.
The piece's own rules (:class:`engine.piece.Piece`) decide what Accept keeps and where the marker
goes. The document is changed only by Accept (one undo step); a failed or cancelled run leaves it
exactly as it was. No note is lost unannounced: with notes after the marker Continue asks first
(continue after them, moving the marker, or write over them), and an Accept that replaces
notes says how many.

Fill works the same way on a range of whole bars (:meth:`ContinuationController.fill_from`:
the selected notes' bars, else the piece's loop region): the engine writes whole melodies
(:func:`engine.ml.fill.iter_fill`), the document keeps only their notes inside the range as the
pending variations, with the range (ghost notes inside it; Accept rewrites only it).

Variations come with the chords they are written over or propose (the lane's ghost chords;
Accept keeps them): :mod:`gui.generation.variation_chords`.

:class:`CallAnswerer` writes call-and-response answers with the same settings: it continues the
phrase the musician just played (see :func:`engine.live.call_response.answer_request`) and
never touches the document.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from segue.engine import limits, piece
from segue.engine.live.call_response import answer_request
from segue.engine.melody import Melody
from segue.engine.ml.request import ContinuationRequest
from segue.gui.dialogs import CONTINUE_AFTER, WRITE_OVER
from segue.gui.document import Document
from segue.gui.generation.actions import GenerationActions
from segue.gui.generation.model_loader import ModelManager
from segue.gui.generation.panel import GenerationPanel
from segue.gui.generation.variation_chords import continuation_job as chord_continuation_job
from segue.gui.generation.variation_chords import fill_job, split_results
from segue.gui.worker import Worker


class ContinuationController(QObject):
    """Continue, Cancel, Accept, Regenerate, Discard and flipping, for one document."""

    status_message = Signal(str)
    busy_changed = Signal(bool)
    results_ready = Signal(int)  # how many variations arrived

    def __init__(
        self,
        document: Document,
        panel: GenerationPanel,
        models: ModelManager,
        report_error: Callable[[str, str], None],
        job=chord_continuation_job,  # variations with their chords (variation_chords)
        parent: QObject | None = None,
        fill=fill_job,
        ask_notes_after_marker: Callable[[int, str], str] | None = None,
    ):
        super().__init__(parent)
        self.document, self.panel, self.models = document, panel, models
        self._report_error = report_error
        # Continue's question when notes lie after the marker (Dialogs.ask_notes_after_marker);
        # without one the notes stay, as the question's default has it.
        self._ask_notes_after = ask_notes_after_marker or (lambda _count, _where: CONTINUE_AFTER)
        self.job = job  # what runs in the worker: (model, request, should_stop) -> variations
        self.fill_job = fill  # the same for Fill: whole melodies
        self._worker: Worker | None = None
        self._start_when_loaded: Callable[[], object] | None = None  # Continue or a Fill
        self._last_model_problem: str | None = None
        self._rng = random.Random()

        # The commands; the panel's buttons show them, the window adds them to its menus. The
        # window connects "audition" (playing is the live controller's job) and "fill" (the
        # range comes from the roll's selection, else the piece's loop region: ``fill_from``).
        self.actions = GenerationActions(self)
        for key, slot in (
            ("continue", self.continue_),
            ("regenerate", self.regenerate),
            ("cancel", self.cancel),
            ("accept", self.accept),
            ("discard", self.discard),
            ("previous_variation", self.previous),
            ("next_variation", self.next),
        ):
            self.actions[key].triggered.connect(lambda _checked=False, slot=slot: slot())
        panel.show_actions(self.actions)
        document.variations_changed.connect(self._show_variation_state)
        # The key lock belongs to the piece (the roll, export and continuations ask it there);
        # the panel is where the musician sets it.
        panel.settings_changed.connect(self._use_key_lock)
        self._use_key_lock(panel.settings())
        models.loaded.connect(self._model_loaded)
        models.failed.connect(self._model_failed)
        self._show_variation_state()

    @property
    def is_running(self) -> bool:
        return self._worker is not None

    def _use_key_lock(self, settings) -> None:
        self.document.set_key_lock(settings.key_lock)

    # --- requests ---------------------------------------------------------------------------

    def _model_ready(self, command: str, retry: Callable[[], object]) -> bool:
        """True when a model is loaded; else ``retry`` waits for a loading one, or a message
        says why there is none."""
        if self.models.current is not None:
            return True
        if self.models.is_loading:
            self._start_when_loaded = retry
            self.status_message.emit(f"The model is still loading; {command} starts when it is ready.")
            return False
        reason = self._last_model_problem or "No model is installed in the models folder."
        self._report_error(
            "No model",
            f"Segue needs a model to continue the melody. {reason}\n\n"
            "Choose one in the panel's Model list, or Open Model… to load a model file.",
        )
        return False

    def continue_(self, notes_after: str | None = None) -> bool:
        """Write variations after the marker; False (with a message) when that cannot start.

        Notes at or after the marker are never written over unasked: ``notes_after`` (or the
        musician's answer to the question) is CONTINUE_AFTER (the marker moves past them, one
        undo step) or WRITE_OVER (Accept replaces them, and says how many)."""
        if self._worker is not None:
            return False
        if self.models.current is None and not self.models.is_loading:
            return self._model_ready("Continue", self.continue_)  # says why there is none
        seed = self.document.seed()
        if not seed.notes and self.document.melody.notes:
            # Notes but none before the marker (a new piece, the marker left at 0): continue
            # from the end of what is there, as the musician expects.
            self.document.set_marker(self.document.melody.end, "Move Continue Marker to the End")
            seed = self.document.seed()
        after = self.document.piece.notes_after_marker()
        if after and notes_after is None:
            bar = self.document.melody.steps_per_bar
            bars = sorted({note.start // bar + 1 for note in after})
            where = f"bar {bars[0]}" if len(bars) == 1 else f"bars {bars[0]}-{bars[-1]}"
            notes_after = self._ask_notes_after(len(after), where)
            if notes_after not in (CONTINUE_AFTER, WRITE_OVER):
                return False
        if after and notes_after == CONTINUE_AFTER:
            moved = self.document.piece.continuing_after_notes()
            self.document.set_marker(moved.marker, "Move Continue Marker After the Notes")
            seed = self.document.seed()
        if not self._model_ready("Continue", lambda: self.continue_(notes_after)):
            return False
        if not seed.notes:
            self._report_error(
                "Nothing to continue",
                "The piece has no notes yet. Draw or import a few notes, then press Continue.",
            )
            return False
        loaded = self.models.current
        request = ContinuationRequest.for_piece(
            self.document.piece, self.panel.settings(), loaded.pitch_limits(), self._rng
        )
        self._run(loaded.model, request)
        return True

    def fill_from(self, selected) -> bool:
        """Fill the bars of the ``selected`` notes, else the piece's loop region (the status bar
        says which); False (with a message) when that cannot start."""
        selected = list(selected)
        fill_range = self.document.piece.fill_range_for(selected)
        if fill_range is None:
            self._report_error(
                "Nothing to fill",
                "Select notes in the bars to rewrite (or set a loop region), then choose Fill.",
            )
            return False
        return self.fill(fill_range, "the selected notes' bars" if selected else "the loop region")

    def fill(self, fill_range: tuple[int, int], where: str = "") -> bool:
        """Write variations of the steps ``fill_range`` (start, end) that fit the music around
        them; False (with a message) when that cannot start."""
        if self._worker is not None or not self._model_ready("Fill", lambda: self.fill(fill_range, where)):
            return False
        start, end = fill_range
        seed = piece.seed_of(self.document.melody, start)
        if not seed.notes:
            self._report_error(
                "Nothing to fill from",
                "Fill writes music that leads on from the notes before the range, and there are "
                "none. Draw a few notes before it, or choose later bars.",
            )
            return False
        loaded = self.models.current
        request = ContinuationRequest.fill_of_piece(
            self.document.piece, fill_range, self.panel.settings(), loaded.pitch_limits(), self._rng
        )
        bar = self.document.melody.steps_per_bar
        bars = f"bar {start // bar + 1}" if end - start <= bar and start % bar == 0 else (
            f"bars {start // bar + 1}-{(end - 1) // bar + 1}")
        self._run(loaded.model, request, f"Filling {bars}" + (f" ({where})" if where else ""))
        return True

    def regenerate(self) -> bool:
        """The same request again: the pending variations' range, or after the marker (the
        musician already chose to write over any notes there)."""
        fill_range = self.document.fill_range
        if fill_range is not None:
            return self.fill(fill_range)
        return self.continue_(WRITE_OVER if self.document.variations else None)

    def _run(self, model, request: ContinuationRequest, doing: str = ""):
        # The random seed this run uses shows in the panel (lock it there to keep one you like).
        self.panel.set_rng_seed(request.rng_seed)
        fill_range = request.fill_range
        worker = Worker(self)
        self._worker = worker
        worker.progress.connect(self.panel.set_progress)
        worker.finished.connect(lambda results: self._finished(request, results))
        worker.errored.connect(self._errored)
        worker.cancelled.connect(lambda: self.status_message.emit(
            "Fill cancelled." if fill_range else "Continuation cancelled."))
        worker.done.connect(lambda w=worker: self._done(w))
        self.panel.set_busy(True)
        self._show_variation_state()
        self.busy_changed.emit(True)
        count = request.variations
        plural = "s" if count > 1 else ""
        self.status_message.emit(
            f"{doing}: {count} variation{plural}…" if doing
            else f"Writing {count} variation{plural} of {request.steps} steps…"
        )
        job = self.fill_job if fill_range else self.job
        worker.start(lambda: job(model, request, worker.is_cancelled))

    def cancel(self) -> None:
        self._start_when_loaded = None
        if self._worker is not None:
            self._worker.cancel()

    def _finished(self, request: ContinuationRequest, results):
        results, chords = split_results(results, request.fill_range)
        fill_range = request.fill_range
        if not results:
            self.status_message.emit("The model returned no continuation.")
            return
        if fill_range is not None:  # whole melodies: the pending variations are their fills
            results = [piece.inside_range(result, *fill_range) for result in results]
        try:  # the limits every way in meets (engine.limits): a save must keep what is pending
            limits.check_variations(len(results), "the generation")
            for i, result in enumerate(results):
                limits.check_melody(result, f"variation {i + 1}")
        except ValueError as exc:
            self.status_message.emit("The variations were not kept.")
            self._report_error("Continuation failed", f"The variations were not kept: {exc}.")
            return
        # Continuations remember where they were asked to end: Accept moves the marker there.
        self.document.set_variations(results, 0, fill_range, request.phrase_end, chords)
        empty = sum(1 for r in results if not r.notes)
        note = f" ({empty} of them only rests)" if empty else ""
        self.status_message.emit(
            f"{len(results)} variation{'s' if len(results) > 1 else ''} ready{note}: flip with "
            "Alt+Left/Right, keep one with Accept (Ctrl+Return)."
        )
        self.results_ready.emit(len(results))

    def _errored(self, message: str):
        self.status_message.emit("Continuation failed.")
        self._report_error("Continuation failed", f"Could not continue the melody: {message}")

    def _done(self, worker: Worker):
        if worker is self._worker:
            self._worker = None
        self.panel.set_busy(False)
        self._show_variation_state()
        self.busy_changed.emit(False)
        worker.deleteLater()

    def wait(self, milliseconds: int = 10000) -> bool:
        return self._worker is None or self._worker.wait(milliseconds)

    def shutdown(self, milliseconds: int = 2000) -> None:
        """Stop a running job before the window goes (a QThread must not outlive its owner)."""
        if self._worker is not None:
            self._worker.cancel()
            self._worker.wait(milliseconds)

    # --- models -----------------------------------------------------------------------------

    def _model_loaded(self, loaded):
        self._last_model_problem = None
        self._start_waiting()

    def _model_failed(self, name: str, message: str):
        self._last_model_problem = message
        self._start_waiting()

    def _start_waiting(self):
        start, self._start_when_loaded = self._start_when_loaded, None
        if start is not None:
            start()

    # --- variations -------------------------------------------------------------------------

    def accept(self) -> bool:
        if self._worker is not None:
            return False
        was_fill = self.document.fill_range is not None
        replaced = len(self.document.piece.replaced_by_accept())
        if not self.document.accept_variation():
            return False
        said = "Fill accepted" if was_fill else "Variation accepted"
        if replaced:
            notes = "1 note" if replaced == 1 else f"{replaced} notes"
            said += f"; it replaced {notes} (Undo brings them back)"
        self.status_message.emit(f"{said}." if was_fill else
                                 f"{said}. Continue again to add the next phrase.")
        return True

    def discard(self) -> None:
        if self.document.variations:
            self.document.discard_variations()
            self.status_message.emit("Variations discarded.")

    def next(self) -> None:
        self.document.select_variation(self.document.current_index + 1)

    def previous(self) -> None:
        self.document.select_variation(self.document.current_index - 1)

    def _show_variation_state(self):
        count = len(self.document.variations)
        self.panel.set_variation_state(self.document.current_index, count)
        self.actions.update(busy=self.is_running, variations=count)


# --- call and response -----------------------------------------------------------------------


class CallAnswerer(QObject):
    """Answers calls for call and response, in a :class:`~gui.worker.Worker`.

    ``answer(call, request_id)`` continues ``call`` with the panel's current settings (random
    seed too when it is locked, else a fresh one) and ends in exactly one
    ``answered(melody | None, request_id, chords)``: None when there is no model or generation
    failed (with a ``status_message`` saying why), so the caller can go back to listening; the
    chords are the ones the engine proposes for the answer, for the accompaniment. Only the
    newest call matters: a new one cancels the running job and starts when it has ended, so
    at most one answer job runs at a time.
    """

    answered = Signal(object, int, object)  # Melody or None, request id, its chords
    status_message = Signal(str)

    def __init__(
        self,
        panel: GenerationPanel,
        models: ModelManager,
        job=chord_continuation_job,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.panel, self.models = panel, models
        self.job = job  # what runs in the worker: (model, request, should_stop) -> variations
        self._worker: Worker | None = None
        self._pending: tuple[Melody, int] | None = None
        self._rng = random.Random()

    @property
    def is_running(self) -> bool:
        return self._worker is not None

    def answer(self, call: Melody, request_id: int) -> None:
        if self._pending is not None:
            self.answered.emit(None, self._pending[1], ())  # superseded before it started
        self._pending = (call, request_id)
        if self._worker is not None:
            self._worker.cancel()  # the pending call starts once this job has ended
        else:
            self._start_pending()

    def _start_pending(self) -> None:
        if self._pending is None:
            return
        (call, request_id), self._pending = self._pending, None
        loaded = self.models.current
        if loaded is None:
            self._give_up(request_id, "Call and response needs a model: choose one in the panel.")
            return
        settings = self.panel.settings()
        try:
            request = answer_request(call, settings, loaded.pitch_limits(), self._rng)
        except ValueError as exc:
            self._give_up(request_id, f"Call and response could not answer: {exc}.")
            return
        worker = Worker(self)
        self._worker = worker
        worker.finished.connect(lambda results: self._finished(request_id, results))
        worker.errored.connect(
            lambda message: self._give_up(
                request_id, f"Call and response could not answer: {message}"
            )
        )
        worker.cancelled.connect(lambda: self.answered.emit(None, request_id, ()))
        worker.done.connect(lambda w=worker: self._done(w))
        worker.start(lambda: self.job(loaded.model, request, worker.is_cancelled))

    def _finished(self, request_id: int, results) -> None:
        melodies, chords = split_results(results)
        self.answered.emit(melodies[0] if melodies else None, request_id,
                           chords[0] if chords else ())

    def _give_up(self, request_id: int, message: str) -> None:
        self.status_message.emit(message)
        self.answered.emit(None, request_id, ())

    def _done(self, worker: Worker) -> None:
        if worker is self._worker:
            self._worker = None
        worker.deleteLater()
        self._start_pending()

    def cancel(self) -> None:
        """Drop the pending call and stop the running job (call and response was turned off)."""
        self._pending = None
        if self._worker is not None:
            self._worker.cancel()

    def wait(self, milliseconds: int = 10000) -> bool:
        return self._worker is None or self._worker.wait(milliseconds)

    def shutdown(self, milliseconds: int = 2000) -> None:
        """Stop before the window goes (a QThread must not outlive its owner)."""
        self.cancel()
        if self._worker is not None:
            self._worker.wait(milliseconds)
