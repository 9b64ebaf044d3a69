"""Issue 21, points 1 and 6, as the musician met them. With the demo seed (marker at bar 3), two
notes drawn in bar 3, then Ctrl+G and Ctrl+Enter: Continue asks first (continue after them, the
default, or write over them); an Accept that replaces notes says how many. A loop dragged from
bar 3 to just past bar 5's line ends on it, and Fill leaves bar 5 alone. A stand-in model
writes the continuations: no torch."""

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from segue.engine.melody import Melody, Note
from segue.gui.dialogs import CANCEL, CONTINUE_AFTER, WRITE_OVER, Dialogs
from segue.gui.generation.model_loader import LoadedModel, ModelManager
from tests.fakes.dialogs import ScriptedDialogs
from tests.gui.piano_roll.test_roll import cell, click, drag

CTRL = Qt.KeyboardModifier.ControlModifier


class StubModel:
    def pitch_limits(self):
        return (36, 96)


def two_bars_of_continuation(model, request, should_stop):
    """Continuations from wherever the request starts (the marker), pitches the seed lacks."""
    start = request.start
    return [Melody([Note(48 + i, start + 4 * i, 4) for i in range(8)]),
            Melody([Note(50, start, 16)])]


@pytest.fixture
def demo(main_window, qtbot):
    """``demo(answer)``: the window on the demo seed, a stand-in model loaded, two quarter
    notes drawn in bar 3 with the mouse; returns (window, dialogs, the drawn notes)."""

    def make(answer):
        dialogs = ScriptedDialogs(notes_after_marker=answer)
        models = ModelManager(loader=lambda name: LoadedModel(name, name, StubModel(), "CPU"))
        window = main_window(dialogs=dialogs, models=models)
        window.continuation.job = two_bars_of_continuation
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        with qtbot.waitSignal(models.loaded, timeout=10000):
            models.load("stub")
        assert window.document.marker == 32  # the demo seed: two bars, the marker at bar 3
        roll = window.roll
        roll.editor.set_snap("1/4")
        before = set(window.document.melody.notes)
        click(roll.note_grid, cell(roll, 32.5, 74))
        click(roll.note_grid, cell(roll, 36.5, 76))
        drawn = sorted(set(window.document.melody.notes) - before, key=lambda n: n.start)
        assert [(n.pitch, n.start, n.length) for n in drawn] == [(74, 32, 4), (76, 36, 4)]
        return window, dialogs, drawn

    return make


def keys(qtbot, window, key):
    """A shortcut pressed on the roll, as the musician presses it."""
    QApplication.processEvents()
    qtbot.keyClick(window.roll.note_grid, key, CTRL)


def continue_and_wait(qtbot, window):
    with qtbot.waitSignal(window.continuation.results_ready, timeout=10000):
        keys(qtbot, window, Qt.Key.Key_G)
    qtbot.waitUntil(lambda: not window.continuation.is_running)


def test_continue_asks_and_by_default_continues_after_the_drawn_notes(demo, qtbot):
    window, dialogs, drawn = demo(CONTINUE_AFTER)
    continue_and_wait(qtbot, window)
    assert ("notes_after_marker", 2, "bar 3") in dialogs.asked
    assert window.document.marker == 40  # moved past the drawn notes (one undo step)
    assert window.document.piece.replaced_by_accept() == ()
    keys(qtbot, window, Qt.Key.Key_Return)
    assert set(drawn) <= set(window.document.melody.notes)  # the drawn notes stay
    assert Note(48, 40, 4) in window.document.melody.notes  # the continuation follows them
    assert "replaced" not in window.statusBar().currentMessage()


def test_writing_over_the_notes_says_how_many_accept_replaced(demo, qtbot):
    window, dialogs, drawn = demo(WRITE_OVER)
    continue_and_wait(qtbot, window)
    assert window.document.marker == 32
    assert window.roll.note_grid.dimmed_notes() == set(drawn)  # what Accept would replace
    with qtbot.waitSignal(window.continuation.results_ready, timeout=10000):
        window.actions["regenerate"].trigger()  # the same request: not asked again
    qtbot.waitUntil(lambda: not window.continuation.is_running)
    assert dialogs.kinds().count("notes_after_marker") == 1
    keys(qtbot, window, Qt.Key.Key_Return)
    assert not set(drawn) & set(window.document.melody.notes)
    message = window.statusBar().currentMessage()
    assert "replaced 2 notes" in message and "Undo" in message
    window.actions["undo"].trigger()
    assert set(drawn) <= set(window.document.melody.notes)  # Undo brings them back


def test_cancelling_the_question_starts_nothing(demo, qtbot):
    window, dialogs, drawn = demo(CANCEL)
    melody = window.document.melody
    keys(qtbot, window, Qt.Key.Key_G)
    assert dialogs.kinds()[-1] == "notes_after_marker"
    assert not window.continuation.is_running and window.document.variations == []
    assert window.document.melody == melody and window.document.marker == 32


def rewrite_every_note(model, request, should_stop):
    """Fill's stand-in: the whole piece with every pitch a tone up (Fill keeps its range)."""
    return [request.seed.with_notes(n.with_pitch(n.pitch + 2) for n in request.seed.notes)]


def test_a_loop_dragged_just_past_bar_5_fills_without_bar_5s_downbeat(main_window, qtbot):
    # Issue 21, point 6: the loop was stored as 32-66 and Fill rewrote bar 5's first note.
    models = ModelManager(loader=lambda name: LoadedModel(name, name, StubModel(), "CPU"))
    window = main_window(models=models)
    window.continuation.fill_job = rewrite_every_note
    window.show()
    with qtbot.waitSignal(models.loaded, timeout=10000):
        models.load("stub")
    downbeat = Note(60, 64, 4)
    melody = window.document.melody.add(Note(74, 32, 8), Note(72, 48, 16), downbeat)
    window.document.set_melody(melody, "Draw")
    roll = window.roll
    roll.set_view(step_width=8.0, scroll_x=0)
    roll.editor.set_snap("1/8")
    x = roll.roll_geometry.x_of
    drag(roll.ruler, (x(32), 4), (x(64) + 2, 4))  # from bar 3's line to 2 pixels past bar 5's
    assert window.document.loop_region == (32, 64)
    with qtbot.waitSignal(window.continuation.results_ready, timeout=10000):
        window.actions["fill"].trigger()
    qtbot.waitUntil(lambda: not window.continuation.is_running)
    assert window.document.fill_range == (32, 64)
    dimmed = window.roll.note_grid.dimmed_notes()
    assert dimmed == {Note(74, 32, 8), Note(72, 48, 16)}  # what the fill replaces, shown
    window.actions["accept"].trigger()
    assert downbeat in window.document.melody.notes
    assert Note(76, 32, 8) in window.document.melody.notes  # the fill went in


@pytest.mark.parametrize("press, answer", [
    (Qt.Key.Key_Return, CONTINUE_AFTER),  # the default keeps the notes
    (Qt.Key.Key_Escape, CANCEL),
])
def test_the_real_question_defaults_to_keeping_the_notes(qtbot, press, answer):
    seen = []

    def answer_it():
        box = next(w for w in QApplication.topLevelWidgets()
                   if isinstance(w, QMessageBox) and w.isVisible())
        seen.append((box.text(), [b.text() for b in box.buttons()]))
        qtbot.keyClick(box, press)

    QTimer.singleShot(50, answer_it)
    assert Dialogs().ask_notes_after_marker(2, "bar 3") == answer
    text, buttons = seen[0]
    assert "2 notes after the continue marker (bar 3)" in text
    assert "Continue After Them" in buttons and "Write Over Them" in buttons
