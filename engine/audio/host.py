"""The built-in instrument in a process of its own, so that nothing else of Segue's can hold the
GIL its audio callback needs.

A Python audio callback takes its process's GIL before its first line. In Segue's process a
generation (torch, between operations), the GUI and the garbage collector hold it for
milliseconds at a time, and at 256 frames a block lasts 5.3 ms: enough to make it underrun.
Here :class:`~engine.audio.instrument.BuiltInInstrument`, unchanged, runs in a child Python
(:func:`serve`) whose other threads only read the pipe from Segue and report back, for
microseconds at a time.

``InstrumentHost(soundfont=None, *, buffer_frames=0, device=None, instrument=INSTRUMENT,
timeout=30)``
    starts the child and waits until its audio stream runs: the same interface as
    BuiltInInstrument (``send(message, when)``, ``close()``, ``volume``, ``name``, ``port``,
    ``virtual``, ``timed``, ``clock``, ``present_in``, ``missing_message``, ``rate``,
    ``underruns``, ``block_frames``, ``buffer_frames``), plus ``report()``, the child
    instrument's ``report()``, which also brings those figures up to date. Raises what the child's instrument raised: InstrumentError, or
    SoundFontError naming the file. ``device``: a PortAudio output device index (None: the
    default output). ``instrument``: "module:Class" to run (the bench's measured one).
    ``when`` is on ``time.perf_counter``, one clock for every process on Linux, macOS and Windows.

Pipes: Segue to the child, fixed records (:data:`RECORD`: kind, a number, up to three MIDI
bytes) on its stdin; the child to Segue, JSON lines on its stdout: the first says it plays (and
at which rate) or why not; then one whenever its underruns, block size or failure change
(looked at every :data:`STATUS_EVERY` seconds), and one per report asked for. The child ends when
its stdin closes: when Segue closes the instrument, or exits however it exits.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import queue
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from segue.engine.audio.instrument import (
    BUFFER_SIZES,
    BUILT_IN_NAME,
    STILL_WORKS,
    InstrumentError,
    InstrumentOutput,
)
from segue.engine.audio.soundfont import SoundFontError

INSTRUMENT = "segue.engine.audio.instrument:BuiltInInstrument"
RECORD = struct.Struct("<cdB3s")  # kind, when or volume (NaN: no time), length, the bytes
MESSAGE, VOLUME, REPORT = b"M", b"V", b"R"
ENDED = f"The {BUILT_IN_NAME.lower()}'s audio process ended unexpectedly. {STILL_WORKS}"
STATUS_EVERY = 0.25  # seconds between the child's looks at its instrument's state
# The folder that holds the ``segue`` package (a checkout, or site-packages when installed).
_ROOT = str(Path(sys.modules["segue"].__file__).resolve().parent.parent)
_CHILD = f"import sys; sys.path.insert(0, {_ROOT!r}); from segue.engine.audio.host import serve; serve()"


class InstrumentHost(InstrumentOutput):
    """See the module docstring."""

    clock = staticmethod(time.perf_counter)  # the child's instrument times messages on it too

    def __init__(self, soundfont: str | os.PathLike | None = None, *, buffer_frames: int = 0,
                 device: int | None = None, instrument: str = INSTRUMENT, timeout: float = 30.0):
        if buffer_frames and buffer_frames not in BUFFER_SIZES:
            raise ValueError(f"buffer of {buffer_frames!r} frames: use 0 or one of {BUFFER_SIZES}")
        self.buffer_frames = buffer_frames
        self.underruns = 0
        self.block_frames = 0
        self._write_lock = threading.Lock()
        self._answers: queue.Queue = queue.Queue()
        settings = {"soundfont": None if soundfont is None else os.fspath(soundfont),
                    "buffer_frames": buffer_frames, "device": device, "instrument": instrument}
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-c", _CHILD, json.dumps(settings)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0,
                creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
            )
        except OSError as error:
            raise InstrumentError(
                f"The {BUILT_IN_NAME.lower()} could not start its audio process ({error})."
            ) from None
        threading.Thread(target=self._read, name="segue-audio-host", daemon=True).start()
        try:
            first = self._answers.get(timeout=timeout)
        except queue.Empty:
            first = {"error": "instrument", "message": f"The {BUILT_IN_NAME.lower()}'s audio "
                     f"process did not start within {timeout:g} s."}
        if "rate" not in first:
            self._end()
            if first.get("error") == "soundfont":
                raise SoundFontError(first["path"], first["reason"])
            raise InstrumentError(first.get("message") or ENDED)
        self.rate = first["rate"]
        self.block_frames = first.get("block_frames", 0)

    def _read(self) -> None:
        """The reader thread: status lines update the state, the rest are answers."""
        for line in self._process.stdout:
            try:
                answer = json.loads(line)
            except ValueError:
                continue  # not ours: a library that printed to stdout
            if "status" in answer:
                self.underruns = answer["status"]["underruns"]
                self.block_frames = answer["status"]["block_frames"]
                self._failure = answer["status"]["failure"]
            else:
                self._answers.put(answer)
        if not self._closed:
            self._failure = self._failure or "its audio process ended"
        self._answers.put({"error": "instrument", "message": ENDED})

    def _write(self, kind: bytes, number: float = math.nan, data: bytes = b"") -> None:
        try:
            with self._write_lock:  # records are written whole, one at a time
                self._process.stdin.write(RECORD.pack(kind, number, len(data), data))
        except (OSError, ValueError):  # the child is gone (ValueError: the pipe was closed)
            self._failure = self._failure or "its audio process ended"
            raise InstrumentError(self.missing_message()) from None

    # --- the output interface (the rest is InstrumentOutput's) ---------------------------------

    def send(self, message: Sequence[int], when: float | None = None) -> None:
        """Pass ``message`` to the child's instrument; ``when``: its time on perf_counter."""
        self._check_sendable()
        self._write(MESSAGE, math.nan if when is None else when, bytes(message[:3]))

    def _volume_changed(self, value: float) -> None:
        if not self._closed and not self._failure:
            self._write(VOLUME, value)

    def report(self, timeout: float = 10.0) -> dict:
        """The child instrument's ``report()`` (a dict; {} when it has none)."""
        self._write(REPORT)
        answer = self._answers.get(timeout=timeout)
        if "report" not in answer:
            raise InstrumentError(answer.get("message") or ENDED)
        return answer["report"]

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._end()

    def _end(self) -> None:
        """Close the child's stdin (it closes its instrument and exits) and wait for it."""
        try:
            self._process.stdin.close()
        except OSError:
            pass
        try:
            self._process.wait(5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


# --- the child process -----------------------------------------------------------------------


def _say(line: dict, lock: threading.Lock) -> None:
    with lock:
        sys.stdout.write(json.dumps(line) + "\n")
        sys.stdout.flush()


def _start(settings: dict):
    """The instrument the settings ask for, on the device they name."""
    if settings.get("device") is not None:
        import sounddevice  # noqa: PLC0415 - only in the child, and only when a device is named

        sounddevice.default.device = (sounddevice.default.device[0], settings["device"])
    module, _, name = settings.get("instrument", INSTRUMENT).partition(":")
    factory = getattr(importlib.import_module(module), name)
    return factory(settings["soundfont"], buffer_frames=settings["buffer_frames"])


def _prefer_real_time() -> None:
    """This thread at the lowest real-time priority, where the system allows it (Linux, for a
    user allowed real-time audio, as JACK users are): the child's threads hold the GIL the audio
    callback needs, and one preempted meanwhile by a busy thread elsewhere (a generation) would
    make the callback wait until it runs again, milliseconds later."""
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1))  # Linux: this thread only
    except (AttributeError, OSError):  # not Linux, or not allowed: a normal thread, as before
        pass


