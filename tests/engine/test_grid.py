"""engine.grid: which grid a piece needs, and moving melodies and chords between grids."""

from fractions import Fraction

import numpy as np
import pytest

from segue.engine.chords import Chord
from segue.engine.grid import (
    TRIPLET_STEPS_PER_QUARTER,
    grid_for_notes,
    grid_for_onsets,
    holds_triplets,
    off_sixteenths,
    regrid,
    regrid_chords,
    regrid_with_report,
)
from segue.engine.melody import Melody, Note

STRAIGHT = Melody(
    [Note(60, 0, 2, velocity=90, offset_ms=5.0), Note(62, 2, 2), Note(64, 4, 4), Note(65, 10, 6)],
    time_signature=(3, 4), tempo=96.0, key="C major", swing=0.6, swing_unit=2,
)
# Triplet eighths (4 steps), a sixteenth (3), triplet sixteenths (2) on the 12-step grid.
TRIPLETS = Melody(
    [Note(60, 0, 4), Note(62, 4, 4), Note(64, 8, 4), Note(65, 12, 3), Note(67, 15, 3),
     Note(69, 18, 2), Note(71, 20, 2), Note(72, 22, 2), Note(74, 24, 24)],
    steps_per_quarter=12,
)


def test_up_to_a_multiple_is_exact_and_keeps_every_field():
    up = regrid_with_report(STRAIGHT, 12)
    melody = up.melody
    assert (up.moved, up.dropped) == (0, 0)
    assert [(n.pitch, n.start, n.length) for n in melody.notes] == [
        (60, 0, 6), (62, 6, 6), (64, 12, 12), (65, 30, 18)
    ]
    assert melody.notes[0].velocity == 90 and melody.notes[0].offset_ms == 5.0
    assert (melody.steps_per_quarter, melody.time_signature, melody.tempo, melody.key) == (
        12, (3, 4), 96.0, "C major"
    )
    assert (melody.swing, melody.swing_unit) == (0.6, 6)  # the same eighth swung
    assert not holds_triplets(melody)
    assert regrid(melody, 4) == STRAIGHT  # and back, exactly


def test_down_snaps_and_the_monophony_rule_resolves_collisions():
    down = regrid_with_report(TRIPLETS, 4)
    # Triplet eighths 0, 4/3, 8/3 -> 0, 1, 3; sixteenths stay; triplet sixteenths 6, 6.67, 7.33
    # -> 6, 7, 7: the later of the two on step 7 stays and the one before is dropped.
    assert [(n.pitch, n.start, n.length) for n in down.melody.notes] == [
        (60, 0, 1), (62, 1, 2), (64, 3, 1), (65, 4, 1), (67, 5, 1), (69, 6, 1), (72, 7, 1),
        (74, 8, 8),
    ]
    assert down.dropped == 1
    assert down.moved == 5  # 60, 62, 64 and the surviving triplet sixteenths 69 and 72
    assert down.melody.steps_per_quarter == 4 and not holds_triplets(down.melody)


def test_a_note_shorter_than_a_new_step_keeps_one_step():
    melody = Melody([Note(60, 0, 1), Note(62, 12, 1)], steps_per_quarter=12)
    assert [(n.start, n.length) for n in regrid(melody, 4).notes] == [(0, 1), (4, 1)]


def test_holds_triplets_and_counts_them():
    assert holds_triplets(TRIPLETS) and off_sixteenths(TRIPLETS) == 6
    assert not holds_triplets(regrid(STRAIGHT, 12))
    assert not holds_triplets(Melody())
    # A note ending off the sixteenths counts too (a triplet-long note from a straight onset).
    assert holds_triplets(Melody([Note(60, 0, 8)], steps_per_quarter=12))


def test_chords_move_with_the_notes():
    chords = (Chord(0, 8, "C"), Chord(8, 4, "G7"), Chord(12, 4, "Am"))
    up = regrid_chords(chords, 4, TRIPLET_STEPS_PER_QUARTER)
    assert up == (Chord(0, 24, "C"), Chord(24, 12, "G7"), Chord(36, 12, "Am"))
    assert regrid_chords(up, 12, 4) == chords
    # Down: chords on triplet steps snap; two landing on one step keep the later one.
    triplet_chords = (Chord(0, 3, "C"), Chord(3, 1, "F"), Chord(4, 8, "G"))
    assert regrid_chords(triplet_chords, 12, 4) == (Chord(0, 1, "C"), Chord(1, 3, "G"))
    assert regrid_chords((), 12, 4) == ()


def test_grid_for_onsets():
    assert grid_for_onsets([0, 0.25, 0.5, 1.75]) == 4
    assert grid_for_onsets([0, Fraction(1, 3), Fraction(2, 3), 1]) == 12  # triplet eighths
    assert grid_for_onsets([0, Fraction(1, 6), Fraction(1, 3), 0.5]) == 12  # triplet sixteenths
    assert grid_for_onsets(np.array([0.0, 0.334, 0.667, 1.25])) == 12  # a few ticks off
    assert grid_for_onsets([0, 0.125, 0.375]) == 4  # thirty-seconds: snapped as ever
    assert grid_for_onsets([0, 0.1234, 0.587, 1.31]) == 4  # a played take
    assert grid_for_onsets([]) == 4


def test_triplets_beside_a_few_times_off_both_grids_keep_the_triplet_grid():
    triplets = [0, Fraction(1, 3), Fraction(2, 3), 1, Fraction(7, 6), Fraction(4, 3)]
    quintuplet = [2, 2.2, 2.4, 2.6, 2.8]  # three of these off both grids (2.4 and 2.8 off too)
    assert grid_for_onsets(triplets + quintuplet + [3]) == 12  # 4 triplet times, 4 off both
    assert grid_for_onsets(triplets[:3] + quintuplet) == 4  # 2 triplet times, 4 off both
    assert grid_for_onsets([0, 0.125, 0.375, Fraction(1, 3), 1, 1.625]) == 4  # one triplet time
    assert grid_for_onsets(triplets + quintuplet + [3], strict=True) == 4  # the corpora's rule
    rng = np.random.default_rng(1)
    take = np.sort(rng.uniform(0, 64, 400))  # a played take: some land on triplet times by chance
    assert grid_for_onsets(take) == 4


def test_grid_for_notes_lets_onsets_decide():
    # Gated ends (90%) of straight notes stay on 4; of triplets, on 12.
    assert grid_for_notes([0, 0.25, 0.5], [0.225, 0.475, 0.725]) == 4
    assert grid_for_notes([0, 1 / 3, 2 / 3], [0.3, 0.63, 0.97]) == 12
    # A triplet-long note from a straight onset asks for 12.
    assert grid_for_notes([0, 1], [2 / 3, 2]) == 12


def test_regrid_refuses_a_meter_the_new_grid_cannot_hold():
    melody = Melody([Note(60, 0, 4)], steps_per_quarter=8, time_signature=(3, 32))
    with pytest.raises(ValueError, match="whole number of steps"):
        regrid(melody, 4)
