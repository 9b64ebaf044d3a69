"""The part chooser suggests the melody and says why; importing over notes says Undo brings them
back (issue 21, point 10)."""

import pytest

from segue.engine.melody import Melody, Note
from segue.engine.midi_io import list_tracks, write_midi
from segue.gui.document import Document
from segue.gui.window.import_dialog import TrackChooserDialog, candidate_tracks
from tests.engine.test_part_choice import TUNE, write_quartet
from tests.fakes.dialogs import ScriptedDialogs

SEED = Melody([Note(62, 0, 4), Note(66, 4, 4)])


pytestmark = pytest.mark.usefixtures("isolated_app")  # tests/conftest.py


@pytest.mark.parametrize("order", [
    ("Violin I", "Violin II", "Viola", "Cello"),
    ("Cello", "Viola", "Violin II", "Violin I"),
])
def test_the_chooser_preselects_the_first_violin_and_says_why(qtbot, tmp_path, order):
    tracks = candidate_tracks(list_tracks(write_quartet(tmp_path / "quartet.mid", order)))
    dialog = TrackChooserDialog("quartet.mid", tracks)
    qtbot.addWidget(dialog)
    first_violin = next(t for t in tracks if t.name == "Violin I")
    assert dialog.chosen_track() == first_violin.index  # the old guess took Violin II
    assert dialog.suggestion.isVisibleTo(dialog)
    assert dialog.suggestion.text() == (
        f"Suggested: part {first_violin.index + 1}, Violin I (named as a melody)."
    )


def test_the_chooser_preselects_the_top_voice_of_an_unnamed_quartet(qtbot, tmp_path):
    path = write_quartet(tmp_path / "quartet.mid", ("Cello", "Viola", "Violin II", "Violin I"),
                         named=False, program=0)
    tracks = candidate_tracks(list_tracks(path))
    dialog = TrackChooserDialog("quartet.mid", tracks)
    qtbot.addWidget(dialog)
    chosen = next(t for t in tracks if t.index == dialog.chosen_track())
    assert chosen.pitch_range == (67, 81)
    assert dialog.suggestion.text().endswith("(the top voice).")


def test_a_tune_book_shows_no_suggestion(qtbot):
    from segue.engine.notation import parse_abc_text

    book = "X:1\nT:One\nK:G\nGABc|\n\nX:2\nT:Two\nK:D\ndefg|\n"
    dialog = TrackChooserDialog("book.abc", parse_abc_text(book).parts)
    qtbot.addWidget(dialog)
    assert dialog.chosen_track() == 0
    assert not dialog.suggestion.isVisibleTo(dialog)


def test_importing_a_quartet_takes_the_first_violin_when_the_suggestion_is_kept(
    qtbot, tmp_path, main_window
):
    path = write_quartet(tmp_path / "quartet.mid", ("Cello", "Viola", "Violin II", "Violin I"))

    def keep_the_suggestion(tracks):  # what pressing Import on the chooser does
        dialog = TrackChooserDialog("quartet.mid", tracks)
        qtbot.addWidget(dialog)
        return dialog.chosen_track()

    window = main_window(Document(SEED, SEED.end), dialogs=ScriptedDialogs(track=keep_the_suggestion))
    assert window.files.import_path(str(path))
    assert [n.pitch for n in window.document.melody.notes[:4]] == TUNE[:4]


def test_importing_over_notes_says_undo_brings_the_old_piece_back(qtbot, tmp_path, main_window):
    source = tmp_path / "line.mid"
    write_midi(Melody([Note(67, 0, 4), Note(69, 4, 2)]), source)
    window = main_window(Document(SEED, SEED.end))
    window.show()
    assert window.files.import_path(str(source))
    message = window.statusBar().currentMessage()
    assert message.startswith("Imported 2 of 2 notes from 'line.mid'")
    assert "Undo brings the old piece back." in message
    window.document.undo_stack.undo()
    assert window.document.melody.notes == SEED.notes


def test_importing_into_an_empty_piece_says_nothing_of_undo(qtbot, tmp_path, main_window):
    source = tmp_path / "line.mid"
    write_midi(Melody([Note(67, 0, 4)]), source)
    window = main_window(Document(Melody([]), 0))
    window.show()
    assert window.files.import_path(str(source))
    assert "Undo" not in window.statusBar().currentMessage()
