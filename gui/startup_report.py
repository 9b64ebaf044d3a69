"""``segue --startup-report``: when the window was first painted and when the model was ready.

Prints one line per moment, ``startup EVENT SECONDS`` (wall-clock ``time.time()``, so a
launcher that noted the time before starting the process measures from process start), then
quits. ``bench/startup.py`` reads these lines. Events: ``window_shown`` (the window's first
paint), ``model_ready`` or ``model_failed``.
"""

from __future__ import annotations

import sys
import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication


def report(event: str) -> None:
    print(f"startup {event} {time.time():.4f}", flush=True)


class StartupReport(QObject):
    """Watches ``window`` for its first paint and its model manager for the end of loading,
    then calls ``quit`` (the application's, unless a test passes its own)."""

    def __init__(self, window, quit=None):
        super().__init__(window)
        self._quit = quit or QApplication.quit
        self._painted = False
        self._model_done = False
        window.installEventFilter(self)
        window.models.loaded.connect(lambda _loaded: self._model_finished("model_ready"))
        window.models.failed.connect(lambda *_args: self._model_finished("model_failed"))

    def eventFilter(self, watched, event):  # noqa: N802 - Qt's name
        if not self._painted and event.type() == QEvent.Type.Paint:
            self._painted = True
            report("window_shown")
            self._maybe_quit()
        return False

    def _model_finished(self, event: str) -> None:
        if not self._model_done:
            self._model_done = True
            report(event)
            self._maybe_quit()

    def _maybe_quit(self) -> None:
        if self._painted and self._model_done:
            sys.stdout.flush()
            QTimer.singleShot(0, self._quit)
