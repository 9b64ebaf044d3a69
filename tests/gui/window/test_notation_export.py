"""An imported tune's title reaches its ABC and MusicXML exports (T:, the score's title)."""

import pytest

from segue.engine.melody import Melody, Note
from segue.gui.document import Document
from segue.gui.window.export import PIECE, ExportOptions
from tests.fakes.dialogs import ScriptedDialogs

music21 = pytest.importorskip("music21")

LARK = """X:1
T:The Lark in the Morning
M:6/8
L:1/8
K:D
AFA AFA|BGB BdB|AFA AFA|fed BdB|
"""


pytestmark = pytest.mark.usefixtures("isolated_app")  # tests/conftest.py


def _finish(qtbot, window, start) -> None:
    """Start an import or export and wait until it has ended (notation runs in the worker)."""
    jobs = getattr(window.files, "notation", None)
    if jobs is None:  # read and written at once
        assert start()
        return
    with qtbot.waitSignal(jobs.done, timeout=30000) as ended:
        assert start()
    assert ended.args == [True]


@pytest.mark.parametrize("name", ["out.abc", "out.musicxml"])
def test_an_imported_tune_keeps_its_title_through_export(qtbot, tmp_path, main_window, name):
    from segue.engine.notation import import_notation

    source = tmp_path / "lark.abc"
    source.write_text(LARK, encoding="utf-8")
    dialogs = ScriptedDialogs(export=ExportOptions(PIECE), save_path=str(tmp_path / name))
    window = main_window(Document(Melody([Note(60, 0, 4)]), 4), dialogs=dialogs)
    _finish(qtbot, window, lambda: window.files.import_path(str(source), as_new=True))
    assert window.files.title() == "The Lark in the Morning"
    _finish(qtbot, window, window.files.export_dialog)
    if name.endswith(".abc"):
        assert "T:The Lark in the Morning" in (tmp_path / name).read_text(encoding="utf-8")
    result = import_notation(tmp_path / name)
    assert result.report.title == "The Lark in the Morning"
    assert result.melody.notes == window.document.melody.notes


def test_a_new_piece_is_untitled_again(qtbot, tmp_path, main_window):
    source = tmp_path / "lark.abc"
    source.write_text(LARK, encoding="utf-8")
    window = main_window(Document(Melody([Note(60, 0, 4)]), 4))
    _finish(qtbot, window, lambda: window.files.import_path(str(source), as_new=True))
    assert window.files.title() == "The Lark in the Morning"
    window.document.undo_stack.setClean()  # nothing to ask about saving
    assert window.files.new_piece()
    assert window.files.title() == "Untitled"
