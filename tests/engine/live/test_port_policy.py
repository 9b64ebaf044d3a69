"""The port policy, without Qt: reconnecting by name, a MIDI system that goes away, restoring the
saved ports, the built-in instrument's settings (fake rtmidi, fake audio, a fake clock)."""

import pytest

from segue.engine.audio.instrument import BUILT_IN_PORT, InstrumentError
from segue.engine.audio.instrument_settings import InstrumentSettings
from segue.engine.live.endpoints import PortInfo
from segue.engine.live.player import Player
from segue.engine.live.port_policy import BUILT_IN_SETTING, VIRTUAL_SETTING, PortPolicy
from tests.fakes.audio import fake_audio
from tests.fakes.live import FakeClock, FakeRtmidi, fake_system

SYNTH = PortInfo("Synth", "ALSA")


class Rig:
    """A policy over a fake rtmidi, its callbacks recorded in order in ``events``."""

    def __init__(self, fake, audio=False):
        self.fake = fake
        self.clock = FakeClock()
        self.player = Player(clock=self.clock, sleep=self.clock.sleep)
        self.received = []
        self.audio, self.streams = fake_audio(audio)
        settings = InstrumentSettings(self.audio, clock=self.player.clock)
        receive = lambda message, arrival: self.received.append(message)  # noqa: E731
        self.policy = PortPolicy(fake_system(fake), self.player, receive, settings)
        self.events = []
        self.policy.on_ports_changed = lambda: self.events.append(("ports",))
        self.policy.on_output_changed = lambda port: self.events.append(("output", port))
        self.policy.on_input_changed = lambda port: self.events.append(("input", port))
        self.policy.on_error = lambda message: self.events.append(("error", message))
        self.player.on_error = self.policy.output_failed  # the bridge hands it over likewise

    def errors(self):
        return [event[1] for event in self.events if event[0] == "error"]

    def close(self):
        self.policy.close()
        self.player.close()


@pytest.fixture
def rig():
    made = []

    def make(fake, **kwargs):
        made.append(Rig(fake, **kwargs))
        return made[-1]

    yield make
    for each in made:
        each.close()


def test_a_vanished_output_is_said_once_and_reopened_by_name_when_it_is_back(rig):
    r = rig(FakeRtmidi(outputs=["Synth 128:0"]))
    r.policy.refresh()
    assert r.policy.open_output(PortInfo("Synth 128:0", "ALSA"))
    r.fake.unplug("Synth 128:0")
    r.events.clear()
    assert r.policy.refresh()
    assert r.events == [
        ("ports",),
        ("error", "MIDI output 'Synth 128:0' disappeared (was it unplugged?)."),
        ("output", None),
    ]
    r.fake.plug("Synth 129:0")  # ALSA numbers the restarted client anew
    r.events.clear()
    r.policy.poll()
    assert r.policy.output_port == PortInfo("Synth 129:0", "ALSA")
    assert r.events[-2:] == [
        ("output", PortInfo("Synth 129:0", "ALSA")),
        ("error", "MIDI output 'Synth 129:0' reconnected (it is back)."),
    ]


def test_choosing_an_output_cancels_a_pending_reconnection(rig):
    r = rig(FakeRtmidi(outputs=["Synth", "Piano"]))
    r.policy.refresh()
    r.policy.open_output(SYNTH)
    r.fake.unplug("Synth")
    r.policy.refresh()
    r.policy.open_output(None)
    r.fake.plug("Synth")
    r.policy.refresh()
    assert r.policy.output_port is None
    assert not any("reconnected" in message for message in r.errors())


def test_an_output_whose_receiver_restarted_is_reopened_at_the_next_listing(rig, monkeypatch):
    r = rig(FakeRtmidi(outputs=["Synth"]))
    r.policy.refresh()
    r.policy.open_output(SYNTH)
    before = r.player.output
    monkeypatch.setattr(r.policy.system, "connected", lambda endpoint: endpoint is not before)
    r.policy.refresh()
    assert r.player.output is not before
    assert r.policy.output_port == SYNTH
    assert r.errors()[-1] == "MIDI output 'Synth' reconnected (its receiver restarted)."


def test_a_vanished_input_is_closed_with_a_message(rig):
    r = rig(FakeRtmidi(inputs=["Keys"]))
    r.policy.refresh()
    assert r.policy.open_input(PortInfo("Keys", "ALSA"))
    assert r.fake.deliver("Keys", [0x90, 60, 100]) == 1
    assert r.received == [[0x90, 60, 100]]
    r.fake.unplug("Keys")
    r.policy.refresh()
    assert r.policy.input_port is None
    assert r.events[-2:] == [
        ("input", None),
        ("error", "MIDI input 'Keys' disappeared (was it unplugged?)."),
    ]


