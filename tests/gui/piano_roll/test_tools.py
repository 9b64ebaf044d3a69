"""Mouse gestures as plain state machines: press, move, release -> one outcome."""

import pytest

from segue.engine.melody import Melody, Note
from segue.gui.piano_roll import tools
from segue.gui.piano_roll.geometry import RollGeometry
from segue.gui.piano_roll.snap import snap_steps

GEOMETRY = RollGeometry(step_width=10, key_height=10)
A = Note(60, 0, 4, 90)
B = Note(62, 8, 4, 100)
MELODY = Melody([A, B])


def context(melody=MELODY, selection=frozenset(), tool="draw", snap="1/16"):
    return tools.RollContext(
        melody=melody,
        selection=frozenset(selection),
        geometry=GEOMETRY,
        grid_for=lambda alt: snap_steps("off" if alt else snap, 4, 16),
        tool=tool,
    )


def at(step, pitch, **modifiers):
    """A pointer in the middle of the row of ``pitch`` at ``step``."""
    x = GEOMETRY.x_of(step)
    y = GEOMETRY.y_of(pitch) + GEOMETRY.key_height / 2
    return tools.Pointer.at(GEOMETRY, x, y, **modifiers)


def test_press_on_empty_grid_with_draw_tool_draws_one_snap_length():
    gesture = tools.grid_gesture(context(snap="1/8"), at(17.5, 65))
    assert isinstance(gesture, tools.DrawGesture)
    assert gesture.audition == (65, 100)
    outcome = gesture.release(at(17.5, 65))
    assert outcome.text == "Draw Note"
    assert Note(65, 16, 2) in outcome.result.melody.notes
    assert outcome.result.selection == {Note(65, 16, 2)}


def test_drawing_drag_lengthens_by_whole_snap_units_and_alt_bypasses():
    gesture = tools.grid_gesture(context(snap="1/4"), at(16.2, 65))
    gesture.move(at(25.0, 65))
    assert gesture.result.melody.notes[-1] == Note(65, 16, 12)
    gesture.move(at(21.5, 65, alt=True))
    assert gesture.result.melody.notes[-1] == Note(65, 16, 6)
    gesture.move(at(3, 65))  # dragging left of the start keeps one snap unit
    assert gesture.result.melody.notes[-1] == Note(65, 16, 4)


def test_press_on_a_note_starts_a_move_and_a_click_selects_it_alone():
    gesture = tools.grid_gesture(context(selection={B}), at(1, 60))
    assert isinstance(gesture, tools.MoveGesture)
    outcome = gesture.release(at(1, 60))
    assert outcome.result is None and outcome.selection == {A}


def test_shift_click_toggles_a_note_in_the_selection():
    outcome = tools.grid_gesture(context(selection={B}), at(1, 60, shift=True)).release(
        at(1, 60, shift=True)
    )
    assert outcome.selection == {A, B}
    outcome = tools.grid_gesture(context(selection={A, B}), at(1, 60, shift=True)).release(
        at(1, 60)
    )
    assert outcome.selection == {B}


def test_move_drags_the_selection_snapped_and_commits_once():
    gesture = tools.grid_gesture(context(selection={A, B}), at(1, 60))
    gesture.move(at(1.2, 60))  # below the drag threshold: nothing yet
    assert gesture.result is None
    gesture.move(at(17.4, 63))
    assert gesture.result.melody.notes == (Note(63, 16, 4, 90), Note(65, 24, 4, 100))
    assert gesture.audition == (63, 90)
    outcome = gesture.release(at(17.4, 63))
    assert outcome.text == "Move Notes"
    assert outcome.result.selection == {Note(63, 16, 4, 90), Note(65, 24, 4, 100)}


def test_a_vertical_drag_does_not_shift_time():
    gesture = tools.grid_gesture(context(), at(1, 60))
    gesture.move(at(1.4, 55))
    assert gesture.result.melody.notes[0] == Note(55, 0, 4, 90)


def test_move_is_clamped_to_the_roll():
    gesture = tools.grid_gesture(context(), at(9, 62))
    gesture.move(at(-30, 62))
    assert gesture.result.melody.notes[0].start == 0


def test_ctrl_drag_copies():
    gesture = tools.grid_gesture(context(), at(1, 60, ctrl=True))
    outcome = gesture.release(at(17, 60, ctrl=True))
    assert outcome.text == "Copy Notes"
    assert outcome.result.melody.notes == (A, B, Note(60, 16, 4, 90))


def test_a_drag_back_to_where_it_started_changes_nothing():
    gesture = tools.grid_gesture(context(), at(1, 60))
    gesture.move(at(9, 60))
    outcome = gesture.release(at(1, 60))
    assert outcome.result is None


def test_press_on_the_right_edge_resizes_every_selected_note():
    x = GEOMETRY.x_of(A.end) - 2
    y = GEOMETRY.y_of(60) + 5
    gesture = tools.grid_gesture(context(selection={A, B}), tools.Pointer.at(GEOMETRY, x, y))
    assert isinstance(gesture, tools.ResizeGesture)
    outcome = gesture.release(at(6.2, 60))
    assert outcome.text == "Resize Notes"
    assert outcome.result.melody.notes == (A.with_length(6), B.with_length(6))


