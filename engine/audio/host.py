"""The built-in instrument in a process of its own, so that nothing else of Segue's can hold the
GIL its audio callback needs.

A Python audio callback takes its process's GIL before its first line. In Segue's process a
generation (torch, between operations), the GUI and the garbage collector hold it for
milliseconds at a time, and at 256 frames a block lasts 5.3 ms: enough to make it underrun.
Here :class:`~engine.audio.instrument.BuiltInInstrument`, unchanged, runs in a child Python
(:func:`serve`) whose other threads only read the pipe from Segue and report back, for
microseconds at a time. The child is also the only process of Segue's that loads PortAudio, so
an audio server that goes away (JACK killed) can only take the child with it, never Segue.

``InstrumentHost(soundfont=None, *, buffer_frames=0, device=None, instrument=INSTRUMENT,
timeout=30)``
    starts the child and waits until its audio stream runs: the same interface as
    BuiltInInstrument (``send(message, when)``, ``close()``, ``volume``, ``name``, ``port``,
    ``virtual``, ``timed``, ``clock``, ``present_in``, ``missing_message``, ``rate``,
    ``underruns``, ``block_frames``, ``buffer_frames``), plus ``report()``, the child
    instrument's ``report()``, which also brings those figures up to date, and ``dropped``
    (bytes of torn records the child skipped). Raises what the child's instrument raised:
    InstrumentError, or SoundFontError naming the file (also when the child died loading it).
    ``device``: a PortAudio output device, by index or name (None: the default output).
    ``instrument``: "module:Class" to run (the bench's measured one). ``when`` is on
    ``time.perf_counter``, one clock for every process on Linux, macOS and Windows.

Pipes: Segue to the child, framed records (:mod:`engine.audio.host_pipe`: kind, a number, up
to three MIDI bytes, a checksum) on its stdin: a torn record is skipped, the stream finds the
next whole one and every note is released; a whole record the child cannot play (a volume out
of range, a message that is not MIDI) or an instrument that raises is the instrument's failure,
reported like a device that stopped. The child to Segue, JSON lines on its stdout: the first
says it plays (and at which rate) or why not; then one whenever its underruns, block size,
failure or skipped bytes change (looked at every :data:`STATUS_EVERY` seconds, when the watcher
also asks a stream PortAudio stopped without a word, as JACK's going away leaves it), and one
per report asked for. The child ends when its stdin closes: when Segue closes the instrument, or
exits however it exits; after a failure it ends without touching its audio device again (a
stream of a dead JACK server hangs or crashes whoever closes it).
"""

from __future__ import annotations

import importlib
import json
import logging
import math
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from segue.engine.audio import host_pipe
from segue.engine.audio.host_pipe import MESSAGE, REPORT, VOLUME
from segue.engine.audio.instrument import (
    BUFFER_SIZES,
    BUILT_IN_NAME,
    STILL_WORKS,
    InstrumentError,
    InstrumentOutput,
)
from segue.engine.audio.soundfont import SoundFontError

log = logging.getLogger(__name__)

INSTRUMENT = "segue.engine.audio.instrument:BuiltInInstrument"
ENDED = f"The {BUILT_IN_NAME.lower()}'s audio process ended unexpectedly. {STILL_WORKS}"
DIED_LOADING = "the synthesizer stopped while reading it (the file may be damaged)"
STATUS_EVERY = 0.25  # seconds between the child's looks at its instrument's state
NOTES_OFF = [bytes((0xB0 | channel, 123, 0)) for channel in range(16)]  # all notes off
# The folder that holds the ``segue`` package (a checkout, or site-packages when installed).
_ROOT = str(Path(sys.modules["segue"].__file__).resolve().parent.parent)


def child_code(module: str, function: str) -> str:
    """Source for ``python -c`` that calls ``module.function()`` with this very Segue importable
    (installed or a checkout): how Segue's short-lived and audio processes start."""
    return (f"import sys; sys.path.insert(0, {_ROOT!r}); "
            f"from {module} import {function}; {function}()")


