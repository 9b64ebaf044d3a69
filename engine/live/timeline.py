"""The playback timeline: what happens next in a melody, and at which clock time.

Pure and lock-free: no threads, no ports, no sleeping. :class:`engine.live.player.Player` keeps
one under its lock, asks it for the next deadline, and sends what :meth:`Timeline.advance` says
is due; tests drive it with plain numbers.

``Timeline(melody=None, *, loop=None, tempo=None, end=None, metronome=False,
accompaniment=None)``
    ``loop=(start, end)`` in steps repeats that region once the playhead is inside it; ``end``
    (default the melody's end, ``math.inf`` to run on) is where the timeline finishes;
    ``accompaniment`` (:class:`engine.accompaniment.AccompanimentPart`) plays beside the melody,
    its cues carrying its channel (a melody's cue has ``channel`` None: the player's).
``start(step, when, count_in_bars=0)``   begin at ``step``; the first count-in click (or the
    first note) is due at clock time ``when``, the music after the count-in
``anchor(step, when)``   go on from ``step`` at ``when`` (seek, resume, a new output)
``set_loop(loop, now=None)``, ``set_tempo(bpm, now=None)``, ``set_metronome(on, now=None)``
    ``now`` while playing, so the change applies from the playhead on
``next_time()``   clock time of the next cue, or None when nothing is coming
``advance(now) -> list[Cue]``   everything due by ``now``, in order
``step_at(time)``, ``time_of(step)``, ``position(now)`` (the playhead: it waits at the start
    through a count-in)

Every time is computed from one anchor (time, step) and the tempo, so errors never accumulate.
Notes are played where :func:`engine.performance.performed_notes` places them (swing, humanize
offsets in milliseconds at the tempo the timeline starts with), at fractional steps; the loop,
the clicks and the end stay on the grid, and the end waits for a note played late.
Cues at one step come as: click, note-offs, note-ons. A loop wraps before the notes on its end
step (a ``WRAP`` cue: the player releases what sounds), and the notes sounding at the loop start
are chased, as at any anchor: notes that began before the anchor step and still sound there
start at once (the accompaniment's too). The metronome clicks every beat
(``Melody.steps_per_beat``: dotted quarters in 6/8, 9/8 and 12/8) with the bar's first beat
accented, but not on the final bar line; a count-in clicks that many bars before the start,
counted from its own first beat, whether or not the metronome is on.
"""

from __future__ import annotations

import bisect
import math
from typing import NamedTuple

from segue.engine.accompaniment import AccompanimentPart, performed_accompaniment
from segue.engine.melody import Melody, check_tempo
from segue.engine.performance import performed_notes

NOTE_ON, NOTE_OFF, CLICK, WRAP, END = "on", "off", "click", "wrap", "end"
_NONE, _CUES = "none", "cues"  # what _next finds: nothing, or cues on a step
MAX_COUNT_IN_BARS = 4


class Cue(NamedTuple):
    """One thing to do at clock time ``when``: a note (pitch, velocity; on ``channel``, or the
    player's when None), a click (accented or not), a loop wrap or the end."""

    kind: str
    when: float
    pitch: int = 0
    velocity: int = 0
    accent: bool = False
    channel: int | None = None


def check_count_in(bars: object) -> int:
    """``bars`` of count-in, 0 to MAX_COUNT_IN_BARS; ValueError otherwise."""
    if isinstance(bars, bool) or bars not in range(MAX_COUNT_IN_BARS + 1):
        raise ValueError(f"count-in {bars!r} must be 0-{MAX_COUNT_IN_BARS} bars")
    return bars


def check_loop(loop: object) -> tuple[int, int] | None:
    """``loop`` as (start, end) steps with 0 <= start < end, or None; ValueError otherwise."""
    if loop is None:
        return None
    try:
        start, end = (int(v) for v in loop)
    except (TypeError, ValueError):
        raise ValueError(f"loop must be (start, end) in steps, got {loop!r}") from None
    if start < 0 or end <= start:
        raise ValueError(f"loop {start}-{end} must have 0 <= start < end")
    return start, end


