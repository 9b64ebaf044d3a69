"""The piece with a pending variation: seed, what you hear, and what Accept keeps."""

import pytest

from segue.engine.melody import Melody, Note
from segue.engine.piece import accept, accepted_marker, fill_range_of, seed_of, with_variation

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


FILL = Melody([Note(70, 8, 2), Note(72, 10, 4), Note(74, 14, 6)])  # the last note sounds past 16


def test_a_fill_replaces_only_its_range():
    heard = with_variation(PIECE, 4, FILL, fill_range=(6, 16))
    # 62 sounds into the range: cut at 6; 64 and 65 start inside: replaced; 67 from 18 stays.
    assert heard.notes == (Note(60, 0, 4), Note(62, 4, 2), Note(70, 8, 2), Note(72, 10, 4),
                           Note(74, 14, 2), Note(67, 18, 8))


@pytest.mark.parametrize("fill_range", [(0, 8), (6, 16), (8, 26), (20, 40)])
@pytest.mark.parametrize("variation", [FILL, Melody()])
def test_what_you_hear_of_a_fill_is_what_accept_keeps_and_the_marker_stays(fill_range, variation):
    kept, marker = accept(PIECE, 12, variation, phrase_end=44, fill_range=fill_range)
    assert kept == with_variation(PIECE, 12, variation, fill_range)
    assert marker == 12
    start, end = fill_range
    assert [n for n in kept.notes if n.start >= end] == [n for n in PIECE.notes if n.start >= end]


def test_the_fill_range_is_the_selection_in_whole_bars_else_the_loop():
    assert fill_range_of(PIECE, [Note(62, 20, 4), Note(64, 36, 8)], (0, 64)) == (16, 48)
    assert fill_range_of(PIECE, [Note(62, 16, 16)], None) == (16, 32)
    assert fill_range_of(PIECE, [], (8, 24)) == (8, 24)
    assert fill_range_of(PIECE, [], None) is None
