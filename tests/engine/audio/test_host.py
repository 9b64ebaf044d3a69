"""The built-in instrument's own process: the pipe to it and back, with a child instrument that
needs no audio device (``host_fakes.EchoInstrument``); the real device is test_jack_audio's."""

import importlib.util
import os
import sys
import time
import types

import pytest

from segue.engine.audio import host as host_module
from segue.engine.audio.host import InstrumentHost
from segue.engine.audio.instrument import BuiltInInstrument, InstrumentError
from segue.engine.audio.soundfont import SoundFontError
from segue.engine.audio.system import AudioSystem
from tests.fakes.audio import FakeSounddevice

ECHO = "tests.engine.audio.host_fakes:EchoInstrument"


def host(soundfont=None, **settings) -> InstrumentHost:
    return InstrumentHost(soundfont, instrument=ECHO, **settings)


def test_messages_reach_the_child_with_their_times_in_order():
    instrument = host("mine.sf2", buffer_frames=1024)
    try:
        assert (instrument.rate, instrument.block_frames, instrument.buffer_frames) == (44100, 512, 1024)
        assert instrument.clock is time.perf_counter and instrument.timed
        instrument.send([0x90, 60, 100], 12.5)
        instrument.send((0x80, 60, 0))  # no time: at the next block
        instrument.send([0xC0, 73])  # two bytes
        instrument.volume = 0.25
        report = instrument.report()
    finally:
        instrument.close()
    assert report == {"sent": [[[0x90, 60, 100], 12.5], [[0x80, 60, 0], None], [[0xC0, 73], None]],
                      "volume": 0.25, "soundfont": "mine.sf2", "buffer_frames": 1024}
    assert instrument._process.returncode == 0  # it closed its instrument and ended
    with pytest.raises(InstrumentError, match="closed"):
        instrument.send([0x90, 60, 100])


def test_what_the_child_could_not_open_is_raised_here_with_its_reason():
    with pytest.raises(SoundFontError) as raised:
        host("bad.sf2")
    assert (raised.value.path, raised.value.reason) == ("bad.sf2", "it is not an SF2/SF3 SoundFont")
    with pytest.raises(InstrumentError, match="no audio output device was found"):
        host("no-device")
    with pytest.raises(ValueError, match="buffer"):
        host(buffer_frames=100)


def test_a_stream_that_fails_in_the_child_is_reported_with_its_reason():
    instrument = host()
    try:
        assert instrument.present_in([])
        instrument.send([0x90, 0, 1])
        instrument.report()  # the child says its state before it answers
        assert not instrument.present_in([])
        assert instrument.underruns == 3
        assert instrument.missing_message() == (
            "The built-in instrument stopped working (the audio device stopped).")
        with pytest.raises(InstrumentError, match="the audio device stopped"):
            instrument.send([0x90, 60, 100])
    finally:
        instrument.close()


def test_a_child_that_dies_is_an_instrument_that_stopped_working():
    instrument = host()
    try:
        instrument.send([0x90, 1, 1])
        # The pipe is closed when the request is written, or before the answer: both say so.
        with pytest.raises(InstrumentError, match="audio process ended"):
            instrument.report()
        assert not instrument.present_in([])
        assert "its audio process ended" in instrument.missing_message()
        with pytest.raises(InstrumentError, match="its audio process ended"):
            instrument.send([0x90, 60, 100])
    finally:
        instrument.close()


class RecordedHost:
    """Stands in for InstrumentHost in AudioSystem: which SoundFont and device it was asked for."""

    made: list = []

    def __init__(self, soundfont=None, *, buffer_frames=0, device=None):
        RecordedHost.made.append((soundfont, buffer_frames, device))
        if soundfont == "bad.sf2":
            raise SoundFontError(soundfont, "it is not an SF2/SF3 SoundFont")
        if buffer_frames == 128:
            raise InstrumentError("The built-in instrument could not open the audio output (no).")
        self.volume = 1.0


