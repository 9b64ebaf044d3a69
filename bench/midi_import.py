"""How fast MIDI import is, and how fast absurd files are refused. Prints figures; asserts nothing.

    .venv/bin/python bench/midi_import.py [--events 200000] [--fuzz 2000]

Figures: a busy multi-track file (the raw walk alone, then list_tracks and import_midi, which
both parse it), files at scale (16 tracks of 20,000 notes through the GUI's path, which
parses once and imports the chosen part, beside listing then importing, which parses twice;
one track of 200,000 notes; goals: under 1.5 s and 1 s; best of 3), a file just over the
event limit (refused by the raw walk, before any event is decoded), a sparse 51 MB file
(refused by its size before reading), and with ``--fuzz N`` the slowest of N mutated or
truncated copies of the test fixtures (goal: under 2 s each; the fuzz test in tests/engine
checks only what they raise).
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from segue.engine import midi_io  # noqa: E402


def busy_file(events: int, tracks: int = 8) -> bytes:
    """A type-1 file of ``tracks`` tracks of sixteenth notes, ``events`` events in all."""
    per_track = events // tracks // 2
    chunks = []
    for t in range(tracks):
        body = bytearray(b"\x00\xff\x03\x05Track")
        for i in range(per_track):
            pitch = 48 + (i * 7 + t * 5) % 36
            body += bytes([0x00, 0x90 | t, pitch, 100, 120, 0x80 | t, pitch, 64])
        body += b"\x00\xff\x2f\x00"
        chunks.append(b"MTrk" + struct.pack(">L", len(body)) + bytes(body))
    return b"MThd" + struct.pack(">LHHH", 6, 1, tracks, 480) + b"".join(chunks)


def timed(label: str, action, repeat: int = 3) -> None:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        try:
            action()
        except midi_io.MidiImportError as error:
            outcome = error.reason
        else:
            outcome = "ok"
        best = min(best, time.perf_counter() - started)
    print(f"{label:<48} {best * 1000:9.1f} ms   ({outcome})")


def fuzz_inputs(count: int, seed: int = 0):
    """Mutated and truncated copies of the fixtures and crashers, as the fuzz test makes them."""
    import random

    data = Path(__file__).resolve().parent.parent / "tests" / "data" / "midi"
    seeds = [p.read_bytes() for p in sorted(data.glob("*.mid")) + sorted((data / "crashers").glob("*.mid"))]
    rng = random.Random(seed)
    for _ in range(count):
        body = bytearray(rng.choice(seeds))
        if rng.random() < 0.3:
            body = body[: rng.randrange(1, len(body) + 1)]
        for _ in range(rng.randrange(1, 9)):
            if body:
                body[rng.randrange(len(body))] = rng.randrange(256)
        yield bytes(body)


def slowest_fuzz_input(folder: str, count: int) -> None:
    path = Path(folder) / "fuzzed.mid"
    times = []
    for data in fuzz_inputs(count):
        path.write_bytes(data)
        started = time.perf_counter()
        try:
            midi_io.import_midi(path)
            midi_io.list_tracks(path)
        except midi_io.MidiImportError:
            pass
        times.append(time.perf_counter() - started)
    times.sort()
    print(f"fuzz: {count} inputs, median {times[len(times) // 2] * 1000:.1f} ms, "
          f"slowest {times[-1] * 1000:.1f} ms (goal: under 2000 ms)")


def at_scale(folder: Path) -> None:
    """The sizes a probe found slow: 16 tracks x 20,000 notes, and 200,000 notes in one track."""
    band = folder / "band.mid"
    band.write_bytes(busy_file(16 * 20_000 * 2, tracks=16))
    print(f"16 tracks x 20,000 notes: {band.stat().st_size / 1e6:.1f} MB")
    timed("  list_tracks + import_midi (parses twice)",
          lambda: midi_io.import_midi(band, midi_io.list_tracks(band)[0].index))
    timed("  parse_midi + import_part (the GUI's path, goal: 1500 ms)",
          lambda: (lambda parsed: parsed.import_part(parsed.tracks[0].index))(midi_io.parse_midi(band)))
    solo = folder / "solo.mid"
    solo.write_bytes(busy_file(200_000 * 2, tracks=1))
    print(f"1 track x 200,000 notes: {solo.stat().st_size / 1e6:.1f} MB")
    timed("  import_midi (goal: under 1000 ms)", lambda: midi_io.import_midi(solo))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--fuzz", type=int, default=0, help="time this many fuzzed inputs too")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if args.fuzz:
            slowest_fuzz_input(folder, args.fuzz)
        busy = Path(folder) / "busy.mid"
        data = busy_file(args.events)
        busy.write_bytes(data)
        print(f"busy file: {args.events:,} events, {len(data) / 1e6:.1f} MB")
        timed("raw walk (_scan) of the busy file", lambda: midi_io._scan(data))
        timed("list_tracks(busy)", lambda: midi_io.list_tracks(busy))
        timed("import_midi(busy)", lambda: midi_io.import_midi(busy))

        at_scale(Path(folder))

        over = Path(folder) / "over.mid"
        over.write_bytes(busy_file(midi_io.MAX_EVENTS + 16))
        timed(f"refuse {midi_io.MAX_EVENTS + 16:,} events", lambda: midi_io.import_midi(over))

        huge = Path(folder) / "huge.mid"
        with open(huge, "wb") as file:
            file.write(data[:64])
            file.truncate(51 * 1024 * 1024)
        timed("refuse a 51 MB file", lambda: midi_io.import_midi(huge))
        os.remove(huge)

        small = Path(__file__).resolve().parent.parent / "tests" / "data" / "midi" / "daw_type1.mid"
        timed("import_midi(daw_type1.mid, 5 parts)", lambda: midi_io.import_midi(small), repeat=20)


if __name__ == "__main__":
    main()
