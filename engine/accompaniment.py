"""The accompaniment: the piece's chords as notes to play beside the melody. Pure, no ports.

``AccompanimentSettings(on=True, style="auto", program=24, volume=80, channel=2)``
    ``style``: ``"auto"`` (boom-chick in 2/4 and 4/4, waltz in 3/4, jig in 6/8, block
    otherwise), ``"block"``, ``"boom-chick"``, ``"waltz"``, ``"jig"`` or ``"arpeggio"``;
    ``program`` the General MIDI program 0-127 (24: nylon guitar, apart from the melody's
    piano); ``volume`` 0-127 (every note's velocity; 0 plays nothing); ``channel`` the MIDI
    channel as musicians count it, 1-16 (2 by default; :attr:`midi_channel` is 0-15).
    ValueError naming a bad value; ``to_dict`` / ``from_dict`` for sessions.
``accompaniment_notes(chords, meter, settings) -> tuple[AccompanimentNote, ...]``
    the notes, in steps, sorted by start and pitch. ``meter`` is the melody (anything with
    ``time_signature``, ``steps_per_quarter``, ``steps_per_beat`` and ``steps_per_bar``).
``accompaniment_part(chords, meter, settings) -> AccompanimentPart | None``
    the notes with their channel and program, as a player or an export takes them; None when
    the accompaniment is off or has nothing to play.
``performed_accompaniment(notes, melody) -> [PerformedNote]``   where they are played: the
    melody's swing moves their off-beats as it moves the melody's (no humanize).

How it plays, on the bar's beats (``steps_per_beat``: dotted quarters in 6/8): block strikes
the chord with its bass at the chord's start and again at each bar line it holds over;
boom-chick plays the bass on beat 1 (the fifth on 3: an alternating bass) and the chord on the
others; waltz the bass on 1 and the chord on 2 and 3; jig the bass on each dotted-quarter beat
for two eighths and the chord on its third eighth; arpeggio breaks the chord in eighths, the
bass first, then the voicing up and down. A chord change between the pattern's hits is heard
at once (the bass, with the chord where the pattern has no bass there). A chord shorter than
its pattern is cut at its end; "no chord" and gaps are silence. Chords are voiced close
around middle C, each led smoothly from the one before (:func:`engine.chords.voicing`), over a
bass from C2 (:func:`engine.chords.bass_note`). A note lasts until the part's next hit, so a
pitch never overlaps itself.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from segue.engine.chords import Chord, bass_note, voicing
from segue.engine.performance import PerformedNote, swung_step

STYLES = ("auto", "block", "boom-chick", "waltz", "jig", "arpeggio")
AUTO_STYLES = {(2, 4): "boom-chick", (4, 4): "boom-chick", (3, 4): "waltz", (6, 8): "jig"}
DEFAULT_PROGRAM = 24  # Acoustic Guitar (nylon): a folk tune's backing, apart from a piano lead
DEFAULT_VOLUME = 80
DEFAULT_CHANNEL = 2  # as musicians count channels (1-16): the one after the melody's
CENTRE = 60  # voicings close around middle C
BASS_LOW = 36  # the bass in the octave from C2

BASS, FIFTH, CHORD, BOTH = "bass", "fifth", "chord", "both"  # a hit's role; arpeggio: an int


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:40] + "..."


@dataclass(frozen=True)
class AccompanimentSettings:
    """See the module docstring."""

    on: bool = True
    style: str = "auto"
    program: int = DEFAULT_PROGRAM
    volume: int = DEFAULT_VOLUME
    channel: int = DEFAULT_CHANNEL

    def __post_init__(self):
        if not isinstance(self.on, bool):
            raise ValueError(f"accompaniment on must be true or false, got {_shown(self.on)}")
        if not isinstance(self.style, str) or self.style not in STYLES:
            raise ValueError(f"accompaniment style {_shown(self.style)} is not one of "
                             f"{', '.join(STYLES)}")
        for name, low, high in (("program", 0, 127), ("volume", 0, 127), ("channel", 1, 16)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"accompaniment {name} must be an integer {low}-{high}, "
                                 f"got {_shown(value)}")

    @property
    def midi_channel(self) -> int:
        """The channel as MIDI messages carry it, 0-15."""
        return self.channel - 1

    def replace(self, **changes) -> AccompanimentSettings:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: object) -> AccompanimentSettings:
        """Settings from a session's block: missing entries take their defaults, unknown ones
        are ignored (a later version's additions), a bad value is a ValueError naming it."""
        if not isinstance(data, dict):
            raise ValueError(f"the accompaniment settings are not a table, got {_shown(data)}")
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{name: value for name, value in data.items() if name in names})


class AccompanimentNote(NamedTuple):
    """One note of the accompaniment, on the grid: ``start`` and ``length`` in steps."""

    start: int
    length: int
    pitch: int
    velocity: int

    @property
    def end(self) -> int:
        return self.start + self.length


class AccompanimentPart(NamedTuple):
    """What a player or an export plays beside the melody: the notes, on MIDI ``channel``
    (0-15) with GM ``program``."""

    notes: tuple[AccompanimentNote, ...]
    channel: int
    program: int


