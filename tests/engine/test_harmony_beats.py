import numpy as np
import pytest

from segue.engine import harmony_beats as hb
from segue.engine.chords import Chord, majmin
from segue.engine.melody import Melody, Note


def jig():
    """6/8 in G major, two beats (dotted quarters, 6 steps) a bar: a D late in beat 0, G and B
    in beat 1, a long D on the second bar's downbeat; the melody ends at step 18."""
    notes = [Note(62, 4, 2), Note(67, 6, 4), Note(71, 10, 2), Note(74, 12, 6)]
    return Melody(notes, time_signature=(6, 8), key="G major")


def test_beats_are_dotted_quarters_in_six_eight_and_end_on_a_bar():
    melody = jig()
    assert melody.steps_per_beat == 6 and melody.steps_per_bar == 12
    assert hb.beat_count(melody) == 4  # the melody ends at 18: rounded up to the bar at 24
    assert hb.beat_count(Melody([])) == 0


def test_features_in_the_key_frame():
    f = hb.beat_features(jig(), hb.key_of(jig()))
    assert f.shape == (4, hb.FEATURES) and f.dtype == np.float32
    # beat 0 (steps 0-5): D (7 above G) sounds for steps 4-5, two sixths of the beat
    assert f[0, hb.HISTOGRAM][7] == pytest.approx(2 / 6)
    assert f[0, hb.REST_AT_START] == 1 and f[0, hb.ONSET] == 0 and f[0, hb.SILENT] == 0
    # beat 1 (steps 6-11): G (tonic, 0) four steps then B (4) two; G starts on the beat
    assert f[1, hb.HISTOGRAM][0] == pytest.approx(4 / 6)
    assert f[1, hb.HISTOGRAM][4] == pytest.approx(2 / 6)
    assert f[1, hb.AT_START].argmax() == 0 and f[1, hb.ONSET] == 1
    # beat 3 (steps 18-23) is silent; the downbeats are beats 0 and 2
    assert f[3, hb.SILENT] == 1 and f[3, hb.HISTOGRAM].sum() == 0
    assert f[:, hb.DOWNBEAT].tolist() == [1, 0, 1, 0]
    assert f[:, hb.LAST_IN_BAR].tolist() == [0, 1, 0, 1]
    assert (f[:, hb.MINOR] == 0).all() and (f[:, hb.METER.start] == 1).all()  # two beats a bar


def test_a_transposed_tune_has_the_same_features():
    melody = jig()
    up = melody.transpose(3).replace(key="Bb major")
    assert np.array_equal(hb.beat_features(melody, hb.key_of(melody)),
                          hb.beat_features(up, hb.key_of(up)))


def test_the_key_given_wins_over_the_melody_s_and_the_detected_one():
    assert hb.key_of(jig()) == (7, "major")
    assert hb.key_of(jig(), "E minor") == (4, "minor")
    assert hb.key_of(jig().replace(key=None)) == hb.key_of(jig().replace(key=None), None)
    assert hb.key_of(Melody([])) == (0, "major")


@pytest.mark.parametrize("symbol, kind", [
    ("G", ""), ("Gmaj7", ""), ("G6", ""), ("G/B", ""), ("Gaug", ""), ("Gsus4", ""),
    ("Gm", "m"), ("Gm7", "m"), ("G7", "7"), ("G9", "7"), ("Gdim", "dim"), ("Gm7b5", "dim"),
    ("Gdim7", "dim"),
])
def test_vocabulary_round_trip(symbol, kind):
    key = (2, "major")  # D major: G is 5 semitones above the tonic
    index = hb.chord_class(Chord(0, 4, symbol), key[0])
    assert index == 1 + 5 * len(hb.KINDS) + hb.KINDS.index(kind)
    assert hb.class_symbol(index, key) == "G" + kind


def test_every_class_is_a_chord_with_the_majmin_of_its_kind():
    for key in [(0, "major"), (3, "minor"), (6, "major"), (8, "minor")]:
        for index in range(hb.CLASSES):
            symbol = hb.class_symbol(index, key)
            chord = Chord(0, 1, symbol)
            assert hb.chord_class(chord, key[0]) == index
            label = majmin(chord)
            assert label == "N" if index == hb.NO_CHORD_CLASS else label[-3:] in ("maj", "min")
    assert hb.class_symbol(1 + 10 * 4, (5, "major")) == "Eb"  # a flat key spells flats
    assert hb.class_symbol(hb.NO_CHORD_CLASS, (0, "major")) == "N.C."


def test_labels_are_the_chords_sounding_at_each_beat_start():
    melody = jig()
    chords = [Chord(3, 9, "G"), Chord(12, 7, "D7")]  # from inside beat 0; D7 past beat 3's start
    assert hb.chords_at_beats(melody, chords) == [None, chords[0], chords[1], chords[1]]
    labels = hb.beat_labels(melody, chords, (7, "major"))
    assert labels.tolist() == [0, 1, 1 + 7 * 4 + 2, 1 + 7 * 4 + 2]


def test_runs_merge_equal_neighbours():
    assert hb.runs([]) == []
    assert hb.runs([3, 3, 0, 5, 5, 5]) == [(0, 2, 3), (2, 3, 0), (3, 6, 5)]
