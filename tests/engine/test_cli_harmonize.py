"""``segue-cli harmonize IN OUT``: the melody read as convert reads it, chords from the
harmonizer, OUT written with them by its suffix, a lead sheet printed."""

import pytest

import segue.engine.harmony as harmonize_module
from segue.engine.chords import Chord, SuggestedChord
from segue.engine.cli import main
from segue.engine.melody import Melody, Note
from segue.engine.notation.convert import read_any, write_any
from segue.engine.piece import Piece

MELODY = Melody([Note(67, 0, 8), Note(71, 8, 8), Note(74, 16, 16), Note(72, 32, 8), Note(69, 40, 8),
                 Note(67, 48, 16)], key="G major")
SUGGESTED = [SuggestedChord(0, 16, "G", probability=0.9), SuggestedChord(16, 8, "Em"),
             SuggestedChord(24, 8, "D7", alternatives=(("Am", 0.2),)), SuggestedChord(32, 32, "C")]
EXPECTED = (Chord(0, 16, "G"), Chord(16, 8, "Em"), Chord(24, 8, "D7"), Chord(32, 32, "C"))


@pytest.fixture
def asked(monkeypatch):
    """The harmonizer's calls, answered with SUGGESTED (the real one needs a trained model)."""
    calls = []

    def fake(melody, *, model=None, key=None, alternatives=0, rng_seed=None):
        calls.append({"notes": melody.notes, "model": model, "key": key})
        return list(SUGGESTED)

    monkeypatch.setattr(harmonize_module, "harmonize", fake)
    return calls


@pytest.mark.parametrize("suffix", [".abc", ".musicxml", ".mxl", ".mid", ".segue"])
def test_the_output_carries_the_chords_in_its_own_format(tmp_path, asked, capsys, suffix):
    if suffix in (".abc", ".musicxml", ".mxl"):
        pytest.importorskip("music21")
    source = tmp_path / "tune.mid"
    write_any(MELODY, source, "Tune")
    out = tmp_path / f"harmonized{suffix}"
    assert main(["harmonize", str(source), str(out), "--key", "G major", "--model", "hmm"]) == 0
    assert asked == [{"notes": MELODY.notes, "model": "hmm", "key": "G major"}]
    piece, _, _ = read_any(out)
    assert piece.chords == EXPECTED
    assert piece.melody.notes == MELODY.notes
    lines = capsys.readouterr().out.splitlines()
    assert lines[1:5] == ["   1  G", "   2  Em:2 D7:2", "   3  C", "   4  C"]
    assert lines[-1] == f"Wrote 'harmonized{suffix}' with 4 chord(s)."


def test_the_chords_a_file_had_are_replaced(tmp_path, asked, capsys):
    source = tmp_path / "tune.segue"
    write_any(Piece.of(MELODY).with_chords([Chord(0, 64, "Am")]), source, "Tune")
    assert main(["harmonize", str(source), str(tmp_path / "out.segue")]) == 0
    assert read_any(tmp_path / "out.segue")[0].chords == EXPECTED
    assert asked[0]["model"] is None and asked[0]["key"] is None  # the defaults


def test_the_part_chosen_is_harmonized(tmp_path, asked, capsys):
    pytest.importorskip("music21")
    book = tmp_path / "book.abc"
    book.write_text("X:1\nT:One\nL:1/8\nK:G\nGABc|\n\nX:2\nT:Two\nL:1/8\nK:D\ndefg|\n")
    assert main(["harmonize", str(book), str(tmp_path / "two.abc"), "--part", "2"]) == 0
    assert [n.pitch for n in asked[0]["notes"]] == [74, 76, 78, 79]


@pytest.mark.parametrize(("name", "message"), [
    ("out.txt", "harmonize reads and writes"),
])
def test_an_unknown_output_is_one_line_before_anything_is_read(tmp_path, asked, capsys, name,
                                                               message):
    source = tmp_path / "tune.mid"
    write_any(MELODY, source, "Tune")
    assert main(["harmonize", str(source), str(tmp_path / name)]) == 1
    error = capsys.readouterr().err
    assert message in error and error.count("\n") == 1
    assert asked == []


def test_a_harmonizer_that_cannot_load_is_one_line(tmp_path, monkeypatch, capsys):
    def broken(melody, **options):
        raise ValueError("'missing': cannot read the chord HMM: no such file")

    monkeypatch.setattr(harmonize_module, "harmonize", broken)
    source = tmp_path / "tune.mid"
    write_any(MELODY, source, "Tune")
    assert main(["harmonize", str(source), str(tmp_path / "out.mid"), "--model", "missing"]) == 1
    error = capsys.readouterr().err
    assert "cannot read the chord HMM" in error and "Traceback" not in error
    assert not (tmp_path / "out.mid").exists()


def test_an_empty_melody_is_refused(tmp_path, asked, capsys):
    source = tmp_path / "empty.segue"
    write_any(Piece.of(Melody()), source, "Empty")
    assert main(["harmonize", str(source), str(tmp_path / "out.mid")]) == 1
    assert "no melody to harmonize" in capsys.readouterr().err
    assert asked == []
