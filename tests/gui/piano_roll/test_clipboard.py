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


def notes_text(rows, grid=4) -> str:
    return json.dumps({"format": "segue-notes", "version": 1, "steps_per_quarter": grid,
                       "notes": rows})


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        # The limits every way in meets (engine.limits): a piece's notes, the longest piece.
        (notes_text([[60, i, 1, 100] for i in range(100_001)]), "100,001 notes, more than the 100,000"),
        (notes_text([[60, 0, 1_000_001, 100]]), "damaged"),
        (notes_text([[60, 10**30, 1, 100]]), "damaged"),
        (notes_text([[60, 0.5, 1, 100]]), "damaged"),
        ('{"format": "segue-notes", "version": 1, "steps_per_quarter": 1, '
         '"notes": [[60, Infinity, 1, 100]]}', "no Segue notes"),
        (notes_text([[60, 999_000, 4, 100]], grid=1), "past step 1,000,000"),  # pasted on 4 spq
    ],
)
def test_pasted_notes_meet_the_limits_of_a_piece(text, reason):
    with pytest.raises(ValueError, match=reason):
        clipboard.decode_notes(text, 4)


def test_the_clipboard_has_the_cap_of_a_notation_file():
    from segue.engine import limits

    assert clipboard.MAX_TEXT == limits.MAX_CLIPBOARD_CHARS == limits.MAX_NOTATION_BYTES
    with pytest.raises(ValueError, match="too much text"):
        clipboard.decode_notes("x" * (limits.MAX_CLIPBOARD_CHARS + 1), 4)
