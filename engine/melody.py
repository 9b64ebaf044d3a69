"""The melody data type: a monophonic line of notes on an integer grid.

Time is counted in grid steps (``steps_per_quarter`` steps to a quarter note, 4 by default, so
one step is a sixteenth). Seconds appear only where MIDI meets the clock.

Monophony rule (the one rule every constructor and edit follows): a note sounds until the next
note starts at the latest, so an earlier note that overlaps a later one is cut where the later
one starts; of notes starting on the same step, the last one given wins. ``Melody.add`` applies
the same rule with the added note given last.

Melodies and notes are immutable values: every operation returns a new one, which makes undo
and threads simple.

Performance timing sits beside the grid, never in it: a note's ``offset_ms`` (humanize: played
that many milliseconds early or late) and a melody's ``swing`` (50% straight to 75% dotted, on
every second ``swing_unit`` steps). :mod:`engine.performance` turns them into played times;
editing, generation and the model see only the grid.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from segue.engine import keys, limits

MAX_PITCH = 127
DEFAULT_VELOCITY = 100
DEFAULT_STEPS_PER_QUARTER = 4  # one step is a sixteenth note
STEPS_PER_QUARTER_RANGE = (1, 96)  # up to 96: sixty-fourth-note triplets and finer
DEFAULT_TEMPO = 120.0  # BPM, as in a MIDI file that names none
TEMPO_RANGE = (10.0, 400.0)  # BPM
DEFAULT_PITCH_RANGE = (36, 96)  # C2-C7: the models' pitches, and what generation may use
MAX_OFFSET_MS = 1000.0  # the most a note is played early or late (humanize uses up to 50 ms)
STRAIGHT = 0.5  # swing: the off-beat halfway through its pair, i.e. no swing
SWING_RANGE = (0.5, 0.75)  # straight to dotted; 2/3 is the triplet feel


@dataclass(frozen=True)
class Note:
    """One note: MIDI pitch, start step, length in steps, velocity, and ``offset_ms``: how
    many milliseconds early (negative) or late the note is played, its start step unchanged."""

    pitch: int
    start: int
    length: int
    velocity: int = DEFAULT_VELOCITY
    offset_ms: float = 0.0

    def __post_init__(self):
        if self.offset_ms != 0.0 or type(self.offset_ms) is not float:  # also catches NaN
            object.__setattr__(self, "offset_ms", check_offset_ms(self.offset_ms))
        # Plain ints pass at once: generation makes thousands of notes a second.
        if not (type(self.pitch) is type(self.start) is type(self.length) is type(self.velocity) is int):
            for name in ("pitch", "start", "length", "velocity"):
                value = getattr(self, name)
                if isinstance(value, bool) or not isinstance(value, int):
                    raise ValueError(f"note {name} must be an integer, got {value!r}")
        if not 0 <= self.pitch <= MAX_PITCH:
            raise ValueError(f"note pitch {self.pitch} is outside the MIDI range 0-127")
        if self.start < 0:
            raise ValueError(f"note start {self.start} is negative")
        if self.length < 1:
            raise ValueError(f"note length {self.length} must be at least one step")
        if not 1 <= self.velocity <= 127:
            raise ValueError(f"note velocity {self.velocity} is outside 1-127")

    @property
    def end(self) -> int:
        """The first step after the note."""
        return self.start + self.length

    def with_pitch(self, pitch: int) -> Note:
        return dataclasses.replace(self, pitch=pitch)

    def with_start(self, start: int) -> Note:
        return dataclasses.replace(self, start=start)

    def with_length(self, length: int) -> Note:
        return dataclasses.replace(self, length=length)

    def with_velocity(self, velocity: int) -> Note:
        return dataclasses.replace(self, velocity=velocity)

    def with_offset_ms(self, offset_ms: float) -> Note:
        return dataclasses.replace(self, offset_ms=offset_ms)


def check_offset_ms(offset_ms) -> float:
    """``offset_ms`` as a float; ValueError unless it is a number within +-MAX_OFFSET_MS."""
    if isinstance(offset_ms, bool) or not isinstance(offset_ms, (int, float)):
        raise ValueError(
            f"note timing offset must be a number of milliseconds, got {type(offset_ms).__name__}"
        )
    if not -MAX_OFFSET_MS <= offset_ms <= MAX_OFFSET_MS:  # NaN fails too
        raise ValueError(
            f"note timing offset {_number(offset_ms)} ms is outside +-{MAX_OFFSET_MS:g} ms"
        )
    return float(offset_ms)


def _number(value) -> str:
    """A number for a message; never huge (a hostile file may hold a 5,000-digit one)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return type(value).__name__
    return f"{value:g}" if isinstance(value, float) or abs(value) < 10**15 else "a huge number"


