"""The document: one Piece value, an undo stack of Piece snapshots, and signals."""

import pytest

from segue.engine.chords import Chord
from segue.engine.melody import Melody, Note
from segue.engine.piece import Piece
from segue.gui.document import MERGE_TEMPO, Document

SEED = Melody([Note(60, 0, 4), Note(62, 4, 4), Note(64, 8, 8)])
FIRST = Melody([Note(67, 16, 4)])
SECOND = Melody([Note(69, 16, 8)])


def recorder(document):
    seen = []
    document.melody_changed.connect(lambda: seen.append("melody"))
    document.marker_changed.connect(lambda step: seen.append(("marker", step)))
    document.variations_changed.connect(lambda: seen.append("variations"))
    document.loop_changed.connect(lambda region, on: seen.append(("loop", region, on)))
    document.history_message.connect(lambda text: seen.append(text))
    return seen


def test_an_edit_is_one_undo_step_and_undo_says_what_it_undid(qtbot):
    document = Document(SEED, 16)
    seen = recorder(document)
    assert document.set_melody(SEED.transpose(2), "Transpose")
    assert not document.set_melody(SEED.transpose(2), "Transpose")  # nothing changes: no step
    assert document.undo_stack.count() == 1 and seen == ["melody"]
    document.undo_stack.undo()
    assert document.melody == SEED and seen[-2:] == ["melody", "Undo: Transpose"]
    document.undo_stack.redo()
    assert document.melody == SEED.transpose(2) and seen[-1] == "Redo: Transpose"
    assert document.set_marker(8) and seen[-1] == ("marker", 8)


def test_a_stream_of_small_edits_with_one_merge_id_is_one_step(qtbot):
    document = Document(SEED, 16)
    for tempo in (121, 122, 123):
        document.set_melody(document.melody.replace(tempo=tempo), "Tempo", MERGE_TEMPO)
    assert document.undo_stack.count() == 1 and document.piece.tempo == 123
    document.undo_stack.undo()
    assert document.piece.tempo == 120


def test_pending_variations_are_no_undo_steps_but_an_unsaved_change(qtbot):
    document = Document(SEED, 16)
    document.set_melody(SEED.transpose(1), "Transpose")
    document.mark_saved()
    document.set_variations([FIRST, SECOND], 1, phrase_end=32)
    assert document.undo_stack.count() == 1 and document.is_modified()
    assert document.piece.current == 1 and document.piece.phrase_end == 32
    document.undo_stack.undo()  # undoing an edit keeps the proposals beside the piece
    assert document.melody == SEED and document.variations == [FIRST, SECOND]
    document.select_variation(2)
    assert document.current_index == 0 and document.undo_stack.count() == 1


def test_accept_is_one_step_and_its_undo_brings_back_what_it_chose_from(qtbot):
    document = Document(SEED, 16)
    document.set_variations([FIRST, SECOND], 1, phrase_end=32)
    assert document.accept_variation()
    assert document.melody == SEED.add(*SECOND.notes) and document.marker == 32
    assert document.variations == [] and document.undo_stack.undoText() == "Accept Variation"
    newer = [Melody([Note(72, 32, 4)])]
    document.set_variations(newer)  # continuations of the accepted phrase
    document.undo_stack.undo()
    assert (document.melody, document.marker) == (SEED, 16)
    assert document.variations == [FIRST, SECOND] and document.current_index == 1
    assert document.piece.phrase_end == 32  # "wrong one, undo, take the other" ends there too
    document.undo_stack.redo()
    assert document.variations == newer and document.marker == 32


def test_accept_without_a_variation_does_nothing_and_a_fill_is_accepted_in_place(qtbot):
    document = Document(SEED, 16)
    assert not document.accept_variation()
    document.set_variations([Melody([Note(70, 4, 4)])], fill_range=(4, 8))
    assert document.accept_variation() and document.undo_stack.undoText() == "Accept Fill"
    assert document.marker == 16 and Note(70, 4, 4) in document.melody.notes


def test_an_import_clears_the_variations_and_undo_brings_them_back(qtbot):
    document = Document(SEED, 16)
    document.set_variations([FIRST])
    other = Melody([Note(50, 0, 16)])
    assert document.replace_piece(Piece.of(other), "Import tune.mid")
    assert (document.melody, document.marker, document.variations) == (other, 16, [])
    document.undo_stack.undo()
    assert document.melody == SEED and document.variations == [FIRST]


def test_the_loop_is_the_pieces_but_neither_an_undo_step_nor_an_unsaved_change(qtbot):
    document = Document(SEED, 16)
    seen = recorder(document)
    document.set_loop((0, 8), True)
    assert document.piece.loop_region == (0, 8) and document.loop_on
    assert seen == [("loop", (0, 8), True)]
    assert document.undo_stack.count() == 0 and not document.is_modified()
    document.set_loop(None)  # the region alone: "on" stays
    assert document.piece.loop_region is None and document.piece.loop_on
    document.set_loop((4, 12), False)
    document.set_melody(SEED.transpose(1), "Transpose")
    document.undo_stack.undo()
    assert document.loop_region == (4, 12)  # undo restores the notes, not the loop


def test_load_starts_afresh_with_a_whole_piece(qtbot):
    document = Document(SEED, 16)
    document.set_melody(SEED.transpose(1), "Transpose")
    seen = recorder(document)
    piece = Piece(SEED, 8, variations=(FIRST,), loop_region=(0, 16), loop_on=True)
    document.load(piece)
    assert document.piece == piece and document.undo_stack.count() == 0
    assert not document.is_modified()
    assert "variations" in seen and ("loop", (0, 16), True) in seen
    document.load(SEED)  # a melody: a piece continuing from its end
    assert document.piece == Piece.of(SEED)


