"""Session files on disk: atomic saves, clear errors, and Save / Open through the main window."""

import errno
import json
import os

import pytest

from segue.engine import session as fmt
from segue.engine.melody import Melody, Note
from segue.engine.piece import Piece
from segue.engine.session import (
    GenerationSettings,
    Session,
    SessionFileError,
    read_session,
    write_session,
)
from segue.gui import settings as prefs
from segue.gui.dialogs import CANCEL, DISCARD, SAVE
from segue.gui.document import Document
from tests.fakes.dialogs import ScriptedDialogs

SEED = Melody([Note(60, 0, 4), Note(64, 4, 4), Note(67, 8, 8)], tempo=90.0, time_signature=(3, 4))
VARIATION = Melody([Note(65, 16, 4), Note(64, 20, 4)], tempo=90.0, time_signature=(3, 4))


pytestmark = pytest.mark.usefixtures("isolated_app")  # tests/conftest.py


@pytest.fixture
def make_window(main_window):
    """``make_window(**answers)`` -> (window on the piece, its scripted dialogs)."""

    def make(**answers):
        dialogs = ScriptedDialogs(**answers)
        return main_window(Document(SEED, 12), dialogs=dialogs), dialogs

    return make


def test_a_failed_write_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "piece.segue"
    write_session(path, Piece(SEED, 12))
    before = path.read_bytes()

    def disk_full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(SessionFileError, match=r"^Cannot save 'piece\.segue': disk is full\.$"):
        write_session(path, Piece(Melody(), 0))
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["piece.segue"]  # no temporary left


def test_a_read_only_session_is_not_replaced(tmp_path):
    path = tmp_path / "piece.segue"
    write_session(path, Piece(SEED, 12))
    before = path.read_bytes()
    path.chmod(0o444)
    try:
        with pytest.raises(SessionFileError, match=r"^Cannot save 'piece\.segue': file is read-only\.$"):
            write_session(path, Piece(Melody(), 0))
    finally:
        path.chmod(0o644)
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"", "damaged or not JSON"),
        (b'{"format": "segue-session", "schema_version": 99, "melody": {"notes": []}}', "newer Segue"),
        (b'{"format": "something-else"}', "not a Segue session"),
        (b"MThd\x00\x00\x00\x06", "not text|not JSON"),
    ],
)
def test_bad_files_give_one_message_naming_the_file(tmp_path, content, reason):
    path = tmp_path / "broken.segue"
    path.write_bytes(content)
    with pytest.raises(SessionFileError, match=rf"^Cannot open 'broken\.segue': .*({reason})"):
        read_session(path)


def test_a_saved_document_opens_as_the_same_piece(qtbot, tmp_path):
    document = Document(SEED, 12)
    document.set_variations([VARIATION, VARIATION.transpose(2)], 1)
    document.set_loop((0, 12), True)
    path = tmp_path / "piece.segue"
    write_session(path, document.piece, GenerationSettings(temperature=0.5))
    other = Document()
    session = read_session(path)
    other.load(session.piece)
    assert other.piece == document.piece and session.generation.temperature == 0.5
    assert not other.is_modified() and other.undo_stack.count() == 0


# --- through the window --------------------------------------------------------------------------


def test_save_reopen_compare(qtbot, tmp_path, make_window):
    path = str(tmp_path / "tune.segue")
    window, dialogs = make_window(save_path=path)
    window.document.set_melody(SEED.add(Note(72, 16, 4)), "Draw Note")
    window.document.set_variations([VARIATION])
    window.panel.set_settings(window.panel.settings().replace(temperature=0.6, bars=7, key_lock="auto"))
    assert window.document.is_modified() and window.isWindowModified()
    window.actions["save"].trigger()
    assert dialogs.kinds() == ["save_path"] and dialogs.asked[0][2].endswith("Untitled.segue")
    assert not window.document.is_modified() and not window.isWindowModified()
    assert window.windowTitle() == "Segue — tune[*]"
    saved_state = (window.document.melody, window.document.marker, window.document.variations)

    other, _ = make_window()
    assert other.files.open_path(path)
    assert (other.document.melody, other.document.marker, other.document.variations) == saved_state
    assert other.panel.settings().temperature == pytest.approx(0.6)
    assert other.panel.settings().bars == 7 and other.panel.settings().key_lock == "auto"
    assert other.files.path == str(tmp_path / "tune.segue")
    assert prefs.recent_files()[0] == str(tmp_path / "tune.segue")


