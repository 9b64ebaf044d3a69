"""Call and response: listen to the player, and when they pause, answer with a continuation.

A small Qt-free state machine, like Magenta's MIDI interface and AI Duet::

    listening --note-on--> hearing --silence of N beats--> thinking --answer--> answering
        ^                     (the call is recorded)     (continue_fn(call))   (play_fn(answer))
        +--------------------------------- answer played, or nothing to answer ---------+

Playing a note while Segue thinks or answers starts a new call: a pending answer is dropped and
a playing one is stopped (``interrupt=False`` ignores the player while answering instead).

``CallResponse(continue_fn, play_fn, *, stop_fn=None, template=None, silence_beats=2.0, grid=1,
clock=time.perf_counter, interrupt=True)``

- ``continue_fn(call: Melody) -> Melody | None``: the answer, from the current settings. Return
  it at once, or return None and later call ``answer(melody, request_id)`` (the GUI generates on
  its worker thread; ``request_id`` is read at request time and keeps a late answer to an old
  call from playing). The answer's notes may start anywhere (after the call, typically): it is
  played from its first note, at the template's tempo.
- ``play_fn(answer)`` starts playing it (``Player.play``); ``stop_fn()`` stops that.
- ``feed(message, time)`` from the input thread, ``poll(now)`` regularly (the GUI's timer),
  ``playback_finished()`` when the player reports the end (else the answer's length is used).
- callbacks ``on_state(state)``, ``on_call(call)``, ``on_answer(answer)``, ``on_error(message)``,
  called without the lock held.

Calls are quantized to ``grid`` relative to their first note (which lands on step 0): a player
with no click to follow still gets their rhythm back, not their offset from an imagined bar line.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

from engine.live.midi_input import Recorder, parse_note
from engine.melody import Melody

__all__ = ["CallResponse", "LISTENING", "HEARING", "THINKING", "ANSWERING"]

log = logging.getLogger(__name__)

LISTENING, HEARING, THINKING, ANSWERING = "listening", "hearing", "thinking", "answering"
ANSWER_TAIL_SECONDS = 0.1  # after the answer's last note, before listening again


class CallResponse:
    """The call-and-response state machine (see the module docstring)."""

    def __init__(
        self,
        continue_fn: Callable[[Melody], Melody | None],
        play_fn: Callable[[Melody], None],
        *,
        stop_fn: Callable[[], None] | None = None,
        template: Melody | None = None,
        silence_beats: float = 2.0,
        grid: int = 1,
        clock: Callable[[], float] = time.perf_counter,
        interrupt: bool = True,
    ):
        if not callable(continue_fn) or not callable(play_fn):
            raise ValueError("call and response needs callable continue_fn and play_fn")
        self._continue_fn = continue_fn
        self._play_fn = play_fn
        self._stop_fn = stop_fn
        self._clock = clock
        self.interrupt = interrupt
        self._lock = threading.Lock()
        self._recorder = Recorder(template if template is not None else Melody(), grid=grid)
        self._silence_beats = 0.0
        self.set_silence_beats(silence_beats)
        self._state = LISTENING
        self._request = 0
        self._answer_ends = 0.0
        self._last_activity = 0.0
        self._callbacks: list[tuple[str, tuple]] = []
        self.on_state: Callable[[str], None] | None = None
        self.on_call: Callable[[Melody], None] | None = None
        self.on_answer: Callable[[Melody], None] | None = None
        self.on_error: Callable[[str], None] | None = None

    # --- settings -----------------------------------------------------------------------------

    @property
    def state(self) -> str:
        return self._state

    @property
    def request_id(self) -> int:
        """The id of the newest request; pass it back with :meth:`answer`."""
        return self._request

    @property
    def template(self) -> Melody:
        return self._recorder.template

    @property
    def silence_beats(self) -> float:
        return self._silence_beats

    def set_template(self, template: Melody) -> None:
        """Grid, meter and tempo for calls and answers (the session's melody)."""
        if not isinstance(template, Melody):
            raise ValueError(f"template must be a Melody, got {template!r}")
        with self._lock:
            self._recorder.template = template.with_notes(())

    def set_silence_beats(self, beats: float) -> None:
        try:
            beats = float(beats)
        except (TypeError, ValueError):
            raise ValueError(f"silence must be a number of beats, got {beats!r}") from None
        if not 0.25 <= beats <= 16:
            raise ValueError(f"silence of {beats:g} beats is outside 0.25-16")
        self._silence_beats = beats

    def silence_seconds(self) -> float:
        template = self._recorder.template
        beat = 60.0 / template.tempo * 4 / template.time_signature[1]
        return self._silence_beats * beat

    # --- events -------------------------------------------------------------------------------

    def feed(self, message: Sequence[int], when: float | None = None) -> None:
        """A message from the player's input port (any thread)."""
        parsed = parse_note(message)
        if parsed is None:
            return
        is_on = parsed[0]
        when = self._clock() if when is None else when
        stop_answer = False
        with self._lock:
            if is_on and self._state != HEARING:
                if self._state == ANSWERING:
                    if not self.interrupt:
                        return
                    stop_answer = True
                self._request += 1  # a pending answer is now stale
                self._recorder.start(at=when)
                self._set_state_locked(HEARING)
            if self._state == HEARING and self._recorder.feed(message, when):
                self._last_activity = when
        if stop_answer and self._stop_fn is not None:
            self._call(self._stop_fn)
        self._fire()

    def poll(self, now: float | None = None) -> str:
        """Advance by the clock: end a call after the silence, end an answer after its length."""
        now = self._clock() if now is None else now
        call = None
        with self._lock:
            if (
                self._state == HEARING
                and not self._recorder.held
                and now - self._last_activity >= self.silence_seconds()
            ):
                call = self._recorder.stop(at=self._last_activity)
                if call.notes:
                    self._request += 1
                    request = self._request
                    self._set_state_locked(THINKING)
                    self._callbacks.append(("on_call", (call,)))
                else:
                    call = None
                    self._set_state_locked(LISTENING)
            elif self._state == ANSWERING and now >= self._answer_ends:
                self._set_state_locked(LISTENING)
        self._fire()
        if call is not None:
            try:
                answer = self._continue_fn(call)
            except Exception as exc:  # noqa: BLE001 - report, then listen again
                log.exception("call and response: continue_fn failed")
                self._abandon(request, f"Could not answer: {exc}")
            else:
                if answer is not None:
                    self.answer(answer, request)
        return self._state

    def answer(self, melody: Melody | None, request_id: int | None = None) -> bool:
        """Deliver the answer to the pending call; False if it is stale or empty."""
        with self._lock:
            stale = self._state != THINKING or (
                request_id is not None and request_id != self._request
            )
            if stale:
                return False
            if melody is None or not melody.notes:
                self._set_state_locked(LISTENING)
                answer = None
            else:
                template = self._recorder.template
                answer = melody.slice(melody.start, melody.end).replace(tempo=template.tempo)
                seconds = answer.end * answer.seconds_per_step
                self._answer_ends = self._clock() + seconds + ANSWER_TAIL_SECONDS
                self._set_state_locked(ANSWERING)
                self._callbacks.append(("on_answer", (answer,)))
        self._fire()
        if answer is None:
            return False
        try:
            self._play_fn(answer)
        except Exception as exc:  # noqa: BLE001 - e.g. the output port vanished
            self._abandon(None, f"Could not play the answer: {exc}")
            return False
        return True

    def playback_finished(self) -> None:
        """The player finished the answer: listen again."""
        with self._lock:
            if self._state == ANSWERING:
                self._set_state_locked(LISTENING)
        self._fire()

    def reset(self) -> None:
        """Back to listening: the current call is dropped, a playing answer is stopped."""
        with self._lock:
            answering = self._state == ANSWERING
            self._request += 1
            self._recorder.stop()
            self._set_state_locked(LISTENING)
        if answering and self._stop_fn is not None:
            self._call(self._stop_fn)
        self._fire()

    # --- internals ----------------------------------------------------------------------------

    def _abandon(self, request: int | None, message: str) -> None:
        with self._lock:
            if request is None or request == self._request:
                if self._state in (THINKING, ANSWERING):
                    self._set_state_locked(LISTENING)
            self._callbacks.append(("on_error", (message,)))
        self._fire()

    def _set_state_locked(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self._callbacks.append(("on_state", (state,)))

    def _fire(self) -> None:
        with self._lock:
            callbacks, self._callbacks = self._callbacks, []
        for name, args in callbacks:
            callback = getattr(self, name)
            if callback is not None:
                self._call(callback, *args)

    @staticmethod
    def _call(function, *args) -> None:
        try:
            function(*args)
        except Exception:  # noqa: BLE001 - a broken listener must not stop listening
            log.exception("call and response callback failed")
