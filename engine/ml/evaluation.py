"""How well a model predicts melodies: bits per note, accuracies, and the n-gram baseline.

Definitions (``segue-cli evaluate`` prints these; :func:`score` gives them for one melody):

- A tune's token sequence starts at its first note (``EventEncoding.encode`` default origin),
  with bar positions from absolute grid steps. The first step is given, not scored.
- ``total_bits``: -log2 P(token) summed over every later step; ``total_bits_per_note`` divides
  by the number of note onsets after the first step (the onsets that were predicted).
- ``pitch_bits``: at each predicted onset, -log2(P(that pitch) / P(any note onset)): the pitch
  alone, comparable with IDyOM's figures. ``pitch_bits_per_note`` divides by the same count.
- ``bits_per_step``: total bits / scored steps.
- ``onset_accuracy``: at onset steps, how often the most likely token is the right note-on;
  ``hold_accuracy`` and ``rest_accuracy`` likewise at HOLD and REST steps.
- Tunes that do not fit the model's pitch range even after octave fitting are skipped and
  counted as ``skipped``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields

import numpy as np
import torch

from segue.engine.encoding import FIRST_PITCH_TOKEN, HOLD, REST, EventEncoding, fit_to_range
from segue.engine.melody import DEFAULT_STEPS_PER_QUARTER, Melody
from segue.engine.ml.chord_features import NO_CHORD_INDEX, chord_indices
from segue.engine.ml.model import Meter, SegueModel, meter_of, meter_tensor

LN2 = math.log(2)


@dataclass
class EncodedTune:
    """A tune ready for the model: tokens from its first note, and where they sit in the bar."""

    id: str
    tokens: np.ndarray  # int64 token per grid step, from the first note to the end
    offset: int  # absolute grid step of tokens[0]
    meter: Meter
    chords: np.ndarray | None = None  # chord index at each token's step (chord_features); None: none given


def encode_melody(melody: Melody, encoding: EventEncoding, tune_id: str = "", chords=None) -> EncodedTune:
    """Octave-fit and encode one melody (with its ``chords``, moved as it is, when given);
    ValueError if it cannot fit the range or is empty."""
    if not melody.notes:
        raise ValueError("the melody has no notes")
    fitted, shift = fit_to_range(melody, encoding)
    tokens = np.asarray(encoding.encode(fitted), dtype=np.int64)
    indices = None if chords is None else chord_indices(chords, fitted.start, len(tokens), shift)
    meter = meter_of(melody.time_signature, melody.steps_per_quarter)
    return EncodedTune(tune_id, tokens, fitted.start, meter, indices)


def encode_tunes(
    tunes: Iterable, encoding: EventEncoding, steps_per_quarter: int = DEFAULT_STEPS_PER_QUARTER,
    with_chords: bool = True,
):
    """(encoded tunes, skipped count) for corpus ``Tune``s, with their chords where they have
    some (and ``with_chords``); tunes that cannot fit are skipped."""
    encoded, skipped = [], 0
    for tune in tunes:
        melody = tune.melody
        if melody.steps_per_quarter != steps_per_quarter or len(melody.notes) < 1:
            skipped += 1
            continue
        chords = getattr(tune, "chords", ()) if with_chords else ()
        try:
            encoded.append(encode_melody(melody, encoding, tune.id, chords or None))
        except ValueError:
            skipped += 1
    return encoded, skipped


@dataclass
class Totals:
    """Sums over scored steps; add them up over tunes or processes, then :meth:`metrics`."""

    tunes: int = 0
    steps: int = 0
    notes: int = 0
    total_bits: float = 0.0
    pitch_bits: float = 0.0
    onset_correct: int = 0
    hold_correct: int = 0
    hold_steps: int = 0
    rest_correct: int = 0
    rest_steps: int = 0
    extra: dict = field(default_factory=dict)

    def add(self, other: Totals) -> Totals:
        for f in fields(self):
            if f.name != "extra":
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self

    def as_list(self) -> list[float]:
        return [float(getattr(self, f.name)) for f in fields(self) if f.name != "extra"]

    @classmethod
    def from_list(cls, values: Sequence[float]) -> Totals:
        names = [f for f in fields(cls) if f.name != "extra"]
        return cls(**{
            f.name: (int(round(v)) if f.type in ("int", int) else float(v)) for f, v in zip(names, values)
        })

    def metrics(self) -> dict:
        def ratio(a, b):
            return a / b if b else float("nan")

        return {
            "total_bits_per_note": ratio(self.total_bits, self.notes),
            "pitch_bits_per_note": ratio(self.pitch_bits, self.notes),
            "bits_per_step": ratio(self.total_bits, self.steps),
            "onset_accuracy": ratio(self.onset_correct, self.notes),
            "hold_accuracy": ratio(self.hold_correct, self.hold_steps),
            "rest_accuracy": ratio(self.rest_correct, self.rest_steps),
            "tunes": self.tunes,
            "notes": self.notes,
            "steps": self.steps,
            **self.extra,
        }


def accumulate(log_probs: torch.Tensor, targets: torch.Tensor, totals: Totals) -> Totals:
    """Add scored steps to ``totals``: ``log_probs`` (N, V) natural-log distributions of the
    steps, ``targets`` (N,) the tokens that came."""
    log_probs = log_probs.double()
    chosen = log_probs.gather(1, targets.unsqueeze(1)).squeeze(1)
    onset = targets >= FIRST_PITCH_TOKEN
    best = log_probs.argmax(1)
    totals.steps += int(targets.numel())
    totals.total_bits += float(-chosen.sum()) / LN2
    totals.notes += int(onset.sum())
    if bool(onset.any()):
        any_onset = torch.logsumexp(log_probs[onset][:, FIRST_PITCH_TOKEN:], dim=1)
        totals.pitch_bits += float(-(chosen[onset] - any_onset).sum()) / LN2
    correct = best == targets
    totals.onset_correct += int((correct & onset).sum())
    for token, name in ((HOLD, "hold"), (REST, "rest")):
        where = targets == token
        setattr(totals, f"{name}_steps", getattr(totals, f"{name}_steps") + int(where.sum()))
        setattr(totals, f"{name}_correct", getattr(totals, f"{name}_correct") + int((correct & where).sum()))
    return totals


def batches_by_length(tunes: Sequence[EncodedTune], max_steps: int = 16384):
    """Index lists of tunes of similar length, at most ``max_steps`` padded steps a batch."""
    order = sorted(range(len(tunes)), key=lambda i: len(tunes[i].tokens))
    batch: list[int] = []
    for i in order:
        longest = len(tunes[i].tokens)
        if batch and longest * (len(batch) + 1) > max_steps:
            yield batch
            batch = []
        batch.append(i)
    if batch:
        yield batch


def collate_chords(tunes: Sequence[EncodedTune], length: int, device=None) -> torch.Tensor | None:
    """(B, length) the chord index of the step each row predicts (row t: step t + 1), "no
    chord" in padding; None when no tune has chords."""
    if all(t.chords is None for t in tunes):
        return None
    chords = np.full((len(tunes), length), NO_CHORD_INDEX, dtype=np.int64)
    for row, tune in enumerate(tunes):
        if tune.chords is not None:
            chords[row, : len(tune.chords) - 1] = tune.chords[1:]
    return torch.from_numpy(chords).to(device)


