"""Reading a folder of the user's pieces for Learn a Style (engine/learn.py)."""

from __future__ import annotations

import pytest

from segue.engine import learn
from segue.engine.learn import (
    LearnError,
    Piece,
    default_name,
    destination,
    iter_read_folder,
    model_exists,
    read_folder,
    split_pieces,
)
from segue.engine.melody import Melody, Note
from segue.engine.midi_io import write_midi

ABC_BOOK = """X:1
T:First
M:4/4
L:1/8
K:G
GABc d2e2|d2B2 G4|]

X:2
T:Second
M:3/4
L:1/8
K:D
D2F2A2|d4 A2|F6|]
"""


def tune(n: int, notes: int = 8) -> Melody:
    return Melody([Note(60 + (n + i) % 12, 4 * i, 4) for i in range(notes)])


def write_pieces(folder, count: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        write_midi(tune(n), folder / f"piece{n:02d}.mid")


def test_a_folder_of_midi_files_becomes_pieces_with_a_held_out_tenth(tmp_path):
    write_pieces(tmp_path / "style", 20)
    material = read_folder(tmp_path / "style")
    assert material.files == 20 and material.pieces == 20
    assert len(material.held_out) == 2  # a tenth
    assert not {p.id for p in material.train} & {p.id for p in material.held_out}
    assert material.train[0].melody.notes[0].pitch == 60
    assert "20 pieces from 20 files" in material.summary()


def test_the_held_out_pieces_are_the_same_every_time_and_in_any_order():
    pieces = [Piece(f"p{n}.mid", tune(n)) for n in range(30)]
    _, held = split_pieces(pieces)
    _, again = split_pieces(list(reversed(pieces)))
    assert {p.id for p in held} == {p.id for p in again}
    assert len(held) == 3


def test_at_least_one_piece_is_held_out_and_one_learnt_from():
    two = [Piece("a.mid", tune(0)), Piece("b.mid", tune(1))]
    train, held = split_pieces(two)
    assert len(train) == 1 and len(held) == 1
    with pytest.raises(LearnError, match="at least 2 pieces"):
        split_pieces(two[:1])


def test_pieces_given_apart_are_learnt_from_and_never_held_out(tmp_path):
    write_pieces(tmp_path / "one", 1)
    material = read_folder(tmp_path / "one", extra=(Piece("the open piece", tune(5)),))
    assert [p.id for p in material.held_out] == ["piece00.mid"]
    assert [p.id for p in material.train] == ["the open piece"]


def test_unreadable_files_are_counted_and_named_and_the_rest_are_read(tmp_path):
    folder = tmp_path / "style"
    write_pieces(folder, 4)
    (folder / "broken.mid").write_bytes(b"MThd this is not a MIDI file")
    (folder / "sub").mkdir()
    (folder / "sub" / "empty.mid").write_bytes(b"")
    (folder / "notes.txt").write_text("not music")  # not a music file: not counted
    material = read_folder(folder)
    assert material.files == 6 and material.pieces == 4
    assert [name for name, _ in material.unreadable] == ["broken.mid", "sub/empty.mid"]
    assert all(reason for _, reason in material.unreadable)
    assert "2 file(s) could not be read: broken.mid (" in material.summary()
    assert any(line.startswith("  could not read sub/empty.mid:") for line in material.report_lines())


def test_too_short_pieces_are_left_out_and_said(tmp_path):
    folder = tmp_path / "style"
    write_pieces(folder, 3)
    write_midi(tune(0, notes=2), folder / "short.mid")
    material = read_folder(folder)
    assert material.pieces == 3
    assert material.unusable == (("short.mid", "2 notes, fewer than 4"),)


def test_every_tune_of_an_abc_book_is_a_piece(tmp_path):
    folder = tmp_path / "abc"
    folder.mkdir()
    (folder / "book.abc").write_text(ABC_BOOK)
    material = read_folder(folder)
    ids = sorted(p.id for p in material.train + material.held_out)
    assert ids == ["book.abc:1", "book.abc:2"]
    assert {p.melody.time_signature for p in material.train + material.held_out} == {(4, 4), (3, 4)}


@pytest.mark.parametrize("make, message", [
    (lambda folder: None, "holds no MIDI, ABC or MusicXML files"),
    (lambda folder: (folder / "bad.mid").write_bytes(b"garbage"),
     "no usable melody in the 1 file.*1 could not be read: bad.mid"),
    (lambda folder: write_midi(tune(0, notes=3), folder / "tiny.mid"), "1 too short"),
])
def test_a_folder_without_a_usable_melody_says_so(tmp_path, make, message):
    folder = tmp_path / "style"
    folder.mkdir()
    make(folder)
    with pytest.raises(LearnError, match=message):
        read_folder(folder)


def test_a_missing_folder_is_one_clear_error(tmp_path):
    with pytest.raises(LearnError, match="is not a folder"):
        read_folder(tmp_path / "nowhere")


def test_reading_yields_progress_and_stops_when_asked(tmp_path):
    write_pieces(tmp_path / "style", 5)
    updates = list(iter_read_folder(tmp_path / "style"))
    assert updates == [(0, 5), (1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]
    calls = []

    def stop_on_third():
        calls.append(1)
        return len(calls) >= 3

    with pytest.raises(LearnError, match="stopped"):
        list(iter_read_folder(tmp_path / "style", should_stop=stop_on_third))


def test_names_and_destinations(tmp_path, monkeypatch):
    monkeypatch.setattr(learn, "model_folders", lambda: [tmp_path / "shipped", tmp_path / "mine"])
    monkeypatch.setattr(learn, "shipped_models", lambda folder: ["folk", "bach"])
    assert destination("My Style") == tmp_path / "mine" / "My Style"
    assert destination(None, out=tmp_path / "x" / "m.json") == tmp_path / "x" / "m"
    with pytest.raises(LearnError, match="comes with Segue"):
        destination("folk")
    for bad in ("", "a/b", "../up", "x.json", ".hidden"):
        with pytest.raises(LearnError, match="cannot be a model's name"):
            destination(bad)
    assert default_name(tmp_path / "Palestrina masses!") == "Palestrina masses"
    target = tmp_path / "mine" / "m"
    assert not model_exists(target)
    target.parent.mkdir()
    (tmp_path / "mine" / "m.json").write_text("{}")
    assert model_exists(target)


def test_learnt_models_go_where_the_chooser_looks(tmp_path, monkeypatch):
    monkeypatch.setenv("SEGUE_MODELS_DIR", str(tmp_path))
    assert destination("mine") == tmp_path / "mine"


def test_a_score_gives_its_melody_part_as_import_chooses_it(tmp_path):
    from segue.engine.notation import write_notation

    folder = tmp_path / "scores"
    folder.mkdir()
    write_notation(tune(3), folder / "score.musicxml", title="Score")
    write_midi(tune(4), folder / "song.mid")
    material = read_folder(folder)
    by_id = {p.id: p.melody for p in material.train + material.held_out}
    assert sorted(by_id) == ["score.musicxml", "song.mid"]
    assert [n.pitch for n in by_id["score.musicxml"].notes] == [n.pitch for n in tune(3).notes]


def test_the_open_piece_alone_holds_out_its_last_bars():
    from segue.engine.learn import open_piece_material

    bars = 10  # 4/4 at 4 steps a quarter: 16 steps a bar, four quarter notes each
    melody = Melody([Note(60 + (i % 7), 4 * i, 4) for i in range(4 * bars)])
    material = open_piece_material(melody)
    (learnt,), (held,) = material.train, material.held_out
    assert learnt.melody.notes == melody.slice(0, 9 * 16).notes  # bars 1-9
    assert held.melody.notes == melody.slice(9 * 16, 10 * 16).notes  # bar 10, from step 0
    assert held.id == "the open piece, bars 10-10" and "held out to measure" in material.summary()
    with pytest.raises(LearnError, match="too short to learn from alone .3 bars"):
        open_piece_material(melody.slice(0, 3 * 16))
