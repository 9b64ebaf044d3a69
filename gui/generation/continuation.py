"""The continuation workflow behind the generation panel, and call and response's answers.

:class:`ContinuationController` does the work of :class:`~gui.generation.panel.GenerationPanel`:
it builds a request from the document's seed and the panel's settings, runs it in a
:class:`~gui.worker.Worker`, puts the results in the document as pending variations (ghost notes
after the marker), and accepts, discards or regenerates them. The document is changed only by
Accept (one undo step); a failed or cancelled run leaves it exactly as it was.

:class:`CallAnswerer` writes call-and-response answers with the same settings: it continues the
phrase the musician just played (see :func:`engine.live.call_response.answer_request`) and
never touches the document.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from engine.live.call_response import answer_request
from engine.melody import Melody
from engine.ml.request import ContinuationRequest
from engine.session import RNG_SEED_RANGE
from gui.document import Document
from gui.generation.actions import GenerationActions
from gui.generation.model_loader import ModelManager, continuation_job
from gui.generation.panel import GenerationPanel
from gui.worker import Worker


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
        job=continuation_job,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.document, self.panel, self.models = document, panel, models
        self._report_error = report_error
        self.job = job  # what runs in the worker: (model, request, should_stop) -> variations
        self._worker: Worker | None = None
        self._start_when_loaded = False
        self._last_model_problem: str | None = None
        self._rng = random.Random()
        # Where the pending variations were asked to end, and which variations those are.
        self._phrase: tuple[list[Melody], int] | None = None

        # The commands; the panel's buttons show them, the window adds them to its menus. The
        # window connects "audition" (playing is the live controller's job).
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
        models.loaded.connect(self._model_loaded)
        models.failed.connect(self._model_failed)
        self._show_variation_state()

    @property
    def is_running(self) -> bool:
        return self._worker is not None

    # --- requests ---------------------------------------------------------------------------

    def continue_(self) -> bool:
        """Write variations after the marker; False (with a message) when that cannot start."""
        if self._worker is not None:
            return False
        if self.models.current is None:
            if self.models.is_loading:
                self._start_when_loaded = True
                self.status_message.emit(
                    "The model is still loading; Continue starts when it is ready."
                )
                return False
            reason = self._last_model_problem or "No model is installed in the models folder."
            self._report_error(
                "No model",
                f"Segue needs a model to continue the melody. {reason}\n\n"
                "Choose one in the panel's Model list, or Open Model… to load a model file.",
            )
            return False
        seed = self.document.seed()
        if not seed.notes and self.document.melody.notes:
            # Notes but none before the marker (a new piece, the marker left at 0): continue
            # from the end of what is there, as the musician expects.
            self.document.set_marker(self.document.melody.end, "Move Continue Marker to the End")
            seed = self.document.seed()
        if not seed.notes:
            self._report_error(
                "Nothing to continue",
                "The piece has no notes yet. Draw or import a few notes, then press Continue.",
            )
            return False
        settings = self.panel.settings()
        if not settings.seed_locked:
            settings = settings.replace(rng_seed=self._rng.randrange(RNG_SEED_RANGE[1]))
            self.panel.set_rng_seed(settings.rng_seed)
        loaded = self.models.current
        request = ContinuationRequest.build(
            seed, self.document.marker, settings, loaded.pitch_limits()
        )
        self._run(loaded.model, request)
        return True

    def regenerate(self) -> bool:
        return self.continue_()

    def _run(self, model, request: ContinuationRequest):
        worker = Worker(self)
        self._worker = worker
        worker.progress.connect(self.panel.set_progress)
        worker.finished.connect(lambda results: self._finished(request, results))
        worker.errored.connect(self._errored)
        worker.cancelled.connect(lambda: self.status_message.emit("Continuation cancelled."))
        worker.done.connect(lambda w=worker: self._done(w))
        self.panel.set_busy(True)
        self._show_variation_state()
        self.busy_changed.emit(True)
        count = request.variations
        self.status_message.emit(
            f"Writing {count} variation{'s' if count > 1 else ''} of {request.steps} steps…"
        )
        worker.start(lambda: self.job(model, request, worker.is_cancelled))

    def cancel(self) -> None:
        self._start_when_loaded = False
        if self._worker is not None:
            self._worker.cancel()

    def _finished(self, request: ContinuationRequest, results):
        results = list(results or [])
        if not results:
            self.status_message.emit("The model returned no continuation.")
            return
        self.document.set_variations(results)
        self._phrase = (self.document.variations, request.start + request.steps)
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
        if self._start_when_loaded:
            self._start_when_loaded = False
            self.continue_()

    def _model_failed(self, name: str, message: str):
        self._last_model_problem = message
        if self._start_when_loaded:
            self._start_when_loaded = False
            self.continue_()

    # --- variations -------------------------------------------------------------------------

    def accept(self) -> bool:
        if self._worker is not None:
            return False
        phrase_end = None
        if self._phrase is not None and self._phrase[0] == self.document.variations:
            phrase_end = self._phrase[1]
        if not self.document.accept_variation(phrase_end):
            return False
        self.status_message.emit("Variation accepted. Continue again to add the next phrase.")
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
    ``answered(melody | None, request_id)``: None when there is no model or generation failed
    (with a ``status_message`` saying why), so the caller can go back to listening. Only the
    newest call matters: a new one cancels the running job and starts when it has ended, so
    at most one answer job runs at a time.
    """

    answered = Signal(object, int)  # Melody or None, request id
    status_message = Signal(str)

    def __init__(
        self,
        panel: GenerationPanel,
        models: ModelManager,
        job=continuation_job,
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
            self.answered.emit(None, self._pending[1])  # superseded before it started
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
        seed = None if settings.seed_locked else self._rng.randrange(RNG_SEED_RANGE[1])
        try:
            request = answer_request(call, settings, loaded.pitch_limits(), seed)
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
        worker.cancelled.connect(lambda: self.answered.emit(None, request_id))
        worker.done.connect(lambda w=worker: self._done(w))
        worker.start(lambda: self.job(loaded.model, request, worker.is_cancelled))

    def _finished(self, request_id: int, results) -> None:
        results = list(results or [])
        self.answered.emit(results[0] if results else None, request_id)

    def _give_up(self, request_id: int, message: str) -> None:
        self.status_message.emit(message)
        self.answered.emit(None, request_id)

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
