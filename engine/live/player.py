"""Playing melodies through a MIDI output port, on a dedicated scheduler thread. No Qt.

(Long on purpose: every command changes state under the one lock the scheduler thread waits on.)

What happens when is decided by :class:`engine.live.timeline.Timeline`; the player keeps the
thread, the lock, the output, the notes that sound and panic. Outputs are opened with
:func:`engine.live.output.open_output`.

``Player(output=None, *, clock=time.perf_counter, sleep=time.sleep, channel=0, program=None)``
    ``play(melody, start_step=0, loop=None, tempo=None, end=None, count_in_bars=0)``
        see :class:`~engine.live.timeline.Timeline` for ``loop``, ``end`` and the count-in
    ``stop()``, ``pause()``, ``resume()``, ``seek(step)``, ``set_loop(loop)``, ``set_tempo(bpm)``
    ``set_output(output)`` (the player owns its output and closes the one it replaces),
    ``set_channel(0-15)``, ``set_program(0-127 | None)``, ``set_metronome(bool)``
    ``audition(pitch, velocity=100, seconds=0.3)``   a piano-roll key click
    ``thru(message)``   echo a live note-on/off to the output on the player's channel
    ``panic()``   stops, then CC120/CC121/CC123 on all 16 channels
    ``check_output(ports)``   with a fresh port list: stop with an error if the output is gone
                              (or its MIDI system went away: ``output.lost_reason``; an output
                              that is no port words it itself: ``output.missing_message()``)
    ``close()``   stops, ends the thread, closes the output
    ``state`` ('stopped' | 'playing' | 'paused'), ``position`` (step, float), ``step_at(time)``,
    ``time_of(step)``, ``wait(timeout)``, ``clock``
    callbacks (attributes, called from the scheduler thread or the calling thread, never with a
    lock held): ``on_position(step)`` ~60 times a second while playing, ``on_state(state)``,
    ``on_finished()`` at the natural end, ``on_error(message)`` once when the output fails.

Timing: the thread waits on a condition until ~2 ms before the timeline's next deadline
(commands wake it), sleeps until ``SPIN_SECONDS`` before, then spins. With an injected clock
(tests), waits are exactly ``sleep(seconds)`` and nothing spins, so a fake clock that advances in
``sleep`` makes playback deterministic (:class:`engine.live.testing.FakeClock`).

Releasing: stop, pause, seek, loop wrap, port or channel change and close send a note-off for each
sounding note, then CC64=0 and CC123 on the channel. Note-offs are sent only for notes that sound.
When a send fails (the port vanished), playback stops, the output is dropped and ``on_error`` is
called once; nothing waits on the dead port.

An output has ``name``, ``send(message)``, ``close()``, ``present_in(ports)``,
``missing_message()`` (its own words when it is no longer listed) and ``timed``; one with
``timed = True`` on the player's own clock (``output.clock``: the built-in
instrument) gets each scheduled message's time too, ``send(message, when)``, so it can place the
message exactly however late the thread woke.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence

from segue.engine.live.deferred import DeferredCalls
from segue.engine.live.endpoints import PortError, PortInfo
from segue.engine.live.messages import (
    check_channel,
    check_data,
    note_off,
    note_on,
    panic_messages,
    parse_note,
    program_change,
    release_messages,
)
from segue.engine.live.timeline import (
    CLICK,
    END,
    NOTE_OFF,
    NOTE_ON,
    WRAP,
    Timeline,
    check_count_in,
    check_start,
)
from segue.engine.melody import Melody

log = logging.getLogger(__name__)

METRONOME_CHANNEL = 9  # General MIDI percussion (channel 10)
CLICK_ACCENT, CLICK_BEAT = 76, 77  # GM high and low wood block
CLICK_VELOCITIES = (110, 80)
CLICK_SECONDS = 0.05

STOPPED, PLAYING, PAUSED = "stopped", "playing", "paused"

START_LEAD_SECONDS = 0.005  # first deadline after a play/seek: the thread needs a moment to wake
SPIN_SECONDS = 0.0005
# How long before a deadline the interruptible wait hands over to sleep: a condition wait can
# overshoot by a timer tick (15.6 ms on Windows), sleep is fine-grained there since Python 3.11.
COARSE_MARGIN_SECONDS = 0.02 if sys.platform == "win32" else 0.002
POSITION_INTERVAL = 1 / 60


def _close_quietly(output) -> None:
    try:
        output.close()
    except Exception:  # noqa: BLE001 - a dead port may fail to close; it is gone anyway
        log.debug("closing a MIDI output failed", exc_info=True)


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
        self._deferred = DeferredCalls(self._lock, self)
        self._output = output
        self._channel = check_channel(channel)
        self._program = None if program is None else check_data("program", program)
        self._state = STOPPED
        self._generation = 0  # bumped by every command, so a waiting thread looks again
        self._thread: threading.Thread | None = None
        self._closing = False
        self._sounding: dict[tuple[int, int], None] = {}  # (channel, pitch), insertion-ordered
        self._timed_offs: dict[tuple[int, int], float] = {}  # auditions and clicks
        self._timeline = Timeline()
        self._position = 0.0
        self._next_tick = float("inf")
        self.on_position: Callable[[float], None] | None = None
        self.on_state: Callable[[str], None] | None = None
        self.on_finished: Callable[[], None] | None = None
        self.on_error: Callable[[str], None] | None = None

    # --- properties ---------------------------------------------------------------------------

    @property
    def state(self) -> str:
        return self._state

    @property
    def output(self):
        return self._output

    @property
    def clock(self) -> Callable[[], float]:
        """The clock playback is timed on; input ports read arrival times from it too."""
        return self._clock

    @property
    def channel(self) -> int:
        return self._channel

    @property
    def program(self) -> int | None:
        return self._program

    @property
    def tempo(self) -> float:
        return self._timeline.tempo

    @property
    def loop(self) -> tuple[int, int] | None:
        return self._timeline.loop

    @property
    def metronome(self) -> bool:
        return self._timeline.metronome

    @property
    def position(self) -> float:
        """The playhead in steps: live while playing, else where it stopped or was put."""
        with self._lock:
            if self._state == PLAYING:
                return self._timeline.position(self._clock())
            return self._position

    def step_at(self, when: float) -> float:
        """The step at clock time ``when`` on the current timeline (tempo and anchor)."""
        return self._timeline.step_at(when)

    def time_of(self, step: float) -> float:
        """The clock time of ``step`` on the current timeline."""
        return self._timeline.time_of(step)

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
        timeline = Timeline(melody, loop=loop, tempo=tempo, end=end)
        start_step = check_start(start_step)
        count_in_bars = check_count_in(count_in_bars)
        if self._output is None:
            raise PortError("No MIDI output is open: choose an output port first.")
        with self._lock:
            if self._state != STOPPED or self._sounding:
                self._release_locked()
            timeline.set_metronome(self._timeline.metronome)
            self._timeline = timeline
            if self._program is not None:
                self._send_locked(program_change(self._channel, self._program))
            if self._output is not None:  # else the program change found the port dead
                self._set_state_locked(PLAYING)
                now = self._clock() + START_LEAD_SECONDS
                timeline.start(start_step, now, count_in_bars)
                self._started_locked(start_step, timeline.anchor_time)
                self._ensure_thread_locked()
        self._fire()

    def stop(self) -> None:
        """Stop; every sounding note is released. The position stays where it stopped."""
        with self._lock:
            self._halt_locked(STOPPED)
        self._fire()

    def pause(self) -> None:
        with self._lock:
            if self._state == PLAYING:
                self._halt_locked(PAUSED)
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
            self._deferred.add("on_position", step)
        self._fire()

    def set_loop(self, loop: tuple[int, int] | None) -> None:
        with self._lock:
            self._timeline.set_loop(loop, self._now_if_playing_locked())
            self._wake_locked()

    def set_tempo(self, tempo: float) -> None:
        """Change the tempo; while playing, the playhead goes on from where it is now."""
        with self._lock:
            self._timeline.set_tempo(tempo, self._now_if_playing_locked())
            self._wake_locked()

    def set_metronome(self, enabled: bool) -> None:
        with self._lock:
            self._timeline.set_metronome(enabled, self._now_if_playing_locked())
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
            self._output = output
            if old is not None and old is not output:
                self._deferred.call(_close_quietly, old)
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
        channel = check_channel(channel)
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
        program = None if program is None else check_data("program", program)
        with self._lock:
            self._program = program
            if program is not None:
                self._send_locked(program_change(self._channel, program))
        self._fire()

    def audition(self, pitch: int, velocity: int = 100, seconds: float = 0.3) -> bool:
        """Sound one note for ``seconds``; False (and nothing sent) without an output."""
        check_data("pitch", pitch)
        check_data("velocity", velocity, low=1)
        if not 0 < seconds <= 10:
            raise ValueError(f"audition length {seconds!r} s is outside 0-10")
        with self._lock:
            if self._output is None:
                return False
            if self._sound_locked(self._channel, pitch, velocity):
                self._timed_offs[(self._channel, pitch)] = self._clock() + seconds
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
                self._sound_locked(self._channel, pitch, velocity)
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
            self._wake_locked()
        self._fire()

    def check_output(self, ports: Iterable[PortInfo]) -> bool:
        """Given a fresh port list, stop with an error if our output is gone (JACK and others
        keep accepting messages for a vanished destination, so listing is how we notice)."""
        with self._lock:
            output = self._output
            if output is None or output.present_in(ports):
                return True
            self._fail_locked(output.missing_message())  # each kind of output words its own
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
            if self._output is not None:
                self._deferred.call(_close_quietly, self._output)
                self._output = None
            thread = self._thread
            self._wake_locked()
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
            self._deferred.add("on_state", state)
            self._cond.notify_all()

    def _now_if_playing_locked(self) -> float | None:
        return self._clock() if self._state == PLAYING else None

    def _current_step_locked(self) -> float:
        return self._timeline.position(self._clock())

    def _halt_locked(self, state: str) -> None:
        """Stop or pause: keep the playhead, release everything."""
        if self._state == PLAYING:
            self._position = self._current_step_locked()
        self._release_locked()
        self._set_state_locked(state)
        self._wake_locked()

    def _anchor_locked(self, step: float, when: float) -> None:
        """Go on from ``step`` at clock time ``when`` (resume, seek, a new output or channel)."""
        self._timeline.anchor(step, when)
        self._started_locked(step, when)

    def _started_locked(self, step: float, when: float) -> None:
        self._position = step
        self._next_tick = when
        self._wake_locked()

    def _send_locked(self, message: list[int], when: float | None = None) -> bool:
        """Send ``message`` (due at clock time ``when``, if scheduled); False if it failed."""
        output = self._output
        if output is None:
            return False
        try:
            if when is not None and output.timed and output.clock is self._clock:
                output.send(message, when)
            else:
                output.send(message)
        except PortError as exc:
            self._fail_locked(str(exc))
            return False
        return True

    def _fail_locked(self, message: str) -> None:
        """The output failed: stop, forget what sounded, drop the port, report once."""
        if self._output is not None:
            self._deferred.call(_close_quietly, self._output)
            self._output = None
        self._sounding.clear()
        self._timed_offs.clear()
        if self._state == PLAYING:
            self._position = self._current_step_locked()
        self._set_state_locked(STOPPED)
        self._generation += 1
        self._deferred.add("on_error", message)

    def _release_locked(self) -> None:
        channels = {self._channel} | {channel for channel, _ in self._sounding}
        sounding = list(self._sounding)
        self._sounding.clear()
        self._timed_offs.clear()
        if self._output is None:
            return
        for message in release_messages(sounding, channels):
            if not self._send_locked(message):
                return

    def _fire(self) -> None:
        """Run the deferred callbacks and output closes; never with the lock held."""
        self._deferred.run()

    # --- the scheduler thread -----------------------------------------------------------------

    def _next_deadline_locked(self) -> tuple[float, bool] | None:
        """(clock time, precise) of the next thing to do, or None when there is nothing."""
        deadlines: list[tuple[float, bool]] = []
        if self._timed_offs:
            deadlines.append((min(self._timed_offs.values()), False))
        if self._state == PLAYING:
            musical = self._timeline.next_time()
            if musical is not None:
                deadlines.append((musical, True))
            deadlines.append((self._next_tick, False))
        return min(deadlines) if deadlines else None

    def _run(self) -> None:
        with self._lock:
            while not self._closing:
                if self._deferred:
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
                    self._send_locked(note_off(*key), due)
        if self._state != PLAYING:
            return
        for cue in self._timeline.advance(now):
            if cue.kind == NOTE_ON:
                self._sound_locked(self._channel, cue.pitch, cue.velocity, cue.when)
            elif cue.kind == NOTE_OFF:
                self._note_off_locked(cue.pitch, cue.when)
            elif cue.kind == CLICK:
                self._click_locked(cue.accent, cue.when)
            elif cue.kind == WRAP:
                self._release_locked()
            elif cue.kind == END:
                self._release_locked()
                self._position = self._timeline.end
                self._set_state_locked(STOPPED)
                self._deferred.add("on_position", self._timeline.end)
                self._deferred.add("on_finished")
                return
            if self._state != PLAYING:  # a send failed
                return
        if self._next_tick <= now:
            self._position = self._timeline.position(now)
            self._deferred.add("on_position", self._position)
            self._next_tick += self._position_interval
            if self._next_tick <= now:  # fell behind (a long callback): skip, don't burst
                self._next_tick = now + self._position_interval

    def _sound_locked(self, channel: int, pitch: int, velocity: int, when=None) -> bool:
        """Note-on; a note already sounding on that key (the same pitch again without a gap, or
        over an audition) ends first. True if sent."""
        key = (channel, pitch)
        if key in self._sounding:
            self._sounding.pop(key)
            self._timed_offs.pop(key, None)
            self._send_locked(note_off(*key), when)
        if self._send_locked(note_on(channel, pitch, velocity), when):
            self._sounding[key] = None
            return True
        return False

    def _note_off_locked(self, pitch: int, when: float) -> None:
        key = (self._channel, pitch)
        if key in self._sounding and key not in self._timed_offs:
            self._sounding.pop(key)
            self._send_locked(note_off(*key), when)

    def _click_locked(self, accent: bool, when: float) -> None:
        pitch = CLICK_ACCENT if accent else CLICK_BEAT
        velocity = CLICK_VELOCITIES[0] if accent else CLICK_VELOCITIES[1]
        if self._sound_locked(METRONOME_CHANNEL, pitch, velocity, when):
            self._timed_offs[(METRONOME_CHANNEL, pitch)] = when + CLICK_SECONDS