_CHILD = child_code("segue.engine.audio.host", "serve")


class InstrumentHost(InstrumentOutput):
    """See the module docstring."""

    clock = staticmethod(time.perf_counter)  # the child's instrument times messages on it too

    def __init__(self, soundfont: str | os.PathLike | None = None, *, buffer_frames: int = 0,
                 device: int | str | None = None, instrument: str = INSTRUMENT,
                 timeout: float = 30.0):
        if buffer_frames and buffer_frames not in BUFFER_SIZES:
            raise ValueError(f"buffer of {buffer_frames!r} frames: use 0 or one of {BUFFER_SIZES}")
        self.buffer_frames = buffer_frames
        self.underruns = 0
        self.block_frames = 0
        self.dropped = 0
        self._loading = ""  # the SoundFont the child said it reads, until it plays
        self._reports = 0  # report requests sent: each answer carries its number
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
                raise SoundFontError(first.get("path", ""), first.get("reason", ""))
            if first.get("ended") and self._loading:  # it died in the synthesizer's parser
                raise SoundFontError(self._loading, DIED_LOADING)
            raise InstrumentError(first.get("message") or ENDED)
        self.rate = first["rate"]
        self.block_frames = first.get("block_frames", 0)

    def _read(self) -> None:
        """The reader thread: status lines update the state, the rest are answers."""
        for line in self._process.stdout:
            try:
                answer = json.loads(line)
                if not isinstance(answer, dict):
                    continue
                if "status" in answer:
                    self._take_status(answer["status"])
                elif "loading" in answer:
                    self._loading = str(answer["loading"])
                else:
                    self._answers.put(answer)
            except (ValueError, TypeError, KeyError, AttributeError):
                continue  # not ours: a library that printed to stdout
        if not self._closed:
            self._failure = self._failure or "its audio process ended"
        self._answers.put({"error": "instrument", "message": ENDED, "ended": True})

    def _take_status(self, status: dict) -> None:
        self.underruns = int(status["underruns"])
        self.block_frames = int(status["block_frames"])
        dropped = int(status.get("dropped", 0))
        if dropped > self.dropped:  # recovered in the child, but a sign of trouble: logged
            log.warning("the %s's audio process skipped %d bytes of torn records",
                        BUILT_IN_NAME.lower(), dropped - self.dropped)
        self.dropped = dropped
        self._failure = self._failure or str(status["failure"] or "")

    def _write(self, kind: bytes, number: float = math.nan, data: bytes = b"") -> None:
        record = memoryview(host_pipe.pack(kind, number, data))
        try:
            with self._write_lock:  # records are written whole, one at a time
                while record:  # a raw pipe may take part of a record
                    record = record[self._process.stdin.write(record) or 0:]
        except (OSError, ValueError):  # the child is gone (ValueError: the pipe was closed)
            self._failure = self._failure or "its audio process ended"
            raise InstrumentError(self.missing_message()) from None

    # --- the output interface (the rest is InstrumentOutput's) ---------------------------------

    def send(self, message: Sequence[int], when: float | None = None) -> None:
        """Pass ``message`` to the child's instrument; ``when``: its time on perf_counter."""
        self._check_sendable()
        try:
            data = bytes(message[:3])
        except (TypeError, ValueError):
            raise InstrumentError(f"The {BUILT_IN_NAME.lower()} cannot play {message!r}.") from None
        self._write(MESSAGE, math.nan if when is None else when, data)

    def _volume_changed(self, value: float) -> None:
        if not self._closed and not self._failure:
            self._write(VOLUME, value)

    def report(self, timeout: float = 10.0) -> dict:
        """The child instrument's ``report()`` (a dict; {} when it has none). InstrumentError
        when the child is gone, failed, or does not answer within ``timeout`` seconds."""
        self._reports += 1
        number = self._reports
        self._write(REPORT, number)
        deadline = time.monotonic() + timeout
        while True:
            try:
                answer = self._answers.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self._failure = self._failure or "its audio process stopped answering"
                raise InstrumentError(self.missing_message()) from None
            if "report" not in answer:
                raise InstrumentError(answer.get("message") or ENDED)
            if answer.get("number", number) >= number:  # not an answer that came too late
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


