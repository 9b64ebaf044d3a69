"""Suggest chords for a melody: :func:`harmonize`.

The melody's beats (:mod:`engine.harmony_beats`, in the key's frame) are scored by a harmonizer:
the shipped network (``models/harmony/nottingham``, :mod:`engine.ml.harmonizer`, loaded on first
use and kept) or the bar-aware HMM baseline (``model="hmm"``, :mod:`engine.harmony_hmm`, no
torch). A chain over the beats then decodes them (:func:`engine.harmony_hmm.viterbi`): the
network's chords change through a penalty, smaller on a bar's first beat; the HMM's through its
counted transitions. Equal neighbouring beats make one chord, and each chord's probability and
alternatives are its beats' mean posterior probabilities (forward-backward).
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from segue.engine import harmony_beats as hb
from segue.engine import harmony_hmm
from segue.engine.chords import SuggestedChord
from segue.engine.melody import Melody

HMM = "hmm"
SHIPPED_HARMONIZER = "nottingham"
SHIPPED_HMM = "nottingham-hmm.json"
MAX_HMM_BYTES = 4 * 1024 * 1024
MAX_ALTERNATIVES = 48


def harmony_dir() -> Path:
    """The folder of the shipped harmonizers (a subfolder: the melody models' list skips it)."""
    from segue.engine.data_files import shipped_models_dir  # noqa: PLC0415

    return shipped_models_dir() / "harmony"


class _NetworkChain:
    """A trained :class:`engine.ml.harmonizer.Harmonizer` as a chain: its log probabilities per
    beat, and chord changes that cost a penalty (less on a downbeat)."""

    def __init__(self, network):
        self.network = network
        decoding = network.card.get("decoding") or {}
        within, downbeat = (float(decoding.get(name, 0.0)) for name in
                            ("change_penalty", "downbeat_change_penalty"))
        change = 1.0 - np.eye(hb.CLASSES)
        self.transitions = -np.stack([within * change, downbeat * change])

    def log_probabilities(self, features: np.ndarray) -> np.ndarray:
        import torch  # noqa: PLC0415 (the network's module has loaded it already)

        with torch.inference_mode():
            logits = self.network(torch.from_numpy(features)[None])[0]
            return torch.log_softmax(logits.double(), dim=-1).numpy()

    def chain(self, features: np.ndarray):
        return (self.log_probabilities(features), np.zeros(hb.CLASSES), self.transitions,
                features[:, hb.DOWNBEAT] > 0)


def load_hmm(path: str | os.PathLike) -> harmony_hmm.ChordHmm:
    """The baseline saved as JSON (:meth:`ChordHmm.to_json`); ValueError naming the file."""
    from segue.engine.files import read_regular  # noqa: PLC0415

    def problem(where, reason):
        return ValueError(f"{where}: cannot read the chord HMM: {reason}")

    data = read_regular(path, MAX_HMM_BYTES, problem)
    try:
        return harmony_hmm.ChordHmm.from_json(json.loads(data))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise problem(path, str(exc)[:200]) from None


@lru_cache(maxsize=4)
def _loaded(path: str):
    if path.endswith(".json") and not Path(path).with_suffix(".safetensors").exists():
        return load_hmm(path)
    from segue.engine.ml.harmonizer import load_harmonizer  # noqa: PLC0415

    return _NetworkChain(load_harmonizer(path))


def harmonizer(model=None):
    """What ``model`` names, as a chain: None the shipped network, ``"hmm"`` the shipped
    baseline, a path a harmonizer's files (or an HMM's ``.json``); a loaded harmonizer or
    anything with a ``chain(features)`` method is used as it is. Loaded files are kept."""
    if model is None:
        return _loaded(str(harmony_dir() / SHIPPED_HARMONIZER))
    if isinstance(model, str) and model == HMM:
        return _loaded(str(harmony_dir() / SHIPPED_HMM))
    if isinstance(model, (str, os.PathLike)):
        return _loaded(os.fspath(Path(model).expanduser()))
    return model if hasattr(model, "chain") else _NetworkChain(model)


def _count(alternatives) -> int:
    if isinstance(alternatives, bool) or not isinstance(alternatives, int) or alternatives < 0:
        raise ValueError(f"alternatives must be a whole number of at least 0, got {alternatives!r}")
    return min(alternatives, MAX_ALTERNATIVES)


def harmonize(
    melody: Melody, *, model=None, key: str | None = None, alternatives: int = 0,
    rng_seed: int | None = None,
) -> list[SuggestedChord]:
    """Chords for ``melody``: sorted, not overlapping, covering step 0 to the melody's end
    rounded up to a bar ("no chord" where none fits, as before the first note); [] for an
    empty melody.

    ``model``: see :func:`harmonizer`. ``key`` (a name, "G major") overrides the melody's key
    and the detected one. ``alternatives``: each chord carries up to that many other symbols
    with their probabilities, best first. ``rng_seed``: chords drawn from the model's
    distribution (repeatable for one seed) instead of the most probable ones.
    """
    count = _count(alternatives)
    beats = hb.beat_count(melody)
    if not beats:
        return []
    tonality = hb.key_of(melody, key)
    chain = harmonizer(model).chain(hb.beat_features(melody, tonality))
    probabilities = harmony_hmm.posteriors(*chain)
    if rng_seed is None:
        classes = harmony_hmm.viterbi(*chain)
    else:
        classes = harmony_hmm.sample(*chain, rng=np.random.default_rng(rng_seed))
    per_beat, end = melody.steps_per_beat, melody.bar_end(melody.end)
    chords = []
    for first, last, chosen in hb.runs(classes):
        mean = probabilities[first:last].mean(axis=0)
        others = [int(i) for i in np.argsort(-mean, kind="stable")[:count + 1] if i != chosen]
        chords.append(SuggestedChord(
            first * per_beat, min(last * per_beat, end) - first * per_beat,
            hb.class_symbol(chosen, tonality), probability=min(1.0, float(mean[chosen])),
            alternatives=tuple((hb.class_symbol(i, tonality), float(mean[i]))
                               for i in others[:count])))
    return chords
