"""The built-in instrument comes back as MIDI outputs do: after its device went away (the audio
server stopped) polls notice it, say so, and reopen it once its device is back; a device that
appears after start-up is found by Refresh (the instrument is no longer greyed out). Over a fake
audio device whose presence the test switches."""

import pytest
from PySide6.QtCore import Qt

from segue.engine.audio.instrument import (
    _UNAVAILABLE,
    BUILT_IN_PORT,
    DEFAULT_RATE,
    BuiltInInstrument,
    InstrumentError,
)
from segue.engine.audio.system import AudioSystem
from segue.engine.melody import Melody, Note
from segue.gui import settings as prefs
from segue.gui.live.playback import PlaybackBridge
from segue.gui.live.transport import BUILT_IN, Transport
from tests.fakes.audio import FakeAudioStream, RecordingSynth
from tests.fakes.live import FakeRtmidi, fake_system

MELODY = Melody([Note(60, 0, 1)], tempo=400)
NO_DEVICE = _UNAVAILABLE.format("no audio output device was found")


class SwitchedDevice:
    """An audio system over fake streams whose device the test plugs in and out."""

    def __init__(self, present: bool):
        self.present, self.streams = present, []
        self.audio = AudioSystem(open_instrument=self.open, availability=self.availability)

    def availability(self):
        return (True, "") if self.present else (False, NO_DEVICE)

    def open(self, soundfont, buffer_frames, clock):
        if not self.present:
            raise InstrumentError(NO_DEVICE)

        def stream(**settings):
            self.streams.append(FakeAudioStream(**settings))
            return self.streams[-1]

        return BuiltInInstrument(synth=RecordingSynth(soundfont, DEFAULT_RATE), rate=DEFAULT_RATE,
                                 stream_factory=stream, clock=clock, buffer_frames=buffer_frames)


@pytest.fixture
def rig(qtbot, tmp_path):
    prefs.use_private_store(str(tmp_path / "settings"))
    made = []

    def make(present=True, midi=True):
        device = SwitchedDevice(present)
        rtmidi = FakeRtmidi(outputs=["Synth"]) if midi else FakeRtmidi(outputs=[])
        bridge = PlaybackBridge(fake_system(rtmidi), port_poll_ms=0, audio=device.audio)
        bridge.ports.instrument.look_every = 0  # a look at every poll
        messages = []
        bridge.error.connect(messages.append)
        transport = Transport(bridge, melody_source=lambda: MELODY)
        qtbot.addWidget(transport)
        made.append(bridge)
        return bridge, transport, device, messages

    yield make
    for bridge in made:
        bridge.close()


def test_an_instrument_whose_device_went_away_is_said_and_reopens_when_it_is_back(rig, qtbot):
    bridge, transport, device, messages = rig()
    assert bridge.output_port == BUILT_IN_PORT
    device.present = False
    device.streams[0].finished()  # PortAudio ended the stream: the server went away
    bridge._poll_ports()
    qtbot.waitUntil(lambda: bridge.output_port is None)
    assert "The built-in instrument stopped working (the audio device stopped)." in messages
    for _ in range(3):  # looks find no device: nothing reopens, nothing more is said
        bridge._poll_ports()
    assert bridge.output_port is None and len(device.streams) == 1
    assert bridge.ports.instrument_wanted
    device.present = True
    bridge._poll_ports()  # a look begins
    bridge._poll_ports()  # its answer: the device is back
    assert bridge.output_port == BUILT_IN_PORT and transport.output_combo.currentData() == BUILT_IN_PORT
    assert len(device.streams) == 2 and device.streams[1].started
    assert messages[-1] == "The built-in instrument plays again (its audio device is back)."
    assert bridge.play(MELODY)


def test_the_users_own_choice_cancels_the_instruments_return(rig, qtbot):
    bridge, transport, device, messages = rig()
    device.present = False
    device.streams[0].finished()
    bridge._poll_ports()
    qtbot.waitUntil(lambda: bridge.output_port is None)
    transport.output_combo.activated.emit(transport.output_combo.count() - 1)  # "Synth"
    device.present = True
    for _ in range(3):
        bridge._poll_ports()
    assert bridge.output_port.name == "Synth" and len(device.streams) == 1


def test_refresh_finds_a_device_that_appeared_after_start_up(rig):
    prefs.write(prefs.MIDI_OUTPUT_PORT, BUILT_IN)  # the instrument was the output last time
    bridge, transport, device, messages = rig(present=False)
    item = transport.output_combo.model().item(0)
    assert not item.isEnabled() and bridge.output_port is None
    device.present = True
    transport.refresh_ports()
    item = transport.output_combo.model().item(0)
    assert item.isEnabled()
    assert transport.output_combo.itemData(0, Qt.ItemDataRole.ToolTipRole) != NO_DEVICE
    assert bridge.output_port == BUILT_IN_PORT  # the saved output opens once it can
    assert transport.play_action.isEnabled()


def test_with_no_midi_output_a_device_that_appears_can_be_chosen_after_refresh(rig):
    bridge, transport, device, messages = rig(present=False, midi=False)
    assert not transport.output_combo.model().item(0).isEnabled()
    assert not transport.play_action.isEnabled()
    device.present = True
    transport.refresh_ports()
    assert transport.output_combo.model().item(0).isEnabled()
    transport.output_combo.activated.emit(0)
    assert bridge.output_port == BUILT_IN_PORT and transport.play_action.isEnabled()
