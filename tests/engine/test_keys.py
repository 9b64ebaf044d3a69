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


# --- spelling ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", keys.ALL_KEYS)
def test_every_key_spells_its_scale_with_seven_different_letters(name):
    tonic, mode = keys.parse_key(name)
    steps = keys.MAJOR_SCALE if mode == "major" else keys.MINOR_SCALE
    spelled = [keys.spelling((tonic + s) % 12, name) for s in steps]
    assert len({letter for letter, _ in spelled}) == 7
    # Ascending from the tonic's own letter, one letter per degree.
    start = keys.LETTERS.index(spelled[0][0])
    assert [letter for letter, _ in spelled] == [keys.LETTERS[(start + i) % 7] for i in range(7)]
    # Each letter's alteration is the key signature's.
    assert {letter: a for letter, a in spelled if a} == keys.signature_alterations(name)
    assert name.split()[0] == spelled[0][0] + keys.ACCIDENTAL_TEXT[spelled[0][1]]


def test_f_sharp_major_has_e_sharp_and_no_flat():
    names = [keys.spell(p, "F# major") for p in (66, 68, 70, 71, 73, 75, 77, 78)]
    assert names == ["F#4", "G#4", "A#4", "B4", "C#5", "D#5", "E#5", "F#5"]
    # The labels: D#4 and G#3 beside C#4 and F#4, never Eb4 and Ab3.
    assert [keys.spell(p, "F# major") for p in (63, 56, 61, 66)] == ["D#4", "G#3", "C#4", "F#4"]
    assert keys.spell(65, "F# major") == "E#4"  # the octave is the letter's: E#4 sounds as F4


@pytest.mark.parametrize("name, expected", [
    ("Db major", ["Db4", "Eb4", "F4", "Gb4", "Ab4", "Bb4", "C5"]),
    ("Bb minor", ["Bb3", "C4", "Db4", "Eb4", "F4", "Gb4", "Ab4"]),
    ("Eb minor", ["Eb4", "F4", "Gb4", "Ab4", "Bb4", "Cb5", "Db5"]),
])
def test_flat_keys_use_flats_and_cb_where_the_scale_has_it(name, expected):
    tonic, mode = keys.parse_key(name)
    base = 58 if tonic == 10 else 60 + tonic
    steps = keys.MAJOR_SCALE if mode == "major" else keys.MINOR_SCALE
    assert [keys.spell(base + s, name) for s in steps] == expected


def test_chromatic_notes_follow_one_rule():
    assert keys.spell(61, "C major") == "C#4" and keys.spell(70, "C major") == "A#4"  # sharps
    assert keys.spell(63, "G major") == "D#4"  # a sharp key: sharps
    assert keys.spell(61, "F major") == "Db4" and keys.spell(66, "Bb major") == "Gb4"  # flats
    assert keys.spell(71, "F major") == "B4"  # a natural stays a natural
    # Minor keys keep their raised sixth and seventh on the scale's letters.
    assert keys.spell(73, "D minor") == "C#5" and keys.spell(71, "D minor") == "B4"
    assert keys.spell(65, "F# minor") == "E#4" and keys.spell(60, "C# minor") == "B#3"
    assert keys.spell(67, "G# minor") == "F##4" and keys.spell(62, "Eb minor") == "D4"
    assert keys.spell(61, None) == "C#4" and keys.spell(63, None) == "Eb4"  # no key: as before


def test_keys_are_named_as_they_are_notated():
    assert keys.key_name(1, "major") == "Db major" and keys.key_name(8, "minor") == "G# minor"
    assert keys.key_name(6, "major") == "F# major" and keys.key_name(3, "minor") == "Eb minor"
    assert keys.key_name(*keys.parse_key("C# major")) == "Db major"  # old names still read
    assert keys.signature_fifths("F# major") == 6 and keys.signature_fifths("D minor") == -1
    assert keys.signature_fifths("Eb minor") == -6 and keys.signature_fifths("G# minor") == 5


def test_a_minor_key_written_with_one_flat_fewer_reads_as_the_key_its_notes_fit():
    d_minor = [0.0] * 12
    for pc, weight in ((2, 5), (4, 2), (5, 3), (7, 2), (9, 4), (10, 1), (1, 1)):
        d_minor[pc] = weight
    assert keys.written_key("A minor", d_minor) == "D minor"  # BWV 297's file says A minor
    a_minor = [0.0] * 12
    for pc, weight in ((9, 5), (11, 2), (0, 3), (2, 2), (4, 4), (5, 1), (8, 1)):
        a_minor[pc] = weight
    assert keys.written_key("A minor", a_minor) == "A minor"
    assert keys.written_key("C major", d_minor) == "C major"  # major keys are as written
    assert keys.written_key(None, d_minor) is None and keys.written_key("A minor", [0] * 12) == "A minor"
