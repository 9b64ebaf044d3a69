"""The meter a file's time signatures give its melody, and how far its notes move to fit it.

A file may change meter; a Segue piece has one: the meter the music opens in, as the first
bars are where a seed comes from. But a file may write a pickup as a bar of its own meter (a
1/4 bar before the 4/4): an opening stretch shorter than one bar of the meter after it, when
that meter lasts two bars or more, is a pickup, and the meter after it is kept (before a file's first signature MIDI's 4/4
holds). Its bars count from where it starts: the notes move later by what puts that on a bar
line (less than a bar), so the pickup ends where bar 1 ends and the bar lines fall where the
file's do. A move that is not a whole number of sixteenths is not made (the notes would all
leave the grid).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

MIDI_DEFAULT_METER = (4, 4)  # in force before a file's first time signature


@dataclass(frozen=True)
class MeterChoice:
    """What :func:`choose_meter` found."""

    time_signature: tuple[int, int] | None  # None: the file has no time signature
    shift_quarters: Fraction = Fraction(0)  # how much later the notes move
    changes: int = 0  # how many times the file's meter changes
    opening: tuple[int, int] | None = None  # the pickup's meter, when the notes move


def choose_meter(time_signatures, to_beats) -> MeterChoice:
    """The meter kept among ``time_signatures`` ((tick, numerator, denominator), sorted by
    tick), with ``to_beats`` turning an array of ticks into quarters (module docstring)."""
    if not time_signatures:
        return MeterChoice(None)
    ticks = np.array([tick for tick, _, _ in time_signatures], dtype=np.int64)
    starts = [float(q) for q in to_beats(ticks)]
    regions = [(start, (numerator, denominator))
               for start, (_, numerator, denominator) in zip(starts, time_signatures)]
    if starts[0] > 0:
        regions.insert(0, (0.0, MIDI_DEFAULT_METER))
    # Runs of one meter, as (start, meter); a repeated signature is not a change.
    runs = [regions[0]]
    for start, meter in regions[1:]:
        if start <= runs[-1][0]:  # two signatures at one time: the later one holds
            runs[-1] = (runs[-1][0], meter)
        elif meter != runs[-1][1]:
            runs.append((start, meter))
    ends = [start for start, _ in runs[1:]] + [float("inf")]  # the last runs to the end
    kept = opening_run([(meter, end - start) for (start, meter), end in zip(runs, ends)])
    first, meter = runs[kept]
    shift = -Fraction(first).limit_denominator(10_000) % _bar(meter)
    if shift * 4 != int(shift * 4):
        shift = Fraction(0)
    return MeterChoice(meter, shift, len(runs) - 1, runs[0][1] if shift else None)


def opening_run(runs) -> int:
    """Which of ``runs`` ((meter, quarters) of each stretch in one meter, in order) the music
    opens in: the first, unless it is shorter than a bar of the next, which holds for two bars
    or more (a pickup; a piece that alternates meters bar by bar has no pickup to skip)."""
    kept = 0
    while kept + 1 < len(runs) and runs[kept][1] < _bar(runs[kept + 1][0]) <= runs[kept + 1][1] / 2:
        kept += 1
    return kept


def _bar(meter: tuple[int, int]) -> Fraction:
    return Fraction(4 * meter[0], meter[1])


def meter_warning(choice: MeterChoice) -> str | None:
    """The import report's line on the meter kept, or None when the file has one meter."""
    if choice.time_signature is None or not choice.changes:
        return None
    kept = "/".join(map(str, choice.time_signature))
    if choice.shift_quarters:
        opening = "/".join(map(str, choice.opening))
        quarters = f"{float(choice.shift_quarters):g}"
        return (f"The file opens in {opening} before its {kept}: Segue keeps {kept} and moves "
                f"the notes {quarters} quarter(s) later, so its bar lines fall where the "
                f"file's do.")
    return (f"The time signature changes {choice.changes} time(s); Segue keeps {kept}, "
            f"the meter of the first full bars.")
