"""The built-in instrument as an output: messages reach the audio callback in order, through a
queue the callback drains; no device is needed (the test calls the callback itself)."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from segue.engine.audio import instrument as instrument_module
from segue.engine.audio.instrument import (
    AUDIO_SWITCH_INTERVAL,
    BUILT_IN_NAME,
    BuiltInInstrument,
    InstrumentError,
    audio_available,
)
from segue.engine.live.endpoints import PortError
from segue.engine.live.player import Player
from segue.engine.melody import Melody, Note
from tests.fakes.audio import FakeAudioStream, FakeSounddevice, RecordingSynth
from tests.fakes.live import FakeClock


def open_instrument(synth=None, **kwargs):
    streams: list[FakeAudioStream] = []

    def factory(**settings):
        streams.append(FakeAudioStream(**settings))
        return streams[-1]

    instrument = BuiltInInstrument(synth=synth, rate=44100, stream_factory=factory, **kwargs)
    return instrument, streams[0]


def test_messages_reach_the_callback_in_order_before_the_block_is_rendered():
    synth = RecordingSynth()
    instrument, stream = open_instrument(synth)
    assert stream.started and stream.settings["samplerate"] == 44100
    assert stream.settings["channels"] == 2 and stream.settings["dtype"] == "float32"
    instrument.send([0xC0, 73])
    instrument.send([0x90, 60, 100])
    instrument.send([0x80, 60, 64])
    assert synth.log == []  # nothing happens on the sender's thread
    out = stream.block(128)
    assert synth.log == [
        ("handle", [0xC0, 73]), ("handle", [0x90, 60, 100]), ("handle", [0x80, 60, 64]),
        ("render", 128),
    ]
    assert (out == 0.5).all()
    instrument.send([0x90, 62, 90])
    stream.block(64)
    assert synth.log[-2:] == [("handle", [0x90, 62, 90]), ("render", 64)]


@pytest.mark.synth
def test_a_real_synth_sounds_in_the_callback_and_the_volume_scales_it():
    instrument, stream = open_instrument()
    assert not stream.block().any()  # silence until a note comes
    instrument.send([0x90, 69, 110])
    loud = np.abs(stream.block(2048)).max()
    assert loud > 0.01
    instrument.volume = 0.25
    quieter = np.abs(stream.block(2048)).max()
    assert 0 < quieter < loud * 0.5
    with pytest.raises(ValueError, match="volume"):
        instrument.volume = 1.5


def test_it_looks_like_a_midi_output_to_the_player():
    instrument, stream = open_instrument(RecordingSynth())
    assert instrument.name == BUILT_IN_NAME and instrument.port.name == BUILT_IN_NAME
    assert not instrument.virtual and instrument.present_in([])
    clock = FakeClock()
    player = Player(instrument, clock=clock, sleep=clock.sleep, program=40)
    try:
        player.play(Melody([Note(60, 0, 1), Note(62, 1, 1)]))
        assert player.wait(5)
        stream.block()
    finally:
        player.close()
    handled = [message for kind, message in instrument_log(stream) if kind == "handle"]
    notes = [m for m in handled if m[0] & 0xF0 in (0x80, 0x90)]
    assert handled[0] == [0xC0, 40]
    assert [(m[0] & 0xF0, m[1]) for m in notes[:4]] == [(0x90, 60), (0x80, 60), (0x90, 62), (0x80, 62)]
    assert stream.closed  # the player closed its output


def instrument_log(stream):
    return stream.callback.__self__._synth.log


def test_after_close_sending_is_a_port_error_and_the_output_is_gone():
    instrument, stream = open_instrument(RecordingSynth())
    instrument.close()
    assert stream.closed and not instrument.present_in([])
    with pytest.raises(PortError, match="closed"):
        instrument.send([0x90, 60, 100])
    instrument.close()  # twice is harmless


def test_a_device_that_stops_makes_the_next_send_fail_with_the_reason():
    instrument, stream = open_instrument(RecordingSynth())
    stream.finished()  # PortAudio ended the stream: the device went away
    assert not instrument.present_in([])
    with pytest.raises(InstrumentError, match="stopped working \\(the audio device stopped\\)"):
        instrument.send([0x90, 60, 100])


def test_a_failing_synth_gives_silence_not_a_dead_audio_thread():
    class Broken(RecordingSynth):
        def render_into(self, buffer):
            raise RuntimeError("boom")

    instrument, stream = open_instrument(Broken())
    assert not stream.block().any()
    with pytest.raises(InstrumentError, match="synthesizer failed: boom"):
        instrument.send([0x90, 60, 100])


def test_underruns_are_counted():
    instrument, stream = open_instrument(RecordingSynth())
    stream.block(underflow=True)
    stream.block()
    stream.block(underflow=True)
    assert instrument.underruns == 2


@pytest.fixture
def python_default_switch_interval(monkeypatch):
    """No instrument open (other tests leave theirs to the garbage collector) and Python's
    default interval; the suite's own interval afterwards."""
    monkeypatch.setattr(instrument_module, "_switch", {"open": 0, "saved": 0.005})
    saved = sys.getswitchinterval()
    sys.setswitchinterval(0.005)
    yield
    sys.setswitchinterval(saved)


