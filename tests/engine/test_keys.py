"""Key names, scales and key finding."""

import pytest

from segue.engine import keys


@pytest.mark.parametrize(
    "name, expected",
    [("C major", (0, "major")), ("F# minor", (6, "minor")), ("Bb", (10, "major")),
     ("eb minor", (3, "minor")), ("B# major", (0, "major")), ("Cb major", (11, "major"))],
)
def test_parse_key(name, expected):
    assert keys.parse_key(name) == expected


@pytest.mark.parametrize("name", ["", "X major", "C lydian", "C major now", None])
def test_parse_key_refuses(name):
    with pytest.raises(ValueError):
        keys.parse_key(name)


def test_scales():
    assert keys.scale_pitch_classes("C major") == {0, 2, 4, 5, 7, 9, 11}
    assert keys.scale_pitch_classes("A minor") == {9, 11, 0, 2, 4, 5, 7}
    assert keys.scale_pitch_classes("D major") == {2, 4, 6, 7, 9, 11, 1}


def test_all_keys_round_trip():
    assert len(keys.ALL_KEYS) == 24
    for name in keys.ALL_KEYS:
        assert keys.key_name(*keys.parse_key(name)) == name


def test_best_key_from_a_scale_histogram():
    weights = [0.0] * 12
    for pc in keys.scale_pitch_classes("G major"):
        weights[pc] = 1.0
    weights[7] = weights[2] = 3.0
    assert keys.best_key(weights) == (7, "major")
    with pytest.raises(ValueError):
        keys.best_key([1.0] * 11)
