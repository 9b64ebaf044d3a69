"""The one set of limits for a piece: each check passes at its edge and refuses one past it."""

import pytest

from segue.engine import limits
from segue.engine.melody import Melody, Note


def test_the_session_limit_is_the_longest_piece():
    from segue.engine import session

    assert session.MAX_STEPS == limits.MAX_STEPS


@pytest.mark.parametrize(("meter", "ok"), [
    ((1, 1), True), ((64, 32), True), ((7, 8), True),
    ((0, 4), False), ((65, 4), False), ((9999, 1), False), ((4, 3), False), ((4, 64), False),
])
def test_meters_inside_the_range_pass_and_others_say_why(meter, ok):
    if ok:
        assert limits.check_meter(*meter) == meter
        return
    with pytest.raises(ValueError, match=rf"its meter {meter[0]}/{meter[1]} is outside what "
                                         r"Segue reads \(1-64 beats of 1/1-1/32\)"):
        limits.check_meter(*meter)


def test_every_meter_segue_reads_is_one_a_melody_holds_on_a_fine_enough_grid():
    for numerator in range(1, 65):
        for denominator in limits.METER_DENOMINATORS:
            Melody(steps_per_quarter=8, time_signature=(numerator, denominator))


def test_pitches_stop_at_the_midi_range():
    assert limits.check_pitch(0) == 0 and limits.check_pitch(127) == 127
    with pytest.raises(ValueError, match="pitch 128.*outside the MIDI range"):
        limits.check_pitch(128)
    with pytest.raises(ValueError, match="pitch -1"):
        limits.check_pitch(-1)


def test_a_piece_may_reach_the_last_step_but_not_one_past_it():
    at_the_end = Melody([Note(60, limits.MAX_STEPS - 4, 4)])
    assert limits.check_melody(at_the_end) is at_the_end
    past = Melody([Note(60, limits.MAX_STEPS - 4, 5)])
    with pytest.raises(ValueError, match=r"the piece runs to bar 62,501, past step 1,000,000"):
        limits.check_melody(past)


def test_too_many_notes_are_refused():
    assert limits.check_note_count(limits.MAX_NOTES) == limits.MAX_NOTES
    with pytest.raises(ValueError, match="has 100,001 notes, more than the 100,000"):
        limits.check_note_count(limits.MAX_NOTES + 1, "the piece")


def test_pending_variations_stop_at_the_controls_cap():
    from segue.engine.ml.options import VARIATIONS

    assert VARIATIONS.high == limits.MAX_PENDING_VARIATIONS
    assert limits.check_variations(8) == 8
    with pytest.raises(ValueError, match="1,000,000 pending variations, more than the 8"):
        limits.check_variations(1_000_000)


def test_sizes_are_said_as_a_person_says_them():
    assert limits.size_words(20 * 1024 * 1024) == "20 MB"
    assert limits.size_words(256 * 1024) == "256 KB"
    assert limits.check_size(10, 10) == 10
    with pytest.raises(ValueError, match="it is over 10 bytes, too large for ABC text"):
        limits.check_size(11, 10, "ABC text")


def test_the_clipboard_has_the_same_cap_as_a_file():
    assert limits.MAX_CLIPBOARD_CHARS == limits.MAX_NOTATION_BYTES
