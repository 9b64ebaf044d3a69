"""Performance timing: where each note of a melody is played, in (fractional) grid steps.

The grid stays what the model, the roll and sessions use; this module alone turns it into
played times, for live playback (:mod:`engine.live.timeline`), audio export
(:mod:`engine.audio.rendering`) and MIDI export (:mod:`engine.midi_io.writing`) alike:

* Swing (``Melody.swing``, 0.5-0.75, on pairs of ``Melody.swing_unit`` steps, counted from step
  0) moves the off-beat of each pair to ``swing`` of the pair's length, as a DAW's groove does:
  0.5 leaves it, 0.6 delays a sixteenth off-beat by a fifth of a sixteenth, 2/3 puts it on the
  triplet, 0.75 makes a dotted rhythm. Every point between moves in proportion (time is
  stretched piecewise linearly), so note ends follow their starts.
* A note's ``offset_ms`` (humanize) then moves its start and end by that many milliseconds at
  the tempo played.
* The line stays monophonic when played: a note ends where the next one is played, at the
  latest; a note that reached the next one on the grid (legato) still reaches it. No note is
  played before time 0 or before the note ahead of it.

``swung_step(step, swing, unit)``   one grid point's played position in steps
``performed_notes(melody, tempo=None) -> [PerformedNote]``   every note's played on and off,
    in steps at ``tempo`` (the melody's unless given), in order
``performed_events(melody, tempo=None) -> [(seconds, is_on, pitch, velocity)]``   the same in
    seconds from step 0, offs before ons at one time
"""

from __future__ import annotations

from typing import NamedTuple

from segue.engine.melody import STRAIGHT, Melody, check_tempo


class PerformedNote(NamedTuple):
    """A note as played: ``on`` and ``off`` in grid steps (fractions allowed), pitch, velocity."""

    on: float
    off: float
    pitch: int
    velocity: int


def swung_step(step: float, swing: float, unit: int) -> float:
    """Where grid point ``step`` is played with ``swing`` on pairs of ``unit`` steps."""
    if swing == STRAIGHT:
        return step
    pair = 2 * unit
    pairs, within = divmod(step, pair)
    if within <= unit:  # the first of the pair stretches to ``swing`` of it
        played = within * 2 * swing
    else:  # the second shrinks to fill the rest
        played = swing * pair + (within - unit) * 2 * (1 - swing)
    return pairs * pair + played


def performed_notes(melody: Melody, tempo: float | None = None) -> list[PerformedNote]:
    """See the module docstring."""
    notes = melody.notes
    swing, unit = melody.swing, melody.swing_unit
    if swing == STRAIGHT and not any(note.offset_ms for note in notes):
        return [PerformedNote(n.start, n.end, n.pitch, n.velocity) for n in notes]
    steps_per_ms = check_tempo(melody.tempo if tempo is None else tempo) * (
        melody.steps_per_quarter / 60_000.0
    )
    ons, offs = [], []
    previous_on = 0.0
    for note in notes:
        shift = note.offset_ms * steps_per_ms
        on = max(previous_on, swung_step(note.start, swing, unit) + shift)
        ons.append(on)
        offs.append(max(on, swung_step(note.end, swing, unit) + shift))
        previous_on = on
    performed = []
    for i, note in enumerate(notes):
        off = offs[i]
        if i + 1 < len(notes):
            following_on = ons[i + 1]
            off = following_on if note.end >= notes[i + 1].start else min(off, following_on)
        performed.append(PerformedNote(ons[i], off, note.pitch, note.velocity))
    return performed


def performed_events(
    melody: Melody, tempo: float | None = None
) -> list[tuple[float, bool, int, int]]:
    """(seconds, is_on, pitch, velocity) for every note-on and note-off, in time order, offs
    before ons at one time (a repeated pitch is released, then struck again)."""
    seconds_per_step = 60.0 / check_tempo(melody.tempo if tempo is None else tempo) / (
        melody.steps_per_quarter
    )
    events = []
    for note in performed_notes(melody, tempo):
        events.append((note.on * seconds_per_step, True, note.pitch, note.velocity))
        events.append((note.off * seconds_per_step, False, note.pitch, 0))
    events.sort(key=lambda event: event[:2])
    return events
