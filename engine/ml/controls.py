"""Turning one step's logits into a draw: masks, temperature, rest weighting, top-p, and the
seeded Gumbel-max draw (the order and meaning of the controls: :mod:`engine.ml.sampling`)."""

from __future__ import annotations

import math

import torch

from segue.engine.encoding import HOLD, REST
from segue.engine.ml.options import DEFAULT_TARGET_ENTROPY

GREEDY_TEMPERATURE = 1e-3
ADAPTIVE_BOUNDS = (0.5, 2.0)  # the adaptive factor on the temperature stays within these
# Above 1 the rest weight is an exponent: each further 1 multiplies rests' odds by this much.
# Twice the odds (the old top) left about 7% silence, one in fourteen steps, barely more than
# the model's 5%; 64 leaves about 56% (folk, its openings), "mostly rests".
REST_FACTOR_PER_UNIT = 64.0


def _entropy_bits(logits: torch.Tensor) -> torch.Tensor:
    log_p = torch.log_softmax(logits, dim=-1)
    return -(log_p.exp() * log_p.nan_to_num(0.0, neginf=0.0)).sum(-1) / math.log(2)


def _top_p_log(scores: torch.Tensor, top_p: float) -> torch.Tensor:
    """Log-probabilities restricted to the smallest set of most likely tokens whose
    probability reaches ``top_p`` (the rest get -inf)."""
    log_probs = torch.log_softmax(scores, dim=-1)
    sorted_log, order = log_probs.sort(dim=-1, descending=True)
    probs = sorted_log.exp()
    before = probs.cumsum(-1) - probs  # the mass of the tokens ranked above
    sorted_log = sorted_log.masked_fill(before >= top_p, float("-inf"))
    return torch.full_like(log_probs, float("-inf")).scatter_(-1, order, sorted_log)


def rest_log_factor(rest_weight: float) -> float:
    """The natural log of what a rest's probability is multiplied by: ``rest_weight`` itself
    from 0 (-inf: no rests) to 1; above 1, ``REST_FACTOR_PER_UNIT ** (rest_weight - 1)``, so
    the top of the range is mostly silence, not the 7% that doubling gave."""
    if rest_weight <= 0:
        return float("-inf")
    if rest_weight <= 1:
        return math.log(rest_weight)
    return (rest_weight - 1) * math.log(REST_FACTOR_PER_UNIT)


class Controls:
    """Turns one step's logits into scores whose softmax is the distribution to draw from.

    Draws use the Gumbel-max trick (argmax of scores + Gumbel noise), with the noise made in
    blocks from the seeded generator: the same draws as sampling, fewer ops per step.
    """

    NOISE_BLOCK = 256

    def __init__(self, bias, temperature, rest_weight, top_p, adaptive_temperature, steps, fold=None,
                 grid_lock=None):
        # Noise is made for at most the draws still to come (under a grid lock, only its steps).
        self.steps_left = steps if grid_lock is None else grid_lock.draws(steps)
        self.fold = fold  # a key lock's ScaleFold; its scale is then not in ``bias``
        # A note grid coarser than the model's (engine.ml.grid_lock): applied last, over all.
        self.grid_lock = grid_lock
        rest_bias = torch.zeros_like(bias)
        rest_bias[REST] = rest_log_factor(rest_weight)
        # Masks are 0 or -inf, so they can be added after the temperature division too.
        self.bias = bias + rest_bias
        self.first_bias = self.bias.clone()
        self.first_bias[HOLD] = float("-inf")
        self.temperature = float(temperature)
        self.greedy = self.temperature <= GREEDY_TEMPERATURE
        self.top_p = None if top_p is None or top_p >= 1 else float(top_p)
        if adaptive_temperature is True:
            adaptive_temperature = DEFAULT_TARGET_ENTROPY
        self.target_entropy = float(adaptive_temperature) if adaptive_temperature else None
        self._noise: list[torch.Tensor] = []  # the rows of noise still to use
        # Drawing needs nothing per step but noise + bias + logits / temperature: the noise
        # rows are made with the bias added (_noise_row), so a step is one add and an argmax.
        self._plain = not self.greedy and self.target_entropy is None and self.top_p is None and fold is None
        self._inverse_temperature = 1.0 / self.temperature if not self.greedy else 1.0

    def scores(self, logits: torch.Tensor, first: bool) -> torch.Tensor:
        """Masked, tempered, rest-weighted scores (unnormalised log-probabilities)."""
        bias = self.first_bias if first else self.bias
        temperature = 1.0 if self.greedy else self.temperature
        if self.target_entropy is not None and not self.greedy:
            entropy = _entropy_bits(torch.add(bias, logits, alpha=1.0 / temperature)).clamp(min=1e-3)
            factor = (self.target_entropy / entropy).clamp(*ADAPTIVE_BOUNDS)
            scores = logits / (temperature * factor).unsqueeze(-1) + bias
        else:
            scores = torch.add(bias, logits, alpha=1.0 / temperature)
        if self.fold is not None:
            scores = self.fold(scores)
        return scores if self.grid_lock is None else self.grid_lock(scores)

    def log_probs(self, logits: torch.Tensor, first: bool) -> torch.Tensor:
        return torch.log_softmax(self.scores(logits, first), dim=-1)

    def draw(self, logits: torch.Tensor, first: bool, generator: torch.Generator) -> list[int]:
        if self._plain:
            # The common case in one op: the noise rows already hold the masks and rest weight.
            noise = self._noise_row(logits, generator, self.bias)
            scores = torch.add(noise, logits, alpha=self._inverse_temperature)
            if first:
                scores.select(1, HOLD).fill_(float("-inf"))
            if self.grid_lock is not None and not self.grid_lock.on_grid:
                scores = self.grid_lock(scores)
            return self._played(scores)
        scores = self.scores(logits, first)
        if self.greedy:
            return self._played(scores)
        if self.top_p is not None:
            scores = _top_p_log(scores, self.top_p)
        scores += self._noise_row(scores, generator)
        return self._played(scores)

    def _noise_row(self, like: torch.Tensor, generator: torch.Generator, bias=None) -> torch.Tensor:
        """The next step's Gumbel noise -log(-log(U)), shaped as ``like``, plus ``bias`` when
        given (the block of rows is made with the first one asked for). U is never 0 in
        practice, clamped to be sure."""
        if not self._noise:
            rows = max(1, min(self.NOISE_BLOCK, self.steps_left))
            self.steps_left -= rows
            uniform = torch.rand((rows, *like.shape), device=like.device, generator=generator)
            noise = uniform.clamp_(min=1e-20).log_().neg_().log_().neg_()
            if bias is not None:
                noise += bias
            self._noise = list(noise.unbind(0))[::-1]  # one row a step, last first (popped)
        return self._noise.pop()

    def played(self, chosen: list[int]) -> None:
        """Take in the tokens drawn (beam search: each row's new token, after the reorder)."""
        if self.grid_lock is not None:
            self.grid_lock.played(chosen)

    def _played(self, scores: torch.Tensor) -> list[int]:
        """The best-scoring token of each row (the first of equals, or of NaNs, in torch and
        numpy alike)."""
        if self.fold is None and scores.device.type == "cpu":
            chosen = scores.numpy().argmax(-1).tolist()  # numpy's argmax: faster at this size
        else:
            chosen = scores.argmax(-1)
            if self.fold is not None:
                self.fold.played(chosen)
            chosen = chosen.tolist()
        if self.grid_lock is not None:
            self.grid_lock.played(chosen)
        return chosen
