"""Tempo and time signature controls edit the document through its undo stack."""

import pytest

from segue.engine.melody import Melody, Note
from segue.gui.document import Document
from segue.gui.piano_roll.meter import MeterControls


@pytest.fixture
def meter(qtbot):
    document = Document(Melody([Note(60, 0, 4)], tempo=100.0, time_signature=(3, 4)))
    controls = MeterControls(document)
    qtbot.addWidget(controls)
    yield controls
    document.undo_stack.clear()


def test_controls_show_the_document(meter):
    assert meter.tempo.value() == 100.0
    assert meter.numerator.value() == 3
    assert meter.denominator.currentData() == 4


def test_tempo_changes_coalesce_into_one_undo_step(meter):
    document = meter._document
    meter.tempo.setValue(110.0)
    meter.tempo.setValue(120.5)
    assert document.melody.tempo == 120.5
    assert document.undo_stack.count() == 1
    assert document.undo_stack.undoText() == "Change Tempo"
    document.undo_stack.undo()
    assert document.melody.tempo == 100.0
    assert meter.tempo.value() == 100.0  # the control follows undo


def test_time_signature_change(meter):
    document = meter._document
    meter.numerator.setValue(7)
    meter.denominator.setCurrentIndex(meter.denominator.findData(8))
    assert document.melody.time_signature == (7, 8)
    assert document.melody.steps_per_bar == 14
    assert document.undo_stack.undoText() == "Change Time Signature"


def test_a_meter_the_grid_cannot_hold_is_refused_with_a_message(meter, qtbot):
    document = meter._document
    meter.numerator.setValue(3)
    with qtbot.waitSignal(meter.status_message) as message:
        meter.denominator.setCurrentIndex(meter.denominator.findData(32))
    assert "3/32 refused" in message.args[0]
    assert document.melody.time_signature == (3, 4)
    assert meter.denominator.currentData() == 4
    assert document.undo_stack.count() == 0
