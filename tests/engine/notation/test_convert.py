"""``segue-cli convert`` keeps the chords between every pair of formats."""

import pytest

from segue.engine.chords import Chord
from segue.engine.melody import Melody, Note
from segue.engine.notation.convert import convert, read_any, write_any
from segue.engine.piece import Piece

pytest.importorskip("music21")

MELODY = Melody([Note(67, 0, 8), Note(71, 8, 8), Note(74, 16, 16), Note(72, 32, 8), Note(69, 40, 4),
                 Note(71, 44, 4), Note(67, 48, 8), Note(66, 56, 4), Note(67, 60, 4)], key="G major")
CHORDS = (Chord(0, 16, "G"), Chord(16, 8, "Bm"), Chord(24, 8, "D7/F#"), Chord(32, 16, "C"),
          Chord(48, 8, "G"), Chord(56, 8, "D7"))
SUFFIXES = [".mid", ".abc", ".musicxml", ".mxl", ".segue"]


@pytest.mark.parametrize("source", SUFFIXES)
@pytest.mark.parametrize("destination", SUFFIXES)
def test_the_chords_travel_between_every_pair_of_formats(tmp_path, source, destination):
    original = tmp_path / f"tune{source}"
    write_any(Piece.of(MELODY).with_chords(CHORDS), original, "Tune")
    converted = tmp_path / f"converted{destination}"
    report = convert(original, converted)
    assert "6 chord(s)" in report and "Wrote 'converted" in report
    piece, _, _ = read_any(converted)
    assert piece.chords == CHORDS
    assert piece.melody.notes == MELODY.notes


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_without_chords_convert_writes_none(tmp_path, suffix):
    original = tmp_path / "plain.mid"
    write_any(MELODY, original, "Plain")
    convert(original, tmp_path / f"out{suffix}")
    piece, _, report = read_any(tmp_path / f"out{suffix}")
    assert piece.chords == () and "chord" not in report
