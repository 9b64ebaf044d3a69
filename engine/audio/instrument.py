"""The built-in instrument: an output for :class:`engine.live.player.Player` that sounds through
the computer's audio device, with the SoundFont synthesizer, no MIDI system needed.

``audio_available(sounddevice=None) -> (bool, reason)``   (True, '') when an audio output device
    can be used, else (False, a sentence for the user), as ``MidiSystem.available`` answers
``BuiltInInstrument(soundfont=None, *, rate=None, synth=None, stream_factory=None,
buffer_frames=0)``
    opens the default audio output (:class:`InstrumentError` with the reason when it cannot);
    ``buffer_frames``: the audio buffer, as a DAW's "buffer size" (one of
    :data:`BUFFER_SIZES`; 0, the default: the device's own low-latency size);
    the same interface as a MIDI output: ``send(message)``, ``close()``, ``name``, ``port``,
    ``virtual``, ``present_in(ports)``; plus ``volume`` (0-1), ``rate``, ``underruns`` (blocks
    the device reported late), ``block_frames`` (the last audio block's length, 0 before one)
    and ``check_stream()`` (a watcher's look for a stream PortAudio stopped silently)

Real time: ``send`` only appends (time, message) to a deque (``append`` and ``popleft`` are
atomic in CPython, so no lock is shared with the player's scheduler). The audio callback, on
PortAudio's own thread, takes every message that is due, applies it to the synthesizer and
renders the block; it never waits on the scheduler, the GUI or a generation. A message sent with
its scheduled time (``send(message, when)``, ``when`` on ``clock``, the player's clock) is placed
at its frame inside the block, one block later than scheduled: every note is late by the same
amount, not by up to a block, so notes keep their rhythm exactly. A message without a time takes
effect at the start of the next block. ``stream_factory`` (``sounddevice.OutputStream`` by
default) lets tests call the callback themselves with a numpy buffer.

The GIL: the callback is Python, so it must take the GIL, and a thread holding it keeps it for
up to ``sys.getswitchinterval()`` (5 ms by default, a whole block at 256 frames) before handing
it over; a garbage collection keeps it until done. So the app runs this class in a process of its
own (``engine/audio/host.py``), whose other threads hold the GIL for microseconds; and while an
instrument is open the interval is :data:`AUDIO_SWITCH_INTERVAL` (restored when the last one
closes), so even beside a busy thread the callback waits a fraction of a block
(``bench/audio_latency.py`` measures both).

What the app opens is :class:`engine.audio.system.AudioSystem`'s choice: on a device, this class
in a process of its own (:mod:`engine.audio.host`).
"""

from __future__ import annotations

import collections
import math
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from segue.engine.audio.soundfont import SoundFontSynth
from segue.engine.live.endpoints import PortError, PortInfo

BUILT_IN_NAME = "Built-in instrument"
BUILT_IN_PORT = PortInfo(BUILT_IN_NAME, "Audio")
DEFAULT_RATE = 48000
# A larger buffer survives a busier (or a virtual) machine without underruns, at the cost of that
# much more delay before a note sounds: the trade every DAW's "buffer size" setting offers.
BUFFER_SIZES = (128, 256, 512, 1024, 2048)  # frames; 0 means the device's low-latency default
STILL_WORKS = "MIDI outputs and audio export still work."
_UNAVAILABLE = "The built-in instrument is unavailable: {}. " + STILL_WORKS


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
        except ModuleNotFoundError:
            problem = ("the tinysoundfont synthesizer is not installed (install it with "
                       "'pip install --no-deps tinysoundfont')")
        except ImportError as error:
            problem = f"the tinysoundfont package could not be loaded ({error})"
    return (False, _UNAVAILABLE.format(problem)) if problem else (True, "")


AUDIO_SWITCH_INTERVAL = 0.0005  # seconds: the longest GIL wait of the audio callback, roughly
_switch = {"open": 0, "saved": 0.005}  # instruments open; the interval before the first


def _shorten_switch_interval() -> None:
    if not _switch["open"]:
        _switch["saved"] = sys.getswitchinterval()
        sys.setswitchinterval(min(AUDIO_SWITCH_INTERVAL, _switch["saved"]))
    _switch["open"] += 1


def _restore_switch_interval() -> None:
    _switch["open"] -= 1
    if not _switch["open"]:
        sys.setswitchinterval(_switch["saved"])


