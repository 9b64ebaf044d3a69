"""Generate > Fill: variations of a range of bars, flipped, accepted and undone as for Continue."""

from types import SimpleNamespace

import pytest

from segue.engine.melody import Melody, Note
from segue.gui.document import Document
from segue.gui.generation.continuation import ContinuationController, fill_job
from segue.gui.generation.model_loader import LoadedModel, ModelManager
from segue.gui.generation.panel import GenerationPanel

BAR = 16
# Four bars of half notes, and one note in bar 4.
PIECE = Melody([Note(60 + 2 * i, 8 * i, 8) for i in range(8)] + [Note(72, 60, 8)], key="C major")


pytestmark = pytest.mark.usefixtures("isolated_app")  # tests/conftest.py


def rewrite_everything(model, request, should_stop):
    """A fake engine that (wrongly) changes notes outside the range too: only the range's
    notes may reach the piece. One whole melody per variation, pitches by variation number."""
    yield 0.5
    whole = request.seed
    return [whole.with_notes(n.with_pitch(n.pitch + 1 + v) for n in whole.notes)
            for v in range(request.variations)]


STAND_IN = object()  # a model the fake jobs never look at


def harness(qtbot, job=rewrite_everything, model=STAND_IN):
    document = Document(PIECE, PIECE.end)
    panel = GenerationPanel()
    qtbot.addWidget(panel)
    panel.set_settings(panel.settings().replace(variations=3))
    models = ModelManager(loader=lambda name: LoadedModel(name, name, model, "CPU"))
    errors, messages = [], []
    controller = ContinuationController(document, panel, models, lambda t, m: errors.append((t, m)),
                                        fill=job)
    controller.status_message.connect(messages.append)
    with qtbot.waitSignal(models.loaded, timeout=10000):
        models.load("tiny")
    return SimpleNamespace(document=document, controller=controller, errors=errors, messages=messages)


def idle(qtbot, h):
    return qtbot.waitSignal(h.controller.busy_changed, timeout=20000, check_params_cb=lambda busy: not busy)


def run_fill(qtbot, h, selected=(), loop=None):
    h.document.set_loop(loop)  # the piece's loop region: Fill's range when nothing is selected
    with idle(qtbot, h):
        assert h.controller.fill_from(list(selected))


def test_fill_on_a_selection_writes_variations_inside_its_bars_only(qtbot):
    h = harness(qtbot)
    run_fill(qtbot, h, selected=[Note(64, 16, 8), Note(68, 32, 8)])  # bars 2-3: steps 16-48
    assert h.document.fill_range == (16, 48)
    assert len(h.document.variations) == 3
    for variation in h.document.variations:
        assert variation.notes and all(16 <= n.start and n.end <= 48 for n in variation.notes)
    assert h.document.melody == PIECE and h.document.undo_stack.count() == 0
    heard = h.document.heard()
    assert [n for n in heard.notes if not 16 <= n.start < 48] == [
        n for n in PIECE.notes if not 16 <= n.start < 48]
    assert any("bars 2-3 (the selected notes' bars)" in m for m in h.messages)
    h.controller.next()
    assert h.document.current_index == 1 and h.document.heard() != heard


def test_accept_is_one_undo_step_and_undo_brings_the_fills_back(qtbot):
    h = harness(qtbot)
    run_fill(qtbot, h, loop=(32, 48))
    assert any("(the loop region)" in m for m in h.messages)
    h.controller.next()
    heard, fills = h.document.heard(), h.document.variations
    assert h.controller.accept()
    assert h.document.melody == heard and h.document.marker == PIECE.end  # the marker stays
    assert h.document.undo_stack.count() == 1 and h.document.variations == []
    assert h.document.fill_range is None
    h.document.undo_stack.undo()
    assert h.document.melody == PIECE
    assert h.document.variations == fills and h.document.current_index == 1
    assert h.document.fill_range == (32, 48) and h.document.heard() == heard
    h.document.undo_stack.redo()
    assert h.document.melody == heard and h.document.fill_range is None


def test_regenerate_fills_the_same_range_again(qtbot):
    h = harness(qtbot)
    run_fill(qtbot, h, loop=(32, 64))
    first = h.document.variations
    with idle(qtbot, h):
        assert h.controller.regenerate()
    assert h.document.variations == first  # the fake writes the same again
    assert h.document.fill_range == (32, 64)


def test_nothing_selected_and_no_loop_or_nothing_before_explains(qtbot):
    h = harness(qtbot)
    assert not h.controller.fill_from([])
    assert not h.controller.fill_from([Note(60, 0, 8)])  # bar 1: nothing before it
    assert [title for title, _ in h.errors] == ["Nothing to fill", "Nothing to fill from"]
    assert h.document.variations == [] and h.document.undo_stack.count() == 0


def test_a_real_model_fills_through_the_worker(qtbot):
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    from segue.engine.ml.model import ModelConfig, create_model

    tiny = create_model(ModelConfig(hidden_size=24, token_dim=8, pitch_dim=4, contour_dim=4,
                                    meter_dim=4, lookback_dim=4), seed=3)
    h = harness(qtbot, fill_job, tiny)
    run_fill(qtbot, h, loop=(32, 48))
    assert h.errors == [] and len(h.document.variations) == 3
    for variation in h.document.variations:
        assert all(32 <= n.start and n.end <= 48 for n in variation.notes)


def test_the_window_has_generate_fill_on_ctrl_shift_f(main_window):
    window = main_window()
    fill = window.actions["fill"]
    assert fill.shortcut().toString() == "Ctrl+Shift+F"
    generate = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Generate")
    assert fill in generate.actions()


def test_the_window_auditions_the_fill_as_accept_would_keep_it(qtbot, main_window):
    document = Document(PIECE, PIECE.end)
    window = main_window(document)
    document.set_variations([Melody([Note(50, 32, 16)])], 0, (32, 48))
    with qtbot.waitSignal(window.live.audition_started) as audition:
        window.actions["audition"].trigger()
    heard = audition.args[0]
    assert heard == document.heard() and Note(50, 32, 16) in heard.notes
    assert [n for n in heard.notes if not 32 <= n.start < 48] == [
        n for n in PIECE.notes if not 32 <= n.start < 48]
    window.live.stop_playback()
    window.actions["accept"].trigger()
    assert document.melody == heard and document.undo_stack.count() == 1


def test_the_generation_panel_has_a_fill_button_beside_continue(qtbot, main_window):
    window = main_window()
    button = window.panel.fill_button
    assert button.defaultAction() is window.actions["fill"] and button.text() == "Fill"
    assert len(button.toolTip()) > 20 and button.isEnabled()
