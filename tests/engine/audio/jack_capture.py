"""A JACK capture client in its own process: where another client's audio is loud, by frame.

``Capture(server_name, sources=SOURCES, count=2)`` starts the client (``JACK-Client``, in a
spawned process, so a busy player process cannot make it late) with one input port;
``connect()`` waits until ``count`` output ports match ``sources`` (a regular expression:
PortAudio's client is "PortAudio", or "PortAudio-01" when another process of Segue's has
PortAudio loaded too) and connects them all to it (JACK sums them); ``stop() -> Recording`` ends it. Used by the real-device audio test and by
``bench/audio_latency.py``. ``select_jack_output()``, called in the player's process once the
server is up, makes PortAudio's JACK output the default device, whatever the machine's default is.

The process callback keeps, for each cycle whose samples rise above ``THRESHOLD``, the frame of
its first and last loud sample (``last_frame_time``: the JACK frame clock at the cycle's start,
plus the sample's index), and when that cycle began on ``time.perf_counter`` (CLOCK_MONOTONIC,
one clock for all processes, and JACK's own clock on Linux): now, less
``frames_since_cycle_start``, which JACK counts from the moment the server began the cycle, so
the capture client's own wake-up delay drops out. ``Recording.onsets()`` are the first loud
frames after at least ``quiet`` seconds of silence. ``Recording.seconds(frame)`` puts a frame on
perf_counter: by its own cycle's start when the frame is in a loud cycle, which stays right
when late cycles make the frame clock lose time (a dummy backend's frames are cycles counted,
not time); else linearly between (perf_counter, frame_time) pairs read when the client starts
and when it stops (of 200 tries, the one read fastest).
"""

from __future__ import annotations

import bisect
import multiprocessing
import statistics
import threading
import time
from typing import NamedTuple

THRESHOLD = 1e-4  # -80 dBFS, as tests/engine/audio/onsets.py: a note's first audible sample
CLIENT_NAME = "SegueCapture"
SOURCES = r"^PortAudio[^:]*:out_"


class Recording(NamedTuple):
    rate: int
    period: int  # JACK frames per cycle
    loud: list[tuple[int, int]]  # (first, last) loud frame of each loud cycle, in order
    clock: tuple[tuple[int, float], tuple[int, float]]  # (frame, perf_counter) at start, stop
    xruns: int  # late cycles the capture client was told about
    cycles: tuple[tuple[int, float], ...] = ()  # each loud cycle's first frame, its start
    starts: tuple[float, ...] = ()  # every cycle's start, on perf_counter

    def stall(self, begin: float, end: float) -> float:
        """How much later than one period after the last the latest cycle began, of the cycles
        that began from ``begin`` to ``end`` (perf_counter): the machine's own lateness there."""
        low = max(bisect.bisect_left(self.starts, begin), 1)
        high = bisect.bisect_right(self.starts, end)
        gaps = [b - a for a, b in zip(self.starts[low - 1:high], self.starts[low:high])]
        return max([gap - self.period / self.rate for gap in gaps], default=0.0)

    def timing(self, scheduled: list[float], tolerance: float) -> tuple[float, list]:
        """The measured-stall rule for notes scheduled at ``scheduled`` (perf_counter), heard at
        :meth:`onsets`: (the latency they share, the notes off it by more than ``tolerance``
        plus what the machine itself was late around them (:meth:`stall`), as (index, off by,
        allowed)). The shared latency is the median, not the first note's, which a stall can
        move too; how large it is is bench/audio_latency.py's figure, not a test's bound."""
        latency = [self.seconds(onset) - when for onset, when in zip(self.onsets(), scheduled)]
        usual = statistics.median(latency)
        off = []
        for index, (when, late) in enumerate(zip(scheduled, latency)):
            allowed = tolerance + self.stall(when - 0.05, when + late)
            if abs(late - usual) > allowed:
                off.append((index, late - usual, allowed))
        return usual, off

    def onsets(self, quiet: float = 0.05) -> list[int]:
        """Frames where the sound rises above THRESHOLD after ``quiet`` seconds of silence."""
        gap = round(quiet * self.rate)
        found, last = [], None
        for first, final in self.loud:
            if last is None or first - last > gap:
                found.append(first)
            last = final
        return found

    def seconds(self, frame: int) -> float:
        """``frame`` on ``time.perf_counter``'s clock (see the module docstring)."""
        index = bisect.bisect_right(self.cycles, (frame, float("inf"))) - 1
        if index >= 0 and frame - self.cycles[index][0] < self.period:
            start_frame, start = self.cycles[index]
            return start + (frame - start_frame) / self.rate
        (frame_a, time_a), (frame_b, time_b) = self.clock
        return time_a + (frame - frame_a) * (time_b - time_a) / (frame_b - frame_a)


