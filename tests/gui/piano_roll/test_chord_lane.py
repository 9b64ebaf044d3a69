"""The chord lane above the grid, driven like a musician drives it: double-click a beat and type a
chord, a symbol that is not a chord refused in place, drag an edge onto a beat, Delete, click to
hear a chord; each change one undo step. Offscreen, real mouse and key events."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from segue.engine.chords import Chord, SuggestedChord
from segue.engine.melody import Melody, Note
from segue.engine.pending_chords import ChordSuggestion
from segue.gui.document import Document
from segue.gui.piano_roll.chord_lane import sounding_pitches
from segue.gui.piano_roll.chord_tools import EdgeDrag, LaneGrid, edge_at, new_chord_span
from segue.gui.piano_roll.roll import PianoRoll
from tests.gui.piano_roll.test_roll import click, drag, mouse

STEP_PX = 20.0
Y = 12  # the middle of the lane
# One bar of 4/4 (16 steps) with the marker at its end: the piece, and its chords, end at 16.
MELODY = Melody([Note(60, 0, 4), Note(62, 4, 4), Note(64, 8, 4)])


@pytest.fixture
def roll(qtbot):
    document = Document(MELODY, 12)
    widget = PianoRoll(document)
    qtbot.addWidget(widget)
    widget.resize(1000, 640)
    widget.show()
    QApplication.processEvents()
    widget.set_view(step_width=STEP_PX, scroll_x=0)
    yield widget
    document.undo_stack.clear()


def x(step: float) -> float:
    return step * STEP_PX


def type_into(lane, text: str) -> None:
    QTest.keyClicks(lane.line_edit, text)
    QTest.keyClick(lane.line_edit, Qt.Key_Return)


def test_the_lane_sits_between_the_ruler_and_the_grid_on_the_same_time_axis(roll):
    lane = roll.chord_lane
    assert roll.ruler.geometry().bottom() < lane.geometry().top() < roll.note_grid.geometry().top()
    roll.document.set_chords([Chord(4, 8, "Am")])
    assert lane.rect_of(Chord(4, 8, "Am")).left() == roll.roll_geometry.x_of(4)
    roll.set_view(step_width=10.0, scroll_x=20.0)  # zoom and scroll with the roll
    assert lane.rect_of(Chord(4, 8, "Am")).left() == 4 * 10.0 - 20.0


def test_double_clicking_a_beat_and_typing_enters_a_chord_as_one_undo_step(roll):
    lane, document = roll.chord_lane, roll.document
    mouse(lane, "double", (x(5), Y))  # the beat from step 4
    assert lane.line_edit.isVisible() and lane.line_edit.text() == ""
    type_into(lane, "Amin7")
    assert document.piece.chords == (Chord(4, 12, "Am7"),)  # to the bar line, canonical
    assert not lane.line_edit.isVisible() and document.undo_stack.count() == 1
    assert lane.selected == Chord(4, 12, "Am7")
    mouse(lane, "double", (x(1), Y))  # before it: up to the chord
    assert lane.line_edit.text() == ""  # no chord before it to start from
    type_into(lane, "C")
    assert document.piece.chords == (Chord(0, 4, "C"), Chord(4, 12, "Am7"))
    mouse(lane, "double", (x(6), Y))  # on a chord: edit its symbol
    assert lane.line_edit.text() == "Am7"
    assert not lane.grab().isNull()  # paints with the editor open over the chord
    type_into(lane, "F/A")
    assert document.piece.chords == (Chord(0, 4, "C"), Chord(4, 12, "F/A"))
    document.undo_stack.undo()
    assert document.piece.chords == (Chord(0, 4, "C"), Chord(4, 12, "Am7"))
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert document.piece.chords == ()


def test_a_symbol_that_is_not_a_chord_is_refused_in_place_with_the_reason(roll):
    lane, document = roll.chord_lane, roll.document
    messages = []
    roll.status_message.connect(messages.append)
    mouse(lane, "double", (x(1), Y))
    type_into(lane, "H7")
    assert lane.line_edit.isVisible()  # still open, to correct it
    assert "'H7' is not a chord symbol (it must start with a note name A-G)" in lane.refused()
    assert lane.line_edit.styleSheet() and messages[-1].startswith("Not a chord: 'H7'")
    assert document.piece.chords == () and document.undo_stack.count() == 0
    QTest.keyClick(lane.line_edit, Qt.Key_Escape)  # cancels
    assert not lane.line_edit.isVisible() and document.piece.chords == ()


def test_a_chord_typed_past_the_pieces_end_extends_it(roll, qtbot):
    lane, document = roll.chord_lane, roll.document
    end = document.piece.end
    mouse(lane, "double", (x(end + 5), Y))  # the second beat of the bar after the end
    assert lane.line_edit.isVisible()
    lane.line_edit.setText("D7")
    qtbot.keyClick(lane.line_edit, Qt.Key.Key_Return)
    assert document.piece.chords == (Chord(end + 4, 12, "D7"),)  # from its beat to the bar line
    assert document.piece.end == end + 16


def test_dragging_an_edge_lands_on_a_beat_between_the_neighbours_in_one_undo_step(roll):
    lane, document = roll.chord_lane, roll.document
    document.set_chords([Chord(0, 8, "C"), Chord(8, 8, "G")])
    before = document.undo_stack.count()
    drag(lane, (x(7.9), Y), (x(5.2), Y))  # C's right edge (left of where they meet) to beat 4
    assert document.piece.chords == (Chord(0, 4, "C"), Chord(8, 8, "G"))
    assert document.undo_stack.count() == before + 1
    drag(lane, (x(8.1), Y), (x(1), Y))  # G's left edge: not past C's end
    assert document.piece.chords == (Chord(0, 4, "C"), Chord(4, 12, "G"))
    drag(lane, (x(4.1), Y), (x(4.4), Y))  # G's left edge back where it is
    assert document.piece.chords == (Chord(0, 4, "C"), Chord(4, 12, "G"))
    assert document.undo_stack.count() == before + 2  # nothing changed: no step
    document.undo_stack.undo()
    assert document.piece.chords == (Chord(0, 4, "C"), Chord(8, 8, "G"))


def test_the_edge_rules_without_a_widget():
    chords = (Chord(0, 8, "C"), Chord(8, 8, "G"))
    assert edge_at(chords, 7.9, STEP_PX) == (0, "end")
    assert edge_at(chords, 8.1, STEP_PX) == (1, "start")
    assert edge_at(chords, 4, STEP_PX) is None
    grid = LaneGrid(4, 16, 32)
    gesture = EdgeDrag(chords, 0, "start", grid)
    gesture.move(6.5)  # the nearest beat, 8, would empty it: one step short of its end
    assert gesture.result() == (Chord(7, 1, "C"), Chord(8, 8, "G"))
    assert new_chord_span(chords, 17, grid) == (16, 32)  # from its beat to the bar line
    assert new_chord_span(chords, 3, grid) is None and new_chord_span(chords, 33, grid) is None


def test_delete_removes_the_selected_chord_and_typing_a_letter_starts_the_editor(roll):
    lane, document = roll.chord_lane, roll.document
    document.set_chords([Chord(0, 8, "C"), Chord(8, 8, "G")])
    click(lane, (x(10), Y))
    assert lane.selected == Chord(8, 8, "G")
    QTest.keyClick(lane, Qt.Key_Delete)
    assert document.piece.chords == (Chord(0, 8, "C"),) and lane.selected is None
    click(lane, (x(13), Y))  # an empty beat: selected
    assert lane.selected_beat == 12
    QTest.keyClick(lane, Qt.Key_E)
    assert lane.line_edit.isVisible() and lane.line_edit.text() == "E"
    type_into(lane, "m")
    assert document.piece.chords == (Chord(0, 8, "C"), Chord(12, 4, "Em"))
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert document.piece.chords == (Chord(0, 8, "C"), Chord(8, 8, "G"))


def test_clicking_a_chord_plays_its_bass_and_voicing(roll, qtbot):
    roll.document.set_chords([Chord(0, 8, "G7")])
    heard = []
    roll.audition_requested.connect(lambda pitch, velocity: heard.append(pitch))
    click(roll.chord_lane, (x(3), Y))
    assert heard == list(sounding_pitches(Chord(0, 8, "G7")))
    assert heard[0] == 43 and sorted(p % 12 for p in heard[1:]) == [2, 5, 7, 11]  # G2, G B D F


def test_ghost_chords_show_the_choice_and_offer_the_alternatives(roll):
    lane, document = roll.chord_lane, roll.document
    document.set_chords([Chord(0, 16, "C")])
    ghosts = (SuggestedChord(8, 8, "G", probability=0.7, alternatives=(("Em", 0.2),)),)
    document.set_chord_suggestion(ChordSuggestion(ghosts, (8, 16)))
    assert lane.ghost_chords() == [(Chord(8, 8, "G"), "G ▾")]
    lane.select(beat=4)
    assert not lane.grab().isNull()  # paints the chord, the ghost over it, the beat, the end
    assert lane.tooltip_at(10) == "Suggested: G 70%, Em 20%"
    heard = []
    roll.audition_requested.connect(lambda pitch, velocity: heard.append(pitch))
    lane.choose_alternative(0, 1)  # the right-click menu's choice
    assert lane.ghost_chords() == [(Chord(8, 8, "Em"), "Em ▾")] and lane.selected_ghost == 0
    assert heard == list(sounding_pitches(Chord(0, 1, "Em")))
    assert document.piece.chords == (Chord(0, 16, "C"),) and document.undo_stack.count() == 1
