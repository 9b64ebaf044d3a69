"""The generation panel's controls and the continuation workflow driven through its buttons."""

import threading
from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt

from segue.engine import keys
from segue.engine.melody import Melody, Note
from segue.engine.ml import options
from segue.engine.ml.options import GenerationOptions
from segue.engine.ml.request import ContinuationRequest
from segue.engine.session import GenerationSettings
from segue.gui.document import Document
from segue.gui.generation.actions import TIPS as ACTION_TIPS
from segue.gui.generation.actions import GenerationActions
from segue.gui.generation.continuation import ContinuationController
from segue.gui.generation.controls import NoteSpinBox, note_name, parse_note
from segue.gui.generation.model_loader import LoadedModel, ModelManager, continuation_job
from segue.gui.generation.panel import TIPS, GenerationPanel
from segue.gui.generation.tooltips import rich_tip

SEED = Melody([Note(62, 0, 4), Note(66, 4, 4), Note(69, 8, 4), Note(67, 12, 4)], key="D major")


pytestmark = pytest.mark.usefixtures("isolated_app")  # tests/conftest.py


@pytest.fixture(scope="module")
def tiny_model():
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    from segue.engine.ml.model import ModelConfig, create_model

    config = ModelConfig(hidden_size=48, num_layers=1, token_dim=16, pitch_dim=8, contour_dim=8,
                         meter_dim=8, lookback_dim=8)
    return create_model(config, seed=3)


@pytest.fixture(scope="module")
def full_size_model():
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    from segue.engine.ml.model import create_model

    return create_model(seed=5)


def harness(qtbot, model=None, document=None, job=continuation_job, loader=None):
    document = document or Document(SEED, SEED.end)
    panel = GenerationPanel()
    qtbot.addWidget(panel)
    models = ModelManager(loader=loader or (lambda name: LoadedModel(name, name, model, "CPU")))
    errors = []
    controller = ContinuationController(document, panel, models, lambda t, m: errors.append((t, m)), job=job)
    if model is not None:
        with qtbot.waitSignal(models.loaded, timeout=10000):
            models.load("tiny")
    return SimpleNamespace(document=document, panel=panel, models=models, errors=errors, controller=controller)


def press(qtbot, button):
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def run_continue(qtbot, h, button=None):
    with qtbot.waitSignal(h.controller.busy_changed, timeout=20000, check_params_cb=lambda busy: not busy):
        press(qtbot, button or h.panel.continue_button)


# --- the controls -----------------------------------------------------------------------------


def test_panel_defaults_are_the_neutral_settings(qtbot):
    panel = GenerationPanel()
    qtbot.addWidget(panel)
    assert panel.settings() == GenerationSettings()


def test_controls_cover_the_documented_ranges(qtbot):
    panel = GenerationPanel()
    qtbot.addWidget(panel)
    slider = panel.temperature.slider
    slider.setValue(slider.minimum())
    assert panel.settings().temperature == pytest.approx(0.1)
    slider.setValue(slider.maximum())
    assert panel.settings().temperature == pytest.approx(2.0)
    panel.rest_weight.slider.setValue(panel.rest_weight.slider.minimum())
    assert panel.settings().rest_weight == 0.0
    panel.rest_weight.slider.setValue(panel.rest_weight.slider.maximum())
    assert panel.settings().rest_weight == pytest.approx(2.0)
    assert (panel.bars.minimum(), panel.bars.maximum()) == (1, 32)
    assert (panel.variations.minimum(), panel.variations.maximum()) == (1, 8)
    key_items = [panel.key_lock.itemData(i) for i in range(panel.key_lock.count())]
    assert key_items[:2] == ["off", "auto"]
    assert [k for k in key_items[2:] if k] == list(keys.ALL_KEYS)


def test_every_control_takes_its_range_from_the_engine(qtbot):
    panel = GenerationPanel()
    qtbot.addWidget(panel)
    for slider, span in ((panel.temperature, options.TEMPERATURE), (panel.rest_weight, options.REST_WEIGHT),
                         (panel.follow_seed, options.FOLLOW_SEED)):
        slider.slider.setValue(slider.slider.minimum())
        assert slider.value() == pytest.approx(span.low)
        slider.slider.setValue(slider.slider.maximum())
        assert slider.value() == pytest.approx(span.high)
        slider.set_value(span.low + span.step)
        assert slider.value() == pytest.approx(span.low + span.step)
    for box, span in ((panel.bars, options.BARS), (panel.variations, options.VARIATIONS),
                      (panel.pitch_low, options.PITCH_LOW), (panel.pitch_high, options.PITCH_HIGH),
                      (panel.rng_seed, options.RNG_SEED)):
        assert (box.minimum(), box.maximum()) == (span.low, span.high)


