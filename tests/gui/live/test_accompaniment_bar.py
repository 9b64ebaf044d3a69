"""The accompaniment toolbar in the main window, over a fake rtmidi: what the player is given
follows the piece's chords and the bar's choices (on/off, style, channel), the chords are heard
on their own channel, and a saved session keeps the choices."""

import pytest
from PySide6.QtWidgets import QToolBar

from segue.engine.accompaniment import AccompanimentSettings, accompaniment_part
from segue.engine.chords import Chord
from segue.engine.melody import Melody, Note
from segue.gui.document import Document
from segue.gui.live.playback import PlaybackBridge
from segue.gui.window.main_window import MainWindow
from tests.fakes.audio import fake_audio
from tests.fakes.dialogs import ScriptedDialogs
from tests.fakes.live import FakeRtmidi, fake_system

FAST = 400  # BPM: a 16-step piece lasts 0.6 s
SEED = Melody([Note(62, 0, 8), Note(66, 8, 8)], tempo=FAST)
CHORDS = (Chord(0, 8, "D"), Chord(8, 8, "G"))


@pytest.fixture(autouse=True)
def isolated(isolated_app, tmp_path, monkeypatch):
    monkeypatch.setenv("SEGUE_DEVICE", "cpu")
    (tmp_path / "models").mkdir()


@pytest.fixture
def window(qtbot):
    fake = FakeRtmidi(outputs=["Synth"], inputs=[])
    bridge = PlaybackBridge(fake_system(fake), port_poll_ms=0, audio=fake_audio(False)[0])
    made = MainWindow(Document(SEED, SEED.end), dialogs=ScriptedDialogs(), playback=bridge)
    qtbot.addWidget(made)
    made.show()
    made.fake = fake
    given = []
    player = bridge.player
    play = player.play

    def spy(melody, **kwargs):  # what the player is given, then played
        given.append(kwargs.get("accompaniment"))
        play(melody, **kwargs)

    player.play = spy
    made.given = given
    yield made
    made.answerer.shutdown()
    made.continuation.shutdown()
    made.playback.close()


def play_through(window, qtbot):
    with qtbot.waitSignal(window.playback.finished, timeout=5000):
        window.transport.toggle_play()


def test_the_bar_is_docked_and_play_hears_the_chords_on_channel_two(window, qtbot):
    bar = window.live.accompaniment_bar
    assert bar in window.findChildren(QToolBar) and bar.isVisibleTo(window)
    window.document.set_chords(CHORDS)
    play_through(window, qtbot)
    assert window.given[-1] == accompaniment_part(CHORDS, SEED, AccompanimentSettings())
    backing = [m for _, m in window.fake.sent if m[0] == 0x91 and m[2] > 0]
    assert [m[1] for m in backing][:1] == [38]  # D2: boom-chick's bass on beat 1
    assert [0xC1, AccompanimentSettings().program] in [m for _, m in window.fake.sent]


def test_toggling_off_and_choosing_a_style_change_what_the_player_is_given(window, qtbot):
    bar = window.live.accompaniment_bar
    window.document.set_chords(CHORDS)
    bar.on_action.trigger()  # off
    assert not bar.style_combo.isEnabled()
    play_through(window, qtbot)
    assert window.given[-1] is None
    bar.on_action.trigger()  # on again
    index = bar.style_combo.findData("arpeggio")
    bar.style_combo.setCurrentIndex(index)
    bar.style_combo.activated.emit(index)
    bar.channel_spin.setValue(5)
    play_through(window, qtbot)
    expected = AccompanimentSettings(style="arpeggio", channel=5)
    assert window.given[-1] == accompaniment_part(CHORDS, SEED, expected)
    assert window.given[-1].channel == 4


def test_a_style_chosen_while_playing_is_heard_at_once(window, qtbot):
    window.document.set_chords(CHORDS)
    window.transport.toggle_play()
    bar = window.live.accompaniment_bar
    index = bar.style_combo.findData("block")
    bar.style_combo.setCurrentIndex(index)
    bar.style_combo.activated.emit(index)
    assert window.given[-1].notes == accompaniment_part(
        CHORDS, SEED, AccompanimentSettings(style="block")).notes
    window.playback.stop()


def test_the_choices_are_saved_with_the_piece_and_come_back(window, tmp_path):
    bar = window.live.accompaniment_bar
    bar.volume_spin.setValue(64)
    bar.on_action.trigger()
    path = str(tmp_path / "tune.segue")
    assert window.files.save_to(path)
    bar.set_settings(AccompanimentSettings())
    assert window.files.open_path(path)
    assert bar.settings() == AccompanimentSettings(on=False, volume=64)
    assert window.playback.session.accompaniment == bar.settings()
