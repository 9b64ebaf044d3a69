"""The built-in instrument on a real audio device: PortAudio's JACK host API, served by a private
JACK server with the dummy backend (no sound card needed). Skipped when jackd is not installed.

The instrument runs in a child process, as PortAudio lists JACK only if the server is up when
it starts; its synthesizer records each block's peak level on the audio thread, so the test
sees what the device was given: silence, then each note, then silence after the release.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.jack import JackServer, jackd_path

ROOT = Path(__file__).resolve().parents[3]

pytestmark = [
    pytest.mark.jack,
    pytest.mark.skipif(jackd_path() is None, reason="jackd (Debian's jackd2) is not installed"),
]

CHILD = r"""
import json, sys, time
import numpy as np
from engine.audio.instrument import BuiltInInstrument, audio_available
from engine.audio.soundfont import SoundFontSynth
from engine.live.player import Player
from engine.melody import Melody, Note

class Metered(SoundFontSynth):
    peaks = []
    def render_into(self, buffer):
        super().render_into(buffer)
        self.peaks.append(float(np.abs(buffer).max()))

available, reason = audio_available()
if not available:
    print(json.dumps({"available": False, "reason": reason}))
    sys.exit(0)
synth = Metered(rate=48000)
instrument = BuiltInInstrument(synth=synth, rate=48000)
time.sleep(0.2)  # silence first
before = len(synth.peaks)
player = Player(instrument, program=73)
player.play(Melody([Note(69, 0, 2), Note(72, 8, 2)], tempo=120.0))  # flute, 0.75 s apart
player.wait(10)
time.sleep(0.6)  # the release rings out
player.close()
print(json.dumps({"available": True, "before": before, "peaks": synth.peaks,
                  "underruns": instrument.underruns}))
"""


def loud_spans(peaks: list[float], threshold: float = 1e-3) -> int:
    spans, loud = 0, False
    for peak in peaks:
        if peak > threshold and not loud:
            spans += 1
        loud = peak > threshold
    return spans


@pytest.mark.slow
def test_the_instrument_sounds_each_note_through_a_real_audio_device():
    with JackServer(period=256, rate=48000):
        result = subprocess.run(
            [sys.executable, "-c", CHILD], cwd=ROOT, capture_output=True, text=True, timeout=60,
        )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["available"], report.get("reason")
    peaks = report["peaks"]
    assert report["before"] > 0 and max(peaks[: report["before"]]) == 0  # silent until played
    assert loud_spans(peaks) == 2  # two notes, with the release finished between them
    assert peaks[-1] == 0  # and silence after the last release
