"""Beats for the harmonizer: a melody (and its chords) -> per-beat features and chord labels,
the chord vocabulary, and labels -> chords. numpy only, no torch.

One beat is ``melody.steps_per_beat`` (a dotted quarter in 6/8). A tune's beats run from step 0
to the melody's end rounded up to a bar. Everything is in the key's frame: pitch classes and
chord roots counted from the tonic (the tune's ``key``, else the detected one), so a model
learns degrees (I, V7, vi), not letters, and a tune in any key reads as one in C.

Vocabulary (:data:`CLASSES` of them): "no chord", then 12 roots (semitones above the tonic)
times :data:`KINDS` (major, minor, dominant seventh, diminished): what Nottingham's chords
reduce to (the third decides, as :func:`engine.chords.majmin` does; a major chord with a minor
seventh is the dominant seventh; slash basses are dropped).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from segue.engine import keys
from segue.engine.chords import Chord
from segue.engine.melody import Melody

KINDS = ("", "m", "7", "dim")  # symbol suffixes: G, Gm, G7, Gdim
NO_CHORD_CLASS = 0
CLASSES = 1 + 12 * len(KINDS)
MAX_POSITION = 5  # beat positions in a bar told apart: 0 (downbeat) to 5 and later
FEATURES_VERSION = 1
# Feature columns (FEATURES of them), all per beat:
HISTOGRAM = slice(0, 12)  # share of the beat each pitch class sounds (duration-weighted)
AT_START = slice(12, 24)  # one-hot: the pitch class sounding at the beat's start
ONSET = 24  # a note starts on the beat
REST_AT_START = 25  # nothing sounds at the beat's start
SILENT = 26  # nothing sounds in the whole beat
POSITION = slice(27, 27 + MAX_POSITION + 1)  # one-hot beat position in the bar
DOWNBEAT = POSITION.start
LAST_IN_BAR = POSITION.stop  # the bar's last beat
MINOR = LAST_IN_BAR + 1  # the key is minor
METER = slice(MINOR + 1, MINOR + 4)  # one-hot: 2, 3, 4 or more beats to the bar
FEATURES = METER.stop


def key_of(melody: Melody, key: str | None = None) -> tuple[int, str]:
    """(tonic, mode) of ``key`` (a name), else the melody's key, else its detected key; C major
    for an empty melody."""
    name = key or melody.key or melody.detect_key()
    return keys.parse_key(name) if name else (0, "major")


def chord_class(chord: Chord | None, tonic: int) -> int:
    """The vocabulary class of a chord in the frame of ``tonic`` (see the module docstring)."""
    if chord is None or chord.is_no_chord:
        return NO_CHORD_CLASS
    quality = chord.quality
    if quality == "min":
        kind = 1
    elif quality == "dim":
        kind = 3
    else:  # maj, aug, sus and power chords: the major family
        kind = 2 if quality == "maj" and 10 in chord.spelling.intervals else 0
    return 1 + ((chord.root - tonic) % 12) * len(KINDS) + kind


def class_symbol(index: int, key: tuple[int, str]) -> str:
    """The chord symbol of a class in ``key``, its root spelled as the key spells it."""
    if index == NO_CHORD_CLASS:
        return "N.C."
    degree, kind = divmod(int(index) - 1, len(KINDS))
    root = (key[0] + degree) % 12
    letter, alteration = keys.spelling(root, key)
    name = letter + {-1: "b", 0: "", 1: "#"}.get(alteration, "")
    if abs(alteration) > 1:  # a double sharp or flat: the plain name of the pitch class
        name = keys.PITCH_CLASS_NAMES[root]
    return name + KINDS[kind]


def beat_count(melody: Melody) -> int:
    """Beats from step 0 to the melody's end rounded up to a bar; 0 for an empty melody."""
    if not melody.notes:
        return 0
    return -(-melody.bar_end(melody.end) // melody.steps_per_beat)


def _sounding(melody: Melody, tonic: int, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Per step: the pitch class sounding (from the tonic; -1 for a rest), and note onsets."""
    pitch_classes = np.full(steps, -1, dtype=np.int64)
    onsets = np.zeros(steps, dtype=bool)
    for note in melody.notes:
        pitch_classes[note.start:note.end] = (note.pitch - tonic) % 12
        onsets[note.start] = True
    return pitch_classes, onsets


def beat_features(melody: Melody, key: tuple[int, str]) -> np.ndarray:
    """``(beats, FEATURES)`` float32 features of the melody's beats in ``key``'s frame."""
    beats, per_beat = beat_count(melody), melody.steps_per_beat
    features = np.zeros((beats, FEATURES), dtype=np.float32)
    if not beats:
        return features
    pitch_classes, onsets = _sounding(melody, key[0], beats * per_beat)
    grid = pitch_classes.reshape(beats, per_beat)
    sounding = grid >= 0
    rows = np.repeat(np.arange(beats), per_beat)[sounding.ravel()]
    np.add.at(features, (rows, grid[sounding]), 1.0 / per_beat)
    first = grid[:, 0]
    features[np.flatnonzero(first >= 0), AT_START.start + first[first >= 0]] = 1.0
    features[:, ONSET] = onsets.reshape(beats, per_beat)[:, 0]
    features[:, REST_AT_START] = first < 0
    features[:, SILENT] = ~sounding.any(axis=1)
    beats_in_bar = max(1, melody.steps_per_bar // per_beat)
    position = np.arange(beats) % beats_in_bar
    features[np.arange(beats), POSITION.start + np.minimum(position, MAX_POSITION)] = 1.0
    features[:, LAST_IN_BAR] = position == beats_in_bar - 1
    features[:, MINOR] = key[1] == "minor"
    features[:, METER.start + min(max(beats_in_bar, 2), 4) - 2] = 1.0
    return features


def chords_at_beats(melody: Melody, chords: Sequence[Chord]) -> list[Chord | None]:
    """The chord sounding at each beat's start (None where none does)."""
    per_beat = melody.steps_per_beat
    found: list[Chord | None] = [None] * beat_count(melody)
    for chord in chords:
        first = -(-chord.start // per_beat)
        last = min(-(-chord.end // per_beat), len(found))
        found[first:last] = [chord] * max(0, last - first)
    return found


def beat_labels(melody: Melody, chords: Sequence[Chord], key: tuple[int, str]) -> np.ndarray:
    """The class of the chord sounding at each beat's start, in ``key``'s frame."""
    return np.array([chord_class(c, key[0]) for c in chords_at_beats(melody, chords)],
                    dtype=np.int64)


def runs(classes: Sequence[int]) -> list[tuple[int, int, int]]:
    """Equal neighbouring beats merged: ``(first beat, end beat, class)`` in order."""
    found: list[tuple[int, int, int]] = []
    for beat, value in enumerate(classes):
        value = int(value)
        if found and found[-1][2] == value:
            found[-1] = (found[-1][0], beat + 1, value)
        else:
            found.append((beat, beat + 1, value))
    return found


def tune_examples(tunes) -> list[tuple[np.ndarray, np.ndarray, tuple[int, str]]]:
    """``(features, labels, key)`` of each corpus tune (``engine.corpus.Tune``) with notes."""
    found = []
    for tune in tunes:
        if tune.melody.notes:
            key = key_of(tune.melody)
            found.append((beat_features(tune.melody, key), beat_labels(tune.melody, tune.chords, key),
                          key))
    return found
