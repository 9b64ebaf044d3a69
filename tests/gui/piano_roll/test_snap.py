"""Snap sizes on the integer grid, and honest notes when a setting asks for more."""

import pytest

from segue.gui.piano_roll.snap import (
    SNAP_NAMES,
    snap_floor,
    snap_note,
    snap_round,
    snap_steps,
)


def test_snap_sizes_at_four_steps_per_quarter():
    assert [snap_steps(name, 4, 16) for name in SNAP_NAMES] == [4, 2, 1, 1, 1]


def test_snap_sizes_on_a_finer_grid():
    assert [snap_steps(name, 8, 32) for name in SNAP_NAMES] == [8, 4, 2, 1, 1]


def test_snap_divides_the_bar_in_odd_meters():
    # 7/8 at 4 steps per quarter: 14 steps a bar; quarter snap falls back to eighths.
    assert snap_steps("1/4", 4, 14) == 2
    assert snap_steps("1/8", 4, 14) == 2


def test_unknown_snap_name():
    with pytest.raises(ValueError, match="snap must be one of"):
        snap_steps("1/3", 4)


def test_snap_note_says_when_the_grid_is_coarser():
    assert "finer than the melody grid" in snap_note("1/32", 4)
    assert snap_note("1/32", 8) is None
    assert snap_note("1/16", 4) is None
    assert "1/16" in snap_note("off", 4)


def test_snap_functions():
    assert snap_floor(7.9, 4) == 4
    assert snap_round(5.9, 4) == 4
    assert snap_round(6.0, 4) == 8
