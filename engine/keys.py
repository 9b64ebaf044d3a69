"""Keys and scales: parse names like ``'F# minor'``, list scale pitch classes, find a key.

A key is ``(tonic, mode)`` with ``tonic`` a pitch class 0-11 (C = 0) and ``mode`` ``'major'`` or
``'minor'`` (natural minor for the scale; key finding uses the Krumhansl-Kessler profiles).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

PITCH_CLASS_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_LETTERS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_ACCIDENTALS = {"": 0, "#": 1, "♯": 1, "b": -1, "♭": -1, "##": 2, "bb": -2}
MODES = ("major", "minor")
MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
MINOR_SCALE = (0, 2, 3, 5, 7, 8, 10)

# Krumhansl & Kessler (1982) probe-tone profiles, tonic first.
MAJOR_PROFILE = (6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88)
MINOR_PROFILE = (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17)

ALL_KEYS = tuple(f"{PITCH_CLASS_NAMES[t]} {m}" for m in MODES for t in range(12))


def parse_key(name: str) -> tuple[int, str]:
    """``'F# minor'`` -> ``(6, 'minor')``; ``'Bb'`` means B-flat major. ValueError otherwise."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"key must be a name such as 'C major' or 'F# minor', got {name!r}")
    parts = name.strip().split()
    if len(parts) > 2:
        raise ValueError(f"key {name!r} is not a name such as 'C major' or 'F# minor'")
    tonic_text = parts[0]
    mode = parts[1].lower() if len(parts) == 2 else "major"
    if mode not in MODES:
        raise ValueError(f"key {name!r}: mode must be 'major' or 'minor', got {parts[1]!r}")
    letter, accidental = tonic_text[0].upper(), tonic_text[1:].replace("-", "b")
    if letter not in _LETTERS or accidental not in _ACCIDENTALS:
        raise ValueError(f"key {name!r}: {tonic_text!r} is not a note name")
    return (_LETTERS[letter] + _ACCIDENTALS[accidental]) % 12, mode


def key_name(tonic: int, mode: str) -> str:
    """``(6, 'minor')`` -> ``'F# minor'``."""
    if mode not in MODES:
        raise ValueError(f"mode must be 'major' or 'minor', got {mode!r}")
    return f"{PITCH_CLASS_NAMES[tonic % 12]} {mode}"


def scale_pitch_classes(key: str | tuple[int, str]) -> frozenset[int]:
    """The seven pitch classes of a key's scale (natural minor for minor keys)."""
    tonic, mode = parse_key(key) if isinstance(key, str) else key
    steps = MAJOR_SCALE if mode == "major" else MINOR_SCALE
    return frozenset((tonic + s) % 12 for s in steps)


def _correlation(a: Sequence[float], b: Sequence[float]) -> float:
    mean_a, mean_b = sum(a) / 12, sum(b) / 12
    num = sum((x - mean_a) * (y - mean_b) for x, y in zip(a, b))
    den = math.sqrt(sum((x - mean_a) ** 2 for x in a) * sum((y - mean_b) ** 2 for y in b))
    return num / den if den else 0.0


def best_key(pitch_class_weights: Sequence[float]) -> tuple[int, str]:
    """The key whose profile correlates best with 12 pitch-class weights (Krumhansl-Schmuckler)."""
    if len(pitch_class_weights) != 12:
        raise ValueError("key finding needs 12 pitch-class weights")
    best, best_score = (0, "major"), -2.0
    for mode, profile in (("major", MAJOR_PROFILE), ("minor", MINOR_PROFILE)):
        for tonic in range(12):
            rotated = [profile[(pc - tonic) % 12] for pc in range(12)]
            score = _correlation(pitch_class_weights, rotated)
            if score > best_score:
                best, best_score = (tonic, mode), score
    return best


# --- positions in a scale (diatonic transposition and inversion, snapping to a scale) -----------


def scale_offsets(key: str | tuple[int, str]) -> tuple[int, ...]:
    """The seven scale steps above the tonic in semitones: (0, 2, 4, 5, 7, 9, 11) for major."""
    mode = (parse_key(key) if isinstance(key, str) else key)[1]
    return MAJOR_SCALE if mode == "major" else MINOR_SCALE


def tonic_pitch_class(key: str | tuple[int, str]) -> int:
    return (parse_key(key) if isinstance(key, str) else key)[0] % 12


def diatonic_position(pitch: int, key: str | tuple[int, str]) -> tuple[int, int]:
    """``(degree, alteration)``: the scale degree at or below ``pitch`` counted in steps from
    the tonic of the lowest octave (seven to an octave), and the semitones ``pitch`` lies above
    it (0 for a scale note, 1 for a note between two scale notes)."""
    offsets = scale_offsets(key)
    octave, within = divmod(pitch - tonic_pitch_class(key), 12)
    degree = max(i for i, offset in enumerate(offsets) if offset <= within)
    return octave * 7 + degree, within - offsets[degree]


def pitch_at_position(degree: int, alteration: int, key: str | tuple[int, str]) -> int:
    """The inverse of :func:`diatonic_position` (the result may lie outside 0-127)."""
    octave, step = divmod(degree, 7)
    return tonic_pitch_class(key) + octave * 12 + scale_offsets(key)[step] + alteration


def nearest_scale_pitch(pitch: int, key: str | tuple[int, str]) -> int:
    """``pitch`` itself when it is in the key's scale, else the nearest scale note (the lower
    one of two equally near, the upper one below MIDI 0); stays within 0-127."""
    scale = scale_pitch_classes(key)
    for distance in range(7):
        for candidate in (pitch - distance, pitch + distance):
            if 0 <= candidate <= 127 and candidate % 12 in scale:
                return candidate
    return pitch
