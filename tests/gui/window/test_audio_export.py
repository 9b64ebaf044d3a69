"""File > Export Audio: the piece rendered offline in the worker to a WAV file that reads back
with the standard library's ``wave``; an unwritable target is one clear message and the file
that was there stays as it was."""

import wave

import pytest
from PySide6.QtWidgets import QPushButton

from segue.engine.melody import Melody, Note
from segue.gui import settings as prefs
from segue.gui.document import Document
from segue.gui.window.audio_export import AudioExporter, AudioExportOptions
from tests.engine.audio.soundfont_mutants import CRASHING_SEEDS, write_mutant
from tests.fakes.dialogs import ScriptedDialogs

pytest.importorskip("tinysoundfont")

CHOSEN = AudioExportOptions(rate=48000, program=73)  # Flute
SEED = Melody([Note(69, 0, 2), Note(72, 2, 2)], tempo=240)  # half a second
LONG = Melody([Note(60 + i % 12, i * 2, 2) for i in range(2400)], tempo=120.0)  # five minutes


@pytest.fixture
def exporter(qtbot, tmp_path):
    prefs.use_private_store(str(tmp_path / "settings"))

    def make(save_path, options=CHOSEN, melody=SEED):
        dialogs = ScriptedDialogs(save_path=str(save_path))
        asked = []
        made = AudioExporter(
            Document(melody, melody.end), dialogs, lambda: "tune.segue", lambda: 40,
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


def test_exporting_twice_in_one_session_writes_both_files(exporter, qtbot, tmp_path):
    # A Worker runs one job in its life: the second export must get a worker of its own.
    made, dialogs, _ = exporter(tmp_path / "unused.wav")
    for name in ("first.wav", "second.wav"):
        with qtbot.waitSignal(made.finished, timeout=20000) as blocker:
            assert made.export_to(str(tmp_path / name), CHOSEN)
        assert blocker.args == [str(tmp_path / name)]
        qtbot.waitUntil(lambda: made.worker is None or not made.worker.is_running())
    assert dialogs.messages() == []
    for name in ("first.wav", "second.wav"):
        with wave.open(str(tmp_path / name)) as file:
            assert file.getnframes() > 0


def test_a_damaged_soundfont_is_named_and_the_built_in_bank_plays(exporter, qtbot, tmp_path):
    damaged = write_mutant(tmp_path, CRASHING_SEEDS[0])  # it would crash the app parsed here
    target = tmp_path / "tune.wav"
    made, dialogs, _ = exporter(target)
    prefs.write(prefs.SOUNDFONT, str(damaged))
    with qtbot.waitSignal(made.status_message, timeout=20000) as blocker:
        assert made.export_to(str(target), CHOSEN)
    assert blocker.args[0] == (
        f"Exported tune.wav. Cannot use the SoundFont '{damaged.name}': it is damaged. "
        "The built-in bank played instead."
    )
    assert dialogs.messages() == [] and target.stat().st_size > 1000


def test_cancel_stops_the_render_and_keeps_the_old_file(exporter, qtbot, tmp_path):
    target = tmp_path / "long.wav"
    target.write_bytes(b"the take from yesterday")
    made, dialogs, _ = exporter(target, melody=LONG)
    with qtbot.waitSignal(made.status_message, timeout=20000) as blocker:
        assert made.export_to(str(target), CHOSEN)
        with qtbot.waitSignal(made.worker.progress, timeout=20000):
            pass  # the child is rendering
        made.progress_dialog.findChild(QPushButton).click()  # Cancel
    assert blocker.args == ["Audio export cancelled.", 5000] and dialogs.messages() == []
    assert target.read_bytes() == b"the take from yesterday"
    assert [p.name for p in tmp_path.iterdir() if p.name != "settings"] == ["long.wav"]


def test_the_piece_chords_are_rendered_as_the_accompaniment(qtbot, tmp_path, monkeypatch):
    from segue.engine.accompaniment import AccompanimentSettings, accompaniment_part
    from segue.engine.chords import Chord
    from segue.gui.window import audio_export

    prefs.use_private_store(str(tmp_path / "settings"))
    given = []
    real_job = audio_export.render_job
    monkeypatch.setattr(audio_export, "render_job",
                        lambda *args: given.append(args[4]) or real_job(*args))
    document = Document(SEED, SEED.end)
    document.set_chords((Chord(0, 4, "Am"),))
    settings = AccompanimentSettings(style="block", program=0)
    for source, expected in ((lambda: settings, accompaniment_part(document.piece.chords, SEED,
                                                                   settings)),
                             (lambda: AccompanimentSettings(on=False), None)):
        made = AudioExporter(document, ScriptedDialogs(), lambda: "tune", lambda: 0,
                             accompaniment_source=source)
        with qtbot.waitSignal(made.finished, timeout=20000):
            assert made.export_to(str(tmp_path / "tune.wav"), CHOSEN)
        assert given[-1] == expected
    assert given[0].channel == 1 and given[0].notes
