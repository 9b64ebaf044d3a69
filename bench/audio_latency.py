"""Audio latency of the built-in instrument at a real audio port, idle and while generating.

Starts a private JACK server (dummy backend, ``--period`` frames at 48 kHz), then Segue's
``BuiltInInstrument`` on PortAudio's JACK output, driven by a ``Player``, and a capture client in
a separate process (``tests/engine/audio/jack_capture.py``) connected to the instrument's ports.
A short clavinet note (audible from its first sample, silent 10 ms after its end) is scheduled
every 0.25 s for ``--seconds``; latency = the first non-silent sample at the capture port minus
the note's scheduled time (``Player.time_of``, on ``time.perf_counter``).

Aligning the clocks: the capture client timestamps each loud sample with JACK's frame clock
(``last_frame_time`` at its cycle's start, plus the sample's index). When it starts and when it
stops it reads ``jack.Client.frame_time`` between two ``time.perf_counter`` calls (the tightest
of 200 tries), and frames map linearly between those two pairs onto perf_counter, which is
CLOCK_MONOTONIC and so the same clock in both processes. The error is a few microseconds.

What to expect: the instrument places a note at its frame in the block that follows its time
(see ``engine/audio/instrument.py``), so a note is heard one audio block after it is scheduled
(``block_ms``; PortAudio on JACK uses the JACK period), or a little less: the block is counted
back from the moment the callback runs, a fraction of a millisecond into the cycle, so
``scheduler_share_ms`` and ``scheduler_share_p99_ms``, the median and p99 latency beyond a
block, come out slightly negative while the machine keeps time. A sound card adds its own
output latency after the port, not measured here. ``underruns``: blocks PortAudio reported late
to the instrument (on JACK: any late cycle of the graph); ``jack_xruns``: late cycles the server
logged during the run, and ``late`` the same by cause (:func:`xrun_causes`): ``instrument``, a
cycle in which Segue's callback was still running; ``instrument_not_started``, one whose thread
had been woken but had not begun (on this dummy backend the server logs that for several cycles
after each late one); ``reference``, the same for ``jack_metro``, a C client beside Segue's that
runs no Python (:func:`start_reference`, when jackd2's example clients are installed);
``capture_xruns``: those the capture client was told of, over both runs (on a loaded virtual
machine the dummy backend's timer itself runs late now and then). ``callback``: how long each
audio callback waited before its first line (the GIL, mostly: ``entry_delay``) and how long its
own work took, from PortAudio's stream clock, and ``over_block``, the callbacks that with their
wait took longer than a block: the underruns Segue's own code can cause; ``cycle_mean_ms`` and
``cycle_max_ms``, the time from one cycle to the next (a block, where the machine keeps time).
A cycle the server blames on the instrument while no callback was slow is one in which the
machine did not run its real-time thread in time.

The second run repeats it while ``engine.generate`` (64 steps x 8 variations, the app's default
model) runs in a loop in a thread of the bench's process, as the GUI's worker runs it; a stand-in
(torch LSTMCell steps) when the model is not installed. The instrument runs as the app runs it,
in a process of its own (``engine/audio/host.py``; its callback figures come back by
``report()``); ``--in-process`` puts it in the bench's process beside the generation, as Segue
ran it before: then the callback waits for the GIL the generation holds. ``--load process`` is the control: the
second run's load is a busy loop in another process, which shares no GIL, memory or thread with
Segue; late cycles as many as with the generation mean the machine, not Segue, makes them.
Once torch and the model are loaded it calls ``gc.freeze()``, as the app does after loading a
model (``gui/app.py``); ``--no-gc-freeze`` leaves them to the collector, whose full collections
of them hold the GIL for 30-90 ms on this machine: underruns no block size can hide.

Goals (reported, not asserted): scheduler's share < 2 ms on top of the block, p99 < one block
while generating, 0 underruns. Read ``late`` first: where ``driver`` and ``reference`` are not 0
the machine itself missed deadlines (on the 2-core development VM the dummy backend's timer does,
at 256 frames, idle as much as busy; at 512 it keeps time), and no client can make those up.

    python bench/audio_latency.py [--seconds 30] [--period 256] [--load generate|process]
                                  [--in-process] [--no-gc-freeze] [--switch-interval S] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.playback_timing import MODEL_PATH, stand_in_generation, xruns  # noqa: E402
from segue.engine.audio import instrument as instrument_module  # noqa: E402
from segue.engine.audio.host import InstrumentHost  # noqa: E402
from segue.engine.audio.instrument import BuiltInInstrument  # noqa: E402
from segue.engine.live.player import Player  # noqa: E402
from segue.engine.melody import Melody, Note  # noqa: E402
from tests.engine.audio.jack_capture import Capture, select_jack_output  # noqa: E402
from tests.jack import JackServer, jackd_path  # noqa: E402

RATE = 48000
NOTE_EVERY = 0.25  # seconds; the clavinet's 62.5 ms note and release leave 170 ms of silence
CLAVINET = 7
REFERENCE_NAME = "reference"  # jack_metro, a C client beside Segue's: the machine's own misses


def start_reference():
    """``jack_metro`` (jackd2's example metronome, C) as a client of the current server, or None
    when it is not installed: its late cycles are the ones no Python could have caused."""
    import shutil
    import subprocess

    path = shutil.which("jack_metro")
    if path is None:
        return None
    return subprocess.Popen([path, "-n", REFERENCE_NAME, "-b", "240", "-D", "10"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def xrun_causes(log: str) -> dict:
    """The late cycles in a JACK server log, by whom: ``driver`` (the dummy backend's timer woke
    late: the machine, not a client), ``instrument`` (Segue's PortAudio client was still running
    its cycle: its callback was slow or waited), ``instrument_not_started`` (it was woken but had
    not begun: the machine again, or the driver), ``capture`` (the capture client),
    ``reference`` and ``reference_not_started`` (the C client of :func:`start_reference`)."""
    causes = dict.fromkeys(("driver", "instrument", "instrument_not_started", "capture",
                            "reference", "reference_not_started"), 0)
    for line in log.splitlines():
        if "JackTimedDriver::Process XRun" in line:
            causes["driver"] += 1
        elif f"client = {REFERENCE_NAME} was not finished" in line:
            causes["reference" if "state = Running" in line else "reference_not_started"] += 1
        elif re.search(r"client = PortAudio(-\d+)? was not finished", line):
            causes["instrument" if "state = Running" in line else "instrument_not_started"] += 1
        elif "was not finished" in line:
            causes["capture"] += 1
    return causes


def generate_64x8(stop: threading.Event) -> int:
    """``engine.generate`` for 64 steps x 8 variations, over and over until ``stop``."""
    import torch

    from segue import engine

    torch.set_num_threads(1)
    model = engine.load_model(MODEL_PATH, device="cpu")
    seed = Melody([Note(67, 0, 2), Note(69, 2, 2), Note(71, 4, 4), Note(74, 8, 4)])
    runs = 0
    while not stop.is_set():
        engine.generate(model, seed, 64, variations=8, temperature=1.0, rng_seed=runs)
        runs += 1
    return runs


def busy_process(stop: threading.Event) -> int:
    """The control load: one CPU kept busy by another Python process until ``stop``. It shares
    no GIL, memory or thread with Segue, so the late cycles it brings are the machine's."""
    import subprocess

    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    stop.wait()
    busy.kill()
    busy.wait()
    return 0


class Generating:
    """A generation loop in a thread beside playback, as the GUI's worker runs one."""

    def __init__(self, function, gc_freeze: bool):
        self._stop, self._gc_freeze = threading.Event(), gc_freeze
        self._thread = threading.Thread(target=function, args=(self._stop,), daemon=True)

    def __enter__(self):
        self._thread.start()
        time.sleep(3.0)  # the model loads and the first runs warm up
        if self._gc_freeze:
            import gc

            gc.freeze()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join(60)


def bench_melody(seconds: float) -> Melody:
    """A one-step note every four steps of 62.5 ms: one note every NOTE_EVERY seconds."""
    count = max(2, round(seconds / NOTE_EVERY))
    return Melody([Note(60 + (i * 5) % 24, 4 * i, 1) for i in range(count)],
                  steps_per_quarter=8, tempo=120.0)


class MeasuredInstrument(BuiltInInstrument):
    """The instrument, timing each audio callback: ``stamps`` (``time.currentTime``: when
    PortAudio began the cycle's work, on the stream's clock, which JACK keeps in seconds),
    ``entry_delays`` (from that stamp to the callback's first line: the wait for the GIL, mostly)
    and ``durations`` (the callback's own work), in seconds."""

    def __init__(self, *args, **kwargs):
        self.stamps: list[float] = []
        self.entry_delays: list[float] = []
        self.durations: list[float] = []
        self._reported = 0
        super().__init__(*args, **kwargs)

    def report(self) -> dict:
        """The callbacks' figures since the last report (what the audio process is asked)."""
        since, self._reported = self._reported, len(self.entry_delays)
        return self.callback_figures(since, 1000 * self.block_frames / self.rate)

    def _callback(self, outdata, frames, time_info, status):
        entered = time.perf_counter()
        self.stamps.append(time_info.currentTime)
        self.entry_delays.append(self._stream.time - time_info.currentTime)
        super()._callback(outdata, frames, time_info, status)
        self.durations.append(time.perf_counter() - entered)

    def callback_figures(self, since: int, block_ms: float) -> dict:
        """Entry delay and work of the callbacks from number ``since`` on, in milliseconds;
        ``over_block``: callbacks whose wait and work together took longer than a block; and
        ``cycle_mean_ms`` / ``cycle_max_ms``, the time between one cycle's stamp and the next:
        a block where the server keeps time (a larger mean: cycles the machine ran late)."""
        delays = [1000 * d for d in self.entry_delays[since:]]
        work = [1000 * d for d in self.durations[since:]]
        stamps = self.stamps[since:]
        if len(stamps) < 2:
            return {}
        cycles = [1000 * (b - a) for a, b in zip(stamps, stamps[1:])]
        over = sum(d + w > block_ms for d, w in zip(delays, work))

        def p99(values):
            values = sorted(values)
            return round(values[min(len(values) - 1, int(0.99 * len(values)))], 3)

        return {"callbacks": len(delays), "cycle_mean_ms": round(statistics.fmean(cycles), 3),
                "cycle_max_ms": round(max(cycles), 3),
                "entry_delay_median_ms": round(statistics.median(delays), 3),
                "entry_delay_p99_ms": p99(delays), "entry_delay_max_ms": round(max(delays), 3),
                "work_p99_ms": p99(work), "work_max_ms": round(max(work), 3), "over_block": over}


def play(instrument: BuiltInInstrument, seconds: float) -> tuple[list[float], int]:
    """Play the bench melody; its notes' scheduled times and the underruns meanwhile."""
    underruns = instrument.underruns
    player = Player(instrument, program=CLAVINET)
    melody = bench_melody(seconds)
    finished = threading.Event()
    player.on_finished = finished.set
    player.play(melody)
    scheduled = [player.time_of(note.start) for note in melody.notes]
    if not finished.wait(melody.end * melody.seconds_per_step + 30):
        raise RuntimeError("playback did not finish")
    time.sleep(0.3)  # the last release
    player.stop()
    return scheduled, instrument.underruns - underruns


def latencies(scheduled: list[float], heard: list[float]) -> tuple[list[float], int]:
    """(seconds from each note's time to the first onset after it, notes never heard)."""
    found, missed = [], 0
    for when in scheduled:
        after = [onset - when for onset in heard if -0.002 <= onset - when < NOTE_EVERY * 0.8]
        if after:
            found.append(after[0])
        else:
            missed += 1
    return found, missed


def figures(found: list[float], missed: int, block_ms: float) -> dict:
    ms = sorted(1000 * latency for latency in found)
    if not ms:
        return {"notes": missed, "missed": missed}
    median = statistics.median(ms)
    return {
        "notes": len(ms) + missed,
        "missed": missed,
        "median_ms": round(median, 3),
        "p99_ms": round(ms[min(len(ms) - 1, int(0.99 * len(ms)))], 3),
        "max_ms": round(ms[-1], 3),
        "scheduler_share_ms": round(median - block_ms, 3),
        "scheduler_share_p99_ms": round(ms[min(len(ms) - 1, int(0.99 * len(ms)))] - block_ms, 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="per run (>= 30 for the goals)")
    parser.add_argument("--period", type=int, default=256, help="JACK period in frames at 48 kHz")
    parser.add_argument("--gc-freeze", action=argparse.BooleanOptionalAction, default=True,
                        help="gc.freeze() once the model is loaded, as the app does (default); "
                             "--no-gc-freeze shows what a full collection of torch's and the "
                             "model's objects costs the audio callback")
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    parser.add_argument("--load", choices=("generate", "process"), default="generate",
                        help="the second run's load: Segue's generation in a thread (default), or "
                             "the control, a busy loop in another process that shares nothing "
                             "with Segue")
    parser.add_argument("--in-process", action="store_true",
                        help="the instrument in this process, beside the generation, instead of "
                             "in its own process as the app runs it (engine/audio/host.py)")
    parser.add_argument("--switch-interval", type=float, default=None,
                        help="with --in-process: the GIL switch interval while the instrument is open, seconds "
                             "(default: the instrument's own, AUDIO_SWITCH_INTERVAL)")
    args = parser.parse_args(argv)
    if jackd_path() is None:
        print("jackd is not installed (Debian: apt install jackd2)", file=sys.stderr)
        return 2
    usable = MODEL_PATH.exists()
    function = generate_64x8 if usable else stand_in_generation
    generator = (f"segue.engine.generate 64x8 with {MODEL_PATH.name}" if usable
                 else "stand-in: torch LSTMCell(64, 512) sampling loop (no model installed)")
    if args.load == "process":
        function, generator = busy_process, "control: 'while True: pass' in another process"
    if args.switch_interval is not None:
        instrument_module.AUDIO_SWITCH_INTERVAL = args.switch_interval
    runs = {}
    with JackServer(period=args.period, rate=RATE) as server:
        select_jack_output()
        if args.in_process:
            instrument = MeasuredInstrument(rate=RATE)
        else:
            import sounddevice  # noqa: PLC0415 - loaded by select_jack_output

            instrument = InstrumentHost(device=sounddevice.default.device[1],
                                        instrument="bench.audio_latency:MeasuredInstrument")
        capture = Capture(server.name)
        reference = start_reference()
        try:
            capture.connect()
            instrument.report()
            idle = play(instrument, args.seconds)
            idle_log = server.output_so_far()
            runs["idle"] = {"jack_xruns": xruns(server), "late": xrun_causes(idle_log),
                            "callback": instrument.report()}
            with Generating(function, args.gc_freeze):
                instrument.report()
                busy = play(instrument, args.seconds)
            runs["while_generating"] = {
                "jack_xruns": xruns(server) - runs["idle"]["jack_xruns"],
                "late": xrun_causes(server.output_so_far()[len(idle_log):]),
                "callback": instrument.report(),
            }
            recording = capture.stop()
        finally:
            capture.close()
            if reference is not None:
                reference.terminate()
                reference.wait()
            block = instrument.block_frames
            instrument.close()
            import sounddevice  # noqa: PLC0415 - loaded by the instrument

            sounddevice._terminate()  # PortAudio leaves JACK before the server stops
    block_ms = 1000 * block / RATE
    heard = [recording.seconds(frame) for frame in recording.onsets()]
    for label, (scheduled, underruns) in (("idle", idle), ("while_generating", busy)):
        runs[label] = {**figures(*latencies(scheduled, heard), block_ms), "underruns": underruns,
                       **runs[label]}
    report = {
        **runs,
        "block_ms": round(block_ms, 3),
        "jack_period_ms": round(server.period_ms, 3),
        "capture_xruns": recording.xruns,
        "seconds_per_run": args.seconds,
        "generator": generator + (", gc.freeze() once loaded" if args.gc_freeze else ""),
        "switch_interval_ms": instrument_module.AUDIO_SWITCH_INTERVAL * 1000,
        "instrument": "in this process" if args.in_process else "in its own process (the app's)",
    }
    if args.json:
        print(json.dumps(report))
        return 0
    print(f"JACK dummy backend, period {args.period} frames ({server.period_ms:.2f} ms), "
          f"audio block {block_ms:.2f} ms; generation: {report['generator']}")
    for label in ("idle", "while_generating"):
        print(f"{label:>16}: " + ", ".join(f"{key} {value}" for key, value in runs[label].items()))
    print(f"xruns seen by the capture client in all: {recording.xruns}")
    print("goals: scheduler's share < 2 ms, p99 < one block while generating, 0 underruns")
    return 0


if __name__ == "__main__":
    sys.exit(main())
