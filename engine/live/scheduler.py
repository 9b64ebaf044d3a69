"""The player's scheduler thread: its loop, and how it waits for the next deadline, in real time
or on a clock the caller moves. What is due and what doing it means stay the player's
(:class:`engine.live.player.Player` passes them in).

``SchedulerLoop(cond, clock, sleep, deferred, next_deadline, process_due)``
    ``run()``   the thread's body: under the lock, run deferred callbacks (after releasing it),
                wait for ``next_deadline()`` (``(clock time, precise)`` or None), then
                ``process_due(now)``; until ``closing`` is set
    ``wake()``  with the lock held: something changed, look again (bumps ``generation``)
``Waiting(clock, sleep=None)``
    ``sleep=None`` (real time): ``coarse(remaining)`` says how long to wait interruptibly on the
    player's condition (commands wake it) until :data:`COARSE_MARGIN_SECONDS` before the deadline;
    then ``until(deadline, precise)`` sleeps until :data:`SPIN_SECONDS` before it and spins.
    Given a ``sleep`` (tests: a fake clock's), nothing waits on the condition and nothing spins:
    every wait is exactly ``sleep(seconds)``, so a clock that advances in ``sleep`` runs the
    player deterministically.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable

from segue.engine.live.deferred import DeferredCalls

SPIN_SECONDS = 0.0005
# How long before a deadline the interruptible wait hands over to sleep: a condition wait can
# overshoot by a timer tick (15.6 ms on Windows), sleep is fine-grained there since Python 3.11.
COARSE_MARGIN_SECONDS = 0.02 if sys.platform == "win32" else 0.002


class Waiting:
    """See the module docstring."""

    def __init__(self, clock: Callable[[], float], sleep: Callable[[float], None] | None = None):
        self._clock = clock
        self.real_time = sleep is None
        self._sleep = time.sleep if sleep is None else sleep
        self._spin = SPIN_SECONDS if self.real_time else 0.0

    def coarse(self, remaining: float) -> float | None:
        """How long to wait on the condition first (real time, far from the deadline), or None."""
        if self.real_time and remaining > COARSE_MARGIN_SECONDS:
            return remaining - COARSE_MARGIN_SECONDS
        return None

    def until(self, deadline: float, precise: bool) -> None:
        """Return at ``deadline``: sleep, then spin the last fraction of a millisecond when a
        ``precise`` deadline (a note) is near in real time."""
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


class SchedulerLoop:
    """See the module docstring."""

    def __init__(
        self,
        cond: threading.Condition,
        clock: Callable[[], float],
        sleep: Callable[[float], None] | None,
        deferred: DeferredCalls,
        next_deadline: Callable[[], tuple[float, bool] | None],
        process_due: Callable[[float], None],
    ):
        self._cond = cond
        self._clock = clock
        self._waiting = Waiting(clock, sleep)
        self._deferred = deferred
        self._next_deadline = next_deadline
        self._process_due = process_due
        self.generation = 0  # bumped by every command, so a waiting thread looks again
        self.closing = False

    def wake(self) -> None:
        self.generation += 1
        self._cond.notify_all()

    def run(self) -> None:
        cond = self._cond
        with cond:
            while not self.closing:
                if self._deferred:
                    cond.release()
                    try:
                        self._deferred.run()
                    finally:
                        cond.acquire()
                    continue
                next_deadline = self._next_deadline()
                if next_deadline is None:
                    cond.wait()
                    continue
                deadline, precise = next_deadline
                remaining = deadline - self._clock()
                if remaining > 0:
                    generation = self.generation
                    coarse = self._waiting.coarse(remaining)
                    if coarse is not None:
                        cond.wait(coarse)
                        continue
                    cond.release()
                    try:
                        self._waiting.until(deadline, precise)
                    finally:
                        cond.acquire()
                    if generation != self.generation:
                        continue
                self._process_due(self._clock())
        self._deferred.run()