def test_every_control_explains_itself_in_a_tooltip(qtbot):
    panel = GenerationPanel()
    qtbot.addWidget(panel)
    panel.show_actions(GenerationActions())
    for widget in (panel.model_combo, panel.temperature.slider, panel.rest_weight.slider, panel.bars,
                   panel.variations, panel.key_lock, panel.pitch_low, panel.pitch_high, panel.rng_seed,
                   panel.seed_lock, panel.continue_button, panel.fill_button, panel.cancel_button, panel.accept_button,
                   panel.regenerate_button, panel.discard_button, panel.next_button, panel.previous_button):
        assert len(widget.toolTip()) > 20, widget
    assert all(tip.strip() for tip in TIPS.values())
    # Rich text, so Qt wraps a long tip instead of drawing one line across the screen.
    assert panel.temperature.slider.toolTip() == rich_tip(TIPS["temperature"])
    assert panel.accept_button.toolTip() == rich_tip(ACTION_TIPS["accept"])


def test_tooltips_show_their_text_never_markup():
    assert rich_tip("Call & response <b>") == "<p>Call &amp; response &lt;b&gt;</p>"


def test_buttons_take_no_focus_from_a_click(qtbot):
    panel = GenerationPanel()
    qtbot.addWidget(panel)
    panel.show_actions(GenerationActions())
    for button in (panel.continue_button, panel.fill_button, panel.cancel_button, panel.accept_button,
                   panel.regenerate_button,
                   panel.discard_button, panel.audition_button, panel.previous_button, panel.next_button,
                   panel.seed_lock):
        assert button.focusPolicy() == Qt.FocusPolicy.TabFocus, button.text()


def test_settings_round_trip_through_the_widgets(qtbot):
    panel = GenerationPanel()
    qtbot.addWidget(panel)
    panel.set_models(["folk", "irish"], "folk")
    wanted = GenerationSettings(model="irish", temperature=0.35, rest_weight=1.5, follow_seed=0.6,
                                bars=12, variations=6,
                                key_lock="E minor", pitch_low=50, pitch_high=80, rng_seed=99, seed_locked=True)
    with qtbot.waitSignal(panel.settings_changed, check_params_cb=lambda s: s == wanted):
        panel.set_settings(wanted)
    assert panel.settings() == wanted
    assert panel.model_combo.currentText() == "irish"
    assert panel.seed_lock.text() == "Locked"


def test_moving_a_control_reports_the_new_settings(qtbot):
    panel = GenerationPanel()
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.settings_changed, check_params_cb=lambda s: s.bars == 9):
        panel.bars.setValue(9)
    with qtbot.waitSignal(panel.settings_changed, check_params_cb=lambda s: s.key_lock == "auto"):
        panel.key_lock.setCurrentIndex(1)


def test_pitch_range_ends_never_cross(qtbot):
    panel = GenerationPanel()
    qtbot.addWidget(panel)
    panel.pitch_high.setValue(70)
    panel.pitch_low.setValue(75)
    assert (panel.settings().pitch_low, panel.settings().pitch_high) == (75, 75)
    panel.pitch_high.setValue(60)
    assert (panel.settings().pitch_low, panel.settings().pitch_high) == (60, 60)


@pytest.mark.parametrize(
    "text, value",
    [("C4", 60), ("c4", 60), ("F#3", 54), ("Bb2", 46), ("60", 60), ("C4 (60)", 60), ("C-1", 0),
     ("G9", 127), ("G#9", None), ("H2", None), ("", None), ("200", None)],
)
def test_note_names_parse_like_a_musician_types_them(text, value):
    assert parse_note(text) == value


def test_note_spin_box_shows_names(qtbot):
    box = NoteSpinBox()
    qtbot.addWidget(box)
    box.setValue(61)
    assert box.text() == "C#4 (61)"
    assert note_name(60) == "C4"


