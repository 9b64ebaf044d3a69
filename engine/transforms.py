"""Melodic transforms as pure functions: a melody and the notes to act on in, an edit out.

Each function takes ``notes`` (the selection; None means every note) and returns an
:class:`~engine.edits.EditResult` whose selection is the transformed notes, so the roll commits
it as one undo step. The transformed notes go back by :func:`engine.edits.place_notes` (they win
over untouched notes they land on; the monophony rule does the rest).

Decisions at the edges, the same for every transform:

* Nothing to act on (an empty melody or selection) returns the melody unchanged.
* A result that would leave MIDI pitches 0-127 or start before step 0 raises ValueError and
  changes nothing, as Transpose does: a silently clamped note would be a different melody.
* Velocities are clamped to 1-127 (a ramp to 127 or a jitter near the top is what was meant).
* Swing and humanize are performance timing (see :mod:`engine.performance`): they set the
  melody's swing and the notes' ``offset_ms`` and never move a note off its grid step.
* Diatonic transforms need a key (a name such as ``'D minor'``); notes between two scale notes
  keep their alteration (C# moved up a step in C major becomes D#).
"""

from __future__ import annotations

import dataclasses
import math
import random
from collections.abc import Iterable
from fractions import Fraction

from segue.engine import keys
from segue.engine.edits import EditResult, members, others, place_notes, transpose_notes
from segue.engine.melody import MAX_PITCH, STRAIGHT, SWING_RANGE, Melody, Note
from segue.engine.performance import swung_step

__all__ = [
    "transpose",
    "transpose_diatonic",
    "retrograde",
    "invert",
    "legato",
    "change_speed",
    "double_speed",
    "half_speed",
    "quantize",
    "humanize",
    "remove_humanize_and_swing",
    "velocity_line",
    "velocity_ramp",
]


def _targets(melody: Melody, notes: Iterable[Note] | None) -> list[Note]:
    return list(melody.notes) if notes is None else members(melody, notes)


def _replace(melody: Melody, targets: list[Note], transformed: Iterable[Note]) -> EditResult:
    """``targets`` taken out and ``transformed`` put in their place, winning where they land."""
    return place_notes(melody, list(transformed), others(melody, targets))


def _unchanged(melody: Melody) -> EditResult:
    return EditResult(melody, frozenset())


def _round(value: float) -> int:
    """Round half up (Python's round() sends 2.5 to 2, which would bias quantizing)."""
    return math.floor(value + 0.5)


def _check_pitch(pitch: int, what: str) -> int:
    if not 0 <= pitch <= MAX_PITCH:
        raise ValueError(f"{what} takes a note to pitch {pitch}, outside the MIDI range 0-127")
    return pitch


