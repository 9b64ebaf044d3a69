"""Tunes for the harmonizer's tests: simple I-IV-V tunes in a few keys, and a tiny built
"nottingham" corpus cache of them (written as ``segue-cli corpus build`` writes one)."""

from __future__ import annotations

from segue.engine import corpus
from segue.engine.chords import Chord
from segue.engine.corpus_sources import melody_record
from segue.engine.melody import Melody, Note

# Degrees (semitones above the tonic) of one bar's four quarter notes, under the bar's chord.
BARS = {"I": ((0, 4, 7, 4), ""), "IV": ((5, 9, 12, 9), ""), "V": ((7, 11, 14, 11), "7")}
ROOTS = {"I": 0, "IV": 5, "V": 7}
NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")


def tune(tonic: int = 0, form: str = "I IV V I I V I I", time_signature=(4, 4)):
    """A melody in ``tonic`` major, a bar per chord of ``form``, and its chords."""
    notes, chords = [], []
    bar = 16 * time_signature[0] // time_signature[1]
    for i, name in enumerate(form.split()):
        degrees, kind = BARS[name]
        step = bar // len(degrees)
        notes += [Note(60 + tonic + d, i * bar + j * step, step) for j, d in enumerate(degrees)]
        chords.append(Chord(i * bar, bar, NAMES[(tonic + ROOTS[name]) % 12] + kind))
    melody = Melody(notes, time_signature=time_signature, key=f"{NAMES[tonic]} major")
    return melody, chords


FORMS = ("I IV V I I V I I", "I I IV I V V I I", "I V I IV I V V I", "I IV I V I IV V I")


def write_tiny_nottingham(cache_dir) -> dict:
    """A "nottingham" corpus cache in ``cache_dir`` with tunes in every split; returns the
    number of tunes per split."""
    records, counts, i = [], dict.fromkeys(corpus.SPLITS, 0), 0
    while min(counts.values()) < 3 or sum(counts.values()) < 16:
        tune_id = f"nottingham/fake.abc:{i}"
        melody, chords = tune(i * 5 % 12, FORMS[i % len(FORMS)])
        records.append(melody_record(tune_id, melody, chords))
        counts[corpus.split_of(tune_id)] += 1
        i += 1
    corpus._write_cache(corpus.cache_path("nottingham", cache_dir), records,
                        {"format": corpus.CACHE_FORMAT, "name": "nottingham"})
    return counts
