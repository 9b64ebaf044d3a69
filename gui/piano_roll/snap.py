"""Snap settings: which grid steps the mouse lands on.

The melody lives on an integer grid (``steps_per_quarter`` steps to a quarter; 4 means one step is
a 1/16). A snap setting names a note value; its size in steps is ``steps_per_quarter * 4 /
denominator``. We never change the user's grid behind their back, so a setting finer than one
step ('1/32' on a 1/16 grid) and 'off' both snap to one step, the finest position the melody can
hold; :func:`snap_note` says so in words for the status bar. A melody on a finer grid (imported
MIDI at 8 steps per quarter, say) gets true 1/32 snapping. Alt bypasses snap: one step.

The size is also reduced to divide the bar (its gcd with the bar length), so snap points always
include every bar line: 1/4 snap in 7/8 lands on eighths.

Triplet snaps ('1/4T', '1/8T', '1/16T': three in the time of two) need a grid that holds them
(:data:`engine.grid.TRIPLET_STEPS_PER_QUARTER`, 12: 1/8T is 4 steps, 1/16T 2, and 1/16 still
3). Choosing one is the one time the grid changes, and the musician asks for it: the roll puts a
straight piece on :func:`grid_for_snap` first, as one undo step ("Use a Triplet Grid").
"""

from __future__ import annotations

import math
from fractions import Fraction

from segue.engine.grid import TRIPLET_STEPS_PER_QUARTER

SNAP_NAMES = ("1/4", "1/8", "1/16", "1/32", "off")  # the straight snaps, and off
TRIPLET_SNAP_NAMES = ("1/4T", "1/8T", "1/16T")
SNAP_CHOICES = (*SNAP_NAMES[:-1], *TRIPLET_SNAP_NAMES, "off")  # as the snap box lists them
DEFAULT_SNAP = "1/16"


def validate_snap_name(name: str) -> str:
    if name not in SNAP_CHOICES:
        raise ValueError(f"snap must be one of {', '.join(SNAP_CHOICES)}; got {name!r}")
    return name


def is_triplet(name: str) -> bool:
    return validate_snap_name(name) in TRIPLET_SNAP_NAMES


def _exact_steps(name: str, steps_per_quarter: int) -> Fraction:
    """Snap ``name``'s note value in steps, as a fraction (a triplet is 2/3 of its note)."""
    denominator = int(name.rstrip("T").split("/")[1])
    steps = Fraction(steps_per_quarter * 4, denominator)
    return steps * Fraction(2, 3) if name.endswith("T") else steps


def holds_snap(name: str, steps_per_quarter: int) -> bool:
    """Whether the grid has a step on every snap point of ``name`` ('off' always fits)."""
    if validate_snap_name(name) == "off":
        return True
    steps = _exact_steps(name, steps_per_quarter)
    return steps >= 1 and steps.denominator == 1


def grid_for_snap(name: str, steps_per_quarter: int) -> int:
    """The grid a piece needs for snap ``name``: its own, or for a triplet snap it does not hold
    the least multiple of it that holds triplets (4 -> 12), so the move is exact."""
    if not is_triplet(name) or holds_snap(name, steps_per_quarter):
        return steps_per_quarter
    return math.lcm(steps_per_quarter, TRIPLET_STEPS_PER_QUARTER)


def snap_steps(name: str, steps_per_quarter: int, steps_per_bar: int | None = None) -> int:
    """Grid steps between snap points for snap ``name``; at least 1."""
    validate_snap_name(name)
    if name == "off":
        return 1
    steps = max(1, math.floor(_exact_steps(name, steps_per_quarter)))
    if steps_per_bar:
        steps = math.gcd(steps, steps_per_bar)
    return steps


def snap_note(name: str, steps_per_quarter: int) -> str | None:
    """A short explanation when ``name`` asks for more than the grid holds, else None."""
    validate_snap_name(name)
    finest = f"1/{steps_per_quarter * 4}" if steps_per_quarter * 4 <= 128 else "one step"
    if name == "off":
        return f"Snap off: notes land on the melody grid ({finest})"
    if holds_snap(name, steps_per_quarter):
        return None
    if _exact_steps(name, steps_per_quarter) < 1:
        return f"Snap {name} is finer than the melody grid; snapping to {finest}"
    steps = snap_steps(name, steps_per_quarter)
    whole = steps_per_quarter * 4
    shown = f"1/{whole // steps}" if whole % steps == 0 else f"{steps} steps"
    needs = "a triplet grid" if is_triplet(name) else "a straight grid"
    return f"Snap {name} needs {needs}; snapping to {shown}"


def snap_floor(step: float, grid: int) -> int:
    """The snap point at or before ``step`` (the grid cell it falls in)."""
    return math.floor(step / grid) * grid


def snap_round(step: float, grid: int) -> int:
    """The nearest snap point to ``step``."""
    return math.floor(step / grid + 0.5) * grid