def _check_int(value, name: str, low: int | None = None, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{name} {value} is outside {low}-{high}")
    return value


def _check_fraction(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"{name} must be a number from 0 to 1, got {value!r}")
    return float(value)


def _key(key: str | None, what: str) -> tuple[int, str]:
    if key is None:
        raise ValueError(f"{what} needs a key: set the key lock or give the melody notes")
    return keys.parse_key(key)


# --- pitch --------------------------------------------------------------------------------------


def transpose(melody: Melody, notes: Iterable[Note] | None, semitones: int) -> EditResult:
    """Move pitches by ``semitones`` (Transpose; octave up and down are +-12)."""
    _check_int(semitones, "semitones", -127, 127)
    return transpose_notes(melody, _targets(melody, notes), semitones)


def transpose_diatonic(
    melody: Melody, notes: Iterable[Note] | None, steps: int, key: str | None
) -> EditResult:
    """Move pitches by ``steps`` scale steps within ``key`` (C-E in C major up 2: E-G)."""
    _check_int(steps, "scale steps", -70, 70)
    scale_key = _key(key, "transposing in key")
    targets = _targets(melody, notes)
    moved = []
    for note in targets:
        degree, alteration = keys.diatonic_position(note.pitch, scale_key)
        pitch = keys.pitch_at_position(degree + steps, alteration, scale_key)
        moved.append(note.with_pitch(_check_pitch(pitch, f"transposing by {steps:+d} steps")))
    return _replace(melody, targets, moved)


def invert(
    melody: Melody, notes: Iterable[Note] | None, axis: int, key: str | None = None
) -> EditResult:
    """Mirror pitches around ``axis``: a third above becomes a third below.

    Without a key the mirror is chromatic (semitones); with one it is diatonic (scale steps),
    and ``axis`` must then be a note of the scale (ValueError otherwise).
    """
    _check_int(axis, "inversion pitch", 0, MAX_PITCH)
    targets = _targets(melody, notes)
    what = "inverting"
    if key is None:
        return _replace(
            melody, targets, (n.with_pitch(_check_pitch(2 * axis - n.pitch, what)) for n in targets)
        )
    scale_key = keys.parse_key(key)
    axis_degree, axis_alteration = keys.diatonic_position(axis, scale_key)
    if axis_alteration:
        raise ValueError(
            f"inversion pitch {axis} is not in the scale of {keys.key_name(*scale_key)}; "
            "choose a scale note"
        )
    inverted = []
    for note in targets:
        degree, alteration = keys.diatonic_position(note.pitch, scale_key)
        # A raised note mirrors to a lowered one: the alteration changes sign.
        pitch = keys.pitch_at_position(2 * axis_degree - degree, -alteration, scale_key)
        inverted.append(note.with_pitch(_check_pitch(pitch, what)))
    return _replace(melody, targets, inverted)


# --- time ---------------------------------------------------------------------------------------


def retrograde(melody: Melody, notes: Iterable[Note] | None = None) -> EditResult:
    """Play the notes backwards within the span they cover: the last note comes first, with
    its length and the rests between notes mirrored."""
    targets = _targets(melody, notes)
    if not targets:
        return _unchanged(melody)
    first, last = targets[0].start, max(n.end for n in targets)
    return _replace(melody, targets, (n.with_start(first + last - n.end) for n in targets))


def legato(melody: Melody, notes: Iterable[Note] | None = None) -> EditResult:
    """Lengthen each note to the start of the next note of the melody; the last note stays."""
    targets = _targets(melody, notes)
    following = {n.start: m.start for n, m in zip(melody.notes, melody.notes[1:])}
    return _replace(
        melody,
        targets,
        (n.with_length(following.get(n.start, n.end) - n.start) for n in targets),
    )


def change_speed(
    melody: Melody, notes: Iterable[Note] | None, ratio: Fraction | int
) -> EditResult:
    """Stretch the notes in time by ``ratio`` from the first one's start: 2 is half speed, 1/2
    double speed. Lengths round up to whole steps; a start that would fall between grid steps
    raises ValueError (the grid is never refined behind the user's back)."""
    ratio = Fraction(ratio)
    if ratio <= 0:
        raise ValueError(f"speed ratio must be positive, got {ratio}")
    targets = _targets(melody, notes)
    if not targets:
        return _unchanged(melody)
    origin = targets[0].start
    stretched = []
    for note in targets:
        offset = (note.start - origin) * ratio
        if offset.denominator != 1:
            finest = melody.steps_per_quarter * 4
            raise ValueError(
                f"at {float(1 / ratio):g}x speed the note at step {note.start} would fall between "
                f"the steps of this melody's grid (1/{finest} notes)"
            )
        length = max(1, math.ceil(note.length * ratio))
        stretched.append(dataclasses.replace(note, start=origin + int(offset), length=length))
    return _replace(melody, targets, stretched)


def double_speed(melody: Melody, notes: Iterable[Note] | None = None) -> EditResult:
    return change_speed(melody, notes, Fraction(1, 2))


def half_speed(melody: Melody, notes: Iterable[Note] | None = None) -> EditResult:
    return change_speed(melody, notes, 2)


def quantize(
    melody: Melody,
    notes: Iterable[Note] | None,
    grid: int,
    strength: float = 1.0,
    swing: float = STRAIGHT,
) -> EditResult:
    """Move starts and ends toward the nearest ``grid`` point by ``strength`` (0-1), and play
    the whole melody with ``swing`` on that grid.

    ``swing`` (0.5 straight to 0.75 dotted; 2/3 is the triplet feel) is performance timing,
    the melody's own (see :mod:`engine.performance`): every second grid point is played later,
    continuously, while the notes stay on the straight grid. A note whose two ends meet grows
    toward one grid unit (a whole one at full strength, as :meth:`Melody.quantize` does).
    """
    _check_int(grid, "quantize grid", 1, None)
    strength = _check_fraction(strength, "quantize strength")
    low, high = SWING_RANGE
    if isinstance(swing, bool) or not isinstance(swing, (int, float)) or not low <= swing <= high:
        raise ValueError(f"swing must be a number from {low:g} to {high:g}, got {swing!r}")
    unit = grid
    if grid > melody.steps_per_quarter and swing != STRAIGHT:
        if swing != melody.swing:
            raise ValueError("swing needs a grid of a quarter note or finer")
        unit = melody.swing_unit  # quantizing to a coarse grid keeps the piece's swing
    targets = _targets(melody, notes)
    if not targets:
        return _unchanged(melody)
    swung = melody.replace(swing=swing, swing_unit=unit if swing != STRAIGHT else 1)

    def moved(step: int) -> int:
        return _round(step + strength * (_round(step / grid) * grid - step))

    quantized = []
    for note in targets:
        start = moved(note.start)
        length = moved(note.end) - start
        if length < 1:  # a short note whose both ends met: it grows toward one grid unit
            length = max(1, _round(strength * grid + (1 - strength) * note.length))
        quantized.append(dataclasses.replace(note, start=start, length=length))
    return _replace(swung, targets, quantized)


MAX_HUMANIZE_MS = 50
# A humanized note moves at most this share of the time to its neighbours' starts, so two
# neighbours moving toward each other never meet and the played order is the grid's.
NEIGHBOUR_SHARE = 1 / 3


def humanize(
    melody: Melody,
    notes: Iterable[Note] | None,
    timing: float = 0,
    velocity: int = 10,
    seed: int = 0,
) -> EditResult:
    """Play each note up to ``timing`` milliseconds early or late (its ``offset_ms``) and jitter
    its velocity by up to ``velocity``, the same for the same ``seed``.

    The notes keep their grid steps and lengths; no neighbour is touched. A note moves at most
    a third of the time to the neighbouring starts as played (at the melody's tempo and swing),
    so the played order is the written one. ``timing`` 0 puts the notes back on the grid. Velocities stay in 1-127.
    """
    if isinstance(timing, bool) or not isinstance(timing, (int, float)) or not (
        0 <= timing <= MAX_HUMANIZE_MS
    ):
        raise ValueError(f"timing jitter must be 0-{MAX_HUMANIZE_MS} ms, got {timing!r}")
    _check_int(velocity, "velocity jitter", 0, 127)
    _check_int(seed, "seed", 0, None)
    targets = _targets(melody, notes)
    index_of = {n.start: i for i, n in enumerate(melody.notes)}
    starts = [swung_step(n.start, melody.swing, melody.swing_unit) for n in melody.notes]
    ms_per_step = melody.seconds_per_step * 1000
    rng = random.Random(seed)
    jittered = []
    for note in targets:
        i = index_of[note.start]
        gaps = [starts[j + 1] - starts[j] for j in (i - 1, i) if 0 <= j < len(starts) - 1]
        bound = min([timing] + [gap * ms_per_step * NEIGHBOUR_SHARE for gap in gaps])
        offset = round(rng.uniform(-1.0, 1.0) * bound, 1)  # tenths of a millisecond
        level = min(127, max(1, note.velocity + rng.randint(-velocity, velocity)))
        jittered.append(dataclasses.replace(note, velocity=level, offset_ms=offset))
    return _replace(melody, targets, jittered)


def remove_humanize_and_swing(melody: Melody, notes: Iterable[Note] | None = None) -> EditResult:
    """The notes played on the grid again: their timing offsets 0, and the melody straight."""
    targets = _targets(melody, notes)
    return _replace(
        melody.replace(swing=STRAIGHT, swing_unit=1), targets,
        (note.with_offset_ms(0.0) for note in targets),
    )


# --- velocity -----------------------------------------------------------------------------------


def velocity_line(
    melody: Melody,
    notes: Iterable[Note] | None,
    from_step: float,
    from_velocity: int,
    to_step: float,
    to_velocity: int,
) -> EditResult:
    """Set the velocity of the notes starting between the two steps (inclusive) to a straight
    line from ``from_velocity`` to ``to_velocity``: the line drawn in the velocity lane."""
    for value, name in ((from_velocity, "first velocity"), (to_velocity, "last velocity")):
        _check_int(value, name, 1, 127)
    if to_step < from_step:
        from_step, to_step = to_step, from_step
        from_velocity, to_velocity = to_velocity, from_velocity
    targets = [n for n in _targets(melody, notes) if from_step <= n.start <= to_step]
    span = to_step - from_step
    ramped = []
    for note in targets:
        share = (note.start - from_step) / span if span else 0.0
        level = _round(from_velocity + share * (to_velocity - from_velocity))
        ramped.append(note.with_velocity(min(127, max(1, level))))
    return _replace(melody, targets, ramped)


def velocity_ramp(
    melody: Melody, notes: Iterable[Note] | None, first: int, last: int
) -> EditResult:
    """A straight velocity line from the first note (``first``) to the last (``last``)."""
    targets = _targets(melody, notes)
    if not targets:
        for value, name in ((first, "first velocity"), (last, "last velocity")):
            _check_int(value, name, 1, 127)
        return _unchanged(melody)
    return velocity_line(melody, targets, targets[0].start, first, targets[-1].start, last)
