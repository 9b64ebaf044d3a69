"""File > Export Audio: the piece rendered offline in the worker to a WAV file that reads back
with the standard library's ``wave``; an unwritable target is one clear message and the file
that was there stays as it was."""

import wave

import pytest

from segue.engine.melody import Melody, Note
from segue.gui import settings as prefs
from segue.gui.document import Document
from segue.gui.window.audio_export import AudioExporter, AudioExportOptions
from tests.fakes.dialogs import ScriptedDialogs

pytest.importorskip("tinysoundfont")

CHOSEN = AudioExportOptions(rate=48000, program=73)  # Flute
SEED = Melody([Note(69, 0, 2), Note(72, 2, 2)], tempo=240)  # half a second


@pytest.fixture
def exporter(qtbot, tmp_path):
    prefs.use_private_store(str(tmp_path / "settings"))

    def make(save_path, options=CHOSEN):
        dialogs = ScriptedDialogs(save_path=str(save_path))
        asked = []
        made = AudioExporter(
            Document(SEED, SEED.end), dialogs, lambda: "tune.segue", lambda: 40,
            ask=lambda *args: asked.append(args) or options,
        )
        return made, dialogs, asked

    return make


def test_export_audio_writes_a_wav_with_the_chosen_rate(exporter, qtbot, tmp_path):
    target = tmp_path / "tune.wav"
    made, dialogs, asked = exporter(target)
    with qtbot.waitSignal(made.finished, timeout=20000) as blocker:
        assert made.export_dialog()
    assert blocker.args == [str(target)]
    assert asked[0][2].program == 40  # the transport's instrument is offered first
    assert dialogs.asked[-1][:3] == ("save_path", "Export Audio", "tune.wav")
    with wave.open(str(target)) as file:
        assert (file.getframerate(), file.getnchannels(), file.getsampwidth()) == (48000, 2, 2)
        seconds = file.getnframes() / file.getframerate()
        frames = file.readframes(file.getnframes())
    assert 0.5 < seconds < 5  # the notes, then their release tail
    assert any(frames)  # not silence


def test_an_unwritable_target_is_one_message_and_the_old_file_stays(exporter, qtbot, tmp_path):
    target = tmp_path / "tune.wav"
    target.write_bytes(b"the take from yesterday")
    target.chmod(0o444)  # read-only: refused even for root, as a DAW refuses
    made, dialogs, _ = exporter(target)
    with qtbot.waitSignal(made.failed, timeout=20000):
        assert made.export_to(str(target), AudioExportOptions())
    assert dialogs.messages() == ["Cannot write 'tune.wav': file is read-only."]
    assert target.read_bytes() == b"the take from yesterday"


def test_the_window_offers_export_audio_in_the_file_menu(main_window):
    window = main_window()
    file_menu = window.menuBar().actions()[0].menu()
    assert window.audio_export.action in file_menu.actions()