def test_notes_are_spelled_alike_in_the_panel_and_on_the_roll(qtbot):
    from segue.gui.piano_roll import style as piano_roll_style
    assert [note_name(p) for p in range(60, 72)] == [piano_roll_style.note_name(p) for p in range(60, 72)]
    assert note_name(63) == "Eb4" and note_name(70) == "Bb4"  # as in the key names (Eb major)
    assert parse_note("D#4") == parse_note("Eb4") == 63  # either spelling can be typed


def test_model_chooser_lists_models_and_open_model(qtbot, tmp_path):
    (tmp_path / "models").mkdir(exist_ok=True)
    (tmp_path / "models" / "folk.md").write_text("# Model card: folk\n\nAn LSTM.\n")
    panel = GenerationPanel()
    qtbot.addWidget(panel)
    panel.set_models(["folk", "irish"], "folk")
    items = [panel.model_combo.itemText(i) for i in range(panel.model_combo.count())]
    assert items[:2] == ["folk", "irish"] and items[-1] == "Open Model…"
    with qtbot.waitSignal(panel.model_chosen, check_params_cb=lambda name: name == "irish"):
        panel.model_combo.activated.emit(1)
    assert panel.settings().model == "irish"
    with qtbot.waitSignal(panel.open_model_requested):
        panel.model_combo.activated.emit(panel.model_combo.count() - 1)
    assert panel.model_combo.currentText() == "irish"  # stays until a file is chosen
    tip = panel.model_combo.itemData(0, Qt.ItemDataRole.ToolTipRole)
    assert tip == "An LSTM."  # each model shows its card
    assert panel.model_combo.itemData(1, Qt.ItemDataRole.ToolTipRole) is None  # irish: none here


def test_the_buttons_are_the_commands_actions(qtbot):
    actions = GenerationActions()
    panel = GenerationPanel()
    qtbot.addWidget(panel)
    panel.show_actions(actions)
    assert panel.accept_button.defaultAction() is actions["accept"]
    assert panel.accept_button.text() == "Accept" and actions["accept"].text() == "&Accept Variation"
    assert not panel.accept_button.isEnabled() and not panel.next_button.isEnabled()
    actions.update(busy=False, variations=3)
    assert panel.accept_button.isEnabled() and panel.next_button.isEnabled()
    actions.update(busy=False, variations=1)
    assert panel.accept_button.isEnabled() and not panel.next_button.isEnabled()
    actions.update(busy=True, variations=3)
    assert not panel.accept_button.isEnabled() and panel.cancel_button.isEnabled()
    assert not panel.continue_button.isEnabled()
    panel.set_variation_state(1, 3)
    assert panel.variation_label.text() == "Variation 2 of 3"


def test_the_controller_decides_what_is_enabled(qtbot):
    h = harness(qtbot)
    assert h.panel.continue_button.isEnabled() and not h.panel.accept_button.isEnabled()
    h.document.set_variations([Melody([Note(70, 16, 4)]), Melody([Note(72, 16, 4)])])
    assert h.controller.actions["accept"].isEnabled() and h.panel.next_button.isEnabled()
    h.document.discard_variations()
    assert not h.panel.accept_button.isEnabled()


# --- the workflow -------------------------------------------------------------------------------


def test_continue_puts_variations_after_the_marker_without_touching_the_piece(qtbot, tiny_model):
    h = harness(qtbot, tiny_model)
    h.panel.set_settings(h.panel.settings().replace(bars=2, variations=3))
    run_continue(qtbot, h)
    assert h.errors == []
    variations = h.document.variations
    assert len(variations) == 3
    for variation in variations:
        assert all(SEED.end <= n.start < SEED.end + 2 * SEED.steps_per_bar for n in variation.notes)
    assert h.document.melody == SEED and h.document.undo_stack.count() == 0
    assert h.panel.variation_label.text() == "Variation 1 of 3"


