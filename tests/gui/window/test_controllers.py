"""The window's controllers on their own: each takes its collaborators and reports through
signals, so none needs a MainWindow."""

import pytest
from PySide6.QtWidgets import QWidget

from segue.engine.live.ports import MidiSystem
from segue.engine.melody import Melody, Note
from segue.gui import settings as prefs
from segue.gui.document import Document
from segue.gui.generation.continuation import CallAnswerer, ContinuationController
from segue.gui.generation.model_loader import LoadedModel, ModelManager
from segue.gui.generation.panel import GenerationPanel
from segue.gui.live.playback import PlaybackBridge
from segue.gui.piano_roll.roll import PianoRoll
from segue.gui.window.files import FilesController
from segue.gui.window.live import LiveController
from segue.gui.window.models import NO_MODEL_TEXT, ModelsController
from tests.fakes.audio import fake_audio
from tests.fakes.dialogs import ScriptedDialogs
from tests.fakes.live import FakeRtmidi

SEED = Melody([Note(62, 0, 4), Note(66, 4, 4), Note(69, 8, 4), Note(67, 12, 4)])


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    prefs.use_private_store(str(tmp_path / "settings"))
    monkeypatch.setenv("SEGUE_MODELS_DIR", str(tmp_path / "models"))
    (tmp_path / "models").mkdir()


class StubModel:
    """Stands in for a loaded network: only its pitch range is read here."""

    def pitch_limits(self):
        return (36, 96)


def files_controller(qtbot, document, **answers):
    panel = GenerationPanel()
    qtbot.addWidget(panel)
    models = ModelManager(loader=lambda name: LoadedModel(name, name, StubModel(), "CPU"))
    continuation = ContinuationController(document, panel, models, lambda *_: None)
    dialogs = ScriptedDialogs(**answers)
    return FilesController(document, dialogs, panel, continuation), dialogs


def test_files_saves_and_opens_a_session_and_says_what_happened(qtbot, tmp_path):
    document = Document(SEED, 12)
    document.set_variations([Melody([Note(71, 12, 4)])])
    document.set_loop((4, 12), True)  # the loop is the piece's: saved with it
    files, _ = files_controller(qtbot, document)
    paths = []
    files.path_changed.connect(paths.append)
    target = tmp_path / "tune.segue"
    with qtbot.waitSignal(files.saved):
        assert files.save_to(str(target))
    assert paths == [str(target.resolve())] and files.title() == "tune"

    fresh = Document(Melody(), 0)
    opener, _ = files_controller(qtbot, fresh)
    seen = []
    opener.replacing.connect(lambda: seen.append("replacing"))
    fresh.loop_changed.connect(lambda region, on: seen.append(("loop", region, on)))
    opener.generation_loaded.connect(lambda generation, load: seen.append(("generation", load)))
    opener.piece_opened.connect(lambda: seen.append("opened"))
    assert opener.open_path(str(target))
    assert seen == ["replacing", ("loop", (4, 12), True), ("generation", True), "opened"]
    assert fresh.piece == document.piece  # melody, marker, variations, loop: the whole piece
    assert opener.path == str(target.resolve()) and not fresh.is_modified()


def test_files_asks_before_a_modified_piece_goes(qtbot):
    document = Document(SEED, 12)
    document.set_melody(SEED.transpose(1), "Transpose")
    files, dialogs = files_controller(qtbot, document)  # the scripted answer is Cancel
    assert files.new_piece() is False
    assert dialogs.kinds() == ["save_changes"] and document.melody == SEED.transpose(1)


def test_models_reports_loading_loaded_and_a_failed_file(qtbot, tmp_path):
    panel = GenerationPanel()
    qtbot.addWidget(panel)

    def loader(name):
        if name.endswith(".safetensors"):
            raise ValueError("not a Segue model card")
        return LoadedModel(name, f"/models/{name}.safetensors", StubModel(), "CPU")

    dialogs = ScriptedDialogs(open_path=str(tmp_path / "mine.safetensors"))
    control = ModelsController(ModelManager(loader=loader), panel, dialogs)
    shown = []
    control.model_shown.connect(lambda text, tip, device: shown.append((text, device)))
    control.refresh()
    assert shown[-1] == (NO_MODEL_TEXT, "")  # nothing in the models folder
    for suffix in (".safetensors", ".json"):  # the loader here never reads them
        (tmp_path / "models" / f"folk{suffix}").write_text("{}")
    control.refresh()
    control.start(load=False)
    with qtbot.waitSignal(control.models.loaded, timeout=10000):
        control.load("folk")
    assert shown[-2:] == [("Loading folk…", None), ("Model: folk", "CPU")]
    with qtbot.waitSignal(control.models.failed, timeout=10000):
        control.open_model_dialog()
    assert shown[-1] == ("Model: folk", "CPU")  # the working model stays in charge
    assert dialogs.kinds() == ["open_path", "error"]
    assert "mine.safetensors" in dialogs.messages()[0] and panel.settings().model == "folk"


def test_live_auditions_what_accept_keeps_and_edits_the_tempo(qtbot):
    document = Document(SEED.add(Note(60, 16, 4)), 16)
    variation = Melody([Note(74, 16, 4), Note(76, 20, 4)])
    document.set_variations([variation])
    parent = QWidget()
    qtbot.addWidget(parent)
    panel = GenerationPanel()
    qtbot.addWidget(panel)
    models = ModelManager(loader=lambda name: LoadedModel(name, name, StubModel(), "CPU"))
    playback = PlaybackBridge(MidiSystem(FakeRtmidi(outputs=["Synth"]), path_exists=lambda _p: True),
                              port_poll_ms=0, audio=fake_audio(False)[0])  # no sound card here
    roll = PianoRoll(document)
    qtbot.addWidget(roll)
    live = LiveController(document, playback, roll, CallAnswerer(panel, models), parent)
    outputs = []
    live.output_shown.connect(lambda text, _tip: outputs.append(text))
    live.show_state()
    assert outputs[-1].startswith("MIDI out")
    try:
        with qtbot.waitSignal(live.audition_started) as audition:
            live.audition_variation()
        heard = audition.args[0]
        assert heard == document.heard() and Note(60, 16, 4) not in heard.notes
        document.accept_variation()
        assert document.melody == heard  # what you heard is what Accept kept
        live.stop_playback()
        live.transport.tempo_spin.setValue(150)
        assert document.melody.tempo == 150 and document.undo_stack.count() == 2
        live.show_loop((0, 8), True)
        assert live.loop_state() == ((0, 8), True)
        assert roll.tempo_box.isHidden()  # one tempo box: the transport's
    finally:
        playback.close()
