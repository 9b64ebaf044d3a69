"""Where things are on the piano roll: steps and pitches <-> pixels.

Plain Python with no Qt, so the mapping every pane shares (note grid, ruler, keyboard, velocity
lane) is tested directly. Time runs left to right in grid steps, pitch bottom to top, one row per
semitone with MIDI 127 in the top row. ``scroll_x`` / ``scroll_y`` are the content pixels hidden
left of and above the view, so view coordinates are content coordinates minus the scroll.

Folded (fold to scale), the rows are only the given pitches (``pitches``, ascending), still
highest at the top; a pitch between two shown rows is drawn on the lower one.
"""

from __future__ import annotations

import bisect
import math

from segue.engine.melody import MAX_PITCH, Note

PITCH_ROWS = MAX_PITCH + 1

MIN_STEP_WIDTH = 0.05  # px per step: zoomed out far enough to fit thousands of bars
MAX_STEP_WIDTH = 400.0
MIN_KEY_HEIGHT = 4.0
MAX_KEY_HEIGHT = 48.0


class RollGeometry:
    """Zoom (``step_width`` px per step, ``key_height`` px per semitone) and scroll offsets."""

    def __init__(
        self,
        step_width: float = 20.0,
        key_height: float = 14.0,
        scroll_x: float = 0.0,
        scroll_y: float = 0.0,
    ):
        self.step_width = clamp_step_width(step_width)
        self.key_height = clamp_key_height(key_height)
        self.scroll_x = float(scroll_x)
        self.scroll_y = float(scroll_y)
        self.pitches: tuple[int, ...] | None = None  # the rows shown when folded, ascending

    def __repr__(self):
        return (
            f"RollGeometry(step_width={self.step_width:g}, key_height={self.key_height:g}, "
            f"scroll_x={self.scroll_x:g}, scroll_y={self.scroll_y:g})"
        )

    # --- time -----------------------------------------------------------------------------------

    def x_of(self, step: float) -> float:
        """View x of the left edge of ``step``."""
        return step * self.step_width - self.scroll_x

    def step_at(self, x: float) -> float:
        """The (fractional) step under view x; floor it for the step cell."""
        return (x + self.scroll_x) / self.step_width

    # --- pitch ----------------------------------------------------------------------------------

    def set_rows(self, pitches) -> None:
        """Show only ``pitches`` as rows (fold), or every pitch with None."""
        self.pitches = None if pitches is None else tuple(sorted(set(pitches))) or None

    def row_of(self, pitch: int) -> int:
        """The row (0 at the top) that shows ``pitch``."""
        return row_of(pitch, self.pitches)

    @property
    def row_count(self) -> int:
        return PITCH_ROWS if self.pitches is None else len(self.pitches)

    def y_of(self, pitch: int) -> float:
        """View y of the top edge of ``pitch``'s row."""
        return row_of(pitch, self.pitches) * self.key_height - self.scroll_y

    def pitch_at(self, y: float) -> int:
        """The pitch whose row holds view y, clamped to the rows shown (MIDI 0-127)."""
        row = math.floor((y + self.scroll_y) / self.key_height)
        if self.pitches is None:
            return min(MAX_PITCH, max(0, MAX_PITCH - row))
        last = len(self.pitches) - 1
        return self.pitches[last - min(last, max(0, row))]

    def visible_rows(self, height: float) -> list[int]:
        """The pitches with at least part of their row in a view ``height`` tall, ascending."""
        low, high = self.visible_pitches(height)
        if self.pitches is None:
            return list(range(low, high + 1))
        pitches = self.pitches
        return list(pitches[bisect.bisect_left(pitches, low) : bisect.bisect_right(pitches, high)])

    # --- shapes ---------------------------------------------------------------------------------

    def note_rect(self, note: Note) -> tuple[float, float, float, float]:
        """``(x, y, width, height)`` of a note in view pixels."""
        return (
            note.start * self.step_width - self.scroll_x,
            self.y_of(note.pitch),
            note.length * self.step_width,
            self.key_height,
        )

    @property
    def content_height(self) -> float:
        """Pixels for all the rows (128 pitches unless folded)."""
        return self.row_count * self.key_height

    def visible_steps(self, width: float) -> tuple[float, float]:
        """The step range ``[first, last)`` a view ``width`` pixels wide shows."""
        return self.step_at(0.0), self.step_at(width)

    def visible_pitches(self, height: float) -> tuple[int, int]:
        """``(lowest, highest)`` pitch with at least part of its row in a view ``height`` tall."""
        return self.pitch_at(height - 1e-6), self.pitch_at(0.0)

    # --- zoom and scroll ------------------------------------------------------------------------

    def zoom_time(self, factor: float, anchor_x: float) -> None:
        """Multiply the step width, keeping the step under view x ``anchor_x`` in place."""
        step = self.step_at(anchor_x)
        self.step_width = clamp_step_width(self.step_width * factor)
        self.scroll_x = max(0.0, step * self.step_width - anchor_x)

    def zoom_pitch(self, factor: float, anchor_y: float) -> None:
        """Multiply the key height, keeping the content under view y ``anchor_y`` in place."""
        row = (anchor_y + self.scroll_y) / self.key_height
        self.key_height = clamp_key_height(self.key_height * factor)
        self.scroll_y = max(0.0, row * self.key_height - anchor_y)

    def fit(
        self,
        first_step: float,
        last_step: float,
        low_pitch: int,
        high_pitch: int,
        width: float,
        height: float,
    ) -> None:
        """Zoom and scroll so steps ``[first_step, last_step)`` and the pitches fill the view."""
        if last_step <= first_step or high_pitch < low_pitch:
            raise ValueError(
                f"cannot fit steps {first_step}-{last_step} and pitches {low_pitch}-{high_pitch}"
            )
        if width <= 0 or height <= 0:
            raise ValueError(f"cannot fit into a view of {width}x{height} pixels")
        self.step_width = clamp_step_width(width / (last_step - first_step))
        self.scroll_x = max(0.0, first_step * self.step_width)
        top, bottom = self.row_of(high_pitch), self.row_of(low_pitch)
        self.key_height = clamp_key_height(height / (bottom - top + 1))
        self.centre_rows_on(low_pitch, high_pitch, height)

    def centre_rows_on(self, low_pitch: int, high_pitch: int, height: float) -> None:
        """Scroll so the rows from ``low_pitch`` to ``high_pitch`` sit in the middle of the view."""
        centre_row = (self.row_of(low_pitch) + self.row_of(high_pitch)) / 2 + 0.5
        self.scroll_y = max(0.0, centre_row * self.key_height - height / 2)


def row_of(pitch: int, pitches: tuple[int, ...] | None) -> int:
    """The row (0 at the top) of ``pitch`` among ``pitches`` (ascending; None: all 128)."""
    if pitches is None:
        return MAX_PITCH - pitch
    index = max(0, bisect.bisect_right(pitches, pitch) - 1)  # a hidden pitch: the row below
    return len(pitches) - 1 - index


def clamp_step_width(width: float) -> float:
    return min(MAX_STEP_WIDTH, max(MIN_STEP_WIDTH, float(width)))


def clamp_key_height(height: float) -> float:
    return min(MAX_KEY_HEIGHT, max(MIN_KEY_HEIGHT, float(height)))
