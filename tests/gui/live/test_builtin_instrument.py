"""The built-in instrument as the transport's output, over a fake audio device (the test calls
the audio callback itself): listed first, chosen on a first start, played through like a port,
shown unavailable with the reason where there is no sound."""

import pytest
from PySide6.QtCore import Qt

from segue.engine.audio.instrument import BUILT_IN_PORT, InstrumentError
from segue.engine.audio.soundfont import SoundFontError
from segue.engine.live.endpoints import PortInfo
from segue.engine.live.player import Player
from segue.engine.melody import Melody, Note
from segue.gui import settings as prefs
from segue.gui.live.playback import PlaybackBridge
from segue.gui.live.transport import BUILT_IN, Transport
from segue.gui.window.soundfont import SoundFontChooser
from tests.fakes.audio import RecordingSynth, fake_audio
from tests.fakes.dialogs import ScriptedDialogs
from tests.fakes.live import FakeClock, FakeRtmidi, fake_system

SYNTH = PortInfo("Synth", "ALSA")
MELODY = Melody([Note(60, 0, 1), Note(64, 1, 1)], tempo=400)


@pytest.fixture
def rig(qtbot, tmp_path):
    prefs.use_private_store(str(tmp_path / "settings"))
    made = []

    def make(fake=None, *, available=True, clock=None, synth_factory=RecordingSynth, refuse=None):
        """``refuse``: a buffer size the fake device will not open."""
        audio, streams = fake_audio(available, synth_factory=synth_factory)
        if refuse is not None:
            accept = audio._stream_factory

            def refusing(**settings):
                if settings.get("blocksize") == refuse:
                    raise InstrumentError("Invalid number of frames per buffer")
                return accept(**settings)

            audio._stream_factory = refusing
        player = None if clock is None else Player(clock=clock, sleep=clock.sleep)
        fake = fake or FakeRtmidi(outputs=["Synth"])
        bridge = PlaybackBridge(fake_system(fake), player=player, port_poll_ms=0, audio=audio)
        transport = Transport(bridge, melody_source=lambda: MELODY)
        qtbot.addWidget(transport)
        made.append((bridge, clock))
        return bridge, transport, streams

    yield make
    for bridge, clock in made:
        if clock is not None:
            clock.release()
        bridge.close()


def synth_of(streams):
    return streams[-1].callback.__self__._synth


def test_it_is_listed_first_and_chosen_on_a_first_start(rig):
    bridge, transport, streams = rig()
    assert transport.output_combo.itemText(0) == "Built-in instrument"
    assert transport.output_combo.currentData() == BUILT_IN_PORT
    assert bridge.output_port == BUILT_IN_PORT and streams[0].started
    assert transport.play_action.isEnabled() and transport.volume_slider.isEnabled()
    assert prefs.read(prefs.MIDI_OUTPUT_PORT) == ""  # nothing chosen yet: a default, not a choice


def test_a_midi_output_chosen_before_wins_and_the_choice_is_remembered(rig):
    bridge, transport, _ = rig()
    combo = transport.output_combo
    combo.activated.emit(next(i for i in range(combo.count()) if combo.itemData(i) == SYNTH))
    assert bridge.output_port == SYNTH
    again, _, _ = rig()
    assert again.output_port == SYNTH
    transport.output_combo.activated.emit(0)
    assert prefs.read(prefs.MIDI_OUTPUT_PORT) == BUILT_IN
    third, _, _ = rig()
    assert third.output_port == BUILT_IN_PORT


def test_without_midi_the_built_in_instrument_still_plays(rig, qtbot):
    clock = FakeClock()
    no_midi = FakeRtmidi(apis=("JACK",), failing_apis=("JACK",))
    bridge, transport, streams = rig(no_midi, clock=clock)
    assert not bridge.available()[0] and bridge.output_port == BUILT_IN_PORT
    assert transport.play_action.isEnabled() and not transport.record_action.isEnabled()
    bridge.set_program(73)  # Flute, one click on the program chooser
    with qtbot.waitSignal(bridge.finished, timeout=3000):
        transport.toggle_play()
    streams[0].block(256)  # the audio thread takes what the player queued
    notes = [m[:2] for m in synth_of(streams).handled() if m[0] & 0xF0 in (0x80, 0x90)]
    assert synth_of(streams).handled()[0] == [0xC0, 73]
    assert notes[:4] == [[0x90, 60], [0x80, 60], [0x90, 64], [0x80, 64]]


