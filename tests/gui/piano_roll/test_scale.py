"""Scales on the roll (shading with the tonic marked, fold, snap), the one-voice drawing rule
and its status message, the velocity ramp gesture, the empty roll's hint and the context menu."""

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication

from segue.engine.melody import Melody, Note
from segue.gui.piano_roll import style
from segue.gui.piano_roll.geometry import RollGeometry
from segue.gui.piano_roll.scale import RollScale
from tests.gui.piano_roll.test_roll import A, B, C, cell, click, drag, notes, roll, undo_count

__all__ = ["roll"]  # the fixture, shared with test_roll

C_MAJOR = {0, 2, 4, 5, 7, 9, 11}


def messages_of(roll):
    said = []
    roll.editor.status_message.connect(said.append)
    return said


# --- the scale state ---------------------------------------------------------------------------


def test_roll_scale_names_the_key_its_tonic_and_snaps_only_when_asked():
    scale = RollScale()
    assert scale.pitch_classes is None and scale.tonic is None
    assert scale.set_key("d minor") and scale.key == "D minor"
    assert not scale.set_key("D minor")
    assert scale.tonic == 2
    assert scale.snap_pitch(61) == 61  # snap off
    scale.snap = True
    assert scale.snap_pitch(63) == 62 and scale.snap_pitch(63, bypass=True) == 63
    assert scale.folded_pitches([]) is None  # fold off
    scale.fold = True
    folded = scale.folded_pitches([Melody([Note(61, 0, 1)]), None])
    assert 61 in folded and 63 not in folded and 62 in folded
    with pytest.raises(ValueError):
        scale.set_key("H major")


def test_folded_geometry_maps_only_the_shown_rows():
    geometry = RollGeometry(step_width=10, key_height=10)
    geometry.set_rows([60, 62, 64, 65])
    assert geometry.row_count == 4 and geometry.content_height == 40
    assert [geometry.row_of(p) for p in (65, 64, 62, 60)] == [0, 1, 2, 3]
    assert geometry.row_of(63) == geometry.row_of(62)  # a hidden pitch: the row below
    assert geometry.pitch_at(5) == 65 and geometry.pitch_at(35) == 60
    assert geometry.pitch_at(500) == 60 and geometry.pitch_at(-50) == 65
    assert geometry.visible_rows(20) == [64, 65]
    assert geometry.note_rect(Note(62, 2, 3))[1] == 20
    geometry.set_rows(None)
    assert geometry.row_count == 128 and geometry.pitch_at(5) == 127


# --- shading, fold, snap on the roll ---------------------------------------------------------------


def test_the_scale_rows_are_shaded_and_the_tonic_rows_marked(roll):
    roll.document.set_melody(Melody([Note(60, 0, 2)]), "Seed")
    roll.editor.set_scale("D major")
    image = roll.note_grid.grab().toImage()

    def row(pitch):
        return image.pixelColor(*map(int, cell(roll, 9.5, pitch))).name()  # before the marker

    assert row(62) == style.ROW_TONIC.name()  # D: the tonic
    assert row(64) == style.ROW_WHITE.name()  # E: in the scale
    assert row(65) == style.ROW_OUT_OF_KEY.name()  # F: not in D major
    assert row(66) == style.ROW_WHITE.name()  # F#
    roll.editor.set_scale(None)
    image = roll.note_grid.grab().toImage()
    assert row(66) == style.ROW_BLACK.name()  # piano colours again


def test_fold_to_scale_shows_only_scale_rows_and_the_rows_notes_are_on(roll):
    roll.document.set_melody(Melody([A, Note(61, 4, 2)]), "Seed")  # C#: outside C major
    roll.editor.set_scale("C major")
    roll.editor.set_scale_options(fold=True)
    pitches = roll.roll_geometry.pitches
    assert 61 in pitches and 63 not in pitches
    assert all(p % 12 in C_MAJOR for p in pitches if p != 61)
    # Drawing on a folded roll lands on a shown row.
    click(roll.note_grid, cell(roll, 20.5, 62))
    assert notes(roll)[-1].pitch == 62
    roll.editor.set_scale_options(fold=False)
    assert roll.roll_geometry.pitches is None


