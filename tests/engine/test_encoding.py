"""Melody <-> token round trips, range edges and metrical positions."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.encoding import HOLD, REST, EventEncoding, bar_positions, fit_to_range
from engine.melody import Melody, Note

ENC = EventEncoding(48, 84)


def test_vocabulary_layout():
    assert ENC.num_tokens == 2 + 37
    assert ENC.pitch_to_token(48) == 2 and ENC.pitch_to_token(84) == 38
    assert ENC.token_to_pitch(2) == 48


@pytest.mark.parametrize("pitch", [47, 85])
def test_pitch_one_outside_the_range_raises(pitch):
    with pytest.raises(ValueError, match="outside the encoding range"):
        ENC.pitch_to_token(pitch)
    with pytest.raises(ValueError, match="outside the encoding range"):
        ENC.encode(Melody([Note(pitch, 0, 1)]))


@pytest.mark.parametrize("token", [0, 1, 39])
def test_non_pitch_tokens_have_no_pitch(token):
    with pytest.raises(ValueError):
        ENC.token_to_pitch(token)


def test_encode_known_melody():
    m = Melody([Note(60, 2, 2), Note(60, 4, 1), Note(62, 7, 1)])
    assert ENC.encode(m) == [14, HOLD, 14, REST, REST, 16]
    assert ENC.encode(m, origin=0, end=9) == [REST, REST, 14, HOLD, 14, REST, REST, 16, REST]
    with pytest.raises(ValueError, match="before the encoding origin"):
        ENC.encode(m, origin=3)


def test_decode_treats_leading_hold_as_rest():
    assert ENC.decode([HOLD, 14, HOLD]).notes == (Note(60, 1, 2),)


@st.composite
def melodies(draw):
    notes, step = [], draw(st.integers(0, 8))
    for _ in range(draw(st.integers(0, 30))):
        length = draw(st.integers(1, 8))
        notes.append(Note(draw(st.integers(48, 84)), step, length))
        step += length + draw(st.integers(0, 4))
    return Melody(notes)


@given(melodies())
def test_round_trip(m):
    tokens = ENC.encode(m)
    assert len(tokens) == m.end - m.start
    assert ENC.decode(tokens, origin=m.start) == m


def test_bar_positions_use_absolute_steps():
    assert bar_positions(14, 4, 16) == [14, 15, 0, 1]
    assert bar_positions(0, 13, 12)[-1] == 0
    with pytest.raises(ValueError):
        bar_positions(0, 1, 0)


def test_fit_to_range_moves_by_octaves():
    high = Melody([Note(96, 0, 1), Note(100, 1, 1)])
    fitted, shift = fit_to_range(high, ENC)
    assert shift == -24 and ENC.fits(fitted)
    with pytest.raises(ValueError, match="spans"):
        fit_to_range(Melody([Note(30, 0, 1), Note(90, 1, 1)]), ENC)


def test_json_round_trip_and_validation():
    assert EventEncoding.from_json(ENC.to_json()) == ENC
    with pytest.raises(ValueError):
        EventEncoding.from_json({"min_pitch": 1})
    with pytest.raises(ValueError):
        EventEncoding(80, 60)
