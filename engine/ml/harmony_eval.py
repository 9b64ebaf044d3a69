"""How well the harmonizers do: beat-level MIREX "MajMin" and root accuracy on a Nottingham
split (``segue-cli evaluate --harmony``).

Each beat is scored by the chord sounding at its start, suggested against written
(:func:`engine.chords.majmin`: root plus major or minor, "N" for no chord, counted too). Beats
whose written chord has no third (sus, MajMin's "X") are left out, as MIREX leaves them. Beside
the harmonizer: the HMM baseline, naive Bayes per beat (the HMM's beat model with no chain) and
the mode's most frequent chord degree, all counted on the train split; and, where helper module
``engine.ml.chord_eval`` and the chord-aware melody model exist, that model's bits per note with
and without chords.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from segue.engine import harmony_beats as hb
from segue.engine.chords import Chord, majmin

CORPUS = "nottingham"
CHORD_MODEL = "nottingham"


def _symbol_chord(symbol: str) -> Chord | None:
    return None if symbol == "N.C." else Chord(0, 1, symbol)


def beat_accuracy(tunes, suggest: Callable[[object], Sequence[Chord | None]]) -> dict:
    """MajMin and root accuracy of ``suggest(tune)``, one chord (or None) per beat of the tune's
    melody, against the tune's chords."""
    right = roots = beats = 0
    for tune in tunes:
        written = hb.chords_at_beats(tune.melody, tune.chords)
        for ours, theirs in zip(suggest(tune), written):
            label = majmin(theirs)
            if label == "X":
                continue
            beats += 1
            right += majmin(ours) == label
            roots += (ours.root if ours else None) == (theirs.root if theirs else None)
    return {"majmin": right / beats if beats else float("nan"),
            "root": roots / beats if beats else float("nan"), "beats": beats}


def harmonizer_accuracy(tunes, model=None) -> dict:
    """:func:`beat_accuracy` of :func:`engine.harmony.harmonize` with ``model``."""
    from segue.engine.harmony import harmonize  # noqa: PLC0415

    def suggest(tune):
        return hb.chords_at_beats(tune.melody, harmonize(tune.melody, model=model))

    return beat_accuracy(tunes, suggest)


def _classes_accuracy(tunes, predict) -> dict:
    def suggest(tune):
        key = hb.key_of(tune.melody)
        return [_symbol_chord(hb.class_symbol(c, key))
                for c in predict(hb.beat_features(tune.melody, key))]

    return beat_accuracy(tunes, suggest)


def _chord_bits(split: str, cache_dir) -> dict | None:
    try:
        from segue.engine.ml.catalog import available_models  # noqa: PLC0415
        from segue.engine.ml.chord_eval import chord_bits_report  # noqa: PLC0415
    except ImportError:
        return None
    if CHORD_MODEL not in available_models():
        return None
    return chord_bits_report(model_name=CHORD_MODEL, split=split, cache_dir=cache_dir)


def harmony_report(split: str = "test", cache_dir=None, model=None, chord_bits: bool = True) -> dict:
    """Every figure ``evaluate --harmony`` prints, on ``split`` of the Nottingham corpus; the
    baselines are counted on its train split."""
    from segue.engine.corpus import load_corpus  # noqa: PLC0415
    from segue.engine.harmony_hmm import count_hmm, viterbi  # noqa: PLC0415

    tunes = [t for t in load_corpus(CORPUS, split, cache_dir=cache_dir) if t.melody.notes]
    train = hb.tune_examples(load_corpus(CORPUS, "train", cache_dir=cache_dir))
    hmm = count_hmm((features, labels) for features, labels, _ in train)
    return {
        "corpus": CORPUS, "split": split, "tunes": len(tunes),
        "harmonizer": harmonizer_accuracy(tunes, model),
        "hmm": _classes_accuracy(tunes, lambda f: viterbi(*hmm.chain(f))),
        "naive_bayes": _classes_accuracy(tunes, hmm.naive_bayes),
        "most_frequent": _classes_accuracy(tunes, hmm.most_frequent),
        "chord_model": _chord_bits(split, cache_dir) if chord_bits else None,
    }


NAMES = {"harmonizer": "harmonizer (bidirectional GRU)", "hmm": "bar-aware HMM baseline",
         "naive_bayes": "naive Bayes per beat", "most_frequent": "most frequent chord degree"}


def format_harmony_report(result: dict) -> str:
    lines = [f"harmony on {result['corpus']} {result['split']}: {result['tunes']} tunes, "
             f"{result['harmonizer']['beats']} beats (MIREX MajMin and root, chord at each "
             "beat's start)"]
    for name, label in NAMES.items():
        figures = result[name]
        lines.append(f"  {label:<32} MajMin {figures['majmin']:.3f}  root {figures['root']:.3f}")
    bits = result.get("chord_model")
    if not bits:
        lines.append("  chord-aware melody model: not available")
    else:
        lines.append("  chord-aware melody model:")
        try:  # its own module's words where it has them
            from segue.engine.ml.chord_eval import format_chord_report  # noqa: PLC0415

            text = format_chord_report(bits)
        except ImportError:
            text = "\n".join(f"{k.replace('_', ' ')} {v:.3f}" for k, v in bits.items()
                             if isinstance(v, float))
        lines += [f"    {line}" for line in text.splitlines()]
    return "\n".join(lines)