def test_the_loop_is_saved_and_reopened_with_the_piece(qtbot, tmp_path, make_window):
    path = str(tmp_path / "looped.segue")
    window, _ = make_window(save_path=path)
    window.roll.set_loop_region((12, 24))  # as a drag on the ruler does; this turns the loop on
    assert window.transport.loop_action.isChecked()
    assert (window.document.loop_region, window.document.loop_on) == ((12, 24), True)  # the piece's
    assert not window.document.is_modified()  # as in a DAW, the loop alone is no unsaved change
    window.actions["save"].trigger()

    other, _ = make_window()
    assert other.roll.loop_region is None and not other.transport.loop_action.isChecked()
    assert other.files.open_path(path)
    assert other.roll.loop_region == (12, 24) and other.transport.loop_action.isChecked()
    assert other.playback.loop_region == (12, 24) and other.playback.loop_enabled

    window.transport.loop_action.setChecked(False)  # a region kept, but not looping
    window.actions["save"].trigger()
    assert other.files.open_path(path)
    assert other.roll.loop_region == (12, 24) and not other.transport.loop_action.isChecked()

    other.dialogs.answers["save_changes"] = DISCARD
    assert other.files.new_piece()
    assert other.roll.loop_region is None and not other.transport.loop_action.isChecked()


def test_save_as_adds_the_suffix_and_save_reuses_the_path(qtbot, tmp_path, make_window):
    window, dialogs = make_window(save_path=str(tmp_path / "take two"))
    window.actions["save_as"].trigger()
    assert (tmp_path / "take two.segue").exists()
    window.document.set_melody(SEED.transpose(2), "Transpose")
    window.actions["save"].trigger()
    assert dialogs.kinds() == ["save_path"]  # asked once
    assert read_session(tmp_path / "take two.segue").piece.melody == SEED.transpose(2)


def test_cancelled_save_as_saves_nothing(qtbot, tmp_path, make_window):
    window, _ = make_window(save_path=None)
    window.document.set_melody(SEED.transpose(1), "Transpose")
    assert window.files.save() is False
    assert window.document.is_modified()
    assert list(tmp_path.glob("*.segue")) == []


def test_opening_a_broken_file_shows_the_reason_and_keeps_the_piece(qtbot, tmp_path, make_window):
    path = tmp_path / "newer.segue"
    data = fmt.session_to_dict(Session(Piece(SEED.transpose(5), 4)))
    data["schema_version"] = fmt.SCHEMA_VERSION + 3
    path.write_text(json.dumps(data))
    window, dialogs = make_window()
    window.document.set_melody(SEED.add(Note(50, 20, 2)), "Draw Note")
    before = (window.document.piece, window.document.undo_stack.count())
    assert window.files.open_path(str(path)) is False
    assert dialogs.kinds() == ["error"]
    assert "newer.segue" in dialogs.messages()[0] and "newer Segue" in dialogs.messages()[0]
    assert (window.document.piece, window.document.undo_stack.count()) == before


def _hostile_sessions():
    """(name, text): what a probe found escaping the session reader, each one file."""
    def text(change):
        data = fmt.session_to_dict(Session(Piece(SEED.transpose(5), 4, variations=(VARIATION,))))
        change(data)
        return json.dumps(data)

    yield "string-variation", text(lambda d: d.update(current_variation="1"))
    yield "no-variations", text(lambda d: d.update(variations=[], current_variation=-1))
    yield "far-note", text(lambda d: d["melody"]["notes"][0].update(start=10**18))
    yield "long-note", text(lambda d: d["melody"]["notes"][0].update(length=1e300))
    yield "far-marker", text(lambda d: d.update(marker=1e300))
    yield "huge-int", text(lambda d: d.update(marker=0)).replace('"marker": 0', '"marker": ' + "7" * 5000)
    yield "string-tempo", text(lambda d: d["melody"].update(tempo="120"))


