"""Reading and writing notation (ABC, MusicXML) in the worker, so the window never waits on
music21.

:class:`NotationJobs` runs each step in a :class:`~gui.worker.Worker`: an import parses the
file (or the clipboard's text), asks the part chooser on the GUI thread when there are several
parts or tunes, then reads the chosen one; an export writes the file. While a step runs, a
progress dialog (window-modal, so the piece cannot change under an import) shows what is being
read or written, with Cancel; quick steps end before it appears.

Cancel ends the wait at once: the piece stays as it was, and a result that arrives later is
dropped. music21 cannot be interrupted inside one parse, but the limits of ``engine.limits``
(sizes, notes, bars) bound how long any step runs, so the thread ends on its own soon after;
:meth:`NotationJobs.shutdown` waits for it when the window closes.

Each read or write ends in exactly one ``done(bool)``: True when its result was taken (the
piece imported, the file written), False when it failed (``failed(title, text)`` says why, as
one message), was cancelled, or the user cancelled the part choice.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from segue.gui.worker import Worker, describe_error, log_failure

SHOW_AFTER_MS = 400  # a step that ends sooner never flashes a dialog


@dataclass(frozen=True)
class Failure:
    """An expected failure of a step, as the message the user sees."""

    title: str
    text: str


def _step(work: Callable[[], object], expected: tuple, title: str) -> Generator:
    """A worker job: ``work()`` (a generator's yields are the job's, so a Cancel stops it at
    one), or a :class:`Failure` for the ``expected`` errors (bad input: a message for the
    user); anything else is a bug and reaches the worker's ``errored``."""
    yield None  # a Cancel pressed before the step began ends it here
    try:
        outcome = work()
        if isinstance(outcome, Generator):
            outcome = yield from outcome
        return outcome
    except expected as exc:
        log_failure(exc, title)  # one warning line: bad input, not a bug
        return Failure(title, str(exc))


