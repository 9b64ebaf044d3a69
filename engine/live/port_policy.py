"""Which ports Segue plays and listens through, and what happens when they come and go, as in a
DAW. No Qt and no timers: :class:`gui.live.playback.PlaybackBridge` turns the callbacks into
signals and calls :meth:`PortPolicy.poll` on a timer.

``PortPolicy(system, player, receive, instrument)``   (a :class:`~engine.live.ports.MidiSystem`,
the :class:`~engine.live.player.Player`, what an input's messages go to, and the built-in
instrument's :class:`~engine.audio.instrument_settings.InstrumentSettings`)
    ``available()``, ``virtual_support()``, ``output_ports()``, ``input_ports()``,
    ``output_port``, ``input_port``   (the open PortInfo, or None)
    ``refresh(probe=False) -> bool``   list again (``probe``: retry every MIDI system first and
        look for audio devices again); True if the lists (or whether the built-in instrument can
        sound) changed. An open port that is gone is closed with a message.
    ``poll() -> bool``   what a timer does: refresh, probing while a MIDI system is gone (True
        then); a listing hiccup is logged, never raised
    ``open_output(port, virtual=False)``, ``open_input(port, virtual=False)`` -> bool
        (None: no port; ``BUILT_IN_PORT``: the built-in instrument); False, with ``on_error``
    ``output_failed(message)``   the player's ``on_error``, handed over in the owner's thread
    ``system_lost(message) -> bool``   a MIDI system went away (``MidiSystem.on_lost``, handed
        over): list again, say so; False once closed
    ``restore(output, input, chosen_before) -> str``   reopen the ports saved last time (by
        name, or :data:`BUILT_IN_SETTING` / :data:`VIRTUAL_SETTING`); the notice to show, or ''
    ``audio_available()``, ``set_soundfont(path)``, ``set_buffer_frames(frames) -> bool``,
    ``set_volume(volume)``   the built-in instrument's settings, heard at once when it plays
    ``instrument_wanted``   True while the built-in instrument is to reopen when its device is
        back (it stopped working, or was the saved output and could not sound at start)
    ``close()``
Callbacks (attributes): ``on_ports_changed()``, ``on_output_changed(port | None)``,
``on_input_changed(port | None)``, ``on_error(message)``.

Ports come back by name: an output that failed or vanished is reopened when a port of that name
is listed again (ALSA client numbers ignored), and a JACK output whose receiver restarted under
the same name (our connection went with it) is reopened at the next listing. The built-in
instrument comes back the same way: once it stopped working (its audio server went away), polls
look for its device without blocking (a short-lived process every few seconds) and reopen it, in
a fresh audio process, when the device is back; Refresh looks at once. The user's own choice of
output cancels a pending reconnection. After a MIDI system went away, each poll probes again
until it is back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from segue.engine.audio.instrument import BUILT_IN_NAME, BUILT_IN_PORT
from segue.engine.audio.instrument_settings import InstrumentSettings, buffer_setting
from segue.engine.live.endpoints import PortError, PortInfo, find_port
from segue.engine.live.midi_input import MidiInput, open_input
from segue.engine.live.output import open_output
from segue.engine.live.player import Player
from segue.engine.live.ports import MidiSystem

log = logging.getLogger(__name__)

BUILT_IN_SETTING = "builtin"  # how the built-in instrument is remembered as the output
VIRTUAL_SETTING = "virtual"  # how Segue's own virtual port is remembered


def _ignore(*_args) -> None:
    pass


class PortPolicy:
    """See the module docstring."""

    def __init__(
        self,
        system: MidiSystem,
        player: Player,
        receive: Callable,
        instrument: InstrumentSettings,
    ):
        self.system = system
        self.player = player
        self.instrument = instrument
        self._receive = receive
        self._input: MidiInput | None = None
        self._outputs: list[PortInfo] = []
        self._inputs: list[PortInfo] = []
        self._opened_output: PortInfo | None = None  # the last output opened (not virtual)
        self._wanted_output: PortInfo | None = None  # lost, to reopen when it is listed again
        self._closed = False
        self.on_ports_changed: Callable[[], None] = _ignore
        self.on_output_changed: Callable[[PortInfo | None], None] = _ignore
        self.on_input_changed: Callable[[PortInfo | None], None] = _ignore
        self.on_error: Callable[[str], None] = _ignore

    # --- listing ------------------------------------------------------------------------------

    def available(self) -> tuple[bool, str]:
        return self.system.available()

    def virtual_support(self) -> tuple[bool, str]:
        return self.system.virtual_support()

    def output_ports(self) -> list[PortInfo]:
        return list(self._outputs)

    def input_ports(self) -> list[PortInfo]:
        return list(self._inputs)

    @property
    def output_port(self) -> PortInfo | None:
        output = self.player.output
        return output.port if output is not None else None

    @property
    def input_port(self) -> PortInfo | None:
        return self._input.port if self._input is not None else None

    def refresh(self, probe: bool = False) -> bool:
        """List again; see the module docstring."""
        audio_changed = False
        if probe:
            self.system.probe()
            audio_changed = self.instrument.recheck()  # a device that appeared since
        outputs, inputs = self.system.output_ports(), self.system.input_ports()
        changed = outputs != self._outputs or inputs != self._inputs or audio_changed
        self._outputs, self._inputs = outputs, inputs
        if changed:
            self.on_ports_changed()
        if self.player.output is not None:
            self.player.check_output(outputs)  # a vanished output ends in output_failed
        self._reconnect_output(outputs)
        if self._input is not None and not self._input.present_in(inputs):
            name = self._input.name
            self._close_input()
            self.on_input_changed(None)
            self.on_error(f"MIDI input '{name}' disappeared (was it unplugged?).")
        return changed

    def poll(self) -> bool:
        """Refresh, probing while a MIDI system is gone; True if it probed."""
        probe = bool(self.system.gone())
        try:
            self.refresh(probe=probe)
        except Exception:  # noqa: BLE001 - a listing hiccup must not spam the user every poll
            log.debug("listing MIDI ports failed", exc_info=True)
        return probe

    def _reconnect_output(self, outputs: list[PortInfo]) -> None:
        """Reopen by name: a lost output that is listed again, or a JACK output whose receiver
        restarted under the same name (it is listed, but our connection is gone)."""
        output = self.player.output
        if output is not None:
            if output.virtual or self.system.connected(output) is not False:
                return
            wanted, note = output.port, "its receiver restarted"
        elif self._wanted_output == BUILT_IN_PORT:
            self._reconnect_instrument()
            return
        elif self._wanted_output is not None:
            wanted, note = self._wanted_output, "it is back"
        else:
            return
        port = find_port(wanted.name, outputs, wanted.api)
        if port is None:
            return
        try:
            reopened = open_output(port, system=self.system)
        except PortError as exc:
            log.debug("reconnecting MIDI output '%s' failed: %s", port.name, exc)
            return
        self._wanted_output = None
        self._opened_output = port
        self.player.set_output(reopened)
        self.on_output_changed(port)
        self.on_error(f"MIDI output '{port.name}' reconnected ({note}).")

    def _reconnect_instrument(self) -> None:
        """Reopen the built-in instrument once a look says its device is back."""
        could = self.instrument.available()[0]
        if not self.instrument.device_back():
            return
        if not could:  # it is no longer greyed out
            self.on_ports_changed()
        try:
            instrument = self._open_instrument()
        except PortError as exc:
            log.debug("reopening the built-in instrument failed: %s", exc)
            self.instrument.device_lost()  # look again later
            return
        self._wanted_output = None
        self._use_output(instrument)
        self.on_error(f"The {BUILT_IN_NAME.lower()} plays again (its audio device is back).")

    @property
    def instrument_wanted(self) -> bool:
        return self._wanted_output == BUILT_IN_PORT and self.player.output is None

    def output_failed(self, message: str) -> None:
        """The output vanished or failed (playback has stopped): say so once, and reopen it by
        name when it is listed again (the built-in instrument: when its device is back)."""
        self._wanted_output = self._opened_output
        if self._wanted_output == BUILT_IN_PORT:
            self.instrument.device_lost()
        self.on_error(message)
        self.on_output_changed(None)

    def system_lost(self, message: str) -> bool:
        """A MIDI system went away: its ports close (without touching them), playback stops,
        the user is told; polls probe until it is back. False once closed."""
        if self._closed:
            return False
        self.poll()
        self.on_error(f"{message} Segue reconnects when it is back.")
        return True

    # --- opening ------------------------------------------------------------------------------

    def open_output(self, port: PortInfo | str | None, virtual: bool = False) -> bool:
        """Play through ``port`` (None: no output); False, with an error, if it fails."""
        self._wanted_output = None  # the user's choice wins over a pending reconnection
        if port is None and not virtual:
            self._opened_output = None
            self.player.set_output(None)
            self.on_output_changed(None)
            return True
        try:
            if port == BUILT_IN_PORT:
                output = self._open_instrument()
            else:
                output = open_output(port, virtual=virtual, system=self.system)
        except PortError as exc:
            self.on_error(str(exc))
            return False
        self._use_output(output)
        return True

    def _use_output(self, output) -> None:
        self._opened_output = None if output.virtual else output.port
        self.player.set_output(output)
        self.on_output_changed(output.port)

    def open_input(self, port: PortInfo | str | None, virtual: bool = False) -> bool:
        """Listen to ``port`` (None: no input); False, with an error, if it fails."""
        self._close_input()
        if port is None and not virtual:
            self.on_input_changed(None)
            return True
        try:
            self._input = open_input(
                port,
                self._receive,
                virtual=virtual,
                system=self.system,
                clock=self.player.clock,  # arrival times on the timeline's clock
            )
        except PortError as exc:
            self.on_input_changed(None)
            self.on_error(str(exc))
            return False
        self.on_input_changed(self._input.port)
        return True

    def _close_input(self) -> None:
        if self._input is not None:
            self._input.close()
            self._input = None

    def restore(self, output: str, input_name: str, chosen_before: bool) -> str:
        """Reopen the ports saved last time; when no output was ever chosen, the built-in
        instrument (the first MIDI output where it cannot sound). The notice to show, or ''."""
        midi, audio = self.available()[0], self.audio_available()[0]
        notice = ""
        if output == BUILT_IN_SETTING or (not chosen_before and audio):
            if audio:
                self.open_output(BUILT_IN_PORT)
            else:  # chosen last time: it opens when a device appears
                self._wanted_output = BUILT_IN_PORT
                self.instrument.device_lost()
        elif midi and output == VIRTUAL_SETTING:
            self.open_output(None, virtual=True)
        elif midi and output:
            port = find_port(output, self._outputs)
            if port is not None:
                self.open_output(port)
            else:
                notice = f"MIDI output '{output}' is not connected; choose another one."
        elif self._outputs and not chosen_before:
            self.open_output(self._outputs[0])
        if input_name and midi:
            port = find_port(input_name, self._inputs)
            if port is not None:
                self.open_input(port)
        return notice

    # --- the built-in instrument --------------------------------------------------------------

    def audio_available(self) -> tuple[bool, str]:
        """Whether the built-in instrument can sound here, and if not, why."""
        return self.instrument.available()

    def set_soundfont(self, path: str | None) -> None:
        """The SoundFont the built-in instrument plays (None: the built-in bank)."""
        self.instrument.set_soundfont(path)
        if self.output_port == BUILT_IN_PORT:
            self.open_output(BUILT_IN_PORT)  # heard at once, as a DAW's instrument swaps

    def set_buffer_frames(self, frames: int) -> bool:
        """The instrument's audio buffer, reopened at once if it is the output. False, with an
        error, when the device refuses it: the instrument plays on as it was."""
        frames = buffer_setting(frames)
        if frames != self.instrument.buffer_frames and self.output_port == BUILT_IN_PORT:
            try:
                instrument = self._open_instrument(frames, fall_back=False)
            except PortError as exc:
                self.on_error(str(exc))
                return False
            self._use_output(instrument)
        self.instrument.set_buffer_frames(frames)
        return True

    def set_volume(self, volume: float) -> None:
        volume = self.instrument.set_volume(volume)
        if self.output_port == BUILT_IN_PORT:
            self.player.output.volume = volume

    def _open_instrument(self, buffer_frames: int | None = None, fall_back: bool = True):
        instrument, warning = self.instrument.open(buffer_frames, fall_back=fall_back)
        if warning:
            self.on_error(warning)
        return instrument

    def close(self) -> None:
        """Close the input; the output is the player's to close."""
        self._closed = True
        self._close_input()
