"""Note-ons matched with their note-offs, for a whole track at once (numpy, no object per note).

The rule is the package docstring's: a note-off (or a note-on of velocity 0) ends the oldest
sounding note of its channel and pitch, first in, first out; a note-off with nothing sounding
is ignored; a note never released ends where its track ends.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class _Notes:
    """Notes in the order their note-ons come in the file; times in ticks."""

    channel: np.ndarray
    start: np.ndarray
    end: np.ndarray
    pitch: np.ndarray
    velocity: np.ndarray
    released: np.ndarray  # bool

    def __len__(self) -> int:
        return len(self.start)

    def take(self, which) -> _Notes:
        """The notes ``which`` selects (a mask or indices), in the same order."""
        return _Notes(self.channel[which], self.start[which], self.end[which],
                      self.pitch[which], self.velocity[which], self.released[which])


def _segmented_min(values: np.ndarray, group: np.ndarray, span: int) -> np.ndarray:
    """The running minimum of ``values`` restarting at each group (``group`` sorted, from 0).

    Each later group is shifted down by more than the values' whole range, so a running
    minimum over everything never reaches back into an earlier group.
    """
    shift = group * span
    return np.minimum.accumulate(values - shift) + shift


def _pair_notes(tick, is_on, channel, pitch, velocity, track_end: int) -> _Notes:
    """Match note-ons (``is_on``) and note-offs (the other events), given in file order."""
    count = len(tick)
    key = (channel * 128 + pitch).astype(np.int16)  # small: numpy sorts it by radix
    order = np.argsort(key, kind="stable")  # by channel and pitch, each in file order
    sorted_key, sorted_on = key[order], is_on[order]
    first = np.ones(count, dtype=bool)
    first[1:] = sorted_key[1:] != sorted_key[:-1]
    group = np.cumsum(first) - 1
    # Queue length if no note-off were ever ignored: +1 per note-on, -1 per note-off.
    level = np.cumsum(np.where(sorted_on, 1, -1))
    group_base = (level - np.where(sorted_on, 1, -1))[first]  # the level before each group
    level -= group_base[group]
    # A note-off is ignored exactly when it takes that level to a new low below zero.
    low = _segmented_min(np.minimum(level, 0), group, 2 * count + 2)
    low_before = np.zeros(count, dtype=np.int64)
    low_before[1:] = low[:-1]
    low_before[first] = 0
    valid_off = ~sorted_on & (low >= low_before)
    # The k-th valid note-off of a group ends the group's k-th note-on.
    on_positions = np.flatnonzero(sorted_on)
    off_positions = np.flatnonzero(valid_off)
    groups = group[-1] + 1 if count else 0
    on_start = np.searchsorted(group[on_positions], np.arange(groups))
    off_start = np.searchsorted(group[off_positions], np.arange(groups))
    off_group = group[off_positions]
    matched = on_start[off_group] + np.arange(len(off_positions)) - off_start[off_group]
    end_sorted = np.full(len(on_positions), track_end, dtype=np.int64)
    released_sorted = np.zeros(len(on_positions), dtype=bool)
    end_sorted[matched] = tick[order[off_positions]]
    released_sorted[matched] = True
    # Back to file order of the note-ons.
    on_in_file = order[on_positions]
    back = np.argsort(on_in_file, kind="stable")
    ons = on_in_file[back]
    return _Notes(
        channel[ons], tick[ons], end_sorted[back], pitch[ons], velocity[ons],
        released_sorted[back],
    )
