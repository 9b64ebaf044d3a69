"""The piano roll driven like a user drives it: real mouse, wheel and key events, offscreen.

Mouse events are sent as QMouseEvent through QApplication.sendEvent: QTest's mouseMove does not
carry the held button in every Qt 6 release, and the roll must see real presses, moves with the
button held, and releases to show a preview and commit once.
"""

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QApplication

from segue.engine.melody import Melody, Note
from segue.gui.document import Document
from segue.gui.piano_roll.roll import PianoRoll

A = Note(60, 0, 4, 90)
B = Note(62, 4, 4, 100)
C = Note(64, 8, 4, 110)
STEP_PX = 20.0
KEY_PX = 12.0
TOP_PITCH = 80  # the highest pitch row in view


@pytest.fixture
def roll(qtbot):
    document = Document(Melody([A, B, C]))
    widget = PianoRoll(document)
    qtbot.addWidget(widget)
    widget.resize(1000, 640)
    widget.show()
    QApplication.processEvents()
    widget.set_view(
        step_width=STEP_PX, key_height=KEY_PX, scroll_x=0, scroll_y=(127 - TOP_PITCH) * KEY_PX
    )
    widget.editor.set_snap("1/16")
    yield widget
    # A document dropped with unsaved history emits cleanChanged while Qt deletes it; a clean
    # stack keeps that teardown quiet.
    document.undo_stack.clear()


# --- driving --------------------------------------------------------------------------------------

EVENT_TYPES = {
    "press": QEvent.MouseButtonPress,
    "move": QEvent.MouseMove,
    "release": QEvent.MouseButtonRelease,
    "double": QEvent.MouseButtonDblClick,
}


def mouse(widget, kind, pos, button=Qt.LeftButton, modifiers=Qt.NoModifier):
    position = QPointF(*pos)
    held = Qt.NoButton if kind == "release" else button
    event = QMouseEvent(
        EVENT_TYPES[kind],
        position,
        QPointF(widget.mapToGlobal(position)),
        Qt.NoButton if kind == "move" else button,
        held,
        modifiers,
    )
    QApplication.sendEvent(widget, event)


def drag(widget, start, end, button=Qt.LeftButton, modifiers=Qt.NoModifier, steps=4):
    mouse(widget, "press", start, button, modifiers)
    for i in range(1, steps + 1):
        t = i / steps
        point = (start[0] + (end[0] - start[0]) * t, start[1] + (end[1] - start[1]) * t)
        mouse(widget, "move", point, button, modifiers)
    mouse(widget, "release", end, button, modifiers)


def click(widget, pos, button=Qt.LeftButton, modifiers=Qt.NoModifier):
    mouse(widget, "press", pos, button, modifiers)
    mouse(widget, "release", pos, button, modifiers)


def cell(roll, step, pitch):
    """Grid pixel inside the row of ``pitch`` at (fractional) ``step``."""
    geometry = roll.roll_geometry
    return geometry.x_of(step), geometry.y_of(pitch) + geometry.key_height / 2


def right_edge(roll, note):
    x, y, w, h = roll.roll_geometry.note_rect(note)
    return x + w - 2, y + h / 2


def key(roll, qt_key, modifiers=Qt.NoModifier):
    event = QKeyEvent(QEvent.KeyPress, qt_key, modifiers)
    QApplication.sendEvent(roll.note_grid, event)


