"""The live-MIDI transport inside the main window, over a fake rtmidi (no MIDI system needed):
Play plays what you hear, Stop releases, takes are one undo step, the roll's keys audition,
call and response answers with the current settings, and no MIDI system leaves the app usable."""

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QToolBar

from segue.engine.live.endpoints import PortInfo
from segue.engine.live.player import START_LEAD_SECONDS, Player
from segue.engine.melody import Melody, Note
from segue.gui.document import Document
from segue.gui.live.playback import PlaybackBridge
from segue.gui.window.export import ExportOptions
from segue.gui.window.main_window import MainWindow
from tests.fakes.audio import fake_audio
from tests.fakes.dialogs import ScriptedDialogs
from tests.fakes.live import FakeClock, FakeRtmidi, fake_system

FAST = 400  # BPM: 37.5 ms a step, 0.15 s a beat
SEED = Melody([Note(62, 0, 4), Note(66, 4, 4), Note(69, 8, 4), Note(67, 12, 4)], tempo=FAST)
RELEASE = [[0x80, 60, 64], [0xB0, 64, 0], [0xB0, 123, 0]]  # note-off, sustain off, all notes off


@pytest.fixture(autouse=True)
def isolated(isolated_app, tmp_path, monkeypatch):
    monkeypatch.setenv("SEGUE_DEVICE", "cpu")
    (tmp_path / "models").mkdir()


@pytest.fixture
def models_dir(tmp_path):
    """A models folder with a small real model 'folk' (as in test_main_window.py)."""
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    from segue.engine.ml.checkpoint import save_model
    from segue.engine.ml.model import ModelConfig, create_model

    config = ModelConfig(hidden_size=48, num_layers=1, token_dim=16, pitch_dim=8, contour_dim=8,
                         meter_dim=8, lookback_dim=8)
    folder = tmp_path / "models"
    save_model(create_model(config, seed=2), folder / "folk")
    return folder


@pytest.fixture
def rig(qtbot):
    """``make(melody=SEED, marker=None, fake=None)`` -> (window, fake): a shown window whose
    transport talks to a fake rtmidi with an output 'Synth' and an input 'Keys'."""
    windows = []

    def make(melody=SEED, marker=None, fake=None, clock=None, audio=None):
        """``clock``: a FakeClock for the player (and the input's arrival times)."""
        fake = fake or FakeRtmidi(outputs=["Synth"], inputs=["Keys"])
        player = None if clock is None else Player(clock=clock, sleep=clock.sleep)
        bridge = PlaybackBridge(
            fake_system(fake), player=player, port_poll_ms=0, audio=audio or fake_audio(False)[0]
        )
        document = Document(melody, melody.end if marker is None else marker)
        window = MainWindow(document, dialogs=ScriptedDialogs(), playback=bridge)
        qtbot.addWidget(window)
        window.show()
        windows.append((window, clock))
        return window, fake

    yield make
    for window, clock in windows:  # a modified piece refuses to close: release the ports ourselves
        if clock is not None:
            clock.release()  # a player thread held on the fake clock may end
        window.answerer.shutdown()
        window.continuation.shutdown()
        window.playback.close()


def note_ons(fake):
    return [m[1] for _, m in fake.sent if m[0] & 0xF0 == 0x90 and m[2] > 0]


def sent(fake):
    return [m for _, m in fake.sent]


# --- the toolbar in the window ---------------------------------------------------------------------


def test_a_loop_region_set_on_the_ruler_loops_playback_there(rig):
    window, _ = rig()
    transport, roll = window.transport, window.roll
    assert not transport.loop_action.isChecked()
    roll.set_loop_region((4, 12))
    assert transport.loop_action.isChecked()  # setting a region turns the loop on, as in a DAW
    assert roll.loop_enabled
    transport.play_action.trigger()
    try:
        assert window.playback.player.loop == (4, 12)
        roll.set_loop_region(None)  # cleared: the whole piece, rounded up to a bar
        assert window.playback.player.loop == (0, 16)
    finally:
        transport.play_action.trigger()


def test_the_window_docks_the_transport_and_shows_the_output(rig):
    window, _ = rig()
    transport = window.transport
    assert transport in window.findChildren(QToolBar)
    assert window.toolBarArea(transport) == Qt.ToolBarArea.TopToolBarArea
    menu = window.transport_menu
    for action in (transport.play_action, window.actions["return_to_start"], transport.loop_action,
                   transport.record_action, transport.call_response_action, transport.panic_action):
        assert action in menu.actions()
    assert transport.play_action.shortcut().toString() == "Space"
    # The first output opens on a first start, and the status bar names it.
    assert window.playback.output_port == PortInfo("Synth", "ALSA")
    assert window.status.midi_label.text() == "MIDI out: Synth"
    assert transport.play_action.isEnabled()
    assert transport.tempo_spin.value() == FAST
    assert window.roll.tempo_box.isHidden()  # one tempo box, the transport's


# --- play and stop ------------------------------------------------------------------------------------


