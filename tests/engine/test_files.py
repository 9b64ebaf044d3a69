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
