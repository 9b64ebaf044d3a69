"""Playback timing at a real MIDI port: onset error of Segue's player, idle and while generating.

Starts a private JACK server (dummy backend, ``--period`` frames at 48 kHz), a receiver in a
separate process (as a DAW would be) with a JACK MIDI input port, and Segue's ``Player`` sending
to it. Every note message's arrival (``time.perf_counter`` in the receiver: CLOCK_MONOTONIC,
shared by processes on Linux) is compared with its scheduled time (``Player.time_of``):
error = |arrival - scheduled|. Reported: events, median, p99, max, and drift (the least-squares
trend of the signed error from the first event to the last); ``lost``, messages handed to
rtmidi that never arrived (matched by kind and pitch, so one loss does not shift the rest); and
``jack_xruns``, the late cycles the JACK server logged meanwhile: on a loaded virtual machine the
dummy backend's timer runs late, and a message can be lost in such a cycle.

The melody plays over chords (one a bar) with the accompaniment on (boom-chick on MIDI channel
2, :mod:`engine.accompaniment`), as Play does; the accompaniment's onsets are reported beside
the melody's (``accompaniment``), against the same goals.

The run is repeated while a generation runs in the same process, in a thread as the GUI's worker
would run it: ``engine.generate`` with the app's default model when it is installed, else a
stand-in (LSTMCell steps with torch, the same kind of
work). ``--generator-process`` runs the generation in a separate process instead.

Goals: median < 1 ms, p99 < 3 ms, no drift (idle); p99 < 5 ms while generating. A JACK period
delays delivery by up to one period, so small periods (the default 32 frames = 0.67 ms) are
needed to see the scheduler's own error. "send" figures (when the player handed each message to
rtmidi) separate the scheduler's share from the MIDI system's.

What hurts in the same process is not the GIL but the cycle collector: with torch loaded a full
collection scans ~170k objects (~0.1 s) with the GIL held, and the generating thread's
allocations trigger such collections now and then. ``--gc-freeze`` calls ``gc.freeze()`` after
the imports, as the app can at start-up (and after loading a model); generating in a separate
process (``--generator-process``) avoids it too.

    python bench/playback_timing.py [--events 600] [--period 32] [--json]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from segue.engine.accompaniment import accompaniment_part  # noqa: E402
from segue.engine.chords import Chord  # noqa: E402
from segue.engine.live.output import open_output  # noqa: E402
from segue.engine.live.player import Player  # noqa: E402
from segue.engine.live.ports import MidiSystem, PortInfo  # noqa: E402
from segue.engine.melody import Melody, Note  # noqa: E402
from segue.engine.ml.catalog import DEFAULT_MODEL, model_path, model_paths  # noqa: E402
from tests.jack import JackServer, jackd_path  # noqa: E402

RECEIVER_CLIENT = "SegueBenchReceiver"
MODEL_PATH = model_paths(model_path(DEFAULT_MODEL))[1]


# --- the receiver (a separate process) -----------------------------------------------------------


def receiver_main(server_name: str, ready, results, stop) -> None:
    """Runs in the receiver process: record (arrival, status) of every message until told."""
    import os

    os.environ["JACK_DEFAULT_SERVER"] = server_name
    import rtmidi

    arrivals: list[tuple[float, int]] = []
    port = rtmidi.MidiIn(rtmidi.API_UNIX_JACK, RECEIVER_CLIENT)
    port.set_callback(
        lambda event, data: arrivals.append((time.perf_counter(), event[0][0], event[0][1:2] or [0]))
    )
    port.open_virtual_port("in")
    ready.set()
    stop.wait()
    time.sleep(0.1)
    results.put(list(arrivals))
    # The process exits with the port open: closing would race JACK's thread (see midi_ports).


class Receiver:
    def __init__(self, server_name: str):
        ctx = multiprocessing.get_context("spawn")
        self._ready, self._stop, self._results = ctx.Event(), ctx.Event(), ctx.Queue()
        self._process = ctx.Process(
            target=receiver_main, args=(server_name, self._ready, self._results, self._stop)
        )
        self._process.start()
        if not self._ready.wait(30):
            raise RuntimeError("the receiver process did not start")

    def collect(self) -> list[tuple[float, int, list[int]]]:
        self._stop.set()
        arrivals = self._results.get(timeout=30)
        self._process.join(10)
        return arrivals


# --- generation load --------------------------------------------------------------------------


def stand_in_generation(stop: threading.Event) -> int:
    """LSTM steps with torch until ``stop``: the shape of a sampler's inner loop."""
    import torch

    torch.set_num_threads(1)
    cell = torch.nn.LSTMCell(64, 512)
    head = torch.nn.Linear(512, 64)
    steps = 0
    with torch.no_grad():
        h = torch.zeros(1, 512)
        c = torch.zeros(1, 512)
        x = torch.zeros(1, 64)
        while not stop.is_set():
            h, c = cell(x, (h, c))
            probabilities = torch.softmax(head(h), dim=-1)
            index = int(torch.multinomial(probabilities, 1))
            x = torch.zeros(1, 64)
            x[0, index] = 1.0
            steps += 1
    return steps