def test_asking_the_document_is_asking_its_piece(qtbot):
    document = Document(SEED, 12)
    document.set_variations([FIRST])
    piece = document.piece
    assert document.seed() == piece.seed() and document.heard() == piece.heard()
    assert document.current_variation() == FIRST and document.fill_range is None


def test_an_import_on_another_grid_replaces_a_piece_with_pending_variations(qtbot):
    document = Document(SEED, 16)
    document.set_variations([FIRST])
    finer = Melody([Note(60, 0, 8)], steps_per_quarter=8)
    assert document.replace_piece(Piece.of(finer), "Import fine.mid")
    assert document.melody == finer and document.variations == []
    document.undo_stack.undo()
    assert document.melody == SEED and document.variations == [FIRST]


def test_the_key_lock_is_set_on_the_piece_beside_the_undo_history(qtbot):
    document = Document(SEED, 16)
    locks = []
    document.key_lock_changed.connect(locks.append)
    document.set_key_lock("a minor")
    assert document.piece.key_lock == "A minor" and locks == ["A minor"]
    assert document.undo_stack.count() == 0  # a setting, like the panel's others
    document.set_melody(SEED.transpose(2), "Transpose")
    document.undo_stack.undo()
    assert document.piece.key_lock == "A minor"  # undoing an edit leaves the setting
    document.load(Piece(Melody([Note(70, 0, 4)]), 4))  # a new piece keeps the window's lock
    assert document.piece.key_lock == "A minor" and locks == ["A minor"]


def test_setting_the_chords_is_one_undo_step_with_a_signal(qtbot):
    document = Document(SEED, 16)  # the piece ends at step 16
    seen = recorder(document)
    document.chords_changed.connect(lambda: seen.append("chords"))
    track = [Chord(0, 8, "C"), Chord(8, 8, "G7"), Chord(16, 8, "F")]
    assert document.set_chords(track, "Edit Chords")
    assert document.piece.chords == tuple(track)  # chords may run ahead of the melody
    assert not document.set_chords(track)  # nothing changes: no step
    assert document.undo_stack.count() == 1 and seen == ["chords"]
    assert document.is_modified()
    document.undo_stack.undo()
    assert document.piece.chords == () and seen[-2:] == ["chords", "Undo: Edit Chords"]
    document.undo_stack.redo()
    assert len(document.piece.chords) == 3 and seen[-2:] == ["chords", "Redo: Edit Chords"]
    with pytest.raises(ValueError, match="starts before chord 1"):
        document.set_chords([Chord(0, 8, "C"), Chord(4, 8, "G")])
    assert document.undo_stack.count() == 1  # a refused track pushes nothing


def test_chords_travel_with_every_undo_step_and_a_load(qtbot):
    document = Document(SEED, 16)
    document.set_chords([Chord(0, 16, "Am")])
    document.set_melody(SEED.transpose(2), "Transpose")
    document.set_chords([])
    document.undo_stack.undo()
    assert document.piece.chords == (Chord(0, 16, "Am"),) and document.melody == SEED.transpose(2)
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert document.piece.chords == () and document.melody == SEED
    changes = []
    document.chords_changed.connect(lambda: changes.append(document.piece.chords))
    document.load(Piece(SEED, 16, chords=(Chord(0, 4, "D"),)))
    assert changes == [(Chord(0, 4, "D"),)] and document.undo_stack.count() == 0


def test_the_triplet_grid_is_one_undo_step_for_the_whole_piece(qtbot):
    document = Document(SEED, 16)
    document.set_chords([Chord(0, 16, "C")])
    document.set_loop((0, 16), True)
    document.set_variations([FIRST, SECOND], 1, phrase_end=32)
    before = document.piece
    assert document.set_steps_per_quarter(12)
    assert not document.set_steps_per_quarter(12)  # on it already: no empty step
    piece = document.piece
    assert piece == before.regridded(12)
    assert (piece.marker, piece.loop_region, piece.phrase_end, piece.current) == (48, (0, 48), 96, 1)
    assert piece.chords == (Chord(0, 48, "C"),)
    assert document.undo_stack.undoText() == "Use a Triplet Grid"
    document.undo_stack.undo()
    assert document.piece == before  # exactly: nothing moved in time
    document.undo_stack.redo()
    assert document.piece == piece


def test_undoing_the_triplet_grid_moves_variations_made_since_onto_the_straight_grid(qtbot):
    document = Document(SEED, 16)
    document.set_steps_per_quarter(12)
    triplet = Melody([Note(67, 48, 4), Note(69, 52, 4), Note(71, 56, 4)], steps_per_quarter=12)
    document.set_variations([triplet], phrase_end=96)
    document.undo_stack.undo()
    assert document.melody == SEED and document.marker == 16
    # Still pending, on the piece's grid again (1/8T snapped to sixteenths): never left behind.
    (variation,) = document.variations
    assert variation.steps_per_quarter == 4 and document.piece.phrase_end == 32
    assert [(n.start, n.length) for n in variation.notes] == [(16, 1), (17, 2), (19, 1)]


def test_variations_written_before_the_grid_changed_join_the_piece_on_its_grid(qtbot):
    # Continue ran on the straight piece; a triplet snap was picked before it finished.
    document = Document(SEED, 16)
    document.set_steps_per_quarter(12)
    document.set_variations([FIRST, SECOND], 1, phrase_end=32, chords=[(Chord(16, 4, "G"),)] * 2)
    piece = document.piece
    assert [v.notes for v in piece.variations] == [(Note(67, 48, 12),), (Note(69, 48, 24),)]
    assert (piece.current, piece.phrase_end) == (1, 96)
    assert piece.variation_chords == ((Chord(48, 12, "G"),),) * 2
    assert document.melody.steps_per_quarter == 12 and document.marker == 48
