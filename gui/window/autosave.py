"""Autosave to a recovery file, and find the recovery files a crash left behind.

Each running Segue holds ``recovery-<pid>.segue`` plus a ``QLockFile`` beside it in the recovery
folder (``$SEGUE_RECOVERY_DIR``, else the app's data folder). Every 30 s, when the piece has
unsaved changes, the session is written there atomically; when it has none, the file is removed.
A clean exit removes both files. After a crash (even ``kill -9``) the lock is stale because its
process is gone, which is how the next start tells an orphaned recovery file from one that
belongs to another Segue still running.

``$SEGUE_AUTOSAVE_SECONDS`` shortens the interval (for trying out crash recovery by hand);
lock files that a crash left without a recovery file are cleared when the next Segue looks.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, QStandardPaths, QTimer, Signal

from segue.engine.session import FILE_SUFFIX, Session, SessionFileError, read_session, write_session
from segue.gui.document import Document

log = logging.getLogger(__name__)

RECOVERY_DIR_ENV = "SEGUE_RECOVERY_DIR"
AUTOSAVE_INTERVAL_ENV = "SEGUE_AUTOSAVE_SECONDS"
AUTOSAVE_INTERVAL_MS = 30_000
MIN_AUTOSAVE_INTERVAL_MS = 1_000
_PREFIX = "recovery-"


def autosave_interval_ms() -> int:
    """The autosave interval: ``$SEGUE_AUTOSAVE_SECONDS`` (at least 1 s) or 30 s.

    A value that is not a positive number is ignored (with a warning in the log).
    """
    configured = os.environ.get(AUTOSAVE_INTERVAL_ENV, "").strip()
    if not configured:
        return AUTOSAVE_INTERVAL_MS
    try:
        seconds = float(configured)
    except ValueError:
        seconds = float("nan")
    if not seconds > 0:  # also refuses NaN
        log.warning("%s=%r is not a positive number of seconds", AUTOSAVE_INTERVAL_ENV, configured)
        return AUTOSAVE_INTERVAL_MS
    return max(MIN_AUTOSAVE_INTERVAL_MS, round(seconds * 1000))


def recovery_dir() -> Path:
    """Where recovery files live: ``$SEGUE_RECOVERY_DIR`` or the app's local data folder."""
    configured = os.environ.get(RECOVERY_DIR_ENV)
    if configured:
        return Path(configured)
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppLocalDataLocation)
    return Path(base or Path.home() / ".segue") / "recovery"


@dataclass(frozen=True)
class Recovery:
    """A recovery file left by a Segue that did not exit cleanly."""

    path: Path
    original_path: str | None  # the session file it belonged to, if it had been saved
    saved_at: float

    def description(self) -> str:
        name = Path(self.original_path).name if self.original_path else "an untitled piece"
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.saved_at))
        return f"{name}, autosaved {when}"

    def load(self) -> Session:
        """The session in the recovery file; SessionFileError naming it otherwise."""
        return read_session(self.path)

    def discard(self) -> None:
        for path in (self.path, _lock_path(self.path)):
            try:
                path.unlink()
            except FileNotFoundError:
                pass
            except OSError as exc:
                log.warning("could not remove %s: %s", path, exc)


def _lock_path(recovery_path: Path) -> Path:
    return recovery_path.with_suffix(".lock")


def orphaned_recoveries(folder: str | Path | None = None) -> list[Recovery]:
    """Recovery files whose Segue is gone, newest first (unreadable ones are skipped)."""
    folder = Path(folder) if folder is not None else recovery_dir()
    _remove_stale_locks(folder)
    found = []
    for path in sorted(folder.glob(f"{_PREFIX}*{FILE_SUFFIX}")):
        lock = QLockFile(str(_lock_path(path)))
        lock.setStaleLockTime(0)  # age alone never makes it stale; a dead owner does
        if not lock.tryLock(0):
            continue  # another running Segue owns it
        lock.unlock()
        try:
            extra = json.loads(path.read_text(encoding="utf-8")).get("recovery", {})
            original = extra.get("original_path") if isinstance(extra, dict) else None
            found.append(
                Recovery(
                    path, original if isinstance(original, str) else None, path.stat().st_mtime
                )
            )
        except (OSError, ValueError, AttributeError) as exc:
            log.warning("skipping unreadable recovery file %s: %s", path, exc)
    found.sort(key=lambda r: r.saved_at, reverse=True)
    return found


def _remove_stale_locks(folder: Path) -> None:
    """Delete lock files whose Segue is gone and that guard no recovery file.

    A crash with nothing unsaved leaves only its lock; without this they pile up, one per crash.
    """
    for lock_path in folder.glob(f"{_PREFIX}*.lock"):
        if lock_path.with_suffix(FILE_SUFFIX).exists():
            continue  # orphaned_recoveries decides about those
        lock = QLockFile(str(lock_path))
        lock.setStaleLockTime(0)
        if lock.tryLock(0):  # the owner is dead: removing a stale lock is how tryLock takes it
            lock.unlock()  # deletes the file


class Autosaver(QObject):
    """Writes the session to this process's recovery file every ``interval_ms`` when modified.

    ``snapshot`` builds the session to save; ``original_path`` says which file it belongs to.
    """

    saved = Signal(str)  # recovery file path
    failed = Signal(str)  # message for the status bar

    def __init__(
        self,
        document: Document,
        snapshot: Callable[[], Session],
        original_path: Callable[[], str | None] = lambda: None,
        folder: str | Path | None = None,
        interval_ms: int | None = None,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        if interval_ms is None:
            interval_ms = autosave_interval_ms()
        self._document, self._snapshot, self._original_path = document, snapshot, original_path
        self.folder = Path(folder) if folder is not None else recovery_dir()
        self.path = self.folder / f"{_PREFIX}{os.getpid()}{FILE_SUFFIX}"
        self._lock: QLockFile | None = None
        self._saved_revision: object = None
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.save_now)

    def start(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self.failed.emit(
                f"Autosave is off: cannot create {self.folder} ({exc.strerror or exc})."
            )
            return
        self._lock = QLockFile(str(_lock_path(self.path)))
        self._lock.setStaleLockTime(0)
        if not self._lock.tryLock(0):
            log.warning("recovery lock %s is held; autosave still writes", self._lock.fileName())
        self.timer.start()

    def _revision(self) -> object:
        return self._document.piece, self._original_path()

    def save_now(self) -> bool:
        """Write (or remove) the recovery file now; True if a file was written."""
        if not self._document.is_modified():
            self._remove_file()
            self._saved_revision = None
            return False
        revision = self._revision()
        if revision == self._saved_revision and self.path.exists():
            return False
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            session = self._snapshot()
            write_session(
                self.path,
                session.piece,
                session.generation,
                extra={"recovery": {"original_path": self._original_path(), "pid": os.getpid()}},
            )
        except (SessionFileError, OSError, ValueError) as exc:  # ValueError: beyond a file's limits
            self.failed.emit(f"Autosave failed: {exc}")
            return False
        self._saved_revision = revision
        self.saved.emit(str(self.path))
        return True

    def _remove_file(self) -> None:
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.warning("could not remove %s: %s", self.path, exc)

    def stop(self) -> None:
        """Clean exit: stop the timer and remove the recovery file and its lock."""
        self.timer.stop()
        self._remove_file()
        if self._lock is not None:
            self._lock.unlock()  # removes the lock file
            self._lock = None