def test_flip_accept_and_continue_again_builds_the_piece(qtbot, tiny_model):
    h = harness(qtbot, tiny_model)
    h.panel.set_settings(h.panel.settings().replace(bars=1, variations=2))
    run_continue(qtbot, h)
    press(qtbot, h.panel.next_button)
    assert h.document.current_index == 1
    press(qtbot, h.panel.next_button)
    assert h.document.current_index == 0  # wraps around
    press(qtbot, h.panel.previous_button)
    chosen = h.document.current_variation()
    press(qtbot, h.panel.accept_button)
    assert h.document.undo_stack.count() == 1
    assert h.document.variations == []
    assert set(chosen.notes) <= set(h.document.melody.notes)
    first_phrase_end = h.document.marker
    assert first_phrase_end >= SEED.end
    run_continue(qtbot, h)
    assert all(n.start >= first_phrase_end for v in h.document.variations for n in v.notes)
    h.document.undo_stack.undo()
    assert h.document.melody == SEED and h.document.marker == SEED.end


def test_discard_and_regenerate(qtbot, tiny_model):
    h = harness(qtbot, tiny_model)
    h.panel.set_settings(h.panel.settings().replace(bars=1, variations=2))
    run_continue(qtbot, h)
    first = h.document.variations
    run_continue(qtbot, h, h.panel.regenerate_button)
    assert h.document.variations != first  # a fresh roll of the dice
    press(qtbot, h.panel.discard_button)
    assert h.document.variations == [] and h.document.melody == SEED
    assert h.document.undo_stack.count() == 0


def test_locked_seed_repeats_the_result_and_unlocked_rolls_again(qtbot, tiny_model):
    h = harness(qtbot, tiny_model)
    h.panel.set_settings(h.panel.settings().replace(bars=2, variations=2, rng_seed=4242, seed_locked=True))
    run_continue(qtbot, h)
    first = h.document.variations
    run_continue(qtbot, h)
    assert h.document.variations == first
    assert h.panel.settings().rng_seed == 4242
    h.panel.seed_lock.setChecked(False)
    run_continue(qtbot, h)
    assert h.panel.settings().rng_seed != 4242
    assert h.document.variations != first


def test_settings_reach_the_engine(qtbot):
    requests = []

    def job(model, request, should_stop):
        requests.append(request)
        return [Melody([Note(60, request.start, 2)])]

    h = harness(qtbot, object(), job=job)
    h.panel.set_settings(GenerationSettings(temperature=0.5, rest_weight=0.25, bars=3, variations=5,
                                            key_lock="auto", pitch_low=48, pitch_high=72, rng_seed=11,
                                            seed_locked=True, follow_seed=0.75))
    run_continue(qtbot, h)
    wanted = GenerationOptions(temperature=0.5, rest_weight=0.25, variations=5, rng_seed=11,
                               key="D major", pitch_range=(48, 72), follow_seed=0.75)
    assert requests == [ContinuationRequest(SEED, SEED.end, 3 * 16, wanted)]


def test_cancel_stops_a_real_generation_and_leaves_the_piece(qtbot, full_size_model):
    # How fast cancel is observed is measured in bench/gui_latency.py, not asserted here.
    h = harness(qtbot, full_size_model)
    h.panel.set_settings(h.panel.settings().replace(bars=32, variations=8))
    messages = []
    h.controller.status_message.connect(messages.append)
    with qtbot.waitSignal(h.controller.busy_changed, timeout=5000):
        press(qtbot, h.panel.continue_button)
    qtbot.waitUntil(lambda: h.panel.progress.value() > 0, timeout=20000)
    with qtbot.waitSignal(h.controller.busy_changed, timeout=20000, check_params_cb=lambda busy: not busy):
        press(qtbot, h.panel.cancel_button)
    assert messages[-1] == "Continuation cancelled."
    assert h.document.variations == [] and h.document.melody == SEED
    assert h.errors == []


def test_an_engine_error_is_reported_and_the_session_is_untouched(qtbot):
    def failing(model, request, should_stop):
        yield 0.1
        raise ValueError("the melody spans 70 semitones, more than the model's range 36-96")

    h = harness(qtbot, object(), job=failing)
    h.document.set_variations([Melody([Note(70, 16, 4)])])
    before = (h.document.piece, h.document.variations)
    run_continue(qtbot, h)
    assert len(h.errors) == 1
    title, message = h.errors[0]
    assert "more than the model's range" in message and "Traceback" not in message
    assert (h.document.piece, h.document.variations) == before


def test_out_of_memory_is_reported_in_plain_words(qtbot):
    def exhausted(model, request, should_stop):
        raise MemoryError

    h = harness(qtbot, object(), job=exhausted)
    run_continue(qtbot, h)
    assert "Out of memory" in h.errors[0][1]
    assert h.document.variations == []


