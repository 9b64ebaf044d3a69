"""Following the seed: a short-term model of the piece itself, mixed with the LSTM.

The LSTM sees one and two bars back; folk tunes also come back to what they played four or
eight bars ago (AABB, call and answer). The short-term model here is a match model (as in PAQ
and LZ77 compressors): it finds the most recent earlier place where the last
:data:`MIN_MATCH` or more steps were played the same, and predicts that what followed then
follows now. How far to trust it depends on how long the match is, whether it lies a whole
number of bars back, and what it predicts (a HOLD, a REST, a note): :data:`CONFIDENCE` holds
the mixing weight for each case, fitted on the Essen validation split by :func:`fit_confidence`.
The prediction is ``(1 - c) * LSTM + c * [the matched token]`` with ``c`` that weight times
:func:`match_factor` of ``follow_seed`` (0-1). The model learns a token only after it has
been predicted, so scores stay honest predictions. Its lengths count steps of the 4-step grid
the weights were fitted on: on 12 steps per quarter a match waits for 24 steps, the same half
bar.

A match waits for half a bar of exact repetition, so on its own it rarely starts in a
continuation that has wandered off (Follow 0 and 1 then gave the same notes). The bar echoes of
:mod:`engine.ml.echo` start at every bar line: "this bar takes up an earlier bar's rhythm and
intervals, transposed or not", mixed in after the match at :func:`echo_weight`, which rises
with the square of the strength to :data:`ECHO_TOP` at 1. So the slider runs from the LSTM
alone (0, exactly as without following), through the strength that predicts tunes best (the
default, :data:`engine.ml.options.FOLLOW_SEED`: occasional echoes, as folk tunes have), to a
continuation that answers most bars with a seed bar (1), varied rather than copied whole.

Tried first, IDyOM's way (Pearce 2005): PPM (escape C, PPM* order choice, up to 24 steps)
over the same tokens, combined by an entropy-weighted geometric mean. On the folk model and
Essen validation tunes it cost bits at every setting (3.22 -> 3.39 total bits/note at best):
over grid steps a context seen once makes PPM sure, the entropy weights then trust it, and it
is wrong at every new phrase. A linear mix of it was at best 0.03 bits better.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import torch

from segue.engine.encoding import FIRST_PITCH_TOKEN, HOLD, REST
from segue.engine.melody import DEFAULT_STEPS_PER_QUARTER
from segue.engine.ml.echo import BarEcho, echo_matrix, echo_predictions
from segue.engine.ml.options import check_strength

# Lengths in steps of the default grid (4 per quarter), scaled on a finer one.
MIN_MATCH = 8  # steps that must agree before a match predicts anything
MAX_MATCH = 128  # longer matches count as this long
LENGTH_BUCKETS = (8, 12, 16, 24, 32, 48, 64, 96)  # match lengths below each bound share a weight
KINDS = 3  # what a match predicts: HOLD, REST, a note
MIN_CELL_STEPS = 200  # fitting leaves cells with fewer examples at 0 (no trust)
CELLS = (len(LENGTH_BUCKETS) + 1) * 2 * KINDS
ECHO_TOP = 0.95  # the bar echoes' mixing weight at the top of the slider
ECHO_POWER = 2.0  # how slowly it rises below the top
MATCH_FULL_AT = 0.5  # the strength from which the match model has its fitted confidence
# Mixing weight by [length bucket][bar-aligned][HOLD, REST, note]: folk model, Essen validation.
CONFIDENCE = np.array([
    [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
    [[0.05, 0.03, 0.04], [0.48, 0.13, 0.41]],
    [[0.02, 0.0, 0.08], [0.55, 0.0, 0.59]],
    [[0.25, 0.0, 0.34], [0.77, 0.49, 0.68]],
    [[0.15, 0.0, 0.0], [0.8, 0.0, 0.77]],
    [[0.32, 0.0, 0.0], [0.9, 0.0, 0.87]],
    [[0.0, 0.0, 0.0], [0.93, 0.0, 0.88]],
    [[0.0, 0.0, 0.0], [0.95, 0.0, 0.83]],
    [[0.0, 0.0, 0.0], [0.9, 0.0, 0.87]],
]).reshape(-1)


_CONFIDENCE_OR_NONE = np.append(CONFIDENCE, 0.0)  # cell -1 (no match) trusts it not at all


def _cell(length: int, aligned: bool, token: int) -> int:
    bucket = 0
    while bucket < len(LENGTH_BUCKETS) and length >= LENGTH_BUCKETS[bucket]:
        bucket += 1
    kind = 0 if token == HOLD else 1 if token == REST else 2
    return (bucket * 2 + aligned) * KINDS + kind


class MatchModel:
    """The most recent earlier match of the last steps, learnt online from one sequence."""

    def __init__(self, steps_per_bar: int, steps_per_quarter: int = DEFAULT_STEPS_PER_QUARTER):
        self.bar = steps_per_bar
        self.unit = steps_per_quarter / DEFAULT_STEPS_PER_QUARTER  # grid steps per fitted step
        self.min_match = max(1, round(MIN_MATCH * self.unit))
        self.max_match = max(self.min_match, round(MAX_MATCH * self.unit))
        self.history: list[int] = []
        self._index: dict[int, int] = {}  # hash of MIN_MATCH steps -> where what followed sits
        self._pointer: int | None = None  # the position of the predicted token in history
        self._length = 0

    def fork(self) -> MatchModel:
        child = MatchModel.__new__(MatchModel)
        child.bar, child.history, child._index = self.bar, list(self.history), dict(self._index)
        child.unit, child.min_match, child.max_match = self.unit, self.min_match, self.max_match
        child._pointer, child._length = self._pointer, self._length
        return child

    def prediction(self) -> tuple[int, int] | None:
        """``(token, cell of CONFIDENCE)`` for the next step, or None without a match."""
        if self._pointer is None:
            return None
        token = self.history[self._pointer]
        aligned = (len(self.history) - self._pointer) % self.bar == 0
        return token, _cell(int(self._length / self.unit), aligned, token)

    def learn(self, token: int) -> None:
        token = int(token)
        history = self.history
        if self._pointer is not None:
            if history[self._pointer] == token:
                self._pointer += 1
                self._length = min(self._length + 1, self.max_match)
            else:
                self._pointer = None
        history.append(token)
        n, shortest = len(history), self.min_match
        if n < shortest:
            return
        key = hash(tuple(history[n - shortest:]))
        if self._pointer is None:
            found = self._index.get(key)
            if found is not None:  # how far back the match goes
                length = shortest
                while length < self.max_match and found - 1 - length >= 0 and (
                        history[found - 1 - length] == history[n - 1 - length]):
                    length += 1
                self._pointer, self._length = found, length
        self._index[key] = n

    def learn_all(self, tokens: Iterable[int]) -> MatchModel:
        for token in tokens:
            self.learn(token)
        return self


def match_rows(tokens: Sequence[int], steps_per_bar: int, primer: Sequence[int] = (),
               steps_per_quarter: int = DEFAULT_STEPS_PER_QUARTER) -> np.ndarray:
    """(len(tokens) - 1, 2) int array: row t is the match model's ``(token, cell)`` before
    ``tokens[t + 1]`` having learnt ``primer`` and ``tokens[: t + 1]``; (-1, -1) without one."""
    model = MatchModel(steps_per_bar, steps_per_quarter).learn_all(primer)
    rows = np.full((max(0, len(tokens) - 1), 2), -1, dtype=np.int64)
    for t in range(len(rows)):
        model.learn(tokens[t])
        found = model.prediction()
        if found is not None:
            rows[t] = found
    return rows


def mix(long_log_probs: torch.Tensor, rows: np.ndarray, follow_seed: float) -> torch.Tensor:
    """Log-probabilities (N, V): the LSTM's rows mixed with the matches' predictions (rows of
    :func:`match_rows`). A token the LSTM rules out (HOLD after REST) stays impossible."""
    return _log_tensor(_match_mixed(np.exp(_numpy(long_log_probs)), rows, follow_seed), long_log_probs)


def match_factor(follow_seed: float) -> float:
    """What the match model's fitted confidence is multiplied by at a strength: all of it from
    :data:`MATCH_FULL_AT` up, where it predicts tunes best."""
    return min(1.0, follow_seed / MATCH_FULL_AT)


def echo_weight(follow_seed: float) -> float:
    """The echo's mixing weight at a strength: rising slowly at first (a little echo is what
    predicts tunes best), to :data:`ECHO_TOP` at 1, where most bars take up an earlier one."""
    return ECHO_TOP * follow_seed ** ECHO_POWER


def mix_echo(log_probs: torch.Tensor, predictions, follow_seed: float) -> torch.Tensor:
    """Log-probabilities (N, V) mixed with the echoes' predictions (:mod:`engine.ml.echo`) at
    :func:`echo_weight`; a free first note takes the pitches as ``log_probs`` has them. A token
    ``log_probs`` rules out stays impossible."""
    return _log_tensor(_echo_mixed(np.exp(_numpy(log_probs)), predictions, follow_seed), log_probs)


# The mixing is done on probabilities in float64 numpy arrays: a generation step mixes 8 rows,
# where numpy's few-microsecond ops cost a fraction of torch's, and scoring a tune mixes all
# its rows at once. Both leave the arrays they are given changed.

def _match_mixed(probs: np.ndarray, rows: np.ndarray, follow_seed: float) -> np.ndarray:
    """``probs`` (N, V) mixed with the matches of ``rows`` at ``follow_seed`` (see :func:`mix`)."""
    tokens = np.maximum(rows[:, 0], 0)
    weight = _CONFIDENCE_OR_NONE[rows[:, 1]] * follow_seed
    every = np.arange(len(probs))
    weight[probs[every, tokens] == 0] = 0.0
    probs *= (1 - weight)[:, None]
    probs[every, tokens] += weight  # (one token a row: no two additions meet)
    return probs


def _echo_mixed(probs: np.ndarray, predictions, follow_seed: float) -> np.ndarray:
    """``probs`` (N, V) mixed with the echoes' ``predictions`` (see :func:`mix_echo`)."""
    echo, free = echo_matrix(predictions, probs.shape[1])
    notes = probs[:, FIRST_PITCH_TOKEN:]
    note_share = notes / np.maximum(notes.sum(1, keepdims=True), 1e-300)
    echo[:, FIRST_PITCH_TOKEN:] += free[:, None] * note_share
    echo[probs == 0] = 0.0
    total = echo.sum(1, keepdims=True)
    weight = np.where(total > 0, echo_weight(follow_seed), 0.0)
    echo /= np.maximum(total, 1e-300)
    probs *= 1 - weight
    probs += echo * weight
    return probs