def test_resize_never_goes_below_one_snap_unit():
    long = Note(64, 16, 8)
    melody = Melody([A, long])
    x = GEOMETRY.x_of(long.end) - 2
    pointer = tools.Pointer.at(GEOMETRY, x, GEOMETRY.y_of(64) + 5)
    gesture = tools.grid_gesture(context(melody, snap="1/4"), pointer)
    outcome = gesture.release(at(0, 64))
    assert outcome.result.melody.notes == (A, long.with_length(4))
    # Releasing where it started is a click: no edit.
    gesture = tools.grid_gesture(context(melody, snap="1/4"), pointer)
    assert gesture.release(at(24, 64)).result is None


def test_rubber_band_selects_touched_notes_and_shift_adds():
    gesture = tools.grid_gesture(context(tool="select"), at(-0.5, 70))
    assert isinstance(gesture, tools.RubberBandGesture)
    gesture.move(at(2, 58))
    assert gesture.band is not None
    assert gesture.selection == {A}
    assert gesture.release(at(2, 58)).selection == {A}
    shifted = tools.grid_gesture(context(tool="select", selection={B}), at(-0.5, 70, shift=True))
    assert shifted.release(at(2, 58)).selection == {A, B}


def test_a_click_on_empty_grid_clears_the_selection_and_sets_the_insert_step():
    outcome = tools.grid_gesture(context(tool="select", selection={A}), at(21.3, 70)).release(
        at(21.3, 70)
    )
    assert outcome.selection == frozenset()
    assert outcome.insert_step == 21


def test_right_button_erases_notes_passed_over():
    gesture = tools.grid_gesture(context(selection={A, B}), at(1, 60), right_button=True)
    assert isinstance(gesture, tools.EraseGesture)
    gesture.move(at(9, 62))
    outcome = gesture.release(at(9, 62))
    assert outcome.text == "Delete Notes"
    assert outcome.result.melody.notes == ()
    assert tools.grid_gesture(context(), at(30, 70), right_button=True) is None


def test_velocity_gesture_moves_selected_notes_by_the_same_amount():
    pointer = tools.Pointer(0, 0, 0, 0, velocity=110)
    gesture = tools.VelocityGesture(context(selection={A, B}), pointer, A)
    assert gesture.result.melody.notes == (A.with_velocity(110), B.with_velocity(120))
    outcome = gesture.release(tools.Pointer(0, 0, 0, 0, velocity=50))
    assert outcome.text == "Change Velocity"
    assert outcome.result.melody.notes == (A.with_velocity(50), B.with_velocity(60))


def test_marker_gesture_snaps():
    gesture = tools.MarkerGesture(lambda alt: 1 if alt else 4, at(9.7, 60))
    assert gesture.marker == 8
    outcome = gesture.release(at(9.7, 60, alt=True))
    assert outcome.marker == 10


def test_hover_cursor_and_arrow_moves():
    assert tools.hover_cursor(context(), at(1, 60)) == "move"
    assert (
        tools.hover_cursor(context(), tools.Pointer.at(GEOMETRY, 39, GEOMETRY.y_of(60) + 5))
        == "resize"
    )
    assert tools.hover_cursor(context(), at(30, 70)) == "draw"
    assert tools.hover_cursor(context(tool="select"), at(30, 70)) == "arrow"
    assert tools.arrow_move("left", False, 2, 16) == (-2, 0)
    assert tools.arrow_move("right", True, 2, 16) == (16, 0)
    assert tools.arrow_move("up", True, 2, 16) == (0, 12)
    with pytest.raises(ValueError):
        tools.arrow_move("sideways", False, 1, 16)


def test_loop_drag_ends_on_the_nearest_snap_points_and_a_click_loops_a_bar():
    grid_for = lambda alt: 1 if alt else 4  # noqa: E731  (1/4 snap, Alt: steps)
    gesture = tools.LoopGesture(grid_for, 16, at(21.5, 60), GEOMETRY.step_width)
    assert gesture.loop == (16, 32)  # no drag yet: the bar under the press
    assert not gesture.by_bars  # 55 pixels from bar 2's line
    gesture.move(at(6.2, 60))
    assert gesture.loop == (8, 20)
    gesture.move(at(5.9, 60))
    assert gesture.loop == (4, 20)
    outcome = gesture.release(at(6.2, 60, alt=True))
    assert outcome.loop == (6, 22) and outcome.result is None and outcome.marker is None


@pytest.mark.parametrize("snap", [1, 2, 4])
def test_a_loop_drag_from_a_bar_line_snaps_to_bars_and_ends_on_the_nearest(snap):
    # Issue 21: from bar 3's line to 2 pixels past bar 5's, the loop was stored as 32-66.
    grid_for = lambda alt: 1 if alt else snap  # noqa: E731
    pixels = 1 / GEOMETRY.step_width  # steps per pixel
    gesture = tools.LoopGesture(grid_for, 16, at(32 + 3 * pixels, 60), GEOMETRY.step_width)
    assert gesture.by_bars
    assert gesture.release(at(64 + 2 * pixels, 60)).loop == (32, 64)
    gesture = tools.LoopGesture(grid_for, 16, at(32 - 2 * pixels, 60), GEOMETRY.step_width)
    gesture.move(at(41, 60))  # less than half a bar: still one whole bar
    assert gesture.loop == (32, 48)
    assert gesture.release(at(57, 60)).loop == (32, 64)