def collate(tunes: Sequence[EncodedTune], device=None):
    """(tokens (B, T) padded with REST, lengths (B,), offsets (B,), meters (B, 3))."""
    lengths = [len(t.tokens) for t in tunes]
    tokens = np.full((len(tunes), max(lengths)), REST, dtype=np.int64)
    for row, tune in enumerate(tunes):
        tokens[row, : len(tune.tokens)] = tune.tokens
    return (
        torch.from_numpy(tokens).to(device),
        torch.tensor(lengths, device=device),
        torch.tensor([t.offset for t in tunes], device=device),
        meter_tensor([t.meter for t in tunes], device),
    )


def tune_log_probs(model: SegueModel, tunes: Sequence[EncodedTune], follow_seed: float = 0.0,
                   max_steps: int = 16384):
    """Yield ``(index, log_probs (T - 1, V), targets (T - 1,))`` for each tune (in batches of
    similar length, so not in order): row t predicts step t + 1. With ``follow_seed`` the rows
    mix the LSTM with a short-term model of the tune up to that step (:mod:`engine.ml.follow`)."""
    from segue.engine.ml.follow import follow_log_probs  # noqa: PLC0415

    model.eval()
    device = model.device
    with torch.inference_mode():
        for batch in batches_by_length(tunes, max_steps):
            chosen = [tunes[i] for i in batch]
            tokens, lengths, offsets, meters = collate(chosen, device)
            chords = collate_chords(chosen, tokens.shape[1], device)
            log_probs = torch.log_softmax(model(tokens, offsets, meters, chords=chords).float(), dim=-1)
            for row, index in enumerate(batch):
                length = len(tunes[index].tokens)
                rows = log_probs[row, : length - 1]
                if follow_seed:
                    rows = follow_log_probs(rows.double().cpu(), tunes[index].tokens,
                                            tunes[index].meter.steps_per_bar, follow_seed,
                                            first_step=tunes[index].offset,
                                            steps_per_quarter=model.config.steps_per_quarter)
                yield index, rows, tokens[row, 1:length].to(rows.device)


