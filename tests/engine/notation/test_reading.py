"""Notation import: tunes and parts listed for a chooser, the grid rules, clear errors."""

import zipfile

import pytest

from segue.engine.melody import Melody, Note
from segue.engine.notation import (
    NotationExportError,
    NotationImportError,
    import_notation,
    looks_like_abc,
    parse_abc_text,
    parse_notation,
    write_notation,
)
from tests.engine.notation.tunes import TWO_TUNES

pytest.importorskip("music21")



def test_an_abc_book_lists_its_tunes_for_the_chooser():
    parsed = parse_abc_text(TWO_TUNES, "book.abc")
    assert [(p.index, p.name, p.kind, p.note_count) for p in parsed.parts] == [
        (0, "The Kesh", "tune", 12), (1, "Morrison's", "tune", 7)
    ]
    assert "key G" in parsed.parts[0].program_name and "meter 6/8" in parsed.parts[0].program_name
    assert parsed.parts[1].is_polyphonic and not parsed.parts[0].is_polyphonic


def test_an_abc_tune_with_a_chord_keeps_its_top_note_and_says_so():
    result = parse_abc_text(TWO_TUNES, "book.abc").import_part(1)
    assert [n.pitch for n in result.melody.notes][:3] == [64, 71, 71]
    assert result.report.dropped == 1
    assert "tune 2 'Morrison's'" in result.report.summary
    assert "kept the highest note" in result.report.summary
    assert result.melody.time_signature == (6, 8)


def test_a_pickup_bar_keeps_the_bar_lines_on_bars():
    melody = parse_abc_text("X:1\nM:4/4\nL:1/4\nK:C\nG | c d e f | g4 |]\n").import_part().melody
    assert melody.notes[0] == Note(67, 12, 4)  # the pickup ends bar 0
    assert melody.notes[1].start == 16


def test_a_pickup_bar_in_a_meter_of_its_own_keeps_the_meter_of_the_bars_after_it(tmp_path):
    music21 = pytest.importorskip("music21")
    pickup = music21.stream.Measure(number=0)
    pickup.timeSignature = music21.meter.TimeSignature("1/4")
    pickup.append(music21.note.Note("G4", quarterLength=1))
    bar = music21.stream.Measure(number=1)
    bar.timeSignature = music21.meter.TimeSignature("4/4")
    bar.append([music21.note.Note(name, quarterLength=1) for name in ("C4", "D4", "E4", "F4")])
    last = music21.stream.Measure(number=2)
    last.append(music21.note.Note("G4", quarterLength=4))
    part = music21.stream.Part([pickup, bar, last])
    music21.stream.Score([part]).write("musicxml", tmp_path / "pickup.musicxml")
    result = import_notation(tmp_path / "pickup.musicxml")
    assert result.melody.time_signature == (4, 4)
    assert [(n.pitch, n.start) for n in result.melody.notes] == [
        (67, 12), (60, 16), (62, 20), (64, 24), (65, 28), (67, 32)]
    assert "kept 4/4, the meter of the first full bars" in result.report.summary


def test_an_overfull_abc_bar_does_not_set_the_meter():
    # music21 reads the bar that holds too much as a bar of 6/8 and one of 1/8.
    abc = "X:1\nM:6/8\nL:1/8\nK:D\n(5:4:5ABcde f3 | (6ABcdef g3 |\n"
    assert parse_abc_text(abc).import_part().melody.time_signature == (6, 8)


def test_grace_notes_are_dropped_and_counted():
    result = parse_abc_text("X:1\nL:1/8\nK:D\n{g}d2 e2 f2 g2|\n").import_part()
    assert [n.pitch for n in result.melody.notes] == [74, 76, 78, 79]
    assert result.report.notes_read == 5 and result.report.dropped == 1
    assert "grace note" in result.report.summary


def test_abc_text_is_recognised_on_the_clipboard():
    assert looks_like_abc(TWO_TUNES)
    assert not looks_like_abc("C D E F")
    assert not looks_like_abc("K: nothing else here")


def _write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.abc", b"", "it holds no ABC tune"),
        ("words.abc", b"Dear diary, no tune today.", "it holds no ABC tune"),
        ("rests.abc", b"X:1\nL:1/4\nK:C\nz4|z4|\n", "tune 1 has no notes"),
        ("junk.musicxml", b"\x00\x01\x02binary", "it is not MusicXML"),
        ("cut.musicxml", b"<?xml version='1.0'?><score-partwise><part id=", "not valid MusicXML"),
        ("fake.mxl", b"PK\x03\x04 not really a zip", "not valid MusicXML"),
        ("missing.abc", None, "file not found"),
    ],
)
def test_broken_files_name_the_file_and_the_reason(tmp_path, name, data, reason):
    path = tmp_path / name if data is None else _write(tmp_path, name, data)
    with pytest.raises(NotationImportError) as caught:
        import_notation(path)
    assert str(caught.value).startswith(f"Cannot import '{name}': ")
    assert reason in str(caught.value)


def test_an_mxl_without_a_score_is_refused(tmp_path):
    path = tmp_path / "empty.mxl"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "nothing")
    with pytest.raises(NotationImportError, match="empty.mxl"):
        parse_notation(path)


def test_a_tune_that_is_not_there_is_refused():
    with pytest.raises(NotationImportError, match="it has no tune 3 \\(it has 2\\)"):
        parse_abc_text(TWO_TUNES, "book.abc").import_part(2)


def test_export_errors_name_the_file_and_keep_the_old_one(tmp_path):
    melody = Melody([Note(60, 0, 4)])
    with pytest.raises(NotationExportError, match="'tune.abc': folder does not exist"):
        write_notation(melody, tmp_path / "nowhere" / "tune.abc")
    with pytest.raises(NotationExportError, match="no notes"):
        write_notation(Melody(), tmp_path / "tune.abc")
    old = _write(tmp_path, "triplets.abc", b"old")
    with pytest.raises(NotationExportError, match="MusicXML can hold it"):
        write_notation(Melody([Note(60, 0, 5)], steps_per_quarter=5), old)  # quintuplets
    assert old.read_bytes() == b"old"
