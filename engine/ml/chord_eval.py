"""How much a chord-aware model hears the chords: :func:`chord_bits_report` (``segue-cli
evaluate --harmony`` prints it).

- bits/note of the model on a corpus split's tunes with their true chords, the same model with
  the chords withheld, and the ``folk`` model (which hears no chords) on the same notes (the
  definitions of :mod:`engine.ml.evaluation`; the ratio compares pitch bits/note);
- the chord-tone share: of the beats where a melody note sounds under a chord (not "no chord"),
  how many sound a tone of that chord. For continuations over given chords: each tune with at
  least :data:`PRIME_BARS` + :data:`CONTINUED_BARS` bars is cut after bar PRIME_BARS, the model
  continues the seed for CONTINUED_BARS bars over the tune's own chords (default controls, one
  fixed random seed per tune, :data:`VARIATIONS` variations); beside it the real continuations'
  share on the same bars, the model's share with the chords withheld, and the real tunes' share
  over all their beats.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence

from segue.engine.chords import Chord, chords_in
from segue.engine.melody import Melody

PRIME_BARS = 4
CONTINUED_BARS = 4
VARIATIONS = 4
BASELINE_MODEL = "folk"


def chord_tone_beats(melody: Melody, chords: Sequence[Chord], start: int, end: int) -> tuple[int, int]:
    """(beats sounding a chord tone, beats with a note under a chord) of the beats in
    ``[start, end)``; a beat is counted from the bar lines (``melody.steps_per_beat``)."""
    beat = melody.steps_per_beat  # bars begin at multiples of the bar, itself whole beats
    notes = sorted(melody.notes, key=lambda n: n.start)
    tones = under = 0
    step = start + (-start) % beat
    note_index = 0
    ordered = sorted(chords, key=lambda c: c.start)
    chord_index = 0
    while step < end:
        while note_index < len(notes) and notes[note_index].end <= step:
            note_index += 1
        while chord_index < len(ordered) and ordered[chord_index].end <= step:
            chord_index += 1
        note = notes[note_index] if note_index < len(notes) and notes[note_index].start <= step else None
        chord = ordered[chord_index] if chord_index < len(ordered) and ordered[chord_index].start <= step else None
        if note is not None and chord is not None and not chord.is_no_chord:
            under += 1
            tones += note.pitch % 12 in chord.pitch_classes
        step += beat
    return tones, under


def _share(counts: Iterable[tuple[int, int]]) -> dict:
    tones = under = 0
    for t, u in counts:
        tones, under = tones + t, under + u
    return {"share": tones / under if under else float("nan"), "beats": under}


def _bits(model, tunes, with_chords: bool) -> dict:
    from segue.engine.ml.evaluation import encode_tunes, score_encoded  # noqa: PLC0415

    encoded, skipped = encode_tunes(tunes, model.encoding, model.config.steps_per_quarter, with_chords)
    metrics = score_encoded(model, encoded).metrics()
    metrics["skipped"] = skipped
    return metrics


def continuation_shares(model, tunes, *, variations: int = VARIATIONS) -> dict:
    """The chord-tone shares of continuations (see the module docstring)."""
    from segue.engine.ml.options import GenerationOptions  # noqa: PLC0415
    from segue.engine.ml.sampling import generate  # noqa: PLC0415

    given, withheld, real = [], [], []
    for tune in tunes:
        melody = tune.melody
        if not melody.notes or not tune.chords or melody.steps_per_quarter != model.config.steps_per_quarter:
            continue
        bar = melody.steps_per_bar
        first = melody.bar_start(melody.start)
        boundary, end = first + PRIME_BARS * bar, first + (PRIME_BARS + CONTINUED_BARS) * bar
        if melody.end < end or not any(n.start < boundary for n in melody.notes):
            continue
        seed = melody.with_notes([n.with_length(min(n.end, boundary) - n.start)
                                  for n in melody.notes if n.start < boundary])
        chords = chords_in(tune.chords, 0, end)
        options = GenerationOptions(variations=variations, rng_seed=zlib.crc32(tune.id.encode()))
        try:
            for hears, counts in ((chords, given), (None, withheld)):
                for variation in generate(model, seed, end - boundary, options, chords=hears):
                    counts.append(chord_tone_beats(variation, chords, boundary, end))
        except ValueError:  # a seed the model cannot take (its range)
            continue
        real.append(chord_tone_beats(melody, chords, boundary, end))
    return {"given_chords": _share(given), "chords_withheld": _share(withheld),
            "real": _share(real), "tunes": len(real), "variations": variations}


def chord_bits_report(model_name: str = "nottingham", split: str = "test", cache_dir=None,
                      *, corpus: str = "nottingham", baseline: str = BASELINE_MODEL,
                      continuations: bool = True) -> dict:
    """Bits/note with and without the true chords, the baseline model's on the same notes, and
    the chord-tone shares (see the module docstring), on ``corpus``'s ``split``."""
    from segue.engine.corpus import load_corpus  # noqa: PLC0415
    from segue.engine.ml.checkpoint import load_model  # noqa: PLC0415

    model = load_model(model_name, device="cpu")
    grid = model.config.steps_per_quarter  # the corpus on the model's grid (12: triplets kept)
    tunes = load_corpus(corpus, split, cache_dir=cache_dir, grid=grid)
    with_chords = _bits(model, tunes, True)
    without = _bits(model, tunes, False)
    base = load_model(baseline, device="cpu")
    result = {
        "model": model_name, "corpus": corpus, "split": split, "steps_per_quarter": grid,
        "with_chords": with_chords, "chords_withheld": without,
        "pitch_ratio": with_chords["pitch_bits_per_note"] / without["pitch_bits_per_note"],
        "baseline": {"model": baseline, **_bits(
            base, [t.on_grid(base.config.steps_per_quarter) for t in tunes], False)},
        "real_chord_tones": _share(chord_tone_beats(t.melody, t.chords, 0, t.melody.end)
                                   for t in tunes if t.chords),
    }
    if continuations:
        result["continuations"] = continuation_shares(model, tunes)
    return result


def format_chord_report(result: dict) -> str:
    """The report as a few lines of text."""
    rows = [("with chords", result["with_chords"]), ("chords withheld", result["chords_withheld"]),
            (f"{result['baseline']['model']} (no chords)", result["baseline"])]
    lines = [f"{result['model']} on {result['corpus']} {result['split']}: "
             f"{result['with_chords']['notes']} notes",
             f"{'':24}{'pitch bits/note':>16}{'total bits/note':>16}"]
    lines += [f"{name:24}{m['pitch_bits_per_note']:>16.3f}{m['total_bits_per_note']:>16.3f}" for name, m in rows]
    lines.append(f"pitch bits with / without chords: {result['pitch_ratio']:.3f}")
    lines.append(f"chord tones on beats, real tunes: {result['real_chord_tones']['share']:.1%}")
    shares = result.get("continuations")
    if shares:
        lines.append(
            f"continuations ({shares['tunes']} tunes x {shares['variations']}): chord tones on "
            f"{shares['given_chords']['share']:.1%} of beats over the given chords, "
            f"{shares['chords_withheld']['share']:.1%} with them withheld; the real "
            f"continuations {shares['real']['share']:.1%}")
    return "\n".join(lines)
