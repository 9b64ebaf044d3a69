"""The surprise controller: scoring the piece in the background as the user edits."""

import threading
from types import SimpleNamespace

import pytest

from segue.engine.melody import Melody, Note
from segue.gui import settings as prefs
from segue.gui.document import Document
from segue.gui.generation.model_loader import LoadedModel, ModelManager
from segue.gui.generation.panel import GenerationPanel
from segue.gui.generation.surprise import SurpriseController, score_notes
from segue.gui.piano_roll.roll import PianoRoll

MELODY = Melody([Note(60, 0, 4), Note(62, 4, 4), Note(64, 8, 4)])


@pytest.fixture(autouse=True)
def views_off():
    for setting in (prefs.SURPRISE_LANE, prefs.SURPRISE_TINT):
        setting.write(False)


class FakeScore:
    """Stands in for ``score(..., per_note=True)``: a note's bits are its pitch - 50."""

    def __init__(self):
        self.calls = []  # (melody, follow_seed), in the worker thread
        self.chords = []  # the chord track each call heard

    def __call__(self, model, melody, follow_seed, chords=()):
        self.calls.append((melody, follow_seed))
        self.chords.append(chords)
        bits = [None] + [float(n.pitch - 50) for n in melody.notes[1:]]
        expected = [None] + [[(n.pitch, 0.5)] for n in melody.notes[1:]]
        return {"note_bits": bits, "note_pitch_bits": bits, "expected": expected}


@pytest.fixture
def make(qtbot):
    """``make(job=None, delay_ms=1, model=True)``: a controller on a roll, a panel and a stub
    model (loaded unless ``model`` is False); every one made is shut down with the test."""
    made = []

    def build(job=None, delay_ms=1, model=True):
        document = Document(MELODY)
        panel = GenerationPanel()
        roll = PianoRoll(document)
        qtbot.addWidget(panel)
        qtbot.addWidget(roll)
        models = ModelManager(loader=lambda name: LoadedModel(name, name, object(), "CPU"))
        if model:
            with qtbot.waitSignal(models.loaded):
                models.load("stub")
        job = job or FakeScore()
        controller = SurpriseController(document, models, panel, roll, job=job, delay_ms=delay_ms)
        made.append(SimpleNamespace(document=document, panel=panel, roll=roll, models=models,
                                    job=job, controller=controller))
        return made[-1]

    yield build
    for h in made:
        h.controller.shutdown()
        qtbot.waitUntil(lambda h=h: not h.controller.busy)
        h.document.undo_stack.clear()


@pytest.fixture
def h(make):
    return make()


def bits_shown(roll):
    return [(note.pitch, bits) for note, bits, _rect in roll.surprise_lane.bars()]


def test_showing_the_lane_scores_the_piece(qtbot, h):
    assert h.roll.surprise_lane.isHidden()
    with qtbot.waitSignal(h.controller.scored) as scored:
        h.controller.lane_action.setChecked(True)
    assert not h.roll.surprise_lane.isHidden()
    assert scored.args[0] is h.roll.surprise_lane.surprises is h.roll.note_grid.surprises
    assert bits_shown(h.roll) == [(62, 12.0), (64, 14.0)]


def test_an_edit_rescores_and_undo_too(qtbot, h):
    with qtbot.waitSignal(h.controller.scored):
        h.controller.lane_action.setChecked(True)
    edited = MELODY.with_notes([*MELODY.notes[:2], Note(67, 8, 4)])
    with qtbot.waitSignal(h.controller.scored):
        h.document.set_melody(edited, "Move Note")
    assert bits_shown(h.roll) == [(62, 12.0), (67, 17.0)]
    with qtbot.waitSignal(h.controller.scored):
        h.document.undo_stack.undo()
    assert bits_shown(h.roll) == [(62, 12.0), (64, 14.0)]
    assert [melody for melody, _follow in h.job.calls] == [MELODY, edited, MELODY]


def test_the_chord_track_is_heard_and_a_chord_edit_rescores(qtbot, h):
    from segue.engine.chords import Chord

    with qtbot.waitSignal(h.controller.scored):
        h.controller.lane_action.setChecked(True)
    track = (Chord(0, 16, "C"),)
    with qtbot.waitSignal(h.controller.scored):
        h.document.set_chords(track)
    assert h.job.chords == [(), track]


def test_a_burst_of_edits_is_scored_once_after_the_last(qtbot, make):
    h = make(delay_ms=150)
    with qtbot.waitSignal(h.controller.scored):
        h.controller.tint_action.setChecked(True)
    melodies = [MELODY.transpose(k) for k in (1, 2, 3)]
    with qtbot.waitSignal(h.controller.scored):
        for melody in melodies:
            h.document.set_melody(melody, "Transpose")
    assert [melody for melody, _follow in h.job.calls] == [MELODY, melodies[-1]]


