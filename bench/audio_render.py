"""Offline audio rendering speed: seconds of audio rendered per second of CPU.

Renders a five-minute melody (eighth notes with some held ones, 120 BPM) through the built-in
General MIDI bank with a few programs, at 44.1 and 48 kHz, the way File > Export Audio and
``segue-cli render`` do (``engine.audio.rendering.render`` with progress), then encodes it as
WAV. Reported per case: audio seconds, CPU seconds (``time.process_time``), the speed-up over
real time, and the peak level in dBFS (a check that the bank neither clips nor whispers).
Goal: far faster than real time (> 50x) on one core, so a whole piece exports in a moment.

    python bench/audio_render.py [--minutes 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from segue.engine.audio.audio_files import WAV, encode_audio  # noqa: E402
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args()
    melody = long_melody(args.minutes)
    results = [measure(melody, program, rate) for rate in (44100, 48000) for program in PROGRAMS]
    if args.json:
        print(json.dumps({"notes": len(melody.notes), "cases": results}))
        return 0
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
