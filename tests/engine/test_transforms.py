"""Melodic transforms: each on the selection or the whole melody, with its edges decided."""

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segue.engine import keys, transforms
from segue.engine.melody import Melody, Note

C4, D4, E4, F4, G4 = 60, 62, 64, 65, 67
A = Note(C4, 0, 4, 90)
B = Note(E4, 4, 2, 100)
C = Note(G4, 8, 4, 110)
MELODY = Melody([A, B, C])
EMPTY = Melody()


def pitches(result):
    return [n.pitch for n in result.melody.notes]


def test_every_transform_leaves_an_empty_melody_empty():
    for call in (
        lambda m: transforms.transpose(m, None, 3),
        lambda m: transforms.transpose_diatonic(m, None, 2, "C major"),
        lambda m: transforms.retrograde(m),
        lambda m: transforms.invert(m, None, 60),
        lambda m: transforms.invert(m, None, 60, "C major"),
        lambda m: transforms.legato(m),
        lambda m: transforms.double_speed(m),
        lambda m: transforms.half_speed(m),
        lambda m: transforms.quantize(m, None, 4, 0.5, 0.5),
        lambda m: transforms.humanize(m, None, 1, 10, 3),
        lambda m: transforms.velocity_ramp(m, None, 20, 120),
    ):
        result = call(EMPTY)
        assert result.melody == EMPTY and result.selection == frozenset()


# --- pitch --------------------------------------------------------------------------------------


def test_transpose_moves_the_selection_or_everything_and_refuses_to_leave_the_midi_range():
    assert pitches(transforms.transpose(MELODY, None, 2)) == [62, 66, 69]
    result = transforms.transpose(MELODY, [B], -12)
    assert pitches(result) == [60, 52, 67]
    assert result.selection == {B.with_pitch(52)}
    with pytest.raises(ValueError, match="outside the MIDI range"):
        transforms.transpose(MELODY, None, 61)
    with pytest.raises(ValueError, match="semitones"):
        transforms.transpose(MELODY, None, 1.5)


def test_diatonic_transpose_moves_by_scale_steps_and_keeps_alterations():
    assert pitches(transforms.transpose_diatonic(MELODY, None, 1, "C major")) == [D4, F4, 69]
    assert pitches(transforms.transpose_diatonic(MELODY, None, -7, "C major")) == [48, 52, 55]
    # In A minor, C-E-G up a step is D-F-A.
    assert pitches(transforms.transpose_diatonic(MELODY, None, 1, "A minor")) == [D4, F4, 69]
    sharp = Melody([Note(61, 0, 2)])  # C# in C major: raised C, up a step is raised D
    assert pitches(transforms.transpose_diatonic(sharp, None, 1, "C major")) == [63]
    single = Melody([Note(C4, 3, 1)])
    assert transforms.transpose_diatonic(single, None, 0, "C major").melody == single


def test_diatonic_transpose_needs_a_key_and_stays_in_range():
    with pytest.raises(ValueError, match="needs a key"):
        transforms.transpose_diatonic(MELODY, None, 1, None)
    with pytest.raises(ValueError, match="outside the MIDI range"):
        transforms.transpose_diatonic(Melody([Note(127, 0, 1)]), None, 1, "G major")
    with pytest.raises(ValueError, match="not a note name"):
        transforms.transpose_diatonic(MELODY, None, 1, "H major")


def test_chromatic_inversion_mirrors_semitones():
    result = transforms.invert(MELODY, None, C4)
    assert pitches(result) == [60, 56, 53]
    assert transforms.invert(MELODY, [C], 64).melody.notes[-1].pitch == 61
    with pytest.raises(ValueError, match="outside the MIDI range"):
        transforms.invert(MELODY, None, 2)
    with pytest.raises(ValueError, match="inversion pitch"):
        transforms.invert(MELODY, None, 128)


def test_diatonic_inversion_mirrors_scale_steps():
    # Around E in C major: C (two steps below) goes two steps above (G); G goes to C.
    assert pitches(transforms.invert(MELODY, None, E4, "C major")) == [G4, E4, C4]
    # F# (a raised F, one step above E) mirrors to a lowered D: C#.
    assert pitches(transforms.invert(Melody([Note(66, 0, 1)]), None, E4, "C major")) == [61]
    with pytest.raises(ValueError, match="not in the scale of C major"):
        transforms.invert(MELODY, None, 61, "C major")


