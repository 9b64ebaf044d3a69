"""Swing and humanize in the window: the dialog asks Swing in 50-75 % and Timing in
milliseconds, the notes stay on the grid while the piece is played differently, and each
change, and its removal, is one undo step."""

import pytest

from segue.engine.melody import Melody, Note
from segue.engine.performance import performed_notes
from segue.gui import settings as prefs
from segue.gui.document import Document
from segue.gui.piano_roll.transform_dialog import TransformDialog

SIXTEENTHS = Melody([Note(60 + i % 3, i, 1) for i in range(8)], tempo=110.0, key="C major")


@pytest.fixture
def window(main_window, tmp_path):
    prefs.use_private_store(str(tmp_path / "preferences"))
    made = main_window(Document(SIXTEENTHS, SIXTEENTHS.end))
    made.answer = {}
    made.transforms.ask = lambda title, fields: made.answer
    made.roll.editor.set_snap("1/16")
    yield made
    made.document.undo_stack.clear()


def trigger(window, key, **answers):
    window.answer = answers
    window.transforms.actions[key].trigger()


def undo_texts(window):
    stack = window.document.undo_stack
    return [stack.text(i) for i in range(stack.count())]


def grid(melody):
    return [(n.pitch, n.start, n.length) for n in melody.notes]


def test_the_dialog_asks_swing_from_straight_to_dotted_and_timing_in_milliseconds(window, qtbot):
    dialog = TransformDialog("Quantize", window.transforms._fields("quantize_groove"))
    qtbot.addWidget(dialog)
    swing = dialog.boxes["swing"]
    assert (swing.minimum(), swing.maximum(), swing.value()) == (50, 75, 50)
    swing.setValue(60)
    assert dialog.values()["swing"] == pytest.approx(0.6)
    dialog = TransformDialog("Humanize", window.transforms._fields("humanize"))
    qtbot.addWidget(dialog)
    timing = dialog.boxes["timing"]
    assert (timing.minimum(), timing.maximum(), timing.suffix()) == (0, 50, "")
    assert "ms" in window.transforms._fields("humanize")[0].label


def test_swing_keeps_the_grid_plays_later_off_beats_and_is_one_undo_step(window):
    trigger(window, "quantize_groove", strength=1.0, swing=0.6)
    melody = window.document.melody
    assert grid(melody) == grid(SIXTEENTHS)
    assert [round(n.on, 6) for n in performed_notes(melody)][:4] == [0, 1.2, 2, 3.2]
    assert undo_texts(window) == ["Quantize"]
    # The Swing field then starts at the piece's swing.
    swing = {f.name: f for f in window.transforms._fields("quantize_groove")}["swing"]
    assert swing.default == pytest.approx(0.6)
    window.document.undo_stack.undo()
    assert window.document.melody == SIXTEENTHS


def test_humanize_moves_notes_by_milliseconds_and_shortens_no_neighbour(window):
    trigger(window, "humanize", timing=20, velocity=0, seed=3)
    melody = window.document.melody
    assert grid(melody) == grid(SIXTEENTHS)  # no note moves a step or loses length
    offsets = [n.offset_ms for n in melody.notes]
    assert any(offsets) and all(abs(offset) <= 20 for offset in offsets)
    assert undo_texts(window) == ["Humanize"]


def test_remove_humanize_and_swing_is_one_undoable_step(window):
    trigger(window, "humanize", timing=20, velocity=0, seed=3)
    trigger(window, "quantize_groove", strength=1.0, swing=0.7)
    timed = window.document.melody
    trigger(window, "remove_timing")
    assert window.document.melody == SIXTEENTHS
    assert undo_texts(window) == ["Humanize", "Quantize", "Remove Humanize and Swing"]
    window.document.undo_stack.undo()
    assert window.document.melody == timed
    texts = [a.text().replace("&", "") for a in window.transforms.menu.actions()]
    assert "Remove Humanize and Swing" in texts
