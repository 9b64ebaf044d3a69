"""Melody <-> token round trips, range edges and metrical positions."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segue.engine import keys
from segue.engine.encoding import (
    CONTEXT_BARS,
    HELD_BARS,
    HOLD,
    REST,
    EventEncoding,
    bar_positions,
    fit_to_key,
    fit_to_range,
    recent_context,
)
from segue.engine.melody import Melody, Note

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


PHRASE = Melody([Note(p, 2 * i, 2) for i, p in enumerate([60, 64, 67, 72, 71, 67, 65, 64, 62, 60])])
C_MAJOR = Melody([Note(p, 2 * i, 2) for i, p in enumerate([60, 62, 64, 65, 67, 69, 71, 72])])


def test_recent_context_of_a_short_seed_is_the_seed_itself():
    context, end = recent_context(PHRASE, PHRASE.end)
    assert (context, end) == (PHRASE, PHRASE.end)
    context, end = recent_context(PHRASE, 9)  # cut inside a note: it ends where the seed ends
    assert end == 9 and context.notes == PHRASE.slice(0, 9).notes


@pytest.mark.parametrize("bars_later", [1, 7, 62_500, 10**9])
def test_recent_context_does_not_depend_on_where_the_seed_sits(bars_later):
    far = PHRASE.shift(16 * bars_later + 3)  # 3 steps into a bar
    context, end = recent_context(far, far.end)
    assert context.notes == PHRASE.shift(3).notes and end == PHRASE.end + 3
    assert end % 16 == far.end % 16  # the same step of the bar


def test_a_long_held_note_or_rest_is_heard_as_a_few_bars_on_the_same_beat():
    ten_hours = 10 * 3600 * 8  # steps at 120 bpm, 4 steps per quarter
    held = Melody([Note(60, 0, 4), Note(62, 4, ten_hours + 5)])
    context, end = recent_context(held, held.end)
    assert [n.pitch for n in context.notes] == [60, 62]
    assert HELD_BARS * 16 <= context.notes[1].length < (HELD_BARS + 1) * 16
    assert context.notes[1].length % 16 == (ten_hours + 5) % 16 and end == context.notes[1].end
    gap = Melody([Note(60, 0, 4)])  # continued ten hours later
    context, end = recent_context(gap, ten_hours + 6)
    assert context.notes == gap.notes and HELD_BARS * 16 <= end - 4 < (HELD_BARS + 1) * 16
    assert end % 16 == (ten_hours + 6) % 16


def test_recent_context_keeps_the_last_bars_only():
    long = Melody([Note(60 + i % 12, 4 * i, 4) for i in range(4 * 500)])  # 500 bars of 4/4
    context, end = recent_context(long, long.end)
    assert len(context.notes) == 4 * CONTEXT_BARS and end == 16 * CONTEXT_BARS
    assert [n.pitch for n in context.notes] == [n.pitch for n in long.notes[-4 * CONTEXT_BARS:]]


def test_fit_to_key_moves_a_seed_into_a_distant_key_by_at_most_a_tritone():
    for key in keys.ALL_KEYS:
        moved, shift = fit_to_key(C_MAJOR, key)
        assert -6 <= shift <= 6 and moved == C_MAJOR.transpose(shift)
        assert all(n.pitch % 12 in keys.scale_pitch_classes(key) for n in moved.notes), key
    assert fit_to_key(C_MAJOR, "F# major")[1] in (6, -6)
    assert fit_to_key(C_MAJOR, "Db major")[1] == 1 and fit_to_key(C_MAJOR, "Eb minor")[1] in (6, -6)


def test_fit_to_key_leaves_a_seed_already_in_the_scale_alone():
    assert fit_to_key(C_MAJOR, "A minor") == (C_MAJOR, 0)
    assert fit_to_key(C_MAJOR, "C major") == (C_MAJOR, 0)
    # D major without its G and C#: its own key moved onto A major, not left in D
    few = Melody([Note(p, 2 * i, 2) for i, p in enumerate([62, 64, 66, 69, 71])])
    assert fit_to_key(few, "A major")[1] == -5
    assert fit_to_key(few, "B minor")[1] == 0


def test_fit_to_key_sends_a_tritone_towards_the_centre_and_stays_in_midi():
    assert fit_to_key(C_MAJOR, "F# major", centre=40)[1] == -6
    assert fit_to_key(C_MAJOR, "F# major", centre=90)[1] == 6
    top = Melody([Note(120, 0, 2), Note(124, 2, 2), Note(125, 4, 2)])  # C, E, F near the top
    assert fit_to_key(top, "F# major", centre=127)[1] < 0