# --- time ---------------------------------------------------------------------------------------


def test_retrograde_mirrors_notes_and_rests_within_their_span():
    result = transforms.retrograde(MELODY)
    # Span 0-12: C (8-12) comes first, B (4-6) lands at 6-8, A (0-4) at 8-12.
    assert result.melody.notes == (C.with_start(0), B.with_start(6), A.with_start(8))
    assert transforms.retrograde(MELODY, [A]).melody == MELODY  # one note: nothing moves
    twice = transforms.retrograde(result.melody).melody
    assert twice == MELODY


def test_legato_extends_each_note_to_the_next_and_leaves_the_last():
    melody = Melody([Note(60, 0, 1), Note(62, 4, 1), Note(64, 10, 1)])
    assert [n.length for n in transforms.legato(melody).melody.notes] == [4, 6, 1]
    # Only the selection, but up to the next note of the melody even when it is not selected.
    assert [n.length for n in transforms.legato(melody, [melody.notes[1]]).melody.notes] == [1, 6, 1]


def test_double_and_half_speed_scale_from_the_first_note():
    result = transforms.half_speed(MELODY)
    assert result.melody.notes == (Note(C4, 0, 8, 90), Note(E4, 8, 4, 100), Note(G4, 16, 8, 110))
    back = transforms.double_speed(result.melody)
    assert back.melody == MELODY
    later = Melody([Note(60, 6, 3), Note(62, 10, 2)])
    # Lengths round up; the phrase keeps its start.
    assert transforms.double_speed(later).melody.notes == (Note(60, 6, 2), Note(62, 8, 1))


def test_double_speed_refuses_starts_between_grid_steps():
    odd = Melody([Note(60, 0, 1), Note(62, 1, 1)])
    with pytest.raises(ValueError, match="between the steps of this melody's grid"):
        transforms.double_speed(odd)
    with pytest.raises(ValueError, match="positive"):
        transforms.change_speed(odd, None, 0)
    assert transforms.change_speed(odd, None, Fraction(3)).melody.notes[1].start == 3


def test_half_speed_of_a_selection_draws_over_the_notes_it_reaches():
    result = transforms.half_speed(MELODY, [A, B])
    # A becomes 0-8, B 8-12: C (starting at 8) is drawn over and said to be replaced.
    assert result.melody.notes == (Note(C4, 0, 8, 90), Note(E4, 8, 4, 100))
    assert result.replaced == (C,)


def test_quantize_with_full_strength_half_strength_and_swing():
    melody = Melody([Note(60, 1, 3), Note(62, 7, 2), Note(64, 13, 3)])
    full = transforms.quantize(melody, None, 4)
    assert full.melody.notes == (Note(60, 0, 4), Note(62, 8, 4), Note(64, 12, 4))
    half = transforms.quantize(melody, None, 4, strength=0.5)
    assert [n.start for n in half.melody.notes] == [1, 8, 13]  # 0.5 rounds half up
    none = transforms.quantize(melody, None, 4, strength=0.0)
    assert none.melody == melody
    straight = Melody([Note(60, s, 2) for s in range(0, 16, 2)])
    swung = transforms.quantize(straight, None, 2, swing=0.6)
    # Swing is the melody's performance timing: the notes stay on the grid.
    assert swung.melody.notes == straight.notes
    assert (swung.melody.swing, swung.melody.swing_unit) == (0.6, 2)
    assert transforms.quantize(swung.melody, None, 2).melody == straight  # 50 %: straight
    # A grid coarser than a quarter keeps the piece's swing (and its unit) as it is.
    coarse = transforms.quantize(swung.melody, None, 8, strength=0.0, swing=0.6).melody
    assert (coarse.swing, coarse.swing_unit) == (0.6, 2)
    for bad in (dict(grid=0), dict(grid=4, strength=1.5), dict(grid=4, swing=0.4),
                dict(grid=4, swing=0.8), dict(grid=8, swing=0.6)):
        with pytest.raises(ValueError):
            transforms.quantize(melody, None, **bad)