def test_auditions_and_the_volume_reach_the_instrument(rig):
    bridge, transport, streams = rig()
    bridge.audition(67, 90)
    streams[0].block(64)
    assert [0x90, 67, 90] in synth_of(streams).handled()
    transport.volume_slider.setValue(25)
    assert bridge.player.output.volume == 0.25
    assert prefs.read(prefs.INSTRUMENT_VOLUME) == 25
    assert (streams[0].block(64) == 0.125).all()  # RecordingSynth renders 0.5


def test_without_an_audio_device_it_is_shown_unavailable_with_the_reason(rig, qtbot):
    bridge, transport, streams = rig(available=False)
    item = transport.output_combo.model().item(0)
    assert not item.isEnabled()
    reason = transport.output_combo.itemData(0, Qt.ItemDataRole.ToolTipRole)
    assert "no audio output device" in reason
    assert bridge.output_port == SYNTH  # MIDI goes on as before
    assert streams == [] and transport.play_action.isEnabled()
    with qtbot.waitSignal(transport.message, timeout=2000) as blocker:
        pass
    assert blocker.args[0] == reason


def refusing_files(soundfont, rate):
    """A synthesizer factory that refuses every SoundFont file: only the built-in bank plays."""
    if soundfont is not None:
        raise SoundFontError(soundfont, "it is not an SF2/SF3 SoundFont")
    return RecordingSynth(soundfont, rate)


@pytest.mark.synth  # the chooser reads the file with the real synthesizer
def test_a_soundfont_that_cannot_be_used_is_named_and_the_bank_in_use_stays(rig, tmp_path, qtbot):
    bad = tmp_path / "strings.sf2"
    bad.write_bytes(b"not a soundfont")
    bridge, _, streams = rig(synth_factory=refusing_files)
    dialogs = ScriptedDialogs(open_path=str(bad))
    chooser = SoundFontChooser(bridge, dialogs)
    with qtbot.waitSignal(chooser.settled, timeout=60000) as settled:
        assert chooser.choose()  # the check starts in the worker
    assert settled.args == [False]
    assert dialogs.messages() == [
        "Cannot use the SoundFont 'strings.sf2': it is not an SF2/SF3 SoundFont. "
        "The bank in use stays."
    ]
    assert prefs.read(prefs.SOUNDFONT) == "" and len(streams) == 1


def test_a_remembered_soundfont_that_went_bad_gives_the_built_in_bank(rig, tmp_path):
    bridge, _, streams = rig(synth_factory=refusing_files)
    errors = []
    bridge.error.connect(errors.append)
    bridge.set_soundfont(str(tmp_path / "strings.sf2"))  # remembered, then damaged: the bank plays
    assert bridge.output_port == BUILT_IN_PORT and synth_of(streams).soundfont is None
    assert errors == [
        "Cannot use the SoundFont 'strings.sf2': it is not an SF2/SF3 SoundFont. "
        "The built-in General MIDI bank plays instead."
    ]


def test_the_buffer_size_is_remembered_and_a_new_one_reopens_the_instrument(rig):
    prefs.write(prefs.AUDIO_BUFFER, 512)
    bridge, _, streams = rig()
    assert bridge.output_port == BUILT_IN_PORT and streams[-1].settings["blocksize"] == 512
    assert bridge.set_buffer_frames(1024)
    assert streams[-2].closed and streams[-1].settings["blocksize"] == 1024
    assert bridge.set_buffer_frames(0)
    assert "blocksize" not in streams[-1].settings and streams[-1].settings["latency"] == "low"


def test_a_buffer_size_the_device_refuses_is_named_and_the_instrument_plays_on(rig):
    bridge, _, streams = rig(refuse=128)
    opened = len(streams)
    errors = []
    bridge.error.connect(errors.append)
    assert not bridge.set_buffer_frames(128)
    assert errors == ["The built-in instrument could not open the audio output "
                      "(Invalid number of frames per buffer)."]
    assert bridge.output_port == BUILT_IN_PORT and len(streams) == opened
    assert not streams[-1].closed
    assert bridge.set_buffer_frames(0) and len(streams) == opened  # still the size in use


def test_a_remembered_buffer_size_the_device_refuses_gives_way_to_its_own(rig):
    prefs.write(prefs.AUDIO_BUFFER, 128)
    bridge, _, streams = rig(refuse=128)
    assert bridge.output_port == BUILT_IN_PORT and streams[-1].settings["latency"] == "low"
    errors = []
    bridge.error.connect(errors.append)
    assert bridge.open_output(BUILT_IN_PORT)  # again, as a SoundFont change reopens it
    assert errors == ["The built-in instrument could not open the audio output (Invalid number "
                      "of frames per buffer). It plays with the device's own buffer size "
                      "instead of 128 samples."]