def check_start(step: object) -> float:
    """A start or seek step as a float, 0 or more; ValueError otherwise."""
    step = float(step)
    if not step >= 0:
        raise ValueError(f"start step {step!r} must be 0 or more")
    return step


def loop_for(melody: Melody, enabled: bool, region: tuple[int, int] | None):
    """The loop to play: None when off, else the region, or the whole piece rounded up to a
    bar (at least one bar) when no region is set."""
    if not enabled:
        return None
    if region is not None:
        return region
    bar = melody.steps_per_bar
    return 0, max(bar, melody.bar_end(melody.end))


class Timeline:
    """See the module docstring."""

    def __init__(
        self,
        melody: Melody | None = None,
        *,
        loop: tuple[int, int] | None = None,
        tempo: float | None = None,
        end: float | None = None,
        metronome: bool = False,
        accompaniment: AccompanimentPart | None = None,
    ):
        melody = Melody() if melody is None else melody
        if not isinstance(melody, Melody):
            raise ValueError(f"play needs a Melody, got {melody!r}")
        self.loop = check_loop(loop)
        self.tempo = check_tempo(melody.tempo if tempo is None else tempo)
        # Where each note is played (fractional steps: swing, humanize), in order.
        self._played = performed_notes(melody, self.tempo)
        self.accompaniment = accompaniment
        backing = performed_accompaniment(accompaniment.notes, melody) if accompaniment else []
        self._backing, channel = backing, accompaniment.channel if accompaniment else None
        last_off = max((n.off for n in (*self._played, *backing)), default=0)
        self.end = float(max(melody.end, last_off) if end is None else end)
        self.melody = melody
        self.metronome = bool(metronome)
        # (step, 0 off / 1 on, channel, pitch, velocity): at one step, offs come before ons.
        # (-1 sorts the melody's channel, None to the player, first.)
        self._events = sorted(
            [(n.off, 0, -1, n.pitch, 0) for n in self._played]
            + [(n.on, 1, -1, n.pitch, n.velocity) for n in self._played]
            + [(n.off, 0, channel, n.pitch, 0) for n in backing]
            + [(n.on, 1, channel, n.pitch, n.velocity) for n in backing]
        )
        self._event_steps = [event[0] for event in self._events]
        self._note_starts = [n.on for n in self._played]
        self._seconds_per_step = 60.0 / self.tempo / melody.steps_per_quarter
        self.anchor_step = 0.0
        self.anchor_time = 0.0
        self._index = 0
        self._loop_active = False
        self._chase: list[tuple] = []  # (pitch, velocity, channel) to sound at the anchor
        self._next_beat = math.inf
        self._count_in: tuple[float, float] | None = None  # (first click, start) in steps
        self._ended = False

    # --- time ---------------------------------------------------------------------------------

    @property
    def seconds_per_step(self) -> float:
        return self._seconds_per_step

    def step_at(self, when: float) -> float:
        return self.anchor_step + (when - self.anchor_time) / self._seconds_per_step

    def time_of(self, step: float) -> float:
        return self.anchor_time + (step - self.anchor_step) * self._seconds_per_step

    def position(self, now: float) -> float:
        """The playhead at ``now``; it waits at the anchor until the anchor time comes."""
        return max(self.anchor_step, self.step_at(now))

    # --- starting and changing ----------------------------------------------------------------

    def start(self, step: float, when: float, count_in_bars: int = 0) -> None:
        """Begin at ``step``; ``when`` is the clock time of the first count-in click (or of
        ``step`` when there is no count-in)."""
        step = check_start(step)
        count_in = check_count_in(count_in_bars) * self.melody.steps_per_bar
        self.anchor(step, when + count_in * self._seconds_per_step)
        if count_in:
            self._count_in = (step - count_in, step)
            self._next_beat = step - count_in

    def anchor(self, step: float, when: float) -> None:
        """Go on from ``step`` at clock time ``when``; notes sounding there are chased."""
        self.anchor_step, self.anchor_time = step, when
        self._index = bisect.bisect_left(self._event_steps, step)
        self._chase = []
        i = bisect.bisect_left(self._note_starts, step) - 1
        if i >= 0:
            note = self._played[i]
            if note.on < step < note.off:
                self._chase.append((note.pitch, note.velocity, None))
        channel = self.accompaniment.channel if self.accompaniment else None
        self._chase.extend((n.pitch, n.velocity, channel) for n in self._backing
                           if n.on < step < n.off)
        self._loop_active = self.loop is not None and step < self.loop[1]
        self._count_in = None
        self._next_beat = self._first_beat(step)
        self._ended = False

    def set_loop(self, loop: tuple[int, int] | None, now: float | None = None) -> None:
        """A new loop; while playing (``now``) it applies if the playhead is before its end."""
        self.loop = check_loop(loop)
        if now is not None:
            self._loop_active = self.loop is not None and self.position(now) < self.loop[1]

    def set_tempo(self, tempo: float, now: float | None = None) -> None:
        """A new tempo; while playing (``now``) the playhead goes on from where it is."""
        tempo = check_tempo(tempo)
        if now is not None:
            step = self.position(now)
            self.anchor_time, self.anchor_step = max(now, self.anchor_time), step
        self.tempo = tempo
        self._seconds_per_step = 60.0 / tempo / self.melody.steps_per_quarter

    def set_metronome(self, enabled: bool, now: float | None = None) -> None:
        """Click or not; while playing (``now``) from the next beat (a count-in goes on)."""
        self.metronome = bool(enabled)
        if now is not None and self._count_in is None:
            self._next_beat = self._first_beat(self.position(now))

    # --- what comes next ----------------------------------------------------------------------

    def next_time(self) -> float | None:
        """Clock time of the next cue, or None when nothing more is coming."""
        times = [self.anchor_time] if self._chase else []
        step, kind = self._next()
        if kind != _NONE:
            times.append(self.time_of(step))
        return min(times) if times else None

    def advance(self, now: float) -> list[Cue]:
        """Every cue due by clock time ``now``, in order; nothing more comes after ``END``."""
        cues: list[Cue] = []
        while True:
            if self._chase and self.anchor_time <= now:
                cues.extend(Cue(NOTE_ON, self.anchor_time, p, v, channel=c)
                            for p, v, c in self._chase)
                self._chase = []
            step, kind = self._next()
            when = self.time_of(step)
            if kind == _NONE or when > now:
                return cues
            if kind == WRAP:
                cues.append(Cue(WRAP, when))
                self.anchor(self.loop[0], when)
                continue
            if kind == END:
                self._ended = True
                cues.append(Cue(END, when))
                return cues
            if self._next_beat == step and step < self._limit():  # no click on the last line
                cues.append(Cue(CLICK, when, accent=self._accented(step)))
                self._next_beat += self.melody.steps_per_beat
                if self._count_in is not None and self._next_beat >= self._count_in[1]:
                    self._next_beat = self._first_beat(self._count_in[1])
                    self._count_in = None
            while self._index < len(self._events) and self._events[self._index][0] == step:
                _, is_on, channel, pitch, velocity = self._events[self._index]
                self._index += 1
                channel = None if channel == -1 else channel
                cues.append(Cue(NOTE_ON if is_on else NOTE_OFF, when, pitch, velocity,
                                channel=channel))

    def _limit(self) -> float:
        """Where the timeline stops or wraps."""
        return self.loop[1] if self._loop_active else self.end

    def _next(self) -> tuple[float, str]:
        """The next step with something on it, and what: WRAP, END, a cue, or _NONE."""
        if self._ended:
            return math.inf, _NONE
        limit = self._limit()
        event = self._event_steps[self._index] if self._index < len(self._events) else math.inf
        beat = self._next_beat if self._next_beat < limit else math.inf
        step = min(event, beat)
        if self._loop_active:
            return (limit, WRAP) if limit <= step else (step, _CUES)
        if step > limit or step == math.inf:
            return limit, (END if limit < math.inf else _NONE)
        return step, _CUES

    def _first_beat(self, step: float) -> float:
        if not self.metronome:
            return math.inf
        beat = self.melody.steps_per_beat
        return math.ceil(step / beat - 1e-9) * beat

    def _accented(self, step: float) -> bool:
        """The first beat of a bar; a count-in counts its bars from its own first click."""
        bar_start = self._count_in[0] if self._count_in is not None else 0
        return (step - bar_start) % self.melody.steps_per_bar == 0