def test_play_sends_the_seed_and_the_pending_variation_and_moves_the_playhead(rig, qtbot):
    window, fake = rig()
    window.document.set_variations([Melody([Note(74, 16, 2)])])
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    window.roll.setFocus()
    with qtbot.waitSignal(window.playback.finished, timeout=5000):
        QTest.keyClick(window.roll.note_grid, Qt.Key.Key_Space)  # Space plays from the roll
    assert note_ons(fake) == [62, 66, 69, 67, 74]
    qtbot.waitUntil(lambda: window.roll.playhead == 18, timeout=2000)
    assert not window.transport.play_action.isChecked()
    # The playhead at the end: Play starts from the beginning again.
    with qtbot.waitSignal(window.playback.finished, timeout=5000):
        window.transport.toggle_play()
    assert note_ons(fake) == [62, 66, 69, 67, 74] * 2


def test_space_in_the_generation_panels_boxes_still_plays(rig, qtbot):
    window, fake = rig()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    for box in (window.panel.bars, window.panel.key_lock):
        box.setFocus()
        value = box.value() if hasattr(box, "value") else box.currentIndex()
        with qtbot.waitSignal(window.playback.state_changed, timeout=2000):
            QTest.keyClick(box.focusWidget() or box, Qt.Key.Key_Space)
        assert window.transport.play_action.isChecked()
        assert value == (box.value() if hasattr(box, "value") else box.currentIndex())
        window.transport.toggle_play()
        qtbot.waitUntil(lambda: not window.transport.play_action.isChecked(), timeout=2000)


def test_stop_releases_the_note_and_play_goes_on_from_the_playhead(rig, qtbot):
    melody = Melody([Note(60, 0, 64), Note(72, 64, 4)], tempo=120)  # 8 s
    window, fake = rig(melody)
    window.transport.toggle_play()
    qtbot.waitUntil(lambda: note_ons(fake) == [60], timeout=3000)
    qtbot.waitUntil(lambda: (window.roll.playhead or 0) > 0, timeout=3000)
    window.transport.toggle_play()
    assert window.playback.state == "stopped"
    assert sent(fake)[-3:] == RELEASE
    stopped_at = window.roll.playhead
    assert 0 < stopped_at < 64
    window.transport.toggle_play()  # on from the playhead: the long note is chased
    assert window.playback.player.position >= stopped_at
    window.transport.toggle_play()
    window.actions["return_to_start"].trigger()
    assert window.roll.playhead == 0


def test_the_panel_audition_button_plays_the_variation_after_a_pre_roll(rig, qtbot):
    melody = Melody([Note(60, 0, 4), Note(64, 40, 4), Note(67, 60, 4)], tempo=FAST)
    window, fake = rig(melody, marker=64)
    window.document.set_variations([Melody([Note(76, 64, 2)])])
    assert window.panel.audition_button.isEnabled()
    with qtbot.waitSignal(window.playback.finished, timeout=5000):
        QTest.mouseClick(window.panel.audition_button, Qt.MouseButton.LeftButton)
    assert note_ons(fake) == [64, 67, 76]  # from bar 3: two bars before the marker's bar


def test_an_edit_while_playing_is_heard(rig, qtbot):
    melody = Melody([Note(60, 0, 2), Note(62, 40, 2)], tempo=FAST)
    clock = FakeClock()
    window, fake = rig(melody, clock=clock)
    clock.hold_at(clock.now() + START_LEAD_SECONDS + 5 * 0.0375)  # step 5: 60 has ended
    window.transport.toggle_play()
    assert clock.wait_held()
    assert note_ons(fake) == [60]
    with qtbot.waitSignal(window.playback.finished, timeout=5000):
        window.document.set_melody(melody.add(Note(64, 30, 2)), "Add Note")
        clock.release()
    assert note_ons(fake) == [60, 64, 62]


def test_the_tempo_box_edits_the_piece_in_one_undo_step(rig, qtbot):
    window, _ = rig()
    stack = window.document.undo_stack
    window.transport.tempo_spin.setValue(150)
    window.transport.tempo_spin.setValue(160)
    assert window.document.melody.tempo == 160 and stack.count() == 1
    assert window.playback.player.tempo == 160
    stack.undo()
    assert window.document.melody.tempo == FAST
    assert window.transport.tempo_spin.value() == FAST and window.playback.player.tempo == FAST


# --- recording ------------------------------------------------------------------------------------------


def test_a_recorded_take_is_one_undo_step_on_the_rolls_snap(rig, qtbot):
    melody = Melody([Note(72, 24, 4)], tempo=240)  # 62.5 ms a step
    clock = FakeClock()
    window, fake = rig(melody, clock=clock)
    window.roll.editor.set_snap("1/4")  # four steps
    window.playback.open_input(PortInfo("Keys", "ALSA"))
    window.transport.record_action.setChecked(True)
    step_zero = clock.now() + START_LEAD_SECONDS
    clock.hold_at(step_zero + 3.1 * 0.0625)
    window.transport.toggle_play()
    assert window.playback.recording
    assert clock.wait_held()
    fake.deliver("Keys", [0x90, 67, 90])  # step 3.1: snaps to 4
    assert clock.run_to(step_zero + 10.6 * 0.0625)
    fake.deliver("Keys", [0x80, 67, 0])  # step 10.6: snaps to 12
    stack = window.document.undo_stack
    with qtbot.waitSignal(window.document.melody_changed, timeout=3000):
        window.transport.toggle_play()
    recorded = [n for n in window.document.melody.notes if n.pitch == 67]
    assert recorded == [Note(67, 4, 8, 90)]
    assert Note(72, 24, 4) in window.document.melody.notes
    assert stack.count() == 1 and stack.undoText() == "Record Take"
    assert "Recorded 1 note" in window.statusBar().currentMessage()
    stack.undo()
    assert window.document.melody == melody