@pytest.mark.parametrize("name, text", list(_hostile_sessions()))
def test_a_hostile_file_leaves_the_open_piece_unchanged(qtbot, tmp_path, make_window, name, text):
    path = tmp_path / f"{name}.segue"
    path.write_text(text)
    window, dialogs = make_window()
    window.document.set_melody(SEED.add(Note(50, 20, 2)), "Draw Note")
    window.document.set_variations([VARIATION])
    before = (window.document.piece, window.document.variations, window.document.undo_stack.count(),
              window.files.path, window.panel.settings())
    assert window.files.open_path(str(path)) is False
    assert dialogs.kinds() == ["error"]  # one message, asked before anything else
    message = dialogs.messages()[0]
    assert message.startswith(f"Cannot open '{name}.segue': ") and len(message) < 300
    assert (window.document.piece, window.document.variations, window.document.undo_stack.count(),
            window.files.path, window.panel.settings()) == before
    assert window.document.is_modified()


def test_open_recent_lists_files_and_drops_vanished_ones(qtbot, tmp_path, make_window):
    path = tmp_path / "a.segue"
    write_session(path, Piece(SEED, 12))
    window, dialogs = make_window()
    assert window.files.open_path(str(path))
    window.recent_menu.aboutToShow.emit()
    entries = [a.text() for a in window.recent_menu.actions()]
    assert entries == ["a.segue"]
    os.remove(path)
    window.recent_menu.actions()[0].trigger()
    assert dialogs.kinds() == ["error"]
    assert prefs.recent_files() == []


@pytest.mark.parametrize("answer, closes, saved", [(CANCEL, False, False), (DISCARD, True, False), (SAVE, True, True)])
def test_closing_with_unsaved_changes_asks_first(qtbot, tmp_path, answer, closes, saved, make_window):
    path = tmp_path / "closing.segue"
    window, dialogs = make_window(save_changes=answer, save_path=str(path))
    window.show()
    window.document.set_melody(SEED.transpose(3), "Transpose")
    window.close()
    assert dialogs.kinds()[0] == "save_changes"
    assert window.isVisible() is (not closes)
    assert path.exists() is saved


def test_closing_an_unchanged_piece_asks_nothing(qtbot, make_window):
    window, dialogs = make_window()
    window.show()
    window.close()
    assert not window.isVisible() and dialogs.asked == []


def test_new_asks_before_replacing_unsaved_work(qtbot, make_window):
    window, dialogs = make_window(save_changes=CANCEL)
    window.document.set_melody(SEED.transpose(3), "Transpose")
    assert window.files.new_piece() is False
    assert window.document.melody == SEED.transpose(3)
    dialogs.answers["save_changes"] = DISCARD
    assert window.files.new_piece() is True
    assert window.document.melody.notes == () and not window.document.is_modified()
    assert window.document.melody.time_signature == (3, 4)  # the meter stays


def test_document_tracks_unsaved_changes_including_variations(qtbot):
    document = Document(SEED, 12)
    changes = []
    document.modified_changed.connect(changes.append)
    assert not document.is_modified()
    document.set_variations([VARIATION])
    assert document.is_modified() and changes == [True]
    document.mark_saved()
    assert not document.is_modified() and changes == [True, False]
    document.set_melody(SEED.transpose(1), "Transpose")
    document.undo_stack.undo()
    assert not document.is_modified()  # back at the saved state
    document.mark_unsaved()
    assert document.is_modified()
    document.load(SEED, 12)
    assert not document.is_modified() and changes[-1] is False


def test_recent_files_keep_the_latest_ten_without_repeats():
    for i in range(12):
        prefs.add_recent_file(f"/music/piece{i}.segue")
    prefs.add_recent_file("/music/piece5.segue")
    files = prefs.recent_files()
    assert len(files) == prefs.MAX_RECENT_FILES
    assert files[0] == "/music/piece5.segue" and files.count("/music/piece5.segue") == 1
    assert files[1] == "/music/piece11.segue" and "/music/piece0.segue" not in files
    with pytest.raises(ValueError, match="needs a list"):
        prefs.write(prefs.RECENT_FILES, "/music/one.segue")
