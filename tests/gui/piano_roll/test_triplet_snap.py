"""Triplet snaps on the roll: picking 1/8T puts a straight piece on the triplet grid (one undo
step), drawing lands on triplet points, straight snaps go on working there."""

import pytest
from PySide6.QtWidgets import QApplication

from segue.engine.melody import Melody, Note
from segue.gui.document import Document
from segue.gui.piano_roll.roll import PianoRoll
from segue.gui.piano_roll.snap import SNAP_CHOICES, grid_for_snap, snap_steps
from segue.gui.piano_roll.timeline import time_lines
from tests.gui.piano_roll.test_roll import cell, click, drag, right_edge

STRAIGHT = Melody([Note(60, 0, 4), Note(62, 4, 2), Note(64, 6, 2)])


@pytest.fixture
def roll(qtbot):
    document = Document(STRAIGHT, 8)
    widget = PianoRoll(document)
    qtbot.addWidget(widget)
    widget.resize(1000, 640)
    widget.show()
    QApplication.processEvents()
    widget.set_view(step_width=20.0, key_height=12.0, scroll_x=0, scroll_y=(127 - 80) * 12.0)
    document.set_loop((0, 16), True)
    yield widget
    document.undo_stack.clear()


def tripled(melody):
    return tuple(note.with_start(3 * note.start).with_length(3 * note.length)
                 for note in melody.notes)


def test_the_snap_box_offers_the_triplet_snaps(roll):
    items = [roll.header.snap.itemText(i) for i in range(roll.header.snap.count())]
    assert items == list(SNAP_CHOICES)
    assert {"1/4T", "1/8T", "1/16T"} <= set(items)


def test_choosing_1_8t_puts_the_piece_on_the_triplet_grid_as_one_undo_step(roll, qtbot):
    document = roll.document
    with qtbot.waitSignal(roll.status_message) as said:
        roll.header.snap.setCurrentText("1/8T")
    assert roll.editor.snap == "1/8T" and "triplet grid" in said.args[0]
    assert document.melody.steps_per_quarter == 12
    assert document.melody.notes == tripled(STRAIGHT)
    assert document.marker == 24 and document.loop_region == (0, 48)
    assert document.undo_stack.count() == 1
    assert document.undo_stack.undoText() == "Use a Triplet Grid"
    # The view keeps its zoom in pixels per quarter: a step is a third as wide.
    assert roll.roll_geometry.step_width == pytest.approx(20.0 / 3)

    document.undo_stack.undo()
    assert document.melody == STRAIGHT and document.marker == 8
    assert document.loop_region == (0, 16)
    # The straight grid has no 1/8T: the snap goes back to 1/16 and the box shows it.
    assert roll.editor.snap == "1/16" and roll.header.snap.currentText() == "1/16"
    document.undo_stack.redo()
    assert document.melody.notes == tripled(STRAIGHT) and document.marker == 24


def test_drawing_with_1_8t_places_notes_four_steps_apart(roll):
    roll.editor.set_snap("1/8T")
    assert roll.editor.grid() == 4
    click(roll.note_grid, cell(roll, 49.5, 67))  # inside the 1/8T cell at step 48
    click(roll.note_grid, cell(roll, 53.5, 69))
    drag(roll.note_grid, cell(roll, 57.0, 71), cell(roll, 63.0, 71))
    drawn = [note for note in roll.document.melody.notes if note.pitch in (67, 69, 71)]
    assert [(note.start, note.length) for note in drawn] == [(48, 4), (52, 4), (56, 8)]
    assert roll.document.undo_stack.count() == 4  # the grid, then one step per note


def test_dragging_and_resizing_land_on_1_8t_points(roll):
    roll.editor.set_snap("1/8T")
    first = roll.document.melody.notes[0]  # Note(60, 0, 12) on the triplet grid
    drag(roll.note_grid, cell(roll, 1, 60), cell(roll, 5.5, 60), steps=6)  # by 4.5 steps
    moved = roll.document.melody.notes[0]
    assert (moved.start, moved.length) == (4, 12) and moved.pitch == first.pitch
    last = roll.document.melody.notes[-1]  # Note(64, 18, 6): a sixteenth off the 1/8T points
    drag(roll.note_grid, right_edge(roll, last), cell(roll, 30.7, 64))
    assert roll.document.melody.notes[-1].end == 32  # ends on the 1/8T point 32
    assert roll.document.undo_stack.undoText() == "Resize Notes"


def test_straight_snaps_go_on_working_on_the_triplet_grid(roll):
    roll.editor.set_snap("1/16T")
    assert roll.editor.grid() == 2
    roll.editor.set_snap("1/16")
    assert roll.document.melody.steps_per_quarter == 12  # no way back behind the user's back
    assert roll.editor.grid() == 3
    click(roll.note_grid, cell(roll, 49.0, 67))
    assert Note(67, 48, 3) in roll.document.melody.notes
    roll.editor.set_snap("1/4")
    assert roll.editor.grid() == 12


def test_quantize_uses_the_triplet_snap(roll):
    roll.editor.set_snap("1/8T")
    document = roll.document
    document.set_melody(document.melody.add(Note(70, 49, 3)), "Draw Note")
    roll.editor.quantize_selection()
    assert Note(70, 48, 4) in document.melody.notes  # onto the 1/8T points 48 and 52


def test_grid_lines_show_the_triplet_subdivision(roll):
    roll.editor.set_snap("1/8T")
    melody = roll.document.melody
    lines = time_lines(roll.roll_geometry, 1000, melody.steps_per_bar, melody.steps_per_beat,
                       roll.editor.grid())
    assert [step for step in lines.grid if step < 12] == [4, 8]  # beat lines at 12, 24, ...
    assert lines.beats[:2] == [12, 24]


def test_triplet_snap_sizes_and_the_grid_they_need():
    assert [snap_steps(name, 12, 48) for name in ("1/4T", "1/8T", "1/16T")] == [8, 4, 2]
    assert [snap_steps(name, 12, 48) for name in ("1/4", "1/8", "1/16")] == [12, 6, 3]
    assert grid_for_snap("1/8T", 4) == 12 and grid_for_snap("1/8T", 12) == 12
    assert grid_for_snap("1/16T", 8) == 24 and grid_for_snap("1/16", 4) == 4


def test_a_piece_too_long_for_the_triplet_grid_keeps_its_snap(qtbot):
    from segue.engine import limits

    document = Document(Melody([Note(60, limits.MAX_STEPS - 16, 4)]))
    roll = PianoRoll(document)
    qtbot.addWidget(roll)
    with qtbot.waitSignal(roll.status_message) as said:
        roll.editor.set_snap("1/8T")
    assert said.args[0].startswith("Snap 1/8T refused")
    assert roll.editor.snap == "1/16" and document.melody.steps_per_quarter == 4
    assert document.undo_stack.count() == 0