def select_jack_output() -> None:
    import sounddevice

    for api in sounddevice.query_hostapis():
        if api["name"].startswith("JACK") and api["default_output_device"] >= 0:
            sounddevice.default.device = api["default_output_device"]
            return
    raise RuntimeError("PortAudio lists no JACK output (was the server up when it started?)")


def _clock_pair(client) -> tuple[int, float]:
    """(frame_time, perf_counter) read together: of 200 tries, the one read in the least time."""
    best = None
    for _ in range(200):
        before = time.perf_counter()
        frame = client.frame_time
        after = time.perf_counter()
        if best is None or after - before < best[0]:
            best = (after - before, frame, (before + after) / 2)
    return best[1], best[2]


def _capture_main(server_name: str, sources: str, count: int, connected, stop, results) -> None:
    """The capture process: record loud cycles until ``stop``, then put a Recording's fields."""
    import jack
    import numpy as np

    client = jack.Client(CLIENT_NAME, servername=server_name, no_start_server=True)
    port = client.inports.register("in")
    loud: list[tuple[int, int]] = []
    cycles: list[tuple[int, float]] = []
    starts: list[float] = []
    xruns = [0]
    rate = client.samplerate

    @client.set_process_callback
    def process(frames):
        began = time.perf_counter() - client.frames_since_cycle_start / rate
        starts.append(began)
        above = np.flatnonzero(np.abs(port.get_array()) > THRESHOLD)
        if above.size:
            start = client.last_frame_time
            loud.append((start + int(above[0]), start + int(above[-1])))
            cycles.append((start, began))

    @client.set_xrun_callback
    def xrun(delay):
        xruns[0] += 1

    registered = threading.Condition()

    @client.set_port_registration_callback
    def port_registered(_port, _register):
        with registered:
            registered.notify_all()

    client.activate()
    first = _clock_pair(client)
    def found():
        return client.get_ports(sources, is_audio=True, is_output=True)

    with registered:  # PortAudio's ports appear when Segue opens its stream
        if not registered.wait_for(lambda: len(found()) >= count, timeout=30):
            results.put(f"no {count} ports {sources!r} appeared; ports: {client.get_ports()}")
            return
    for source in found():
        client.connect(source, port)
    connected.set()
    stop.wait()
    last = _clock_pair(client)
    client.deactivate()
    period = client.blocksize
    client.close()
    results.put((rate, period, list(loud), (first, last), xruns[0], tuple(cycles), tuple(starts)))


class Capture:
    """See the module docstring."""

    def __init__(self, server_name: str, sources: str = SOURCES, count: int = 2):
        context = multiprocessing.get_context("spawn")
        self._connected, self._stop, self._results = (
            context.Event(), context.Event(), context.Queue(),
        )
        self._process = context.Process(
            target=_capture_main,
            args=(server_name, sources, count, self._connected, self._stop, self._results),
            daemon=True,
        )
        self._process.start()

    def connect(self, timeout: float = 30) -> None:
        """Wait until the sources are connected to the capture port."""
        deadline = time.monotonic() + timeout
        while not self._connected.wait(0.05):
            if not self._results.empty() or not self._process.is_alive():
                raise RuntimeError(f"the capture client failed: {self._failure()}")
            if time.monotonic() > deadline:
                raise RuntimeError("the capture client did not connect in time")

    def _failure(self) -> str:
        try:
            return str(self._results.get(timeout=1))
        except Exception:  # noqa: BLE001 - the process died before saying why
            return f"exit code {self._process.exitcode}"

    def stop(self) -> Recording:
        self._stop.set()
        fields = self._results.get(timeout=30)
        self._process.join(10)
        if isinstance(fields, str):
            raise RuntimeError(f"the capture client failed: {fields}")
        return Recording(*fields)

    def close(self) -> None:
        """End the process if it is still running (after a failure)."""
        self._stop.set()
        self._process.join(5)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
