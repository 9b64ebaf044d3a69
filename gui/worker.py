"""Background work for the GUI: the only module that starts threads for the interface.

Not superqt's ``GeneratorWorker`` (0.9): a job's RuntimeError (torch's errors, CUDA out of
memory too) ends it with neither ``errored`` nor ``finished``, leaving the panel busy for ever.

A :class:`Worker` runs one job in a ``QThread`` (superqt's generator-worker pattern). The job is
a zero-argument callable; when it returns a generator, each value it yields is progress (a
fraction 0-1, or None for "still working") and the generator's return value is the result.
Between two yields the worker checks its cancel flag, so a job that yields often stops quickly.
Jobs may also poll :meth:`Worker.is_cancelled` themselves (the engine's samplers take such an
``abort`` callable).

Signals, delivered to the GUI thread in this order::

    started, progress(float)*, then exactly one of finished(object) / errored(str) / cancelled,
    then done

``errored`` carries a message fit for the user, so a failing job never crashes the app. An
expected failure (a bad file, model, session, corpus or port: :func:`is_expected`) is logged as
one line at WARNING; anything else is a bug, logged with its traceback at ERROR. Progress is throttled so a job yielding every step cannot flood the event
loop.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Generator
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 0.03  # at most ~33 progress updates a second reach the GUI


# The errors that say "this input is bad", each already a message for the user. Found by module
# name so that importing this module loads neither torch (ModelError's home) nor the live code;
# an error can only be raised once its module is loaded.
EXPECTED_ERRORS = (
    ("segue.engine.files", "FileProblem"),  # MIDI, notation, audio, SoundFont and session files
    ("segue.engine.ml.checkpoint", "ModelError"),
    ("segue.engine.ml.harmonizer", "HarmonizerError"),  # a damaged or missing harmonizer model
    ("segue.engine.session", "SessionError"),
    ("segue.engine.corpus_sources", "CorpusError"),
    ("segue.engine.learn", "LearnError"),  # Learn a Style: a folder without melodies...
    ("segue.engine.live.endpoints", "PortError"),
)


def is_expected(exc: BaseException) -> bool:
    """True for the errors of bad input (see :data:`EXPECTED_ERRORS`), False for bugs."""
    for module_name, class_name in EXPECTED_ERRORS:
        error_class = getattr(sys.modules.get(module_name), class_name, None)
        if isinstance(error_class, type) and isinstance(exc, error_class):
            return True
    return False


def log_failure(exc: BaseException, what: str) -> None:
    """Log a failure: one line at WARNING for bad input, the traceback at ERROR for a bug."""
    if is_expected(exc):
        log.warning("%s: %s", what, describe_error(exc))
    else:
        log.error(what, exc_info=exc)


class JobCancelled(Exception):
    """Raised inside a job (by its own checks) to stop early; reported as ``cancelled``."""


def describe_error(exc: BaseException) -> str:
    """A one-line message for the user: the reason, without a traceback."""
    name = type(exc).__name__
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, MemoryError) or "OutOfMemory" in name or "out of memory" in text.lower():
        return (
            "Out of memory while generating. Try fewer variations or a shorter length, "
            "or close other programs."
        )
    if "CUDA" in text and ("no kernel image" in text or "not available" in text or "driver" in text):
        return f"The GPU cannot be used ({text}). Segue can run on the CPU instead."
    if isinstance(exc, (ValueError, OSError, KeyError)) or name.endswith("Error") and text:
        return text or name
    return f"{name}: {text}" if text else f"Unexpected problem ({name})."


class _Runner(QThread):
    """The thread itself; lives in the GUI thread, ``run`` executes in the new one."""

    def __init__(self, worker: Worker, job: Callable[[], Any]):
        super().__init__()
        self._worker, self._job = worker, job

    def run(self):
        worker = self._worker
        worker.started.emit()
        try:
            outcome = self._job()
            if isinstance(outcome, Generator):
                outcome = self._drain(outcome)
        except JobCancelled:
            outcome = JobCancelled
        except BaseException as exc:  # noqa: BLE001 - every failure becomes a message
            log_failure(exc, "background job failed")
            worker.errored.emit(describe_error(exc))
            worker.done.emit()
            return
        if outcome is JobCancelled or worker.is_cancelled():
            worker.cancelled.emit()
        else:
            worker.finished.emit(outcome)
        worker.done.emit()

    def _drain(self, generator: Generator) -> Any:
        worker = self._worker
        last_emit = 0.0
        try:
            while True:
                if worker.is_cancelled():
                    generator.close()
                    return JobCancelled
                value = next(generator)
                now = time.monotonic()
                if isinstance(value, (int, float)) and now - last_emit >= PROGRESS_INTERVAL_S:
                    last_emit = now
                    worker.progress.emit(min(1.0, max(0.0, float(value))))
        except StopIteration as stop:
            return stop.value


class Worker(QObject):
    """Runs one job in a background thread and reports through signals (see module doc)."""

    started = Signal()
    progress = Signal(float)
    finished = Signal(object)
    errored = Signal(str)
    cancelled = Signal()
    done = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._cancel = threading.Event()
        self._thread: _Runner | None = None
        # Connected first, so it runs before any other slot of ``done``: once ``done`` arrives
        # the job is over, and joining the thread here means the worker may be deleted safely.
        self.done.connect(self._join)

    def _join(self):
        if self._thread is not None:
            self._thread.wait()

    def start(self, job: Callable[[], Any]) -> None:
        """Run ``job`` in a new thread; a worker runs one job in its life."""
        if self._thread is not None:
            raise RuntimeError("a Worker runs one job; make a new Worker for the next")
        if not callable(job):
            raise ValueError(f"a job must be callable, got {job!r}")
        self._thread = _Runner(self, job)
        self._thread.start()

    def cancel(self) -> None:
        """Ask the job to stop at its next yield (or its next ``is_cancelled`` check)."""
        self._cancel.set()

    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def is_running(self) -> bool:
        return self._thread is not None and self._thread.isRunning()

    def wait(self, milliseconds: int = 5000) -> bool:
        """Block until the thread ends (shutdown and tests); True if it ended in time."""
        return self._thread is None or self._thread.wait(milliseconds)


def run_sync(job: Callable[[], Any]) -> Any:
    """Run a job in the calling thread, draining a generator; for scripts and screenshots."""
    outcome = job()
    if isinstance(outcome, Generator):
        try:
            while True:
                next(outcome)
        except StopIteration as stop:
            return stop.value
    return outcome
