"""Notation in the worker: importing ABC or MusicXML (a file or the clipboard) and exporting it
never runs music21 on the GUI thread; a progress dialog offers Cancel, which ends the wait at
once and leaves the piece (or the file on disk) as it was."""

import threading

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QPushButton

from segue.engine import limits
from segue.engine import notation as notation_api
from segue.engine.melody import Melody, Note
from segue.engine.notation import reading
from segue.gui.document import Document
from segue.gui.window.export import PIECE, ExportOptions
from tests.engine.notation.tunes import TWO_TUNES
from tests.fakes.dialogs import ScriptedDialogs

pytest.importorskip("music21")

PIECE_MELODY = Melody([Note(60, 0, 4), Note(62, 4, 4), Note(64, 8, 4), Note(67, 12, 8)])
TUNE = "X:1\nT:Copied\nL:1/8\nK:D\nd2 e2 f2 g2|\n"


pytestmark = pytest.mark.usefixtures("isolated_app")  # tests/conftest.py


@pytest.fixture
def window(main_window):
    return main_window(Document(PIECE_MELODY, 12), dialogs=ScriptedDialogs(track=1))


@pytest.fixture
def gate():
    """An event a faked step waits on; always opened at the end, so no thread outlives a test."""
    event = threading.Event()
    yield event
    event.set()


def on_gui_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def recording(threads: list, function):
    def wrapper(*args, **kwargs):
        threads.append(on_gui_thread())
        return function(*args, **kwargs)

    return wrapper


def done(qtbot, window):
    return qtbot.waitSignal(window.files.notation.done, timeout=60000)


def click_cancel(window) -> None:
    window.files.notation.progress.findChild(QPushButton).click()


def threads_ended(qtbot, window) -> None:
    qtbot.waitUntil(lambda: not window.files.notation._running, timeout=60000)


def test_import_and_export_of_notation_run_in_the_worker(qtbot, tmp_path, window, monkeypatch):
    threads = []
    monkeypatch.setattr(notation_api, "parse_notation", recording(threads, notation_api.parse_notation))
    monkeypatch.setattr(reading.ParsedNotation, "import_part",
                        recording(threads, reading.ParsedNotation.import_part))
    monkeypatch.setattr(notation_api, "parse_abc_text", recording(threads, notation_api.parse_abc_text))
    monkeypatch.setattr(notation_api, "notation_bytes", recording(threads, notation_api.notation_bytes))
    book = tmp_path / "book.abc"
    book.write_text(TWO_TUNES)
    with done(qtbot, window) as imported:
        assert window.files.import_path(str(book))
    assert imported.args == [True]
    assert window.files.notation.progress is not None  # it had a dialog with Cancel, if slow
    assert [n.pitch for n in window.document.melody.notes] == [64, 71, 71, 69, 71, 69, 67]
    QGuiApplication.clipboard().setText(TUNE)
    with done(qtbot, window) as pasted:
        assert window.files.import_clipboard()
    assert pasted.args == [True] and [n.pitch for n in window.document.melody.notes] == [74, 76, 78, 79]
    with done(qtbot, window) as exported:
        assert window.files.export_to(str(tmp_path / "out.musicxml"), ExportOptions(PIECE))
    assert exported.args == [True] and (tmp_path / "out.musicxml").stat().st_size > 0
    # parse and read the book's tune, parse and read the clipboard, write the score: none here
    assert threads == [False] * 5


def test_cancel_ends_an_import_at_once_and_its_late_result_is_dropped(qtbot, tmp_path, window,
                                                                      monkeypatch, gate):
    real = notation_api.parse_notation
    monkeypatch.setattr(notation_api, "parse_notation", lambda path: gate.wait(30) and real(path))
    book = tmp_path / "book.abc"
    book.write_text(TWO_TUNES)
    with done(qtbot, window) as ended:
        assert window.files.import_path(str(book))  # returns while music21 would still read
        assert window.files.notation.busy
        click_cancel(window)
    assert ended.args == [False] and not window.files.notation.busy
    assert window.statusBar().currentMessage() == "Import cancelled."
    gate.set()  # the parse ends on its own; what it read must not reach the piece
    threads_ended(qtbot, window)
    assert window.document.melody == PIECE_MELODY and window.document.undo_stack.count() == 0
    assert window.files.dialogs.kinds() == []  # the tune chooser was never asked


def test_cancel_of_an_export_leaves_the_file_on_disk_as_it_was(qtbot, tmp_path, window,
                                                               monkeypatch, gate):
    real = notation_api.notation_bytes
    monkeypatch.setattr(notation_api, "notation_bytes",
                        lambda *args, **kwargs: gate.wait(30) and real(*args, **kwargs))
    target = tmp_path / "kept.abc"
    target.write_text("X:1\nK:C\nC|\n")
    with done(qtbot, window) as ended:
        assert window.files.export_to(str(target), ExportOptions(PIECE))
        click_cancel(window)
    assert ended.args == [False]
    assert window.statusBar().currentMessage() == "Export cancelled."
    gate.set()
    threads_ended(qtbot, window)
    assert target.read_text() == "X:1\nK:C\nC|\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".abc") == ["kept.abc"]


def test_a_second_import_waits_for_the_first(qtbot, tmp_path, window, monkeypatch, gate):
    real = notation_api.parse_notation
    monkeypatch.setattr(notation_api, "parse_notation", lambda path: gate.wait(30) and real(path))
    book = tmp_path / "book.abc"
    book.write_text(TWO_TUNES)
    with done(qtbot, window) as ended:
        assert window.files.import_path(str(book))
        assert window.files.import_path(str(book)) is False
        assert "Still reading" in window.statusBar().currentMessage()
        gate.set()
    assert ended.args == [True]


def test_the_clipboard_has_the_cap_of_a_file_before_anything_scans_it(qtbot, window, monkeypatch):
    scanned = []
    monkeypatch.setattr(notation_api, "looks_like_abc", lambda text: scanned.append(text) or True)
    monkeypatch.setattr(limits, "MAX_CLIPBOARD_CHARS", len(TUNE) - 1)
    QGuiApplication.clipboard().setText(TUNE)
    assert window.files.import_clipboard() is False
    assert scanned == [] and not window.files.notation.busy
    (message,) = window.files.dialogs.messages()
    assert "too large for ABC text" in message
    assert window.document.melody == PIECE_MELODY


def test_a_broken_score_is_one_message_from_the_worker(qtbot, tmp_path, window):
    score = tmp_path / "broken.musicxml"
    score.write_text("<score-partwise><part id='P1'><measure")
    with done(qtbot, window) as ended:
        assert window.files.import_path(str(score))
    assert ended.args == [False]
    (message,) = window.files.dialogs.messages()
    assert message.startswith("Cannot import 'broken.musicxml'") and "Traceback" not in message
    assert window.document.melody == PIECE_MELODY