def check_swing(swing, unit, steps_per_quarter: int) -> tuple[float, int]:
    """(swing, unit) checked: swing a number in 0.5-0.75, unit whole steps from one to a
    quarter note. Straight swing keeps unit 1, so two straight melodies are equal."""
    low, high = SWING_RANGE
    if isinstance(swing, bool) or not isinstance(swing, (int, float)) or not low <= swing <= high:
        raise ValueError(f"swing must be a number from {low:g} to {high:g}, got {_number(swing)}")
    if isinstance(unit, bool) or not isinstance(unit, int) or not 1 <= unit <= steps_per_quarter:
        raise ValueError(
            f"swing unit must be 1-{steps_per_quarter} steps (a quarter note at most), "
            f"got {_number(unit)}"
        )
    swing = float(swing)
    return (swing, unit) if swing != STRAIGHT else (STRAIGHT, 1)


def steps_per_bar(time_signature: tuple[int, int], steps_per_quarter: int) -> int:
    """Grid steps in one bar; raises ValueError when a bar is not a whole number of steps."""
    numerator, denominator = time_signature
    steps = numerator * steps_per_quarter * 4
    if steps % denominator:
        raise ValueError(
            f"a bar of {numerator}/{denominator} is not a whole number of steps "
            f"at {steps_per_quarter} steps per quarter"
        )
    return steps // denominator


COMPOUND_NUMERATORS = (6, 9, 12)