# --- the roll's keyboard ------------------------------------------------------------------------------


def test_a_click_on_the_rolls_keyboard_sounds_on_the_output(rig, qtbot):
    window, fake = rig()
    keyboard = window.roll.keyboard
    y = keyboard.height() // 2
    pitch = window.roll.roll_geometry.pitch_at(y)
    QTest.mousePress(keyboard, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(10, y))
    QTest.mouseRelease(keyboard, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(10, y))
    assert fake.sent[-1] == ("Synth", [0x90, pitch, 100])
    qtbot.waitUntil(lambda: fake.sent[-1] == ("Synth", [0x80, pitch, 64]), timeout=2000)


# --- call and response ----------------------------------------------------------------------------------


def play_a_call(window, fake):
    window.playback.open_input(PortInfo("Keys", "ALSA"))
    window.playback.set_thru(False)
    window.transport.silence_spin.setValue(1)
    window.transport.call_response_action.setChecked(True)
    fake.deliver("Keys", [0x90, 62, 100])
    fake.deliver("Keys", [0x80, 62, 0])


def test_call_and_response_answers_with_the_current_settings(rig, qtbot, models_dir):
    window, fake = rig()
    with qtbot.waitSignal(window.models.loaded, timeout=20000):
        window.start_up()
    settings = window.panel.settings().replace(rest_weight=0.0, pitch_low=72, pitch_high=72, bars=1)
    window.panel.set_settings(settings)
    states = []
    window.playback.call_response_state.connect(states.append)
    with qtbot.waitSignal(window.playback.answer_started, timeout=20000) as blocker:
        play_a_call(window, fake)
    answer = blocker.args[0]
    assert answer.notes and {n.pitch for n in answer.notes} == {72}  # the panel's pitch range
    assert answer.end <= answer.steps_per_bar  # a one-note call gets a one-bar answer
    qtbot.waitUntil(lambda: 72 in note_ons(fake), timeout=3000)
    assert states[:4] == ["listening", "hearing", "thinking", "answering"]
    assert window.status.call_response_label.text() == "Call & response: answering"
    assert window.roll.playhead is None  # an answer is not the piece: the playhead stays put
    window.transport.call_response_action.setChecked(False)
    assert window.status.call_response_label.isHidden()


def test_call_and_response_without_a_model_says_so_and_listens_again(rig, qtbot):
    window, fake = rig()
    states = []
    window.playback.call_response_state.connect(states.append)
    play_a_call(window, fake)
    qtbot.waitUntil(lambda: states[-2:] == ["thinking", "listening"], timeout=5000)
    assert states[:2] == ["listening", "hearing"]
    assert window.status.call_response_label.text() == "Call & response: listening"
    assert "needs a model" in window.statusBar().currentMessage()
    assert note_ons(fake) == []


# --- no MIDI system, closing ---------------------------------------------------------------------------


def test_without_a_midi_system_play_is_off_the_status_bar_says_why_and_export_works(rig, qtbot, tmp_path):
    window, _ = rig(fake=FakeRtmidi(apis=("JACK",), failing_apis=("JACK",)))
    qtbot.waitUntil(lambda: "No MIDI system found" in window.statusBar().currentMessage(), timeout=2000)
    # The status bar says it in one short line; the technical reason is in the MIDI field's tip.
    assert window.statusBar().currentMessage() == (
        "No MIDI system found. Playback is off; export to MIDI files still works. "
        "The built-in instrument is unavailable: no audio output device was found."
    )
    assert "no JACK server is running" in window.status.midi_label.toolTip()
    assert not window.transport.play_action.isEnabled()
    assert window.status.midi_label.text() == "MIDI: unavailable"
    assert "export to MIDI files still works" in window.status.midi_label.toolTip()
    window.live.audition_variation()  # nothing to audition, nothing breaks
    assert window.files.export_to(str(tmp_path / "piece.mid"), ExportOptions())
    assert (tmp_path / "piece.mid").stat().st_size > 0


def test_closing_the_window_releases_every_note(rig, qtbot):
    window, fake = rig(Melody([Note(60, 0, 64)], tempo=120))
    window.transport.toggle_play()
    qtbot.waitUntil(lambda: note_ons(fake) == [60], timeout=3000)
    assert window.close()
    assert sent(fake)[-3:] == RELEASE
    assert window.playback.state == "stopped"
