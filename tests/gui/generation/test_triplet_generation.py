"""A triplet piece (12 steps per quarter) with a model on 4: Continue and Fill hear it on the
model's grid and bring the variations back onto the piece's; the surprise lane scores it when
its notes keep their places on the straight grid, and says why not when they collide."""

import threading
from types import SimpleNamespace

import pytest

from segue.engine.grid import regrid
from segue.engine.melody import Melody, Note
from segue.engine.piece import outside_range
from segue.gui import settings as prefs
from segue.gui.document import Document
from segue.gui.generation.continuation import ContinuationController
from segue.gui.generation.model_loader import LoadedModel, ModelManager
from segue.gui.generation.panel import GenerationPanel
from segue.gui.generation.surprise import TRIPLETS_NOT_SCORED, SurpriseController
from segue.gui.piano_roll.roll import PianoRoll
from tests.gui.generation.test_surprise import FakeScore

# A bar of 4/4 on 12 steps a quarter: three triplet eighths, a quarter, a half; then a bar with
# a triplet quarter pair and a half.
TRIPLETS = Melody(
    [Note(62, 0, 4), Note(66, 4, 4), Note(69, 8, 4), Note(67, 12, 12), Note(64, 24, 24),
     Note(60, 48, 8), Note(62, 56, 8), Note(64, 64, 32)],
    steps_per_quarter=12, key="D major")
BAR = 48


pytestmark = pytest.mark.usefixtures("isolated_app")  # tests/conftest.py


@pytest.fixture(scope="module")
def tiny_model():
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    from segue.engine.ml.model import ModelConfig, create_model

    return create_model(ModelConfig(hidden_size=24, token_dim=8, pitch_dim=4, contour_dim=4,
                                    meter_dim=4, lookback_dim=4), seed=3)


@pytest.fixture
def heard_seeds(monkeypatch):
    """The seeds the engine's sampler is given (the worker thread appends them)."""
    from segue.engine.ml import fill, sampling

    seeds, lock, real = [], threading.Lock(), sampling.iter_generate

    def spy(model, seed, *args, **kwargs):
        with lock:
            seeds.append(seed)
        return real(model, seed, *args, **kwargs)

    monkeypatch.setattr(sampling, "iter_generate", spy)
    monkeypatch.setattr(fill, "iter_generate", spy)  # Fill draws its candidates with it
    return seeds


def harness(qtbot, model, document):
    panel = GenerationPanel()
    qtbot.addWidget(panel)
    panel.set_settings(panel.settings().replace(bars=1, variations=3))
    models = ModelManager(loader=lambda name: LoadedModel(name, name, model, "CPU"))
    errors = []
    controller = ContinuationController(document, panel, models,
                                        lambda t, m: errors.append((t, m)))
    with qtbot.waitSignal(models.loaded, timeout=10000):
        models.load("tiny")
    return SimpleNamespace(document=document, controller=controller, errors=errors)


def finish(qtbot, h, start):
    with qtbot.waitSignal(h.controller.busy_changed, timeout=20000,
                          check_params_cb=lambda busy: not busy):
        assert start()


def on_threes(melody):
    return all(note.start % 3 == 0 and note.length % 3 == 0 for note in melody.notes)


def test_continue_gives_the_model_a_straight_seed_and_the_piece_triplet_variations(
        qtbot, tiny_model, heard_seeds):
    h = harness(qtbot, tiny_model, Document(TRIPLETS, 2 * BAR))
    finish(qtbot, h, h.controller.continue_)
    assert h.errors == []
    assert [seed.steps_per_quarter for seed in heard_seeds] == [4]
    assert heard_seeds[0] == regrid(TRIPLETS, 4)  # the triplets snapped to sixteenths
    variations = h.document.variations
    assert len(variations) == 3
    for variation in variations:
        assert variation.steps_per_quarter == 12 and variation.notes
        assert on_threes(variation)  # the model's sixteenths, exactly: 3 steps each
        assert all(2 * BAR <= n.start and n.end <= 3 * BAR for n in variation.notes)
    assert h.document.piece.phrase_end == 3 * BAR
    assert h.document.melody == TRIPLETS  # the piece is untouched until Accept
    assert h.controller.accept()
    assert h.document.melody.notes[:len(TRIPLETS.notes)] == TRIPLETS.notes


