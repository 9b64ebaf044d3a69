"""The bridge: engine callbacks become signals in the GUI thread, ports are polled every
``port_poll_ms`` (never with 0), outputs come back by name (fake rtmidi, a fake clock)."""

import pytest

from segue.engine.live.endpoints import PortInfo
from segue.engine.live.player import PLAYING, STOPPED, Player
from segue.engine.melody import Melody, Note
from segue.gui.live.playback import PlaybackBridge
from tests.fakes.audio import fake_audio
from tests.fakes.live import FakeClock, FakeRtmidi, fake_system

SYNTH = PortInfo("Synth", "ALSA")
MELODY = Melody([Note(60, 0, 1), Note(64, 1, 1)], tempo=400)
POLL_MS = 5


@pytest.fixture
def bridge_on(qtbot):
    made = []

    def make(fake, port_poll_ms=0, clock=None):
        player = None if clock is None else Player(clock=clock, sleep=clock.sleep)
        bridge = PlaybackBridge(fake_system(fake), player=player, port_poll_ms=port_poll_ms,
                                audio=fake_audio(False)[0])
        made.append(bridge)
        return bridge

    yield make
    for bridge in made:
        bridge.close()


def test_the_players_callbacks_arrive_as_signals(bridge_on, qtbot):
    bridge = bridge_on(FakeRtmidi(outputs=["Synth"]), clock=FakeClock())
    assert bridge.open_output(SYNTH)
    states, positions = [], []
    bridge.state_changed.connect(states.append)
    bridge.position_changed.connect(positions.append)
    with qtbot.waitSignal(bridge.finished, timeout=3000):
        assert bridge.play(MELODY)
    qtbot.waitUntil(lambda: states[-1:] == [STOPPED])
    assert states == [PLAYING, STOPPED]
    assert positions[-1] == MELODY.end


def test_an_output_failing_while_playing_is_said_and_closed(bridge_on, qtbot):
    fake = FakeRtmidi(outputs=["Synth"])
    clock = FakeClock()
    bridge = bridge_on(fake, clock=clock)
    bridge.open_output(SYNTH)
    clock.hold_at(clock.now() + 0.01)
    assert bridge.play(MELODY)
    assert clock.wait_held()
    fake.unplug("Synth")  # the next send fails on the scheduler thread
    said = []
    bridge.error.connect(lambda message: said.append(("error", message)))
    bridge.output_changed.connect(lambda port: said.append(("output", port)))
    with qtbot.waitSignal(bridge.output_changed, timeout=3000):
        clock.release()
    assert said == [("error", "MIDI output 'Synth' stopped working (error sending MIDI message "
                              "to port.)."),
                    ("output", None)]
    assert bridge.output_port is None


def test_ports_are_polled_at_the_interval_given(bridge_on, qtbot):
    fake = FakeRtmidi(outputs=["Synth"])
    bridge = bridge_on(fake, port_poll_ms=POLL_MS)
    assert bridge._poll.isActive() and bridge._poll.interval() == POLL_MS
    fake.plug("Piano")
    with qtbot.waitSignal(bridge.ports_changed, timeout=3000):
        pass  # the poll finds it; nothing else lists the ports
    assert PortInfo("Piano", "ALSA") in bridge.output_ports()


def test_with_no_interval_nothing_polls_even_after_a_probe(bridge_on):
    bridge = bridge_on(FakeRtmidi(outputs=["Synth"]), port_poll_ms=0)
    bridge.refresh_ports(probe=True)
    assert not bridge._poll.isActive()


def test_a_lost_output_is_reopened_by_name_by_the_poll(bridge_on, qtbot):
    fake = FakeRtmidi(outputs=["Synth 128:0"])
    bridge = bridge_on(fake, port_poll_ms=POLL_MS)
    bridge.open_output(PortInfo("Synth 128:0", "ALSA"))
    fake.unplug("Synth 128:0")
    with qtbot.waitSignal(bridge.output_changed, timeout=3000) as lost:
        pass
    assert lost.args == [None]
    fake.plug("Synth 129:0")
    with qtbot.waitSignal(bridge.output_changed, timeout=3000) as back:
        pass
    assert back.args == [PortInfo("Synth 129:0", "ALSA")]
    assert bridge.output_port == PortInfo("Synth 129:0", "ALSA")


def test_a_lost_midi_system_is_signalled_and_polling_goes_on_at_the_interval(bridge_on, qtbot):
    fake = FakeRtmidi(outputs=["Synth:in"], apis=("JACK",))
    bridge = bridge_on(fake, port_poll_ms=POLL_MS)
    bridge._poll.stop()  # so the test sees the loss start it again
    bridge.open_output(PortInfo("Synth:in", "JACK"))
    fake.stop_api("JACK")
    with qtbot.waitSignal(bridge.midi_system_lost, timeout=3000) as lost:
        bridge.refresh_ports(probe=True)  # the probe finds no server; the report is queued
    assert lost.args[0].startswith("The JACK MIDI system went away")
    assert bridge._poll.isActive() and bridge._poll.interval() == POLL_MS
    fake.start_api("JACK")
    with qtbot.waitSignal(bridge.output_changed, timeout=3000) as back:
        pass  # a poll probes, finds the new server, and reopens the output by name
    assert back.args == [PortInfo("Synth:in", "JACK")]


def test_closing_stops_the_timers_and_lets_go_of_the_midi_system(bridge_on):
    bridge = bridge_on(FakeRtmidi(outputs=["Synth"]), port_poll_ms=POLL_MS)
    bridge.set_call_response(True)
    assert bridge.system.on_lost is not None and bridge._cr_timer.isActive()
    bridge.close()
    assert bridge.system.on_lost is None
    assert not bridge._poll.isActive() and not bridge._cr_timer.isActive()
