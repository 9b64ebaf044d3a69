"""The triplet grid in the window: the status bar names it, and the loop moves with the piece."""

import pytest

from segue.engine.melody import Melody, Note
from segue.gui.document import Document
from segue.gui.window.grid_status import grid_text

STRAIGHT = Melody([Note(60, 0, 4), Note(62, 4, 4), Note(64, 8, 8)])


@pytest.mark.parametrize("steps_per_quarter, text", [
    (4, ""), (12, "Grid: 1/16 with triplets"), (8, "Grid: 1/32"), (24, "Grid: 1/32 with triplets"),
    (2, "Grid: 1/8"), (5, "Grid: 5 steps per quarter"),
])
def test_the_grid_is_named_as_a_musician_reads_it(steps_per_quarter, text):
    assert grid_text(steps_per_quarter) == text


def test_choosing_1_8t_shows_the_triplet_grid_and_moves_the_loop(main_window):
    document = Document(STRAIGHT, 16)
    window = main_window(document)
    label = window.grid_status.label
    assert label.isHidden()  # a straight piece: nothing to say
    document.set_loop((4, 16), True)
    window.roll.header.snap.setCurrentText("1/8T")
    assert document.melody.steps_per_quarter == 12
    assert not label.isHidden() and label.text() == "Grid: 1/16 with triplets"
    assert window.roll.loop_region == (12, 48) and document.loop_on  # the ruler's loop too
    window.actions["undo"].trigger()
    assert document.melody == STRAIGHT and label.isHidden()
    assert window.roll.loop_region == (4, 16)