class InstrumentOutput:
    """What the built-in instrument is to the player, here or in its own process: an output with
    a MIDI output's interface, a volume, and ``_closed`` / ``_failure`` set by the subclass."""

    port = BUILT_IN_PORT
    virtual = False
    timed = True  # send takes the message's scheduled time on ``clock``
    _closed = False
    _failure = ""  # why it stopped working, in the user's words; '' while it works
    _volume = 1.0

    @property
    def name(self) -> str:
        return BUILT_IN_NAME

    def _check_sendable(self) -> None:
        if self._closed:
            raise InstrumentError(f"The {BUILT_IN_NAME.lower()} is closed.")
        if self._failure:
            raise InstrumentError(self.missing_message())

    def present_in(self, ports: Iterable[PortInfo]) -> bool:
        """Not a MIDI port, so not in a port list: present while its audio stream runs."""
        return not self._closed and not self._failure

    def missing_message(self) -> str:
        """What the player reports when :meth:`present_in` says the instrument is gone."""
        return f"The {BUILT_IN_NAME.lower()} stopped working ({self._failure or 'it was closed'})."

    @property
    def volume(self) -> float:
        return self._volume

    @volume.setter
    def volume(self, value: float) -> None:
        value = float(value)
        if not math.isfinite(value) or not 0.0 <= value <= 1.0:
            raise ValueError(f"volume {value!r} is outside 0-1")
        self._volume = value  # one float assignment: atomic, read once per block
        self._volume_changed(value)

    def _volume_changed(self, value: float) -> None:
        """A subclass that keeps the volume elsewhere passes it on."""


class BuiltInInstrument(InstrumentOutput):
    """See the module docstring."""

    def __init__(
        self,
        soundfont: str | os.PathLike | None = None,
        *,
        rate: int | None = None,
        synth: SoundFontSynth | None = None,
        stream_factory: Callable | None = None,
        buffer_frames: int = 0,
        clock: Callable[[], float] = time.perf_counter,
    ):
        if buffer_frames and buffer_frames not in BUFFER_SIZES:
            raise ValueError(f"buffer of {buffer_frames!r} frames: use 0 or one of {BUFFER_SIZES}")
        self.clock = clock
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
        self.block_frames = 0
        self.buffer_frames = buffer_frames
        # With a size chosen, PortAudio calls back with exactly that many frames and sizes the
        # device's buffer to match; without, it takes the device's low-latency default.
        sizing = ({"blocksize": buffer_frames, "latency": buffer_frames / self.rate}
                  if buffer_frames else {"latency": "low"})
        try:
            self._stream = stream_factory(
                samplerate=self.rate, channels=2, dtype="float32", **sizing,
                callback=self._callback, finished_callback=self._finished,
            )
            self._stream.start()
        except Exception as error:  # noqa: BLE001 - PortAudioError, or a device that refuses
            raise InstrumentError(
                f"The built-in instrument could not open the audio output ({error})."
            ) from None
        _shorten_switch_interval()

    # --- the output interface (the player's thread) -------------------------------------------

    def send(self, message: Sequence[int], when: float | None = None) -> None:
        """Queue ``message`` for the audio thread; ``when``: its scheduled time on ``clock``."""
        self._check_sendable()
        self._queue.append((when, tuple(message)))

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._stream.close()
        finally:
            self._queue.clear()
            _restore_switch_interval()

    # --- the audio thread ---------------------------------------------------------------------

    def _callback(self, outdata: np.ndarray, frames: int, time, status) -> None:
        """Apply what was sent since the last block, then render this block into ``outdata``."""
        if status and getattr(status, "output_underflow", False):
            self.underruns += 1
        self.block_frames = frames
        try:
            queue, synth, rate = self._queue, self._synth, self.rate
            # This block stands for the clock's last ``frames``: a message due in it sounds at
            # its place, one block after its time (the player sends only what is due).
            start = self.clock() - frames / rate
            position = 0
            while queue:
                when, message = queue.popleft()
                if when is not None:
                    frame = min(round((when - start) * rate), frames)
                    if frame > position:
                        synth.render_into(outdata[position:frame])
                        position = frame
                synth.handle(message)
            synth.render_into(outdata[position:])
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

    def check_stream(self) -> None:
        """A look from a watcher: a stream PortAudio stopped without a word is a failure too
        (when the JACK server goes away, PortAudio marks the stream inactive and never calls
        back again, nor calls ``_finished``)."""
        if not self._closed and not self._failure and not getattr(self._stream, "active", True):
            self._failure = "the audio device or its audio server went away"