def score_encoded(model: SegueModel, tunes: Sequence[EncodedTune], max_steps: int = 16384,
                  follow_seed: float = 0.0) -> Totals:
    """Totals of the model over encoded tunes (the model is put in eval mode)."""
    totals = Totals()
    if follow_seed:  # tune by tune: each has its own short-term model
        for _, log_probs, targets in tune_log_probs(model, tunes, follow_seed, max_steps):
            accumulate(log_probs, targets, totals)
            totals.tunes += 1
        return totals
    model.eval()
    device = model.device
    with torch.inference_mode():
        for batch in batches_by_length(tunes, max_steps):
            chosen = [tunes[i] for i in batch]
            tokens, lengths, offsets, meters = collate(chosen, device)
            chords = collate_chords(chosen, tokens.shape[1], device)
            log_probs = torch.log_softmax(model(tokens, offsets, meters, chords=chords).float(), dim=-1)
            # Row t predicts step t + 1; steps beyond a tune's end are padding.
            steps = torch.arange(tokens.shape[1] - 1, device=device)
            scored = steps.unsqueeze(0) < (lengths - 1).unsqueeze(1)
            accumulate(log_probs[:, :-1][scored], tokens[:, 1:][scored], totals)
            totals.tunes += len(batch)
    return totals


EXPECTED_PITCHES = 3  # the most likely pitches reported with each note's surprise


