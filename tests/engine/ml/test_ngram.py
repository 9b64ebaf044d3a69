"""The Kneser-Ney baseline: matches a plain reference implementation, sums to one."""

import random
from collections import Counter

import numpy as np
import pytest

from segue.engine.ml.ngram import KneserNey, _discounts


def reference_probability(sequences, vocab, order, context, token):
    """Interpolated modified Kneser-Ney written the slow, obvious way (dicts of tuples)."""
    begin = vocab
    raw = {k: Counter() for k in range(1, order + 1)}
    for seq in sequences:
        padded = [begin] * (order - 1) + list(seq)
        for i in range(order, len(padded)):
            for k in range(1, order + 1):
                raw[k][tuple(padded[i - k + 1:i + 1])] += 1
    counts = {order: dict(raw[order])}
    for k in range(1, order):
        continuation = Counter(gram[1:] for gram in raw[k + 1])
        counts[k] = {g: (c if g[0] == begin else continuation[g]) for g, c in raw[k].items()}
    discounts = {k: _discounts(np.array(list(counts[k].values()), dtype=float)) for k in counts}

    def discount(k, c):
        return 0.0 if c == 0 else discounts[k][min(c, 3) - 1]

    padded_context = [begin] * (order - 1) + list(context)

    def prob(k):
        if k == 0:
            return 1.0 / vocab
        history = tuple(padded_context[len(padded_context) - (k - 1):]) if k > 1 else ()
        grams = {x: counts[k].get(history + (x,), 0) for x in range(vocab)}
        total = sum(grams.values())
        lower = prob(k - 1)
        if total == 0:
            return lower
        gamma = sum(discount(k, c) for c in grams.values()) / total
        c = grams[token]
        return (c - discount(k, c)) / total + gamma * lower

    return prob(order)


def toy_corpus(seed=0, count=30, vocab=6):
    rng = random.Random(seed)
    sequences = []
    for _ in range(count):
        seq = [rng.randrange(vocab)]
        for _ in range(rng.randrange(2, 25)):
            seq.append((seq[-1] + rng.choice([1, 1, 2, 0])) % vocab if rng.random() < 0.8 else rng.randrange(vocab))
        sequences.append(np.array(seq))
    return sequences


@pytest.mark.parametrize("order", [1, 2, 3, 4, 12])
def test_matches_the_reference_implementation(order):
    sequences = toy_corpus()
    model = KneserNey.fit(sequences, 6, max_order=order)
    rng = random.Random(1)
    contexts = [[], [0], [3, 4], [5, 5, 5], [1, 2, 3, 4]] + [
        [rng.randrange(6) for _ in range(rng.randrange(0, 5))] for _ in range(10)
    ]
    for context in contexts:
        ours = model.probabilities(context, order)
        expected = [reference_probability(sequences, 6, order, context, t) for t in range(6)]
        assert ours == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_each_order_of_a_higher_model_is_a_proper_model_of_its_own():
    sequences = toy_corpus(4)
    model = KneserNey.fit(sequences, 6, max_order=7)
    for order in (2, 3, 5):
        for context in ([], [2], [0, 1, 2, 3]):
            expected = [reference_probability(sequences, 6, order, context, t) for t in range(6)]
            assert model.probabilities(context, order) == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_every_distribution_sums_to_one_for_every_order():
    sequences = toy_corpus(2, vocab=6)
    model = KneserNey.fit(sequences, 6, max_order=5)
    test = toy_corpus(3, count=5, vocab=6)
    for by_order, targets in model.log_prob_chunks(test, range(1, 6)):
        for log_probs in by_order.values():
            assert np.exp(log_probs).sum(1) == pytest.approx(np.ones(len(targets)))
            assert np.all(np.exp(log_probs) > 0)


def test_a_higher_order_learns_a_repeating_pattern():
    pattern = [0, 1, 1, 2, 1, 1] * 20
    model = KneserNey.fit([np.array(pattern)] * 5, 3, max_order=4)
    [(by_order, targets)] = list(model.log_prob_chunks([np.array(pattern)], [1, 4]))
    bits = {k: -by_order[k][np.arange(len(targets)), targets].mean() for k in (1, 4)}
    assert bits[4] < 0.2 < bits[1]


def test_scores_cover_every_step_after_the_first():
    model = KneserNey.fit(toy_corpus(), 6, max_order=3)
    sequences = [np.array([1, 2, 3]), np.array([4]), np.array([0, 0])]
    chunks = list(model.log_prob_chunks(sequences, [3]))
    targets = np.concatenate([t for _, t in chunks])
    assert targets.tolist() == [2, 3, 0]


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="order"):
        KneserNey(63, 65)
    with pytest.raises(ValueError, match="tokens 0-5"):
        KneserNey.fit([np.array([0, 6])], 6, 2)
    with pytest.raises(ValueError, match="at least one sequence"):
        KneserNey.fit([np.array([1])], 6, 2)
    model = KneserNey.fit(toy_corpus(), 6, 2)
    with pytest.raises(ValueError, match="orders"):
        list(model.log_prob_chunks(toy_corpus(), [3]))
