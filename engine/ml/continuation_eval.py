"""How continuations compare with the real thing: ``segue-cli evaluate --prime-bars N``.

For each tune of a corpus split with at least 2N bars (counted from the bar of its first note),
bars 1..N are the seed and bars N+1..2N the real continuation. Reported:

- bits/note of bars N+1..2N given bars 1..N (the LSTM alone, and following the seed when asked);
- statistics of one generated continuation per tune (default controls, a fixed random seed per
  tune) beside the real ones: the interval histogram's distance (total variation, 0-1, between
  the histograms of all intervals from the seed's last note on, clamped to an octave), notes per
  bar, rest fraction, the share of notes whose pitch class the seed never plays, the share of
  bars that repeat a seed bar exactly, the share that echo one (its rhythm and intervals,
  transposed or not), the share of continuations that copy the whole seed bar for bar, and the
  range in semitones. Shares of repeated bars come with a 90% bootstrap interval over tunes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from segue.engine.melody import Melody

MAX_INTERVAL = 12  # intervals beyond an octave count as an octave
BOOTSTRAP = 1000


@dataclass(frozen=True)
class Example:
    """One tune cut for the test: the seed (bars 1..N) and the real continuation (N+1..2N)."""

    id: str
    melody: Melody  # bars 1..2N, its first bar starting at step 0
    boundary: int  # the step where bar N + 1 begins

    @property
    def seed(self) -> Melody:
        return self.melody.slice(0, self.boundary)

    @property
    def real(self) -> Melody:
        return continuation_part(self.melody, self.boundary)


def continuation_part(melody: Melody, boundary: int) -> Melody:
    """The notes starting at or after ``boundary``, in place."""
    return melody.with_notes(n for n in melody.notes if n.start >= boundary)


def examples(tunes, prime_bars: int, steps_per_quarter: int) -> list[Example]:
    """The tunes with 2 x ``prime_bars`` bars and notes in both halves, cut at bar N."""
    found = []
    for tune in tunes:
        melody = tune.melody
        if melody.steps_per_quarter != steps_per_quarter or not melody.notes:
            continue
        bar = melody.steps_per_bar
        first = melody.bar_start(melody.start)
        if melody.end < first + 2 * prime_bars * bar:
            continue
        window = melody.slice(first, first + 2 * prime_bars * bar)
        boundary = prime_bars * bar
        if window.notes[0].start < boundary and window.notes[-1].start >= boundary:
            found.append(Example(tune.id, window, boundary))
    return found


# --- statistics of one continuation ----------------------------------------------------------


def bar_shapes(melody: Melody, first: int, count: int) -> list[tuple]:
    """Each bar's notes as ``((onset in bar, length cut at the bar's end, pitch), ...)``."""
    bar = melody.steps_per_bar
    shapes = [[] for _ in range(count)]
    for note in melody.notes:
        index = note.start // bar - first
        if 0 <= index < count:
            end = (note.start // bar + 1) * bar
            shapes[index].append((note.start % bar, min(note.end, end) - note.start, note.pitch))
    return [tuple(shape) for shape in shapes]


def _transposed(shape: tuple) -> tuple:
    """The shape without its pitch level: rhythm and intervals from its first note."""
    return tuple((onset, length, pitch - shape[0][2]) for onset, length, pitch in shape)


def continuation_stats(seed: Melody, continuation: Melody, boundary: int, bars: int) -> dict:
    """The statistics of one continuation (see the module docstring); intervals as a list."""
    bar = seed.steps_per_bar
    seed_shapes = [s for s in bar_shapes(seed, 0, boundary // bar) if s]
    exact, moved = set(seed_shapes), {_transposed(s) for s in seed_shapes}
    shapes = bar_shapes(continuation, boundary // bar, bars)
    notes = continuation.notes
    sounding = sum(min(n.end, boundary + bars * bar) - n.start for n in notes)
    pitches = [seed.notes[-1].pitch] + [n.pitch for n in notes] if seed.notes else [n.pitch for n in notes]
    seed_classes = {n.pitch % 12 for n in seed.notes}
    repeated = sum(1 for s in shapes if s and s in exact)
    whole_seed = bar_shapes(seed, 0, boundary // bar)
    return {
        "intervals": [max(-MAX_INTERVAL, min(MAX_INTERVAL, b - a)) for a, b in zip(pitches, pitches[1:])],
        "notes_per_bar": len(notes) / bars,
        "rest_fraction": 1 - sounding / (bars * bar),
        "outside_seed_pitch_classes": (
            sum(1 for n in notes if n.pitch % 12 not in seed_classes) / len(notes) if notes else 0.0),
        "repeated_bars": repeated / bars,
        "repeated_or_transposed_bars": sum(
            1 for s in shapes if s and (s in exact or _transposed(s) in moved)) / bars,
        "copies_whole_seed": float(any(whole_seed) and shapes == whole_seed),
        "range": (max(n.pitch for n in notes) - min(n.pitch for n in notes)) if notes else 0,
    }


def interval_histogram(intervals) -> np.ndarray:
    counts = np.bincount(np.asarray(intervals, dtype=np.int64) + MAX_INTERVAL, minlength=2 * MAX_INTERVAL + 1)
    return counts / max(1, counts.sum())


def _interval90(values, rng) -> list[float]:
    values = np.asarray(values, dtype=np.float64)
    means = rng.choice(values, (BOOTSTRAP, values.size)).mean(1)
    return [float(np.quantile(means, 0.05)), float(np.quantile(means, 0.95))]


SUMMED = ("notes_per_bar", "rest_fraction", "outside_seed_pitch_classes", "repeated_bars",
          "repeated_or_transposed_bars", "copies_whole_seed", "range")


def summarise(real: list[dict], generated: list[dict]) -> dict:
    """Means of each statistic for the real and the generated continuations, the interval
    histograms and their distance, and bootstrap intervals of the repeat shares."""
    rng = np.random.default_rng(0)
    result = {"real": {}, "generated": {}}
    for name, stats in (("real", real), ("generated", generated)):
        for key in SUMMED:
            result[name][key] = float(np.mean([s[key] for s in stats]))
        for key in ("repeated_bars", "repeated_or_transposed_bars"):
            result[name][key + "_90"] = _interval90([s[key] for s in stats], rng)
        result[name]["interval_histogram"] = interval_histogram(
            [i for s in stats for i in s["intervals"]]).tolist()
    real_hist = np.asarray(result["real"]["interval_histogram"])
    generated_hist = np.asarray(result["generated"]["interval_histogram"])
    result["interval_distance"] = float(0.5 * np.abs(real_hist - generated_hist).sum())
    return result


# --- the whole report ------------------------------------------------------------------------


def prime_bits(model, chosen: list[Example], follow_seed: float) -> dict:
    """Bits/note of the continuation bars given the seed bars, by the definitions of
    :mod:`engine.ml.evaluation` (the model reads the tune from its first note)."""
    from segue.engine.ml.evaluation import Totals, accumulate, encode_melody, tune_log_probs  # noqa: PLC0415

    tunes = [encode_melody(e.melody, model.encoding, e.id) for e in chosen]
    result = {}
    for label, strength in (("lstm", 0.0), ("following", follow_seed)):
        if label == "following" and not strength:
            continue
        totals = Totals()
        for index, log_probs, targets in tune_log_probs(model, tunes, strength):
            # Row t predicts token t + 1, at step offset + t + 1 of the tune.
            first = max(0, chosen[index].boundary - tunes[index].offset - 1)
            accumulate(log_probs[first:], targets[first:], totals)
            totals.tunes += 1
        metrics = totals.metrics()
        result[label] = {k: metrics[k] for k in ("total_bits_per_note", "pitch_bits_per_note", "notes")}
    return result


def continuation_report(model, corpus: str, split: str, prime_bars: int, *, cache_dir=None,
                        follow_seed: float = 0.0, plot=None, quiet: bool = False,
                        tunes=None, max_tunes: int | None = None) -> dict:
    """The figures of the module docstring for ``corpus``'s ``split`` (or ``tunes``); prints
    the table unless ``quiet``; writes the interval histograms to the PNG ``plot``."""
    from segue.engine.ml.sampling import generate  # noqa: PLC0415

    if tunes is None:
        from segue.engine.corpus import load_corpus  # noqa: PLC0415

        tunes = load_corpus(corpus, split, cache_dir=cache_dir, grid=model.config.steps_per_quarter)
    chosen = examples(tunes, prime_bars, model.config.steps_per_quarter)[:max_tunes]
    if not chosen:
        raise ValueError(f"no tune of {corpus!r} ({split}) has {2 * prime_bars} bars to test continuations on")
    real, generated = [], []
    for number, example in enumerate(chosen):
        seed, bar = example.seed, example.melody.steps_per_bar
        made = generate(model, seed, prime_bars * bar, start=example.boundary, rng_seed=number,
                        follow_seed=follow_seed)[0]
        real.append(continuation_stats(seed, example.real, example.boundary, prime_bars))
        generated.append(continuation_stats(seed, made, example.boundary, prime_bars))
    result = {"prime_bars": prime_bars, "tunes": len(chosen), "follow_seed": follow_seed,
              "bits": prime_bits(model, chosen, follow_seed), **summarise(real, generated)}
    if plot:
        plot_intervals(result, plot)
    if not quiet:
        print(format_table(result))
    return result


ROWS = (
    ("notes_per_bar", "notes per bar", "{:.2f}"),
    ("rest_fraction", "rest fraction", "{:.3f}"),
    ("outside_seed_pitch_classes", "pitch classes not in seed", "{:.3f}"),
    ("repeated_bars", "bars repeating a seed bar", "{:.3f}"),
    ("repeated_or_transposed_bars", "bars echoing one (or moved)", "{:.3f}"),
    ("copies_whole_seed", "copies of the whole seed", "{:.3f}"),
    ("range", "range (semitones)", "{:.1f}"),
)


def format_table(result: dict) -> str:
    n = result["prime_bars"]
    lines = [f"continuations: bars {n + 1}-{2 * n} given bars 1-{n}, {result['tunes']} tunes, "
             f"follow seed {result['follow_seed']:g}"]
    for label, bits in result["bits"].items():
        lines.append(f"  {label}: {bits['total_bits_per_note']:.3f} total / "
                     f"{bits['pitch_bits_per_note']:.3f} pitch bits/note over {bits['notes']} notes")
    lines.append(f"{'':28}{'real':>10}{'generated':>12}")
    for key, label, fmt in ROWS:
        lines.append(f"{label:28}{fmt.format(result['real'][key]):>10}{fmt.format(result['generated'][key]):>12}")
    for key in ("repeated_bars", "repeated_or_transposed_bars"):
        low_high = [f"{a:.3f}-{b:.3f}" for a, b in (result["real"][key + "_90"], result["generated"][key + "_90"])]
        lines.append(f"{'  90% interval':28}{low_high[0]:>10}{low_high[1]:>12}")
    lines.append(f"{'interval histogram distance':28}{result['interval_distance']:>22.3f}")
    return "\n".join(lines)


def plot_intervals(result: dict, path) -> None:
    """Real and generated interval histograms side by side, as a PNG."""
    try:
        import matplotlib  # noqa: PLC0415

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # noqa: PLC0415
    except ImportError:
        raise ValueError("plotting needs matplotlib (pip install -e '.[train]')") from None
    steps = np.arange(-MAX_INTERVAL, MAX_INTERVAL + 1)
    figure, axes = plt.subplots(figsize=(8, 3.5))
    axes.bar(steps - 0.2, result["real"]["interval_histogram"], width=0.4, label="real")
    axes.bar(steps + 0.2, result["generated"]["interval_histogram"], width=0.4, label="generated")
    axes.set_xlabel("interval (semitones, clamped to an octave)")
    axes.set_ylabel("share of intervals")
    axes.set_title(f"bars {result['prime_bars'] + 1}-{2 * result['prime_bars']}: distance "
                   f"{result['interval_distance']:.3f}, follow seed {result['follow_seed']:g}")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


__all__ = ["continuation_report", "continuation_stats", "examples", "format_table"]