def model_generation(stop: threading.Event) -> int:
    """``engine.generate`` with the app's default model, over and over until ``stop``."""
    import torch

    from segue import engine

    torch.set_num_threads(1)
    model = engine.load_model(MODEL_PATH, device="cpu")
    seed = Melody([Note(67, 0, 2), Note(69, 2, 2), Note(71, 4, 4), Note(74, 8, 4)])
    runs = 0
    while not stop.is_set():
        engine.generate(model, seed, 64, temperature=1.0, rng_seed=runs)
        runs += 1
    return runs


def choose_generator(kind: str):
    if kind == "stand-in":
        return stand_in_generation, "stand-in: torch LSTMCell(64, 512) sampling loop"
    usable = MODEL_PATH.exists()
    if usable:
        try:
            import segue.engine.ml.model  # noqa: F401
            import segue.engine.ml.sampling  # noqa: F401
        except ImportError:
            usable = False
    if usable:
        return model_generation, f"segue.engine.generate with {MODEL_PATH.relative_to(ROOT)}"
    if kind == "model":
        raise SystemExit(f"{MODEL_PATH} or engine.ml.sampling is missing; use --generator stand-in")
    return (
        stand_in_generation,
        f"stand-in: torch LSTMCell(64, 512) sampling loop (no {DEFAULT_MODEL} model installed)",
    )


def _process_generation(name: str, stop) -> None:
    function = {"stand-in": stand_in_generation, "model": model_generation}[name]
    function(stop)


class Load:
    """A generation running beside playback, in a thread or a process."""

    def __init__(self, function, in_process: bool):
        self.in_process = in_process
        if in_process:
            ctx = multiprocessing.get_context("spawn")
            self._stop = ctx.Event()
            name = "model" if function is model_generation else "stand-in"
            self._worker = ctx.Process(target=_process_generation, args=(name, self._stop))
        else:
            self._stop = threading.Event()
            self._worker = threading.Thread(target=function, args=(self._stop,), daemon=True)

    def __enter__(self):
        self._worker.start()
        time.sleep(1.0)  # let it warm up (model load, first steps)
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._worker.join(30)


# --- measuring --------------------------------------------------------------------------------


