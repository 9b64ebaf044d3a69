"""Playing melodies through a MIDI output port, on a dedicated scheduler thread. No Qt.

Ports (see :mod:`engine.live.ports`, this module's twin for listing and opening):
    ``midi_available() -> (bool, reason)``, ``list_output_ports() -> list[PortInfo]``
    ``open_output(port=None, virtual=False, system=None) -> MidiOutput``  a port by PortInfo or
        remembered name, or a virtual output "Segue" for a DAW to record; ``PortError`` with a
        message naming the port and the reason when that fails.

The player:
    ``Player(output=None, *, clock=time.perf_counter, sleep=time.sleep, channel=0, program=None)``
    ``play(melody, start_step=0, loop=None, tempo=None, end=None, count_in_bars=0)``
        ``loop=(start, end)`` in steps repeats that region once the playhead is inside it;
        ``end`` (default the melody's end, ``math.inf`` to run on, e.g. while recording) is
        where playback finishes; ``count_in_bars`` clicks that many bars before ``start_step``
        (whether or not the metronome is on) while the playhead waits there
    ``stop()``, ``pause()``, ``resume()``, ``seek(step)``, ``set_loop(loop)``, ``set_tempo(bpm)``
    ``set_output(output)`` (the player owns its output and closes the one it replaces),
    ``set_channel(0-15)``, ``set_program(0-127 | None)``, ``set_metronome(bool)``
    ``audition(pitch, velocity=100, seconds=0.3)``   a piano-roll key click
    ``thru(message)``   echo a live note-on/off to the output on the player's channel
    ``panic()``   stops, then CC120/CC121/CC123 on all 16 channels
    ``check_output(ports)``   with a fresh port list: stop with an error if the output is gone
    ``close()``   stops, ends the thread, closes the output
    ``state`` ('stopped' | 'playing' | 'paused'), ``position`` (step, float), ``step_at(time)``,
    ``time_of(step)``, ``wait(timeout)``
    callbacks (attributes, called from the scheduler thread or the calling thread, never with a
    lock held): ``on_position(step)`` ~60 times a second while playing, ``on_state(state)``,
    ``on_finished()`` at the natural end, ``on_error(message)`` once when the output fails.

Timing: every event has an absolute deadline on ``clock`` computed from one anchor (time, step)
and the tempo, so errors never accumulate. The thread waits on a condition until ~2 ms before a
deadline (commands wake it), sleeps until ``SPIN_SECONDS`` before, then spins. With an injected
clock (tests), waits are exactly ``sleep(seconds)`` and nothing spins, so a fake clock that
advances in ``sleep`` makes playback deterministic (:class:`FakeClock`).

Releasing: stop, pause, seek, loop wrap, port or channel change and close send a note-off for each
sounding note, then CC64=0 and CC123 on the channel. Note-offs are sent only for notes that sound.
When a send fails (the port vanished), playback stops, the output is dropped and ``on_error`` is
called once; nothing waits on the dead port.

:class:`FakeOutput` records sent messages with timestamps for tests.
"""

from __future__ import annotations

import bisect
import logging
import math
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence

from engine.live.midi_input import parse_note
from engine.live.ports import (
    OUTPUT,
    MidiSystem,
    OpenPort,
    PortError,
    PortInfo,
    default_system,
    describe_rtmidi_error,
    list_output_ports,
    midi_available,
)
from engine.melody import Melody, check_tempo

__all__ = [
    "Player",
    "MidiOutput",
    "FakeOutput",
    "FakeClock",
    "PortError",
    "PortInfo",
    "open_output",
    "list_output_ports",
    "midi_available",
    "note_on",
    "note_off",
    "control_change",
    "program_change",
    "release_messages",
    "panic_messages",
    "STOPPED",
    "PLAYING",
    "PAUSED",
]

log = logging.getLogger(__name__)

NOTE_OFF, NOTE_ON, CONTROL_CHANGE, PROGRAM_CHANGE = 0x80, 0x90, 0xB0, 0xC0
CC_SUSTAIN, CC_ALL_SOUND_OFF, CC_RESET_CONTROLLERS, CC_ALL_NOTES_OFF = 64, 120, 121, 123
RELEASE_VELOCITY = 64  # the MIDI spec's value for "no release velocity"
METRONOME_CHANNEL = 9  # General MIDI percussion (channel 10)
CLICK_ACCENT, CLICK_BEAT = 76, 77  # GM high and low wood block
CLICK_VELOCITIES = (110, 80)
CLICK_SECONDS = 0.05
MAX_COUNT_IN_BARS = 4

