"""Writing a file atomically: the one way every save in Segue reaches the disk; reading one
only when it is a regular file of a bounded size; and the one wording of why a write failed.

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

from segue.engine.limits import size_words


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


# Why a write failed, in the one wording every save uses (MIDI, notation, audio, sessions).
DISK_FULL = "disk is full"
_WRITE_REASONS = {
    errno.ENOSPC: DISK_FULL,
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOENT: "folder does not exist",
    errno.ENOTDIR: "folder does not exist",
    errno.EROFS: "disk is read-only",
    errno.EISDIR: "a folder of that name exists",
    errno.ENAMETOOLONG: "file name is too long",
}
if hasattr(errno, "EDQUOT"):
    _WRITE_REASONS[errno.EDQUOT] = DISK_FULL  # over the user's quota: full, for this user
_READ_REASONS = {
    errno.ENOENT: "file not found",
    errno.ENOTDIR: "file not found",
    errno.EISDIR: "it is a folder",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ELOOP: "it is a link that leads nowhere",
}


def write_reason(error: OSError) -> str:
    """Why a write failed (``'disk is full'``, ``'permission denied'``...), for any saver."""
    if isinstance(error, ReadOnlyFileError):
        return "file is read-only"
    reason = _WRITE_REASONS.get(error.errno)
    return reason or f"the file could not be written ({error.strerror or error})"


def read_regular(
    path, max_bytes: int, problem=FileProblem, what: str = "this kind of file"
) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``max_bytes``.

    Anything else raises ``problem(path, reason)``: a folder, a device (``/dev/zero`` grows
    without end), a pipe (a FIFO never ends), a socket, a link to any of these, or a file over
    the limit. The checks are made on the opened file, so nothing can be swapped in between.
    """
    path = os.fspath(path)
    try:
        # O_NONBLOCK: opening a FIFO with no writer would wait forever; on files it is ignored.
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
        descriptor = os.open(path, flags)
    except OSError as error:
        raise problem(path, _READ_REASONS.get(error.errno, _lower(error))) from None
    too_large = f"it is over {size_words(max_bytes)}, too large for {what}"
    try:
        status = os.fstat(descriptor)
        if stat.S_ISDIR(status.st_mode):
            raise problem(path, "it is a folder")
        if not stat.S_ISREG(status.st_mode):
            raise problem(path, "it is not a regular file (a device, a pipe or a socket)")
        if status.st_size > max_bytes:
            raise problem(path, too_large)
        chunks, total = [], 0
        while total <= max_bytes:  # until the end, or one byte past the cap if it grew
            chunk = os.read(descriptor, max_bytes + 1 - total)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        data = b"".join(chunks)
    except OSError as error:
        raise problem(path, _READ_REASONS.get(error.errno, _lower(error))) from None
    finally:
        os.close(descriptor)
    if len(data) > max_bytes:  # it grew while being read
        raise problem(path, too_large)
    return data


def _lower(error: OSError) -> str:
    text = error.strerror or str(error)
    return text[:1].lower() + text[1:]


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


def temporary_beside(path: str | os.PathLike) -> str:
    """A fresh hidden name in ``path``'s folder (a rename within a folder cannot cross disks)."""
    path = os.path.abspath(os.fspath(path))
    name = f".{os.path.basename(path)[:64]}.{secrets.token_hex(4)}.tmp"
    return os.path.join(os.path.dirname(path), name)


def open_new(temporary: str | os.PathLike, mode: str = "wb"):
    """``temporary`` created for writing; O_EXCL, so never through a link someone placed there."""
    access = os.O_RDWR if "+" in mode else os.O_WRONLY
    flags = access | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    return os.fdopen(os.open(temporary, flags, 0o666), mode)


def replace_keeping_mode(temporary: str | os.PathLike, path: str | os.PathLike) -> None:
    """Put the finished ``temporary`` in ``path``'s place; a file replaced keeps its mode."""
    try:
        os.chmod(temporary, stat.S_IMODE(os.stat(path).st_mode))
    except FileNotFoundError:
        pass
    os.replace(temporary, path)


def write_atomically(path: str | os.PathLike, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step; an OSError (naming ``path``) otherwise.

    The folder must exist. A file being replaced keeps its permissions; a new one gets the
    usual mode (0o666 less the umask). A read-only file is not replaced (ReadOnlyFileError).
    """
    path = os.fspath(path)
    check_writable(path)
    temporary = temporary_beside(path)
    try:
        with open_new(temporary) as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        replace_keeping_mode(temporary, path)
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
