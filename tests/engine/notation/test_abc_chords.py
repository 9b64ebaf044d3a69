"""ABC chord symbols: read onto the grid with the melody, unreadable ones named, written back."""

import re

import pytest

from segue.engine.chords import Chord
from segue.engine.melody import Melody, Note
from segue.engine.notation import melody_to_abc, parse_abc_text
from segue.engine.notation.abc_chords import read_symbol

pytest.importorskip("music21")

# A pickup, a chord change mid-bar, a repeat, a tune book's spellings, an unreadable symbol.
DANCE = """X:7
T:Little Dance
M:4/4
L:1/8
K:G
D2|"G"G2 B2 "D/f+"d2 c2|"Em"B2 "(A7)"A2 "Xyz"G4:|
"C"E4 "Cd"E2 F2|"G"G8|
"""


def chords_of(text):
    return parse_abc_text(text).import_part(0)


def test_chords_come_onto_the_grid_with_the_melody():
    result = chords_of(DANCE)
    # The pickup D puts bar 1 at step 16; each chord lasts to the next symbol.
    assert result.melody.notes[0] == Note(62, 12, 4)
    assert [(c.start, c.length, c.symbol) for c in result.chords] == [
        (16, 8, "G"), (24, 8, "D/F#"), (32, 4, "Em"), (36, 4, "A7"),
        (48, 8, "C"), (56, 8, "Cdim"), (64, 16, "G"),
    ]
    assert result.report.chords_read == 7
    assert "7 chord symbol(s) read." in result.report.summary


def test_chord_symbols_are_not_notes():
    # music21 makes chord symbols chords of no length: they were once counted as grace notes.
    result = chords_of(DANCE)
    assert result.report.notes_read == result.report.notes_kept == 12
    assert "grace" not in result.report.summary


def test_an_unreadable_symbol_keeps_the_melody_and_is_named():
    result = chords_of(DANCE)
    assert result.report.unreadable_chords == ("Xyz",)
    assert '1 chord symbol(s) Segue cannot read, left out (the melody is kept): "Xyz"' in (
        result.report.summary
    )
    # No chord sounds from the unreadable symbol (step 40) to the next one (step 48).
    assert not [c for c in result.chords if c.start < 48 and c.end > 40]
    assert len(result.melody.notes) == 12


def test_a_tune_without_chords_imports_as_before():
    plain = chords_of(re.sub(r'"[^"]*"', "", DANCE))
    assert plain.chords == () and plain.report.chords_read == 0
    assert plain.report.unreadable_chords == ()
    assert plain.melody == chords_of(DANCE).melody


def test_annotations_are_not_chords():
    result = chords_of('X:1\nT:t\nM:2/4\nL:1/8\nK:C\n"^Fine""F"c4|"<(3)"d4|\n')
    assert [(c.start, c.symbol) for c in result.chords] == [(0, "F")]
    assert result.report.unreadable_chords == ()


@pytest.mark.parametrize("written, read", [
    ("(E7)", "E7"), ("D/f+", "D/F#"), ("Gm/bb", "Gm/Bb"), ("C#d", "C#dim"), ("Da", "Daug"),
    ("Fa7", "Faug7"), ("Am/c", "Am/C"), ("Bb", "Bb"), ("Dm", "Dm"),
])
def test_tune_book_spellings(written, read):
    assert Chord(0, 1, read_symbol(written)).symbol == read


def test_export_round_trip_keeps_the_chords():
    readable = DANCE.replace('"Xyz"', "")
    first = chords_of(readable)
    text = melody_to_abc(first.melody, "Little Dance", chords=first.chords)
    assert '"D/F#"d' in text and '"G"G' in text
    again = chords_of(text)
    assert again.chords == first.chords
    assert again.melody.notes == first.melody.notes


def test_export_splits_a_note_or_rest_where_a_chord_starts():
    melody = Melody([Note(67, 0, 16), Note(72, 24, 8)])
    chords = (Chord(0, 8, "G"), Chord(8, 12, "Em"), Chord(20, 12, "C"))
    text = melody_to_abc(melody, chords=chords)
    body = text.splitlines()[-1]
    assert body.count('"') == 6 and "-" in body  # the G note is tied across the Em
    again = chords_of(text)
    assert again.melody.notes == melody.notes
    assert [(c.start, c.symbol) for c in again.chords] == [(0, "G"), (8, "Em"), (20, "C")]


def test_export_writes_a_chord_before_a_pickup_and_after_the_last_note():
    melody = Melody([Note(62, 12, 4), Note(67, 16, 16)])
    chords = (Chord(0, 16, "D"), Chord(16, 16, "G"), Chord(32, 16, "C"))
    again = chords_of(melody_to_abc(melody, chords=chords))
    assert again.melody.notes == melody.notes
    assert [(c.start, c.length, c.symbol) for c in again.chords] == [
        (0, 16, "D"), (16, 16, "G"), (32, 16, "C"),
    ]


def test_export_without_chords_is_unchanged():
    melody = Melody([Note(62, 12, 4), Note(67, 16, 16)])
    assert melody_to_abc(melody) == melody_to_abc(melody, chords=())
    assert '"' not in melody_to_abc(melody)


def test_an_abc_file_is_written_with_its_chords(tmp_path):
    from segue.engine.notation import import_notation, write_notation

    melody = Melody([Note(67, 0, 8), Note(71, 8, 8)])
    chords = (Chord(0, 8, "G"), Chord(8, 8, "Bm"))
    write_notation(melody, tmp_path / "tune.abc", "Tune", chords=chords)
    assert import_notation(tmp_path / "tune.abc").chords == chords
    write_notation(melody, tmp_path / "tune.musicxml", "Tune", chords=chords)  # as <harmony>
    assert import_notation(tmp_path / "tune.musicxml").chords == chords
