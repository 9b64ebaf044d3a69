"""Playing melodies through a MIDI output port, on a dedicated scheduler thread. No Qt.

What happens when is :class:`engine.live.timeline.Timeline`'s affair; the output and its notes
are in :mod:`engine.live.player_output`, a click's sound in :mod:`engine.live.clicks`, the
thread's loop in :mod:`engine.live.scheduler`. The player keeps the thread, the lock and the
commands (each changes state under the one lock the thread waits on).

``Player(output=None, *, clock=time.perf_counter, sleep=None, channel=0, program=None)``
    ``play(melody, start_step=0, loop=None, tempo=None, end=None, count_in_bars=0,
    accompaniment=None)``   see :class:`~engine.live.timeline.Timeline` for ``loop``, ``end``,
        the count-in and the accompaniment (its program change goes out first, on its channel)
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

Timing: without ``sleep``, real time; given a ``sleep`` (a fake clock's), every wait is exactly
``sleep(seconds)``, so playback is deterministic. Outputs: :func:`engine.live.output.open_output`.

Releasing: stop, pause, seek, loop wrap, port or channel change and close release every sounding
note (see :mod:`engine.live.player_output`). When a send fails (the port vanished), playback
stops, the output is dropped and ``on_error`` is called once; nothing waits on the dead port.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence

from segue.engine.accompaniment import AccompanimentPart
from segue.engine.live import timeline as cues
from segue.engine.live.clicks import sound_click
from segue.engine.live.deferred import DeferredCalls
from segue.engine.live.endpoints import PortError, PortInfo
from segue.engine.live.messages import check_channel, check_data, parse_note, program_change
from segue.engine.live.player_output import PlayerOutput
from segue.engine.live.scheduler import SchedulerLoop
from segue.engine.live.timeline import Timeline, check_count_in, check_start
from segue.engine.melody import Melody

STOPPED, PLAYING, PAUSED = "stopped", "playing", "paused"

START_LEAD_SECONDS = 0.005  # first deadline after a play/seek: the thread needs a moment to wake
POSITION_INTERVAL = 1 / 60


class Player:
    """Plays melodies on its own thread (see the module docstring for the whole API)."""

    def __init__(
        self,
        output=None,
        *,
        clock: Callable[[], float] = time.perf_counter,
        sleep: Callable[[float], None] | None = None,
        channel: int = 0,
        program: int | None = None,
        position_interval: float = POSITION_INTERVAL,
    ):
        self._clock = clock
        if position_interval <= 0:
            raise ValueError(f"position interval {position_interval!r} must be positive")
        self._position_interval = position_interval
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._deferred = DeferredCalls(self._lock, self)
        self._out = PlayerOutput(output, clock=clock, deferred=self._deferred,
                                 on_failure=self._fail_locked)
        self._channel = check_channel(channel)
        self._program = None if program is None else check_data("program", program)
        self._state = STOPPED
        self._loop = SchedulerLoop(self._cond, clock, sleep, self._deferred,
                                   self._next_deadline_locked, self._process_due_locked)
        self._thread: threading.Thread | None = None
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
        return self._out.output

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
        accompaniment: AccompanimentPart | None = None,
    ) -> None:
        """Play ``melody`` (and its ``accompaniment``) from ``start_step`` (notes already
        sounding there are chased), after ``count_in_bars`` bars of clicks."""
        timeline = Timeline(melody, loop=loop, tempo=tempo, end=end, accompaniment=accompaniment)
        start_step = check_start(start_step)
        count_in_bars = check_count_in(count_in_bars)
        if self._out.output is None:
            raise PortError("No MIDI output is open: choose an output port first.")
        with self._lock:
            if self._state != STOPPED or self._out.sounding:
                self._release_locked()
            timeline.set_metronome(self._timeline.metronome)
            self._timeline = timeline
            self._send_program_locked()
            if self._out.output is not None:  # else the program change found the port dead
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
            if self._out.output is None:
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
            self._out.replace(output, self._channel)
            if output is not None:
                self._send_program_locked()
            if self._state == PLAYING:
                if self._out.output is None:
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
            self._send_program_locked()
            if self._state == PLAYING:
                self._anchor_locked(self._current_step_locked(), self._clock())
            self._wake_locked()
        self._fire()

    def set_program(self, program: int | None) -> None:
        """General MIDI program 0-127 (sent now and at each play), or None to send none."""
        program = None if program is None else check_data("program", program)
        with self._lock:
            self._program = program
            self._send_program_locked()
        self._fire()

    def audition(self, pitch: int, velocity: int = 100, seconds: float = 0.3) -> bool:
        """Sound one note for ``seconds``; False (and nothing sent) without an output."""
        check_data("pitch", pitch)
        check_data("velocity", velocity, low=1)
        if not 0 < seconds <= 10:
            raise ValueError(f"audition length {seconds!r} s is outside 0-10")
        with self._lock:
            if self._out.output is None:
                return False
            if self._out.sound(self._channel, pitch, velocity):
                self._out.hold((self._channel, pitch), self._clock() + seconds)
                self._ensure_thread_locked()
                self._wake_locked()
        self._fire()
        return self._out.output is not None

    def thru(self, message: Sequence[int]) -> None:
        """Echo a live note-on/off (from an input port) on the player's channel."""
        parsed = parse_note(message)
        if parsed is None:
            return
        is_on, _, pitch, velocity = parsed
        with self._lock:
            if self._out.output is None:
                return
            if is_on:
                self._out.sound(self._channel, pitch, velocity)
            else:
                self._out.end_note(self._channel, pitch)
        self._fire()

    def panic(self) -> None:
        """Stop playback, release what we know sounds, then CC120/121/123 on all channels."""
        with self._lock:
            if self._state == PLAYING:
                self._position = self._current_step_locked()
            self._out.silence()
            self._set_state_locked(STOPPED)
            self._wake_locked()
        self._fire()

    def check_output(self, ports: Iterable[PortInfo]) -> bool:
        """Given a fresh port list, stop with an error if our output is gone (JACK and others
        keep accepting messages for a vanished destination, so listing is how we notice)."""
        with self._lock:
            output = self._out.output
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
            self._loop.closing = True
            self._out.drop()
            thread = self._thread
            self._wake_locked()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
        self._fire()

    # --- internals (all *_locked methods run with the lock held) ------------------------------

    def _ensure_thread_locked(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._loop.closing = False
            self._thread = threading.Thread(target=self._loop.run, name="segue-playback",
                                            daemon=True)
            self._thread.start()

    def _wake_locked(self) -> None:
        self._loop.wake()

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

    def _send_program_locked(self) -> None:
        if self._program is not None:
            self._out.send(program_change(self._channel, self._program))
        part = self._timeline.accompaniment
        if part is not None:
            self._out.send(program_change(part.channel, part.program))

    def _fail_locked(self, message: str) -> None:
        """The output failed: stop, forget what sounded, drop the port, report once."""
        self._out.drop()
        if self._state == PLAYING:
            self._position = self._current_step_locked()
        self._set_state_locked(STOPPED)
        self._wake_locked()
        self._deferred.add("on_error", message)

    def _release_locked(self) -> None:
        self._out.release(self._channel)

    def _fire(self) -> None:
        """Run the deferred callbacks and output closes; never with the lock held."""
        self._deferred.run()

    # --- the scheduler thread -----------------------------------------------------------------

    def _next_deadline_locked(self) -> tuple[float, bool] | None:
        """(clock time, precise) of the next thing to do, or None when there is nothing."""
        deadlines: list[tuple[float, bool]] = []
        next_off = self._out.next_off()
        if next_off is not None:
            deadlines.append((next_off, False))
        if self._state == PLAYING:
            musical = self._timeline.next_time()
            if musical is not None:
                deadlines.append((musical, True))
            deadlines.append((self._next_tick, False))
        return min(deadlines) if deadlines else None

    def _process_due_locked(self, now: float) -> None:
        self._out.end_due(now)
        if self._state != PLAYING:
            return
        for cue in self._timeline.advance(now):
            channel = self._channel if cue.channel is None else cue.channel
            if cue.kind == cues.NOTE_ON:
                self._out.sound(channel, cue.pitch, cue.velocity, cue.when)
            elif cue.kind == cues.NOTE_OFF:
                self._out.end_played(channel, cue.pitch, cue.when)
            elif cue.kind == cues.CLICK:
                sound_click(self._out, cue.accent, cue.when)
            elif cue.kind == cues.WRAP:
                self._release_locked()
            elif cue.kind == cues.END:
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