def style_for(style: str, time_signature: tuple[int, int]) -> str:
    """The style played: ``"auto"`` chosen by the meter (see the module docstring)."""
    if style != "auto":
        return style
    return AUTO_STYLES.get(tuple(time_signature), "block")


def _eighth(steps_per_quarter: int) -> int:
    return steps_per_quarter // 2 if steps_per_quarter % 2 == 0 else steps_per_quarter


def bar_pattern(style: str, meter) -> list[tuple[int, object]]:
    """(offset in the bar, role) of each hit of a bar, in order, for a style (not "auto")."""
    bar, beat = meter.steps_per_bar, meter.steps_per_beat
    beats = range(0, bar, beat)
    if style == "block":
        return [(0, BOTH)]
    if style == "boom-chick":
        return [(b, (BASS if i == 0 else FIFTH) if i % 2 == 0 else CHORD)
                for i, b in enumerate(beats)]
    if style == "waltz":
        return [(b, BASS if i == 0 else CHORD) for i, b in enumerate(beats)]
    if style == "jig":  # long-short in each beat: two eighths of bass, an eighth of chord
        hits = []
        for b in beats:
            length = min(beat, bar - b)
            offbeat = length * 2 // 3 if length % 3 == 0 else length // 2
            hits.append((b, BASS))
            if offbeat:
                hits.append((b + offbeat, CHORD))
        return hits
    if style == "arpeggio":
        return [(offset, i) for i, offset in enumerate(range(0, bar, _eighth(
            meter.steps_per_quarter)))]
    raise ValueError(f"accompaniment style {_shown(style)} is not one of {', '.join(STYLES)}")


def _fifth_below_or_above(bass: int, chord: Chord) -> int:
    """The alternating bass: the chord's fifth in the bass's octave, else the bass again."""
    spelling = chord.spelling
    if chord.bass != chord.root or 7 not in spelling.intervals:
        return bass
    fifth = bass + 7
    return fifth if fifth < BASS_LOW + 12 else fifth - 12


def _hit_pitches(role, chord: Chord, voiced: tuple[int, ...], bass: int) -> tuple[int, ...]:
    if role == BOTH:
        return (bass, *voiced)
    if role == BASS:
        return (bass,)
    if role == FIFTH:
        return (_fifth_below_or_above(bass, chord),)
    if role == CHORD:
        return voiced
    if role == 0:  # arpeggio: the bass, then the voicing up and down
        return (bass,)
    cycle = voiced + voiced[-2:0:-1]
    return (cycle[(role - 1) % len(cycle)],)


def _chord_hits(chord: Chord, pattern, bar: int) -> list[tuple[int, object]]:
    """(step, role) of each hit within ``chord``; its start is always one."""
    hits = {}
    first_bar = chord.start - chord.start % bar
    for bar_start in range(first_bar, chord.end, bar):
        for offset, role in pattern:
            step = bar_start + offset
            if chord.start <= step < chord.end:
                hits[step] = role
    start_role = hits.get(chord.start)
    # A change is heard at once: with its bass (the root, not the alternating fifth).
    hits[chord.start] = BASS if start_role in (BASS, FIFTH, 0) else BOTH
    return sorted(hits.items())


def accompaniment_notes(
    chords: Iterable[Chord], meter, settings: AccompanimentSettings | None = None
) -> tuple[AccompanimentNote, ...]:
    """See the module docstring."""
    settings = AccompanimentSettings() if settings is None else settings
    if not settings.on or settings.volume == 0:
        return ()
    style = style_for(settings.style, meter.time_signature)
    pattern = bar_pattern(style, meter)
    bar, velocity = meter.steps_per_bar, settings.volume
    notes: list[AccompanimentNote] = []
    previous: tuple[int, ...] | None = None
    for chord in chords:
        if chord.is_no_chord:
            continue
        voiced = voicing(chord, previous, CENTRE)
        previous = voiced
        bass = bass_note(chord, BASS_LOW)
        hits = _chord_hits(chord, pattern, bar)
        for i, (step, role) in enumerate(hits):
            until = hits[i + 1][0] if i + 1 < len(hits) else chord.end
            for pitch in sorted(set(_hit_pitches(role, chord, voiced, bass))):
                notes.append(AccompanimentNote(step, until - step, pitch, velocity))
    notes.sort(key=lambda n: (n.start, n.pitch))
    return tuple(notes)


def accompaniment_part(
    chords: Iterable[Chord], meter, settings: AccompanimentSettings | None = None
) -> AccompanimentPart | None:
    """See the module docstring."""
    settings = AccompanimentSettings() if settings is None else settings
    notes = accompaniment_notes(chords, meter, settings)
    if not notes:
        return None
    return AccompanimentPart(notes, settings.midi_channel, settings.program)


def performed_accompaniment(
    notes: Sequence[AccompanimentNote], melody
) -> list[PerformedNote]:
    """See the module docstring: the notes' played on and off, in steps, in order."""
    swing, unit = melody.swing, melody.swing_unit
    played = [
        PerformedNote(swung_step(n.start, swing, unit), swung_step(n.end, swing, unit),
                      n.pitch, n.velocity)
        for n in notes
    ]
    played.sort(key=lambda n: (n.on, n.pitch))
    return played
