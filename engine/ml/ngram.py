"""Interpolated modified Kneser-Ney n-gram over event tokens: the baseline beside the LSTM.

Chen & Goodman (1998): each order's probability is the discounted count plus the leftover mass
times the next lower order; lower orders count distinct left contexts (continuation counts)
instead of occurrences, and there are three discounts per order (for counts 1, 2 and 3+).
The lowest order interpolates with the uniform distribution.

Like the LSTM, the model predicts every step of a sequence after its first, so contexts near
the start are padded with a begin symbol (an n-gram that begins with it keeps its raw count,
as it has no real left context). Step tokens repeat a lot (HOLD), so useful orders are high:
contexts and n-grams are identified by 64-bit hashes, which allows any order; with a few
million distinct n-grams a collision has a probability of about 1e-7. Fitting and scoring are
vectorised numpy.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

CHUNK_POSITIONS = 4096  # positions scored at once (memory: chunk x vocab x orders float64)
MAX_ORDER = 64
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_TARGET = np.uint64(0xD6E8FEB86659FD93)
_EMPTY = np.uint64(0x5DEECE66D)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a well-spread 64-bit hash (uint64 arithmetic wraps)."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _extend(context: np.ndarray, older_token: np.ndarray) -> np.ndarray:
    """The code of a context one token longer (the new token is the oldest)."""
    return _mix(context * _GOLDEN + older_token.astype(np.uint64) + np.uint64(1))


def _gram(context: np.ndarray, target) -> np.ndarray:
    """The code of an n-gram: its context's code and the token that follows."""
    return _mix(context ^ ((np.asarray(target).astype(np.uint64) + np.uint64(1)) * _TARGET))


@dataclass
class _Order:
    """Counts of one order k: n-grams of k tokens grouped by their contexts of k - 1 tokens."""

    gram_codes: np.ndarray  # sorted unique n-gram codes
    gram_counts: np.ndarray  # raw (top order) or continuation counts, float64
    context_codes: np.ndarray  # sorted unique context codes
    context_totals: np.ndarray  # sum of counts over the n-grams of each context
    context_gammas: np.ndarray  # leftover mass (D1 N1 + D2 N2 + D3 N3+) / total
    discounts: tuple[float, float, float]  # D1, D2, D3+


def _discounts(counts: np.ndarray) -> tuple[float, float, float]:
    """Chen & Goodman's estimates from the counts of counts, with fallbacks for tiny data."""
    n = [float(np.count_nonzero(counts == c)) for c in (1, 2, 3, 4)]
    if n[0] == 0 or n[1] == 0:
        return 0.5, 1.0, 1.5
    y = n[0] / (n[0] + 2 * n[1])
    d1 = 1 - 2 * y * n[1] / n[0]
    d2 = 2 - 3 * y * n[2] / n[1]
    d3 = 3 - 4 * y * n[3] / n[2] if n[2] else 1.5
    # Each discount stays within its count class (a discount of c would drop the n-gram).
    return (min(max(d1, 0.05), 0.95), min(max(d2, 0.05), 1.95), min(max(d3, 0.05), 2.95))


