"""ABC and MusicXML export keep the tune's shape and spell it by its key: the title, a unit
length from the tune's own notes, a pickup as a pickup, no repeats (import reads each bar once),
the key (a D-minor chorale is ``K:Dm``) and its accidentals."""

import re
from pathlib import Path

import pytest

from segue.engine.melody import Melody, Note
from segue.engine.notation import import_notation, melody_to_abc, parse_abc_text, write_notation

music21 = pytest.importorskip("music21")

REEL = """X:1
T:The Silver Spear
M:4/4
L:1/8
K:D
|:FA (3AAA BAFA|dfed BddB|FA (3AAA BAFA|dfed BAAF:|
"""
PICKUP_TUNE = """X:1
T:Pickup
M:4/4
L:1/8
K:G
D2|G2 B2 d2 B2|c2 A2 F2 D2|G2 B2 d2 g2|f2 a2 g4|]
"""
REPEATS = """X:1
T:Repeats
M:4/4
L:1/8
K:G
|:GABc dBGB|1 cBAG FGAB:|2 cBAF G4|]
"""


def _body(text: str) -> list[str]:
    return [line for line in text.splitlines() if not re.match(r"^[A-Z]:", line)]


def _import(text: str) -> Melody:
    return parse_abc_text(text).import_part(0).melody


def test_a_reel_of_eighths_gets_l_one_eighth_and_plain_letters():
    reel = _import(REEL.replace("(3AAA", "A2"))  # eighths only: the grid holds them exactly
    text = melody_to_abc(reel, "The Silver Spear")
    assert "L:1/8" in text
    assert _body(text)[0].startswith("FA A2 BA FA | df ed Bd dB")
    assert _import(text) == reel


def test_the_unit_is_the_most_common_plain_note_value():
    jig = Melody([Note(67, i * 2, 2) for i in range(12)] + [Note(69, 24, 6)], time_signature=(6, 8))
    assert "L:1/8" in melody_to_abc(jig)
    dotted = Melody([Note(60, 0, 6), Note(62, 6, 6), Note(64, 12, 4), Note(65, 16, 6),
                     Note(67, 22, 6), Note(65, 28, 2)])
    text = melody_to_abc(dotted)
    assert "L:1/4" in text and "C3/2D3/2 E" in text  # a dotted quarter counts as a quarter
    assert "F/" in text  # shorter notes are fractions of the unit
    assert _import(text) == dotted.replace(key=_import(text).key)


def test_a_pickup_is_written_as_a_pickup_and_reads_back_in_place():
    tune = _import(PICKUP_TUNE)
    assert tune.notes[0].start == 12  # import: the pickup sits late in bar 0
    text = melody_to_abc(tune, "Pickup")
    first = _body(text)[0]
    assert first.startswith("D | G B d B |") and "z" not in first  # no bar of rests before it
    assert _import(text) == tune


def test_repeats_are_read_once_and_written_none():
    tune = _import(REPEATS)
    # Import reads each bar once, first and second endings in turn (not written out).
    assert len(tune.notes) == 8 + 8 + 5
    text = melody_to_abc(tune, "Repeats")
    assert not re.search(r"\|:|:\||\[1|\|1|\|2", text)
    assert _import(text) == tune


def _bwv297() -> Path:
    path = Path(music21.__file__).parent / "corpus" / "bach" / "bwv297.mxl"
    if not path.exists():
        pytest.skip("music21's corpus is not installed")
    return path


def test_a_d_minor_chorale_is_written_in_d_minor_with_its_b_flat_from_the_signature():
    chorale = import_notation(_bwv297()).melody  # its file says A minor, with no flat
    assert chorale.key == "D minor"
    text = melody_to_abc(chorale, "BWV 297")
    assert "K:Dm" in text
    body = " ".join(_body(text))
    assert "^A" not in body and "_B" not in body  # B-flat is plain B, by the signature
    assert "^c" in body  # the leading tone is C#, never D-flat
    assert _import(text) == chorale


def test_musicxml_spells_by_the_key_and_writes_its_signature(tmp_path):
    melody = Melody([Note(p, 4 * i, 4) for i, p in enumerate((66, 68, 70, 71, 73, 75, 77, 78))],
                    key="F# major")
    path = tmp_path / "scale.musicxml"
    write_notation(melody, path, title="F# major")
    xml = path.read_text(encoding="utf-8")
    assert "<fifths>6</fifths>" in xml
    steps = re.findall(r"<step>(\w)</step>\s*(?:<alter>(-?\d)</alter>)?", xml)
    assert steps == [("F", "1"), ("G", "1"), ("A", "1"), ("B", ""), ("C", "1"), ("D", "1"),
                     ("E", "1"), ("F", "1")]  # E#, not F
    assert import_notation(path).melody == melody


def test_a_melody_without_a_key_is_written_in_the_key_of_its_notes(tmp_path):
    f_major = Melody([Note(p, 4 * i, 4) for i, p in enumerate((65, 67, 69, 70, 72, 70, 69, 65))])
    text = melody_to_abc(f_major)
    assert "K:F" in text and "_B" not in text and "^A" not in text
    path = tmp_path / "f.musicxml"
    write_notation(f_major, path)
    assert "<fifths>-1</fifths>" in path.read_text(encoding="utf-8")
