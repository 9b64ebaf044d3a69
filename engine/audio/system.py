"""The machine's audio output as the GUI sees it, like a MIDI system: whether the built-in
instrument can sound here, and opening it. No Qt.

``AudioSystem(sounddevice=None, *, open_instrument=None, availability=None)``
    ``available() -> (bool, reason)``   (True, '') when an output device and the synthesizer can
        be used, else (False, a sentence for the user)
    ``open(soundfont=None, clock=time.perf_counter, buffer_frames=0, fall_back=True)
    -> (instrument, warning)``   a SoundFont that cannot be used gives the built-in bank and a
        warning naming the file; a ``buffer_frames`` the device refuses gives way to the device's
        own size, unless ``fall_back`` is False (then InstrumentError). InstrumentError when there
        is no sound.

By default the instrument runs in a process of its own (:class:`engine.audio.host.InstrumentHost`,
on the output device chosen in this process), where no generation, GUI or garbage collection of
Segue's holds the GIL its callback needs. The collaborators come in through the constructor:
``open_instrument(soundfont, buffer_frames, clock)`` opens one instead (tests: a
:class:`~engine.audio.instrument.BuiltInInstrument` on fake streams, in this process), and
``availability()`` answers ``available()``; ``sounddevice`` stands in for the module.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from segue.engine.audio import host, instrument
from segue.engine.audio.instrument import BUILT_IN_NAME, InstrumentError, audio_available
from segue.engine.audio.soundfont import SoundFontError


class AudioSystem:
    """See the module docstring."""

    def __init__(
        self,
        sounddevice=None,
        *,
        open_instrument: Callable | None = None,
        availability: Callable[[], tuple[bool, str]] | None = None,
    ):
        self._sounddevice = sounddevice
        self._open_instrument = open_instrument or self._in_own_process
        self._availability = availability or (lambda: audio_available(self._sounddevice))

    def available(self) -> tuple[bool, str]:
        return self._availability()

    def open(self, soundfont: str | os.PathLike | None = None,
             clock: Callable[[], float] = time.perf_counter,
             buffer_frames: int = 0, fall_back: bool = True):
        """The instrument with ``soundfont`` (None: the built-in bank) and a warning ('' when
        none); see the module docstring."""
        ok, reason = self.available()
        if not ok:
            raise InstrumentError(reason)
        warning = ""

        def start(frames: int):
            nonlocal soundfont, warning
            try:
                return self._open_instrument(soundfont, frames, clock)
            except SoundFontError as error:
                if soundfont is None:
                    raise InstrumentError(f"The {BUILT_IN_NAME.lower()} cannot start: {error}") from None
                warning, soundfont = f"{error} The built-in General MIDI bank plays instead.", None
            try:
                return self._open_instrument(None, frames, clock)
            except SoundFontError as error:
                raise InstrumentError(f"The {BUILT_IN_NAME.lower()} cannot start: {error}") from None

        try:
            return start(buffer_frames), warning
        except InstrumentError as error:
            if not buffer_frames or not fall_back:
                raise
            instead = (f"{error} It plays with the device's own buffer size instead of "
                       f"{buffer_frames} samples.")
            opened = start(0)
            return opened, f"{warning} {instead}".strip()

    def _in_own_process(self, soundfont, frames: int, clock) -> host.InstrumentHost:
        if clock is not time.perf_counter:
            raise ValueError("the audio process keeps time on time.perf_counter only")
        return host.InstrumentHost(soundfont, buffer_frames=frames, device=self._device())

    def _device(self) -> int | None:
        """The output device chosen in this process (``sounddevice.default``), for the child."""
        sounddevice = self._sounddevice or instrument._import_sounddevice()[0]
        try:
            device = sounddevice.default.device[1]
        except (AttributeError, IndexError, TypeError):
            return None
        return device if isinstance(device, int) and device >= 0 else None
