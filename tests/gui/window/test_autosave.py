"""Autosave to a recovery file, and restoring it after a crash (a real ``kill -9``)."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from segue.engine import session as fmt
from segue.engine.melody import Melody, Note
from segue.engine.piece import Piece
from segue.engine.session import Session, read_session
from segue.gui.document import Document
from segue.gui.window.autosave import AUTOSAVE_INTERVAL_MS, Autosaver, orphaned_recoveries
from tests.fakes.dialogs import ScriptedDialogs

ROOT = Path(__file__).resolve().parents[3]
SEED = Melody([Note(60, 0, 4), Note(62, 4, 4), Note(64, 8, 4)])
CRASHED = SEED.add(Note(67, 12, 4), Note(72, 16, 8))


pytestmark = pytest.mark.usefixtures("isolated_app")  # tests/conftest.py


def autosaver(qtbot, tmp_path, document, interval_ms=40, original=None):
    from segue.engine.session import GenerationSettings

    saver = Autosaver(
        document,
        snapshot=lambda: Session(document.piece, GenerationSettings()),
        original_path=lambda: original,
        folder=tmp_path / "recovery",
        interval_ms=interval_ms,
    )
    return saver


def test_the_default_interval_is_30_seconds(qtbot, main_window):
    window = main_window(Document(SEED, 12), dialogs=ScriptedDialogs())
    assert AUTOSAVE_INTERVAL_MS == 30_000
    assert window.autosaver.timer.interval() == 30_000


def test_the_timer_writes_the_modified_piece(qtbot, tmp_path):
    document = Document(SEED, 12)
    saver = autosaver(qtbot, tmp_path, document, original="/music/tune.segue")
    saver.start()
    for _tick in range(2):
        with qtbot.waitSignal(saver.timer.timeout, timeout=2000):
            pass
    assert not saver.path.exists()  # nothing unsaved, nothing written
    document.set_melody(CRASHED, "Draw")
    with qtbot.waitSignal(saver.saved, timeout=2000):
        pass
    assert read_session(saver.path).piece.melody == CRASHED
    assert json.loads(saver.path.read_text())["recovery"]["original_path"] == "/music/tune.segue"
    saver.stop()


def test_unchanged_pieces_are_not_rewritten_and_saved_ones_are_removed(qtbot, tmp_path):
    document = Document(SEED, 12)
    saver = autosaver(qtbot, tmp_path, document, interval_ms=60_000)
    saver.start()
    document.set_melody(CRASHED, "Draw")
    assert saver.save_now() is True
    assert saver.save_now() is False  # same revision: no second write
    document.set_variations([Melody([Note(70, 24, 4)])])
    assert saver.save_now() is True
    document.mark_saved()
    assert saver.save_now() is False
    assert not saver.path.exists()
    saver.stop()


def test_a_clean_stop_leaves_nothing_behind(qtbot, tmp_path):
    document = Document(SEED, 12)
    saver = autosaver(qtbot, tmp_path, document)
    saver.start()
    document.set_melody(CRASHED, "Draw")
    saver.save_now()
    saver.stop()
    assert list((tmp_path / "recovery").iterdir()) == []


def test_a_running_segues_file_is_not_an_orphan(qtbot, tmp_path):
    document = Document(SEED, 12)
    saver = autosaver(qtbot, tmp_path, document)
    saver.start()
    document.set_melody(CRASHED, "Draw")
    saver.save_now()
    assert orphaned_recoveries(tmp_path / "recovery") == []
    saver.stop()


CRASH_SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    sys.path.insert(0, {root!r})
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication
    from segue.gui import settings as prefs
    prefs.use_private_store({settings!r})
    app = QApplication([])
    from segue.engine.melody import Melody, Note
    from tests.fakes.dialogs import ScriptedDialogs
    from segue.gui.document import Document
    from segue.gui.window.main_window import MainWindow
    from segue.engine.live.ports import MidiSystem
    from tests.fakes.audio import fake_audio
    from tests.fakes.live import FakeRtmidi
    system = MidiSystem(FakeRtmidi(), path_exists=lambda _path: True)
    window = MainWindow(Document(Melody([Note(60, 0, 4), Note(62, 4, 4), Note(64, 8, 4)]), 12),
                        dialogs=ScriptedDialogs(), midi_system=system, recovery_folder={recovery!r},
                        audio=fake_audio(False)[0])  # the machine's sound card is not the test's
    window.show()
    window.start_up(load_model=False)
    window.files.path = {original!r}
    window.document.set_melody(window.document.melody.add(Note(67, 12, 4), Note(72, 16, 8)), "Draw")
    assert window.autosaver.save_now()
    print("autosaved", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


def crash_a_segue(tmp_path, original=None):
    script = CRASH_SCRIPT.format(root=str(ROOT), settings=str(tmp_path / "settings"), original=original,
                                 recovery=str(tmp_path / "recovery"))
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=os.environ.copy()
    )
    assert result.returncode == -9, result.stderr
    assert "autosaved" in result.stdout


def test_after_a_crash_the_next_start_restores_the_piece(qtbot, tmp_path, main_window):
    original = str(tmp_path / "song.segue")
    crash_a_segue(tmp_path, original)
    assert len(orphaned_recoveries(tmp_path / "recovery")) == 1
    dialogs = ScriptedDialogs(restore=True)
    window = main_window(Document(SEED, 12), dialogs=dialogs)
    window.start_up(load_model=False)
    assert dialogs.kinds() == ["restore"]
    assert "song.segue" in dialogs.asked[0][1]
    assert window.document.melody == CRASHED
    assert window.document.is_modified() and window.isWindowModified()
    assert window.files.path == original  # Save goes back to the file the piece came from
    assert orphaned_recoveries(tmp_path / "recovery") == []
    window.autosaver.stop()


def test_declining_the_restore_deletes_the_recovery_file(qtbot, tmp_path, main_window):
    crash_a_segue(tmp_path)
    dialogs = ScriptedDialogs(restore=False)
    window = main_window(Document(SEED, 12), dialogs=dialogs)
    window.start_up(load_model=False)
    assert dialogs.kinds() == ["restore"]
    assert "untitled" in dialogs.asked[0][1]
    assert window.document.melody == SEED and not window.document.is_modified()
    assert orphaned_recoveries(tmp_path / "recovery") == []
    window.autosaver.stop()
    assert list((tmp_path / "recovery").glob("*.segue")) == []


def test_a_damaged_recovery_file_is_reported_not_fatal(qtbot, tmp_path, main_window):
    folder = tmp_path / "recovery"
    folder.mkdir()
    (folder / "recovery-999999.segue").write_text('{"format": "segue-session", "schema_version": 1, "melody": 5}')
    dialogs = ScriptedDialogs(restore=True)
    window = main_window(Document(SEED, 12), dialogs=dialogs)
    window.start_up(load_model=False)
    assert dialogs.kinds() == ["restore", "error"]
    assert "recovery-999999.segue" in dialogs.messages()[0]
    assert window.document.melody == SEED
    window.autosaver.stop()


def test_a_hostile_recovery_file_is_refused_before_anything_is_replaced(qtbot, tmp_path, main_window):
    folder = tmp_path / "recovery"
    folder.mkdir()
    data = fmt.session_to_dict(Session(Piece(SEED.transpose(2), 4)))
    data["melody"]["notes"][0]["start"] = 10**18  # once overflowed the roll's scroll bars
    (folder / "recovery-999998.segue").write_text(json.dumps(data))
    dialogs = ScriptedDialogs(restore=True)
    window = main_window(Document(SEED, 12), dialogs=dialogs)
    window.start_up(load_model=False)
    assert dialogs.kinds() == ["restore", "error"]
    assert "recovery-999998.segue" in dialogs.messages()[0]
    assert "past step 1,000,000" in dialogs.messages()[0]
    assert (window.document.melody, window.document.marker) == (SEED, 12)
    assert not (folder / "recovery-999998.segue").exists()
    # Never deleted unread: set aside under a name no start offers again, and the message says so.
    (kept,) = folder.glob("unreadable-recovery-999998-*.segue")
    assert json.loads(kept.read_text()) == data
    assert kept.name in dialogs.messages()[0] and "not deleted" in dialogs.messages()[0]
    assert orphaned_recoveries(folder) == []
    window.autosaver.stop()


def test_a_recovery_file_that_is_not_json_is_offered_and_kept_aside(qtbot, tmp_path, main_window):
    folder = tmp_path / "recovery"
    folder.mkdir()
    (folder / "recovery-999997.segue").write_bytes(b'{"format": "segue-session", "melo')  # cut short
    dialogs = ScriptedDialogs(restore=True)
    window = main_window(Document(SEED, 12), dialogs=dialogs)
    window.start_up(load_model=False)
    assert dialogs.kinds() == ["restore", "error"]
    assert "damaged" in dialogs.asked[0][1]
    assert "damaged or not JSON" in dialogs.messages()[0]
    (kept,) = folder.glob("unreadable-recovery-999997-*.segue")
    assert kept.read_bytes() == b'{"format": "segue-session", "melo'
    assert window.document.melody == SEED
    window.autosaver.stop()


def test_a_piece_beyond_the_limits_is_not_autosaved_and_the_last_good_file_stays(qtbot, tmp_path):
    document = Document(SEED, 12)
    saver = autosaver(qtbot, tmp_path, document, interval_ms=60_000)
    saver.start()
    document.set_melody(CRASHED, "Draw")
    assert saver.save_now()
    document.set_melody(CRASHED.add(Note(60, fmt.MAX_STEPS - 2, 4)), "Draw")  # ends past the last step
    with qtbot.waitSignal(saver.failed) as failed:
        assert saver.save_now() is False
    assert "past step 1,000,000" in failed.args[0]
    assert read_session(saver.path).piece.melody == CRASHED  # what a crash now would restore
    saver.stop()


def test_a_full_disk_is_said_in_the_one_wording(qtbot, tmp_path, monkeypatch):
    import errno

    def full(path, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(fmt, "write_atomically", full)
    document = Document(SEED, 12)
    saver = autosaver(qtbot, tmp_path, document, interval_ms=60_000)
    saver.start()
    document.set_melody(CRASHED, "Draw")
    with qtbot.waitSignal(saver.failed) as failed:
        assert saver.save_now() is False
    assert failed.args[0].endswith(": disk is full.")
    assert "No space" not in failed.args[0]
    saver.stop()


def test_locks_left_by_crashes_without_a_recovery_file_are_cleared(qtbot, tmp_path):
    folder = tmp_path / "recovery"
    folder.mkdir()
    stale = folder / "recovery-424242.lock"
    script = (
        "import os, signal, sys\n"
        "from PySide6.QtCore import QLockFile\n"
        f"lock = QLockFile({str(stale)!r})\n"
        "assert lock.tryLock(0)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == -9, result.stderr
    assert stale.exists()
    running = autosaver(qtbot, tmp_path, Document(SEED, 12))
    running.start()  # a live Segue's lock (no recovery file yet) must survive the clean-up
    assert orphaned_recoveries(folder) == []
    assert not stale.exists()
    assert (folder / f"recovery-{os.getpid()}.lock").exists()
    running.stop()


@pytest.mark.parametrize(("value", "expected"), [("2", 2000), ("0.2", 1000), ("", AUTOSAVE_INTERVAL_MS),
                                                 ("soon", AUTOSAVE_INTERVAL_MS), ("-5", AUTOSAVE_INTERVAL_MS),
                                                 ("nan", AUTOSAVE_INTERVAL_MS)])
def test_the_interval_can_be_shortened_for_trying_out_recovery(qtbot, monkeypatch, value, expected, main_window):
    monkeypatch.setenv("SEGUE_AUTOSAVE_SECONDS", value)
    window = main_window(Document(SEED, 12), dialogs=ScriptedDialogs())
    assert window.autosaver.timer.interval() == expected
