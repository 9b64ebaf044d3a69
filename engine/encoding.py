"""Melody <-> token sequence, one token per grid step (Magenta's melody encoding).

Vocabulary: ``REST`` (0, no note sounds), ``HOLD`` (1, the sounding note goes on), then one
note-on token per pitch of the encoding's range, lowest first. A sequence covers the steps from
``origin`` (by default the melody's first note) to the melody's end; tokens never carry velocity.

Metrical position is the step within the bar, counted from step 0 of the melody's grid, so a
melody whose bar lines fall on multiples of ``steps_per_bar`` gets the right positions whatever
``origin`` is.

Fitting a seed to what the model hears: :func:`recent_context` (its last bars, long notes and
rests shortened, moved near step 0), :func:`fit_to_key` (into a locked key's scale) and
:func:`fit_to_range` (into the model's pitch range).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from segue.engine import keys
from segue.engine.melody import DEFAULT_PITCH_RANGE, DEFAULT_VELOCITY, Melody, Note

REST = 0
HOLD = 1
FIRST_PITCH_TOKEN = 2
ENCODING_VERSION = 1
CONTEXT_BARS = 64  # the model hears at most this many bars before the continuation...
CONTEXT_STEPS = 2048  # ...and at most this many steps (whole bars; long bars of odd meters)
HELD_BARS = 4  # a held note or rest longer than this is heard this long (plus part of a bar)


@dataclass(frozen=True)
class EventEncoding:
    """One token per step over a pitch range ``min_pitch``..``max_pitch`` (both included)."""

    # C2: low enough for bass-clef seeds after octave fitting
    min_pitch: int = DEFAULT_PITCH_RANGE[0]
    max_pitch: int = DEFAULT_PITCH_RANGE[1]  # C7
    version: int = ENCODING_VERSION

    def __post_init__(self):
        if not 0 <= self.min_pitch <= self.max_pitch <= 127:
            raise ValueError(f"pitch range {self.min_pitch}-{self.max_pitch} is not within 0-127")
        if self.version != ENCODING_VERSION:
            raise ValueError(f"encoding version {self.version} is not supported (expected {ENCODING_VERSION})")

    @property
    def num_pitches(self) -> int:
        return self.max_pitch - self.min_pitch + 1

    @property
    def num_tokens(self) -> int:
        return FIRST_PITCH_TOKEN + self.num_pitches

    def pitch_to_token(self, pitch: int) -> int:
        if not self.min_pitch <= pitch <= self.max_pitch:
            raise ValueError(f"pitch {pitch} is outside the encoding range {self.min_pitch}-{self.max_pitch}")
        return FIRST_PITCH_TOKEN + pitch - self.min_pitch

    def token_to_pitch(self, token: int) -> int:
        if not FIRST_PITCH_TOKEN <= token < self.num_tokens:
            raise ValueError(f"token {token} is not a note-on token (2-{self.num_tokens - 1})")
        return self.min_pitch + token - FIRST_PITCH_TOKEN

    def fits(self, melody: Melody) -> bool:
        low_high = melody.pitch_range()
        return low_high is None or (self.min_pitch <= low_high[0] and low_high[1] <= self.max_pitch)

    def encode(self, melody: Melody, origin: int | None = None, end: int | None = None) -> list[int]:
        """Tokens for steps ``origin``..``end`` - 1 (defaults: first note start, melody end).

        Raises ValueError if a pitch is outside the range or a note starts before ``origin``.
        """
        origin = melody.start if origin is None else origin
        end = melody.end if end is None else end
        if end < origin:
            raise ValueError(f"cannot encode from step {origin} to an earlier step {end}")
        tokens = [REST] * (end - origin)
        for note in melody.notes:
            if note.start < origin:
                raise ValueError(f"note at step {note.start} starts before the encoding origin {origin}")
            if note.start >= end:
                break
            tokens[note.start - origin] = self.pitch_to_token(note.pitch)
            for step in range(note.start + 1, min(note.end, end)):
                tokens[step - origin] = HOLD
        return tokens

    def decode(
        self,
        tokens: Sequence[int],
        origin: int = 0,
        velocity: int = DEFAULT_VELOCITY,
        **melody_fields,
    ) -> Melody:
        """The melody whose step ``origin`` is ``tokens[0]``; a leading HOLD is a rest.

        ``melody_fields`` (steps_per_quarter, time_signature, tempo, key) pass to ``Melody``.
        """
        return Melody(self.decode_notes(tokens, origin, velocity), **melody_fields)

    def decode_notes(self, tokens: Sequence[int], origin: int = 0, velocity: int = DEFAULT_VELOCITY) -> list[Note]:
        notes: list[Note] = []
        pitch = start = None
        for i, token in enumerate(tokens):
            if token == HOLD:  # (most tokens on a fine grid: skipped before converting)
                continue
            token = int(token)
            if pitch is not None:
                notes.append(Note(pitch, origin + start, i - start, velocity))
                pitch = None
            if token == REST:
                continue
            pitch, start = self.token_to_pitch(token), i
        if pitch is not None:
            notes.append(Note(pitch, origin + start, len(tokens) - start, velocity))
        return notes

    def to_json(self) -> dict:
        return {"min_pitch": self.min_pitch, "max_pitch": self.max_pitch, "version": self.version}

    @classmethod
    def from_json(cls, data: dict) -> EventEncoding:
        try:
            return cls(int(data["min_pitch"]), int(data["max_pitch"]), int(data["version"]))
        except (KeyError, TypeError) as exc:
            raise ValueError(f"encoding description is incomplete: {exc}") from None


def bar_positions(origin: int, count: int, steps_per_bar: int) -> list[int]:
    """The step within the bar of steps ``origin``..``origin + count - 1``."""
    if steps_per_bar < 1:
        raise ValueError(f"steps per bar {steps_per_bar} must be at least 1")
    return [(origin + i) % steps_per_bar for i in range(count)]


def fit_to_range(melody: Melody, encoding: EventEncoding) -> tuple[Melody, int]:
    """Transpose by whole octaves so the melody fits the range: (fitted, semitones moved).

    Raises ValueError when the melody spans more than the range.
    """
    low_high = melody.pitch_range()
    if low_high is None or encoding.fits(melody):
        return melody, 0
    low, high = low_high
    if high - low > encoding.max_pitch - encoding.min_pitch:
        raise ValueError(
            f"the melody spans {high - low} semitones, more than the model's range "
            f"{encoding.min_pitch}-{encoding.max_pitch}"
        )
    shift = 0
    while low + shift < encoding.min_pitch:
        shift += 12
    while high + shift > encoding.max_pitch:
        shift -= 12
    if low + shift < encoding.min_pitch:  # an octave step overshoots: move by semitones instead
        shift = encoding.min_pitch - low
    return melody.transpose(shift), shift


def recent_context(melody: Melody, end: int) -> tuple[Melody, int]:
    """What the model hears of ``melody`` before step ``end``: ``(context, context_end)``.

    The work of a continuation depends on the music, not on where it sits on the timeline or
    how long a note is held: notes are cut at ``end``; a note or rest longer than
    :data:`HELD_BARS` bars loses whole bars (the model's features stop changing long before);
    only the last :data:`CONTEXT_BARS` bars are kept; and the result is moved by whole bars so
    its first note lies in the first bar. ``context_end`` is where ``end`` lands: it falls on
    the same step of the bar, so metrical positions are unchanged. Only the notes kept are
    visited (from the end), so a huge or far-away seed costs no more than a short one.
    """
    bar = melody.steps_per_bar
    window = bar * max(2 * HELD_BARS + 2, min(CONTEXT_BARS, CONTEXT_STEPS // bar))
    cap = HELD_BARS * bar

    def heard(steps: int) -> int:
        return steps if steps <= cap else cap + (steps - cap) % bar

    kept: list[tuple[Note, int, int]] = []  # (note, steps from its start to end, length heard)
    back, following = 0, end  # steps heard so far back from ``end``; start of what comes next
    for note in reversed(melody.notes):
        if note.start >= end:
            continue
        note_end = min(note.end, end)
        length = heard(note_end - note.start)
        back += heard(following - note_end) + length
        if back > window:
            break
        kept.append((note, back, length))
        following = note.start
    if not kept:
        return melody.with_notes(()), end % bar
    furthest = kept[-1][1]
    context_end = end % bar + bar * -(-max(0, furthest - end % bar) // bar)  # ceil: whole bars
    notes = [Note(n.pitch, context_end - back, length, n.velocity)
             for n, back, length in reversed(kept)]
    return melody.with_notes(notes), context_end


def fit_to_key(melody: Melody, key: str, centre: float = 66.0) -> tuple[Melody, int]:
    """Transpose into ``key``'s scale: ``(moved, semitones)``, at most a tritone either way.

    The move puts as much of the melody (by note length) into the scale as any move can: a
    C major tune locked to F# major becomes an F# major tune, to A minor it stays as it is.
    Among moves that do equally well (a melody that leaves out some notes of its scale) the
    one that also brings the melody's own key (Krumhansl-Schmuckler) onto the scale wins, then
    the smaller one; a tritone goes towards ``centre``.
    """
    scale = keys.scale_pitch_classes(key)
    weights = [0.0] * 12
    for note in melody.notes:
        weights[note.pitch % 12] += note.length
    if not any(weights):
        return melody, 0
    in_scale = [round(sum(weights[(pc - s) % 12] for pc in scale), 6) for s in range(12)]
    tied = [s for s in range(12) if in_scale[s] == max(in_scale)]
    shift = tied[0]
    if len(tied) > 1:  # key finding is the slow part: only for ties
        own_scale = keys.scale_pitch_classes(keys.best_key(weights))
        shift = max(tied, key=lambda s: (len({(pc + s) % 12 for pc in own_scale} & scale),
                                         -min(s, 12 - s)))
    low, high = melody.pitch_range()
    directions = [s for s in (shift, shift - 12) if 0 <= low + s and high + s <= 127] or [0]
    move = min(directions, key=lambda s: (abs(s), abs((low + high) / 2 + s - centre)))
    return (melody.transpose(move) if move else melody), move
