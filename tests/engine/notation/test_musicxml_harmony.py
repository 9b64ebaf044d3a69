"""MusicXML's chord symbols (<harmony>) in and out (engine.notation.musicxml_harmony)."""

import pytest

from segue.engine.chords import Chord
from segue.engine.melody import Melody, Note

pytest.importorskip("music21")

from segue.engine.notation import import_notation, notation_bytes  # noqa: E402
from segue.engine.notation.musicxml_harmony import figure_symbol  # noqa: E402

MELODY = Melody([Note(67, 4, 4), Note(71, 8, 24), Note(74, 32, 8), Note(72, 40, 8), Note(71, 48, 16)],
                key="G major")


def round_trip(tmp_path, chords, melody=MELODY, suffix=".musicxml"):
    path = tmp_path / f"score{suffix}"
    path.write_bytes(notation_bytes(melody, suffix, "Score", chords))
    return import_notation(path)


@pytest.mark.parametrize("suffix", [".musicxml", ".mxl"])
def test_chords_to_musicxml_and_back_are_equal(tmp_path, suffix):
    chords = (Chord(0, 8, "G"), Chord(8, 8, "Em7"), Chord(16, 6, "Cmaj7"), Chord(22, 10, "D7sus4"),
              Chord(32, 8, "Bm7b5"), Chord(40, 8, "E7#9"), Chord(48, 8, "Am69"), Chord(56, 8, "G5"))
    result = round_trip(tmp_path, chords, suffix=suffix)
    assert result.chords == chords
    assert result.melody.notes == MELODY.notes  # notes split at chord starts are tied back
    assert result.report.chords_read == len(chords)


def test_no_chord_and_slash_chords_and_flats(tmp_path):
    chords = (Chord(0, 16, "N.C."), Chord(16, 16, "Bb/D"), Chord(32, 16, "Ebmaj7/G"),
              Chord(48, 16, "Am7/G"))
    assert round_trip(tmp_path, chords).chords == chords


def test_every_quality_survives_the_round_trip(tmp_path):
    from segue.engine.chords import _KINDS

    chords = tuple(Chord(8 * i, 8, f"F#{kind}") for i, kind in enumerate(_KINDS))
    melody = Melody([Note(66, 0, 8 * len(chords))])
    assert round_trip(tmp_path, chords, melody).chords == chords


def test_without_chords_the_score_is_as_before(tmp_path):
    assert b"<harmony" not in notation_bytes(MELODY, ".musicxml", "Score")
    assert round_trip(tmp_path, ()).chords == ()


SCORE = """<?xml version="1.0" encoding="UTF-8"?>
<score-partwise version="3.1"><part-list><score-part id="P1"><part-name>Lead</part-name>
</score-part></part-list><part id="P1"><measure number="1"><attributes><divisions>1</divisions>
<time><beats>4</beats><beat-type>4</beat-type></time></attributes>
{harmonies}
<note><pitch><step>G</step><octave>4</octave></pitch><duration>4</duration></note>
</measure></part></score-partwise>
"""


def harmony(step, kind, text=None, alter=None, bass=None, offset=None):
    root_alter = f"<root-alter>{alter}</root-alter>" if alter is not None else ""
    kind_text = f' text="{text}"' if text is not None else ""
    bass_xml = f"<bass><bass-step>{bass}</bass-step></bass>" if bass else ""
    offset_xml = f"<offset>{offset}</offset>" if offset is not None else ""
    return (f"<harmony><root><root-step>{step}</root-step>{root_alter}</root>"
            f"<kind{kind_text}>{kind}</kind>{bass_xml}{offset_xml}</harmony>")


def test_a_score_from_elsewhere_reads_as_it_shows(tmp_path):
    """Other programs write the kind's text (what the score shows) and offsets inside a note."""
    path = tmp_path / "other.musicxml"
    path.write_text(SCORE.format(harmonies="".join([
        harmony("E", "minor", text="min", bass="G"),
        harmony("B", "dominant", text="7", alter=-1, offset=2),
    ])))
    result = import_notation(path)
    assert [(c.start, c.length, c.symbol) for c in result.chords] == [(0, 8, "Em/G"), (8, 8, "Bb7")]


def test_an_unreadable_symbol_keeps_the_melody_and_is_named(tmp_path):
    path = tmp_path / "odd.musicxml"
    path.write_text(SCORE.format(harmonies="".join([
        harmony("C", "major"),
        harmony("D", "other", text="Xyz", offset=1),
        harmony("D", "minor-seventh", alter=-2, offset=2),  # D double flat: no chord root
        harmony("F", "major", offset=3),
    ])))
    result = import_notation(path)
    assert [(c.start, c.length, c.symbol) for c in result.chords] == [(0, 4, "C"), (12, 4, "F")]
    assert result.report.unreadable_chords == ("DXyz", "Dbbm7")
    assert [n.pitch for n in result.melody.notes] == [67]
    assert any('"DXyz", "Dbbm7"' in warning for warning in result.report.warnings)


@pytest.mark.parametrize("figure, symbol", [
    ("B-/D", "Bb/D"), ("E-", "Eb"), ("G-maj7", "Gbmaj7"), ("C6 add 9", "C69"),
    ("Cm6 add 9", "Cm69"), ("Cm7 add b5", "Cm7b5"), ("C7 add #5 add b9", "C7#5b9"),
    ("C7sus add 9", "C9sus4"), ("C add 9", "Cadd9"), ("Cpower", "C5"), ("C+", "Caug"),
    ("Co7", "Cdim7"), ("CM9", "Cmaj9"), ("Am7/G", "Am7/G"),
])
def test_music21_figures_in_our_spelling(figure, symbol):
    assert Chord(0, 1, figure_symbol(figure)).symbol == symbol
