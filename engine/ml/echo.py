"""Echoing earlier bars: the part of following the seed that takes up a whole bar's shape.

Folk tunes answer a bar with an earlier bar's rhythm and intervals, often on another degree
(a sequence) or on the same notes (a repeat). The match model of :mod:`engine.ml.follow`
needs half a bar of exact repetition before it predicts anything, so a continuation that has
wandered off rarely finds its way back. This model starts at every bar line instead: each
earlier complete bar with a note is a hypothesis "this bar echoes that one". Every hypothesis
predicts the next step from its bar at the same place: a HOLD or a REST as the bar has it, the
bar's first note anywhere (:data:`FREE_NOTE`, the LSTM chooses the pitch; :data:`EXACT_SHARE`
of it on the bar's own pitch), and every later note at the bar's interval from the first. A
step a hypothesis did not predict ends it for the rest of the bar; the prediction is the
share of the surviving hypotheses predicting each token. It learns a step only after
predicting it, so scores stay honest.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from segue.engine.encoding import FIRST_PITCH_TOKEN

FREE_NOTE = -1  # "a note here, any pitch": the first note of an echoed bar
EXACT_SHARE = 0.5  # of a free first note, the share on the echoed bar's own pitch
MAX_SOURCES = 16  # the most recent bars an echo may take up


class BarEcho:
    """Hypotheses "this bar echoes an earlier bar" for one token sequence, learnt online.

    ``first_step`` is the grid step of the first token learnt (bars start at multiples of
    ``steps_per_bar``), so a sequence that starts mid-bar knows where its bar lines are.
    """

    def __init__(self, steps_per_bar: int, first_step: int = 0):
        self.bar = steps_per_bar
        self.history: list[int] = []
        self.step = first_step  # the grid step of the next token
        self._bar_starts: list[int] = []  # indices in history where a complete bar may start
        self._live: list[list[int]] = []  # [source bar's index in history, shift or None]

    def fork(self) -> BarEcho:
        child = BarEcho.__new__(BarEcho)
        child.bar, child.history, child.step = self.bar, list(self.history), self.step
        child._bar_starts = list(self._bar_starts)
        child._live = [list(h) for h in self._live]
        return child

    def prediction(self) -> list[tuple[int, float]] | None:
        """``[(token or FREE_NOTE, share), ...]`` for the next step; None without hypotheses."""
        if not self._live:
            return None
        share = 1.0 / len(self._live)
        at = self.step % self.bar
        found: dict[int, float] = {}
        for source, shift in self._live:
            token = self.history[source + at]
            if token >= FIRST_PITCH_TOKEN and shift is None:
                found[FREE_NOTE] = found.get(FREE_NOTE, 0.0) + share * (1 - EXACT_SHARE)
                found[token] = found.get(token, 0.0) + share * EXACT_SHARE
            else:
                token = token + shift if token >= FIRST_PITCH_TOKEN else token
                found[token] = found.get(token, 0.0) + share
        return list(found.items())

    def learn(self, token: int) -> None:
        token = int(token)
        at = self.step % self.bar
        survivors = []
        for hypothesis in self._live:
            source, shift = hypothesis
            expected = self.history[source + at]
            if expected < FIRST_PITCH_TOKEN:
                if token == expected:
                    survivors.append(hypothesis)
            elif token >= FIRST_PITCH_TOKEN:
                if shift is None:
                    hypothesis[1] = token - expected
                    survivors.append(hypothesis)
                elif token == expected + shift:
                    survivors.append(hypothesis)
        self._live = survivors
        if at == 0:
            self._bar_starts.append(len(self.history))
        self.history.append(token)
        self.step += 1
        if self.step % self.bar == 0:
            self._start_bar()

    def _start_bar(self) -> None:
        """A bar line: every recent complete bar with a note becomes a hypothesis."""
        history, bar = self.history, self.bar
        self._live = [
            [start, None] for start in self._bar_starts[-MAX_SOURCES:]
            if start + bar <= len(history)
            and any(t >= FIRST_PITCH_TOKEN for t in history[start:start + bar])
        ]

    def learn_all(self, tokens: Iterable[int]) -> BarEcho:
        for token in tokens:
            self.learn(token)
        return self


def echo_predictions(tokens: Sequence[int], steps_per_bar: int, first_step: int = 0,
                     primer: Sequence[int] = ()) -> list:
    """Row t: the echo's prediction of ``tokens[t + 1]`` having learnt ``primer`` (just before
    ``tokens``, which start at grid step ``first_step``) and ``tokens[: t + 1]``."""
    model = BarEcho(steps_per_bar, first_step - len(primer)).learn_all(primer)
    rows = []
    for t in range(max(0, len(tokens) - 1)):
        model.learn(tokens[t])
        rows.append(model.prediction())
    return rows


def echo_matrix(predictions: Sequence, vocab: int) -> tuple[np.ndarray, np.ndarray]:
    """``(shares (N, vocab), free (N,))``: the predictions as arrays; ``free`` is each row's
    share on "a note, any pitch"; tokens outside the vocabulary are left out."""
    shares = np.zeros((len(predictions), vocab))
    free = np.zeros(len(predictions))
    for row, found in enumerate(predictions):
        for token, share in found or ():
            if token == FREE_NOTE:
                free[row] += share
            elif 0 <= token < vocab:
                shares[row, token] += share
    return shares, free


__all__ = ["FREE_NOTE", "BarEcho", "echo_matrix", "echo_predictions"]
