"""Offline audio rendering speed: seconds of audio rendered per second of CPU.

Renders a five-minute melody (eighth notes with some held ones, 120 BPM) through the built-in
General MIDI bank with a few programs, at 44.1 and 48 kHz, the way File > Export Audio and
``segue-cli render`` do (``engine.audio.rendering.render`` with progress), then encodes it as
WAV. Reported per case: audio seconds, CPU seconds (``time.process_time``), the speed-up over
real time, and the peak level in dBFS (a check that the bank neither clips nor whispers).
Goal: far faster than real time (> 50x) on one core, so a whole piece exports in a moment.

Then the export itself, as File > Export Audio and ``segue-cli render`` make it
(``engine.audio.render_process.render_to_file``: a child process streams the file as it
renders) for an ``--export-minutes`` piece (60 by default), as WAV and as FLAC: the peak
resident memory of the child and of this process, the file's size, and the wall time. Goal:
memory that does not grow with the piece; a 60-minute piece under 300 MB.

    python bench/audio_render.py [--minutes 5] [--export-minutes 60] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from segue.engine.audio.audio_files import (  # noqa: E402
    WAV,
    AudioExportError,
    audio_formats,
    encode_audio,
)
from segue.engine.audio.render_process import render_to_file  # noqa: E402
from segue.engine.audio.rendering import melody_events, render  # noqa: E402
from segue.engine.audio.soundfont import SoundFontSynth  # noqa: E402
from segue.engine.melody import DEFAULT_TEMPO, Melody, Note  # noqa: E402

PROGRAMS = {0: "piano", 24: "nylon guitar", 40: "violin", 73: "flute"}


def long_melody(minutes: float, tempo: float = DEFAULT_TEMPO) -> Melody:
    """Eighth notes (two steps) walking a scale, every fourth note held for a beat."""
    steps = round(minutes * 60 * tempo / 60 * 4)
    notes, step, i = [], 0, 0
    scale = [0, 2, 4, 5, 7, 9, 11, 12, 11, 9, 7, 5, 4, 2]
    while step < steps:
        length = 4 if i % 4 == 3 else 2
        notes.append(Note(60 + scale[i % len(scale)], step, length, 80 + i % 40))
        step, i = step + length, i + 1
    return Melody(notes, tempo=tempo)


def measure(melody: Melody, program: int, rate: int) -> dict:
    synth = SoundFontSynth(rate=rate)
    events = melody_events(melody, program)
    started = time.process_time()
    rendering = render(events, synth, progress=lambda fraction: None)
    render_cpu = time.process_time() - started
    started = time.process_time()
    encode_audio(rendering, WAV)
    encode_cpu = time.process_time() - started
    peak = float(np.abs(rendering.samples).max())
    return {
        "program": program, "instrument": PROGRAMS[program], "rate": rate,
        "audio_s": round(rendering.seconds, 2), "render_cpu_s": round(render_cpu, 3),
        "speedup": round(rendering.seconds / max(render_cpu, 1e-9), 1),
        "wav_encode_cpu_s": round(encode_cpu, 3),
        "peak_dbfs": round(20 * math.log10(peak), 1) if peak > 0 else None,
    }


def peak_mb(who: int) -> float:
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)  # Linux reports KB


def measure_export(melody: Melody, suffix: str) -> dict:
    """One export through the child; the children's peak is the largest of any so far."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"piece{suffix}"
        started = time.monotonic()
        steps = render_to_file(melody_events(melody, 0), path)
        while True:
            try:
                next(steps)
            except StopIteration as done:
                rendered = done.value
                break
            except AudioExportError as error:  # a WAV over 4 GB
                return {"format": suffix, "refused": str(error)}
        wall = time.monotonic() - started
        size = path.stat().st_size
    return {
        "format": suffix, "audio_s": round(rendered.seconds, 1), "wall_s": round(wall, 1),
        "file_mb": round(size / 2**20, 1), "child_peak_mb": peak_mb(resource.RUSAGE_CHILDREN),
        "this_process_peak_mb": peak_mb(resource.RUSAGE_SELF),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--export-minutes", type=float, default=60.0,
                        help="the piece exported through the child (0: skip)")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args()
    exports = []
    if args.export_minutes > 0:  # first, so this process's peak is the export's alone
        piece = long_melody(args.export_minutes)
        exports = [measure_export(piece, suffix) for suffix in audio_formats()]
    melody = long_melody(args.minutes)
    results = [measure(melody, program, rate) for rate in (44100, 48000) for program in PROGRAMS]
    if args.json:
        print(json.dumps({"notes": len(melody.notes), "cases": results, "exports": exports}))
        return 0
    for e in exports:
        if "refused" in e:
            print(f"export {e['format']:<5} refused: {e['refused']}")
            continue
        print(
            f"export {e['format']:<5} {e['audio_s'] / 60:.0f} min of audio in {e['wall_s']} s: "
            f"{e['file_mb']} MB file; peak memory: renderer {e['child_peak_mb']} MB, "
            f"caller {e['this_process_peak_mb']} MB"
        )
    print(f"{len(melody.notes)} notes, {results[0]['audio_s']:.0f} s of audio per case")
    for r in results:
        print(
            f"{r['instrument']:<13} {r['rate']} Hz  render {r['render_cpu_s']:6.2f} s CPU "
            f"= {r['speedup']:6.1f}x real time   WAV {r['wav_encode_cpu_s']:.2f} s   "
            f"peak {r['peak_dbfs']} dBFS"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
