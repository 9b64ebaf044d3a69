"""Bar, beat and grid lines thin out instead of crowding."""

import pytest

from segue.gui.piano_roll.geometry import RollGeometry
from segue.gui.piano_roll.timeline import bar_labels, power_of_two_stride, time_lines


def test_all_levels_at_a_close_zoom():
    lines = time_lines(RollGeometry(step_width=10), 320, 16, 4, 1)
    assert lines.bars == [0, 16, 32]
    assert lines.beats == [4, 8, 12, 20, 24, 28]
    assert 1 in lines.grid and 4 not in lines.grid and 16 not in lines.grid
    assert lines.bar_stride == 1


def test_dense_lines_are_dropped_and_bars_thinned():
    lines = time_lines(RollGeometry(step_width=0.1), 1000, 16, 4, 1)
    assert lines.beats == [] and lines.grid == []
    assert lines.bar_stride == 4  # 1.6 px a bar: every 4th bar is 6.4 px apart
    assert lines.bars[:3] == [0, 64, 128]
    assert len(lines.bars) < 200


def test_bar_labels_number_bars_from_one():
    labels = bar_labels(RollGeometry(step_width=5, scroll_x=160), 400, 16)
    assert labels[0] == (32, 3)
    assert [n for _, n in labels][:3] == [3, 4, 5]


def test_power_of_two_stride():
    assert power_of_two_stride(10, 6) == 1
    assert power_of_two_stride(1, 6) == 8
    with pytest.raises(ValueError):
        power_of_two_stride(0, 6)