def test_humanize_is_reproducible_bounded_and_loses_no_note():
    melody = Melody([Note(60 + i % 5, 2 * i, 2, 64) for i in range(32)])
    one = transforms.humanize(melody, None, timing=20, velocity=10, seed=7)
    again = transforms.humanize(melody, None, timing=20, velocity=10, seed=7)
    other = transforms.humanize(melody, None, timing=20, velocity=10, seed=8)
    assert one.melody == again.melody
    assert one.melody != other.melody
    assert len(one.melody) == len(melody)
    for before, after in zip(melody.notes, one.melody.notes):
        assert (after.start, after.length, after.pitch) == (before.start, before.length, before.pitch)
        assert abs(after.offset_ms) <= 20
        assert abs(after.velocity - before.velocity) <= 10
    assert any(note.offset_ms for note in one.melody.notes)
    steady = transforms.humanize(one.melody, None, timing=0, velocity=0, seed=1)
    # timing 0 puts the notes back on the grid
    assert steady.melody == one.melody.with_notes(n.with_offset_ms(0.0) for n in one.melody)


def test_humanize_keeps_velocities_in_range_and_checks_its_bounds():
    loud = Melody([Note(60, 0, 1, 127), Note(62, 1, 1, 1)])
    result = transforms.humanize(loud, None, timing=4, velocity=60, seed=3)
    assert all(1 <= n.velocity <= 127 for n in result.melody.notes)
    assert len(result.melody) == 2 and result.melody.notes[0].start == 0
    for bad in (dict(timing=-1), dict(velocity=200), dict(seed=-1), dict(timing=51)):
        with pytest.raises(ValueError):
            transforms.humanize(loud, None, **bad)


# --- velocity -----------------------------------------------------------------------------------


def test_velocity_ramp_runs_from_the_first_note_to_the_last():
    result = transforms.velocity_ramp(MELODY, None, 20, 120)
    assert [n.velocity for n in result.melody.notes] == [20, 70, 120]
    single = transforms.velocity_ramp(MELODY, [B], 30, 90)
    assert [n.velocity for n in single.melody.notes] == [90, 30, 110]
    with pytest.raises(ValueError, match="last velocity"):
        transforms.velocity_ramp(MELODY, None, 20, 128)


def test_a_velocity_line_sets_only_the_notes_it_spans_either_way_drawn():
    result = transforms.velocity_line(MELODY, None, 8, 100, 4, 50)
    assert [n.velocity for n in result.melody.notes] == [90, 50, 100]
    assert result.selection == {B.with_velocity(50), C.with_velocity(100)}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.builds(
            Note,
            pitch=st.integers(40, 90),
            start=st.integers(0, 48),
            length=st.integers(1, 6),
        ),
        max_size=10,
    ),
    st.integers(0, 3),
    st.integers(0, 1000),
)
def test_transforms_keep_one_voice_and_undoable_values(notes, timing, seed):
    melody = Melody(notes)
    for result in (
        transforms.retrograde(melody),
        transforms.legato(melody),
        transforms.half_speed(melody),
        transforms.humanize(melody, None, timing, 20, seed),
        transforms.transpose_diatonic(melody, None, 2, "D major"),
    ):
        ordered = result.melody.notes
        assert all(a.end <= b.start for a, b in zip(ordered, ordered[1:]))
    assert len(transforms.humanize(melody, None, timing, 20, seed).melody) == len(melody)
    assert len(transforms.retrograde(melody).melody) == len(melody)


def test_scale_positions_round_trip():
    for key in ("C major", "F# minor", "Bb major"):
        for pitch in range(0, 128):
            degree, alteration = keys.diatonic_position(pitch, key)
            assert alteration in (0, 1)
            assert keys.pitch_at_position(degree, alteration, key) == pitch
    assert keys.nearest_scale_pitch(61, "C major") == 60
    assert keys.nearest_scale_pitch(62, "C major") == 62
    assert keys.nearest_scale_pitch(0, "D major") == 1  # no scale note below MIDI 0
