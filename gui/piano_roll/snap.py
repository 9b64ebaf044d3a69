"""Snap settings: which grid steps the mouse lands on.

The melody lives on an integer grid (``steps_per_quarter`` steps to a quarter; 4 means one step is
a 1/16). A snap setting names a note value; its size in steps is ``steps_per_quarter * 4 /
denominator``. We never change the user's grid behind their back, so a setting finer than one
step ('1/32' on a 1/16 grid) and 'off' both snap to one step, the finest position the melody can
hold; :func:`snap_note` says so in words for the status bar. A melody on a finer grid (imported
MIDI at 8 steps per quarter, say) gets true 1/32 snapping. Alt bypasses snap: one step.

The size is also reduced to divide the bar (its gcd with the bar length), so snap points always
include every bar line: 1/4 snap in 7/8 lands on eighths.
"""

from __future__ import annotations

import math

SNAP_NAMES = ("1/4", "1/8", "1/16", "1/32", "off")
DEFAULT_SNAP = "1/16"


def validate_snap_name(name: str) -> str:
    if name not in SNAP_NAMES:
        raise ValueError(f"snap must be one of {', '.join(SNAP_NAMES)}; got {name!r}")
    return name


def snap_steps(name: str, steps_per_quarter: int, steps_per_bar: int | None = None) -> int:
    """Grid steps between snap points for snap ``name``; at least 1."""
    validate_snap_name(name)
    if name == "off":
        return 1
    denominator = int(name.split("/")[1])
    steps = max(1, steps_per_quarter * 4 // denominator)
    if steps_per_bar:
        steps = math.gcd(steps, steps_per_bar)
    return steps


def snap_note(name: str, steps_per_quarter: int) -> str | None:
    """A short explanation when ``name`` asks for more than the grid holds, else None."""
    validate_snap_name(name)
    finest = f"1/{steps_per_quarter * 4}" if steps_per_quarter * 4 <= 128 else "one step"
    if name == "off":
        return f"Snap off: notes land on the melody grid ({finest})"
    denominator = int(name.split("/")[1])
    if steps_per_quarter * 4 < denominator:
        return f"Snap {name} is finer than the melody grid; snapping to {finest}"
    return None


def snap_floor(step: float, grid: int) -> int:
    """The snap point at or before ``step`` (the grid cell it falls in)."""
    return math.floor(step / grid) * grid


def snap_round(step: float, grid: int) -> int:
    """The nearest snap point to ``step``."""
    return math.floor(step / grid + 0.5) * grid
