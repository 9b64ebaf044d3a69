import itertools
import json

import numpy as np
import pytest

from segue.engine import harmony_beats as hb
from segue.engine import harmony_hmm as hh
from segue.engine.chords import Chord
from segue.engine.melody import Melody, Note

TONIC_BAR = (60, 64, 67, 64)  # C E G E under C
DOMINANT_BAR = (67, 71, 74, 71)  # G B D B under G


def tune(bars):
    """4/4 in C major, quarter notes; ``bars`` of "I" or "V" with their chords."""
    notes, chords = [], []
    for i, bar in enumerate(bars):
        pitches = TONIC_BAR if bar == "I" else DOMINANT_BAR
        notes += [Note(p, 16 * i + 4 * j, 4) for j, p in enumerate(pitches)]
        chords.append(Chord(16 * i, 16, "C" if bar == "I" else "G"))
    return Melody(notes, key="C major"), chords


def examples(tunes):
    found = []
    for melody, chords in tunes:
        key = hb.key_of(melody)
        found.append((hb.beat_features(melody, key), hb.beat_labels(melody, chords, key)))
    return found


TONIC, DOMINANT = 1, 1 + 7 * len(hb.KINDS)


def test_the_hmm_learns_tonic_and_dominant():
    hmm = hh.count_hmm(examples([tune("IVIV"), tune("IIVI"), tune("IVVI")]))
    melody, _ = tune("IVVIIV")
    features = hb.beat_features(melody, hb.key_of(melody))
    expected = [c for bar in "IVVIIV" for c in [TONIC if bar == "I" else DOMINANT] * 4]
    assert hh.viterbi(*hmm.chain(features)).tolist() == expected
    # beat by beat, a G (in both chords) is a guess; the chain knows it from its bar
    unambiguous = [i for i, note in enumerate(melody.notes) if note.pitch != 67]
    assert [hmm.naive_bayes(features)[i] for i in unambiguous] == [expected[i] for i in unambiguous]
    assert hmm.most_frequent(features).tolist() == [TONIC] * len(expected)


def test_the_hmm_changes_chords_on_downbeats():
    hmm = hh.count_hmm(examples([tune("IVIV"), tune("VIVI")]), smoothing=0.01)
    features = hb.beat_features(tune("IV")[0], (0, "major"))
    scores, prior, transitions, downbeats = hmm.chain(features)
    assert downbeats.tolist() == [True, False, False, False] * 2
    # changing I -> V is likely into a downbeat, unlikely inside a bar
    assert transitions[1, TONIC, DOMINANT] > transitions[0, TONIC, DOMINANT] + 2


def random_chain(seed, beats=4, classes=3):
    rng = np.random.default_rng(seed)
    transitions = np.log(rng.dirichlet(np.ones(classes), size=(2, classes)))
    return (rng.normal(size=(beats, classes)), np.log(rng.dirichlet(np.ones(classes))),
            transitions, rng.random(beats) < 0.5)


def path_scores(scores, prior, transitions, downbeats):
    """Every path's log score, by brute force."""
    found = {}
    for path in itertools.product(range(scores.shape[1]), repeat=len(scores)):
        total = prior[path[0]] + scores[0, path[0]]
        for t in range(1, len(path)):
            total += transitions[int(downbeats[t]), path[t - 1], path[t]] + scores[t, path[t]]
        found[path] = total
    return found


@pytest.mark.parametrize("seed", range(5))
def test_decoding_matches_brute_force(seed):
    chain = random_chain(seed)
    paths = path_scores(*chain)
    assert tuple(hh.viterbi(*chain).tolist()) == max(paths, key=paths.get)
    weights = np.exp(np.array(list(paths.values())))
    weights /= weights.sum()
    expected = np.zeros(chain[0].shape)
    for (path, _), w in zip(paths.items(), weights):
        expected[np.arange(len(path)), path] += w
    assert np.allclose(hh.posteriors(*chain), expected)


def test_sampling_follows_the_chain_and_repeats_for_a_seed():
    chain = random_chain(7, beats=3)
    paths = path_scores(*chain)
    draws = [tuple(hh.sample(*chain, np.random.default_rng(i)).tolist()) for i in range(3000)]
    assert draws[:20] == [tuple(hh.sample(*chain, np.random.default_rng(i)).tolist())
                          for i in range(20)]
    total = np.logaddexp.reduce(list(paths.values()))
    best = max(paths, key=paths.get)
    assert draws.count(best) / len(draws) == pytest.approx(np.exp(paths[best] - total), abs=0.03)


def test_json_round_trip_and_refusals():
    hmm = hh.count_hmm(examples([tune("IVIV")]))
    again = hh.ChordHmm.from_json(json.loads(json.dumps(hmm.to_json())))
    features = hb.beat_features(tune("IV")[0], (0, "major"))
    assert np.allclose(again.chain(features)[0], hmm.chain(features)[0], atol=1e-2)
    data = hmm.to_json()
    for broken, message in [
        ({**data, "format": "x"}, "not a chord HMM"),
        ({**data, "classes": 12}, "classes"),
        ({**data, "transitions": [[1.0]]}, "transitions must be"),
        ({**data, "histogram": "many"}, "histogram"),
        ({**data, "smoothing": 0}, "smoothing"),
    ]:
        with pytest.raises(ValueError, match=message):
            hh.ChordHmm.from_json(broken)
    negative = np.array(data["first"])
    negative[0, 0] = -1
    with pytest.raises(ValueError, match="first must be"):
        hh.ChordHmm.from_json({**data, "first": negative.tolist()})
