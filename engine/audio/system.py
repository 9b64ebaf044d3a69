"""The machine's audio output as the GUI sees it, like a MIDI system: whether the built-in
instrument can sound here, and opening it. No Qt.

``AudioSystem(sounddevice=None, *, open_instrument=None, availability=None, device=None)``
    ``available(fresh=False) -> (bool, reason)``   (True, '') when an output device and the synthesizer can
        be used, else (False, a sentence for the user); asked anew each time (it blocks while a
        short-lived process looks; the answer of a look already begun, unless ``fresh``)
    ``begin_check()``, ``checked() -> (bool, reason) | None``   the same question without
        blocking: begin a look (unless one runs), and its answer once it is in (None before)
    ``open(soundfont=None, clock=time.perf_counter, buffer_frames=0, fall_back=True)
    -> (instrument, warning)``   a SoundFont that cannot be used gives the built-in bank and a
        warning naming the file; a ``buffer_frames`` the device refuses gives way to the device's
        own size, unless ``fall_back`` is False (then InstrumentError). InstrumentError when there
        is no sound.
    ``device``   the output device to play on, by PortAudio index or name ("system JACK": each
        word part of the device's name and host API, as sounddevice matches); None: the default

By default the instrument runs in a process of its own (:class:`engine.audio.host.InstrumentHost`)
and Segue's own process never loads PortAudio: PortAudio lists devices once, when it starts, and
a JACK server that goes away under a process that loaded it hangs or crashes that process at its
exit (PortAudio's own clean-up). So whether a device can be used is asked of a short-lived child
(:func:`probe`), which starts PortAudio anew each time and so sees a device that appeared since.
The collaborators come in through the constructor: ``open_instrument(soundfont, buffer_frames,
clock)`` opens one instead (tests: a :class:`~engine.audio.instrument.BuiltInInstrument` on fake
streams, in this process), and ``availability()`` answers ``available()``; ``sounddevice``
stands in for the module (then asked in this process).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable

from segue.engine.audio import host
from segue.engine.audio.instrument import BUILT_IN_NAME, InstrumentError, audio_available
from segue.engine.audio.soundfont import SoundFontError

PROBE_TIMEOUT = 15.0  # seconds a look may take before it counts as "no device"
_PROBE = host.child_code("segue.engine.audio.system", "probe")
_NO_ANSWER = (f"The {BUILT_IN_NAME.lower()} is unavailable: looking for an audio output device "
              "did not finish ({}).")


def probe(argv: list[str] | None = None) -> None:
    """The child's side of a look: print ``audio_available()`` for the device ``argv[0]`` (JSON)
    names as one JSON line, and leave without PortAudio's clean-up (a dying JACK server can hang
    it)."""
    device = json.loads((argv or sys.argv[1:] or ["null"])[0])
    if device is not None:
        try:
            import sounddevice  # noqa: PLC0415 - only in this short-lived child

            sounddevice.default.device = (sounddevice.default.device[0], device)
        except (ImportError, OSError):
            pass  # audio_available says why
    ok, reason = audio_available()
    sys.stdout.write(json.dumps({"ok": ok, "reason": reason}) + "\n")
    sys.stdout.flush()
    os._exit(0)


def _answer(process: subprocess.Popen, out: str) -> tuple[bool, str]:
    try:
        answer = json.loads(out.strip().splitlines()[-1])
        return bool(answer["ok"]), str(answer["reason"])
    except (ValueError, KeyError, IndexError, TypeError):
        return False, _NO_ANSWER.format(f"the looking process ended with {process.returncode}")


class AudioSystem:
    """See the module docstring."""

    def __init__(
        self,
        sounddevice=None,
        *,
        open_instrument: Callable | None = None,
        availability: Callable[[], tuple[bool, str]] | None = None,
        device: int | str | None = None,
    ):
        self._sounddevice = sounddevice
        self.device = device
        self._open_instrument = open_instrument or self._in_own_process
        if availability is None and sounddevice is not None:
            availability = lambda: audio_available(self._sounddevice)  # noqa: E731
        self._availability = availability
        self._look: subprocess.Popen | None = None
        self._injected_answer: tuple[bool, str] | None = None

    def available(self, fresh: bool = False) -> tuple[bool, str]:
        """See the module docstring; ``fresh``: not the answer of a look begun earlier."""
        if self._availability is not None:
            return self._availability()
        if fresh and self._look is not None:
            self._look.kill()
            self._look.communicate()
            self._look = None
        process, self._look = self._look or self._start_look(), None  # a look begun, if any
        try:
            out, _ = process.communicate(timeout=PROBE_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            return False, _NO_ANSWER.format(f"no answer within {PROBE_TIMEOUT:g} s")
        return _answer(process, out)

    def begin_check(self) -> None:
        """Begin a look that does not block (unless one runs); see :meth:`checked`."""
        if self._availability is not None:
            self._injected_answer = self._availability()
        elif self._look is None:
            self._look = self._start_look()

    def checked(self) -> tuple[bool, str] | None:
        """The answer of the look begun, once it is in (then a new one may begin); else None."""
        if self._availability is not None:
            answer, self._injected_answer = self._injected_answer, None
            return answer
        look = self._look
        if look is None or look.poll() is None:
            return None
        self._look = None
        out, _ = look.communicate()
        return _answer(look, out)

    def _start_look(self) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-c", _PROBE, json.dumps(self.device)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True, creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
        )

    def open(self, soundfont: str | os.PathLike | None = None,
             clock: Callable[[], float] = time.perf_counter,
             buffer_frames: int = 0, fall_back: bool = True):
        """The instrument with ``soundfont`` (None: the built-in bank) and a warning ('' when
        none); see the module docstring."""
        if self._availability is not None:  # cheap here; the audio process says it otherwise
            ok, reason = self._availability()
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

    def _device(self) -> int | str | None:
        """The output device for the child: ``device``, else the one chosen in this process
        (``sounddevice.default``) where something here already loaded sounddevice (a test, a
        bench); this never loads it."""
        if self.device is not None:
            return self.device
        sounddevice = self._sounddevice or sys.modules.get("sounddevice")
        try:
            device = sounddevice.default.device[1]
        except (AttributeError, IndexError, TypeError):
            return None
        return device if isinstance(device, int) and device >= 0 else None
