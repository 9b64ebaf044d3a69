"""music21 streams as plain data: meter, pickup, tempo, key, title, and the notes in quarters.

Shared by notation import (:mod:`engine.notation.reading`) and the music21 training corpora
(:mod:`engine.corpus_sources`), so a tune reads the same way in both. music21 is imported by the
caller; these functions only walk the objects it made.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from segue.engine.grid import grid_for_notes
from segue.engine.melody import DEFAULT_STEPS_PER_QUARTER, DEFAULT_TEMPO, Melody
from segue.engine.midi_io.meter import opening_run


@dataclass(frozen=True)
class StreamFields:
    """What a part says besides its notes, read from its first markings."""

    time_signature: tuple[int, int]
    meter_changes: bool  # the part's time signatures differ (the one kept: stream_fields)
    tempo: float
    key: str | None  # 'G major'-style; None for modes and for no key signature
    shift: int  # steps that put a pickup bar's notes late in bar 0, so bar lines stay on bars


def quarters(value) -> Fraction:
    """A music21 offset or quarterLength as an exact fraction of quarter notes."""
    return Fraction(value).limit_denominator(10000)


def _steps(value, steps_per_quarter: int) -> int | None:
    steps = quarters(value) * steps_per_quarter
    return int(steps) if steps.denominator == 1 else None


def _opening_meter(measures) -> tuple[int, int] | None:
    """The time signature the music opens in, by a MIDI file's rule
    (:func:`engine.midi_io.meter.opening_run`: a pickup in a meter of its own is skipped);
    None when none is marked."""
    runs: list[list] = []  # [meter, quarters] for each run of measures in one meter
    for measure in measures:
        signature = measure.timeSignature
        if signature is not None and (not runs or runs[-1][0] != (signature.numerator,
                                                                  signature.denominator)):
            runs.append([(signature.numerator, signature.denominator), Fraction(0)])
        if runs:
            runs[-1][1] += quarters(measure.duration.quarterLength)
    return runs[opening_run(runs)][0] if runs else None


def stream_fields(part, steps_per_quarter: int = DEFAULT_STEPS_PER_QUARTER, *,
                  first_meter: bool = False) -> StreamFields:
    """The fields of ``part`` (a music21 Part or Score); ValueError for a meter the grid
    cannot hold (a bar that is not a whole number of steps). The meter kept is the one the
    music opens in (:func:`_opening_meter`: a pickup bar in a meter of its own does not set
    it), or with ``first_meter`` the first marked (as the corpora were built)."""
    flat = part.flatten()
    signatures = list(flat.getElementsByClass("TimeSignature"))
    measures = list(part.getElementsByClass("Measure"))
    time_signature = (4, 4)
    if signatures:
        time_signature = (signatures[0].numerator, signatures[0].denominator)
        if not first_meter:
            time_signature = _opening_meter(measures) or time_signature
    meter_changes = len({(ts.numerator, ts.denominator) for ts in signatures}) > 1
    try:
        bar_steps = Melody(
            steps_per_quarter=steps_per_quarter, time_signature=time_signature
        ).steps_per_bar
    except ValueError:
        raise ValueError(
            f"unsupported time signature {time_signature[0]}/{time_signature[1]}"
        ) from None

    # Align bar lines to multiples of the bar: a pickup measure is shorter than a full bar.
    shift = 0
    if len(measures) >= 2:
        first_len = _steps(measures[0].duration.quarterLength, steps_per_quarter)
        second_offset = _steps(measures[1].offset, steps_per_quarter)
        if first_len is not None and second_offset is not None and 0 < first_len < bar_steps:
            shift = (-second_offset) % bar_steps

    tempo = DEFAULT_TEMPO
    marks = list(flat.getElementsByClass("MetronomeMark"))
    if marks and marks[0].number and 10 <= marks[0].getQuarterBPM() <= 400:
        tempo = float(marks[0].getQuarterBPM())

    key = None
    for found in flat.getElementsByClass("KeySignature"):
        mode = getattr(found, "mode", None)
        if mode in ("major", "minor"):
            key = f"{found.tonic.name.replace('-', 'b')} {mode}"
        break
    return StreamFields(time_signature, meter_changes, tempo, key, shift)


def title_of(score) -> str:
    """The score's title ('' when it has none)."""
    metadata = getattr(score, "metadata", None)
    return (metadata.title or "").strip() if metadata is not None else ""


def pitches_of(element) -> tuple[int, ...]:
    """MIDI pitches of a note (one) or a chord (all, low to high); () for anything else.

    From the pitch space, not music21's ``.midi``, which folds a note in octave 994 into range;
    the caller refuses what lies outside 0-127."""
    pitches = getattr(element, "pitches", ())
    return tuple(sorted(int(round(p.ps)) for p in pitches))


def is_grace(element) -> bool:
    """Grace notes take no time on the grid."""
    return bool(element.duration.isGrace) or element.duration.quarterLength == 0


def sounding_notes(part) -> list:
    """``(element, onset, end)`` in quarters for every note and chord of ``part`` in time order,
    ties joined as music21's ``stripTies`` joins them (the first element of a tied chain lasts
    the whole chain), grace notes included (their end equals their onset).

    The joining is done here, in one pass, because ``stripTies`` takes seconds a part on a string
    quartet. Its rules, on the notes and rests in time order (grace notes aside): a tie start
    opens a chain; while one is open, the next note joins it when it carries a tie (a note's
    stop tie joins whatever its pitch) or repeats the last pitches; a stop, an untied repeat or
    a rest ends the chain. Chord symbols (music21's ``Harmony``, a kind of chord) are left out.
    """
    found: list = []
    chain: int | None = None  # the open chain's place in found
    last_pitches: tuple = ()
    for element in part.flatten().notesAndRests:
        if "Harmony" in element.classSet:  # a chord symbol ("G" in ABC) is no sounding note
            continue
        length = quarters(element.duration.quarterLength)
        if element.isRest:
            if length > 0:
                chain = None
            continue
        onset = quarters(element.offset)
        if length == 0:  # a grace note: listed, never part of a chain
            found.append((element, onset, onset))
            continue
        pitches = tuple(pitch.ps for pitch in element.pitches)
        tie = element.tie.type if element.tie is not None else None
        if chain is not None and (tie is not None or pitches == last_pitches):
            first, start, end = found[chain]
            found[chain] = (first, start, end + length)
            if tie not in ("start", "continue"):
                chain = None
        else:
            found.append((element, onset, onset + length))
            chain = len(found) - 1 if tie in ("start", "continue") else None
        last_pitches = pitches
    return found


def notes_grid(found, *, strict: bool = False) -> int:
    """The grid for a part's ``(element, onset, end)`` notes (:func:`sounding_notes`): 12 steps
    per quarter when they play triplets, else 4 (:func:`engine.grid.grid_for_notes`)."""
    timed = [(onset, end) for element, onset, end in found if not is_grace(element)]
    return grid_for_notes([start for start, _ in timed], [end for _, end in timed], strict=strict)
