"""The roll's scroll range stays within Qt's int for any melody, and the longest piece the limits
allow can be scrolled to its last note at the closest zoom, and no further."""

import pytest
from PySide6.QtWidgets import QApplication

from segue.engine import limits
from segue.engine.melody import Melody, Note
from segue.gui.document import Document
from segue.gui.piano_roll.geometry import MAX_STEP_WIDTH
from segue.gui.piano_roll.roll import PianoRoll
from segue.gui.piano_roll.view import QT_INT_MAX


def shown_roll(qtbot, melody: Melody) -> PianoRoll:
    roll = PianoRoll(Document(melody))
    qtbot.addWidget(roll)
    roll.resize(1000, 600)
    roll.show()
    QApplication.processEvents()
    return roll


@pytest.mark.parametrize("step", [3_970_000_000, 10**15])
def test_a_melody_running_far_past_the_limits_scrolls_and_paints(qtbot, step):
    # A MusicXML piece once ended at step 3.97e9: the scroll range overflowed Qt's int and the
    # process crashed. Imports refuse such pieces now; the roll must survive one all the same.
    roll = shown_roll(qtbot, Melody([Note(60, 0, 4), Note(62, step, 4)]))
    roll.zoom_to_fit()
    roll.set_view(step_width=MAX_STEP_WIDTH, scroll_x=step * MAX_STEP_WIDTH)
    hbar = roll.view.hbar
    assert 0 < hbar.maximum() <= QT_INT_MAX and hbar.value() == hbar.maximum()
    assert not roll.grab().isNull()


def test_the_last_note_of_the_longest_piece_can_be_reached_at_the_closest_zoom(qtbot):
    last = Note(64, limits.MAX_STEPS - 4, 4)
    roll = shown_roll(qtbot, Melody([Note(60, 0, 4), last]))
    roll.set_view(step_width=MAX_STEP_WIDTH, scroll_x=limits.MAX_STEPS * MAX_STEP_WIDTH)
    _first, end = roll.view.geometry.visible_steps(roll.view.viewport.width())
    # Scrolled as far as it goes, the last step shows, and nothing past it (where nothing a
    # session keeps could be drawn).
    assert end == pytest.approx(last.end, abs=1)