def wheel(widget, pos, notches, modifiers=Qt.NoModifier):
    position = QPointF(*pos)
    event = QWheelEvent(
        position,
        QPointF(widget.mapToGlobal(position)),
        QPoint(0, 0),
        QPoint(0, int(120 * notches)),
        Qt.NoButton,
        modifiers,
        Qt.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def notes(roll):
    return roll.document.melody.notes


def undo_count(roll):
    return roll.document.undo_stack.count()


# --- drawing ---------------------------------------------------------------------------------------


def test_click_on_empty_grid_draws_one_snap_length_note_as_one_undo_step(roll, qtbot):
    roll.editor.set_snap("1/8")
    with qtbot.waitSignal(roll.audition_requested) as audition:
        click(roll.note_grid, cell(roll, 17.5, 67))
    assert audition.args == [67, 100]
    assert Note(67, 16, 2) in notes(roll)
    assert undo_count(roll) == 1
    assert roll.document.undo_stack.undoText() == "Draw Note"
    assert roll.editor.selected_notes() == [Note(67, 16, 2)]


def test_drag_draws_a_longer_note_with_one_undo_step(roll):
    drag(roll.note_grid, cell(roll, 16.2, 67), cell(roll, 22.5, 67), steps=6)
    assert notes(roll)[-1] == Note(67, 16, 7)
    assert undo_count(roll) == 1


def test_drawing_shows_a_preview_before_release(roll):
    mouse(roll.note_grid, "press", cell(roll, 16.2, 67))
    mouse(roll.note_grid, "move", cell(roll, 19.5, 67))
    assert roll.editor.shown_melody().notes[-1] == Note(67, 16, 4)
    assert roll.document.melody.notes == (A, B, C)  # nothing committed yet
    assert undo_count(roll) == 0
    mouse(roll.note_grid, "release", cell(roll, 19.5, 67))
    assert notes(roll)[-1] == Note(67, 16, 4)


def test_snap_quarter_and_alt_bypass(roll):
    roll.editor.set_snap("1/4")
    click(roll.note_grid, cell(roll, 22.5, 67))
    assert notes(roll)[-1] == Note(67, 20, 4)
    click(roll.note_grid, cell(roll, 29.5, 69), modifiers=Qt.AltModifier)
    assert notes(roll)[-1] == Note(69, 29, 1)


def test_drawing_over_a_note_on_another_pitch_cuts_it(roll):
    click(roll.note_grid, cell(roll, 6.5, 70))  # inside B's time span, another pitch
    assert notes(roll) == (A, B.with_length(2), Note(70, 6, 1), C)


def test_select_tool_double_click_draws(roll):
    roll.editor.set_tool("select")
    position = cell(roll, 30.5, 65)
    mouse(roll.note_grid, "press", position)
    mouse(roll.note_grid, "release", position)
    mouse(roll.note_grid, "double", position)
    mouse(roll.note_grid, "release", position)
    assert notes(roll)[-1] == Note(65, 30, 1)
    assert undo_count(roll) == 1


# --- selecting -------------------------------------------------------------------------------------


def test_click_and_shift_click_select(roll):
    click(roll.note_grid, cell(roll, 1, 60))
    assert roll.editor.selected_notes() == [A]
    click(roll.note_grid, cell(roll, 9, 64), modifiers=Qt.ShiftModifier)
    assert roll.editor.selected_notes() == [A, C]
    click(roll.note_grid, cell(roll, 1, 60), modifiers=Qt.ShiftModifier)
    assert roll.editor.selected_notes() == [C]
    assert undo_count(roll) == 0  # selecting is not an edit


def test_rubber_band_selects_with_the_select_tool(roll):
    roll.editor.set_tool("select")
    drag(roll.note_grid, cell(roll, 3, 66), cell(roll, 9, 61))
    assert roll.editor.selected_notes() == [B, C]
    assert roll.editor.gesture is None and undo_count(roll) == 0


def test_escape_clears_the_selection(roll):
    roll.editor.select_all()
    key(roll, Qt.Key_Escape)
    assert roll.editor.selected_notes() == []


# --- moving and resizing ---------------------------------------------------------------------------


def test_drag_moves_the_selection_as_one_undo_step(roll):
    roll.editor.select_all()
    drag(roll.note_grid, cell(roll, 1, 60), cell(roll, 17, 62), steps=8)
    assert notes(roll) == (Note(62, 16, 4, 90), Note(64, 20, 4, 100), Note(66, 24, 4, 110))
    assert undo_count(roll) == 1
    assert roll.document.undo_stack.undoText() == "Move Notes"
    assert len(roll.editor.selected_notes()) == 3
    roll.document.undo_stack.undo()
    assert notes(roll) == (A, B, C)
    roll.document.undo_stack.redo()
    assert notes(roll)[0] == Note(62, 16, 4, 90)


def test_escape_cancels_a_drag(roll):
    mouse(roll.note_grid, "press", cell(roll, 1, 60))
    mouse(roll.note_grid, "move", cell(roll, 20, 70))
    assert roll.editor.shown_melody() != roll.document.melody
    key(roll, Qt.Key_Escape)
    mouse(roll.note_grid, "release", cell(roll, 20, 70))
    assert notes(roll) == (A, B, C)
    assert undo_count(roll) == 0


def test_resize_by_dragging_the_right_edge(roll):
    drag(roll.note_grid, right_edge(roll, C), cell(roll, 15.8, 64))
    assert notes(roll)[-1] == C.with_length(8)
    assert undo_count(roll) == 1
    assert roll.document.undo_stack.undoText() == "Resize Notes"


def test_an_outside_change_during_a_drag_drops_the_drag(roll):
    mouse(roll.note_grid, "press", cell(roll, 1, 60))
    mouse(roll.note_grid, "move", cell(roll, 20, 70))
    roll.document.set_melody(Melody([B]), "Elsewhere")
    mouse(roll.note_grid, "release", cell(roll, 20, 70))
    assert notes(roll) == (B,)
    assert undo_count(roll) == 1


# --- deleting ------------------------------------------------------------------------------------


def test_right_click_deletes_a_note_and_right_drag_erases(roll):
    click(roll.note_grid, cell(roll, 5, 62), button=Qt.RightButton)
    assert notes(roll) == (A, C)
    drag(roll.note_grid, cell(roll, 1, 60), cell(roll, 9, 64), button=Qt.RightButton, steps=8)
    assert notes(roll) == ()
    assert undo_count(roll) == 2


# --- keys ----------------------------------------------------------------------------------------


def test_arrow_keys_in_the_grid_move_the_selection(roll):
    click(roll.note_grid, cell(roll, 9, 64))
    key(roll, Qt.Key_Right, Qt.ShiftModifier)  # a bar
    key(roll, Qt.Key_Up)
    assert notes(roll)[-1] == Note(65, 24, 4, 110)
    assert undo_count(roll) == 2


# --- what the window uses -------------------------------------------------------------------------


def test_the_editors_messages_leave_through_the_roll(roll, qtbot):
    with qtbot.waitSignal(roll.status_message) as message:
        key(roll, Qt.Key_Right)  # nothing selected
    assert message.args == ["Select notes to move"]


def test_the_tempo_box_edits_the_pieces_tempo_as_one_undo_step(roll):
    roll.tempo_box.setValue(96.0)
    assert roll.document.melody.tempo == 96.0
    assert roll.document.undo_stack.undoText() == "Change Tempo"
    roll.document.undo_stack.undo()
    assert roll.tempo_box.value() == 120.0


# --- velocity, marker, keyboard ------------------------------------------------------------------


def test_velocity_lane_drag_changes_velocity_in_one_step(roll):
    lane = roll.velocity_lane
    x = roll.roll_geometry.x_of(B.start) + 3
    drag(lane, (x, lane.height() - 10), (x, 8))
    assert notes(roll)[1].velocity > 115
    assert undo_count(roll) == 1
    assert roll.document.undo_stack.undoText() == "Change Velocity"
    drag(lane, (x, 10), (x, lane.height() - 8))
    assert notes(roll)[1].velocity < 10


def test_velocity_shows_as_note_colour(roll):
    roll.document.set_melody(Melody([Note(60, 0, 8, 20), Note(62, 8, 8, 127)]), "Seed")
    image = roll.note_grid.grab().toImage()
    soft = image.pixelColor(*map(int, cell(roll, 4, 60)))
    loud = image.pixelColor(*map(int, cell(roll, 12, 62)))
    assert loud.valueF() > soft.valueF() + 0.2


def test_marker_drag_in_the_ruler_is_one_undo_step(roll):
    ruler = roll.ruler
    y = ruler.height() / 2
    drag(ruler, (roll.roll_geometry.x_of(12), y), (roll.roll_geometry.x_of(6.2), y))
    assert roll.document.marker == 6
    assert undo_count(roll) == 1
    roll.document.undo_stack.undo()
    assert roll.document.marker == 12  # the default: the end of the seed


def test_a_drag_in_the_rulers_upper_strip_sets_the_loop_region_without_an_undo_step(roll, qtbot):
    ruler = roll.ruler
    x = roll.roll_geometry.x_of
    with qtbot.waitSignal(roll.loop_region_changed) as changed:
        drag(ruler, (x(20.4), 4), (x(5.6), 4))  # right to left, off the grid
    assert changed.args == [(6, 20)]  # each end on the nearest snap point
    assert roll.loop_region == (6, 20)
    assert roll.document.marker == 12 and undo_count(roll) == 0
    click(ruler, (x(19), 4))  # a click loops the bar under it
    assert roll.loop_region == (16, 32)
    roll.set_loop_region(None)
    assert roll.loop_region is None


def test_a_loop_dragged_from_a_bar_line_to_just_past_another_ends_on_it(roll):
    # Issue 21: bar 3 to 2 pixels past bar 5's line was stored as 32-66, and Fill then took
    # the note on bar 5's downbeat. Bars when the drag starts on a bar line.
    roll.set_view(step_width=10.0)
    roll.editor.set_snap("1/8")
    x = roll.roll_geometry.x_of
    drag(roll.ruler, (x(32) + 1, 4), (x(64) + 2, 4))
    assert roll.loop_region == (32, 64)
    drag(roll.ruler, (x(64) + 2, 4), (x(32) - 3, 4))  # right to left the same
    assert roll.loop_region == (32, 64)


def test_the_loop_region_shows_on_the_ruler(roll):
    def band_pixel():
        return roll.ruler.grab().toImage().pixelColor(int(roll.roll_geometry.x_of(24)), 2)

    before = band_pixel()
    roll.set_loop_region((16, 32))
    off = band_pixel()
    roll.set_loop_enabled(True)
    on = band_pixel()
    assert off != before and on != off
    assert on.blueF() > on.redF() + 0.1  # blue while the loop is on


def test_keyboard_click_auditions_the_key(roll, qtbot):
    y = roll.roll_geometry.y_of(72) + KEY_PX / 2
    with qtbot.waitSignal(roll.audition_requested) as audition:
        click(roll.keyboard, (10, y))
    assert audition.args == [72, 100]


# --- view -----------------------------------------------------------------------------------------


def test_ctrl_wheel_zooms_time_and_ctrl_shift_wheel_zooms_pitch(roll):
    wheel(roll.note_grid, (300, 200), 1, Qt.ControlModifier)
    assert roll.roll_geometry.step_width > STEP_PX
    assert roll.roll_geometry.key_height == KEY_PX
    wheel(roll.note_grid, (300, 200), -2, Qt.ControlModifier | Qt.ShiftModifier)
    assert roll.roll_geometry.key_height < KEY_PX


def test_wheel_scrolls_pitch_and_shift_wheel_scrolls_time(roll):
    roll.set_view(scroll_x=400)
    scroll_y = roll.roll_geometry.scroll_y
    wheel(roll.note_grid, (300, 200), -1)
    assert roll.roll_geometry.scroll_y > scroll_y
    assert roll.vbar.value() == roll.roll_geometry.scroll_y
    wheel(roll.note_grid, (300, 200), 1, Qt.ShiftModifier)
    assert roll.roll_geometry.scroll_x < 400
    assert roll.hbar.value() == roll.roll_geometry.scroll_x


def test_zoom_to_fit_shows_every_note(roll):
    roll.document.set_melody(Melody([Note(40, 0, 4), Note(90, 200, 8)]), "Seed")
    roll.zoom_to_fit()
    geometry, grid = roll.roll_geometry, roll.note_grid
    for note in notes(roll):
        x, y, w, h = geometry.note_rect(note)
        assert 0 <= x and x + w <= grid.width() + 1
        assert 0 <= y and y + h <= grid.height() + 1


def test_playhead_follows_playback_and_can_stay_put(roll):
    width = roll.note_grid.width()
    roll.set_playhead(10)
    assert roll.roll_geometry.scroll_x == 0
    far = (width / STEP_PX) * 1.5
    roll.set_playhead(far)
    assert 0 <= roll.roll_geometry.x_of(far) < width / 2
    roll.header.follow.click()  # off
    roll.set_view(scroll_x=0)
    roll.set_playhead(far * 2)
    assert roll.roll_geometry.scroll_x == 0
    roll.set_playhead(None)
    assert roll.playhead is None


def test_ghost_notes_of_the_pending_variation_are_drawn_but_not_editable(roll):
    roll.document.set_variations([Melody([Note(72, 16, 8, 100)])])
    image = roll.note_grid.grab().toImage()
    ghost = image.pixelColor(*map(int, cell(roll, 20, 72)))
    empty = image.pixelColor(*map(int, cell(roll, 20, 74)))
    assert ghost.lightnessF() > empty.lightnessF() + 0.05
    # Clicking a ghost note draws on the melody: the variation is not part of it.
    click(roll.note_grid, cell(roll, 20, 72))
    assert notes(roll)[-1] == Note(72, 20, 1)
    assert roll.document.current_variation().notes == (Note(72, 16, 8, 100),)


def test_the_notes_a_pending_fill_or_continuation_replaces_are_dimmed(roll):
    grid = roll.note_grid
    assert grid.dimmed_notes() == frozenset()  # nothing pending
    roll.document.set_variations([Melody([Note(70, 4, 4)])], fill_range=(4, 8))
    assert grid.dimmed_notes() == {B}  # only the fill's range goes
    lit = grid.grab().toImage().pixelColor(*map(int, cell(roll, 2, 60)))
    dim = grid.grab().toImage().pixelColor(*map(int, cell(roll, 6, 62)))
    assert dim.lightnessF() < lit.lightnessF()
    roll.document.set_variations([Melody([Note(70, 12, 4)])])
    assert grid.dimmed_notes() == frozenset()  # a continuation after the last note
    roll.document.set_marker(4)
    assert grid.dimmed_notes() == {B, C}  # written over from the marker on
    roll.document.discard_variations()
    assert grid.dimmed_notes() == frozenset()


def test_selected_notes_are_drawn_in_another_colour(roll):
    image = roll.note_grid.grab().toImage()
    before = QColor(image.pixelColor(*map(int, cell(roll, 2, 60))))
    click(roll.note_grid, cell(roll, 1, 60))
    after = roll.note_grid.grab().toImage().pixelColor(*map(int, cell(roll, 2, 60)))
    assert before.hueF() != pytest.approx(after.hueF(), abs=0.05)


def test_header_controls_follow_the_roll(roll):
    roll.editor.set_tool("select")
    assert roll.header.tool_buttons["select"].isChecked()
    roll.header.tool_buttons["draw"].click()
    assert roll.editor.tool == "draw"
    roll.header.snap.setCurrentText("1/4")
    assert roll.editor.snap == "1/4"
    assert roll.header.follow.isChecked() and roll.view.follow
    roll.header.follow.click()
    assert not roll.view.follow
    with pytest.raises(ValueError, match="tool must be"):
        roll.editor.set_tool("lasso")


def test_a_press_after_a_lost_release_starts_afresh(roll):
    mouse(roll.note_grid, "press", cell(roll, 1, 60))
    mouse(roll.note_grid, "move", cell(roll, 20, 70))  # the release never arrives
    click(roll.note_grid, cell(roll, 30.5, 66))
    assert notes(roll) == (A, B, C, Note(66, 30, 1))
    assert undo_count(roll) == 1


def test_a_second_button_during_a_drag_is_ignored(roll):
    mouse(roll.note_grid, "press", cell(roll, 1, 60))
    mouse(roll.note_grid, "move", cell(roll, 17, 60))
    event = QMouseEvent(
        QEvent.MouseButtonPress,
        QPointF(*cell(roll, 9, 64)),
        QPointF(*cell(roll, 9, 64)),
        Qt.RightButton,
        Qt.LeftButton | Qt.RightButton,
        Qt.NoModifier,
    )
    QApplication.sendEvent(roll.note_grid, event)
    mouse(roll.note_grid, "release", cell(roll, 17, 60))
    assert notes(roll) == (B, C.with_length(4), Note(60, 16, 4, 90))
    assert undo_count(roll) == 1


def test_a_fitted_view_stays_fitted_through_resizes_until_the_user_zooms(roll):
    roll.document.set_melody(Melody([Note(40, 0, 4), Note(90, 120, 8)]), "Seed")
    roll.zoom_to_fit()
    roll.resize(600, 400)
    QApplication.processEvents()
    last = notes(roll)[-1]
    x, y, w, h = roll.roll_geometry.note_rect(last)
    assert x + w <= roll.note_grid.width() + 1
    wheel(roll.note_grid, (100, 100), 2, Qt.ControlModifier)
    zoomed = roll.roll_geometry.step_width
    roll.resize(900, 500)
    QApplication.processEvents()
    assert roll.roll_geometry.step_width == zoomed


def test_a_pending_variation_off_screen_is_scrolled_into_view(roll):
    width = roll.note_grid.width()
    far = int(width / STEP_PX) * 3  # three screens to the right, and below the view
    roll.document.set_variations([Melody([Note(40, far, 8), Note(43, far + 8, 8)])])
    geometry = roll.roll_geometry
    first, last = geometry.visible_steps(width)
    low, high = geometry.visible_pitches(roll.note_grid.height())
    assert first <= far and far + 16 <= last
    assert low <= 40 and 43 <= high
    assert geometry.step_width == STEP_PX  # it fitted at this zoom: no zooming
    assert roll.hbar.value() == geometry.scroll_x


def test_a_variation_wider_than_the_view_zooms_out_to_show_it(roll):
    roll.document.set_variations([Melody([Note(62, 0, 4), Note(64, 400, 8)])])
    first, last = roll.roll_geometry.visible_steps(roll.note_grid.width())
    assert first <= 0 and 408 <= last


def test_a_visible_variation_leaves_the_view_alone(roll):
    roll.set_view(scroll_x=40)
    roll.document.set_variations([Melody([Note(70, 10, 4)])])
    assert roll.roll_geometry.scroll_x == 40 and roll.roll_geometry.step_width == STEP_PX


# --- note names and revealing a continuation -----------------------------------------------------


def test_note_names_sit_inside_long_notes_and_beside_short_ones():
    from PySide6.QtCore import QRectF

    from segue.gui.piano_roll.paint import label_spots

    notes = [Note(60, 0, 8), Note(62, 8, 1), Note(64, 9, 1), Note(64, 12, 4)]
    rects = [QRectF(n.start * 10, (80 - n.pitch) * 12, n.length * 10, 12) for n in notes]
    spots = label_spots(notes, rects, range(len(notes)), lambda name: 7.0 * len(name))
    by_name = {(name, rect.left()): inside for rect, name, inside in spots}
    assert by_name[("C4", 4.0)] is True  # 80 px wide: inside
    assert by_name[("D4", 92.0)] is False  # 10 px: just after its end, its row free
    assert ("E4", 102.0) not in by_name  # its row is taken right after it: no name
    assert by_name[("E4", 124.0)] is True


def test_names_on_the_notes_are_spelled_in_the_key_the_roll_shows(roll, monkeypatch):
    from segue.gui.piano_roll import paint

    names = []
    original = paint.label_spots

    def spy(notes, rects, indexes, text_width, key=None):
        spots = original(notes, rects, indexes, text_width, key)
        names.extend(name for _rect, name, _inside in spots)
        return spots

    monkeypatch.setattr(paint, "label_spots", spy)
    roll.document.set_melody(Melody([Note(63, 0, 8), Note(65, 8, 8), Note(66, 16, 8)]), "Draw")
    roll.editor.set_scale("F# major")
    roll.note_grid.grab()
    assert {"D#4", "E#4", "F#4"} <= set(names)  # not Eb4 and F4 beside F#4
    names.clear()
    roll.editor.set_scale("Eb major")
    roll.note_grid.grab()
    assert {"Eb4", "F4", "Gb4"} <= set(names)


def test_ghost_notes_are_named_like_the_melodys(roll, monkeypatch):
    from segue.gui.piano_roll import paint

    named = []
    original = paint.paint_labels

    def spy(painter, notes, rects, indexes, key_height, ghost=False, key=None):
        named.append((ghost, [notes[i].pitch for i in indexes]))
        original(painter, notes, rects, indexes, key_height, ghost, key)

    monkeypatch.setattr(paint, "paint_labels", spy)
    roll.document.set_variations([Melody([Note(72, 16, 8, 100), Note(71, 24, 1)])])
    roll.note_grid.grab()
    assert (True, [72, 71]) in named
    assert (False, [60, 62, 64]) in named


def test_a_continuation_off_screen_is_revealed_with_the_seeds_last_bars(qtbot):
    seed = Melody([Note(60 + i % 5, 4 * i, 4) for i in range(32)])  # 8 bars of 16 steps
    document = Document(seed, seed.end)
    widget = PianoRoll(document)
    qtbot.addWidget(widget)
    widget.resize(1000, 640)
    widget.show()
    QApplication.processEvents()
    widget.set_view(step_width=20.0, scroll_x=0)  # about three bars show: bars 1-3
    ghost = Melody([Note(67, 128 + 4 * i, 4) for i in range(16)])  # bars 9-12
    document.set_variations([ghost])
    view, geometry = widget.view, widget.roll_geometry
    first, last = geometry.visible_steps(view.viewport.width())
    assert last >= ghost.end  # every new bar shows
    assert first < 128 - 2 * 16 + 0.1  # and the seed's last two bars lead in (to a pixel)
    assert first > 0  # zoomed out only as far as needed
    document.undo_stack.clear()
