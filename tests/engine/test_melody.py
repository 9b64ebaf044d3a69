"""The melody data type: validation, the monophony rule and musicians' operations."""

import pytest

from segue.engine.melody import (
    DEFAULT_STEPS_PER_QUARTER,
    DEFAULT_TEMPO,
    Melody,
    Note,
    check_steps_per_quarter,
    monophonic,
    steps_per_bar,
    steps_per_beat,
)


def melody(*triples, **fields):
    return Melody([Note(p, s, n) for p, s, n in triples], **fields)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(pitch=-1, start=0, length=1), "pitch -1"),
        (dict(pitch=128, start=0, length=1), "pitch 128"),
        (dict(pitch=60, start=-1, length=1), "start -1"),
        (dict(pitch=60, start=0, length=0), "length 0"),
        (dict(pitch=60, start=0, length=1, velocity=0), "velocity 0"),
        (dict(pitch=60, start=0, length=1, velocity=128), "velocity 128"),
        (dict(pitch=60.5, start=0, length=1), "pitch must be an integer"),
        (dict(pitch=True, start=0, length=1), "pitch must be an integer"),
    ],
)
def test_note_refuses_impossible_values(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Note(**kwargs)


def test_note_edges_are_accepted():
    assert Note(0, 0, 1, 1).end == 1
    assert Note(127, 5, 3, 127).end == 8


@pytest.mark.parametrize(
    "fields, message",
    [
        (dict(steps_per_quarter=0), "steps per quarter 0"),
        (dict(time_signature=(0, 4)), "numerator 0"),
        (dict(time_signature=(4, 3)), "denominator 3"),
        (dict(time_signature=(7, 32)), "whole number of steps"),
        (dict(tempo=5), "tempo 5"),
        (dict(tempo=401), "tempo 401"),
        (dict(key="H major"), "not a note name"),
        (dict(key="C dorian"), "mode"),
    ],
)
def test_melody_refuses_impossible_fields(fields, message):
    with pytest.raises(ValueError, match=message):
        Melody([], **fields)


def test_melody_is_sorted_and_immutable():
    m = melody((64, 8, 2), (60, 0, 4))
    assert [n.start for n in m.notes] == [0, 8]
    with pytest.raises(AttributeError):
        m.tempo = 90


def test_overlapping_earlier_note_is_cut_where_the_later_starts():
    m = melody((60, 0, 8), (62, 4, 2))
    assert m.notes == (Note(60, 0, 4), Note(62, 4, 2))


def test_same_start_last_given_wins():
    m = melody((60, 0, 4), (67, 0, 2))
    assert m.notes == (Note(67, 0, 2),)


def test_add_follows_the_same_rule():
    m = melody((60, 0, 4), (62, 4, 4))
    added = m.add(Note(65, 2, 8))
    assert added.notes == (Note(60, 0, 2), Note(65, 2, 2), Note(62, 4, 4))
    assert m.add(Note(70, 4, 1)).notes == (Note(60, 0, 4), Note(70, 4, 1))


def test_monophonic_output_never_overlaps():
    notes = [Note(60 + i % 5, (i * 7) % 23, 1 + i % 9) for i in range(60)]
    result = monophonic(notes)
    for a, b in zip(result, result[1:]):
        assert a.start < b.start and a.end <= b.start


def test_steps_per_bar_follows_time_signature():
    assert steps_per_bar((4, 4), 4) == 16
    assert steps_per_bar((3, 4), 4) == 12
    assert steps_per_bar((6, 8), 4) == 12
    assert steps_per_bar((7, 8), 4) == 14
    assert melody(time_signature=(2, 2)).steps_per_beat == 8



@pytest.mark.parametrize(
    "time_signature, spq, step, start, end, index",
    [
        ((4, 4), 4, 0, 0, 0, 0),  # on a bar line: the bar starts and ends there
        ((4, 4), 4, 1, 0, 16, 0),
        ((4, 4), 4, 15, 0, 16, 0),
        ((4, 4), 4, 16, 16, 16, 1),
        ((4, 4), 4, 17, 16, 32, 1),
        ((3, 4), 4, 13, 12, 24, 1),
        ((6, 8), 4, 11, 0, 12, 0),
        ((6, 8), 4, 12, 12, 12, 1),
        ((7, 8), 2, 8, 7, 14, 1),  # odd bars: multiples of 7 steps
    ],
)
def test_bar_start_end_and_index_round_to_the_bar_lines(time_signature, spq, step, start, end, index):
    melody = Melody(steps_per_quarter=spq, time_signature=time_signature)
    assert melody.bar_start(step) == start
    assert melody.bar_end(step) == end
    assert melody.bar_index(step) == index


def test_the_defaults_are_the_named_constants():
    melody = Melody()
    assert (melody.steps_per_quarter, melody.tempo) == (DEFAULT_STEPS_PER_QUARTER, DEFAULT_TEMPO)


@pytest.mark.parametrize("value", [0, 97, 4.0, True, None])
def test_steps_per_quarter_outside_1_to_96_is_refused(value):
    with pytest.raises(ValueError, match="steps per quarter"):
        check_steps_per_quarter(value)
    with pytest.raises(ValueError, match="steps per quarter"):
        Melody(steps_per_quarter=value)


def test_steps_per_quarter_edges_are_accepted():
    assert check_steps_per_quarter(1) == 1
    assert check_steps_per_quarter(96) == 96


def test_compound_meters_beat_in_dotted_quarters():
    # A musician counts 6/8 in two: the click, the count-in and the model share this beat.
    assert melody(time_signature=(6, 8)).steps_per_beat == 6
    assert steps_per_beat((9, 8), 4) == 6 and steps_per_beat((12, 8), 2) == 3
    assert steps_per_beat((3, 8), 4) == 2 and steps_per_beat((7, 8), 4) == 2
    assert steps_per_beat((3, 4), 4) == 4


def test_resolved_key_is_the_one_rule_for_auto():
    seed = melody((60, 0, 4), (64, 4, 4), (67, 8, 4))
    assert seed.resolved_key(None) is None
    assert seed.resolved_key("auto") == seed.detect_key()
    assert seed.replace(key="G major").resolved_key("AUTO") == "G major"
    assert seed.resolved_key("f# minor") == "F# minor"
    assert melody().resolved_key("auto") is None
    with pytest.raises(ValueError):
        seed.resolved_key(5)


def test_transpose_and_its_range_edges():
    m = melody((0, 0, 1), (120, 1, 1))
    assert m.transpose(7).pitch_range() == (7, 127)
    with pytest.raises(ValueError, match="outside the MIDI range"):
        m.transpose(8)
    with pytest.raises(ValueError, match="outside the MIDI range"):
        m.transpose(-1)


def test_shift_refuses_negative_start():
    m = melody((60, 2, 1))
    assert m.shift(-2).notes[0].start == 0
    with pytest.raises(ValueError, match="before step 0"):
        m.shift(-3)


def test_quantize_snaps_starts_and_ends():
    m = melody((60, 1, 2), (62, 5, 1), (64, 13, 1))
    q = m.quantize(4)
    assert [(n.start, n.length) for n in q.notes] == [(0, 4), (4, 4), (12, 4)]
    with pytest.raises(ValueError):
        m.quantize(0)


def test_slice_rebases_and_cuts():
    m = melody((60, 0, 4), (62, 4, 8), (64, 16, 4))
    s = m.slice(4, 8)
    assert s.notes == (Note(62, 0, 4),)
    with pytest.raises(ValueError):
        m.slice(5, 4)


def test_concatenate_places_other_after_the_end():
    a, b = melody((60, 0, 4)), melody((62, 0, 2), (64, 2, 2))
    joined = a.concatenate(b)
    assert [(n.pitch, n.start) for n in joined.notes] == [(60, 0), (62, 4), (64, 6)]
    assert a.concatenate(b, at=8).notes[1].start == 8
    with pytest.raises(ValueError, match="steps per quarter"):
        a.concatenate(melody((60, 0, 1), steps_per_quarter=8))


def test_with_velocity_all_or_some():
    m = melody((60, 0, 1), (62, 1, 1))
    assert {n.velocity for n in m.with_velocity(30).notes} == {30}
    some = m.with_velocity(30, [m.notes[1]])
    assert [n.velocity for n in some.notes] == [100, 30]


def test_detect_key_major_and_minor():
    c_major = melody(*[(p, i * 4, 4) for i, p in enumerate([60, 62, 64, 65, 67, 69, 71, 72, 67, 64, 60])])
    assert c_major.detect_key() == "C major"
    a_minor = melody(*[(p, i * 4, 4) for i, p in enumerate([69, 71, 72, 74, 76, 72, 69, 64, 68, 69, 69])])
    assert a_minor.detect_key() == "A minor"
    assert Melody().detect_key() is None


def test_equality_replace_and_key_normalised():
    m = melody((60, 0, 1), key="f# MINOR")
    assert m.key == "F# minor"
    assert m.replace(tempo=90).tempo == 90
    assert m.replace(tempo=120.0) == m
    with pytest.raises(ValueError, match="unknown"):
        m.replace(colour="red")
    with pytest.raises(ValueError, match="not in the melody"):
        m.remove([Note(61, 0, 1)])
