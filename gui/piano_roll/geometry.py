"""Where things are on the piano roll: steps and pitches <-> pixels.

Plain Python with no Qt, so the mapping every pane shares (note grid, ruler, keyboard, velocity
lane) is tested directly. Time runs left to right in grid steps, pitch bottom to top, one row per
semitone with MIDI 127 in the top row. ``scroll_x`` / ``scroll_y`` are the content pixels hidden
left of and above the view, so view coordinates are content coordinates minus the scroll.
"""

from __future__ import annotations

import math

from engine.melody import MAX_PITCH, Note

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

    def y_of(self, pitch: int) -> float:
        """View y of the top edge of ``pitch``'s row."""
        return (MAX_PITCH - pitch) * self.key_height - self.scroll_y

    def pitch_at(self, y: float) -> int:
        """The pitch whose row holds view y, clamped to the MIDI range 0-127."""
        row = math.floor((y + self.scroll_y) / self.key_height)
        return min(MAX_PITCH, max(0, MAX_PITCH - row))

    # --- shapes ---------------------------------------------------------------------------------

    def note_rect(self, note: Note) -> tuple[float, float, float, float]:
        """``(x, y, width, height)`` of a note in view pixels."""
        return (
            note.start * self.step_width - self.scroll_x,
            (MAX_PITCH - note.pitch) * self.key_height - self.scroll_y,
            note.length * self.step_width,
            self.key_height,
        )

    @property
    def content_height(self) -> float:
        """Pixels for all 128 pitch rows."""
        return PITCH_ROWS * self.key_height

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
        rows = high_pitch - low_pitch + 1
        self.key_height = clamp_key_height(height / rows)
        # Centre the pitch span vertically when it is smaller than the view.
        centre_row = MAX_PITCH - (low_pitch + high_pitch) / 2 + 0.5
        self.scroll_y = max(0.0, centre_row * self.key_height - height / 2)


def clamp_step_width(width: float) -> float:
    return min(MAX_STEP_WIDTH, max(MIN_STEP_WIDTH, float(width)))


def clamp_key_height(height: float) -> float:
    return min(MAX_KEY_HEIGHT, max(MIN_KEY_HEIGHT, float(height)))
