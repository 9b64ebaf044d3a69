"""Chords heard in an accompaniment's notes (engine.chord_recognition)."""

import pytest

from segue.engine.chord_recognition import chords_of_beats, recognize, root_name
from segue.engine.chords import Chord


def held(*pitches, weight=1.0):
    return [(p, weight) for p in pitches]


@pytest.mark.parametrize("pitches, symbol", [
    ((60, 64, 67), "C"),
    ((64, 67, 72), "C"),  # an inversion is still C
    ((57, 60, 64), "Am"),
    ((55, 59, 62, 65), "G7"),
    ((57, 60, 64, 67), "Am7"),  # the bass says A: not C6
    ((48, 57, 64, 67), "C6"),  # the bass says C
    ((60, 64, 67, 71), "Cmaj7"),
    ((59, 62, 65), "Bdim"),
    ((59, 62, 65, 68), "Bdim7"),
    ((59, 62, 65, 69), "Bm7b5"),
    ((60, 64, 68), "Caug"),
    ((60, 65, 67), "Csus4"),
    ((62, 65, 69), "Dm"),
])
def test_a_beat_is_the_simplest_chord_that_explains_it(pitches, symbol):
    assert recognize(held(*pitches)) == symbol


def test_a_passing_note_does_not_change_the_chord():
    assert recognize(held(60, 64, 67) + [(62, 0.2)]) == "C"


def test_nothing_sounding_is_no_chord():
    assert recognize([]) is None
    assert recognize([(60, 0.0)]) is None


def test_roots_are_spelled_in_the_key():
    bb_major = held(58, 62, 65)
    assert recognize(bb_major) == "Bb"
    assert recognize(bb_major, key="B major") == "A#"
    assert recognize(held(63, 67, 70), key="C minor") == "Eb"
    assert root_name(5, "F# major") == "F"  # never E#
    assert root_name(11, "Gb major") == "B"  # never Cb


def test_block_chords_become_one_chord_each():
    G, C, D7 = held(55, 59, 62), held(55, 60, 64), held(54, 57, 60, 62)
    beats = [G] * 4 + [C] * 4 + [D7] * 4 + [G] * 4
    assert chords_of_beats(beats, 4, 4) == (
        Chord(0, 16, "G"), Chord(16, 16, "C"), Chord(32, 16, "D7"), Chord(48, 16, "G"),
    )


def test_a_boom_chick_bass_stays_with_the_chord_its_off_beats_play():
    # bass on 1 and 3 (root, then fifth), the chord on 2 and 4 without its root
    g_bass, d_bass, g_chick = held(43), held(50), held(59, 62, 67)
    d_root, a_bass, d7_chick = held(50), held(45), held(54, 57, 60)
    beats = [g_bass, g_chick, d_bass, g_chick, d_root, d7_chick, a_bass, d7_chick]
    assert [(c.start, c.symbol) for c in chords_of_beats(beats, 4, 4)] == [(0, "G"), (16, "D7")]


def test_a_separate_bass_on_a_chord_tone_makes_a_slash_chord():
    c_over_e = [held(40), held(55, 60, 64)] * 2
    assert chords_of_beats(c_over_e, 4, 4) == (Chord(0, 16, "C/E"),)
    close_inversion = [held(64, 67, 72)] * 4  # E lowest, but in a close voicing: no bass voice
    assert chords_of_beats(close_inversion, 4, 4) == (Chord(0, 16, "C"),)


def test_silent_beats_continue_and_before_the_first_note_there_is_no_chord():
    C, F = held(48, 55, 64), held(53, 57, 60)
    beats = [[], [], C, [], [], [], F, F, [], []]
    assert chords_of_beats(beats, 4, 4) == (
        Chord(0, 8, "N.C."), Chord(8, 16, "C"), Chord(24, 16, "F"),
    )


def test_the_last_chord_lasts_to_the_end_given_and_nothing_sounding_is_no_chords():
    assert chords_of_beats([held(60, 64, 67)], 4, 4, end=16) == (Chord(0, 16, "C"),)
    assert chords_of_beats([[], []], 4, 4) == ()
    with pytest.raises(ValueError):
        chords_of_beats([held(60)], 0, 4)


def test_chords_change_on_the_beat_where_the_harmony_does():
    G, D = held(55, 59, 62), held(54, 57, 62)
    beats = [G, G, D, D]  # a change half way through the bar
    assert [(c.start, c.symbol) for c in chords_of_beats(beats, 4, 4)] == [(0, "G"), (8, "D")]