def _numpy(values: torch.Tensor) -> np.ndarray:
    """A float64 copy of ``values``."""
    return values.detach().cpu().numpy().astype(np.float64)


def _log_tensor(probs: np.ndarray, like: torch.Tensor) -> torch.Tensor:
    """The log of ``probs`` (float64, log 0 the -inf of an impossible token) as ``like`` is."""
    return torch.from_numpy(probs).log().to(like.device, like.dtype)


def follow_log_probs(long_log_probs: torch.Tensor, tokens: Sequence[int], steps_per_bar: int,
                     follow_seed: float, primer: Sequence[int] = (), first_step: int = 0,
                     steps_per_quarter: int = DEFAULT_STEPS_PER_QUARTER) -> torch.Tensor:
    """The LSTM's rows for a token sequence (row t predicts ``tokens[t + 1]``; ``tokens[0]``
    sits at grid step ``first_step``) mixed with a match model and bar echoes learnt from
    ``primer`` and the sequence up to each row's step."""
    rows = match_rows(tokens, steps_per_bar, primer, steps_per_quarter)
    probs = _match_mixed(np.exp(_numpy(long_log_probs)), rows, match_factor(follow_seed))
    echoes = echo_predictions(tokens, steps_per_bar, first_step, primer)
    return _log_tensor(_echo_mixed(probs, echoes, follow_seed), long_log_probs)


