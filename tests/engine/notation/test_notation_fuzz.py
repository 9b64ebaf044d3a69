"""Hostile notation ends, imported or refused with the reason: meters, tuplets, lengths, sizes,
octaves and archives past the limits (engine.limits). Timings are in bench/notation_limits.py."""

import random
import zipfile

import pytest

from segue.engine import limits
from segue.engine.melody import Melody, Note
from segue.engine.notation import (
    NotationExportError,
    NotationImportError,
    import_notation,
    parse_abc_text,
    write_notation,
)
from segue.engine.notation.abc_scan import split_tunes
from segue.engine.notation.reading import parse_notation

pytest.importorskip("music21")


def _refused(text, reason, name="tune.abc"):
    with pytest.raises(NotationImportError) as caught:
        parse_abc_text(text, name).import_part()
    assert str(caught.value).startswith(f"Cannot import '{name}': ")
    assert reason in str(caught.value)


@pytest.mark.parametrize("meter", ["9999/1", "999999/1", "0/4", "65/4", "4/3", "3/64", "99+1/4"])
def test_meters_outside_the_limits_are_refused_by_name(meter):
    _refused(f"X:1\nM:{meter}\nK:C\nCDEF|\n", "is outside what Segue reads (1-64 beats of 1/1-1/32)")


def test_a_meter_change_inside_the_tune_is_checked_too():
    _refused("X:1\nM:4/4\nL:1/4\nK:C\nCDEF|[M:9999/4]CDEF|\n", "its meter 9999/4")


@pytest.mark.parametrize("meter", ["64/1", "1/1", "7/8", "C", "C|", "2+3/8"])
def test_meters_at_the_edges_import(meter):
    melody = parse_abc_text(f"X:1\nM:{meter}\nL:1/8\nK:C\nCDEF|\n").import_part(
        steps_per_quarter=8).melody
    assert len(melody.notes) == 4


def test_a_note_of_a_hundred_million_units_is_refused():
    _refused("X:1\nT:x\nM:4/4\nL:1/4\nK:C\nC99999999\n", "whose length is outside what Segue reads")


def test_a_bar_far_longer_than_its_meter_is_refused():
    _refused("X:1\nM:4/4\nL:1/4\nK:C\nC C C C | C999 | C C C C |]\n", "a bar holds 999 quarter notes")


def test_a_slightly_overfull_bar_still_imports():
    melody = parse_abc_text("X:1\nM:2/4\nL:1/4\nK:C\nC D E F | G A |]\n").import_part().melody
    assert [n.pitch for n in melody.notes] == [60, 62, 64, 65, 67, 69]


@pytest.mark.parametrize("tuplet", ["(99", "(3:99", "(3:2:9999", "(1"])
def test_tuplets_outside_the_limits_are_refused(tuplet):
    _refused(f"X:1\nL:1/8\nK:C\n{tuplet}CDE F|\n", "tuplet")


def test_a_triplet_imports():
    melody = parse_abc_text("X:1\nL:1/8\nK:C\n(3CDE F2|\n").import_part(
        steps_per_quarter=12).melody
    assert [n.length for n in melody.notes] == [4, 4, 4, 12]  # a third of a quarter each


@pytest.mark.parametrize("unit", ["1/99999", "999/1"])
def test_unit_lengths_outside_the_limits_are_refused(unit):
    _refused(f"X:1\nL:{unit}\nK:C\nCDEF|\n", f"unit note length L:{unit}")


