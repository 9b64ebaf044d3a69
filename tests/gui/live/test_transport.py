"""The transport toolbar and the playback bridge, over a fake rtmidi (no MIDI system needed)."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from segue.engine.live.endpoints import PortInfo
from segue.engine.live.messages import panic_messages
from segue.engine.live.player import START_LEAD_SECONDS, Player
from segue.engine.melody import Melody, Note
from segue.gui import settings as prefs
from segue.gui.live.playback import PlaybackBridge
from segue.gui.live.transport import NO_PORT, VIRTUAL, Transport
from tests.fakes.audio import fake_audio
from tests.fakes.live import FakeClock, FakeRtmidi, fake_system

MELODY = Melody([Note(60, 0, 1), Note(64, 1, 1)], tempo=400)  # 37.5 ms a step


def note_ons(fake):
    return [m[1] for _, m in fake.sent if m[0] & 0xF0 == 0x90 and m[2] > 0]


@pytest.fixture
def rig(qtbot):
    made = []

    def make(fake=None, *, melody=MELODY, platform=None, remember=False, clock=None, audio=None):
        """``clock``: a FakeClock for the player (and the input's arrival times)."""
        fake = fake or FakeRtmidi(outputs=["Synth", "Piano"], inputs=["Keys"])
        system = fake_system(fake, platform=platform)
        player = None if clock is None else Player(clock=clock, sleep=clock.sleep)
        bridge = PlaybackBridge(system, player=player, port_poll_ms=0, audio=audio or fake_audio(False)[0])
        transport = Transport(bridge, melody_source=lambda: melody, remember_ports=remember)
        qtbot.addWidget(transport)
        made.append((bridge, clock))
        return fake, bridge, transport

    yield make
    for bridge, clock in made:
        if clock is not None:
            clock.release()  # a player thread held on the fake clock may end
        bridge.close()


def without_audio_notice(messages):
    """The messages but the start-up notice that the rig has no audio device."""
    return [m for m in messages if not m.startswith("The built-in instrument is unavailable")]


def combo_items(combo):
    return [combo.itemText(i) for i in range(combo.count())]


def play_key(fake, clock, pitch, velocity, start, end):
    """Press a key on the fake keyboard "Keys" at clock time ``start``, release it at ``end``:
    the player's thread runs the fake clock there and holds it while the key arrives."""
    assert clock.run_to(start)
    fake.deliver("Keys", [0x90, pitch, velocity])
    assert clock.run_to(end)
    fake.deliver("Keys", [0x80, pitch, 0])


def stop_for_take(qtbot, bridge, transport):
    """Stop recording; the take that comes out."""
    with qtbot.waitSignal(bridge.take_finished) as blocker:
        transport.toggle_play()
    return blocker.args[0]


def choose(combo, data):
    index = next(i for i in range(combo.count()) if combo.itemData(i) == data)
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def test_without_a_midi_system_play_is_off_and_the_reason_is_shown(rig, qtbot):
    fake = FakeRtmidi(apis=("JACK",), failing_apis=("JACK",))
    _, bridge, transport = rig(fake)
    with qtbot.waitSignal(transport.message, timeout=2000) as blocker:
        pass  # the notice is sent once the event loop runs, so owners can connect first
    assert "no JACK server is running" in blocker.args[0]
    assert "export to MIDI files still works" in blocker.args[0]
    assert not transport.play_action.isEnabled()
    assert not transport.output_combo.isEnabled()
    assert "No MIDI system" in transport.play_action.toolTip()
    assert bridge.play(MELODY) is False


def test_ports_fill_the_choosers(rig):
    _, _, transport = rig()
    assert combo_items(transport.output_combo) == [
        "Built-in instrument",  # first, and disabled: this rig has no audio device
        "No output",
        "Segue virtual port (for your DAW)",
        "Synth",
        "Piano",
    ]
    assert combo_items(transport.input_combo) == ["No input", "Keys"]
    assert not transport.play_action.isEnabled()  # no output chosen yet
    assert transport.play_action.toolTip() == "Choose an output to play"
    assert not transport.output_combo.model().item(0).isEnabled()
    assert "no audio output device" in transport.output_combo.itemData(0, Qt.ItemDataRole.ToolTipRole)


def test_choosing_an_output_enables_play_and_reports_it(rig, qtbot):
    _, bridge, transport = rig()
    with qtbot.waitSignal(transport.output_state_changed) as blocker:
        choose(transport.output_combo, PortInfo("Piano", "ALSA"))
    assert blocker.args == ["MIDI out: Piano"]
    assert bridge.output_port == PortInfo("Piano", "ALSA")
    assert transport.play_action.isEnabled()
    with qtbot.waitSignal(transport.output_state_changed) as blocker:
        choose(transport.output_combo, VIRTUAL)
    assert blocker.args == ["MIDI out: Segue (virtual)"]
    choose(transport.output_combo, NO_PORT)
    assert bridge.output_port is None and not transport.play_action.isEnabled()


def test_space_plays_the_melody_and_the_button_follows_playback(rig, qtbot):
    melody = Melody([Note(60, 0, 4), Note(64, 4, 4)], tempo=240)  # 0.5 s
    clock = FakeClock()
    fake, bridge, transport = rig(melody=melody, clock=clock)
    choose(transport.output_combo, PortInfo("Synth", "ALSA"))
    transport.show()
    qtbot.waitExposed(transport)
    transport.activateWindow()
    QApplication.processEvents()
    assert QApplication.activeWindow() is transport  # shortcuts need an active window
    transport.tempo_spin.setFocus()  # Space still plays from the tempo box
    clock.hold_at(clock.now() + 0.1)  # playing, until the clock is released
    qtbot.keyClick(transport.tempo_spin.lineEdit(), Qt.Key.Key_Space)
    assert clock.wait_held()
    qtbot.waitUntil(lambda: transport.play_action.isChecked(), timeout=2000)
    assert transport.play_action.text() == "Stop"
    with qtbot.waitSignal(bridge.finished, timeout=3000):
        clock.release()
    qtbot.waitUntil(lambda: not transport.play_action.isChecked(), timeout=2000)
    assert transport.play_action.text() == "Play"
    assert note_ons(fake) == [60, 64]
    assert all(port == "Synth" for port, _ in fake.sent)


def test_stop_releases_the_sounding_note(rig, qtbot):
    long_note = Melody([Note(60, 0, 64)], tempo=120)
    fake, bridge, transport = rig(melody=long_note)
    choose(transport.output_combo, PortInfo("Synth", "ALSA"))
    transport.toggle_play()
    qtbot.waitUntil(lambda: note_ons(fake) == [60], timeout=2000)
    transport.toggle_play()
    assert bridge.state == "stopped"
    assert [m for _, m in fake.sent][-3:] == [[0x80, 60, 64], [0xB0, 64, 0], [0xB0, 123, 0]]


def test_without_a_melody_source_play_only_asks(rig, qtbot):
    bridge = PlaybackBridge(
        fake_system(FakeRtmidi(outputs=["Synth"])), port_poll_ms=0, audio=fake_audio(False)[0]
    )
    transport = Transport(bridge, remember_ports=False)
    qtbot.addWidget(transport)
    choose(transport.output_combo, PortInfo("Synth", "ALSA"))
    with qtbot.waitSignal(transport.play_requested):
        transport.toggle_play()
    assert bridge.state == "stopped" and not transport.play_action.isChecked()
    bridge.close()


def test_tempo_edits_reach_the_player_and_the_owner(rig, qtbot):
    _, bridge, transport = rig()
    with qtbot.assertNotEmitted(transport.tempo_changed):
        transport.set_tempo(90)
    assert bridge.player.tempo == 90
    with qtbot.waitSignal(transport.tempo_changed) as blocker:
        transport.tempo_spin.setValue(140)
    assert blocker.args == [140.0] and bridge.player.tempo == 140


def test_a_port_unplugged_while_playing_stops_with_one_message(rig, qtbot):
    long_note = Melody([Note(60, 0, 64), Note(62, 64, 64)], tempo=120)
    fake, bridge, transport = rig(melody=long_note)
    choose(transport.output_combo, PortInfo("Synth", "ALSA"))
    messages = []
    transport.message.connect(messages.append)
    transport.toggle_play()
    qtbot.waitUntil(lambda: note_ons(fake) == [60], timeout=2000)
    fake.unplug("Synth")
    bridge.seek(63.9)  # the next send fails
    # The failure is handled once the ports are listed again without it.
    qtbot.waitUntil(lambda: "Synth" not in combo_items(transport.output_combo), timeout=3000)
    assert without_audio_notice(messages) == [
        "MIDI output 'Synth' stopped working (error sending MIDI message to port.)."
    ]
    assert bridge.state == "stopped" and bridge.output_port is None
    assert transport.output_combo.currentData() == NO_PORT
    assert not transport.play_action.isEnabled()


def test_a_port_missing_from_the_list_is_noticed_by_the_refresh(rig, qtbot):
    fake, bridge, transport = rig()
    choose(transport.output_combo, PortInfo("Piano", "ALSA"))
    messages = []
    transport.message.connect(messages.append)
    fake.unplug("Piano")
    fake.plug("Organ")
    transport.refresh_ports(probe=False)
    qtbot.waitUntil(lambda: bool(messages), timeout=2000)
    assert without_audio_notice(messages) == ["MIDI output 'Piano' disappeared (was it unplugged?)."]
    assert combo_items(transport.output_combo)[3:] == ["Synth", "Organ"]
    assert bridge.output_port is None


def test_recording_a_take(rig, qtbot):
    clock = FakeClock()
    fake, bridge, transport = rig(melody=Melody(tempo=240), clock=clock)  # 62.5 ms a step
    choose(transport.output_combo, PortInfo("Synth", "ALSA"))
    choose(transport.input_combo, PortInfo("Keys", "ALSA"))
    transport.record_action.setChecked(True)
    keys = []
    bridge.note_input.connect(lambda pitch, velocity: keys.append((pitch, velocity)))
    t0 = clock.now() + START_LEAD_SECONDS  # step 0
    clock.hold_at(t0)
    transport.toggle_play()
    assert bridge.recording
    play_key(fake, clock, 67, 90, t0 + 15.8 * 0.0625, t0 + 20.3 * 0.0625)
    take = stop_for_take(qtbot, bridge, transport)
    assert take.notes == (Note(67, 16, 4, 90),)
    assert take.tempo == 240
    with pytest.raises(ValueError, match="grid"):
        bridge.set_record_grid(0)
    qtbot.waitUntil(lambda: keys == [(67, 90), (67, 0)], timeout=2000)
    assert [m for p, m in fake.sent if m[0] & 0xF0 == 0x90 and m[1] == 67] == [
        [0x90, 67, 90]
    ]  # thru


def test_a_count_in_clicks_a_bar_first_and_keeps_notes_played_in_it_out_of_the_take(rig, qtbot):
    clock = FakeClock()
    melody = Melody([Note(60, 0, 2)], tempo=240)  # a bar is 1 s
    fake, bridge, transport = rig(melody=melody, clock=clock)
    choose(transport.output_combo, PortInfo("Synth", "ALSA"))
    choose(transport.input_combo, PortInfo("Keys", "ALSA"))
    transport.count_in_action.setChecked(True)
    clock.hold_at(clock.now() + 0.05)
    transport.toggle_play()  # not armed: no count-in
    assert clock.wait_held()
    assert note_ons(fake) == [60]
    transport.toggle_play()
    clock.release()  # the stopped player's thread goes idle: the clock stands still
    fake.sent.clear()

    transport.record_action.setChecked(True)
    t0 = clock.now() + START_LEAD_SECONDS  # the first click; the music starts a bar later
    clock.hold_at(t0)
    transport.toggle_play()
    play_key(fake, clock, 55, 80, t0 + 0.3, t0 + 0.5)  # in the count-in, released there
    play_key(fake, clock, 67, 90, t0 + 1.15, t0 + 1.35)  # steps 2.4 to 5.6: recorded
    take = stop_for_take(qtbot, bridge, transport)
    assert take.notes == (Note(67, 2, 4, 90),)
    clicks = [m for _, m in fake.sent if m[0] == 0x99 and m[2] > 0]
    assert len(clicks) == 4  # one 4/4 bar of clicks on the GM drum channel (Click is off)
    first_note = next(i for i, (_, m) in enumerate(fake.sent) if m[:2] == [0x90, 60])
    assert all(i < first_note for i, (_, m) in enumerate(fake.sent) if m[0] == 0x99 and m[2] > 0)


def test_the_count_in_choice_is_remembered(rig, tmp_path):
    prefs.use_private_store(str(tmp_path))
    fake, bridge, transport = rig(remember=True)
    assert not transport.count_in_action.isChecked() and bridge.count_in_bars == 0
    transport.count_in_action.setChecked(True)
    assert bridge.count_in_bars == 1
    _, again, transport_again = rig(fake, remember=True)
    assert transport_again.count_in_action.isChecked() and again.count_in_bars == 1


def test_call_and_response_asks_for_an_answer_and_plays_it(rig, qtbot):
    fake, bridge, transport = rig()
    choose(transport.output_combo, PortInfo("Synth", "ALSA"))
    choose(transport.input_combo, PortInfo("Keys", "ALSA"))
    bridge.set_template(Melody(tempo=400))  # a beat is 0.15 s
    transport.silence_spin.setValue(1)
    states = []
    bridge.call_response_state.connect(states.append)
    transport.call_response_action.setChecked(True)
    bridge.set_thru(False)
    with qtbot.waitSignal(bridge.answer_requested, timeout=3000) as blocker:
        fake.deliver("Keys", [0x90, 62, 100])
        fake.deliver("Keys", [0x80, 62, 0])
    call, request = blocker.args
    assert [n.pitch for n in call.notes] == [62]
    with qtbot.waitSignal(bridge.answer_started):
        assert bridge.deliver_answer(Melody([Note(69, 4, 1)], tempo=400), request)
    qtbot.waitUntil(lambda: 69 in note_ons(fake), timeout=2000)
    qtbot.waitUntil(lambda: states[-1:] == ["listening"], timeout=3000)
    assert states[:4] == ["listening", "hearing", "thinking", "answering"]
    transport.call_response_action.setChecked(False)
    assert states[-1] == "off"


def test_panic_silences_every_channel(rig, qtbot):
    fake, bridge, transport = rig()
    choose(transport.output_combo, PortInfo("Synth", "ALSA"))
    with qtbot.waitSignal(transport.message) as blocker:
        transport.panic_action.trigger()
    assert blocker.args == ["All notes off on every channel."]
    assert [m for _, m in fake.sent][-48:] == panic_messages()


def test_channel_and_program_go_to_the_output(rig, qtbot):
    fake, bridge, transport = rig()
    choose(transport.output_combo, PortInfo("Synth", "ALSA"))
    transport.channel_spin.setValue(3)
    index = transport.program_combo.findData(40)
    transport.program_combo.setCurrentIndex(index)
    transport.program_combo.activated.emit(index)
    assert transport.program_combo.itemText(index) == "41 Violin"
    assert fake.sent[-1] == ("Synth", [0xC2, 40])
    bridge.audition(72, 80)
    assert fake.sent[-1] == ("Synth", [0x92, 72, 80])


def test_the_loop_button_loops_the_whole_piece(rig, qtbot):
    fake, bridge, transport = rig()
    choose(transport.output_combo, PortInfo("Synth", "ALSA"))
    transport.loop_action.setChecked(True)
    transport.toggle_play()
    qtbot.waitUntil(lambda: note_ons(fake).count(60) >= 2, timeout=5000)  # one bar is 0.6 s
    assert bridge.player.loop == (0, 16)
    transport.toggle_play()


def test_windows_explains_loopmidi_for_the_virtual_port(rig):
    fake = FakeRtmidi(outputs=["Microsoft GS Wavetable Synth"], apis=("Windows MM",))
    _, _, transport = rig(fake, platform="win32")
    index = transport.output_combo.findData(VIRTUAL)
    item = transport.output_combo.model().item(index)
    assert not item.isEnabled()
    assert "loopMIDI" in transport.output_combo.itemData(index, Qt.ItemDataRole.ToolTipRole)


def test_chosen_ports_are_remembered(rig, tmp_path):
    prefs.use_private_store(str(tmp_path))
    fake, bridge, transport = rig(remember=True)
    assert bridge.output_port == PortInfo("Synth", "ALSA")  # first run: the first output
    choose(transport.output_combo, PortInfo("Piano", "ALSA"))
    choose(transport.input_combo, PortInfo("Keys", "ALSA"))
    _, again, _ = rig(fake, remember=True)
    assert again.output_port == PortInfo("Piano", "ALSA")
    assert again.input_port == PortInfo("Keys", "ALSA")


def test_closing_the_bridge_releases_notes_and_is_idempotent(rig, qtbot):
    long_note = Melody([Note(60, 0, 64)], tempo=120)
    fake, bridge, transport = rig(melody=long_note)
    choose(transport.output_combo, PortInfo("Synth", "ALSA"))
    transport.toggle_play()
    qtbot.waitUntil(lambda: note_ons(fake) == [60], timeout=2000)
    bridge.close()
    bridge.close()
    assert [m for _, m in fake.sent][-3:] == [[0x80, 60, 64], [0xB0, 64, 0], [0xB0, 123, 0]]


LONG_NAME = "FLUID Synth (qsynth):Synth input port (4242:0) 130:0"


def test_long_port_names_show_whole_in_the_list_and_the_tooltip(rig):
    fake, bridge, transport = rig(FakeRtmidi(outputs=["midi-monitor:input 128:0", LONG_NAME],
                                             inputs=[LONG_NAME]))
    combo = transport.output_combo
    choose(combo, PortInfo(LONG_NAME, "ALSA"))
    assert bridge.output_port == PortInfo(LONG_NAME, "ALSA")
    assert LONG_NAME in combo.toolTip()  # the box elides the name; its tip has it all
    index = combo.findText(LONG_NAME)
    assert combo.itemData(index, Qt.ItemDataRole.ToolTipRole) == LONG_NAME
    widest = combo.view().fontMetrics().horizontalAdvance(LONG_NAME)
    assert combo.view().minimumWidth() > widest  # the open list shows whole names
    assert combo.sizeHint().width() < widest  # while the box stays narrow
    choose(transport.input_combo, PortInfo(LONG_NAME, "ALSA"))
    assert LONG_NAME in transport.input_combo.toolTip()


def test_loop_sits_with_the_transport_buttons_and_panic_comes_last(rig):
    _, _, transport = rig()
    actions = [a for a in transport.actions() if not a.isSeparator()]
    loop = actions.index(transport.loop_action)
    assert actions[loop - 1] is transport.record_action
    assert actions[loop - 2] is transport.play_action
    assert transport.widgetForAction(actions[loop + 1]) is transport.tempo_spin
    # a separator between Loop and the tempo box: Loop does not read as its label
    everything = transport.actions()
    assert everything[everything.index(transport.loop_action) + 1].isSeparator()
    assert actions[-1] is transport.panic_action
    assert transport.widgetForAction(actions[-2]) is transport.silence_spin
    assert transport.ports_bar.widgetForAction(transport.ports_bar.actions()[0]) is (
        transport.output_combo)
