"""The harmonizer's baseline, a bar-aware hidden Markov model over beats, and the chain decoding
every harmonizer shares. numpy only.

The chain: each beat has a log score per chord class (``scores``, ``(beats, classes)``), the
first beat a log prior, and each later beat a transition from the beat before, taken from one of
two matrices: within a bar, or into a bar's first beat (chords change on the downbeat). The
baseline's scores are log P(melody of the beat | chord): the beat's duration-weighted pitch
classes (silence as a 13th) and the pitch class at its start, each a distribution per chord and
per mode, counted on the train split with add-``smoothing``. The trained harmonizer scores with
its network and changes chords through a penalty (:mod:`engine.harmony`).

:func:`viterbi` finds the best chords, :func:`posteriors` each beat's chord probabilities
(forward-backward), :func:`sample` draws chords from the chain (forward filtering, backward
sampling).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from segue.engine import harmony_beats as hb

FORMAT = "segue-chord-hmm"
FORMAT_VERSION = 1


def _steps(transitions: np.ndarray, downbeats: np.ndarray) -> np.ndarray:
    """The transition matrix into each beat after the first: ``(beats - 1, C, C)``."""
    return transitions[downbeats[1:].astype(np.int64)]


def viterbi(scores, prior, transitions, downbeats) -> np.ndarray:
    """The most probable class per beat."""
    steps = _steps(transitions, downbeats)
    best = prior + scores[0]
    back = np.zeros(scores.shape, dtype=np.int64)
    for t in range(1, len(scores)):
        candidates = best[:, None] + steps[t - 1]
        back[t] = candidates.argmax(axis=0)
        best = candidates[back[t], np.arange(scores.shape[1])] + scores[t]
    path = np.zeros(len(scores), dtype=np.int64)
    path[-1] = best.argmax()
    for t in range(len(scores) - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return path


def _scaled(scores, prior, transitions, downbeats):
    """The chain in probabilities, each beat's scores scaled to a maximum of 1 (the scale
    cancels out of posteriors and draws), and the normalised forward probabilities."""
    steps = np.exp(_steps(transitions, downbeats))
    likelihoods = np.exp(scores - scores.max(axis=1, keepdims=True))
    alpha = np.empty(scores.shape)
    alpha[0] = np.exp(prior - prior.max()) * likelihoods[0]
    alpha[0] /= alpha[0].sum()
    for t in range(1, len(scores)):
        alpha[t] = (alpha[t - 1] @ steps[t - 1]) * likelihoods[t]
        alpha[t] /= alpha[t].sum()
    return steps, likelihoods, alpha


def posteriors(scores, prior, transitions, downbeats) -> np.ndarray:
    """P(class at beat | the whole melody), ``(beats, classes)``; rows sum to 1."""
    steps, likelihoods, alpha = _scaled(scores, prior, transitions, downbeats)
    beta = np.ones(scores.shape)
    for t in range(len(scores) - 2, -1, -1):
        beta[t] = steps[t] @ (likelihoods[t + 1] * beta[t + 1])
        beta[t] /= beta[t].sum()
    joint = alpha * beta
    return joint / joint.sum(axis=1, keepdims=True)


def sample(scores, prior, transitions, downbeats, rng: np.random.Generator) -> np.ndarray:
    """Classes drawn from the chain's distribution over whole chord sequences (forward
    filtering, backward sampling)."""
    steps, _, alpha = _scaled(scores, prior, transitions, downbeats)

    def draw(weights):
        return int(rng.choice(len(weights), p=weights / weights.sum()))

    path = np.zeros(len(scores), dtype=np.int64)
    path[-1] = draw(alpha[-1])
    for t in range(len(scores) - 1, 0, -1):
        path[t - 1] = draw(alpha[t - 1] * steps[t - 1][:, path[t]])
    return path


# --- the baseline -----------------------------------------------------------------------------


def _start_tokens(features: np.ndarray) -> np.ndarray:
    """Per beat: the pitch class at its start, or 12 for a rest."""
    at_start = features[:, hb.AT_START]
    return np.where(at_start.any(axis=1), at_start.argmax(axis=1), 12)


def _histograms(features: np.ndarray) -> np.ndarray:
    """Per beat: the share of each pitch class and of silence (13 columns, rows sum to 1)."""
    share = features[:, hb.HISTOGRAM]
    return np.concatenate([share, np.clip(1.0 - share.sum(axis=1, keepdims=True), 0, 1)], axis=1)


def _normalized(counts: np.ndarray) -> np.ndarray:
    return np.log(counts / counts.sum(axis=-1, keepdims=True))


@dataclass(frozen=True)
class ChordHmm:
    """The baseline's counts, per mode (0 major, 1 minor): first-beat chords ``(2, C)``, chord
    frequencies ``(2, C)``, transitions ``(2, 2, C, C)`` (within a bar, into a downbeat),
    pitch-class shares ``(2, C, 13)`` and pitch classes at the beat's start ``(2, C, 13)``."""

    first: np.ndarray
    frequency: np.ndarray
    transitions: np.ndarray
    histogram: np.ndarray
    at_start: np.ndarray
    smoothing: float = 2.0  # both chosen on the validation split (0.67 MajMin there)
    histogram_weight: float = 1.0

    def chain(self, features: np.ndarray):
        """(scores, prior, transitions, downbeats) for :func:`viterbi` and the others."""
        mode = int(features[0, hb.MINOR] > 0) if len(features) else 0
        a = self.smoothing
        histogram = _normalized(self.histogram[mode] + a)
        at_start = _normalized(self.at_start[mode] + a)
        scores = (self.histogram_weight * _histograms(features) @ histogram.T
                  + at_start[:, _start_tokens(features)].T)
        return (scores, _normalized(self.first[mode] + a), _normalized(self.transitions[mode] + a),
                features[:, hb.DOWNBEAT] > 0)

    def naive_bayes(self, features: np.ndarray) -> np.ndarray:
        """Each beat on its own: the class of the highest P(class) P(beat | class)."""
        scores, *_ = self.chain(features)
        mode = int(features[0, hb.MINOR] > 0) if len(features) else 0
        return (scores + _normalized(self.frequency[mode] + self.smoothing)).argmax(axis=1)

    def most_frequent(self, features: np.ndarray) -> np.ndarray:
        """Every beat the mode's most frequent chord degree (the tonic chord, in folk tunes)."""
        mode = int(features[0, hb.MINOR] > 0) if len(features) else 0
        return np.full(len(features), int(self.frequency[mode].argmax()), dtype=np.int64)

    def to_json(self) -> dict:
        def rounded(array):
            return np.round(array, 3).tolist()

        return {"format": FORMAT, "format_version": FORMAT_VERSION,
                "features_version": hb.FEATURES_VERSION, "classes": hb.CLASSES,
                "smoothing": self.smoothing, "histogram_weight": self.histogram_weight,
                **{name: rounded(getattr(self, name)) for name in _SHAPES}}

    @classmethod
    def from_json(cls, data: object) -> ChordHmm:
        """The model a :meth:`to_json` dict describes; ValueError saying what is wrong."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"not a chord HMM (no \"format\": \"{FORMAT}\")")
        for field, wanted in (("format_version", FORMAT_VERSION), ("classes", hb.CLASSES),
                              ("features_version", hb.FEATURES_VERSION)):
            if data.get(field) != wanted:
                raise ValueError(f"{field} {data.get(field)!r} is not {wanted}")
        arrays = {}
        for name, shape in _SHAPES.items():
            try:
                array = np.asarray(data.get(name), dtype=np.float64)
            except (TypeError, ValueError):
                raise ValueError(f"{name} is not a table of numbers") from None
            if array.shape != shape or not np.isfinite(array).all() or (array < 0).any():
                raise ValueError(f"{name} must be {shape} counts of at least 0")
            arrays[name] = array
        numbers = {}
        for name, low, high in (("smoothing", 1e-6, 100.0), ("histogram_weight", 0.0, 100.0)):
            value = data.get(name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not low <= value <= high:
                raise ValueError(f"{name} must be a number from {low:g} to {high:g}")
            numbers[name] = float(value)
        return cls(**arrays, **numbers)


_C = hb.CLASSES
_SHAPES = {"first": (2, _C), "frequency": (2, _C), "transitions": (2, 2, _C, _C),
           "histogram": (2, _C, 13), "at_start": (2, _C, 13)}


def count_hmm(examples: Iterable[tuple[np.ndarray, np.ndarray]], **settings) -> ChordHmm:
    """The baseline counted from ``(features, labels)`` per tune (:mod:`engine.harmony_beats`)."""
    counts = {name: np.zeros(shape) for name, shape in _SHAPES.items()}
    for features, labels in examples:
        if not len(labels):
            continue
        mode = int(features[0, hb.MINOR] > 0)
        counts["first"][mode, labels[0]] += 1
        np.add.at(counts["frequency"][mode], labels, 1)
        downbeats = (features[1:, hb.DOWNBEAT] > 0).astype(np.int64)
        np.add.at(counts["transitions"][mode], (downbeats, labels[:-1], labels[1:]), 1)
        np.add.at(counts["histogram"][mode], labels, _histograms(features))
        np.add.at(counts["at_start"][mode], (labels, _start_tokens(features)), 1)
    return ChordHmm(**counts, **settings)
