"""The built-in instrument as the user set it up: its SoundFont, audio buffer and volume, kept
while other outputs play, and the instrument opened with them. No Qt.

``InstrumentSettings(audio, clock=time.perf_counter, look_every=LOOK_EVERY)``   (``audio``: an
:class:`~engine.audio.system.AudioSystem`; ``clock``: the player's, which times the messages)
    ``soundfont`` (a path, or None: the built-in bank), ``buffer_frames`` (0: the device's own
    low-latency size, or one of :data:`~engine.audio.instrument.BUFFER_SIZES`), ``volume`` (0-1)
    ``set_soundfont(path | None)``; ``set_buffer_frames(frames)`` (anything not in BUFFER_SIZES,
    say from an edited settings file, means 0); ``set_volume(volume)`` (clamped to 0-1)
    ``available() -> (bool, reason)``   whether it can sound here (asked at start, the look
        begun at once and its answer taken when first needed; again by ``recheck``)
    ``recheck() -> bool``   ask again now (blocks for a moment); True if the answer changed
    ``device_lost()``   the instrument stopped working (its device went away)
    ``device_back() -> bool``   never blocks: since ``device_lost``, whether a look begun since
        says it can sound again (looks begin at most every ``look_every`` seconds on ``clock``;
        call it again later); True at once when nothing was lost and it can sound
    ``open(buffer_frames=None, fall_back=True) -> (instrument, warning)``   opened with these
        settings (``buffer_frames`` to try another size first); see ``AudioSystem.open``
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from segue.engine.audio.instrument import BUFFER_SIZES
from segue.engine.audio.system import AudioSystem

LOOK_EVERY = 5.0  # seconds between looks for a device that went away (each starts a process)


def buffer_setting(frames) -> int:
    """``frames`` if it is a buffer size the instrument offers, else 0 (the device's own)."""
    return frames if frames in BUFFER_SIZES else 0


class InstrumentSettings:
    """See the module docstring."""

    def __init__(self, audio: AudioSystem, clock: Callable[[], float] = time.perf_counter,
                 look_every: float = LOOK_EVERY):
        self.audio = audio
        self.clock = clock
        self.look_every = look_every
        self._available: tuple[bool, str] | None = None
        self._lost = False
        self._next_look = -math.inf
        audio.begin_check()  # a child looks while the window is built
        self.soundfont: str | None = None
        self.buffer_frames = 0
        self.volume = 1.0

    def available(self) -> tuple[bool, str]:
        if self._available is None:
            self._available = self.audio.available()
        return self._available

    def recheck(self) -> bool:
        before = self._available
        self._available = self.audio.available(fresh=True)
        self._lost = self._lost and not self._available[0]
        return self._available != before

    def device_lost(self) -> None:
        self._lost = True
        self._next_look = -math.inf

    def device_back(self) -> bool:
        if not self._lost:
            return self.available()[0]
        answer = self.audio.checked()
        if answer is not None:
            self._available, self._lost = answer, not answer[0]
        if self._lost and self.clock() >= self._next_look:
            self.audio.begin_check()
            self._next_look = self.clock() + self.look_every
        return not self._lost

    def set_soundfont(self, path: str | None) -> None:
        self.soundfont = path or None

    def set_buffer_frames(self, frames: int) -> None:
        self.buffer_frames = buffer_setting(frames)

    def set_volume(self, volume: float) -> float:
        self.volume = min(1.0, max(0.0, float(volume)))
        return self.volume

    def open(self, buffer_frames: int | None = None, fall_back: bool = True):
        frames = self.buffer_frames if buffer_frames is None else buffer_frames
        instrument, warning = self.audio.open(self.soundfont, clock=self.clock,
                                              buffer_frames=frames, fall_back=fall_back)
        instrument.volume = self.volume
        return instrument, warning
