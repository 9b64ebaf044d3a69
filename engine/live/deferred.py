"""Calls collected while a lock is held and made after it is released.

The player and call-and-response change their state under a lock but must tell listeners about
it without that lock: a listener may call straight back in (Stop from a state callback) or take
its time. ``DeferredCalls(lock, owner)``: ``add(name, *args)`` queues the owner's callback
attribute ``name`` (looked up when it runs, so listeners can be swapped; None is skipped),
``call(function, *args)`` queues a plain function, both with the lock held; ``run()`` makes the
queued calls in order without the lock. A listener that raises is logged and the rest still run:
a broken listener must not stop a scheduler thread or a MIDI input thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class DeferredCalls:
    """See the module docstring."""

    def __init__(self, lock: threading.Lock | threading.RLock, owner: object = None):
        self._lock = lock
        self._owner = owner
        self._pending: list[tuple[str | Callable, tuple]] = []

    def __bool__(self) -> bool:
        return bool(self._pending)

    def add(self, name: str, *args) -> None:
        """Queue the owner's callback ``name`` (call with the lock held)."""
        self._pending.append((name, args))

    def call(self, function: Callable, *args) -> None:
        """Queue ``function(*args)`` (call with the lock held)."""
        self._pending.append((function, args))

    def run(self) -> None:
        """Make every queued call, in order; call without the lock held."""
        with self._lock:
            pending, self._pending = self._pending, []
        for target, args in pending:
            function = getattr(self._owner, target) if isinstance(target, str) else target
            if function is None:
                continue
            try:
                function(*args)
            except Exception:  # noqa: BLE001 - see the module docstring
                log.exception("deferred call %s failed", getattr(function, "__name__", function))
