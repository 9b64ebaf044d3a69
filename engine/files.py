"""Writing a file atomically: the one way every save in Segue reaches the disk.

The bytes go to a temporary file beside the target (same folder, so the rename cannot cross
disks), are flushed to the disk, and only then replace the target in one rename. A crash, a full
disk or a refused permission leaves the old file as it was and no temporary file behind.

A rename replaces a file whatever its own permissions say (only the folder's count), so a file
marked read-only is refused here, as a DAW refuses to save over one.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from pathlib import Path


class FileProblem(Exception):
    """A file Segue cannot use: ``.path`` and ``.reason`` in a musician's words, and the message
    ``Cannot <action> '<file name>': <reason>.`` Each kind of file names its ``action``."""

    action = "use"

    def __init__(self, path, reason: str):
        self.path = os.fspath(path) if path is not None else ""
        self.reason = reason
        super().__init__(f"Cannot {self.action} '{Path(self.path).name}': {reason}.")

    def __reduce__(self):  # so the error crosses process and thread boundaries intact
        return (type(self), (self.path, self.reason))


class ReadOnlyFileError(PermissionError):
    """The file to be replaced is marked read-only; ``filename`` is its path."""


def check_writable(path: str | os.PathLike) -> None:
    """ReadOnlyFileError when ``path`` is an existing file marked read-only.

    Read-only means no write permission for anyone, or none for this user. The bits are read
    directly because ``os.access`` says yes to root for any file.
    """
    path = os.fspath(path)
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return  # a missing file is created; other problems surface in the write itself
    if stat.S_ISREG(mode) and (not mode & 0o222 or not os.access(path, os.W_OK)):
        raise ReadOnlyFileError(errno.EACCES, "File is read-only", path)


def write_atomically(path: str | os.PathLike, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step; an OSError (naming ``path``) otherwise.

    The folder must exist. A file being replaced keeps its permissions; a new one gets the
    usual mode (0o666 less the umask). A read-only file is not replaced (ReadOnlyFileError).
    """
    path = os.fspath(path)
    check_writable(path)
    folder = os.path.dirname(os.path.abspath(path))
    temporary = os.path.join(folder, f".{os.path.basename(path)[:64]}.{secrets.token_hex(4)}.tmp")
    try:
        # O_EXCL: never write through a link someone placed at the temporary name.
        descriptor = os.open(
            temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666
        )
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        try:
            os.chmod(temporary, stat.S_IMODE(os.stat(path).st_mode))
        except FileNotFoundError:
            pass
        os.replace(temporary, path)
    except BaseException as error:
        try:
            os.remove(temporary)
        except OSError:
            pass
        if isinstance(error, OSError) and error.errno is not None:
            # Name the file the caller asked for, never the temporary one (OSError picks the
            # subclass, e.g. PermissionError, from the errno).
            raise OSError(error.errno, error.strerror, path) from error
        raise
