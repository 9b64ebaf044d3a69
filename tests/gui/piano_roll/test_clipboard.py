"""Notes on the clipboard: JSON that round-trips, rescales across grids, and fails clearly."""

import json

import pytest
from PySide6.QtGui import QGuiApplication

from segue.engine.melody import Note
from segue.gui.piano_roll import clipboard

NOTES = [Note(62, 12, 2, 80), Note(60, 8, 4)]


def test_encode_is_relative_to_the_first_note_and_round_trips():
    text = clipboard.encode_notes(NOTES, 4)
    data = json.loads(text)
    assert data["notes"] == [[60, 0, 4, 100], [62, 4, 2, 80]]
    assert clipboard.decode_notes(text, 4) == [Note(60, 0, 4), Note(62, 4, 2, 80)]


def test_decode_rescales_to_another_grid():
    text = clipboard.encode_notes(NOTES, 4)
    assert clipboard.decode_notes(text, 8) == [Note(60, 0, 8), Note(62, 8, 4, 80)]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("just some words", "no Segue notes"),
        ('{"format": "other"}', "no Segue notes"),
        ('{"format": "segue-notes", "version": 9}', "unknown version"),
        (
            '{"format": "segue-notes", "version": 1, "steps_per_quarter": 0, "notes": []}',
            "bad grid",
        ),
        ('{"format": "segue-notes", "version": 1, "steps_per_quarter": 4, "notes": 5}', "damaged"),
        (
            '{"format": "segue-notes", "version": 1, "steps_per_quarter": 4, "notes": [[1, 2]]}',
            "damaged",
        ),
        (
            '{"format": "segue-notes", "version": 1, "steps_per_quarter": 4, "notes": [[300, 0, 1, 1]]}',
            "damaged",
        ),
        (
            '{"format": "segue-notes", "version": 1, "steps_per_quarter": 2, "notes": [["a", 0, 1, 1]]}',
            "damaged",
        ),
    ],
)
def test_decode_rejects_what_is_not_segue_notes(text, reason):
    with pytest.raises(ValueError, match=reason):
        clipboard.decode_notes(text, 4)


def test_system_clipboard_round_trip(qapp):
    clipboard.copy_to_clipboard(NOTES, 4)
    assert '"format":"segue-notes"' in QGuiApplication.clipboard().text()
    assert clipboard.notes_from_clipboard(4) == [Note(60, 0, 4), Note(62, 4, 2, 80)]


def test_other_clipboard_text_is_refused(qapp):
    QGuiApplication.clipboard().setText("C4 D4 E4")
    with pytest.raises(ValueError, match="no Segue notes"):
        clipboard.notes_from_clipboard(4)
