"""Which pitches a continuation may use: the pitch range, and a key lock that stays musical.

:func:`allowed_pitch_bias` is the hard mask (0 or -inf per token). :class:`ScaleFold` is how a
key lock applies it: a pitch outside the scale hands its probability to its in-scale neighbours
(half to the nearest below, half to the nearest above; all to the other one when one of them is
the note just played) instead of to every token.
Why: the plain mask renormalises, so a chromatic note the model wanted became partly a HOLD or
a REST; locked continuations then had fewer, longer notes and fewer distinct pitches than free
ones. Folding keeps the note the model meant to play, moved onto the scale, as a musician
correcting a wrong note would.
"""

from __future__ import annotations

import torch

from segue.engine import keys
from segue.engine.encoding import FIRST_PITCH_TOKEN
from segue.engine.ml.model import SegueModel
from segue.engine.ml.options import check_pitch_range

NEIGHBOUR_REACH = 2  # semitones: how far a folded pitch looks for an in-scale neighbour


def pitch_bounds(pitch_range) -> tuple[int, int]:
    """``(low, high)`` of a pitch range given as two MIDI pitches, or 0-127 for ``None``."""
    return check_pitch_range(pitch_range) or (0, 127)


def _allowed_pitches(model: SegueModel, shift: int, key: str | None, pitch_range) -> set[int]:
    """The model's pitches (after ``shift``) that are in range and, with a key, in its scale."""
    encoding = model.encoding
    low, high = pitch_bounds(pitch_range)
    scale = keys.scale_pitch_classes(key) if key else None
    return {pitch for pitch in range(encoding.min_pitch, encoding.max_pitch + 1)
            if low <= pitch - shift <= high and (scale is None or (pitch - shift) % 12 in scale)}


def allowed_pitch_bias(model: SegueModel, shift: int, key: str | None, pitch_range) -> torch.Tensor:
    """(V,) additive mask: 0 for allowed tokens, -inf for forbidden pitch tokens.

    ``shift`` is how far the seed was transposed into the model's range; key and pitch range
    are in the continuation's own pitches.
    """
    encoding = model.encoding
    allowed = _allowed_pitches(model, shift, key, pitch_range)
    if not allowed:
        low, high = pitch_bounds(pitch_range)
        where = f" in {key}" if key else ""
        raise ValueError(
            f"no pitch is allowed{where} within {low}-{high} and the model's range "
            f"{encoding.min_pitch - shift}-{encoding.max_pitch - shift} around this seed"
        )
    return _bias(model, allowed)


def _bias(model: SegueModel, allowed: set[int]) -> torch.Tensor:
    encoding = model.encoding
    bias = torch.zeros(encoding.num_tokens)
    for pitch in range(encoding.min_pitch, encoding.max_pitch + 1):
        if pitch not in allowed:
            bias[encoding.pitch_to_token(pitch)] = float("-inf")
    return bias.to(model.device)


class ScaleFold:
    """Maps scores (unnormalised log-probabilities over tokens) to log-probabilities in which
    every pitch outside the key's scale has handed its probability to its in-scale neighbours.

    Pitches that the range forbids are not folded: they stay impossible, as with the plain mask.
    """

    def __init__(self, model: SegueModel, shift: int, key: str, pitch_range) -> None:
        encoding = model.encoding
        self.mask = allowed_pitch_bias(model, shift, key, pitch_range)  # refuses an empty scale
        in_range = _allowed_pitches(model, shift, None, pitch_range)
        in_scale = _allowed_pitches(model, shift, key, pitch_range)
        self.range_mask = _bias(model, in_range)
        sources, lower, upper = [], [], []
        for pitch in sorted(in_range - in_scale):
            below = next((p for p in range(pitch - 1, pitch - 1 - NEIGHBOUR_REACH, -1) if p in in_scale), None)
            above = next((p for p in range(pitch + 1, pitch + 1 + NEIGHBOUR_REACH) if p in in_scale), None)
            sources.append(encoding.pitch_to_token(pitch))
            # No neighbour: the share goes back to the source itself, to be dropped there.
            lower.append(sources[-1] if below is None else encoding.pitch_to_token(below))
            upper.append(sources[-1] if above is None else encoding.pitch_to_token(above))
        # The share each source gives to its lower neighbour, by the token played last (row
        # ``last + 1``; row 0: none yet): half, except that the note just played gets none.
        shares = torch.full((encoding.num_tokens + 1, len(sources)), 0.5)
        for i, (source, below, above) in enumerate(zip(sources, lower, upper)):
            if below == source or above == source:  # one neighbour: it takes everything
                shares[:, i] = 0.0 if below == source else 1.0
                continue
            shares[below + 1, i] = 0.0
            shares[above + 1, i] = 1.0
        device = model.device
        self.sources = torch.tensor(sources, dtype=torch.long, device=device)
        self.lower = torch.tensor(lower, dtype=torch.long, device=device)
        self.upper = torch.tensor(upper, dtype=torch.long, device=device)
        self.shares = shares.to(device)
        self.last: torch.Tensor | None = None  # per row, the pitch token played last

    def follow_played(self, tokens: list[int], batch: int) -> None:
        """Track the note each row played last, starting from the seed's ``tokens``: a folded
        note then moves away from it rather than onto it."""
        last = next((t for t in reversed(tokens) if t >= FIRST_PITCH_TOKEN), -1)
        self.last = torch.full((batch,), last, dtype=torch.long, device=self.sources.device)

    def played(self, chosen: torch.Tensor) -> None:
        if self.last is not None:
            self.last = torch.where(chosen >= FIRST_PITCH_TOKEN, chosen, self.last)

    def __call__(self, scores: torch.Tensor) -> torch.Tensor:
        probs = torch.softmax(scores + self.range_mask, dim=-1)
        if len(self.sources):  # (index_select and index_fill_: advanced indexing costs more)
            sources = self.sources
            moved = probs.index_select(-1, sources)
            # Evenly, or away from the note just played (the model wanted to move, and a fold
            # onto that note would make the move a repeat). Shared as the model weighs the two
            # neighbours gave more repeats and fewer distinct pitches (bench/key_lock.py).
            share = self.shares[0] if self.last is None else self.shares.index_select(0, self.last + 1)
            down = moved * share
            probs.index_fill_(-1, sources, 0.0)
            probs.index_add_(-1, self.lower, down)
            probs.index_add_(-1, self.upper, moved - down)
            probs.index_fill_(-1, sources, 0.0)  # what had no neighbour came back here: dropped
        # Renormalised for mass that had no neighbour; a step with nothing left is all -inf,
        # which the draw reads as the first token (a rest).
        return torch.log(probs / probs.sum(-1, keepdim=True).clamp(min=1e-30)) + self.mask
