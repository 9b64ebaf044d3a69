"""MIDI input: an open input port, and the recorder that turns a played take into a Melody.

No Qt. Opens ports through :mod:`engine.live.ports`.

``open_input(port=None, handler=None, *, virtual=False, system=None, clock=time.perf_counter)``
    -> ``MidiInput``: calls ``handler(message, time)`` from the MIDI system's thread for every
    message, ``time`` read from ``clock`` on arrival (the same clock the player schedules on).
    Raises ``PortError`` with a message naming the port and the reason.
``Recorder(template=Melody(), *, grid=1, channel=None)``
    ``start(time_to_step=None, at=None, from_step=0)``   begin a take; ``time_to_step(t)``
        maps arrival times to grid steps (the player's ``step_at`` while playing along), else
        steps count from ``at`` at the template's tempo; ``from_step`` is where the take may
        begin (playback's start, after any count-in)
    ``feed(message, time)``   thread-safe; note-on with velocity 0 is a note-off
    ``snapshot(at)``          the take so far, held notes cut at ``at``
    ``stop(at=None) -> Melody``   the take, quantized (see :func:`quantize_take`)
``check_grid(steps)``   the one check of a recording grid; ``engine.edits.merge_take`` puts a
    take into the piece

Quantizing: starts and ends snap to the nearest multiple of ``grid`` steps (a note keeps at least
one grid unit); notes that ended before ``from_step`` (0, or where recording began, e.g. played
during a count-in) are dropped, ones that began before it and were still held start there, as
an early downbeat does.
Overlaps follow the melody's monophony rule: the later note wins, so legato playing comes out as
touching notes and, in a chord, the last key pressed wins.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from segue.engine.live.endpoints import OpenPort, PortEndpoint, PortInfo
from segue.engine.live.messages import check_channel, parse_note
from segue.engine.live.ports import INPUT, MidiSystem, default_system
from segue.engine.melody import Melody, Note

__all__ = ["MidiInput", "Recorder", "RawNote", "open_input", "quantize_take", "check_grid"]

log = logging.getLogger(__name__)

Handler = Callable[[list, float], None]


class MidiInput(PortEndpoint):
    """An open MIDI input port delivering ``handler(message, time)`` from the MIDI thread."""

    def __init__(self, opened: OpenPort, handler: Handler | None = None, clock=time.perf_counter):
        super().__init__(opened)
        self._clock = clock
        self._handler = handler
        opened.relay.target = self._receive

    def _receive(self, event, data=None) -> None:
        # Runs on the MIDI system's thread (JACK's process thread under JACK): stay short.
        arrival = self._clock()
        handler = self._handler
        if handler is None:
            return
        message, _delta = event
        try:
            handler(message, arrival)
        except Exception:  # noqa: BLE001 - an exception here would be lost in C code
            log.exception("MIDI input handler failed")

    def close(self) -> None:
        self._handler = None
        self._opened.close()


def open_input(
    port: PortInfo | str | None = None,
    handler: Handler | None = None,
    *,
    virtual: bool = False,
    system: MidiSystem | None = None,
    clock=time.perf_counter,
) -> MidiInput:
    """Open an input port (see :meth:`engine.live.ports.MidiSystem.open`)."""
    system = system or default_system()
    return MidiInput(system.open(INPUT, port, virtual=virtual), handler, clock)


def check_grid(steps: object) -> int:
    """``steps`` if it is a recording grid (a whole number of steps, 1 or more); else ValueError."""
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"recording grid {steps!r} must be a whole number of steps, 1 or more")
    return steps


@dataclass(frozen=True)
class RawNote:
    """A played note before quantizing: position in (fractional) steps."""

    pitch: int
    start: float
    end: float
    velocity: int


def quantize_take(raw: Iterable[RawNote], grid: int, template: Melody, from_step: float = 0) -> Melody:
    """The raw notes snapped to ``grid`` (see the module docstring), as ``template``'s melody."""
    check_grid(grid)

    def snap(step: float) -> int:
        return math.floor(step / grid + 0.5) * grid

    earliest = max(0, snap(from_step))
    notes = []
    for note in sorted(raw, key=lambda n: n.start):  # stable: same start keeps played order
        if note.end <= from_step:
            continue
        start = max(earliest, snap(note.start))
        length = max(grid, snap(max(note.end, note.start)) - start)
        notes.append(Note(note.pitch, start, length, max(1, min(127, note.velocity))))
    return template.with_notes(notes)


class Recorder:
    """Collects one take at a time from timestamped messages (see the module docstring)."""

    def __init__(
        self, template: Melody | None = None, *, grid: int = 1, channel: int | None = None
    ):
        self.template = template if template is not None else Melody()
        self.grid = check_grid(grid)
        self.channel = None if channel is None else check_channel(channel)
        self._lock = threading.Lock()
        self._recording = False
        self._time_to_step: Callable[[float], float] = lambda t: 0.0
        self._held: dict[int, tuple[float, int]] = {}  # pitch -> (start step, velocity)
        self._done: list[RawNote] = []
        self._from_step = 0.0

    @property
    def recording(self) -> bool:
        return self._recording

    @property
    def held(self) -> list[int]:
        """Pitches held down right now."""
        with self._lock:
            return sorted(self._held)

    def start(
        self,
        time_to_step: Callable[[float], float] | None = None,
        at: float | None = None,
        from_step: float = 0,
    ):
        """Begin a take (a previous unfinished take is discarded)."""
        if time_to_step is None:
            origin = time.perf_counter() if at is None else at
            seconds_per_step = self.template.seconds_per_step

            def time_to_step(t: float) -> float:
                return (t - origin) / seconds_per_step

        with self._lock:
            self._time_to_step = time_to_step
            self._from_step = float(from_step)
            self._held.clear()
            self._done.clear()
            self._recording = True

    def feed(self, message: Sequence[int], when: float | None = None) -> bool:
        """Take one message (from any thread); True if it was a note that the take used."""
        parsed = parse_note(message)
        if parsed is None:
            return False
        is_on, channel, pitch, velocity = parsed
        if self.channel is not None and channel != self.channel:
            return False
        when = time.perf_counter() if when is None else when
        with self._lock:
            if not self._recording:
                return False
            step = self._time_to_step(when)
            if is_on:
                if pitch in self._held:  # a repeated note-on without an off: end the old one
                    self._close_locked(pitch, step)
                self._held[pitch] = (step, velocity)
                return True
            if pitch not in self._held:  # its note-on came before the take began
                return False
            self._close_locked(pitch, step)
            return True

    def _close_locked(self, pitch: int, step: float) -> None:
        start, velocity = self._held.pop(pitch)
        self._done.append(RawNote(pitch, start, step, velocity))

    def _raw_locked(self, at: float | None) -> list[RawNote]:
        raw = list(self._done)
        if self._held:
            end = self._time_to_step(time.perf_counter() if at is None else at)
            raw.extend(RawNote(p, s, end, v) for p, (s, v) in self._held.items())
        return raw

    def snapshot(self, at: float | None = None) -> Melody:
        """The take so far, quantized; held notes end at ``at`` (default now)."""
        with self._lock:
            raw = self._raw_locked(at)
        return quantize_take(raw, self.grid, self.template, self._from_step)

    def stop(self, at: float | None = None) -> Melody:
        """End the take and return it; notes still held end at ``at`` (default now)."""
        with self._lock:
            raw = self._raw_locked(at) if self._recording else []
            self._recording = False
            self._held.clear()
            self._done.clear()
        return quantize_take(raw, self.grid, self.template, self._from_step)
