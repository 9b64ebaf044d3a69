"""The surprise lane and tint on the roll: what they show for the figures they are given."""

import pytest
from PySide6.QtCore import QEvent, QPoint
from PySide6.QtGui import QColor, QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip

from segue.engine.melody import Melody, Note
from segue.gui.document import Document
from segue.gui.piano_roll.roll import PianoRoll
from segue.gui.piano_roll.surprise import FIRST_NOTE_TEXT, Surprises, expected_text, surprise_colour
from segue.gui.piano_roll.surprise_lane import TOP_BITS

A = Note(60, 0, 4)
B = Note(62, 4, 4)
C = Note(66, 8, 8)
MELODY = Melody([A, B, C])
STEP_PX = 20.0
KEY_PX = 12.0
TOP_PITCH = 80
SCORE = {  # what score(..., per_note=True) gives, in note order
    "note_bits": [None, 2.0, 9.5],
    "note_pitch_bits": [None, 1.5, 7.0],
    "expected": [None, [(62, 0.6), (64, 0.2), (59, 0.1)], [(66 - 1, 0.41), (69, 0.22), (67, 0.004)]],
}


@pytest.fixture
def roll(qtbot):
    document = Document(MELODY)
    widget = PianoRoll(document)
    qtbot.addWidget(widget)
    widget.resize(1000, 640)
    widget.show_surprise_lane(True)
    widget.show()
    QApplication.processEvents()
    widget.set_view(step_width=STEP_PX, key_height=KEY_PX, scroll_x=0,
                    scroll_y=(127 - TOP_PITCH) * KEY_PX)
    yield widget
    document.undo_stack.clear()


def surprises():
    return Surprises.from_score(MELODY, SCORE)


def test_the_lane_is_hidden_until_shown(qtbot):
    roll = PianoRoll(Document(MELODY))
    qtbot.addWidget(roll)
    assert roll.surprise_lane.isHidden()
    roll.show_surprise_lane(True)
    assert not roll.surprise_lane.isHidden()


def test_the_lane_shows_one_bar_per_predicted_note_with_its_bits(roll):
    lane = roll.surprise_lane
    assert lane.bars() == []
    roll.set_surprises(surprises())
    bars = lane.bars()
    assert [(note, bits) for note, bits, _rect in bars] == [(B, 2.0), (C, 9.5)]  # not the first
    (_, _, b_rect), (_, _, c_rect) = bars
    assert b_rect.left() == pytest.approx(B.start * STEP_PX)
    assert c_rect.width() == pytest.approx(C.length * STEP_PX - 1)
    assert b_rect.bottom() == pytest.approx(c_rect.bottom())
    assert c_rect.height() / b_rect.height() == pytest.approx(9.5 / 2.0)
    assert c_rect.height() < lane.height() * 9.5 / TOP_BITS

    image = lane.grab().toImage()
    inside = c_rect.center().toPoint()
    colour = QColor(image.pixel(inside))
    hot = surprise_colour(9.5)
    assert (colour.red(), colour.green(), colour.blue()) == (hot.red(), hot.green(), hot.blue())


def test_a_note_that_changed_since_scoring_has_no_bar(roll):
    roll.set_surprises(surprises())
    roll.document.set_melody(MELODY.with_notes([A, B, C.with_pitch(67)]), "Move")
    assert [note for note, _bits, _rect in roll.surprise_lane.bars()] == [B]


def test_hovering_a_bar_or_a_note_tells_what_the_model_expected(roll):
    roll.set_surprises(surprises())
    lane, grid = roll.surprise_lane, roll.note_grid
    text = lane.tooltip_at((C.start + 2) * STEP_PX)
    assert text == (
        "9.5 bits: the model expected F4 (41%), A4 (22%) or G4 (<1%)\n"
        "F#4 here: 7.0 bits for the pitch, 2.5 for when it starts"
    )
    y = (TOP_PITCH - C.pitch) * KEY_PX + KEY_PX / 2
    assert grid.surprise_tip_at((C.start + 2) * STEP_PX, y) == text
    assert grid.surprise_tip_at((C.start + 2) * STEP_PX, y + KEY_PX) is None  # no note there
    assert lane.tooltip_at(1 * STEP_PX) == grid.surprise_tip_at(STEP_PX, y + 6 * KEY_PX) == FIRST_NOTE_TEXT
    roll.set_surprises(None)
    assert lane.tooltip_at((C.start + 2) * STEP_PX) is None
    assert grid.surprise_tip_at((C.start + 2) * STEP_PX, y) is None


def test_expected_pitches_read_as_a_musician_says_them():
    assert expected_text([(66, 0.41), (69, 0.22)]) == "F#4 (41%) or A4 (22%)"
    assert expected_text([(60, 1.0)]) == "C4 (100%)"


def test_the_tint_colours_notes_by_surprise_only_when_on(roll):
    roll.set_surprises(surprises())
    grid = roll.note_grid
    point = (int((C.start + 6) * STEP_PX), int((TOP_PITCH - C.pitch) * KEY_PX + KEY_PX / 2))
    plain = QColor(grid.grab().toImage().pixel(*point))
    roll.set_surprise_tint(True)
    tinted = QColor(grid.grab().toImage().pixel(*point))
    assert tinted != plain
    calm_point = (int((B.start + 2) * STEP_PX), int((TOP_PITCH - B.pitch) * KEY_PX + KEY_PX / 2))
    calm = QColor(grid.grab().toImage().pixel(*calm_point))
    assert tinted.red() > calm.red() and calm.blue() > tinted.blue()  # orange over blue
    roll.set_surprise_tint(False)
    assert QColor(grid.grab().toImage().pixel(*point)) == plain


def test_the_lane_says_why_it_shows_nothing(roll):
    roll.set_surprises(None, "No model loaded")
    assert roll.surprise_lane.message == "No model loaded"
    roll.set_surprises(Surprises(problem="Not scored: too wide"))
    assert roll.surprise_lane.surprises.problem == "Not scored: too wide"
    assert roll.surprise_lane.bars() == []


def test_a_tooltip_event_shows_the_text(roll):
    roll.set_surprises(surprises())
    grid = roll.note_grid
    where = QPoint(int((B.start + 1) * STEP_PX), int((TOP_PITCH - B.pitch) * KEY_PX + KEY_PX / 2))
    QApplication.sendEvent(grid, QHelpEvent(QEvent.Type.ToolTip, where, grid.mapToGlobal(where)))
    assert QToolTip.text() == surprises().text_for(B)
    lane = roll.surprise_lane
    where = QPoint(int((C.start + 1) * STEP_PX), lane.height() - 8)
    QApplication.sendEvent(lane, QHelpEvent(QEvent.Type.ToolTip, where, lane.mapToGlobal(where)))
    assert QToolTip.text() == surprises().text_for(C)
    QToolTip.hideText()