def long_tune(notes: int) -> str:
    """An ABC tune of ``notes`` eighth notes (random pitches, seeded by the count); also the
    long tunes of bench/notation_limits.py."""
    rng = random.Random(notes)
    bars = [
        " ".join("".join(rng.choice("GABcdefg") for _ in range(2)) for _ in range(4)) + " |"
        for _ in range(notes // 8)
    ]
    return "X:1\nT:Long\nM:4/4\nL:1/8\nK:G\n" + "\n".join(bars) + "]\n"


def test_a_64_kb_tune_is_listed_then_refused_with_its_note_count():
    text = long_tune(40_000)
    assert len(text) > 64 * 1024
    parsed = parse_abc_text(text, "long.abc")
    assert parsed.parts[0].note_count == 40_000
    _refused(text, "it has 40,000 notes, more than the 5,000 Segue reads from one tune", "long.abc")


def test_a_tune_at_the_note_limit_imports():
    melody = parse_abc_text(long_tune(limits.MAX_NOTATION_NOTES)).import_part().melody
    assert len(melody.notes) > 1000


def test_a_large_book_lists_its_tunes_and_reads_only_the_one_chosen():
    tune = "X:{n}\nT:Tune {n}\nM:6/8\nL:1/8\nK:G\nGAG GAB | ABA ABd |\n\n"
    book = "".join(tune.format(n=n) for n in range(1, 20_001))
    parsed = parse_abc_text(book, "book.abc")
    assert len(parsed.parts) == 20_000 and parsed.parts[-1].name == "Tune 20000"
    assert len(parsed.import_part(19_999).melody.notes) == 12


def test_text_over_the_cap_is_refused_before_it_is_read(monkeypatch):
    monkeypatch.setattr(limits, "MAX_CLIPBOARD_CHARS", 100)
    _refused("X:1\nK:C\n" + "C" * 200 + "\n", "too large for ABC text", "clipboard.abc")


def test_the_scan_counts_like_music21_on_a_plain_book():
    from tests.engine.notation.tunes import TWO_TUNES

    assert [(t.title, t.note_count, t.is_polyphonic) for t in split_tunes(TWO_TUNES)] == [
        ("The Kesh", 12, False), ("Morrison's", 7, True)
    ]


# --- MusicXML ---------------------------------------------------------------------------------

_XML = """<?xml version="1.0" encoding="UTF-8"?>
<score-partwise version="3.1"><part-list><score-part id="P1"><part-name>M</part-name>
</score-part></part-list><part id="P1"><measure number="1"><attributes><divisions>1</divisions>
<time><beats>{beats}</beats><beat-type>4</beat-type></time></attributes>
<note><pitch><step>C</step><octave>{octave}</octave></pitch><duration>{duration}</duration>
<type>quarter</type></note></measure></part></score-partwise>
"""


def _xml(tmp_path, name="score.musicxml", beats=4, octave=4, duration=1):
    path = tmp_path / name
    path.write_text(_XML.format(beats=beats, octave=octave, duration=duration))
    return path


def test_a_plain_musicxml_note_imports(tmp_path):
    assert import_notation(_xml(tmp_path)).melody.notes == (Note(60, 0, 4),)


def test_musicxml_beats_of_9999_are_refused(tmp_path):
    with pytest.raises(NotationImportError, match="its meter 9999/4 is outside what Segue reads"):
        import_notation(_xml(tmp_path, beats=9999))


def test_a_note_in_octave_994_is_refused_not_folded_into_range(tmp_path):
    with pytest.raises(NotationImportError, match="octave 994 is outside the MIDI range"):
        import_notation(_xml(tmp_path, octave=994))


def test_a_note_past_the_longest_piece_is_refused(tmp_path):
    with pytest.raises(NotationImportError, match="past step 1,000,000"):
        import_notation(_xml(tmp_path, beats=4, duration=992_500_000))


def test_a_musicxml_tuplet_of_thousands_is_refused(tmp_path):
    path = _xml(tmp_path)
    path.write_text(path.read_text().replace(
        "<type>quarter</type>",
        "<type>quarter</type><time-modification><actual-notes>5000</actual-notes>"
        "<normal-notes>4</normal-notes></time-modification>",
    ))
    with pytest.raises(NotationImportError, match="tuplet of 5,000 actual notes"):
        import_notation(path)


def test_an_mxl_that_unpacks_past_the_limit_is_refused_before_it_is_unpacked(tmp_path):
    path = tmp_path / "bomb.mxl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("score.musicxml", b"<" + b" " * (limits.MAX_MXL_UNPACKED_BYTES + 1))
    assert path.stat().st_size < 64 * 1024
    cap = limits.size_words(limits.MAX_MXL_UNPACKED_BYTES)
    with pytest.raises(NotationImportError, match=f"it unpacks to {cap}, over the {cap}"):
        import_notation(path)


def test_an_mxl_whose_directory_lies_about_sizes_is_read_only_that_far(tmp_path):
    from segue.engine.notation.musicxml_source import unpack_mxl

    path = tmp_path / "liar.mxl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("score.musicxml", b"<" + b" " * 100_000)
    data = bytearray(path.read_bytes())
    # The central directory's uncompressed size (offset 24 in its entry) now says 10 bytes.
    central = data.rfind(b"PK\x01\x02")
    data[central + 24: central + 28] = (10).to_bytes(4, "little")
    with pytest.raises(ValueError):
        unpack_mxl(bytes(data))  # zipfile stops at the declared size and the check fails


def test_a_musicxml_file_over_the_size_cap_is_refused(tmp_path):
    path = tmp_path / "huge.musicxml"
    path.write_bytes(b"<" + b" " * limits.MAX_MUSICXML_BYTES)
    cap = limits.size_words(limits.MAX_MUSICXML_BYTES)
    with pytest.raises(NotationImportError, match=f"over {cap}, too large for a MusicXML score"):
        import_notation(path)


def test_a_musicxml_score_with_too_many_notes_is_refused(tmp_path):
    path = _xml(tmp_path)
    note = "<note><pitch><step>C</step><octave>4</octave></pitch><duration>1</duration></note>"
    over = limits.MAX_MUSICXML_NOTES + 1
    path.write_text(path.read_text().replace("</measure>", note * over + "</measure>"))
    with pytest.raises(NotationImportError, match=f"{over + 1:,} notes, more than the {over - 1:,}"):
        import_notation(path)


# --- export -----------------------------------------------------------------------------------


def test_musicxml_export_of_a_very_long_piece_is_refused_not_hung_on(tmp_path):
    melody = Melody([Note(60, 0, 4), Note(62, 62_499 * 16, 4)])
    with pytest.raises(NotationExportError, match="62,500 bars, more than the 1,000"):
        write_notation(melody, tmp_path / "long.musicxml")
    assert not (tmp_path / "long.musicxml").exists()


def test_abc_export_refuses_what_abc_import_would_refuse(tmp_path):
    melody = Melody([Note(60 + i % 12, i, 1) for i in range(limits.MAX_NOTATION_NOTES + 1)])
    with pytest.raises(NotationExportError, match="5,001 notes, more than the 5,000"):
        write_notation(melody, tmp_path / "many.abc")


# --- real scores within the limits ---------------------------------------------------------------


def _corpus_work(composer: str, name: str):
    corpus = pytest.importorskip("music21.corpus")
    found = [str(p) for p in corpus.getComposer(composer) if p.name == name]
    if not found:
        pytest.skip(f"music21's corpus has no {composer}/{name}")
    return found[0]


@pytest.mark.slow
def test_a_beethoven_quartet_in_utf16_musicxml_lists_its_parts_and_imports():
    # music21's corpus keeps Op. 74 as UTF-16 MusicXML, 8.5 MB unpacked, 14,600 notes in all: a
    # real score the limits must admit, and an encoding the checks must read (they once saw no
    # notes in UTF-16 and music21 was handed bytes it could not decode).
    parsed = parse_notation(_corpus_work("beethoven", "opus74.mxl"))
    assert [part.name for part in parsed.parts] == ["Violin I", "Violin II", "Viola", "Violoncello"]
    melody = parsed.import_part(0).melody
    assert len(melody.notes) > 3000 and melody.time_signature == (4, 4)


def test_ties_are_joined_as_music21_joins_them_across_notes_chords_and_rests():
    from music21 import chord, note, stream

    from segue.engine.notation.streams import sounding_notes

    def tied(element, kind):
        element.tie = __import__("music21").tie.Tie(kind)
        return element

    part = stream.Part()
    for element in (
        tied(note.Note("C4", quarterLength=1), "start"), tied(note.Note("C4", quarterLength=1), "stop"),
        tied(note.Note("D4", quarterLength=1), "start"), tied(note.Note("E4", quarterLength=1), "stop"),
        tied(chord.Chord(["C4", "E4"], quarterLength=1), "start"), chord.Chord(["C4", "E4"], quarterLength=2),
        tied(note.Note("F4", quarterLength=1), "start"), note.Rest(quarterLength=1), note.Note("F4", quarterLength=1),
    ):
        part.append(element)
    ours = [(float(onset), float(end)) for _, onset, end in sounding_notes(part)]
    theirs = [(float(e.offset), float(e.offset + e.quarterLength)) for e in part.stripTies().flatten().notes]
    assert ours == theirs == [(0, 2), (2, 4), (4, 7), (7, 8), (9, 10)]