def _lookup(sorted_codes: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(slot, found) of each code in a sorted array."""
    slot = np.minimum(np.searchsorted(sorted_codes, codes), sorted_codes.size - 1)
    return slot, sorted_codes[slot] == codes


class _Positions:
    """Every predicted position of a set of sequences: the padded token stream, where each
    position sits in it, and the targets."""

    def __init__(self, sequences: Sequence[np.ndarray], vocab_size: int, pad: int):
        begin = vocab_size
        stream, where, start = [], [], 0
        for seq in sequences:
            seq = np.asarray(seq, dtype=np.int64)
            if seq.ndim != 1 or (seq.size and (seq.min() < 0 or seq.max() >= vocab_size)):
                raise ValueError(f"token sequences must hold tokens 0-{vocab_size - 1}")
            if seq.size < 2:  # nothing to predict
                continue
            stream += [np.full(pad, begin, dtype=np.int64), seq]
            where.append(np.arange(start + pad + 1, start + pad + seq.size))
            start += pad + seq.size
        self.stream = np.concatenate(stream) if stream else np.zeros(0, np.int64)
        self.where = np.concatenate(where) if where else np.zeros(0, np.int64)
        self.targets = self.stream[self.where]

    def contexts(self, begin: int, end: int, orders: int):
        """Context codes of lengths 0, 1, ... orders - 1 for positions [begin, end)."""
        where = self.where[begin:end]
        context = np.full(where.size, _EMPTY, dtype=np.uint64)
        yield context
        for length in range(1, orders):
            context = _extend(context, self.stream[where - length])
            yield context


class KneserNey:
    """An n-gram model up to ``max_order`` over tokens 0..vocab_size - 1."""

    def __init__(self, vocab_size: int, max_order: int):
        if isinstance(vocab_size, bool) or not isinstance(vocab_size, int) or vocab_size < 2:
            raise ValueError(f"vocabulary size must be an integer of at least 2, got {vocab_size!r}")
        if isinstance(max_order, bool) or not isinstance(max_order, int) or not 1 <= max_order <= MAX_ORDER:
            raise ValueError(f"n-gram order must be an integer from 1 to {MAX_ORDER}, got {max_order!r}")
        self.vocab_size = vocab_size
        self.begin = vocab_size  # the padding symbol before a sequence
        self.max_order = max_order
        self.orders: dict[int, _Order] = {}  # raw counts: each order as the highest one
        self.lower: dict[int, _Order] = {}  # continuation counts: each order backed off to

    @classmethod
    def fit(cls, sequences: Sequence[np.ndarray], vocab_size: int, max_order: int = 20) -> KneserNey:
        """Count every order up to ``max_order`` in the token sequences.

        Each order keeps its raw counts (used when it is the highest order asked for) and,
        below ``max_order``, its continuation counts (used when a higher order backs off to it),
        so every order from 1 to ``max_order`` is a proper Kneser-Ney model of its own.
        """
        model = cls(vocab_size, max_order)
        positions = _Positions(sequences, vocab_size, max_order - 1)
        targets = positions.targets
        if targets.size == 0:
            raise ValueError("the n-gram needs at least one sequence of two or more steps")
        contexts = positions.contexts(0, targets.size, max_order)
        context = next(contexts)
        gram = _gram(context, targets)
        for k in range(1, max_order + 1):
            codes, first, counts = np.unique(gram, return_index=True, return_counts=True)
            model.orders[k] = model._order(codes, counts.astype(np.float64), context[first])
            if k == max_order:
                break
            # Continuation count: the distinct n-grams one token longer that end in this one.
            longer_context = next(contexts)
            longer = _gram(longer_context, targets)
            _, longer_first = np.unique(longer, return_index=True)
            suffixes, distinct = np.unique(gram[longer_first], return_counts=True)
            slot, _ = _lookup(suffixes, codes)
            continuation = distinct[slot].astype(np.float64)
            if k > 1:  # an n-gram that begins with the padding symbol keeps its raw count
                oldest = positions.stream[positions.where[first] - (k - 1)]
                continuation = np.where(oldest == model.begin, counts, continuation)
            model.lower[k] = model._order(codes, continuation, context[first])
            context, gram = longer_context, longer
        return model

    def _order(self, codes: np.ndarray, counts: np.ndarray, contexts: np.ndarray) -> _Order:
        discounts = _discounts(counts)
        order = np.argsort(contexts, kind="stable")
        sorted_contexts, sorted_counts = contexts[order], counts[order]
        context_codes, first = np.unique(sorted_contexts, return_index=True)
        totals = np.add.reduceat(sorted_counts, first)
        which = np.minimum(sorted_counts, 3).astype(np.int64) - 1  # 0, 1, 2 for counts 1, 2, 3+
        leftover = np.add.reduceat(np.asarray(discounts)[which], first)
        return _Order(codes, counts, context_codes, totals, leftover / totals, discounts)

    # --- scoring ---------------------------------------------------------------------------

    @staticmethod
    def _interpolate(order: _Order, context: np.ndarray, grams: np.ndarray, lower: np.ndarray) -> np.ndarray:
        slot, seen = _lookup(order.context_codes, context)
        gram_slot, found = _lookup(order.gram_codes, grams)
        counts = np.where(found, order.gram_counts[gram_slot], 0.0)
        d1, d2, d3 = order.discounts
        discount = np.where(counts >= 3, d3, np.where(counts == 2, d2, np.where(counts == 1, d1, 0.0)))
        totals = np.where(seen, order.context_totals[slot], 1.0)[:, None]
        gammas = np.where(seen, order.context_gammas[slot], 1.0)[:, None]
        mixed = (counts - discount) / totals + gammas * lower
        return np.where(seen[:, None], mixed, lower)

    def _probabilities(self, contexts: Iterator[np.ndarray], orders: set[int]) -> dict[int, np.ndarray]:
        """(N, V) probabilities at positions with the given context codes (shortest first),
        for each order asked for as the highest order."""
        vocab = np.arange(self.vocab_size, dtype=np.uint64)
        lower = None
        result = {}
        highest = max(orders)
        for k in range(1, highest + 1):
            context = next(contexts)
            if lower is None:
                lower = np.full((context.size, self.vocab_size), 1.0 / self.vocab_size)
            grams = _gram(context[:, None], vocab[None, :])
            if k in orders:
                result[k] = self._interpolate(self.orders[k], context, grams, lower)
            if k < highest:
                lower = self._interpolate(self.lower[k], context, grams, lower)
        return result

    def log_prob_chunks(
        self, sequences: Sequence[np.ndarray], orders: Sequence[int]
    ) -> Iterator[tuple[dict[int, np.ndarray], np.ndarray]]:
        """Yield ({order: (N, V) natural-log probabilities}, targets (N,)) over every step of
        every sequence after its first, a chunk at a time."""
        orders = set(orders)
        if not orders or min(orders) < 1 or max(orders) > self.max_order:
            raise ValueError(f"orders must be within 1-{self.max_order}, got {sorted(orders)}")
        positions = _Positions(sequences, self.vocab_size, self.max_order - 1)
        for begin in range(0, positions.targets.size, CHUNK_POSITIONS):
            end = begin + CHUNK_POSITIONS
            probs = self._probabilities(positions.contexts(begin, end, max(orders)), orders)
            yield {k: np.log(p) for k, p in probs.items()}, positions.targets[begin:end]

    def probabilities(self, context: Sequence[int], order: int | None = None) -> np.ndarray:
        """The (V,) distribution of the next token after ``context`` (a token list; the
        sequence start is implied before it)."""
        order = order or self.max_order
        padded = [self.begin] * (self.max_order - 1) + [int(t) for t in context]

        def contexts():
            code = np.full(1, _EMPTY, dtype=np.uint64)
            yield code
            for length in range(1, order):
                code = _extend(code, np.array([padded[-length]]))
                yield code

        return self._probabilities(contexts(), {order})[order][0]
