"""Which bar, beat and grid lines (and bar numbers) to draw for the visible time range.

Plain Python. Lines closer than a few pixels are thinned out rather than drawn as a grey wash:
bar lines fall back to every 2nd, 4th, ... bar, beat and grid lines vanish when too dense. This
keeps the line count per repaint in the low hundreds at any zoom.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from segue.gui.piano_roll.geometry import RollGeometry

MIN_LINE_SPACING_PX = 6.0
MIN_LABEL_SPACING_PX = 44.0


@dataclass(frozen=True)
class TimeLines:
    """Steps of the visible lines, each list without the steps of a stronger kind."""

    bars: list[int]
    beats: list[int]
    grid: list[int]
    bar_stride: int  # bars between drawn bar lines


def power_of_two_stride(unit_px: float, min_px: float) -> int:
    """The smallest 1, 2, 4, ... such that that many units span at least ``min_px`` pixels."""
    if unit_px <= 0:
        raise ValueError(f"unit width {unit_px} must be positive")
    stride = 1
    while unit_px * stride < min_px:
        stride *= 2
    return stride


def _multiples(first: float, last: float, every: int) -> range:
    start = max(0, math.floor(first / every)) * every
    return range(start, math.floor(last) + 1, every)


def time_lines(
    geometry: RollGeometry, width: float, steps_per_bar: int, steps_per_beat: int, grid: int
) -> TimeLines:
    """The lines for a view ``width`` pixels wide; ``grid`` is the snap size in steps."""
    first, last = geometry.visible_steps(width)
    step_px = geometry.step_width
    bar_stride = power_of_two_stride(steps_per_bar * step_px, MIN_LINE_SPACING_PX)
    bar_every = steps_per_bar * bar_stride
    bars = list(_multiples(first, last, bar_every))
    beats: list[int] = []
    lines: list[int] = []
    if (
        bar_stride == 1
        and steps_per_beat < steps_per_bar
        and steps_per_beat * step_px >= MIN_LINE_SPACING_PX
    ):
        beats = [s for s in _multiples(first, last, steps_per_beat) if s % steps_per_bar]
    if bar_stride == 1 and grid < steps_per_beat and grid * step_px >= MIN_LINE_SPACING_PX:
        lines = [
            s for s in _multiples(first, last, grid) if s % steps_per_beat and s % steps_per_bar
        ]
    return TimeLines(bars, beats, lines, bar_stride)


def bar_labels(geometry: RollGeometry, width: float, steps_per_bar: int) -> list[tuple[int, int]]:
    """``(step, bar number)`` pairs to label in the ruler; bar 1 starts at step 0."""
    first, last = geometry.visible_steps(width)
    stride = power_of_two_stride(steps_per_bar * geometry.step_width, MIN_LABEL_SPACING_PX)
    every = steps_per_bar * stride
    start = max(0, math.floor(first / every) * every)
    return [(s, s // steps_per_bar + 1) for s in range(start, math.floor(last) + 1, every)]