def bench_melody(events: int) -> Melody:
    """``events`` note messages: a one-step note every two steps, 18.75 ms a step."""
    notes = [Note(48 + (i * 7) % 36, 2 * i, 1) for i in range((events + 1) // 2)]
    return Melody(notes, steps_per_quarter=8, tempo=400)


def bench_chords(melody: Melody) -> tuple[Chord, ...]:
    """One chord a bar over the whole melody: I IV V vi."""
    bar = melody.steps_per_bar
    names = ("C", "F", "G", "Am")
    return tuple(Chord(start, bar, names[i % 4])
                 for i, start in enumerate(range(0, melody.bar_end(melody.end), bar)))


class TimedOutput:
    """Wraps the real output to note when each message left the player (a diagnostic)."""

    def __init__(self, output):
        self._output = output
        self.sent: list[tuple[float, int]] = []
        self.port, self.name, self.virtual = output.port, output.name, output.virtual
        self.timed, self.missing_message = False, output.missing_message

    def send(self, message):
        self.sent.append((time.perf_counter(), message[0]))
        self._output.send(message)

    def close(self):
        self._output.close()

    def present_in(self, ports):
        return self._output.present_in(ports)


def _stats(signed: list[float], times: list[float]) -> dict:
    errors = sorted(abs(e) for e in signed)
    # Drift: the least-squares trend of the signed error, over the whole run.
    slope = statistics.linear_regression(times, signed).slope if len(set(times)) > 1 else 0.0
    return {
        "events": len(errors),
        "median_ms": round(statistics.median(errors), 3),
        "p99_ms": round(errors[min(len(errors) - 1, int(0.99 * len(errors)))], 3),
        "max_ms": round(errors[-1], 3),
        "drift_ms": round(slope * times[-1], 3),
    }


def match_arrivals(scheduled: list[float], keys: list[tuple[int, int]], arrivals) -> list[float | None]:
    """The arrival time of each scheduled note message (None: it never arrived). Messages are
    matched by status (kind and channel) and pitch, each arrival to the nearest unmatched
    message of its kind, channel and pitch, so a lost message does not shift the rest."""
    waiting: dict[tuple[int, int], list[int]] = {}
    for index, key in enumerate(keys):
        waiting.setdefault(key, []).append(index)
    matched: list[float | None] = [None] * len(keys)
    for when, status, data in arrivals:
        candidates = waiting.get((status, data[0]))
        if status & 0xF0 not in (0x80, 0x90) or not candidates:
            continue
        nearest = min(candidates, key=lambda i: abs(scheduled[i] - when))
        candidates.remove(nearest)
        matched[nearest] = when
    return matched


def xruns(server: JackServer) -> int:
    """Cycles the JACK server reported as late so far (a client or the server overran)."""
    return sum(1 for line in server.output_so_far().splitlines() if "xrun" in line.lower())


def _at_port(scheduled, matched, first: float) -> dict:
    lost = sum(1 for arrival in matched if arrival is None)
    if lost == len(matched):
        raise RuntimeError(f"none of the {len(matched)} note messages arrived")
    pairs = [(a, s) for a, s in zip(matched, scheduled) if a is not None]
    result = _stats([(a - s) * 1000 for a, s in pairs], [s - first for _, s in pairs])
    result["lost"] = lost
    return result


def measure(server: JackServer, events: int) -> tuple[dict, dict, dict]:
    """(the melody at the port, every note message as sent, the accompaniment at the port)."""
    receiver = Receiver(server.name)
    system = MidiSystem(path_exists=lambda path: False)  # JACK only
    try:
        output = TimedOutput(open_output(PortInfo(f"{RECEIVER_CLIENT}:in", "JACK"), system=system))
        player = Player(output)
        melody = bench_melody(events)
        backing = accompaniment_part(bench_chords(melody), melody)
        finished = threading.Event()
        player.on_finished = finished.set
        player.play(melody, accompaniment=backing)
        # (time, status, pitch, is the accompaniment's)
        timeline = sorted(
            [(player.time_of(n.start), 0x90, n.pitch, False) for n in melody.notes]
            + [(player.time_of(n.end), 0x80, n.pitch, False) for n in melody.notes]
            + [(player.time_of(n.start), 0x90 | backing.channel, n.pitch, True)
               for n in backing.notes]
            + [(player.time_of(n.end), 0x80 | backing.channel, n.pitch, True)
               for n in backing.notes]
        )
        scheduled = [t for t, *_ in timeline]
        scheduled_keys = [(status, pitch) for _, status, pitch, _ in timeline]
        if not finished.wait(max(melody.end, backing.notes[-1].end) * melody.seconds_per_step
                             + 30):
            raise RuntimeError("playback did not finish")
        player.close()
    finally:
        arrivals = receiver.collect()
    matched = match_arrivals(scheduled, scheduled_keys, arrivals)
    parts = {}
    for is_backing in (False, True):
        chosen = [i for i, entry in enumerate(timeline) if entry[3] == is_backing]
        parts[is_backing] = _at_port([scheduled[i] for i in chosen],
                                     [matched[i] for i in chosen], scheduled[0])
    times = [s - scheduled[0] for s in scheduled]
    sent = [t for t, status in output.sent if status & 0xF0 in (0x80, 0x90)]
    # When the player handed each message over: the scheduler's share of the error.
    send = _stats([(t - s) * 1000 for t, s in zip(sent, scheduled)], times)
    return parts[False], send, parts[True]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=600, help="note messages per run (>= 500)")
    parser.add_argument("--period", type=int, default=32, help="JACK period in frames at 48 kHz")
    parser.add_argument("--generator", choices=("auto", "model", "stand-in"), default="auto")
    parser.add_argument(
        "--generator-process", action="store_true", help="generate in a separate process"
    )
    parser.add_argument(
        "--gc-freeze",
        action="store_true",
        help="gc.freeze() after the imports, as an app can at start-up (see the module docstring)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    args = parser.parse_args(argv)
    if args.events < 2 or args.period < 16:
        parser.error(
            "--events must be at least 2 (500 or more for the goals), --period at least 16"
        )
    if args.gc_freeze:
        import gc

        import torch  # noqa: F401 - its objects are what a full collection would scan

        gc.freeze()
    if jackd_path() is None:
        print("jackd is not installed (Debian: apt install jackd2)", file=sys.stderr)
        return 2
    function, description = choose_generator(args.generator)
    where = "separate process" if args.generator_process else "thread in the player's process"
    with JackServer(period=args.period) as server:
        idle, idle_send, idle_backing = measure(server, args.events)
        idle["jack_xruns"] = xruns(server)
        with Load(function, args.generator_process):
            busy, busy_send, busy_backing = measure(server, args.events)
        busy["jack_xruns"] = xruns(server) - idle["jack_xruns"]
    gc_note = ", gc.freeze() after imports" if args.gc_freeze else ""
    if args.json:
        print(
            json.dumps(
                {
                    "idle": idle,
                    "while_generating": busy,
                    "generator": f"{description}, in a {where}{gc_note}",
                    "jack_period_ms": round(server.period_ms, 3),
                    "send": {"idle": idle_send, "while_generating": busy_send},
                    "accompaniment": {"idle": idle_backing, "while_generating": busy_backing},
                }
            )
        )
        return 0
    print(f"JACK dummy backend, period {args.period} frames ({server.period_ms:.2f} ms)")
    print(f"generation: {description}, in a {where}{gc_note}")
    for label, result, send, backing in (("idle", idle, idle_send, idle_backing),
                                         ("while generating", busy, busy_send, busy_backing)):
        for what, figures in (("at the port", result), ("chords", backing), ("sent", send)):
            print(
                f"{label:>17} {what:>11}: {figures['events']} events, "
                f"median {figures['median_ms']:.3f} ms, p99 {figures['p99_ms']:.3f} ms, "
                f"max {figures['max_ms']:.3f} ms, drift {figures['drift_ms']:+.3f} ms"
                + (f", lost {figures['lost']}" if "lost" in figures else "")
                + (f", JACK xruns {figures['jack_xruns']}" if "jack_xruns" in figures else "")
            )
    print("goals: median < 1 ms, p99 < 3 ms, no drift; while generating p99 < 5 ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
