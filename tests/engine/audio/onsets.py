"""Onset detection on rendered samples, for the audio tests."""

from __future__ import annotations

import numpy as np

THRESHOLD = 1e-4  # -80 dBFS: the first audible sample of a note
QUIET_BEFORE = 0.005  # an onset follows at least this much silence


def envelope(samples: np.ndarray) -> np.ndarray:
    """The louder channel's magnitude, per frame."""
    return np.abs(samples).max(axis=1)


def onsets(samples: np.ndarray, rate: int) -> list[float]:
    """Seconds where the sound rises above THRESHOLD after QUIET_BEFORE of silence."""
    loud = envelope(samples) > THRESHOLD
    quiet = round(QUIET_BEFORE * rate)
    found, last_loud = [], -quiet - 1
    for frame in np.flatnonzero(loud):
        if frame - last_loud > quiet:
            found.append(frame / rate)
        last_loud = frame
    return found
