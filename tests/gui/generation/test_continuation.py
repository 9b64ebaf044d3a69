"""The continuation controller's dealings with the piece: what it writes into it (pending
variations, where they were asked to end, a fill's range) and what it asks it (Fill's range,
Accept, Discard, flipping). The model is a fake job: no torch."""

from types import SimpleNamespace

import pytest

from segue.engine.melody import Melody, Note
from segue.engine.session import read_session, write_session
from segue.gui import settings as prefs
from segue.gui.dialogs import WRITE_OVER
from segue.gui.document import Document
from segue.gui.generation.continuation import ContinuationController
from segue.gui.generation.model_loader import LoadedModel, ModelManager
from segue.gui.generation.panel import GenerationPanel

SEED = Melody([Note(62, 0, 4), Note(66, 4, 4), Note(69, 8, 4), Note(67, 12, 4)])
PIECE = SEED.add(Note(60, 16, 16), Note(64, 32, 16))


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    prefs.use_private_store(str(tmp_path / "settings"))
    monkeypatch.setenv("SEGUE_MODELS_DIR", str(tmp_path / "models"))


class StubModel:
    def pitch_limits(self):
        return (36, 96)


def continuation_job(model, request, should_stop):
    """Two continuations of one short note each: the phrase asked for runs on past them."""
    return [Melody([Note(71, request.start, 4)]), Melody([Note(74, request.start, 4)])]


def fill_job(model, request, should_stop):
    """Whole melodies, as the engine's fill returns them: a note inside the range and one past."""
    start = request.start
    return [request.seed.add(Note(50, start, 4), Note(52, start + request.steps, 4))]


def harness(qtbot, document, ask=None):
    panel = GenerationPanel()
    qtbot.addWidget(panel)
    panel.set_settings(panel.settings().replace(bars=2, variations=2))
    models = ModelManager(loader=lambda name: LoadedModel(name, name, StubModel(), "CPU"))
    errors, messages = [], []
    controller = ContinuationController(document, panel, models, lambda t, m: errors.append(t),
                                        job=continuation_job, fill=fill_job,
                                        ask_notes_after_marker=ask)
    controller.status_message.connect(messages.append)
    with qtbot.waitSignal(models.loaded, timeout=10000):
        models.load("stub")
    return SimpleNamespace(document=document, controller=controller, errors=errors,
                           messages=messages)


def finish(qtbot, h, start):
    with qtbot.waitSignal(h.controller.busy_changed, timeout=10000,
                          check_params_cb=lambda busy: not busy):
        assert start()


def test_continuations_land_in_the_piece_with_the_end_they_were_asked_for(qtbot, tmp_path):
    h = harness(qtbot, Document(SEED, SEED.end))
    finish(qtbot, h, h.controller.continue_)
    piece = h.document.piece
    assert len(piece.variations) == 2 and piece.fill_range is None
    assert piece.phrase_end == SEED.end + 2 * 16  # two bars asked for
    assert h.document.undo_stack.count() == 0  # proposals, not an edit
    # The end travels with the piece: saved, reopened, then accepted, the marker goes there.
    path = tmp_path / "pending.segue"
    write_session(path, piece)
    reopened = Document()
    reopened.load(read_session(path).piece)
    assert reopened.accept_variation() and reopened.marker == SEED.end + 32


def test_accept_discard_and_flipping_ask_the_piece(qtbot):
    h = harness(qtbot, Document(SEED, SEED.end))
    finish(qtbot, h, h.controller.continue_)
    h.controller.next()
    assert h.document.current_index == 1
    h.controller.previous()
    h.controller.previous()  # wraps round
    assert h.document.current_index == 1
    heard = h.document.heard()
    assert h.controller.accept()
    assert h.document.melody == heard and h.document.marker == SEED.end + 32
    assert h.messages[-1].startswith("Variation accepted.")
    finish(qtbot, h, h.controller.continue_)
    h.controller.discard()
    assert h.document.variations == [] and h.messages[-1] == "Variations discarded."
    assert not h.controller.accept()  # nothing pending


def test_fill_takes_the_pieces_loop_region_and_keeps_only_its_range(qtbot):
    document = Document(PIECE, PIECE.end)
    document.set_loop((16, 32), True)
    h = harness(qtbot, document)
    finish(qtbot, h, lambda: h.controller.fill_from([]))
    piece = h.document.piece
    assert piece.fill_range == (16, 32) and piece.phrase_end is None
    assert piece.variations == (Melody([Note(50, 16, 4)]),)  # the note past the range is not kept
    assert any("(the loop region)" in m for m in h.messages)
    assert h.controller.accept()
    assert h.messages[-1] == "Fill accepted; it replaced 1 note (Undo brings them back)."
    assert h.document.marker == PIECE.end and Note(50, 16, 4) in h.document.melody.notes
    assert Note(64, 32, 16) in h.document.melody.notes  # the bars after the fill stay


def test_fill_without_a_selection_or_a_loop_explains(qtbot):
    h = harness(qtbot, Document(PIECE, PIECE.end))
    assert not h.controller.fill_from([])
    assert h.errors == ["Nothing to fill"] and h.document.variations == []


def test_the_panels_key_lock_is_the_pieces_and_continue_and_fill_use_it(qtbot):
    requests = []

    def job(model, request, should_stop):
        requests.append(request)
        return [Melody([Note(71, request.start, 4)])]

    # Continue from the seed, over the notes after it (else it would continue after them).
    h = harness(qtbot, Document(PIECE, SEED.end), ask=lambda _count, _where: WRITE_OVER)
    h.controller.job = job
    panel = h.controller.panel
    panel.set_settings(panel.settings().replace(key_lock="E minor"))
    assert h.document.piece.key_lock == "E minor"
    finish(qtbot, h, h.controller.continue_)
    assert requests[-1].options.key == "E minor"
    panel.set_settings(panel.settings().replace(key_lock="auto"))
    assert h.document.piece.key_lock == "auto"
    h.controller.discard()
    finish(qtbot, h, h.controller.continue_)
    assert requests[-1].options.key == h.document.piece.resolved_key() == SEED.detect_key()


def test_variations_beyond_what_a_piece_keeps_are_not_made_pending(qtbot):
    from segue.engine import limits

    h = harness(qtbot, Document(SEED, SEED.end))
    reported = []
    h.controller._report_error = lambda title, text: reported.append(text)

    def past_the_end(model, request, should_stop):  # a phrase asked for near the last step
        return [Melody([Note(71, limits.MAX_STEPS - 2, 4)])]

    h.controller.job = past_the_end
    finish(qtbot, h, h.controller.continue_)
    assert h.document.variations == []  # a save would have refused the piece
    assert "variation 1 runs to bar" in reported[0] and "1,000,000" in reported[0]
    h.controller.job = lambda model, request, should_stop: [Melody([Note(71, 16, 4)])] * 9
    finish(qtbot, h, h.controller.continue_)
    assert h.document.variations == [] and "9 pending variations" in reported[1]