@pytest.mark.usefixtures("python_default_switch_interval")
def test_while_an_instrument_is_open_a_busy_thread_hands_the_gil_over_sooner():
    before = sys.getswitchinterval()
    first, _ = open_instrument(RecordingSynth())
    assert sys.getswitchinterval() == AUDIO_SWITCH_INTERVAL < before
    second, _ = open_instrument(RecordingSynth())
    first.close()
    assert sys.getswitchinterval() == AUDIO_SWITCH_INTERVAL  # the second still plays
    second.close()
    second.close()  # twice is harmless
    assert sys.getswitchinterval() == before


@pytest.mark.usefixtures("python_default_switch_interval")
def test_a_stream_that_cannot_open_is_one_clear_error():
    def refuse(**settings):
        raise OSError("Invalid sample rate")

    before = sys.getswitchinterval()
    with pytest.raises(InstrumentError, match="could not open the audio output \\(Invalid sample rate\\)"):
        BuiltInInstrument(synth=RecordingSynth(), rate=44100, stream_factory=refuse)
    assert sys.getswitchinterval() == before


def test_availability_names_the_reason_when_there_is_no_device(monkeypatch):
    # The synthesizer is there (a stand-in), whether or not this machine has it installed.
    monkeypatch.setitem(sys.modules, "tinysoundfont", types.ModuleType("tinysoundfont"))
    ok, reason = audio_available(FakeSounddevice())
    assert not ok
    assert reason.startswith("The built-in instrument is unavailable: no audio output device")
    assert "MIDI outputs and audio export still work" in reason
    assert audio_available(FakeSounddevice({"name": "Speakers", "default_samplerate": 48000.0})) == (
        True, "",
    )


def test_without_the_synthesizer_the_reason_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "tinysoundfont", None)  # import raises ModuleNotFoundError
    ok, reason = audio_available(FakeSounddevice({"name": "Speakers", "default_samplerate": 48000.0}))
    assert not ok and "tinysoundfont synthesizer is not installed" in reason
    assert "pip install --no-deps tinysoundfont" in reason


def test_without_a_device_opening_is_the_same_clear_error(monkeypatch):
    import segue.engine.audio.instrument as instrument_module

    monkeypatch.setattr(instrument_module, "_import_sounddevice", lambda: (FakeSounddevice(), ""))
    with pytest.raises(InstrumentError, match="unavailable: no audio output device"):
        BuiltInInstrument()
    monkeypatch.setattr(
        instrument_module, "_import_sounddevice", lambda: (None, "the PortAudio library is missing")
    )
    assert audio_available() == (
        False,
        "The built-in instrument is unavailable: the PortAudio library is missing. "
        "MIDI outputs and audio export still work.",
    )


@pytest.mark.synth
def test_the_device_rate_is_used(monkeypatch):
    import segue.engine.audio.instrument as instrument_module

    device = FakeSounddevice({"name": "Speakers", "default_samplerate": 48000.0})
    monkeypatch.setattr(instrument_module, "_import_sounddevice", lambda: (device, ""))
    instrument = BuiltInInstrument()
    try:
        assert instrument.rate == 48000 and instrument._synth.rate == 48000
    finally:
        instrument.close()