def fit_confidence(examples: Iterable[tuple[torch.Tensor, torch.Tensor, np.ndarray]]) -> np.ndarray:
    """The :data:`CONFIDENCE` that predicts ``examples`` best: for each cell, the weight in
    0-0.95 with the highest log-likelihood (0 for cells seen fewer than ``MIN_CELL_STEPS``
    times). Each example is an LSTM's rows (natural log), the targets and :func:`match_rows`
    of one tune."""
    grid = np.linspace(0.0, 0.95, 96)
    totals = np.zeros((CELLS, grid.size))
    seen = np.zeros(CELLS)
    for log_probs, targets, rows in examples:
        has = rows[:, 1] >= 0
        target = targets.cpu().numpy()[has]
        hit = (rows[has, 0] == target).astype(np.float64)
        long = log_probs.exp().cpu().numpy()[has, target]
        np.add.at(totals, rows[has, 1], np.log(grid * hit[:, None] + (1 - grid) * long[:, None]))
        np.add.at(seen, rows[has, 1], 1)
    return np.where(seen >= MIN_CELL_STEPS, grid[totals.argmax(1)], 0.0)


class SeedFollower:
    """Following the seed while generating ``batch`` sequences: one match model and one set of
    bar echoes per sequence, all learnt from the seed (whose first token sits at grid step
    ``first_step``), each going on to learn its own continuation."""

    def __init__(self, seed_tokens: Sequence[int], batch: int, steps_per_bar: int, follow_seed: float,
                 first_step: int = 0, steps_per_quarter: int = DEFAULT_STEPS_PER_QUARTER):
        self.follow_seed = check_strength(follow_seed)
        seeded = MatchModel(steps_per_bar, steps_per_quarter).learn_all(seed_tokens)
        self.models = [seeded.fork() for _ in range(batch)]
        echo = BarEcho(steps_per_bar, first_step).learn_all(seed_tokens)
        self.echoes = [echo.fork() for _ in range(batch)]
        self._rows = np.full((batch, 2), -1, dtype=np.int64)

    def adjust(self, logits: torch.Tensor) -> torch.Tensor:
        """The LSTM's logits (B, V) for the next step -> the mixed log-probabilities."""
        rows = self._rows
        rows.fill(-1)
        matched = False
        for row, model in enumerate(self.models):
            found = model.prediction()
            if found is not None:
                rows[row] = found
                matched = True
        echoes = [echo.prediction() for echo in self.echoes]
        echoed = echoes.count(None) < len(echoes)
        if not matched and not echoed:
            return logits
        values = _numpy(logits)
        probs = np.exp(values - values.max(1, keepdims=True))  # the softmax, in float64
        probs /= probs.sum(1, keepdims=True)
        if matched:
            probs = _match_mixed(probs, rows, match_factor(self.follow_seed))
        if echoed:
            probs = _echo_mixed(probs, echoes, self.follow_seed)
        return _log_tensor(probs, logits)

    def learn(self, tokens: Sequence[int]) -> None:
        for model, echo, token in zip(self.models, self.echoes, tokens):
            model.learn(token)
            echo.learn(token)

    def reorder(self, order: Sequence[int]) -> None:
        """Keep sequences ``order`` (beam search), as :meth:`engine.ml.stepper.Stepper.reorder`."""
        self.models = [self.models[i].fork() for i in order]
        self.echoes = [self.echoes[i].fork() for i in order]
