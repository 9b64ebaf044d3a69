"""The pure piano-roll edits: placed notes win, selection follows the edited notes."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segue.engine import edits
from segue.engine.melody import Melody, Note

A = Note(60, 0, 4, 90)
B = Note(62, 4, 4, 100)
C = Note(64, 8, 4, 110)
MELODY = Melody([A, B, C])


def test_move_notes_in_time_and_pitch_selects_the_moved_notes():
    result = edits.move_notes(MELODY, [A], 1, 3)
    # A moved to step 1 reaches to 5: B starts under it and is drawn over; C stays.
    assert result.melody.notes == (Note(63, 1, 4, 90), C)
    assert result.selection == {Note(63, 1, 4, 90)}
    result = edits.move_notes(MELODY, [B], 0, -12)
    assert result.melody.notes == (A, Note(50, 4, 4, 100), C)


def test_moved_notes_win_over_the_notes_they_land_on():
    result = edits.move_notes(MELODY, [C], -8, 0)
    # C lands on A's start: A is drawn over and gone, B stays.
    assert result.melody.notes == (Note(64, 0, 4, 110), B)
    assert result.selection == {Note(64, 0, 4, 110)}


def test_a_long_moved_note_removes_every_note_starting_under_it():
    long = Note(70, 16, 12)
    melody = Melody([A, B, C, long])
    result = edits.move_notes(melody, [long], -16, 0)
    assert result.melody.notes == (Note(70, 0, 12),)


def test_copy_move_keeps_the_originals():
    result = edits.move_notes(MELODY, [A, B], 12, 0, copy=True)
    assert result.melody.notes == (
        A,
        B,
        C.with_length(4),
        Note(60, 12, 4, 90),
        Note(62, 16, 4, 100),
    )
    assert result.selection == {Note(60, 12, 4, 90), Note(62, 16, 4, 100)}
    assert C in result.melody.notes


def test_move_refuses_to_leave_the_roll_and_clamp_move_finds_the_nearest_legal_move():
    with pytest.raises(ValueError, match="off the roll"):
        edits.move_notes(MELODY, [A], -1, 0)
    with pytest.raises(ValueError, match="off the roll"):
        edits.move_notes(MELODY, [C], 0, 64)
    assert edits.clamp_move([A, C], -5, 100) == (0, 127 - 64)
    assert edits.clamp_move([A, C], 3, -100) == (3, -60)
    assert edits.clamp_move([], 3, 3) == (0, 0)


def test_edits_name_a_note_that_is_not_in_the_melody():
    stranger = Note(40, 100, 1)
    for call in (
        lambda: edits.move_notes(MELODY, [stranger], 1, 0),
        lambda: edits.delete_notes(MELODY, [stranger]),
        lambda: edits.resize_notes(MELODY, [stranger], 1),
        lambda: edits.quantize_notes(MELODY, [stranger], 4),
    ):
        with pytest.raises(ValueError, match="not in the melody"):
            call()


def test_a_note_lengthened_over_the_next_stops_there_and_says_so():
    # One voice (the DAW convention): the earlier note gives way, the next note stays.
    result = edits.resize_notes(MELODY, [A], 3)
    assert result.melody == MELODY
    assert result.shortened == (A.with_length(7),)
    assert result.replaced == ()
    shrunk = edits.resize_notes(MELODY, [A, B], -10)
    assert [n.length for n in shrunk.melody.notes] == [1, 1, 4]
    assert shrunk.shortened == ()
    last = edits.resize_notes(MELODY, [C], 5)
    assert last.melody.notes[-1] == C.with_length(9) and last.selection == {C.with_length(9)}


def test_resizing_several_notes_keeps_them_all():
    result = edits.resize_notes(MELODY, [A, B], 2)
    # Each lengthened note stops at the next one's start: nothing is lost.
    assert result.melody.notes == (A, B, C)
    assert set(result.shortened) == {A.with_length(6), B.with_length(6)}


def test_fit_notes_shortens_the_earlier_note_and_replaces_only_a_note_on_the_same_step():
    drawn = Note(70, 6, 4)  # starts inside B, reaches over C's start
    result = edits.fit_notes(MELODY, [drawn])
    assert result.melody.notes == (A, B.with_length(2), drawn.with_length(2), C)
    assert set(result.shortened) == {B, drawn}
    assert result.replaced == ()
    assert result.selection == {drawn.with_length(2)}
    on_b = edits.fit_notes(MELODY, [Note(70, 4, 1)])
    assert on_b.melody.notes == (A, Note(70, 4, 1), C)
    assert on_b.replaced == (B,)


def test_place_notes_says_which_notes_it_drew_over_and_cut():
    result = edits.move_notes(MELODY, [C], -7, 0)  # C to 1-5: A cut at 1, B drawn over
    assert result.melody.notes == (A.with_length(1), C.with_start(1))
    assert result.replaced == (B,)
    assert result.shortened == (A,)
    assert edits.move_notes(MELODY, [], 3, 3).melody == MELODY


def test_delete_notes_clears_the_selection():
    result = edits.delete_notes(MELODY, [B])
    assert result.melody.notes == (A, C)
    assert result.selection == frozenset()


def test_paste_places_copies_relative_to_the_first_note():
    clip = [Note(72, 10, 2), Note(74, 14, 2, 50)]
    result = edits.paste_notes(MELODY, clip, 20)
    assert result.melody.notes[-2:] == (Note(72, 20, 2), Note(74, 24, 2, 50))
    assert result.selection == {Note(72, 20, 2), Note(74, 24, 2, 50)}
    with pytest.raises(ValueError, match="before the start"):
        edits.paste_notes(MELODY, clip, -1)
    assert edits.paste_notes(MELODY, [], 3).melody == MELODY


def test_paste_over_existing_notes_replaces_them():
    result = edits.paste_notes(MELODY, [Note(50, 0, 6)], 4)
    assert result.melody.notes == (A, Note(50, 4, 6))  # B and C start under the pasted note


def test_duplicate_places_a_copy_after_the_span_rounded_to_the_grid():
    result = edits.duplicate_notes(MELODY, [A, B], grid=4)
    assert result.melody.notes == (A, B, Note(60, 8, 4, 90), Note(62, 12, 4, 100))
    three_steps = Melody([Note(60, 0, 3)])
    assert edits.duplicate_notes(three_steps, three_steps.notes, grid=4).melody.notes[1].start == 4
    assert edits.duplicate_notes(three_steps, three_steps.notes, grid=1).melody.notes[1].start == 3
    with pytest.raises(ValueError, match="grid"):
        edits.duplicate_notes(MELODY, [A], grid=0)


def test_quantize_moves_only_the_given_notes():
    melody = Melody([Note(60, 1, 3), Note(62, 7, 2), Note(64, 13, 3)])
    result = edits.quantize_notes(melody, melody.notes[:2], 4)
    assert result.melody.notes == (Note(60, 0, 4), Note(62, 8, 4), Note(64, 13, 3))
    assert result.selection == {Note(60, 0, 4), Note(62, 8, 4)}


def test_transpose_notes_checks_the_midi_range():
    result = edits.transpose_notes(MELODY, [B], 12)
    assert result.melody.notes[1] == Note(74, 4, 4, 100)
    with pytest.raises(ValueError, match="outside the MIDI range"):
        edits.transpose_notes(MELODY, [C], 64)


def test_velocity_change_is_clamped():
    assert edits.change_velocity(MELODY, [A, C], 200).melody.notes[0].velocity == 127
    changed = edits.change_velocity(MELODY, [A, B], -95)
    assert [n.velocity for n in changed.melody.notes] == [1, 5, 110]
    assert changed.selection == {changed.melody.notes[0], changed.melody.notes[1]}


def test_note_at_and_notes_in_area():
    assert edits.note_at(MELODY, 5.5, 62) == B
    assert edits.note_at(MELODY, 5.5, 60) is None  # B sounds there, not A
    assert edits.note_at(MELODY, 12, 64) is None  # C ends at 12
    assert edits.notes_in_area(MELODY, 3.5, 8.5, 60, 63) == {A, B}
    assert edits.notes_in_area(MELODY, 0, 100, 63, 70) == {C}


def test_resolve_selection_keeps_only_present_notes():
    assert edits.resolve_selection(MELODY, [A, Note(1, 1, 1)]) == {A}


def test_selection_span_needs_notes():
    assert edits.selection_span([B, A]) == (0, 8)
    with pytest.raises(ValueError, match="no notes"):
        edits.selection_span([])


notes_strategy = st.lists(
    st.builds(
        Note,
        pitch=st.integers(30, 90),
        start=st.integers(0, 64),
        length=st.integers(1, 8),
        velocity=st.integers(1, 127),
    ),
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(notes_strategy, st.integers(-8, 8), st.integers(-5, 5), st.data())
def test_any_move_keeps_the_melody_monophonic_and_selects_every_moved_note(
    notes, dsteps, dpitch, data
):
    melody = Melody(notes)
    if not melody.notes:
        return
    chosen = data.draw(st.sets(st.sampled_from(melody.notes), min_size=1))
    dsteps, dpitch = edits.clamp_move(chosen, dsteps, dpitch)
    result = edits.move_notes(melody, chosen, dsteps, dpitch)
    ordered = result.melody.notes
    assert all(a.end <= b.start for a, b in zip(ordered, ordered[1:]))
    moved_starts = {n.start + dsteps for n in chosen}
    assert {n.start for n in result.selection} == moved_starts
    assert {n.pitch for n in result.selection} <= {n.pitch + dpitch for n in chosen}
