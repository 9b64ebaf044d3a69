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
The silence that ends a call is counted in the template's beats (``Melody.steps_per_beat``:
dotted quarters in 6/8), the beats the metronome clicks.

``answer_request(call, settings, model_range=None, rng=None)`` is the continuation request
that answers a call: where the answer starts and how long it is.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import random
import threading
import time
from collections.abc import Callable, Sequence

from segue.engine.live.deferred import DeferredCalls
from segue.engine.live.messages import parse_note
from segue.engine.live.midi_input import Recorder
from segue.engine.melody import Melody
from segue.engine.ml.request import ContinuationRequest
from segue.engine.session import GenerationSettings

__all__ = ["CallResponse", "answer_request", "LISTENING", "HEARING", "THINKING", "ANSWERING"]

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
        self._deferred = DeferredCalls(self._lock, self)
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
        """The silence that ends a call, in seconds: beats as the metronome counts them."""
        template = self._recorder.template
        return self._silence_beats * template.steps_per_beat * template.seconds_per_step

    # --- events -------------------------------------------------------------------------------

    def feed(self, message: Sequence[int], when: float | None = None) -> None:
        """A message from the player's input port (any thread)."""
        parsed = parse_note(message)
        if parsed is None:
            return
        is_on = parsed[0]
        when = self._clock() if when is None else when
        with self._lock:
            if is_on and self._state != HEARING:
                if self._state == ANSWERING:
                    if not self.interrupt:
                        return
                    self._stop_answer_locked()
                self._request += 1  # a pending answer is now stale
                self._recorder.start(at=when)
                self._set_state_locked(HEARING)
            if self._state == HEARING and self._recorder.feed(message, when):
                self._last_activity = when
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
                    self._deferred.add("on_call", call)
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
                self._deferred.add("on_answer", answer)
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
            if self._state == ANSWERING:
                self._stop_answer_locked()
            self._request += 1
            self._recorder.stop()
            self._set_state_locked(LISTENING)
        self._fire()

    # --- internals ----------------------------------------------------------------------------

    def _abandon(self, request: int | None, message: str) -> None:
        with self._lock:
            if request is None or request == self._request:
                if self._state in (THINKING, ANSWERING):
                    self._set_state_locked(LISTENING)
            self._deferred.add("on_error", message)
        self._fire()

    def _stop_answer_locked(self) -> None:
        if self._stop_fn is not None:
            self._deferred.call(self._stop_fn)

    def _set_state_locked(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self._deferred.add("on_state", state)

    def _fire(self) -> None:
        self._deferred.run()


def answer_request(
    call: Melody,
    settings: GenerationSettings,
    model_range: tuple[int, int] | None = None,
    rng: random.Random | None = None,
) -> ContinuationRequest:
    """The request that answers ``call`` (a played phrase, first note at step 0).

    The answer starts on the first beat after the call (the model keeps the call's meter) and is
    as long as the call rounded up to whole bars, but no longer than the panel's length: a short
    call gets a short reply, as between two players. One variation; with ``rng`` and the
    panel's seed not locked, a fresh random seed (as for Continue: :meth:`ContinuationRequest.build`).
    """
    if not isinstance(call, Melody) or not call.notes:
        raise ValueError("call and response needs a played phrase with at least one note")
    beat, bar = call.steps_per_beat, call.steps_per_bar
    start = max(call.end, call.start + 1)
    start = math.ceil(start / beat) * beat
    call_bars = max(1, math.ceil((call.end - call.start) / bar))
    request = ContinuationRequest.build(call, start, settings, model_range, rng)
    return dataclasses.replace(
        request,
        steps=min(request.steps, call_bars * bar),
        options=request.options.replace(variations=1),
    )