def test_a_lost_midi_system_is_said_and_polls_probe_until_it_is_back(rig):
    fake = FakeRtmidi(outputs=["Synth:in"], apis=("JACK",))
    r = rig(fake)
    r.policy.refresh()
    r.policy.open_output(PortInfo("Synth:in", "JACK"))
    fake.stop_api("JACK")
    assert r.policy.poll() is False  # nothing is gone yet: a plain listing
    r.policy.refresh(probe=True)  # a probe finds no server
    assert r.policy.system.gone() == ["JACK"]
    assert r.policy.system_lost("The JACK MIDI system went away.")
    assert r.errors()[-1] == "The JACK MIDI system went away. Segue reconnects when it is back."
    assert r.policy.output_port is None
    fake.start_api("JACK")
    assert r.policy.poll() is True  # probed
    assert r.policy.output_port == PortInfo("Synth:in", "JACK")
    r.policy.close()
    assert not r.policy.system_lost("again")


def test_a_listing_hiccup_in_a_poll_is_not_raised(rig, monkeypatch):
    r = rig(FakeRtmidi(outputs=["Synth"]))

    def broken():
        raise RuntimeError("the MIDI system hiccuped")

    monkeypatch.setattr(r.policy.system, "output_ports", broken)
    assert r.policy.poll() is False
    assert r.errors() == []


@pytest.mark.parametrize(
    ("saved", "chosen_before", "audio", "expected"),
    [
        ("", False, True, BUILT_IN_PORT),  # never chosen: the built-in instrument
        ("", False, False, SYNTH),  # never chosen, no sound: the first MIDI output
        (BUILT_IN_SETTING, True, True, BUILT_IN_PORT),
        ("Piano", True, True, PortInfo("Piano", "ALSA")),
        ("", True, True, None),  # "No output" was the choice
    ],
)
def test_the_saved_output_is_restored(rig, saved, chosen_before, audio, expected):
    r = rig(FakeRtmidi(outputs=["Synth", "Piano"], inputs=["Keys"]), audio=audio)
    r.policy.refresh()
    assert r.policy.restore(saved, "Keys", chosen_before) == ""
    assert r.policy.output_port == expected
    assert r.policy.input_port == PortInfo("Keys", "ALSA")


def test_a_saved_output_that_is_not_there_is_named(rig):
    r = rig(FakeRtmidi(outputs=["Synth"]))
    r.policy.refresh()
    notice = r.policy.restore("Gone Synth", "", chosen_before=True)
    assert notice == "MIDI output 'Gone Synth' is not connected; choose another one."
    assert r.policy.output_port is None


def test_the_virtual_port_is_restored(rig):
    r = rig(FakeRtmidi(outputs=["Synth"]))
    r.policy.refresh()
    r.policy.restore(VIRTUAL_SETTING, "", chosen_before=True)
    assert r.policy.output_port.virtual


def test_instrument_settings_are_heard_at_once_when_it_is_the_output(rig):
    r = rig(FakeRtmidi(), audio=True)
    r.policy.set_volume(2.0)  # clamped
    assert r.policy.open_output(BUILT_IN_PORT)
    assert r.player.output.volume == 1.0
    r.policy.set_volume(0.25)
    assert r.player.output.volume == 0.25
    first = r.player.output
    assert r.policy.set_buffer_frames(512)
    assert r.player.output is not first and r.player.output.buffer_frames == 512
    assert r.player.output.volume == 0.25
    assert r.policy.set_buffer_frames(333)  # not a size offered: the device's own
    assert r.player.output.buffer_frames == 0


def test_a_buffer_size_the_device_refuses_leaves_the_instrument_as_it_was(rig):
    r = rig(FakeRtmidi(), audio=True)
    r.policy.open_output(BUILT_IN_PORT)
    playing = r.player.output
    accept = r.audio._stream_factory

    def refusing(**settings):
        if settings.get("blocksize") == 256:
            raise InstrumentError("Invalid number of frames per buffer")
        return accept(**settings)

    r.audio._stream_factory = refusing
    assert not r.policy.set_buffer_frames(256)
    assert r.player.output is playing and r.policy.instrument.buffer_frames == 0
    assert "Invalid number of frames per buffer" in r.errors()[-1]
