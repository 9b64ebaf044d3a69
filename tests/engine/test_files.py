"""Atomic writing: the new bytes or the old file, never half of one, and no temporary left."""

import errno
import os
import stat

import pytest

from segue.engine.files import ReadOnlyFileError, check_writable, write_atomically


def test_writes_a_new_file_and_replaces_an_old_one(tmp_path):
    path = tmp_path / "piece.bin"
    write_atomically(path, b"first")
    write_atomically(str(path), b"second")
    assert path.read_bytes() == b"second"
    assert os.listdir(tmp_path) == ["piece.bin"]


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_a_failure_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch, failing):
    path = tmp_path / "piece.bin"
    path.write_bytes(b"old")

    def disk_full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, failing, disk_full)
    with pytest.raises(OSError) as caught:
        write_atomically(path, b"new")
    assert caught.value.errno == errno.ENOSPC
    assert caught.value.filename == str(path)  # the file asked for, not the temporary one
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["piece.bin"]


def test_an_interruption_also_removes_the_temporary(tmp_path, monkeypatch):
    path = tmp_path / "piece.bin"

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomically(path, b"new")
    assert os.listdir(tmp_path) == []


def test_a_missing_folder_is_an_error_naming_the_file(tmp_path):
    path = tmp_path / "no" / "piece.bin"
    with pytest.raises(FileNotFoundError) as caught:
        write_atomically(path, b"x")
    assert caught.value.filename == str(path)


def test_a_replaced_file_keeps_its_permissions(tmp_path):
    path = tmp_path / "piece.bin"
    path.write_bytes(b"old")
    path.chmod(0o640)
    write_atomically(path, b"new")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


@pytest.mark.parametrize("mode", [0o444, 0o400, 0o000])
def test_a_read_only_file_is_refused_and_kept(tmp_path, mode):
    # The tests may run as root, whom the OS lets write anything: the bits decide here.
    path = tmp_path / "piece.bin"
    path.write_bytes(b"old")
    path.chmod(mode)
    try:
        with pytest.raises(ReadOnlyFileError) as caught:
            write_atomically(path, b"new")
        assert caught.value.errno == errno.EACCES and caught.value.filename == str(path)
        assert isinstance(caught.value, PermissionError)
        assert os.listdir(tmp_path) == ["piece.bin"]
    finally:
        path.chmod(0o644)
    assert path.read_bytes() == b"old"


def test_check_writable_allows_new_and_writable_files(tmp_path):
    check_writable(tmp_path / "new.bin")
    (tmp_path / "mine.bin").write_bytes(b"")
    (tmp_path / "mine.bin").chmod(0o200)  # write-only still means "may be replaced"
    check_writable(tmp_path / "mine.bin")


# --- reading only regular files ---------------------------------------------------------------


def test_read_regular_reads_a_file_within_its_cap(tmp_path):
    from segue.engine.files import read_regular

    path = tmp_path / "tune.abc"
    path.write_bytes(b"X:1")
    assert read_regular(path, 3) == b"X:1"


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: os.symlink("/dev/zero", p), "it is not a regular file (a device, a pipe or a socket)"),
        (lambda p: os.mkfifo(p), "it is not a regular file (a device, a pipe or a socket)"),
        (lambda p: os.mkdir(p), "it is a folder"),
        (lambda p: p.write_bytes(b"1234"), "it is over 3 bytes, too large for a card"),
        (lambda p: None, "file not found"),
        (lambda p: os.symlink(p.with_name("gone"), p), "file not found"),
    ],
    ids=["link-to-dev-zero", "fifo", "folder", "too-large", "missing", "dangling-link"],
)
def test_read_regular_refuses_anything_else_with_the_reason(tmp_path, make, reason):
    from segue.engine.files import FileProblem, read_regular

    if not hasattr(os, "mkfifo") or not os.path.exists("/dev/zero"):
        pytest.skip("needs POSIX special files")
    path = tmp_path / "model.json"
    make(path)
    with pytest.raises(FileProblem) as caught:
        read_regular(path, 3, what="a card")
    assert caught.value.reason == reason
    assert str(caught.value).startswith("Cannot use 'model.json': ")


def test_read_regular_raises_the_callers_own_problem(tmp_path):
    from segue.engine.files import read_regular
    from segue.engine.notation import NotationImportError

    os.mkfifo(tmp_path / "tune.abc")
    with pytest.raises(NotationImportError, match="Cannot import 'tune.abc': it is not a regular"):
        read_regular(tmp_path / "tune.abc", 100, NotationImportError)


@pytest.mark.parametrize(
    ("code", "reason"),
    [(errno.ENOSPC, "disk is full"), (errno.EDQUOT, "disk is full"),
     (errno.EACCES, "permission denied"), (errno.EROFS, "disk is read-only")],
)
def test_every_writer_words_a_failed_write_the_same_way(code, reason):
    from segue.engine.files import DISK_FULL, write_reason

    assert DISK_FULL == "disk is full"
    assert write_reason(OSError(code, os.strerror(code))) == reason
