"""A file's chords come into the piece with its melody (one undo step), unreadable ones are
named in the import's message, and every export writes the piece's chords."""

import mido
import pytest

from segue.engine.chords import Chord
from segue.engine.melody import Melody, Note
from segue.gui.document import Document
from segue.gui.window.export import SEED, ExportOptions, chords_to_export
from tests.fakes.dialogs import ScriptedDialogs

PIECE_MELODY = Melody([Note(60, 0, 4), Note(62, 4, 4), Note(64, 8, 4), Note(65, 12, 4)])
TUNE_WITH_CHORDS = """X:1
T:Little Dance
M:4/4
L:1/4
K:G
"G"G A B c | "Em"B A "Xyz"G2 | "C"E F "D7"G A | "G"G4 |]
"""


pytestmark = pytest.mark.usefixtures("isolated_app")  # tests/conftest.py


@pytest.fixture
def make_window(main_window):
    def make(**answers):
        dialogs = ScriptedDialogs(**answers)
        return main_window(Document(PIECE_MELODY, 12), dialogs=dialogs), dialogs

    return make


def test_an_abc_tune_brings_its_chords_and_one_undo_takes_them_with_the_melody(
    qtbot, tmp_path, make_window
):
    pytest.importorskip("music21")
    source = tmp_path / "dance.abc"
    source.write_text(TUNE_WITH_CHORDS)
    window, _ = make_window()
    before = window.document.piece
    with qtbot.waitSignal(window.files.notation.done, timeout=60000) as done:
        assert window.files.import_path(str(source))
    assert done.args == [True]
    piece = window.document.piece
    assert [(c.start, c.symbol) for c in piece.chords] == [
        (0, "G"), (16, "Em"), (32, "C"), (40, "D7"), (48, "G"),
    ]
    assert len(piece.melody.notes) == 12
    message = window.statusBar().currentMessage()
    assert "5 chord symbol(s) read." in message
    assert '1 chord symbol(s) Segue cannot read, left out (the melody is kept): "Xyz".' in message
    assert window.document.undo_stack.count() == 1
    window.document.undo_stack.undo()
    assert window.document.piece.melody == before.melody and window.document.piece.chords == ()
    window.document.undo_stack.redo()
    assert window.document.piece.chords == piece.chords


def test_a_midi_file_with_chord_markers_brings_them(qtbot, tmp_path, make_window):
    melody = mido.MidiTrack([mido.MetaMessage("track_name", name="Tune"),
                             mido.MetaMessage("marker", text="Am", time=0)])
    for i, pitch in enumerate([69, 71, 72, 74, 76, 74, 72, 71]):
        melody.append(mido.Message("note_on", note=pitch, velocity=80, time=0))
        melody.append(mido.Message("note_off", note=pitch, time=240))
        if i == 3:
            melody.append(mido.MetaMessage("marker", text="E7", time=0))
    midi = mido.MidiFile(type=1, ticks_per_beat=480)
    midi.tracks.append(melody)
    midi.save(tmp_path / "tune.mid")
    window, _ = make_window()
    assert window.files.import_path(str(tmp_path / "tune.mid"))
    assert window.document.piece.chords == (Chord(0, 8, "Am"), Chord(8, 8, "E7"))
    assert "2 chord(s) named in the file's markers." in window.statusBar().currentMessage()
    window.document.undo_stack.undo()
    assert window.document.piece.chords == () and window.document.melody == PIECE_MELODY


CHORDS = (Chord(0, 8, "C"), Chord(8, 8, "F"))


@pytest.mark.parametrize("name", ["out.mid", "out.abc", "out.musicxml"])
def test_every_export_writes_the_chords(qtbot, tmp_path, make_window, name):
    if not name.endswith(".mid"):
        pytest.importorskip("music21")
    from segue.engine.notation.convert import read_any

    window, _ = make_window(export=ExportOptions(), save_path=str(tmp_path / name))
    window.document.set_chords(CHORDS)
    if name.endswith(".mid"):
        assert window.files.export_dialog()
    else:
        with qtbot.waitSignal(window.files.notation.done, timeout=60000):
            assert window.files.export_dialog()
    piece, _, _ = read_any(tmp_path / name)
    assert piece.chords == CHORDS
    assert piece.melody.notes == PIECE_MELODY.notes


def test_the_seed_exports_the_chords_before_the_marker(make_window):
    window, _ = make_window()
    window.document.set_chords(CHORDS)
    assert chords_to_export(window.document.piece, ExportOptions(SEED)) == (
        Chord(0, 8, "C"), Chord(8, 4, "F"),
    )