def test_snap_to_scale_moves_drawn_and_dragged_notes_onto_the_scale(roll):
    roll.editor.set_scale("C major")
    roll.editor.set_scale_options(snap=True)
    assert roll.header.scale_snap.isChecked()
    click(roll.note_grid, cell(roll, 20.5, 66))  # F# -> F (the lower of two)
    assert notes(roll)[-1] == Note(65, 20, 1)
    click(roll.note_grid, cell(roll, 24.5, 66), modifiers=Qt.AltModifier)  # Alt bypasses
    assert notes(roll)[-1] == Note(66, 24, 1)
    drag(roll.note_grid, cell(roll, 1, 60), cell(roll, 1, 61))  # C dragged up to C#: stays C
    assert notes(roll)[0].pitch == 60
    drag(roll.note_grid, cell(roll, 1, 60), cell(roll, 1, 62))
    assert notes(roll)[0].pitch == 62


def test_arrows_step_along_the_scale_when_snapping_to_it(roll):
    roll.editor.set_scale("C major")
    roll.editor.set_scale_options(snap=True)
    roll.editor.select_all()
    before = [n.pitch for n in notes(roll)]
    assert roll.editor.handle_key(Qt.Key.Key_Up, Qt.KeyboardModifier.NoModifier)
    after = [n.pitch for n in notes(roll)]
    # One scale step each: C->D, E->F, B->C (a semitone where the scale has one).
    steps = {60: 62, 62: 64, 64: 65, 65: 67, 67: 69, 69: 71, 71: 72, 72: 74}
    assert after == [steps[p] for p in before]
    roll.editor.set_scale_options(snap=False)
    assert roll.editor.handle_key(Qt.Key.Key_Down, Qt.KeyboardModifier.NoModifier)
    assert [n.pitch for n in notes(roll)] == [p - 1 for p in after]


# --- one voice: the earlier note is shortened, and the status bar says so -------------------------


def test_drawing_a_long_note_over_the_next_stops_at_it_and_says_so(roll):
    said = messages_of(roll)
    drag(roll.note_grid, cell(roll, 2.2, 70), cell(roll, 10.5, 70), steps=6)
    # A is shortened where the new note starts; the new note stops at B: nothing is deleted.
    assert notes(roll) == (A.with_length(2), Note(70, 2, 2), B, C)
    assert undo_count(roll) == 1
    assert said[-1].startswith("Shortened C4, Bb4")
    assert "one voice" in said[-1]


def test_lengthening_a_note_over_the_next_keeps_the_next(roll):
    said = messages_of(roll)
    x, y, w, h = roll.roll_geometry.note_rect(B)
    drag(roll.note_grid, (x + w - 2, y + h / 2), cell(roll, 11, B.pitch))
    assert notes(roll) == (A, B, C)
    assert undo_count(roll) == 0  # nothing changed: no undo step
    click(roll.note_grid, cell(roll, 4.5, 70))  # on B's start step: B is replaced
    assert notes(roll)[1] == Note(70, 4, 1)
    assert said[-1].startswith("Replaced D4")


# --- velocity ramp, hint, context menu -------------------------------------------------------------


def test_shift_drag_in_the_velocity_lane_draws_a_ramp_as_one_undo_step(roll):
    lane = roll.velocity_lane
    geometry = roll.roll_geometry
    start, end = geometry.x_of(A.start) + 1, geometry.x_of(C.start) + 1
    drag(lane, (start, lane.height() - 8), (end, 8), modifiers=Qt.ShiftModifier)
    velocities = [n.velocity for n in notes(roll)]
    assert velocities[0] < 10 and velocities[2] > 110
    assert velocities[0] < velocities[1] < velocities[2]
    assert undo_count(roll) == 1
    assert roll.document.undo_stack.undoText() == "Velocity Ramp"


def test_an_empty_roll_shows_a_hint_until_the_first_note(roll):
    assert roll.note_grid.hint_text() is None
    roll.document.set_melody(Melody(), "Clear")
    assert roll.note_grid.hint_text() == "Click to draw a note, or File > Import…"
    roll.editor.set_tool("select")
    assert roll.note_grid.hint_text().startswith("Double-click")
    roll.editor.set_tool("draw")
    roll.note_grid.grab()  # paints with the hint
    click(roll.note_grid, cell(roll, 4.5, 64))
    assert roll.note_grid.hint_text() is None


def test_a_right_click_on_empty_grid_asks_for_the_context_menu_but_not_on_a_note(roll):
    asked = []
    roll.editor.context_menu_requested.connect(asked.append)
    grid = roll.note_grid
    for pitch, step in ((70, 20.5), (A.pitch, 1)):
        pos = QPoint(*map(int, cell(roll, step, pitch)))
        click(grid, (pos.x(), pos.y()), button=Qt.RightButton)
        event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, grid.mapToGlobal(pos))
        QApplication.sendEvent(grid, event)
    assert len(asked) == 1  # the press on A erased it instead
    assert A not in notes(roll)