class _Child:
    """The child's side: the instrument, what it was sent, and how it is doing."""

    def __init__(self, instrument, lock: threading.Lock):
        self.instrument, self.lock = instrument, lock
        self.reader = host_pipe.RecordReader()
        self.failure = ""  # what went wrong here (not in the instrument), in the user's words

    def state(self) -> dict:
        instrument = self.instrument
        return {"underruns": instrument.underruns, "block_frames": instrument.block_frames,
                "failure": self.failure or getattr(instrument, "_failure", ""),
                "dropped": self.reader.dropped}

    def watch(self, done: threading.Event) -> None:
        """Say the instrument's state whenever it changes."""
        _prefer_real_time()
        said = None
        while not done.wait(STATUS_EVERY):
            check = getattr(self.instrument, "check_stream", None)
            if check is not None:
                check()
            if (state := self.state()) != said:
                _say({"status": state}, self.lock)
                said = state

    def feed(self, chunk: bytes) -> None:
        """Play the whole records in ``chunk``; every note off after a torn one."""
        for record in self.reader.feed(chunk):
            if record is host_pipe.SKIPPED:  # a note-off may have been in what was skipped
                self._silence()
                continue
            kind, number, data = record
            if self.failure and kind != REPORT:  # failed: nothing more is played, reports are
                continue  # still answered (with the failure first)
            try:
                self._play(kind, number, data)
            except InstrumentError:
                pass  # the stream failed: the watcher says so, Segue stops sending
            except Exception as error:  # noqa: BLE001 - said as the instrument's failure
                self.failure = f"its audio process failed ({type(error).__name__}: {error})"
                self._silence()

    def _play(self, kind: bytes, number: float, data: bytes) -> None:
        problem = host_pipe.problem(kind, number, data)
        if problem:
            self.failure = f"it was sent what it cannot play: {problem}"
            self._silence()
        elif kind == MESSAGE:
            self.instrument.send(data, None if math.isnan(number) else number)
        elif kind == VOLUME:
            self.instrument.volume = number
        elif kind == REPORT:  # the state first: when report() returns, Segue's copy is current
            report = self.instrument.report() if hasattr(self.instrument, "report") else {}
            _say({"status": self.state()}, self.lock)
            _say({"report": report, "number": number}, self.lock)

    def _silence(self) -> None:
        for message in NOTES_OFF:
            try:
                self.instrument.send(message)
            except Exception:  # noqa: BLE001 - a failed instrument is silent anyway
                return

    def failed(self) -> bool:
        return bool(self.state()["failure"])


def serve(argv: list[str] | None = None) -> None:
    """The child: run the instrument ``argv[0]`` (JSON settings) describes until stdin closes."""
    settings = json.loads((argv or sys.argv[1:])[0])
    # Ctrl+C in Segue's terminal reaches this process too: Segue decides, and its exit closes
    # the pipe, which ends this one.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    lock = threading.Lock()
    if settings.get("soundfont") is not None:  # if the parser crashes, Segue names the file
        _say({"loading": settings["soundfont"]}, lock)
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
    child = _Child(instrument, lock)
    done = threading.Event()
    threading.Thread(target=child.watch, args=(done,), daemon=True).start()
    _prefer_real_time()
    stdin = sys.stdin.buffer
    try:
        while chunk := stdin.read1(4096):
            child.feed(chunk)
    finally:
        done.set()
        getattr(instrument, "check_stream", lambda: None)()  # gone since the watcher's last look?
        if child.failed():  # a device that went away is never touched again: leave at once
            sys.stdout.flush()
            os._exit(0)
        instrument.close()
