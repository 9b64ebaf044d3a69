"""No note is lost unannounced: the piece names the notes Accept replaces, the notes after the
marker a continuation would write over, and moves its marker past them on request; flipping
previews the current variation's first bar."""

import pytest

from segue.engine.melody import Melody, Note
from segue.engine.piece import Piece, replaced_notes

# The demo seed's shape: two bars, then two notes drawn in bar 3 (steps 32-47).
SEED = Melody([Note(62, 0, 16), Note(66, 16, 16)])
DRAWN = (Note(69, 32, 4), Note(71, 36, 4))
MELODY = SEED.add(*DRAWN)
CONTINUATION = Melody([Note(50, 32, 8), Note(52, 40, 8), Note(54, 48, 16)])


def test_the_notes_after_the_marker_are_named_and_accept_says_it_replaces_them():
    piece = Piece(MELODY, 32)
    assert piece.notes_after_marker() == DRAWN
    assert piece.replaced_by_accept() == ()  # nothing pending, nothing replaced
    pending = piece.with_variations([CONTINUATION], phrase_end=64)
    assert pending.replaced_by_accept() == DRAWN
    assert not set(DRAWN) & set(pending.accepted().melody.notes)  # what it said it replaced


def test_continuing_after_the_notes_keeps_them_in_the_seed():
    moved = Piece(MELODY, 32).continuing_after_notes()
    assert moved.marker == 40 and moved.notes_after_marker() == ()
    assert moved.seed() == MELODY
    accepted = moved.with_variations([Melody([Note(50, 40, 8)])], phrase_end=72).accepted()
    assert set(DRAWN) <= set(accepted.melody.notes)
    assert Piece(MELODY, 60).continuing_after_notes().marker == 60  # never back


@pytest.mark.parametrize("marker", [0, 8, 16, 20, 32, 34, 40, 64])
@pytest.mark.parametrize("fill_range", [None, (16, 32), (20, 36), (32, 36), (34, 64)])
def test_the_replaced_notes_are_exactly_those_accept_does_not_keep_whole(marker, fill_range):
    # Pitches the piece lacks; a continuation starts at the marker, a fill anywhere.
    first = 0 if fill_range is not None else marker
    variation = Melody([Note(90, s, 2) for s in range(first, 80, 6)])
    piece = Piece(MELODY, marker).with_variations([variation], fill_range=fill_range)
    kept = set(piece.accepted().melody.notes)
    assert set(piece.replaced_by_accept()) == {n for n in MELODY.notes if n not in kept}
    assert replaced_notes(MELODY, marker, fill_range) == piece.replaced_by_accept()


def test_a_fill_replaces_the_notes_in_its_range_only():
    # A loop stored as steps 32-66 took bar 5's downbeat note; one of 32-64 leaves it whole.
    downbeat = Note(60, 64, 4)
    melody = MELODY.add(downbeat)
    assert downbeat in replaced_notes(melody, 80, (32, 66))
    assert downbeat not in replaced_notes(melody, 80, (32, 64))


def test_the_variation_opening_is_its_first_bar_on_the_pieces_tempo():
    piece = Piece(MELODY.replace(tempo=90), 32).with_variations([CONTINUATION])
    opening = piece.variation_opening()
    assert opening.notes == (Note(50, 32, 8), Note(52, 40, 8)) and opening.tempo == 90
    fill = Piece(MELODY, 64).with_variations([Melody([Note(50, 16, 4), Note(52, 28, 8)])],
                                             fill_range=(16, 32))
    assert fill.variation_opening().notes == (Note(50, 16, 4), Note(52, 28, 4))
    assert Piece(MELODY, 32).variation_opening().notes == ()