def steps_per_beat(time_signature: tuple[int, int], steps_per_quarter: int) -> int:
    """Grid steps in one beat: the denominator's note, or a dotted quarter in compound meters.

    A musician counts 6/8, 9/8 and 12/8 in dotted quarters (two, three or four beats to the
    bar), so the metronome, the count-in, the pause that ends a call and the model's beat
    feature all use this one definition.
    """
    numerator, denominator = (int(v) for v in time_signature)
    beat = max(1, steps_per_quarter * 4 // denominator)
    if denominator == 8 and numerator in COMPOUND_NUMERATORS:
        beat *= 3
    return beat


def check_tempo(tempo) -> float:
    """``tempo`` as a float in BPM; ValueError unless it is a number in 10-400."""
    try:
        tempo = float(tempo)
    except (TypeError, ValueError):
        raise ValueError(f"tempo must be a number, got {tempo!r}") from None
    low, high = TEMPO_RANGE
    if not low <= tempo <= high:
        raise ValueError(f"tempo {tempo:g} BPM is outside {low:g}-{high:g}")
    return tempo


def check_steps_per_quarter(steps_per_quarter) -> int:
    """``steps_per_quarter`` itself; ValueError unless it is an integer in 1-96."""
    if isinstance(steps_per_quarter, bool) or not isinstance(steps_per_quarter, int):
        raise ValueError(f"steps per quarter must be an integer, got {steps_per_quarter!r}")
    low, high = STEPS_PER_QUARTER_RANGE
    if not low <= steps_per_quarter <= high:
        raise ValueError(f"steps per quarter {steps_per_quarter} is outside {low}-{high}")
    return steps_per_quarter


def monophonic(notes: Iterable[Note]) -> tuple[Note, ...]:
    """Sort ``notes`` by start and apply the monophony rule (see the module docstring); chords
    (anything with ``start``, ``end`` and ``with_length``) follow it too."""
    by_start: dict[int, Note] = {}
    for note in notes:
        by_start[note.start] = note  # the last one given on a step wins
    ordered = [by_start[start] for start in sorted(by_start)]
    for i in range(len(ordered) - 1):
        note, following = ordered[i], ordered[i + 1]
        if note.end > following.start:
            ordered[i] = note.with_length(following.start - note.start)
    return tuple(ordered)


class Melody:
    """A monophonic melody: sorted notes plus the grid, meter, tempo and optional key.

    ``Melody(notes, steps_per_quarter=4, time_signature=(4, 4), tempo=120.0, key=None,
    swing=0.5, swing_unit=1)``. ``key`` is a name such as ``'C major'`` or ``'F# minor'`` (see
    :mod:`engine.keys`); ``swing`` (0.5 straight to 0.75 dotted) places every second
    ``swing_unit`` steps later when played (see the module docstring).
    """

    __slots__ = ("notes", "steps_per_quarter", "time_signature", "tempo", "key", "swing",
                 "swing_unit")

    def __init__(
        self,
        notes: Iterable[Note] = (),
        steps_per_quarter: int = DEFAULT_STEPS_PER_QUARTER,
        time_signature: tuple[int, int] = (4, 4),
        tempo: float = DEFAULT_TEMPO,
        key: str | None = None,
        swing: float = STRAIGHT,
        swing_unit: int = 1,
    ):
        notes = list(notes)
        for note in notes:
            if not isinstance(note, Note):
                raise ValueError(f"melody notes must be Note values, got {note!r}")
        check_steps_per_quarter(steps_per_quarter)
        try:
            numerator, denominator = (int(v) for v in time_signature)
        except (TypeError, ValueError):
            raise ValueError(f"time signature must be two integers, got {time_signature!r}") from None
        low, high = limits.METER_NUMERATOR_RANGE
        if not low <= numerator <= high:
            raise ValueError(f"time signature numerator {numerator} is outside {low}-{high}")
        if denominator not in limits.METER_DENOMINATORS:
            raise ValueError(
                f"time signature denominator {denominator} is not a power of two up to "
                f"{limits.METER_DENOMINATORS[-1]}"
            )
        steps_per_bar((numerator, denominator), steps_per_quarter)
        tempo = check_tempo(tempo)
        swing, swing_unit = check_swing(swing, swing_unit, steps_per_quarter)
        if key is not None:
            key = keys.key_name(*keys.parse_key(key))
        set_ = object.__setattr__
        set_(self, "notes", monophonic(notes))
        set_(self, "steps_per_quarter", steps_per_quarter)
        set_(self, "time_signature", (numerator, denominator))
        set_(self, "tempo", tempo)
        set_(self, "key", key)
        set_(self, "swing", swing)
        set_(self, "swing_unit", swing_unit)

    def __setattr__(self, name, value):
        raise AttributeError("Melody is immutable; use its methods to get a changed copy")

    def __eq__(self, other):
        if not isinstance(other, Melody):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self):
        return hash(self._fields())

    def __reduce__(self):  # pickling and copy go through the validating constructor
        return (Melody, self._fields())

    def __len__(self):
        return len(self.notes)

    def __iter__(self):
        return iter(self.notes)

    def __repr__(self):
        return (
            f"Melody({len(self.notes)} notes, steps_per_quarter={self.steps_per_quarter}, "
            f"time_signature={self.time_signature}, tempo={self.tempo:g}, key={self.key!r}"
            + (f", swing={self.swing:g}/{self.swing_unit}" if self.swing != STRAIGHT else "")
            + ")"
        )

    def _fields(self):
        return (self.notes, self.steps_per_quarter, self.time_signature, self.tempo, self.key,
                self.swing, self.swing_unit)

    # --- properties -------------------------------------------------------------------------

    @property
    def steps_per_bar(self) -> int:
        return steps_per_bar(self.time_signature, self.steps_per_quarter)

    @property
    def steps_per_beat(self) -> int:
        """Steps in one beat; dotted quarters in 6/8, 9/8 and 12/8 (see ``steps_per_beat``)."""
        return steps_per_beat(self.time_signature, self.steps_per_quarter)

    def bar_start(self, step: int) -> int:
        """The first step of the bar that holds ``step`` (bars start at step 0)."""
        bar = self.steps_per_bar
        return step // bar * bar

    def bar_end(self, step: int) -> int:
        """The first bar line at or after ``step``: an end step rounded up to whole bars."""
        bar = self.steps_per_bar
        return -(-step // bar) * bar

    def bar_index(self, step: int) -> int:
        """The bar that holds ``step``, counted from 0 (add 1 to show it)."""
        return step // self.steps_per_bar

    @property
    def start(self) -> int:
        """The first note's start, or 0 for an empty melody."""
        return self.notes[0].start if self.notes else 0

    @property
    def end(self) -> int:
        """The step after the last note ends, or 0 for an empty melody."""
        return self.notes[-1].end if self.notes else 0

    @property
    def seconds_per_step(self) -> float:
        return 60.0 / self.tempo / self.steps_per_quarter

    def pitch_range(self) -> tuple[int, int] | None:
        """(lowest, highest) pitch, or None when empty."""
        if not self.notes:
            return None
        pitches = [n.pitch for n in self.notes]
        return min(pitches), max(pitches)

    # --- copies -------------------------------------------------------------------------------

    def replace(self, **changes) -> Melody:
        """A copy with some of notes, steps_per_quarter, time_signature, tempo, key, swing,
        swing_unit changed."""
        fields = dict(
            notes=self.notes,
            steps_per_quarter=self.steps_per_quarter,
            time_signature=self.time_signature,
            tempo=self.tempo,
            key=self.key,
            swing=self.swing,
            swing_unit=self.swing_unit,
        )
        unknown = set(changes) - set(fields)
        if unknown:
            raise ValueError(f"unknown melody fields: {', '.join(sorted(unknown))}")
        fields.update(changes)
        return Melody(**fields)

    def with_notes(self, notes: Iterable[Note]) -> Melody:
        return self.replace(notes=notes)

    def add(self, *notes: Note) -> Melody:
        """Add notes by the monophony rule, given last: an added note replaces the note on its
        start step and cuts the one sounding into it; a later note still cuts the added one.

        Editors that want a placed note to win outright remove what starts under it first.
        """
        return self.with_notes(self.notes + tuple(notes))

    def remove(self, notes: Iterable[Note]) -> Melody:
        """Remove the given notes (matched by value); ValueError if one is not in the melody."""
        remaining = list(self.notes)
        for note in notes:
            try:
                remaining.remove(note)
            except ValueError:
                raise ValueError(f"{note} is not in the melody") from None
        return self.with_notes(remaining)

    # --- musical operations -------------------------------------------------------------------

    def transpose(self, semitones: int) -> Melody:
        """Move every pitch by ``semitones``; ValueError if a note would leave 0-127."""
        low_high = self.pitch_range()
        if low_high and not (0 <= low_high[0] + semitones and low_high[1] + semitones <= MAX_PITCH):
            raise ValueError(
                f"transposing by {semitones} semitones moves pitches {low_high[0]}-{low_high[1]} "
                "outside the MIDI range 0-127"
            )
        return self.with_notes(n.with_pitch(n.pitch + semitones) for n in self.notes)

    def shift(self, steps: int) -> Melody:
        """Move every note by ``steps`` in time; ValueError if a note would start before 0."""
        if self.notes and self.notes[0].start + steps < 0:
            raise ValueError(f"shifting by {steps} steps moves the first note before step 0")
        return self.with_notes(n.with_start(n.start + steps) for n in self.notes)

    def quantize(self, grid: int, lengths: bool = True) -> Melody:
        """Snap starts (and, if ``lengths``, ends) to the nearest multiple of ``grid`` steps.

        A note never shrinks below one grid unit; ties on a start go to the later note in
        order, by the monophony rule.
        """
        if grid < 1:
            raise ValueError(f"quantize grid {grid} must be at least one step")

        def snap(step: int) -> int:
            return (step + grid // 2) // grid * grid

        quantized = []
        for note in self.notes:
            start = snap(note.start)
            length = max(grid, snap(note.end) - start) if lengths else note.length
            quantized.append(dataclasses.replace(note, start=start, length=length))
        return self.with_notes(quantized)

    def slice(self, start: int, end: int) -> Melody:
        """Notes that start in [start, end), cut at ``end`` and moved so ``start`` becomes 0."""
        if start < 0 or end < start:
            raise ValueError(f"slice {start}-{end} is not a valid step range")
        kept = []
        for note in self.notes:
            if start <= note.start < end:
                kept.append(dataclasses.replace(
                    note, start=note.start - start, length=min(note.end, end) - note.start))
        return self.with_notes(kept)

    def concatenate(self, other: Melody, at: int | None = None) -> Melody:
        """``other`` placed at step ``at`` (default: this melody's end), after this melody.

        The grids must match; meter, tempo and key stay this melody's.
        """
        if other.steps_per_quarter != self.steps_per_quarter:
            raise ValueError(
                f"cannot join melodies with {self.steps_per_quarter} and "
                f"{other.steps_per_quarter} steps per quarter"
            )
        offset = self.end if at is None else at
        return self.add(*(n.with_start(n.start + offset) for n in other.notes))

    def with_velocity(self, velocity: int, notes: Sequence[Note] | None = None) -> Melody:
        """Set the velocity of every note, or of the given notes only."""
        targets = set(self.notes if notes is None else notes)
        return self.with_notes(n.with_velocity(velocity) if n in targets else n for n in self.notes)

    def resolved_key(self, key: str | None) -> str | None:
        """The key a key setting stands for with this melody: None stays None (no lock), a key
        name is checked and normalised, and ``'auto'`` is the melody's key field, else its
        detected key (None when there are no notes to detect it from)."""
        if key is None:
            return None
        if not isinstance(key, str):
            raise ValueError(f"key must be a name such as 'C major', or 'auto', got {key!r}")
        if key.strip().lower() == "auto":
            return self.key or self.detect_key()
        return keys.key_name(*keys.parse_key(key))

    def detect_key(self) -> str | None:
        """The most likely key by the Krumhansl-Kessler profiles, or None for an empty melody."""
        if not self.notes:
            return None
        weights = [0.0] * 12
        for note in self.notes:
            weights[note.pitch % 12] += note.length
        return keys.key_name(*keys.best_key(weights))