class NotationJobs(QObject):
    """See the module docstring. ``choose(file_name, parts) -> index | None`` is the part
    chooser (the window's dialogs); the progress dialog belongs to the first widget among
    ``parent`` and its parents."""

    done = Signal(bool)  # a read or write ended: True when its result was taken
    failed = Signal(str, str)  # title, message
    status_message = Signal(str, int)  # text, milliseconds

    def __init__(self, choose: Callable[[str, list], int | None], parent: QObject | None = None):
        super().__init__(parent)
        self._choose = choose
        self._current: Worker | None = None  # the step whose result counts
        self._running: set[Worker] = set()  # cancelled ones too, until their threads end
        self.progress: QProgressDialog | None = None
        self._what = ""  # 'Import' or 'Export', for the cancelled message

    @property
    def busy(self) -> bool:
        return self._current is not None

    # --- reading and writing --------------------------------------------------------------------

    def read(self, name: str, parse: Callable[[], object], take: Callable[[object], None]) -> bool:
        """Import ``name``: ``parse()`` (worker) gives a ``ParsedNotation``; its part is chosen
        here and read in the worker; ``take(ImportResult)`` runs here. False if one is running."""
        from segue.engine.notation import NotationImportError  # noqa: PLC0415 - no music21

        if self.busy:
            self.status_message.emit("Still reading or writing notation: wait, or Cancel it.", 5000)
            return False
        self._what = "Import"

        def parsed(notation) -> None:
            index = None
            if len(notation.parts) > 1:
                index = self._choose(Path(notation.path).name, notation.parts)
                if index is None:  # the user cancelled the choice: the piece stays
                    self._end(False)
                    return
            info = notation.parts[index if index is not None else 0]
            self._run(f"Reading {info.kind} {info.index + 1} of {name}…",
                      lambda: notation.import_part(index), (NotationImportError,),
                      "Could not import", take)

        self._run(f"Reading {name}…", parse, (NotationImportError,), "Could not import", parsed)
        return True

    def write(self, name: str, write: Callable[[], None], wrote: Callable[[], None]) -> bool:
        """Export ``name``: ``write()`` in the worker, then ``wrote()`` here."""
        from segue.engine.notation import NotationExportError  # noqa: PLC0415

        if self.busy:
            self.status_message.emit("Still reading or writing notation: wait, or Cancel it.", 5000)
            return False
        self._what = "Export"
        self._run(f"Writing {name}…", write, (NotationExportError,), "Could not export",
                  lambda _none: wrote())
        return True

    def _run(self, label: str, work, expected: tuple, title: str, then) -> None:
        worker = Worker(self)
        self._current = worker
        self._running.add(worker)
        worker.finished.connect(lambda outcome, w=worker: self._finished(w, outcome, title, then))
        worker.errored.connect(lambda message, w=worker: self._errored(w, title, message))
        worker.cancelled.connect(lambda w=worker: self._current is w and self._end(False))
        worker.done.connect(lambda w=worker: self._worker_done(w))
        self._show_progress(label)
        worker.start(lambda: _step(work, expected, title))

    def _finished(self, worker: Worker, outcome, title: str, then) -> None:
        if worker is not self._current:
            return  # cancelled while it ran: its result is dropped
        self._current = None
        if isinstance(outcome, Failure):
            self._end(False, outcome)
            return
        try:
            then(outcome)  # may start the next step (the chosen part), or end (choice cancelled)
        except Exception as exc:  # noqa: BLE001 - a bug: logged with its traceback, one message
            log_failure(exc, "taking notation in failed")
            self._end(False, Failure(title, describe_error(exc)))
            return
        if self._current is None and self._what:  # nothing follows and nothing ended it
            self._end(True)

    def _errored(self, worker: Worker, title: str, message: str) -> None:
        if worker is self._current:
            self._current = None
            self._end(False, Failure(title, message))

    def _worker_done(self, worker: Worker) -> None:
        self._running.discard(worker)
        worker.deleteLater()

    def _end(self, taken: bool, failure: Failure | None = None) -> None:
        self._current, self._what = None, ""
        self._hide_progress()
        if failure is not None:
            self.failed.emit(failure.title, failure.text)
        self.done.emit(taken)

    # --- cancelling -------------------------------------------------------------------------------

    def cancel(self) -> None:
        """Stop waiting for the running step (see the module docstring); nothing if none."""
        worker, what = self._current, self._what
        if worker is None:
            return
        worker.cancel()
        self._end(False)
        self.status_message.emit(f"{what} cancelled.", 5000)

    def shutdown(self, milliseconds: int = 10000) -> None:
        """Before the window goes: cancel, and let every step's thread end."""
        self.cancel()
        for worker in list(self._running):
            worker.cancel()
            worker.wait(milliseconds)

    def wait(self, milliseconds: int = 10000) -> bool:
        """Block until every step's thread has ended (tests, shutdown)."""
        return all(worker.wait(milliseconds) for worker in list(self._running))

    # --- progress ---------------------------------------------------------------------------------

    def _show_progress(self, label: str) -> None:
        if self.progress is None:
            owner = self.parent()  # the window, through the controller that owns this
            while owner is not None and not isinstance(owner, QWidget):
                owner = owner.parent()
            dialog = QProgressDialog(label, "Cancel", 0, 0, owner)
            dialog.setWindowTitle("Segue")
            dialog.setWindowModality(Qt.WindowModality.WindowModal)
            dialog.setMinimumDuration(SHOW_AFTER_MS)
            dialog.setAutoClose(False)
            dialog.setAutoReset(False)
            dialog.canceled.connect(self.cancel)
            self.progress = dialog
        self.progress.setLabelText(label)
        self.progress.setValue(0)  # (re)starts the wait before it shows itself

    def _hide_progress(self) -> None:
        if self.progress is not None:
            self.progress.reset()  # stops its timer: it never shows after the step ended
            self.progress.hide()