def score(model: SegueModel, melody: Melody, follow_seed: float = 0.0, per_note: bool = False,
          *, chords=None) -> dict:
    """``total_bits``, ``pitch_bits``, ``notes``, ``steps`` of one melody, by the module's
    definitions; ValueError when the melody is empty or cannot fit the model's range.

    ``follow_seed`` (0-1) adds the short-term model, learnt online from the melody's earlier
    steps only. ``per_note`` adds, one entry per note in order (None for the first, which is
    given): ``note_bits`` (-log2 P(that note-on at that step)), ``note_pitch_bits`` (the pitch
    alone, given a note starts) and ``expected`` (the likeliest pitches and their probabilities
    given a note starts, in the melody's own pitches). ``chords`` (``Chord`` values on the
    melody's steps) are heard by a chord-aware model; others ignore them.
    """
    from segue.engine.ml.chord_features import given_chords  # noqa: PLC0415
    from segue.engine.ml.follow import check_strength  # noqa: PLC0415

    follow_seed = check_strength(follow_seed)
    if melody.steps_per_quarter != model.config.steps_per_quarter:
        raise ValueError(
            f"the model works on {model.config.steps_per_quarter} steps per quarter; "
            f"the melody uses {melody.steps_per_quarter}"
        )
    chords = given_chords(chords) if model.config.chord_dim else None
    tune = encode_melody(melody, model.encoding, chords=chords or None)
    if not per_note:
        totals = score_encoded(model, [tune], follow_seed=follow_seed)
        return {"total_bits": totals.total_bits, "pitch_bits": totals.pitch_bits,
                "notes": totals.notes, "steps": totals.steps}
    _, log_probs, targets = next(tune_log_probs(model, [tune], follow_seed))
    totals = accumulate(log_probs, targets, Totals(tunes=1))
    result = {"total_bits": totals.total_bits, "pitch_bits": totals.pitch_bits,
              "notes": totals.notes, "steps": totals.steps}
    _, shift = fit_to_range(melody, model.encoding)
    result.update(_per_note(log_probs.double(), targets, model.encoding.min_pitch - shift))
    return result


def _per_note(log_probs: torch.Tensor, targets: torch.Tensor, lowest: int) -> dict:
    """Per-note surprise lists (see :func:`score`); ``lowest`` is the melody pitch of the
    first note-on token. One batched pass over the onsets (the lane rescores after every edit)."""
    onset = (targets >= FIRST_PITCH_TOKEN).nonzero().squeeze(1)
    rows = log_probs[onset]
    chosen = rows.gather(1, targets[onset].unsqueeze(1)).squeeze(1)
    any_onset = torch.logsumexp(rows[:, FIRST_PITCH_TOKEN:], 1, keepdim=True)
    pitch_log = rows[:, FIRST_PITCH_TOKEN:] - any_onset
    top_log, top_index = pitch_log.topk(min(EXPECTED_PITCHES, pitch_log.shape[1]), dim=1)
    note_bits = (-chosen / LN2).tolist()
    pitch_bits = (-(chosen - any_onset.squeeze(1)) / LN2).tolist()
    top_pitches = (top_index + lowest).tolist()
    top_probs = top_log.exp().tolist()
    expected = [list(zip(pitches, probs)) for pitches, probs in zip(top_pitches, top_probs)]
    return {"note_bits": [None, *note_bits], "note_pitch_bits": [None, *pitch_bits],
            "expected": [None, *expected]}


def ngram_totals(ngram, tunes: Sequence[EncodedTune], order: int) -> Totals:
    """Totals of a fitted :class:`engine.ml.ngram.KneserNey` over encoded tunes."""
    return ngram_totals_by_order(ngram, tunes, [order])[order]


def ngram_totals_by_order(ngram, tunes: Sequence[EncodedTune], orders: Sequence[int]) -> dict:
    totals = {order: Totals(tunes=len(tunes)) for order in orders}
    for by_order, targets in ngram.log_prob_chunks([t.tokens for t in tunes], orders):
        target_tensor = torch.from_numpy(targets)
        for order in orders:
            accumulate(torch.from_numpy(by_order[order]), target_tensor, totals[order])
    return totals


def choose_ngram_order(ngram, validation: Sequence[EncodedTune]) -> tuple[int, dict]:
    """The order with the lowest validation bits per note, and each order's figure."""
    orders = list(range(1, ngram.max_order + 1))
    by_order = ngram_totals_by_order(ngram, validation, orders)
    figures = {order: t.metrics()["total_bits_per_note"] for order, t in by_order.items()}
    best = min(orders, key=lambda o: (figures[o] if not math.isnan(figures[o]) else math.inf, o))
    return best, figures


