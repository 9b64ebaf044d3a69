"""The piece with a pending variation: seed, what you hear, and what Accept keeps."""

import pytest

from engine.melody import Melody, Note
from engine.piece import accept, accepted_marker, seed_of, with_variation

PIECE = Melody([Note(60, 0, 4), Note(62, 4, 4), Note(64, 8, 6), Note(65, 14, 4), Note(67, 18, 8)])
VARIATION = Melody([Note(69, 12, 2), Note(71, 14, 2), Note(72, 16, 8)])


def test_the_seed_is_the_notes_before_the_marker_cut_at_it():
    assert seed_of(PIECE, 12).notes == (Note(60, 0, 4), Note(62, 4, 4), Note(64, 8, 4))
    assert seed_of(PIECE, 0).notes == ()
    assert seed_of(PIECE, 100) == PIECE


def test_what_you_hear_puts_the_variation_in_place_of_what_follows_the_marker():
    heard = with_variation(PIECE, 12, VARIATION)
    assert heard.notes == (Note(60, 0, 4), Note(62, 4, 4), Note(64, 8, 4)) + VARIATION.notes
    assert with_variation(PIECE, 12, None) is PIECE


@pytest.mark.parametrize("marker", [0, 3, 12, 16, 26])
@pytest.mark.parametrize("variation", [VARIATION, Melody([Note(50, 26, 4)]), Melody()])
def test_what_you_hear_is_what_accept_keeps(marker, variation):
    kept, _ = accept(PIECE, marker, variation)
    assert kept == with_variation(PIECE, marker, variation)


def test_the_marker_moves_to_the_end_of_the_phrase():
    assert accepted_marker(PIECE, 12, VARIATION, phrase_end=12 + 32) == 44  # as asked
    assert accepted_marker(PIECE, 12, VARIATION) == 28  # the next whole bar after the marker
    assert accepted_marker(PIECE, 12, Melody()) == 12  # only rests: the marker stays
    assert accept(PIECE, 12, VARIATION, 44)[1] == 44
