"""CallAnswerer hands the chords the engine proposes for an answer on to playback, so the
accompaniment plays under call-and-response answers too."""

from segue.engine.chords import Chord
from segue.engine.melody import Melody, Note
from segue.gui.generation.continuation import CallAnswerer
from segue.gui.generation.model_loader import LoadedModel, ModelManager
from segue.gui.generation.panel import GenerationPanel
from segue.gui.generation.variation_chords import Generated

CALL = Melody([Note(60, 0, 4), Note(62, 4, 4), Note(64, 8, 8)])
ANSWER = Melody([Note(67, 16, 8), Note(65, 24, 8)])
CHORDS = (Chord(16, 16, "C"),)


class StubModel:
    def pitch_limits(self):
        return (36, 96)


def answerer(qtbot, job):
    panel = GenerationPanel()
    qtbot.addWidget(panel)
    models = ModelManager(loader=lambda name: LoadedModel(name, name, StubModel(), "CPU"))
    with qtbot.waitSignal(models.loaded, timeout=10000):
        models.load("stub")
    return CallAnswerer(panel, models, job=job)


def test_an_answer_comes_with_the_chords_proposed_for_it(qtbot):
    calls = []

    def job(model, request, should_stop):
        calls.append(request)
        return Generated([ANSWER], [CHORDS])

    answers = answerer(qtbot, job)
    with qtbot.waitSignal(answers.answered, timeout=10000) as answered:
        answers.answer(CALL, 7)
    assert answered.args == [ANSWER, 7, CHORDS] and len(calls) == 1
    answers.shutdown()


def test_an_answer_without_chords_and_a_failed_one_carry_none(qtbot):
    answers = answerer(qtbot, lambda model, request, should_stop: [ANSWER])
    with qtbot.waitSignal(answers.answered, timeout=10000) as answered:
        answers.answer(CALL, 1)
    assert answered.args == [ANSWER, 1, ()]

    def failing(model, request, should_stop):
        raise ValueError("no room")

    answers.job = failing
    with qtbot.waitSignal(answers.answered, timeout=10000) as answered:
        answers.answer(CALL, 2)
    assert answered.args == [None, 2, ()]
    answers.shutdown()