def test_a_chosen_buffer_size_is_asked_of_the_device_and_the_default_is_its_low_latency():
    instrument, stream = open_instrument(RecordingSynth())
    assert stream.settings["latency"] == "low" and "blocksize" not in stream.settings
    instrument.close()
    instrument, stream = open_instrument(RecordingSynth(), buffer_frames=1024)
    assert stream.settings["blocksize"] == 1024 and instrument.buffer_frames == 1024
    assert stream.settings["latency"] == pytest.approx(1024 / 44100)
    instrument.close()
    with pytest.raises(ValueError, match="buffer of 1000 frames"):
        open_instrument(RecordingSynth(), buffer_frames=1000)


def test_a_message_sent_with_its_time_is_placed_at_its_frame_one_block_later():
    clock = FakeClock(10.0)
    synth = RecordingSynth()
    instrument, stream = open_instrument(synth, clock=clock)
    instrument.send([0x90, 60, 100], 10.0 - 100 / 44100)  # 100 frames into the last 256
    instrument.send([0x80, 60, 0], 10.0 - 6 / 44100)
    instrument.send([0xB0, 123, 0])  # untimed: right after what came before
    stream.block(256)
    assert synth.log == [
        ("render", 156), ("handle", [0x90, 60, 100]), ("render", 94),
        ("handle", [0x80, 60, 0]), ("handle", [0xB0, 123, 0]), ("render", 6),
    ]


def play_one_note(output, clock) -> None:
    player = Player(output, clock=clock, sleep=clock.sleep)
    try:
        player.play(Melody([Note(60, 0, 1)], tempo=120))
        assert player.wait(5)
    finally:
        player.close()


def test_the_player_passes_times_only_to_an_instrument_on_its_own_clock():
    clock = FakeClock()
    on_its_clock, _ = open_instrument(RecordingSynth(), clock=clock)
    sent = []
    on_its_clock.send = lambda message, when=None: sent.append((list(message), when))
    play_one_note(on_its_clock, clock)
    timed = [(m[:2], when) for m, when in sent if when is not None]
    start = timed[0][1]
    assert timed == [([0x90, 60], start), ([0x80, 60], start + 0.125)]  # a step is 1/8 s
    other, _ = open_instrument(RecordingSynth())  # the perf_counter clock: times mean nothing
    other_sent = []
    other.send = lambda message, when=None: other_sent.append(when)
    play_one_note(other, clock)
    assert other_sent and set(other_sent) == {None}


def test_a_stopped_instrument_is_reported_in_its_own_words_not_as_unplugged():
    instrument, stream = open_instrument(RecordingSynth())
    player = Player(instrument)
    errors = []
    player.on_error = errors.append
    try:
        stream.finished()  # the device went away
        assert not player.check_output([])
    finally:
        player.close()
    assert errors == ["The built-in instrument stopped working (the audio device stopped)."]


def test_the_audio_system_falls_back_to_the_built_in_bank_and_names_the_bad_file(tmp_path):
    from segue.engine.audio.soundfont import SoundFontError
    from tests.fakes.audio import fake_audio

    bad = tmp_path / "broken.sf2"

    def synth_factory(soundfont, rate):
        if soundfont is not None:
            raise SoundFontError(soundfont, "it is not an SF2/SF3 SoundFont")
        return RecordingSynth(soundfont, rate)

    audio, streams = fake_audio(synth_factory=synth_factory)
    instrument, warning = audio.open(bad, buffer_frames=512)
    try:
        assert instrument.buffer_frames == 512 and streams[0].settings["blocksize"] == 512
        assert warning == (
            "Cannot use the SoundFont 'broken.sf2': it is not an SF2/SF3 SoundFont. "
            "The built-in General MIDI bank plays instead."
        )
        assert instrument._synth.soundfont is None and streams[0].started
    finally:
        instrument.close()
    nothing, _ = fake_audio(available=False)
    assert not nothing.available()[0]
    with pytest.raises(InstrumentError, match="no audio output device"):
        nothing.open()
