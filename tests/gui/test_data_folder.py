"""One data folder: models, the log and recovery files all under ``~/.local/share/Segue`` (on
Linux), never in Qt's ``Segue/Segue``; recovery files an earlier version left there are found."""

from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication

from segue.engine.data_files import user_models_dir
from segue.engine.melody import Melody, Note
from segue.engine.piece import Piece
from segue.engine.session import write_session
from segue.gui.app import LOG_DIR_ENV, log_path
from segue.gui.window.autosave import (
    RECOVERY_DIR_ENV,
    legacy_recovery_dir,
    orphaned_recoveries,
    recovery_dir,
)


@pytest.fixture
def data_home(qapp, tmp_path, monkeypatch):
    """``$XDG_DATA_HOME`` in ``tmp_path``, and the names the app gives itself (gui.app.main)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    for name in (LOG_DIR_ENV, RECOVERY_DIR_ENV, "SEGUE_MODELS_DIR"):
        monkeypatch.delenv(name, raising=False)
    names = QCoreApplication.organizationName(), QCoreApplication.applicationName()
    QCoreApplication.setOrganizationName("Segue")
    QCoreApplication.setApplicationName("Segue")
    yield tmp_path
    QCoreApplication.setOrganizationName(names[0])
    QCoreApplication.setApplicationName(names[1])


def test_the_log_recovery_files_and_models_share_one_folder(data_home):
    folder = data_home / "Segue"
    assert log_path() == folder / "log" / "segue.log"
    assert recovery_dir() == folder / "recovery"
    assert user_models_dir() == folder / "models"
    assert "Segue/Segue" not in f"{log_path()} {recovery_dir()}"


def test_recovery_files_left_in_the_old_folder_are_still_offered(data_home):
    old = legacy_recovery_dir()
    assert old == data_home / "Segue" / "Segue" / "recovery"  # where earlier versions wrote
    old.mkdir(parents=True)
    melody = Melody([Note(60, 0, 4)])
    write_session(old / "recovery-999999.segue", Piece(melody))
    found = orphaned_recoveries(recovery_dir())
    assert [r.path for r in found] == [old / "recovery-999999.segue"]
    assert found[0].load().piece.melody.notes == melody.notes
    # A folder chosen by hand is read alone.
    assert orphaned_recoveries(data_home / "elsewhere") == []


def test_the_environment_still_chooses_the_folders(data_home, monkeypatch):
    monkeypatch.setenv(LOG_DIR_ENV, str(data_home / "logs"))
    monkeypatch.setenv(RECOVERY_DIR_ENV, str(data_home / "saved"))
    assert log_path() == Path(data_home / "logs" / "segue.log")
    assert recovery_dir() == data_home / "saved"