def test_without_a_model_continue_explains(qtbot):
    h = harness(qtbot)
    press(qtbot, h.panel.continue_button)
    assert h.errors and h.errors[0][0] == "No model"
    assert not h.controller.is_running


def test_a_failed_model_load_is_the_reason_given(qtbot):
    def broken(name):
        raise ValueError("folk.json: not a Segue model card")

    h = harness(qtbot, loader=broken)
    with qtbot.waitSignal(h.models.failed, timeout=5000):
        h.models.load("folk")
    press(qtbot, h.panel.continue_button)
    assert "not a Segue model card" in h.errors[0][1]


def test_continue_pressed_while_the_model_loads_starts_when_it_is_ready(qtbot, tiny_model):
    loading, release = threading.Event(), threading.Event()

    def held_loader(name):  # loads only when the test lets it
        loading.set()
        release.wait(20)
        return LoadedModel(name, name, tiny_model, "CPU")

    h = harness(qtbot, loader=held_loader)
    h.panel.set_settings(h.panel.settings().replace(bars=1, variations=1))
    h.models.load("tiny")
    assert loading.wait(10) and h.models.is_loading
    press(qtbot, h.panel.continue_button)
    assert h.document.variations == [] and not h.controller.is_running
    release.set()
    qtbot.waitUntil(lambda: len(h.document.variations) == 1, timeout=10000)
    assert h.errors == []


def test_empty_piece_and_marker_before_the_notes(qtbot, tiny_model):
    h = harness(qtbot, tiny_model, document=Document(Melody(), 0))
    press(qtbot, h.panel.continue_button)
    assert h.errors[0][0] == "Nothing to continue"
    h.errors.clear()
    h.document.set_melody(SEED, "Draw")  # the marker stays at 0, before every note
    h.panel.set_settings(h.panel.settings().replace(bars=1, variations=1))
    run_continue(qtbot, h)
    assert h.errors == []
    assert h.document.marker == SEED.end
    assert len(h.document.variations) == 1


def test_accept_moves_the_marker_to_the_end_of_the_phrase_asked_for(qtbot):
    def job(model, request, should_stop):  # one bar of notes, then a bar of rest
        return [Melody([Note(64, request.start, 8), Note(62, request.start + 8, 8)])]

    h = harness(qtbot, object(), job=job)
    h.panel.set_settings(h.panel.settings().replace(bars=2, variations=1))
    run_continue(qtbot, h)
    press(qtbot, h.panel.accept_button)
    assert h.document.marker == SEED.end + 2 * 16  # after the closing rest, on the bar line


def test_without_the_request_the_phrase_ends_on_the_next_bar_line():
    document = Document(SEED, SEED.end)
    document.set_variations([Melody([Note(64, 16, 4), Note(62, 20, 2)])])
    assert document.accept_variation()
    assert document.marker == 32


def test_undoing_an_accept_brings_the_variations_back(qtbot):
    document = Document(SEED, SEED.end)
    variations = [Melody([Note(64, 16, 16)]), Melody([Note(66, 16, 16)]), Melody([Note(69, 16, 16)])]
    document.set_variations(variations, current=1)
    assert document.accept_variation()
    assert document.variations == [] and document.undo_stack.count() == 1
    document.undo_stack.undo()
    assert document.melody == SEED and document.marker == SEED.end
    assert document.variations == variations and document.current_index == 1
    document.select_variation(2)
    document.undo_stack.redo()  # redo is the accept it undid (variation 2), not the one now shown
    assert Note(66, 16, 16) in document.melody.notes and document.variations == []


def test_variations_travel_with_the_phrase_they_continue(qtbot):
    document = Document(SEED, SEED.end)
    first = [Melody([Note(64, 16, 16)]), Melody([Note(66, 16, 16)])]
    document.set_variations(first)
    document.accept_variation()
    next_phrase = [Melody([Note(67, 32, 16)]), Melody([Note(71, 32, 16)])]
    document.set_variations(next_phrase, current=1)  # continuations of the accepted phrase
    document.undo_stack.undo()
    assert document.marker == SEED.end and document.variations == first
    document.undo_stack.redo()
    assert document.marker == 32 and document.variations == next_phrase and document.current_index == 1