STOPPED, PLAYING, PAUSED = "stopped", "playing", "paused"

START_LEAD_SECONDS = 0.005  # first deadline after a play/seek: the thread needs a moment to wake
SPIN_SECONDS = 0.0005
# How long before a deadline the interruptible wait hands over to sleep: a condition wait can
# overshoot by a timer tick (15.6 ms on Windows), sleep is fine-grained there since Python 3.11.
COARSE_MARGIN_SECONDS = 0.02 if sys.platform == "win32" else 0.002
POSITION_INTERVAL = 1 / 60


# --- messages ---------------------------------------------------------------------------------


def _check_channel(channel: int) -> int:
    if isinstance(channel, bool) or not isinstance(channel, int) or not 0 <= channel <= 15:
        raise ValueError(f"MIDI channel {channel!r} is outside 0-15 (shown to users as 1-16)")
    return channel


def _check_data(name: str, value: int, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= 127:
        raise ValueError(f"{name} {value!r} is outside {low}-127")
    return value


def note_on(channel: int, pitch: int, velocity: int) -> list[int]:
    return [NOTE_ON | channel, pitch, velocity]


def note_off(channel: int, pitch: int) -> list[int]:
    return [NOTE_OFF | channel, pitch, RELEASE_VELOCITY]


def control_change(channel: int, controller: int, value: int) -> list[int]:
    return [CONTROL_CHANGE | channel, controller, value]


def program_change(channel: int, program: int) -> list[int]:
    return [PROGRAM_CHANGE | channel, program]


def release_messages(
    sounding: Iterable[tuple[int, int]], channels: Iterable[int]
) -> list[list[int]]:
    """Note-off for each sounding (channel, pitch), then CC64=0 and CC123 on each channel."""
    messages = [note_off(channel, pitch) for channel, pitch in sounding]
    for channel in sorted(set(channels)):
        messages.append(control_change(channel, CC_SUSTAIN, 0))
        messages.append(control_change(channel, CC_ALL_NOTES_OFF, 0))
    return messages


def panic_messages() -> list[list[int]]:
    """All sound off, reset controllers and all notes off on each of the 16 channels."""
    return [
        control_change(channel, controller, 0)
        for channel in range(16)
        for controller in (CC_ALL_SOUND_OFF, CC_RESET_CONTROLLERS, CC_ALL_NOTES_OFF)
    ]


# --- outputs ----------------------------------------------------------------------------------


class MidiOutput:
    """An open MIDI output port. ``send`` raises :class:`PortError` when the port fails."""

    def __init__(self, opened: OpenPort):
        self._opened = opened
        self.port: PortInfo = opened.port

    @property
    def name(self) -> str:
        return self.port.name

    @property
    def virtual(self) -> bool:
        return self.port.virtual

    def send(self, message: Sequence[int]) -> None:
        handle = self._opened.handle
        if handle is None:
            raise PortError(f"MIDI output '{self.name}' is closed.")
        try:
            handle.send_message(list(message))
        except Exception as exc:  # noqa: BLE001 - rtmidi raises several types for a dead port
            raise PortError(
                f"MIDI output '{self.name}' stopped working ({describe_rtmidi_error(exc)})."
            ) from None

    def close(self) -> None:
        self._opened.close()

    def present_in(self, ports: Iterable[PortInfo]) -> bool:
        """Whether the port is still there (a virtual port is ours, so always)."""
        return self.virtual or any(p.name == self.name and p.api == self.port.api for p in ports)


def open_output(
    port: PortInfo | str | None = None, virtual: bool = False, system: MidiSystem | None = None
) -> MidiOutput:
    """Open an output port (see :meth:`engine.live.ports.MidiSystem.open`)."""
    system = system or default_system()
    return MidiOutput(system.open(OUTPUT, port, virtual=virtual))


class FakeOutput:
    """An output that records ``(clock(), message)`` in ``sent``; for tests and benchmarks.

    ``fail()`` makes every later send raise :class:`PortError`, as an unplugged port does.
    """

    def __init__(self, clock: Callable[[], float] = time.perf_counter, name: str = "Fake output"):
        self._clock = clock
        self.port = PortInfo(name, "Fake")
        self.sent: list[tuple[float, list[int]]] = []
        self.closed = False
        self._failing = False

    @property
    def name(self) -> str:
        return self.port.name

    virtual = False

    @property
    def messages(self) -> list[list[int]]:
        return [message for _, message in self.sent]

    def notes(self) -> list[tuple[str, int, int]]:
        """Sent note messages as ('on'|'off', channel, pitch), for readable assertions."""
        result = []
        for message in self.messages:
            parsed = parse_note(message)
            if parsed is not None:
                result.append(("on" if parsed[0] else "off", parsed[1], parsed[2]))
        return result

    def fail(self) -> None:
        self._failing = True

    def send(self, message: Sequence[int]) -> None:
        if self._failing or self.closed:
            raise PortError(f"MIDI output '{self.name}' stopped working (device removed).")
        self.sent.append((self._clock(), list(message)))

    def close(self) -> None:
        self.closed = True

    def present_in(self, ports: Iterable[PortInfo]) -> bool:
        return not self._failing


class FakeClock:
    """A clock that moves only when slept on, for deterministic player tests.

    ``hold_at(t)`` makes the sleep that would pass ``t`` stop there and block until
    ``release()``; ``wait_held()`` lets the test wait for that moment, act (say, stop the player
    in mid-note) and release.
    """

    def __init__(self, start: float = 100.0):
        self._now = start
        self._lock = threading.Lock()
        self._hold: float | None = None
        self._held = threading.Event()
        self._released = threading.Event()

    def now(self) -> float:
        with self._lock:
            return self._now

    __call__ = now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            target = self._now + max(0.0, seconds)
            hold = self._hold
            if hold is not None and target >= hold:
                self._now = max(self._now, hold)
                self._hold = None
            else:
                self._now = target
                hold = None
        if hold is not None:
            self._held.set()
            self._released.wait(10)
            self._released.clear()

    def hold_at(self, when: float) -> None:
        with self._lock:
            self._hold = when
        self._held.clear()

    def wait_held(self, timeout: float = 5.0) -> bool:
        return self._held.wait(timeout)

    def release(self) -> None:
        self._held.clear()
        self._released.set()


# --- the player -------------------------------------------------------------------------------


def check_count_in(bars: object) -> int:
    """``bars`` of count-in, 0 to MAX_COUNT_IN_BARS; ValueError otherwise."""
    if isinstance(bars, bool) or bars not in range(MAX_COUNT_IN_BARS + 1):
        raise ValueError(f"count-in {bars!r} must be 0-{MAX_COUNT_IN_BARS} bars")
    return bars


def _check_loop(loop) -> tuple[int, int] | None:
    if loop is None:
        return None
    try:
        start, end = (int(v) for v in loop)
    except (TypeError, ValueError):
        raise ValueError(f"loop must be (start, end) in steps, got {loop!r}") from None
    if start < 0 or end <= start:
        raise ValueError(f"loop {start}-{end} must have 0 <= start < end")
    return start, end




class Player:
    """Plays melodies on its own thread (see the module docstring for the whole API)."""

    def __init__(
        self,
        output=None,
        *,
        clock: Callable[[], float] = time.perf_counter,
        sleep: Callable[[float], None] = time.sleep,
        channel: int = 0,
        program: int | None = None,
        position_interval: float = POSITION_INTERVAL,
    ):
        self._clock = clock
        self._sleep = sleep
        # Real time: interruptible waits plus a short spin; injected time: plain sleeps only.
        self._real_time = clock is time.perf_counter and sleep is time.sleep
        self._spin = SPIN_SECONDS if self._real_time else 0.0
        if position_interval <= 0:
            raise ValueError(f"position interval {position_interval!r} must be positive")
        self._position_interval = position_interval
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._output = output
        self._channel = _check_channel(channel)
        self._program = None if program is None else _check_data("program", program)
        self._metronome = False
        self._state = STOPPED
        self._generation = 0
        self._thread: threading.Thread | None = None
        self._closing = False
        self._callbacks: list[tuple[str, tuple]] = []
        self._to_close: list = []
        self._sounding: dict[tuple[int, int], None] = {}  # insertion-ordered set
        self._timed_offs: dict[tuple[int, int], float] = {}  # auditions and clicks
        # The session being played.
        self._melody = Melody()
        self._events: list[tuple[int, int, int, int]] = []  # (step, 0 off / 1 on, pitch, velocity)
        self._event_steps: list[int] = []
        self._note_starts: list[int] = []
        self._index = 0
        self._loop: tuple[int, int] | None = None
        self._loop_active = False
        self._end_step = 0.0
        self._seconds_per_step = 0.125
        self._tempo = 120.0
        self._anchor_time = 0.0
        self._anchor_step = 0.0
        self._position = 0.0
        self._chase: list[tuple[int, int]] = []  # (pitch, velocity) to sound at the anchor
        self._next_beat = math.inf
        self._next_tick = math.inf
        self._count_in: tuple[float, float] | None = None  # (first click, start) steps
        self.on_position: Callable[[float], None] | None = None
        self.on_state: Callable[[str], None] | None = None
        self.on_finished: Callable[[], None] | None = None
        self.on_error: Callable[[str], None] | None = None

    # --- properties ---------------------------------------------------------------------------

    @property
    def state(self) -> str:
        return self._state

    @property
    def is_playing(self) -> bool:
        return self._state == PLAYING

    @property
    def output(self):
        return self._output

    @property
    def channel(self) -> int:
        return self._channel

    @property
    def program(self) -> int | None:
        return self._program

    @property
    def tempo(self) -> float:
        return self._tempo

    @property
    def loop(self) -> tuple[int, int] | None:
        return self._loop

    @property
    def metronome(self) -> bool:
        return self._metronome

    @property
    def position(self) -> float:
        """The playhead in steps: live while playing, else where it stopped or was put."""
        with self._lock:
            if self._state == PLAYING:
                return max(self._anchor_step, self.step_at(self._clock()))
            return self._position

    def step_at(self, when: float) -> float:
        """The step at clock time ``when`` on the current timeline (tempo and anchor)."""
        return self._anchor_step + (when - self._anchor_time) / self._seconds_per_step

    def time_of(self, step: float) -> float:
        """The clock time of ``step`` on the current timeline."""
        return self._anchor_time + (step - self._anchor_step) * self._seconds_per_step

    # --- commands -----------------------------------------------------------------------------

    def play(
        self,
        melody: Melody,
        start_step: float = 0,
        loop: tuple[int, int] | None = None,
        tempo: float | None = None,
        end: float | None = None,
        count_in_bars: int = 0,
    ) -> None:
        """Play ``melody`` from ``start_step`` (notes already sounding there are chased),
        after ``count_in_bars`` bars of clicks."""
        if not isinstance(melody, Melody):
            raise ValueError(f"play needs a Melody, got {melody!r}")
        start_step = float(start_step)
        if not start_step >= 0:
            raise ValueError(f"start step {start_step!r} must be 0 or more")
        loop = _check_loop(loop)
        count_in_bars = check_count_in(count_in_bars)
        tempo = check_tempo(melody.tempo if tempo is None else tempo)
        end_step = float(melody.end if end is None else end)
        if self._output is None:
            raise PortError("No MIDI output is open: choose an output port first.")
        with self._lock:
            if self._state != STOPPED or self._sounding:
                self._release_locked()
            self._melody = melody
            self._events = sorted(
                [(n.end, 0, n.pitch, 0) for n in melody.notes]
                + [(n.start, 1, n.pitch, n.velocity) for n in melody.notes]
            )
            self._event_steps = [e[0] for e in self._events]
            self._note_starts = [n.start for n in melody.notes]
            self._loop = loop
            self._end_step = end_step
            self._tempo = tempo
            self._seconds_per_step = 60.0 / tempo / melody.steps_per_quarter
            if self._program is not None:
                self._send_locked(program_change(self._channel, self._program))
            if self._output is not None:  # else the program change found the port dead
                self._set_state_locked(PLAYING)
                count_in = count_in_bars * melody.steps_per_bar
                lead = START_LEAD_SECONDS + count_in * self._seconds_per_step
                self._anchor_locked(start_step, self._clock() + lead)
                if count_in:  # clicks from a count-in before the start, timed on the same anchor
                    self._count_in = (start_step - count_in, start_step)
                    self._next_beat = start_step - count_in
                self._ensure_thread_locked()
        self._fire()

    def stop(self) -> None:
        """Stop; every sounding note is released. The position stays where it stopped."""
        with self._lock:
            if self._state == PLAYING:
                self._position = self._current_step_locked()
            self._release_locked()
            self._set_state_locked(STOPPED)
            self._generation += 1
            self._cond.notify_all()
        self._fire()

    def pause(self) -> None:
        with self._lock:
            if self._state != PLAYING:
                return
            self._position = self._current_step_locked()
            self._release_locked()
            self._set_state_locked(PAUSED)
            self._generation += 1
            self._cond.notify_all()
        self._fire()

    def resume(self) -> None:
        """Continue a paused playback from its position."""
        with self._lock:
            if self._state != PAUSED:
                return
            if self._output is None:
                self._set_state_locked(STOPPED)
            else:
                self._set_state_locked(PLAYING)
                self._anchor_locked(self._position, self._clock() + START_LEAD_SECONDS)
                self._ensure_thread_locked()
        self._fire()

    def seek(self, step: float) -> None:
        """Move the playhead; while playing, sounding notes are released and play goes on."""
        step = float(step)
        if not step >= 0:
            raise ValueError(f"seek step {step!r} must be 0 or more")
        with self._lock:
            self._position = step
            if self._state == PLAYING:
                self._release_locked()
                self._anchor_locked(step, self._clock() + START_LEAD_SECONDS)
            self._callbacks.append(("on_position", (step,)))
        self._fire()

    def set_loop(self, loop: tuple[int, int] | None) -> None:
        loop = _check_loop(loop)
        with self._lock:
            self._loop = loop
            if self._state == PLAYING:
                self._loop_active = loop is not None and self._current_step_locked() < loop[1]
                self._wake_locked()

    def set_tempo(self, tempo: float) -> None:
        """Change the tempo; while playing, the playhead goes on from where it is now."""
        tempo = check_tempo(tempo)
        with self._lock:
            if self._state == PLAYING:
                now = self._clock()
                step = max(self._anchor_step, self.step_at(now))
                self._anchor_time, self._anchor_step = max(now, self._anchor_time), step
            self._tempo = tempo
            self._seconds_per_step = 60.0 / tempo / self._melody.steps_per_quarter
            self._wake_locked()

    def set_metronome(self, enabled: bool) -> None:
        with self._lock:
            self._metronome = bool(enabled)
            if self._state == PLAYING and self._count_in is None:
                self._next_beat = self._first_beat_locked(self._current_step_locked())
                self._wake_locked()

    def set_output(self, output) -> None:
        """Use ``output`` (or None) from now on; the old output's notes are released and it is
        closed. Playback goes on on the new output (the current note is chased there)."""
        with self._lock:
            old = self._output
            channels = {self._channel} | {channel for channel, _ in self._sounding}
            if old is not None:
                try:  # the old port may be the one that vanished: release what we can
                    for message in release_messages(list(self._sounding), channels):
                        old.send(message)
                except PortError:
                    pass
            self._sounding.clear()
            self._timed_offs.clear()
            self._chase = []
            self._output = output
            if old is not None and old is not output:
                self._to_close.append(old)
            if output is not None and self._program is not None:
                self._send_locked(program_change(self._channel, self._program))
            if self._state == PLAYING:
                if self._output is None:
                    self._position = self._current_step_locked()
                    self._set_state_locked(STOPPED)
                else:
                    self._anchor_locked(self._current_step_locked(), self._clock())
            self._wake_locked()
        self._fire()

    def set_channel(self, channel: int) -> None:
        channel = _check_channel(channel)
        with self._lock:
            if channel == self._channel:
                return
            self._release_locked()
            self._channel = channel
            if self._program is not None:
                self._send_locked(program_change(channel, self._program))
            if self._state == PLAYING:
                self._anchor_locked(self._current_step_locked(), self._clock())
            self._wake_locked()
        self._fire()

    def set_program(self, program: int | None) -> None:
        """General MIDI program 0-127 (sent now and at each play), or None to send none."""
        program = None if program is None else _check_data("program", program)
        with self._lock:
            self._program = program
            if program is not None:
                self._send_locked(program_change(self._channel, program))
        self._fire()

    def audition(self, pitch: int, velocity: int = 100, seconds: float = 0.3) -> bool:
        """Sound one note for ``seconds``; False (and nothing sent) without an output."""
        _check_data("pitch", pitch)
        _check_data("velocity", velocity, low=1)
        if not 0 < seconds <= 10:
            raise ValueError(f"audition length {seconds!r} s is outside 0-10")
        with self._lock:
            if self._output is None:
                return False
            key = (self._channel, pitch)
            if key in self._sounding:  # retrigger: the old note ends first
                self._sounding.pop(key)
                self._send_locked(note_off(*key))
            if self._send_locked(note_on(self._channel, pitch, velocity)):
                self._sounding[key] = None
                self._timed_offs[key] = self._clock() + seconds
                self._ensure_thread_locked()
                self._wake_locked()
        self._fire()
        return self._output is not None

    def thru(self, message: Sequence[int]) -> None:
        """Echo a live note-on/off (from an input port) on the player's channel."""
        parsed = parse_note(message)
        if parsed is None:
            return
        is_on, _, pitch, velocity = parsed
        with self._lock:
            if self._output is None:
                return
            key = (self._channel, pitch)
            if is_on:
                if key in self._sounding:
                    self._sounding.pop(key)
                    self._send_locked(note_off(*key))
                if self._send_locked(note_on(self._channel, pitch, velocity)):
                    self._sounding[key] = None
            elif key in self._sounding:
                self._sounding.pop(key)
                self._timed_offs.pop(key, None)
                self._send_locked(note_off(*key))
        self._fire()

    def panic(self) -> None:
        """Stop playback, release what we know sounds, then CC120/121/123 on all channels."""
        with self._lock:
            if self._state == PLAYING:
                self._position = self._current_step_locked()
            for key in list(self._sounding):
                self._send_locked(note_off(*key))
            self._sounding.clear()
            self._timed_offs.clear()
            for message in panic_messages():
                if not self._send_locked(message):
                    break
            self._set_state_locked(STOPPED)
            self._generation += 1
            self._cond.notify_all()
        self._fire()

    def check_output(self, ports: Iterable[PortInfo]) -> bool:
        """Given a fresh port list, stop with an error if our output is gone (JACK and others
        keep accepting messages for a vanished destination, so listing is how we notice)."""
        with self._lock:
            output = self._output
            if output is None or output.present_in(ports):
                return True
            self._fail_locked(f"MIDI output '{output.name}' disappeared (was it unplugged?).")
        self._fire()
        return False

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the player is not playing; True if it stopped within ``timeout``."""
        with self._cond:
            return self._cond.wait_for(lambda: self._state != PLAYING, timeout)

    def close(self) -> None:
        """Stop, release everything, end the scheduler thread and close the output."""
        with self._lock:
            self._release_locked()
            self._set_state_locked(STOPPED)
            self._closing = True
            self._generation += 1
            if self._output is not None:
                self._to_close.append(self._output)
                self._output = None
            thread = self._thread
            self._cond.notify_all()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
        self._fire()

    # --- internals (all *_locked methods run with the lock held) ------------------------------

    def _ensure_thread_locked(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._closing = False
            self._thread = threading.Thread(target=self._run, name="segue-playback", daemon=True)
            self._thread.start()

    def _wake_locked(self) -> None:
        self._generation += 1
        self._cond.notify_all()

    def _set_state_locked(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self._callbacks.append(("on_state", (state,)))
            self._cond.notify_all()

    def _current_step_locked(self) -> float:
        return max(self._anchor_step, self.step_at(self._clock()))

    def _first_beat_locked(self, step: float) -> float:
        if not self._metronome:
            return math.inf
        beat = self._melody.steps_per_beat
        return math.ceil(step / beat - 1e-9) * beat

    def _anchor_locked(self, step: float, when: float) -> None:
        """Start the timeline at ``step`` at clock time ``when`` (play, seek, wrap, resume)."""
        self._anchor_step, self._anchor_time = step, when
        self._position = step
        self._index = bisect.bisect_left(self._event_steps, step)
        # Chase: notes that began before ``step`` and still sound there start at once.
        self._chase = []
        i = bisect.bisect_left(self._note_starts, step) - 1
        if i >= 0:
            note = self._melody.notes[i]
            if note.start < step < note.end:
                self._chase.append((note.pitch, note.velocity))
        self._loop_active = self._loop is not None and step < self._loop[1]
        self._count_in = None
        self._next_beat = self._first_beat_locked(step)
        self._next_tick = when
        self._generation += 1
        self._cond.notify_all()

    def _send_locked(self, message: list[int]) -> bool:
        output = self._output
        if output is None:
            return False
        try:
            output.send(message)
        except PortError as exc:
            self._fail_locked(str(exc))
            return False
        return True

    def _fail_locked(self, message: str) -> None:
        """The output failed: stop, forget what sounded, drop the port, report once."""
        if self._output is not None:
            self._to_close.append(self._output)
            self._output = None
        self._sounding.clear()
        self._timed_offs.clear()
        if self._state == PLAYING:
            self._position = self._current_step_locked()
        self._set_state_locked(STOPPED)
        self._generation += 1
        self._callbacks.append(("on_error", (message,)))

    def _release_locked(self) -> None:
        channels = {self._channel} | {channel for channel, _ in self._sounding}
        sounding = list(self._sounding)
        self._sounding.clear()
        self._timed_offs.clear()
        self._chase = []
        if self._output is None:
            return
        for message in release_messages(sounding, channels):
            if not self._send_locked(message):
                return

    def _fire(self) -> None:
        """Run queued callbacks and close dropped outputs; never with the lock held."""
        with self._lock:
            callbacks, self._callbacks = self._callbacks, []
            to_close, self._to_close = self._to_close, []
        for output in to_close:
            try:
                output.close()
            except Exception:  # noqa: BLE001 - a dead port may fail to close; it is gone anyway
                log.debug("closing a MIDI output failed", exc_info=True)
        for name, args in callbacks:
            callback = getattr(self, name)
            if callback is None:
                continue
            try:
                callback(*args)
            except Exception:  # noqa: BLE001 - a broken listener must not kill the scheduler
                log.exception("playback callback %s failed", name)

    # --- the scheduler thread -----------------------------------------------------------------

    def _limit_locked(self) -> float:
        """Where the timeline stops or wraps."""
        return self._loop[1] if self._loop_active else self._end_step

    def _next_musical_locked(self) -> tuple[float, str]:
        """The next thing on the timeline as (step, kind): 'wrap', 'end', 'event' or 'none'."""
        limit = self._limit_locked()
        event = self._event_steps[self._index] if self._index < len(self._events) else math.inf
        step = min(event, self._next_beat if self._next_beat < limit else math.inf)
        if self._loop_active:
            return (limit, "wrap") if limit <= step else (step, "event")
        if step > limit or step == math.inf:
            return limit, ("end" if limit < math.inf else "none")
        return step, "event"

    def _next_deadline_locked(self) -> tuple[float, bool] | None:
        """(clock time, precise) of the next thing to do, or None when there is nothing."""
        deadlines: list[tuple[float, bool]] = []
        if self._timed_offs:
            deadlines.append((min(self._timed_offs.values()), False))
        if self._state == PLAYING:
            if self._chase:
                deadlines.append((self._anchor_time, True))
            step, kind = self._next_musical_locked()
            if kind != "none":
                deadlines.append((self.time_of(step), True))
            deadlines.append((self._next_tick, False))
        return min(deadlines) if deadlines else None

    def _run(self) -> None:
        with self._lock:
            while not self._closing:
                if self._callbacks or self._to_close:
                    self._lock.release()
                    try:
                        self._fire()
                    finally:
                        self._lock.acquire()
                    continue
                next_deadline = self._next_deadline_locked()
                if next_deadline is None:
                    self._cond.wait()
                    continue
                deadline, precise = next_deadline
                remaining = deadline - self._clock()
                if remaining > 0:
                    generation = self._generation
                    if self._real_time and remaining > COARSE_MARGIN_SECONDS:
                        self._cond.wait(remaining - COARSE_MARGIN_SECONDS)
                        continue
                    self._lock.release()
                    try:
                        self._wait_until(deadline, precise)
                    finally:
                        self._lock.acquire()
                    if generation != self._generation:
                        continue
                self._process_due_locked(self._clock())
        self._fire()

    def _wait_until(self, deadline: float, precise: bool) -> None:
        remaining = deadline - self._clock()
        if remaining <= 0:
            return
        if not precise or self._spin == 0:
            self._sleep(remaining)
            return
        if remaining > self._spin:
            self._sleep(remaining - self._spin)
        while self._clock() < deadline:  # the last fraction of a millisecond
            pass

    def _process_due_locked(self, now: float) -> None:
        for key, due in list(self._timed_offs.items()):
            if due <= now:
                del self._timed_offs[key]
                if key in self._sounding:
                    self._sounding.pop(key)
                    self._send_locked(note_off(*key))
        if self._state != PLAYING:
            return
        if self._chase and self._anchor_time <= now:
            chase, self._chase = self._chase, []
            for pitch, velocity in chase:
                self._note_on_locked(pitch, velocity)
        while self._state == PLAYING:
            step, kind = self._next_musical_locked()
            if kind == "none" or self.time_of(step) > now:
                break
            if kind == "wrap":
                wrap_time = self.time_of(step)
                self._release_locked()
                self._anchor_locked(self._loop[0], wrap_time)
                for pitch, velocity in self._chase:
                    self._note_on_locked(pitch, velocity)
                self._chase = []
                continue
            if kind == "end":
                self._release_locked()
                self._position = self._end_step
                self._set_state_locked(STOPPED)
                self._callbacks.append(("on_position", (self._end_step,)))
                self._callbacks.append(("on_finished", ()))
                return
            if self._next_beat == step and step < self._limit_locked():  # none on the last bar line
                self._click_locked(step)
                self._next_beat += self._melody.steps_per_beat
                if self._count_in is not None and self._next_beat >= self._count_in[1]:
                    self._next_beat = self._first_beat_locked(self._count_in[1])
                    self._count_in = None
            while self._index < len(self._events) and self._events[self._index][0] == step:
                _, is_on, pitch, velocity = self._events[self._index]
                self._index += 1
                if is_on:
                    self._note_on_locked(pitch, velocity)
                else:
                    self._note_off_locked(pitch)
        if self._state == PLAYING and self._next_tick <= now:
            self._position = max(self._anchor_step, self.step_at(now))
            self._callbacks.append(("on_position", (self._position,)))
            self._next_tick += self._position_interval
            if self._next_tick <= now:  # fell behind (a long callback): skip, don't burst
                self._next_tick = now + self._position_interval

    def _note_on_locked(self, pitch: int, velocity: int) -> None:
        key = (self._channel, pitch)
        if key in self._sounding:  # same pitch again without a gap, or over an audition
            self._sounding.pop(key)
            self._timed_offs.pop(key, None)
            self._send_locked(note_off(*key))
        if self._send_locked(note_on(self._channel, pitch, velocity)):
            self._sounding[key] = None

    def _note_off_locked(self, pitch: int) -> None:
        key = (self._channel, pitch)
        if key in self._sounding and key not in self._timed_offs:
            self._sounding.pop(key)
            self._send_locked(note_off(*key))

    def _click_locked(self, step: float) -> None:
        bar_start = self._count_in[0] if self._count_in is not None else 0  # count-in: its own bars
        accent = (step - bar_start) % self._melody.steps_per_bar == 0
        pitch = CLICK_ACCENT if accent else CLICK_BEAT
        key = (METRONOME_CHANNEL, pitch)
        if key in self._sounding:
            self._sounding.pop(key)
            self._send_locked(note_off(*key))
        velocity = CLICK_VELOCITIES[0] if accent else CLICK_VELOCITIES[1]
        if self._send_locked(note_on(METRONOME_CHANNEL, pitch, velocity)):
            self._sounding[key] = None
            self._timed_offs[key] = self.time_of(step) + CLICK_SECONDS
