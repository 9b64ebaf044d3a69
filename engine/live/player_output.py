"""The player's output: the port it sends to, the notes that sound there, replacing and closing
it. No thread and no lock of its own: :class:`engine.live.player.Player` calls it with its lock
held, and closes happen after that lock is released (:class:`engine.live.deferred.DeferredCalls`).

``PlayerOutput(output, *, clock, deferred, on_failure)``
    ``output``   the open output, or None
    ``send(message, when=None) -> bool``   False when there is no output or it failed; a failure
        calls ``on_failure(message)`` once per failing send (the player stops and drops it)
    ``sound(channel, pitch, velocity, when=None)``, ``end_note(channel, pitch, when)``,
    ``hold(key, until)`` (a timed note-off: auditions and clicks), ``end_due(now)``,
    ``next_off()``, ``release(channel)``, ``silence()`` (panic), ``replace(output)``, ``drop()``

An output has ``name``, ``send(message)``, ``close()``, ``present_in(ports)``,
``missing_message()`` (its own words when it is no longer listed) and ``timed``; one with
``timed = True`` on the player's own clock (``output.clock``: the built-in instrument) gets each
scheduled message's time too, ``send(message, when)``, so it can place the message exactly
however late the player's thread woke.

Releasing sends a note-off for each sounding note (only for notes that sound), then CC64=0 and
CC123 on each channel used. Nothing waits on a dead port: a failed send is reported, not retried.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from segue.engine.live.deferred import DeferredCalls
from segue.engine.live.endpoints import PortError
from segue.engine.live.messages import note_off, note_on, panic_messages, release_messages

log = logging.getLogger(__name__)

Key = tuple[int, int]  # (channel, pitch)


def close_quietly(output) -> None:
    try:
        output.close()
    except Exception:  # noqa: BLE001 - a dead port may fail to close; it is gone anyway
        log.debug("closing a MIDI output failed", exc_info=True)


class PlayerOutput:
    """See the module docstring."""

    def __init__(
        self,
        output,
        *,
        clock: Callable[[], float],
        deferred: DeferredCalls,
        on_failure: Callable[[str], None],
    ):
        self.output = output
        self._clock = clock
        self._deferred = deferred
        self._on_failure = on_failure
        self.sounding: dict[Key, None] = {}  # insertion-ordered
        self._timed_offs: dict[Key, float] = {}  # auditions and clicks

    def send(self, message: list[int], when: float | None = None) -> bool:
        """Send ``message`` (due at clock time ``when``, if scheduled); False if it failed."""
        output = self.output
        if output is None:
            return False
        try:
            if when is not None and output.timed and output.clock is self._clock:
                output.send(message, when)
            else:
                output.send(message)
        except PortError as exc:
            self._on_failure(str(exc))
            return False
        return True

    # --- notes --------------------------------------------------------------------------------

    def sound(self, channel: int, pitch: int, velocity: int, when: float | None = None) -> bool:
        """Note-on; a note already sounding on that key (the same pitch again without a gap, or
        over an audition) ends first. True if sent."""
        key = (channel, pitch)
        if key in self.sounding:
            self.sounding.pop(key)
            self._timed_offs.pop(key, None)
            self.send(note_off(*key), when)
        if self.send(note_on(channel, pitch, velocity), when):
            self.sounding[key] = None
            return True
        return False

    def end_note(self, channel: int, pitch: int, when: float | None = None) -> None:
        """Note-off for a sounding note (a live key released)."""
        key = (channel, pitch)
        if key in self.sounding:
            self.sounding.pop(key)
            self._timed_offs.pop(key, None)
            self.send(note_off(*key), when)

    def end_played(self, channel: int, pitch: int, when: float) -> None:
        """The melody's note-off: not for a note an audition holds (its own off ends it)."""
        key = (channel, pitch)
        if key in self.sounding and key not in self._timed_offs:
            self.sounding.pop(key)
            self.send(note_off(*key), when)

    def hold(self, key: Key, until: float) -> None:
        """End the sounding ``key`` at clock time ``until``."""
        self._timed_offs[key] = until

    def next_off(self) -> float | None:
        return min(self._timed_offs.values()) if self._timed_offs else None

    def end_due(self, now: float) -> None:
        """Send the timed note-offs due by ``now``, each at its own time."""
        for key, due in list(self._timed_offs.items()):
            if due <= now:
                del self._timed_offs[key]
                if key in self.sounding:
                    self.sounding.pop(key)
                    self.send(note_off(*key), due)

    def forget(self) -> None:
        self.sounding.clear()
        self._timed_offs.clear()

    def release(self, channel: int) -> None:
        """Release every sounding note, then the pedal and notes on ``channel`` and each used."""
        channels = {channel} | {used for used, _ in self.sounding}
        sounding = list(self.sounding)
        self.forget()
        if self.output is None:
            return
        for message in release_messages(sounding, channels):
            if not self.send(message):
                return

    def silence(self) -> None:
        """Panic: note-offs for what we know sounds, then CC120/121/123 on all 16 channels."""
        for key in list(self.sounding):
            self.send(note_off(*key))
        self.forget()
        for message in panic_messages():
            if not self.send(message):
                break

    # --- the output's lifecycle ---------------------------------------------------------------

    def replace(self, output, channel: int) -> None:
        """Use ``output`` (or None) from now on: the old output's notes are released as far as it
        still takes them, and it is closed (after the lock)."""
        old = self.output
        if old is not None:
            channels = {channel} | {used for used, _ in self.sounding}
            try:  # the old port may be the one that vanished: release what we can
                for message in release_messages(list(self.sounding), channels):
                    old.send(message)
            except PortError:
                pass
        self.forget()
        self.output = output
        if old is not None and old is not output:
            self._deferred.call(close_quietly, old)

    def drop(self) -> None:
        """The output failed or the player closes: close it (after the lock), forget its notes."""
        if self.output is not None:
            self._deferred.call(close_quietly, self.output)
            self.output = None
        self.forget()