def test_fill_keeps_the_triplets_around_it_exactly(qtbot, tiny_model, heard_seeds):
    piece = TRIPLETS.add(Note(71, 3 * BAR, 4), Note(72, 3 * BAR + 4, 4), Note(74, 3 * BAR + 8, 40))
    h = harness(qtbot, tiny_model, Document(piece, piece.end))
    h.document.set_loop((BAR, 3 * BAR))
    finish(qtbot, h, lambda: h.controller.fill_from([]))
    assert h.errors == [] and h.document.fill_range == (BAR, 3 * BAR)
    assert heard_seeds[0].steps_per_quarter == 4
    around = outside_range(piece, BAR, 3 * BAR).notes
    for variation in h.document.variations:
        assert on_threes(variation)
        assert all(BAR <= n.start and n.end <= 3 * BAR for n in variation.notes)
        h.document.select_variation(h.document.variations.index(variation))
        heard = h.document.heard()
        assert [n for n in heard.notes if not BAR <= n.start < 3 * BAR] == list(around)


# --- the surprise lane -----------------------------------------------------------------------

STRAIGHT_MODEL = SimpleNamespace(config=SimpleNamespace(steps_per_quarter=4))


def surprise_harness(qtbot, melody):
    document = Document(melody)
    panel, roll = GenerationPanel(), PianoRoll(document)
    qtbot.addWidget(panel)
    qtbot.addWidget(roll)
    models = ModelManager(loader=lambda name: LoadedModel(name, name, STRAIGHT_MODEL, "CPU"))
    with qtbot.waitSignal(models.loaded):
        models.load("straight")
    for setting in (prefs.SURPRISE_LANE, prefs.SURPRISE_TINT):
        setting.write(False)  # the lane comes on in the test
    job = FakeScore()
    controller = SurpriseController(document, models, panel, roll, job=job, delay_ms=1)
    return SimpleNamespace(document=document, roll=roll, job=job, controller=controller)


def shutdown(qtbot, h):
    h.controller.shutdown()
    qtbot.waitUntil(lambda: not h.controller.busy)


def test_a_triplet_piece_that_regrids_cleanly_is_scored_note_for_note(qtbot):
    h = surprise_harness(qtbot, TRIPLETS)
    with qtbot.waitSignal(h.controller.scored) as scored:
        h.controller.lane_action.setChecked(True)
    (heard, _follow), = h.job.calls
    assert heard == regrid(TRIPLETS, 4) and len(heard.notes) == len(TRIPLETS.notes)
    surprises = scored.args[0]
    # FakeScore gives each note pitch - 50 bits: they land on the piece's own notes.
    for note in TRIPLETS.notes[1:]:
        assert surprises.of(note).bits == note.pitch - 50
    assert surprises.problem == ""
    shutdown(qtbot, h)


def test_a_triplet_piece_whose_notes_collide_says_why_it_is_not_scored(qtbot):
    sixteenth_triplets = Melody([Note(60, 0, 2), Note(62, 2, 2), Note(64, 4, 2), Note(65, 6, 6)],
                                steps_per_quarter=12)
    h = surprise_harness(qtbot, sixteenth_triplets)
    h.controller.lane_action.setChecked(True)
    qtbot.waitUntil(lambda: h.roll.surprise_lane.surprises is not None)
    assert h.roll.surprise_lane.surprises.problem == TRIPLETS_NOT_SCORED
    assert TRIPLETS_NOT_SCORED == "Not scored: triplets (this model hears a straight grid)"
    assert h.job.calls == []  # no wrong bits: the model never heard it
    shutdown(qtbot, h)


def test_a_straight_piece_is_scored_by_the_styles_model_for_straight_pieces():
    from segue.gui.generation.surprise import surprises_of  # noqa: PLC0415

    style = SimpleNamespace(config=SimpleNamespace(steps_per_quarter=12), straight_model=STRAIGHT_MODEL)
    models = []
    job = FakeScore()

    def scoring(model, melody, follow_seed, chords=()):
        models.append(model)
        return job(model, melody, follow_seed, chords)

    straight = regrid(TRIPLETS, 4)
    surprises = surprises_of(scoring, style, straight, 0.4)
    assert models == [STRAIGHT_MODEL] and job.calls[0][0] is straight  # heard as it is
    assert surprises.problem == "" and surprises.of(straight.notes[1]).bits == straight.notes[1].pitch - 50
    surprises_of(scoring, style, TRIPLETS, 0.4)  # a triplet piece: the style's own model
    assert models[1] is style and job.calls[1][0] is TRIPLETS