def _state(instrument) -> dict:
    return {"underruns": instrument.underruns, "block_frames": instrument.block_frames,
            "failure": getattr(instrument, "_failure", "")}


def _watch(instrument, lock: threading.Lock, done: threading.Event) -> None:
    """Say the instrument's state whenever it changes."""
    _prefer_real_time()
    said = None
    while not done.wait(STATUS_EVERY):
        if (state := _state(instrument)) != said:
            _say({"status": state}, lock)
            said = state


def serve(argv: list[str] | None = None) -> None:
    """The child: run the instrument ``argv[0]`` (JSON settings) describes until stdin closes."""
    settings = json.loads((argv or sys.argv[1:])[0])
    # Ctrl+C in Segue's terminal reaches this process too: Segue decides, and its exit closes
    # the pipe, which ends this one.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    lock = threading.Lock()
    try:
        instrument = _start(settings)
    except SoundFontError as error:
        _say({"error": "soundfont", "path": os.fspath(error.path), "reason": error.reason}, lock)
        return
    except InstrumentError as error:
        _say({"error": "instrument", "message": str(error)}, lock)
        return
    except Exception as error:  # noqa: BLE001 - whatever it is, Segue's process says it, once
        _say({"error": "instrument", "message": f"The {BUILT_IN_NAME.lower()} could not start "
              f"({type(error).__name__}: {error}). {STILL_WORKS}"}, lock)
        return
    _say({"rate": instrument.rate, "block_frames": instrument.block_frames}, lock)
    done = threading.Event()
    threading.Thread(target=_watch, args=(instrument, lock, done), daemon=True).start()
    _prefer_real_time()
    stdin = sys.stdin.buffer
    try:
        while len(record := stdin.read(RECORD.size)) == RECORD.size:
            kind, number, length, data = RECORD.unpack(record)
            if kind == MESSAGE:
                try:
                    instrument.send(data[:length], None if math.isnan(number) else number)
                except InstrumentError:
                    pass  # the stream failed: the watcher says so, Segue stops sending
            elif kind == VOLUME:
                instrument.volume = number
            elif kind == REPORT:  # the state first: when report() returns, Segue's copy is current
                report = instrument.report() if hasattr(instrument, "report") else {}
                _say({"status": _state(instrument)}, lock)
                _say({"report": report}, lock)
    finally:
        done.set()
        instrument.close()
