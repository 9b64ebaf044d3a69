"""Stand-ins for the audio device and the synthesizer, for tests, benchmarks and scripts.

``FakeAudioStream``, ``RecordingSynth``, ``FakeSounddevice(device=None)``   stand-ins for an
    audio output stream (the test calls its callback: ``block(frames)``), the synthesizer and
    the ``sounddevice`` module (with or without a default output device)
``fake_audio(available=True) -> (AudioSystem, streams)``   the built-in instrument's audio
    system over fake streams, in this process (each stream opened is appended to ``streams``),
    or one with no device

Never imported by the product (``tests/test_folders.py`` checks).
"""

from __future__ import annotations

import types

import numpy as np

from segue.engine.audio.instrument import DEFAULT_RATE, BuiltInInstrument
from segue.engine.audio.system import AudioSystem


class FakeAudioStream:
    """Stands in for ``sounddevice.OutputStream``: keeps the callbacks for the test to call."""

    def __init__(self, **settings):
        self.settings = settings
        self.callback = settings["callback"]
        self.finished = settings["finished_callback"]
        self.started = self.closed = False

    def start(self):
        self.started = True

    def close(self):
        self.closed = True
        self.finished()

    def block(self, frames: int = 256, underflow: bool = False):
        """Call the callback for one block of ``frames``; the block it filled."""
        out = np.full((frames, 2), np.nan, dtype=np.float32)
        status = types.SimpleNamespace(output_underflow=underflow) if underflow else None
        self.callback(out, frames, None, status)
        return out


class RecordingSynth:
    """Records what the audio callback does with it, in order: ('handle', message) and
    ('render', frames); renders a constant 0.5."""

    def __init__(self, soundfont=None, rate: int = 48000):
        self.soundfont, self.rate = soundfont, rate
        self.log: list = []

    def handle(self, message):
        self.log.append(("handle", list(message)))

    def render_into(self, buffer):
        self.log.append(("render", len(buffer)))
        buffer.fill(0.5)

    def handled(self) -> list[list[int]]:
        return [message for kind, message in self.log if kind == "handle"]


class FakeSounddevice:
    """Looks like the ``sounddevice`` module: with or without a default output device."""

    def __init__(self, device=None):
        self._device = device
        self.OutputStream = FakeAudioStream

    def query_devices(self, kind=None):
        if self._device is None:
            raise ValueError("No output device matching ''")
        return self._device


def fake_audio(available: bool = True, synth_factory=RecordingSynth):
    """(an :class:`~segue.engine.audio.system.AudioSystem` whose instruments play in this process
    on fake streams, the streams they opened); ``available=False``: one that finds no device."""
    streams: list[FakeAudioStream] = []
    if not available:
        return AudioSystem(sounddevice=FakeSounddevice()), streams

    def factory(**settings):
        streams.append(FakeAudioStream(**settings))
        return streams[-1]

    def open_here(soundfont, buffer_frames, clock):
        return BuiltInInstrument(synth=synth_factory(soundfont, DEFAULT_RATE), rate=DEFAULT_RATE,
                                 stream_factory=audio._stream_factory, clock=clock,
                                 buffer_frames=buffer_frames)

    audio = AudioSystem(open_instrument=open_here, availability=lambda: (True, ""))
    audio._stream_factory = factory  # a test may wrap it: a device that refuses a buffer size
    return audio, streams