def test_a_superseded_scoring_is_dropped(qtbot, make):
    release = threading.Event()
    started = []
    fake = FakeScore()

    def job(model, melody, follow_seed, chords=()):  # the first scoring is slow
        started.append(melody)
        if len(started) == 1:
            release.wait(10)
        return fake(model, melody, follow_seed)

    h = make(job=job)
    h.controller.lane_action.setChecked(True)
    qtbot.waitUntil(lambda: len(started) == 1)
    edited = MELODY.transpose(2)
    with qtbot.waitSignal(h.controller.scored) as scored:
        h.document.set_melody(edited, "Transpose")
    assert bits_shown(h.roll) == [(64, 14.0), (66, 16.0)]
    release.set()
    qtbot.waitUntil(lambda: not h.controller.busy)
    assert [melody for melody, _follow in fake.calls] == [edited, MELODY]  # the slow one ended
    assert h.roll.surprise_lane.surprises is scored.args[0]
    assert bits_shown(h.roll) == [(64, 14.0), (66, 16.0)]


def test_follow_the_seed_is_the_panels_and_changing_it_rescores(qtbot, h):
    h.panel.follow_seed.set_value(0.25)
    with qtbot.waitSignal(h.controller.scored):
        h.controller.lane_action.setChecked(True)
    with qtbot.waitSignal(h.controller.scored):
        h.panel.follow_seed.set_value(0.75)
    assert [follow for _melody, follow in h.job.calls] == [0.25, 0.75]


def test_nothing_is_scored_while_neither_view_is_on(qtbot, h):
    h.document.set_melody(MELODY.transpose(1), "Transpose")
    assert not h.controller.busy and h.job.calls == []
    with qtbot.waitSignal(h.controller.scored):
        h.controller.lane_action.setChecked(True)
    qtbot.waitUntil(lambda: not h.controller.busy)
    h.controller.lane_action.setChecked(False)
    assert h.roll.surprise_lane.surprises is None and h.roll.note_grid.surprises is None
    h.document.set_melody(MELODY, "Transpose")
    assert not h.controller.busy and len(h.job.calls) == 1


def test_the_views_are_remembered(make, h):
    h.controller.lane_action.setChecked(True)
    h.controller.tint_action.setChecked(True)
    assert prefs.SURPRISE_LANE.read() and prefs.SURPRISE_TINT.read()
    again = make()
    assert again.controller.lane_action.isChecked() and again.controller.tint_action.isChecked()
    assert not again.roll.surprise_lane.isHidden() and again.roll.note_grid.surprise_tint


def test_a_melody_the_model_cannot_score_says_why(qtbot, make):
    def refuse(model, melody, follow_seed, chords=()):
        raise ValueError("the melody spans 90 semitones; the model's range is 60")

    h = make(job=refuse)
    h.controller.lane_action.setChecked(True)
    qtbot.waitUntil(lambda: h.roll.surprise_lane.surprises is not None)
    assert h.roll.surprise_lane.surprises.problem == (
        "Not scored: the melody spans 90 semitones; the model's range is 60")


def test_without_a_model_the_lane_says_so(qtbot, make):
    h = make(model=False)
    h.controller.lane_action.setChecked(True)
    qtbot.waitUntil(lambda: not h.controller.busy)
    assert h.roll.surprise_lane.message == "No model loaded" and h.job.calls == []
    with qtbot.waitSignal(h.controller.scored):
        h.models.load("stub")


def test_the_window_has_the_view_toggles(main_window):
    window = main_window()
    view = window.view_menu.actions()
    assert window.actions["surprise_lane"] in view and window.actions["surprise_tint"] in view
    assert window.roll.surprise_lane.isHidden()
    window.actions["surprise_lane"].trigger()
    assert not window.roll.surprise_lane.isHidden()
    window.actions["surprise_lane"].trigger()
    window.surprise.shutdown()


def test_the_real_scoring_job_feeds_the_lane(qtbot, make):
    from segue.engine.ml.evaluation import score
    from segue.engine.ml.model import ModelConfig, create_model

    tiny = create_model(ModelConfig(hidden_size=16, token_dim=8, pitch_dim=4, contour_dim=4,
                                    meter_dim=4, lookback_dim=4), seed=7)
    h = make(job=None)
    h.controller.job = score_notes
    h.models.current = LoadedModel("tiny", "tiny", tiny, "CPU")
    with qtbot.waitSignal(h.controller.scored, timeout=20000) as scored:
        h.controller.lane_action.setChecked(True)
    figures = score(tiny, MELODY, per_note=True)
    assert [bits for _note, bits, _rect in h.roll.surprise_lane.bars()] == figures["note_bits"][1:]
    assert scored.args[0].of(MELODY.notes[2]).expected == tuple(figures["expected"][2])