def evaluate(
    model: SegueModel,
    corpus: str,
    split: str = "test",
    *,
    cache_dir=None,
    baseline: bool = True,
    max_order: int = 20,
    tunes_by_split: dict | None = None,
    follow_seed: float = 0.0,
) -> dict:
    """Metrics of ``model`` on a corpus split, with the n-gram baseline's beside them.

    Returns ``{"model": metrics, "ngram": metrics (with "order"), "corpus", "split",
    "skipped"}``; with ``follow_seed`` also ``"model_following"``, the model following each tune
    (:mod:`engine.ml.follow`), and ``"follow_seed"``. ``tunes_by_split`` (split -> list of Tune) replaces loading the corpus.
    """
    from segue.engine.ml import ngram as ngram_module  # noqa: PLC0415
    from segue.engine.ml.follow import check_strength  # noqa: PLC0415

    follow_seed = check_strength(follow_seed)

    def tunes_of(name):
        if tunes_by_split is not None:
            return tunes_by_split[name]
        from segue.engine.corpus import load_corpus  # noqa: PLC0415

        # On the model's grid: a 12-step (triplet) model reads the corpus built with --grid 12.
        return load_corpus(corpus, name, cache_dir=cache_dir, grid=model.config.steps_per_quarter)

    spq = model.config.steps_per_quarter
    evaluated, skipped = encode_tunes(tunes_of(split), model.encoding, spq)
    if not evaluated:
        raise ValueError(f"corpus {corpus!r} has no usable tunes in its {split} split")
    result = {"corpus": corpus, "split": split, "skipped": skipped}
    result["model"] = score_encoded(model, evaluated).metrics()
    if follow_seed:
        result["model_following"] = score_encoded(model, evaluated, follow_seed=follow_seed).metrics()
        result["follow_seed"] = follow_seed
    if baseline:
        train, _ = encode_tunes(tunes_of("train"), model.encoding, spq)
        validation, _ = encode_tunes(tunes_of("validation"), model.encoding, spq)
        if not train or not validation:
            raise ValueError(f"corpus {corpus!r} needs train and validation tunes for the n-gram baseline")
        ngram = ngram_module.KneserNey.fit(
            [t.tokens for t in train], model.encoding.num_tokens, max_order=max_order
        )
        order, figures = choose_ngram_order(ngram, validation)
        metrics = ngram_totals(ngram, evaluated, order).metrics()
        metrics["order"] = order
        metrics["validation_bits_per_note_by_order"] = {str(k): v for k, v in figures.items()}
        result["ngram"] = metrics
    return result


METRIC_ROWS = (
    ("total_bits_per_note", "total bits/note", "{:.3f}"),
    ("pitch_bits_per_note", "pitch bits/note", "{:.3f}"),
    ("bits_per_step", "bits/step", "{:.4f}"),
    ("onset_accuracy", "onset accuracy", "{:.3f}"),
    ("hold_accuracy", "hold accuracy", "{:.3f}"),
    ("rest_accuracy", "rest accuracy", "{:.3f}"),
    ("tunes", "tunes", "{}"),
    ("notes", "notes", "{}"),
    ("steps", "steps", "{}"),
)


def format_report(result: dict) -> str:
    """The evaluation as a small table: the model beside the n-gram baseline."""
    ngram = result.get("ngram")
    following = result.get("model_following")
    header = f"{'':18}{'LSTM':>12}"
    if following:
        header += f"{'following':>12}"
    if ngram:
        header += f"{str(ngram['order']) + '-gram KN':>14}"
    lines = [f"corpus {result['corpus']}, split {result['split']} ({result['skipped']} tunes skipped)", header]
    def cell(value, fmt):  # no steps of a kind (a split without rests): nothing to show
        return "n/a" if isinstance(value, float) and math.isnan(value) else fmt.format(value)

    for key, label, fmt in METRIC_ROWS:
        line = f"{label:18}{cell(result['model'][key], fmt):>12}"
        if following:
            line += f"{cell(following[key], fmt):>12}"
        if ngram:
            line += f"{cell(ngram[key], fmt):>14}"
        lines.append(line)
    return "\n".join(lines)