def test_audio_system_opens_a_real_device_in_its_own_process(monkeypatch):
    monkeypatch.setattr(host_module, "InstrumentHost", RecordedHost)
    monkeypatch.setitem(sys.modules, "tinysoundfont", types.ModuleType("tinysoundfont"))  # there
    RecordedHost.made = []
    device = FakeSounddevice({"name": "Speakers", "default_samplerate": 48000.0})
    device.default = type("Default", (), {"device": [-1, 3]})()
    audio = AudioSystem(sounddevice=device)
    instrument, warning = audio.open("bad.sf2", buffer_frames=128)
    assert isinstance(instrument, RecordedHost)
    # The SoundFont gives way to the built-in bank, then the buffer to the device's own size,
    # on the output device chosen in this process.
    assert RecordedHost.made == [("bad.sf2", 128, 3), (None, 128, 3), (None, 0, 3)]
    assert "Cannot use the SoundFont 'bad.sf2'" in warning and "own buffer size" in warning
    with pytest.raises(ValueError, match="perf_counter"):
        audio.open(clock=lambda: 0.0)


# PortAudio as it is on a machine with no audio output, whatever this machine has.
NO_OUTPUT_SOUNDDEVICE = """
class PortAudioError(Exception):
    pass

class default:
    device = [-1, -1]

def query_devices(device=None, kind=None):
    raise PortAudioError("Error querying device -1")
"""


def test_with_no_audio_device_the_child_says_why_as_the_instrument_here_would(tmp_path,
                                                                              monkeypatch):
    (tmp_path / "sounddevice.py").write_text(NO_OUTPUT_SOUNDDEVICE)
    path = [str(tmp_path), *filter(None, [os.environ.get("PYTHONPATH")])]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(path))  # the child imports it first
    spec = importlib.util.spec_from_file_location("sounddevice", tmp_path / "sounddevice.py")
    no_output = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(no_output)
    monkeypatch.setitem(sys.modules, "sounddevice", no_output)  # and this process finds it
    with pytest.raises(InstrumentError) as here:
        BuiltInInstrument()
    assert "no audio output device was found" in str(here.value)
    with pytest.raises(InstrumentError) as raised:
        InstrumentHost()  # the real instrument, in the real child
    assert str(raised.value) == str(here.value)


def test_a_child_that_cannot_start_its_instrument_says_why_in_one_message():
    with pytest.raises(InstrumentError) as raised:
        InstrumentHost(instrument="tests.engine.audio.no_such_module:Instrument")
    assert str(raised.value).startswith("The built-in instrument could not start "
                                        "(ModuleNotFoundError: No module named")
    assert str(raised.value).endswith("MIDI outputs and audio export still work.")


def test_a_soundfont_the_child_dies_reading_is_named_and_the_built_in_bank_plays_instead(
        monkeypatch):
    with pytest.raises(SoundFontError) as raised:
        host("crash.sf2")  # the child exits inside the (native) parser: no word from it
    assert str(raised.value.path) == "crash.sf2" and "damaged" in str(raised.value)
    monkeypatch.setattr(host_module, "InstrumentHost",
                        lambda soundfont, buffer_frames, device: host(soundfont))
    monkeypatch.setitem(sys.modules, "tinysoundfont", types.ModuleType("tinysoundfont"))
    audio = AudioSystem(availability=lambda: (True, ""))
    instrument, warning = audio.open("crash.sf2")
    try:
        assert instrument.report()["soundfont"] is None  # a fresh child, on the built-in bank
        assert "crash.sf2" in warning and "built-in General MIDI bank plays instead" in warning
    finally:
        instrument.close()


def test_a_report_the_child_never_answers_is_the_instruments_error_not_a_queue_error():
    instrument = host()
    try:
        instrument.send([0x90, 2, 1])  # every later report hangs
        with pytest.raises(InstrumentError, match="stopped answering"):
            instrument.report(timeout=0.2)
        assert not instrument.present_in([])
    finally:
        instrument._process.kill()
        instrument.close()


def test_an_instrument_that_raises_in_the_child_is_reported_and_the_child_lives_on():
    instrument = host()
    try:
        instrument.send([0x90, 3, 1])  # the instrument raises RuntimeError
        instrument.report()
        assert instrument._process.poll() is None
        assert "RuntimeError: a bug" in instrument.missing_message()
        with pytest.raises(InstrumentError, match="a bug"):
            instrument.send([0x90, 60, 100])
    finally:
        instrument.close()
