"""Keys and scales: parse names like ``'F# minor'``, list scale pitch classes, find a key.

A key is ``(tonic, mode)`` with ``tonic`` a pitch class 0-11 (C = 0) and ``mode`` ``'major'`` or
``'minor'`` (natural minor for the scale; key finding uses the Krumhansl-Kessler profiles).

Spelling (:func:`spell`, for labels and notation): a key is named and notated with the signature
of fewer accidentals (Db major, G# minor; F# major and Eb minor on the six-sharp/six-flat tie).
Its scale is spelled with each letter once (E# in F# major, Cb in Eb minor); in a minor key the
raised sixth and seventh keep their letters (C# in D minor, E# in F# minor); any other note is a
natural, or a sharp in sharp keys and C major, a flat in flat keys.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

PITCH_CLASS_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_LETTERS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_ACCIDENTALS = {"": 0, "#": 1, "♯": 1, "b": -1, "♭": -1, "##": 2, "bb": -2}
MODES = ("major", "minor")
MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
MINOR_SCALE = (0, 2, 3, 5, 7, 8, 10)

# Krumhansl & Kessler (1982) probe-tone profiles, tonic first.
MAJOR_PROFILE = (6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88)
MINOR_PROFILE = (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17)



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
    """``(6, 'minor')`` -> ``'F# minor'``; the tonic as the key is notated (``'Db major'``)."""
    if mode not in MODES:
        raise ValueError(f"mode must be 'major' or 'minor', got {mode!r}")
    letter, alteration = spelling(tonic % 12, (tonic % 12, mode))
    return f"{letter}{ACCIDENTAL_TEXT[alteration]} {mode}"


# --- spelling -----------------------------------------------------------------------------------

LETTERS = "CDEFGAB"
ACCIDENTAL_TEXT = {-2: "bb", -1: "b", 0: "", 1: "#", 2: "##"}
SHARP_ORDER, FLAT_ORDER = "FCGDAEB", "BEADGCF"
# Sharps (+) or flats (-) of each major key by tonic pitch class: the fewer accidentals (Db, not
# C#; B, not Cb); F# major on the tie with Gb major.
MAJOR_FIFTHS = (0, -5, 2, -3, 4, -1, 6, 1, -4, 3, -2, 5)
EB_MINOR_FIFTHS = -6  # Eb minor, not D# minor, on the tie


def _as_key(key: str | tuple[int, str]) -> tuple[int, str]:
    tonic, mode = parse_key(key) if isinstance(key, str) else key
    if mode not in MODES:
        raise ValueError(f"mode must be 'major' or 'minor', got {mode!r}")
    return tonic % 12, mode


def signature_fifths(key: str | tuple[int, str]) -> int:
    """The key signature's sharps (+) or flats (-): 6 for F# major, -1 for D minor."""
    tonic, mode = _as_key(key)
    if mode == "major":
        return MAJOR_FIFTHS[tonic]
    return EB_MINOR_FIFTHS if tonic == 3 else MAJOR_FIFTHS[(tonic + 3) % 12]


def signature_alterations(key: str | tuple[int, str]) -> dict[str, int]:
    """The letters the key signature alters: ``{'F': 1, 'C': 1}`` for D major."""
    fifths = signature_fifths(key)
    order = SHARP_ORDER if fifths >= 0 else FLAT_ORDER
    return {letter: (1 if fifths > 0 else -1) for letter in order[: abs(fifths)]}


@lru_cache(maxsize=4096)  # the roll names each visible note per repaint, in one key
def spelling(pitch_class: int, key: str | tuple[int, str]) -> tuple[str, int]:
    """``(letter, alteration)`` of a pitch class in ``key`` (see the module docstring):
    ``(5, 'F# major')`` -> ``('E', 1)``, ``(1, 'D minor')`` -> ``('C', 1)``."""
    tonic, mode = _as_key(key)
    pitch_class %= 12
    signature = signature_alterations((tonic, mode))
    for letter in LETTERS:  # a scale note: the signature spells it
        if (_LETTERS[letter] + signature.get(letter, 0)) % 12 == pitch_class:
            return letter, signature.get(letter, 0)
    if mode == "minor" and (pitch_class - tonic) % 12 in (9, 11):  # raised sixth or seventh
        lowered = (pitch_class - 1) % 12
        letter = next(
            x for x in LETTERS if (_LETTERS[x] + signature.get(x, 0)) % 12 == lowered
        )
        return letter, signature.get(letter, 0) + 1
    for letter in LETTERS:  # a natural
        if _LETTERS[letter] == pitch_class:
            return letter, 0
    step = 1 if signature_fifths((tonic, mode)) >= 0 else -1
    letter = next(x for x in LETTERS if (_LETTERS[x] + step) % 12 == pitch_class)
    return letter, step


def spell(pitch: int, key: str | tuple[int, str] | None) -> str:
    """MIDI ``pitch`` named in ``key``: ``spell(65, 'F# major')`` -> ``'E#4'``, ``spell(59,
    'Eb minor')`` -> ``'Cb4'`` (the octave is the letter's: middle C is C4). Without a key,
    the names of :data:`PITCH_CLASS_NAMES`."""
    if key is None:
        return f"{PITCH_CLASS_NAMES[pitch % 12]}{pitch // 12 - 1}"
    letter, alteration = spelling(pitch % 12, key)
    return f"{letter}{ACCIDENTAL_TEXT[alteration]}{(pitch - alteration) // 12 - 1}"


ALL_KEYS = tuple(key_name(t, m) for m in MODES for t in range(12))


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


def _fit(pitch_class_weights: Sequence[float], key: tuple[int, str]) -> float:
    tonic, mode = key
    profile = MAJOR_PROFILE if mode == "major" else MINOR_PROFILE
    return _correlation(pitch_class_weights, [profile[(pc - tonic) % 12] for pc in range(12)])


def written_key(written: str | None, pitch_class_weights: Sequence[float]) -> str | None:
    """The key of music whose file names ``written``: that key, except that a minor key read
    from a signature of one flat fewer (Baroque notation: BWV 297 in D minor has no flat, and
    its file says A minor) is the minor key a fourth up when the notes fit that one better."""
    if written is None:
        return None
    tonic, mode = parse_key(written)
    if mode == "minor" and len(pitch_class_weights) == 12 and any(pitch_class_weights):
        fourth_up = ((tonic + 5) % 12, "minor")
        if _fit(pitch_class_weights, fourth_up) > _fit(pitch_class_weights, (tonic, mode)):
            return key_name(*fourth_up)
    return key_name(tonic, mode)


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
