"""Autosave to a recovery file, and find the recovery files a crash left behind.

Each running Segue holds ``recovery-<pid>.segue`` plus a ``QLockFile`` beside it in the recovery
folder (``$SEGUE_RECOVERY_DIR``, else ``recovery`` in the app's data folder). Every 30 s, when the piece has
unsaved changes, the session is written there atomically; when it has none, the file is removed.
A clean exit removes both files. After a crash (even ``kill -9``) the lock is stale because its
process is gone, which is how the next start tells an orphaned recovery file from one that
belongs to another Segue still running.

``$SEGUE_AUTOSAVE_SECONDS`` shortens the interval (for trying out crash recovery by hand);
lock files that a crash left without a recovery file are cleared when the next Segue looks.

A recovery file is never deleted unread: one that cannot be restored (damaged, or beyond what
Segue opens) is set aside as ``unreadable-recovery-<pid>-<date>.segue`` in the same folder, and
the message says so with the reason (:meth:`Recovery.set_aside`).
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

from segue.engine.data_files import user_data_dir
from segue.engine.files import FileProblem, read_regular, write_reason
from segue.engine.session import (
    FILE_SUFFIX,
    MAX_SESSION_CHARS,
    Session,
    SessionFileError,
    read_session,
    write_session,
)
from segue.gui.document import Document

log = logging.getLogger(__name__)

RECOVERY_DIR_ENV = "SEGUE_RECOVERY_DIR"
AUTOSAVE_INTERVAL_ENV = "SEGUE_AUTOSAVE_SECONDS"
AUTOSAVE_INTERVAL_MS = 30_000
MIN_AUTOSAVE_INTERVAL_MS = 1_000
_PREFIX = "recovery-"
UNREADABLE_PREFIX = "unreadable-"  # set aside; never matches _PREFIX, so never offered again


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
    """Where recovery files live: ``$SEGUE_RECOVERY_DIR`` or ``recovery`` in Segue's data
    folder (``~/.local/share/Segue/recovery`` on Linux, beside ``models`` and ``log``)."""
    configured = os.environ.get(RECOVERY_DIR_ENV)
    if configured:
        return Path(configured)
    return user_data_dir() / "recovery"


def legacy_recovery_dir() -> Path | None:
    """Where earlier versions kept recovery files: Qt's per-app folder, which names the
    organisation and the app (``~/.local/share/Segue/Segue/recovery``). Still read, so a
    crash before an update is not lost; None when it is the current folder or is unknown."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppLocalDataLocation)
    old = Path(base) / "recovery" if base else None
    return old if old is not None and old != recovery_dir() else None


@dataclass(frozen=True)
class Recovery:
    """A recovery file left by a Segue that did not exit cleanly."""

    path: Path
    original_path: str | None  # the session file it belonged to, if it had been saved
    saved_at: float
    damaged: bool = False  # its header could not be read: offered all the same, then set aside

    def description(self) -> str:
        name = Path(self.original_path).name if self.original_path else (
            "a piece (its autosaved file looks damaged)" if self.damaged else "an untitled piece")
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.saved_at))
        return f"{name}, autosaved {when}"

    def load(self) -> Session:
        """The session in the recovery file; SessionFileError naming it otherwise."""
        return read_session(self.path)

    def set_aside(self, problem: str) -> str:
        """Keep the file that could not be restored under a name never offered again, and say
        so: ``problem`` (the reason it was refused), then where the file is now."""
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime())
        kept = self.path.with_name(f"{UNREADABLE_PREFIX}{self.path.stem}-{stamp}{FILE_SUFFIX}")
        try:
            self.path.replace(kept)
        except OSError as exc:
            log.warning("could not set aside %s: %s", self.path, exc)
            kept = self.path  # left where it is: offered again next time, never lost
        else:
            _remove(_lock_path(self.path))
        log.warning("recovery file kept as %s: %s", kept, problem)
        return (f"{problem}\n\nThe autosaved piece was not deleted: it is kept as "
                f"{kept.name} in {kept.parent}.")

    def discard(self) -> None:
        for path in (self.path, _lock_path(self.path)):
            _remove(path)


def _lock_path(recovery_path: Path) -> Path:
    return recovery_path.with_suffix(".lock")


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError as exc:
        log.warning("could not remove %s: %s", path, exc)


def orphaned_recoveries(folder: str | Path | None = None) -> list[Recovery]:
    """Recovery files whose Segue is gone, newest first (a damaged one too: restoring it sets
    it aside with the reason, so it is never lost unread)."""
    folder = Path(folder) if folder is not None else recovery_dir()
    folders = [folder]
    legacy = legacy_recovery_dir() if folder == recovery_dir() else None
    if legacy is not None and legacy.is_dir():
        folders.append(legacy)
    found = []
    for path in (p for f in folders for p in _recovery_files(f)):
        lock = QLockFile(str(_lock_path(path)))
        lock.setStaleLockTime(0)  # age alone never makes it stale; a dead owner does
        if not lock.tryLock(0):
            continue  # another running Segue owns it
        lock.unlock()
        try:
            saved_at = path.stat().st_mtime
        except OSError as exc:
            log.warning("skipping recovery file %s: %s", path, exc)
            continue
        try:
            # A regular file within a session's cap only: a FIFO here must not hang the start.
            data = read_regular(path, MAX_SESSION_CHARS, FileProblem, "a Segue session")
            extra = json.loads(data.decode("utf-8")).get("recovery", {})
            original = extra.get("original_path") if isinstance(extra, dict) else None
            found.append(Recovery(path, original if isinstance(original, str) else None, saved_at))
        except (FileProblem, ValueError, AttributeError, RecursionError) as exc:
            log.warning("recovery file %s looks damaged: %s", path, exc)
            found.append(Recovery(path, None, saved_at, damaged=True))
    found.sort(key=lambda r: r.saved_at, reverse=True)
    return found


def _recovery_files(folder: Path) -> list[Path]:
    _remove_stale_locks(folder)
    return sorted(folder.glob(f"{_PREFIX}*{FILE_SUFFIX}"))


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
            self.failed.emit(f"Autosave is off: cannot create {self.folder} ({write_reason(exc)}).")
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
                accompaniment=session.accompaniment,
            )
        except OSError as exc:  # the folder could not be made
            self.failed.emit(f"Autosave failed: cannot create {self.folder} ({write_reason(exc)}).")
            return False
        except (SessionFileError, ValueError) as exc:  # the disk, or beyond a file's limits
            self.failed.emit(f"Autosave failed: {exc}")
            return False
        self._saved_revision = revision
        self.saved.emit(str(self.path))
        return True

    def _remove_file(self) -> None:
        _remove(self.path)

    def stop(self) -> None:
        """Clean exit: stop the timer and remove the recovery file and its lock."""
        self.timer.stop()
        self._remove_file()
        if self._lock is not None:
            self._lock.unlock()  # removes the lock file
            self._lock = None
