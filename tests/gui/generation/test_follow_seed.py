"""Follow the seed is heard: with the random seed locked, Follow 0 and Follow 1 give different
variations of a reel (the shipped Irish model, through the panel, the controller and the
worker, as a musician meets it)."""

import pytest

from segue.engine.openings import read_openings
from segue.gui import settings as prefs
from segue.gui.document import Document
from segue.gui.generation.continuation import ContinuationController
from segue.gui.generation.model_loader import ModelManager
from segue.gui.generation.panel import GenerationPanel


@pytest.fixture(autouse=True)
def isolated(tmp_path):
    prefs.use_private_store(str(tmp_path / "settings"))


def reel_seed():
    """The first four bars of a reel the Irish model ships as an opening."""
    for opening in read_openings("irish"):
        bar = opening.steps_per_bar
        if opening.time_signature in ((4, 4), (2, 2)) and opening.end >= 4 * bar:
            return opening.slice(0, 4 * bar)
    raise AssertionError("the Irish model ships no reel opening")


def continuations(qtbot, controller, document, panel, follow_seed):
    panel.set_settings(panel.settings().replace(follow_seed=follow_seed))
    with qtbot.waitSignal(controller.busy_changed, timeout=60000, check_params_cb=lambda busy: not busy):
        assert controller.continue_()
    made = [v.notes for v in document.piece.variations]
    controller.discard()
    return made


def test_follow_0_and_1_give_different_variations_with_the_seed_locked(qtbot):
    seed = reel_seed()
    document = Document(seed, seed.end)
    panel = GenerationPanel()
    qtbot.addWidget(panel)
    models = ModelManager()
    errors = []
    controller = ContinuationController(document, panel, models, lambda t, m: errors.append((t, m)))
    with qtbot.waitSignal(models.loaded, timeout=60000):
        models.load("irish")
    panel.set_settings(panel.settings().replace(
        model="irish", bars=4, variations=4, rng_seed=7, seed_locked=True))
    plain = continuations(qtbot, controller, document, panel, 0.0)
    assert continuations(qtbot, controller, document, panel, 0.0) == plain  # the lock holds
    followed = continuations(qtbot, controller, document, panel, 1.0)
    assert not errors and len(plain) == len(followed) == 4
    assert followed[0] != plain[0]  # the variation shown first changes
    assert sum(a != b for a, b in zip(plain, followed)) >= 3
