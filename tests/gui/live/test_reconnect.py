"""Ports come back by name, and a MIDI system that goes away is said so (fake rtmidi)."""

import pytest

from segue.engine.live.endpoints import PortInfo
from segue.engine.melody import Melody, Note
from segue.gui.live.playback import PlaybackBridge
from segue.gui.live.transport import NO_PORT, Transport
from tests.fakes.audio import fake_audio
from tests.fakes.live import FakeRtmidi, fake_system

MELODY = Melody([Note(60, 0, 1), Note(64, 1, 1)], tempo=400)


@pytest.fixture
def rig(qtbot):
    made = []

    def make(fake):
        bridge = PlaybackBridge(fake_system(fake), port_poll_ms=0, audio=fake_audio(False)[0])
        transport = Transport(bridge, melody_source=lambda: MELODY, remember_ports=False)
        qtbot.addWidget(transport)
        messages = []
        transport.message.connect(messages.append)
        made.append(bridge)
        return bridge, transport, messages

    yield make
    for bridge in made:
        bridge.close()


def choose(transport, port):
    combo = transport.output_combo
    index = next(i for i in range(combo.count()) if combo.itemData(i) == port)
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def play_through(qtbot, bridge, fake):
    """Play MELODY to the end; the note-ons that reached the fake ports, by port name."""
    fake.sent.clear()
    with qtbot.waitSignal(bridge.finished, timeout=3000):
        assert bridge.play(MELODY)
    return [(name, m[1]) for name, m in fake.sent if m[0] & 0xF0 == 0x90 and m[2]]


def test_an_output_that_comes_back_is_reopened_by_name(rig, qtbot):
    fake = FakeRtmidi(outputs=["Synth 128:0", "Piano"])
    bridge, transport, messages = rig(fake)
    choose(transport, PortInfo("Synth 128:0", "ALSA"))
    fake.unplug("Synth 128:0")
    transport.refresh_ports(probe=False)
    assert bridge.output_port is None
    assert messages[-1] == "MIDI output 'Synth 128:0' disappeared (was it unplugged?)."
    fake.plug("Synth 129:0")  # ALSA numbers the restarted client anew
    transport.refresh_ports(probe=False)
    assert bridge.output_port == PortInfo("Synth 129:0", "ALSA")
    assert transport.output_combo.currentData() == PortInfo("Synth 129:0", "ALSA")
    assert messages[-1] == "MIDI output 'Synth 129:0' reconnected (it is back)."
    assert play_through(qtbot, bridge, fake) == [("Synth 129:0", 60), ("Synth 129:0", 64)]


def test_a_port_chosen_by_the_user_is_not_replaced_by_a_lost_one(rig):
    fake = FakeRtmidi(outputs=["Synth", "Piano"])
    bridge, transport, messages = rig(fake)
    choose(transport, PortInfo("Synth", "ALSA"))
    fake.unplug("Synth")
    transport.refresh_ports(probe=False)
    choose(transport, NO_PORT)
    fake.plug("Synth")
    transport.refresh_ports(probe=False)
    assert bridge.output_port is None
    assert not any("reconnected" in m for m in messages)


def test_an_output_whose_receiver_restarted_is_reopened_on_refresh(rig, qtbot, monkeypatch):
    fake = FakeRtmidi(outputs=["Synth"])
    bridge, transport, messages = rig(fake)
    choose(transport, PortInfo("Synth", "ALSA"))
    before = bridge.player.output
    # Listed under the same name, but our connection went with the old receiver.
    monkeypatch.setattr(bridge.system, "connected", lambda endpoint: endpoint is not before)
    transport.refresh_ports(probe=True)
    assert bridge.player.output is not before and before.lost_reason is None
    assert bridge.output_port == PortInfo("Synth", "ALSA")
    assert messages[-1] == "MIDI output 'Synth' reconnected (its receiver restarted)."
    assert play_through(qtbot, bridge, fake) == [("Synth", 60), ("Synth", 64)]


def test_a_midi_system_that_goes_away_is_reported_and_found_again(rig, qtbot):
    fake = FakeRtmidi(outputs=["Synth:in"], apis=("JACK",))
    bridge, transport, messages = rig(fake)
    choose(transport, PortInfo("Synth:in", "JACK"))
    assert transport.play_action.isEnabled()
    fake.stop_api("JACK")
    with qtbot.waitSignal(bridge.midi_system_lost, timeout=3000) as lost:
        transport.refresh_ports(probe=True)  # Refresh finds no server
    assert lost.args[0].startswith("The JACK MIDI system went away")
    assert messages[-1].endswith("Segue reconnects when it is back.")
    assert any("MIDI output 'Synth:in' is gone: the JACK server went away" in m for m in messages)
    assert bridge.output_port is None and bridge.state == "stopped"
    assert not transport.play_action.isEnabled()
    assert bridge.system.gone() == ["JACK"]
    fake.start_api("JACK")  # a new server
    bridge._poll_ports()  # what the port poll does while a system is gone: probe
    assert bridge.output_port == PortInfo("Synth:in", "JACK")
    assert transport.play_action.isEnabled() and bridge.system.gone() == []
    assert play_through(qtbot, bridge, fake) == [("Synth:in", 60), ("Synth:in", 64)]
