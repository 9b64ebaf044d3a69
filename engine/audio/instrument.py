"""The built-in instrument: an output for :class:`engine.live.player.Player` that sounds through
the computer's audio device, with the SoundFont synthesizer, no MIDI system needed.

``audio_available(sounddevice=None) -> (bool, reason)``   (True, '') when an audio output device
    can be used, else (False, a sentence for the user), as ``MidiSystem.available`` answers
``BuiltInInstrument(soundfont=None, *, rate=None, synth=None, stream_factory=None)``
    opens the default audio output (:class:`InstrumentError` with the reason when it cannot);
    the same interface as a MIDI output: ``send(message)``, ``close()``, ``name``, ``port``,
    ``virtual``, ``present_in(ports)``; plus ``volume`` (0-1), ``rate`` and ``underruns``

Real time: ``send`` only appends the message to a deque (``append`` and ``popleft`` are atomic
in CPython, so no lock is shared with the player's scheduler). The audio callback, on
PortAudio's own thread, takes every queued message, applies it to the synthesizer and renders
the block; it never waits on the scheduler, the GUI or a generation. Messages take effect at the
start of the next block, so the device's block length (a few ms with latency='low') bounds the
jitter. ``stream_factory`` (``sounddevice.OutputStream`` by default) lets tests call the callback
themselves with a numpy buffer.
"""

from __future__ import annotations

import collections
import math
import os
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from engine.audio.soundfont import SoundFontSynth
from engine.live.endpoints import PortError, PortInfo

BUILT_IN_NAME = "Built-in instrument"
BUILT_IN_PORT = PortInfo(BUILT_IN_NAME, "Audio")
DEFAULT_RATE = 48000
_UNAVAILABLE = "The built-in instrument is unavailable: {}. MIDI outputs and audio export still work."


class InstrumentError(PortError):
    """The built-in instrument cannot start or stopped working (a :class:`PortError`, so whatever
    handles a failing MIDI output handles it too). The message is ready for the user."""


def _import_sounddevice():
    """The ``sounddevice`` module, or a reason why it cannot be used."""
    try:
        import sounddevice  # noqa: PLC0415 - loads PortAudio; only when audio is wanted
    except OSError:  # sounddevice is there, the PortAudio library is not
        return None, "the PortAudio library is missing (on Debian or Ubuntu: libportaudio2)"
    except ImportError as error:
        return None, f"the sounddevice package could not be loaded ({error})"
    return sounddevice, ""


def _default_output(sounddevice) -> tuple[dict | None, str]:
    try:
        return sounddevice.query_devices(kind="output"), ""
    except Exception as error:  # noqa: BLE001 - PortAudioError or ValueError: no default device
        return None, f"no audio output device was found ({str(error).strip() or type(error).__name__})"


def audio_available(sounddevice=None) -> tuple[bool, str]:
    """Whether the built-in instrument can sound here; see the module docstring."""
    problem = ""
    if sounddevice is None:
        sounddevice, problem = _import_sounddevice()
    if sounddevice is not None:
        _, problem = _default_output(sounddevice)
    if not problem:
        try:
            import tinysoundfont  # noqa: F401, PLC0415
        except ImportError as error:
            problem = f"the tinysoundfont package could not be loaded ({error})"
    return (False, _UNAVAILABLE.format(problem)) if problem else (True, "")


class BuiltInInstrument:
    """See the module docstring."""

    port = BUILT_IN_PORT
    virtual = False

    def __init__(
        self,
        soundfont: str | os.PathLike | None = None,
        *,
        rate: int | None = None,
        synth: SoundFontSynth | None = None,
        stream_factory: Callable | None = None,
        latency: str | float = "low",
    ):
        if stream_factory is None:
            sounddevice, problem = _import_sounddevice()
            device, problem = _default_output(sounddevice) if sounddevice else (None, problem)
            if problem:
                raise InstrumentError(_UNAVAILABLE.format(problem))
            stream_factory = sounddevice.OutputStream
            rate = rate or int(device.get("default_samplerate") or DEFAULT_RATE)
        self.rate = rate or DEFAULT_RATE
        self._synth = synth if synth is not None else SoundFontSynth(soundfont, self.rate)
        self._queue: collections.deque = collections.deque()
        self._volume = 1.0
        self._failure = ""  # set on the audio thread, read by send and present_in
        self._closed = False
        self.underruns = 0
        try:
            self._stream = stream_factory(
                samplerate=self.rate, channels=2, dtype="float32", latency=latency,
                callback=self._callback, finished_callback=self._finished,
            )
            self._stream.start()
        except Exception as error:  # noqa: BLE001 - PortAudioError, or a device that refuses
            raise InstrumentError(
                f"The built-in instrument could not open the audio output ({error})."
            ) from None

    # --- the output interface (the player's thread) -------------------------------------------

    @property
    def name(self) -> str:
        return BUILT_IN_NAME

    def send(self, message: Sequence[int]) -> None:
        if self._closed:
            raise InstrumentError(f"The {BUILT_IN_NAME.lower()} is closed.")
        if self._failure:
            raise InstrumentError(f"The {BUILT_IN_NAME.lower()} stopped working ({self._failure}).")
        self._queue.append(tuple(message))

    def present_in(self, ports: Iterable[PortInfo]) -> bool:
        """Not a MIDI port, so not in a port list: present while its audio stream runs."""
        return not self._closed and not self._failure

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._stream.close()
        finally:
            self._queue.clear()

    @property
    def volume(self) -> float:
        return self._volume

    @volume.setter
    def volume(self, value: float) -> None:
        value = float(value)
        if not math.isfinite(value) or not 0.0 <= value <= 1.0:
            raise ValueError(f"volume {value!r} is outside 0-1")
        self._volume = value  # one float assignment: atomic, read once per block

    # --- the audio thread ---------------------------------------------------------------------

    def _callback(self, outdata: np.ndarray, frames: int, time, status) -> None:
        """Apply what was sent since the last block, then render this block into ``outdata``."""
        if status and getattr(status, "output_underflow", False):
            self.underruns += 1
        try:
            queue, synth = self._queue, self._synth
            while queue:
                synth.handle(queue.popleft())
            synth.render_into(outdata)
            volume = self._volume
            if volume != 1.0:
                outdata *= volume
        except Exception as error:  # noqa: BLE001 - never let the device thread die silently
            outdata.fill(0)
            self._failure = self._failure or f"the synthesizer failed: {error}"

    def _finished(self) -> None:
        """PortAudio ended the stream: closed by us, or the device went away."""
        if not self._closed:
            self._failure = self._failure or "the audio device stopped"
