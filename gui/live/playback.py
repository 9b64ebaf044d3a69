"""Live MIDI for the GUI: the engine's :class:`~engine.live.live_session.LiveSession` (player,
recorder, call and response) and its ports, with their callbacks turned into Qt signals and
timers that poll. Nothing musical is decided here.

(Long on purpose: it is the GUI's one handle on live playing; most methods are one-line
delegations to the session, and the port-reconnection rules read best beside open_output.)

The engine calls back from its own threads (the scheduler, the MIDI input thread); emitting a
signal from there is safe, and Qt queues it to the receivers in the GUI thread. No thread is
started here: the player's scheduler thread belongs to :mod:`engine.live.player`.

``PlaybackBridge(system=None, player=None, parent=None, *, port_poll_ms=2000, audio=None)``
(``audio``: an :class:`~engine.audio.instrument.AudioSystem`). ``open_output(BUILT_IN_PORT)``
plays through the built-in instrument; ``audio_available()``, ``set_soundfont(path | None)`` (a
bad file is named in ``error``, the built-in bank plays), ``set_buffer_frames(frames)`` (the audio
buffer size; 0: the device's low-latency default) and ``set_volume(0-1)`` go with it.

Signals
    ``position_changed(float)``   the playhead in steps, ~60 times a second while playing
    ``state_changed(str)``        'playing', 'paused' or 'stopped'
    ``finished()``                playback reached the end
    ``error(str)``                a message for the status bar (no traceback ever)
    ``midi_system_lost(str)``     a MIDI system went away (the JACK server stopped): its ports
                                  are closed, playback stopped; the message says so
    ``ports_changed()``           the port lists changed (devices came or went)
    ``output_changed(object)`` / ``input_changed(object)``   the open PortInfo, or None
    ``note_input(int, int)``      a key on the input port: pitch, velocity (0 = released)
    ``take_finished(object)``     a recorded take (Melody): push it as one undo step, e.g.
                                  ``engine.edits.merge_take(document.melody, take)``
    ``answer_requested(object, int)``   call and response wants a continuation of the call
                                  (Melody); generate, then ``deliver_answer(melody, request_id)``
    ``answer_started(object)``    the answer (Melody) being played
    ``call_response_state(str)``  'listening', 'hearing', 'thinking', 'answering' or 'off'

``session`` is the engine's :class:`~engine.live.live_session.LiveSession`, ``player`` its
:class:`~engine.live.player.Player`.

Ports come back by name, as in a DAW: an output that failed or vanished is reopened when a
port of that name is listed again (ALSA client numbers ignored), and a JACK output whose
receiver restarted under the same name (our connection went with it) is reopened at the next
listing. After a MIDI system went away, each poll probes again until it is back.

Methods: ``available()``, ``refresh_ports(probe=False)``, ``output_ports()``, ``input_ports()``,
``open_output(port, virtual=False)``, ``open_input(port, virtual=False)``, ``play(melody,
start_step=0)``, ``stop()``, ``pause()``, ``resume()``, ``seek(step)``, ``set_tempo(bpm)``,
``set_template(melody)``, ``set_loop_enabled(on)``, ``set_loop_region((start, end) | None)``,
``set_metronome(on)``, ``set_count_in(bars)`` (before a recording), ``set_channel(0-15)``,
``set_program(0-127 | None)``, ``set_thru(on)``,
``set_record_armed(on)``, ``set_record_grid(steps)``, ``set_call_response(on)``,
``set_silence_beats(beats)``, ``deliver_answer(melody, request_id)``, ``audition(pitch,
velocity)``, ``panic()``, ``close()``.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer, Signal

from segue.engine.audio.instrument import BUFFER_SIZES, BUILT_IN_PORT, AudioSystem
from segue.engine.live.endpoints import PortError, PortInfo, find_port
from segue.engine.live.live_session import LiveSession
from segue.engine.live.midi_input import MidiInput, open_input
from segue.engine.live.output import open_output
from segue.engine.live.player import STOPPED, Player
from segue.engine.live.ports import MidiSystem, default_system
from segue.engine.melody import Melody

log = logging.getLogger(__name__)

CALL_RESPONSE_POLL_MS = 20


class PlaybackBridge(QObject):
    """See the module docstring."""

    position_changed = Signal(float)
    state_changed = Signal(str)
    finished = Signal()
    error = Signal(str)
    ports_changed = Signal()
    output_changed = Signal(object)
    input_changed = Signal(object)
    note_input = Signal(int, int)
    take_finished = Signal(object)
    answer_requested = Signal(object, int)
    answer_started = Signal(object)
    call_response_state = Signal(str)
    midi_system_lost = Signal(str)
    _output_failed = Signal(str)  # from the scheduler thread, handled in the GUI thread
    _system_lost = Signal(str)  # from libjack's thread, handled in the GUI thread

    def __init__(
        self,
        system: MidiSystem | None = None,
        player: Player | None = None,
        parent: QObject | None = None,
        *,
        port_poll_ms: int = 2000,
        audio: AudioSystem | None = None,
    ):
        super().__init__(parent)
        self.system = system if system is not None else default_system()
        self.audio = audio if audio is not None else AudioSystem()
        self._audio_state = self.audio.available()
        self._soundfont: str | None = None
        self._buffer_frames = 0
        self._volume = 1.0
        self.player = player if player is not None else Player()
        self.player.on_position = self.position_changed.emit
        self.player.on_state = self.state_changed.emit
        self.player.on_finished = self.finished.emit
        self.player.on_error = self._output_failed.emit
        self.state_changed.connect(self._after_state)  # queued when emitted by the scheduler
        self._output_failed.connect(self._on_output_failed)
        # Queued even from the GUI thread: a probe that finds JACK gone reports it while the
        # MIDI system is still busy probing.
        self._system_lost.connect(self._on_system_lost, Qt.ConnectionType.QueuedConnection)
        self._lost_hook = self._system_lost.emit
        self.system.on_lost = self._lost_hook
        self.session = LiveSession(self.player)
        self.session.on_take = self.take_finished.emit
        self.session.on_note = self.note_input.emit
        self.session.on_answer_request = self.answer_requested.emit
        self.session.on_answer = self.answer_started.emit
        self.session.on_call_response_state = self.call_response_state.emit
        self.session.on_error = self.error.emit
        self._input: MidiInput | None = None
        self._outputs: list[PortInfo] = []
        self._inputs: list[PortInfo] = []
        self._opened_output: PortInfo | None = None  # the last output opened (not virtual)
        self._wanted_output: PortInfo | None = None  # lost, to reopen when it is listed again
        self._closed = False
        self._poll = QTimer(self)
        self._poll.timeout.connect(self._poll_ports)
        self._cr_timer = QTimer(self)
        self._cr_timer.setInterval(CALL_RESPONSE_POLL_MS)
        self._cr_timer.timeout.connect(lambda: self.session.poll())
        ok, _ = self.available()
        if ok:
            self.refresh_ports()
            if port_poll_ms > 0:
                self._poll.start(port_poll_ms)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.close)  # quitting releases every sounding note

    # --- ports --------------------------------------------------------------------------------

    def available(self) -> tuple[bool, str]:
        """Whether any MIDI system works here, and if not, why (for the status bar)."""
        return self.system.available()

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

    def virtual_support(self) -> tuple[bool, str]:
        return self.system.virtual_support()

    def refresh_ports(self, probe: bool = False) -> bool:
        """List the ports again (``probe``: retry every MIDI system first); True if they
        changed. An open port that is gone is closed with a message."""
        if probe:
            self.system.probe()
            if self.available()[0] and not self._poll.isActive() and not self._closed:
                self._poll.start(2000)
        outputs, inputs = self.system.output_ports(), self.system.input_ports()
        changed = outputs != self._outputs or inputs != self._inputs
        self._outputs, self._inputs = outputs, inputs
        if changed:
            self.ports_changed.emit()
        if self.player.output is not None:
            self.player.check_output(outputs)  # a vanished output ends in _on_output_failed
        self._reconnect_output(outputs)
        if self._input is not None and not self._input.present_in(inputs):
            name = self._input.name
            self._close_input()
            self.input_changed.emit(None)
            self.error.emit(f"MIDI input '{name}' disappeared (was it unplugged?).")
        return changed

    def _reconnect_output(self, outputs: list[PortInfo]) -> None:
        """Reopen by name: a lost output that is listed again, or a JACK output whose receiver
        restarted under the same name (it is listed, but our connection is gone)."""
        output = self.player.output
        if output is not None:
            if output.virtual or self.system.connected(output) is not False:
                return
            wanted, note = output.port, "its receiver restarted"
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
        self.output_changed.emit(port)
        self.error.emit(f"MIDI output '{port.name}' reconnected ({note}).")

    def _on_output_failed(self, message: str) -> None:
        """The output vanished or failed: playback has stopped; say so once, list again."""
        self._wanted_output = self._opened_output
        self.error.emit(message)
        self.output_changed.emit(None)
        QTimer.singleShot(0, self, self._poll_ports)

    def _on_system_lost(self, message: str) -> None:
        """A MIDI system went away: its ports close (without touching them), playback stops,
        the user is told, and polling probes until it is back."""
        if self._closed:
            return
        self._poll_ports()
        self.error.emit(f"{message} Segue reconnects when it is back.")
        self.midi_system_lost.emit(message)
        if not self._poll.isActive():
            self._poll.start(2000)

    def _poll_ports(self) -> None:
        try:
            self.refresh_ports(probe=bool(self.system.gone()))
        except Exception:  # noqa: BLE001 - a listing hiccup must not spam the user every 2 s
            log.debug("listing MIDI ports failed", exc_info=True)

    def open_output(self, port: PortInfo | str | None, virtual: bool = False) -> bool:
        """Play through ``port`` (None: no output); False, with an ``error``, if it fails."""
        self._wanted_output = None  # the user's choice wins over a pending reconnection
        if port is None and not virtual:
            self._opened_output = None
            self.player.set_output(None)
            self.output_changed.emit(None)
            return True
        try:
            if port == BUILT_IN_PORT:
                output = self._open_instrument()
            else:
                output = open_output(port, virtual=virtual, system=self.system)
        except PortError as exc:
            self.error.emit(str(exc))
            return False
        self._use_output(output)
        return True

    def _use_output(self, output) -> None:
        self._opened_output = None if output.virtual else output.port
        self.player.set_output(output)
        self.output_changed.emit(output.port)

    # --- the built-in instrument ---------------------------------------------------------------

    def audio_available(self) -> tuple[bool, str]:
        """Whether the built-in instrument can sound here, and if not, why."""
        return self._audio_state

    def set_soundfont(self, path: str | None) -> None:
        """The SoundFont the built-in instrument plays (None: the built-in bank)."""
        self._soundfont = path or None
        if self.output_port == BUILT_IN_PORT:
            self.open_output(BUILT_IN_PORT)  # heard at once, as a DAW's instrument swaps

    def set_buffer_frames(self, frames: int) -> bool:
        """The built-in instrument's audio buffer (0 or one of ``BUFFER_SIZES``; anything else,
        say from an edited settings file, means 0), reopened at once if it is the output. False,
        with an ``error``, when the device refuses it: the instrument plays on as it was."""
        frames = frames if frames in BUFFER_SIZES else 0
        if frames != self._buffer_frames and self.output_port == BUILT_IN_PORT:
            try:
                instrument = self._open_instrument(frames, fall_back=False)
            except PortError as exc:
                self.error.emit(str(exc))
                return False
            self._use_output(instrument)
        self._buffer_frames = frames
        return True

    def set_volume(self, volume: float) -> None:
        self._volume = min(1.0, max(0.0, float(volume)))
        if self.output_port == BUILT_IN_PORT:
            self.player.output.volume = self._volume

    def _open_instrument(self, buffer_frames: int | None = None, fall_back: bool = True):
        frames = self._buffer_frames if buffer_frames is None else buffer_frames
        instrument, warning = self.audio.open(self._soundfont, clock=self.player.clock,
                                              buffer_frames=frames, fall_back=fall_back)
        instrument.volume = self._volume
        if warning:
            self.error.emit(warning)
        return instrument

    def open_input(self, port: PortInfo | str | None, virtual: bool = False) -> bool:
        """Listen to ``port`` (None: no input); False, with an ``error``, if it fails."""
        self._close_input()
        if port is None and not virtual:
            self.input_changed.emit(None)
            return True
        try:
            self._input = open_input(
                port,
                self.session.receive,
                virtual=virtual,
                system=self.system,
                clock=self.player.clock,  # arrival times on the timeline's clock
            )
        except PortError as exc:
            self.input_changed.emit(None)
            self.error.emit(str(exc))
            return False
        self.input_changed.emit(self._input.port)
        return True

    def _close_input(self) -> None:
        if self._input is not None:
            self._input.close()
            self._input = None

    # --- transport ----------------------------------------------------------------------------

    def play(self, melody: Melody, start_step: float = 0, end: float | None = None) -> bool:
        """Play ``melody`` (see :meth:`LiveSession.play`); False, with an ``error``, if it
        cannot."""
        try:
            self.session.play(melody, start_step=start_step, end=end)
        except (PortError, ValueError) as exc:
            self.error.emit(str(exc))
            return False
        return True

    def stop(self) -> None:
        self.session.stop()

    def pause(self) -> None:
        self.player.pause()

    def resume(self) -> None:
        self.player.resume()

    def seek(self, step: float) -> None:
        self.player.seek(max(0.0, float(step)))

    @property
    def state(self) -> str:
        return self.player.state

    def set_tempo(self, bpm: float) -> None:
        self.session.set_tempo(bpm)

    def set_template(self, melody: Melody) -> None:
        """Grid, meter and tempo for recording and call and response (the document's melody)."""
        self.session.set_template(melody)

    def set_loop_enabled(self, enabled: bool) -> None:
        self._reporting(self.session.set_loop_enabled, enabled)

    def set_loop_region(self, region: tuple[int, int] | None) -> None:
        """The region the loop repeats; None loops the whole piece (rounded up to a bar)."""
        self._reporting(self.session.set_loop_region, region)

    @property
    def loop_enabled(self) -> bool:
        return self.session.loop_enabled

    @property
    def loop_region(self) -> tuple[int, int] | None:
        return self.session.loop_region

    def set_metronome(self, enabled: bool) -> None:
        self.player.set_metronome(enabled)

    def set_count_in(self, bars: int) -> None:
        """Bars of clicks before a recording starts (0: none); plain playback has none."""
        self.session.set_count_in(bars)

    @property
    def count_in_bars(self) -> int:
        return self.session.count_in_bars

    def set_channel(self, channel: int) -> None:
        self.player.set_channel(channel)

    def set_program(self, program: int | None) -> None:
        self.player.set_program(program)

    def set_thru(self, enabled: bool) -> None:
        """Echo what the input plays to the output (for keyboards without their own sound)."""
        self.session.thru = bool(enabled)

    def audition(self, pitch: int, velocity: int = 100) -> None:
        """A piano-roll key click: sounds the note briefly when an output is open."""
        self._reporting(self.player.audition, pitch, velocity)

    def panic(self) -> None:
        self.session.panic()

    def _reporting(self, command, *args) -> None:
        """Run ``command``; a ValueError it raises goes to the status bar."""
        try:
            command(*args)
        except ValueError as exc:
            self.error.emit(str(exc))

    # --- recording ----------------------------------------------------------------------------

    def set_record_armed(self, armed: bool) -> None:
        self.session.set_record_armed(armed)

    def set_record_grid(self, steps: int) -> None:
        """Quantize recorded notes to multiples of ``steps`` grid steps (the roll's snap)."""
        self.session.set_record_grid(steps)

    @property
    def record_armed(self) -> bool:
        return self.session.record_armed

    @property
    def recording(self) -> bool:
        return self.session.recording

    def _after_state(self, state: str) -> None:
        if state == STOPPED:
            self.session.playback_stopped()

    # --- call and response --------------------------------------------------------------------

    def set_call_response(self, enabled: bool) -> None:
        self.session.set_call_response(enabled)
        if self.session.call_response is not None:
            self._cr_timer.start()
        else:
            self._cr_timer.stop()

    @property
    def call_response(self):
        return self.session.call_response

    def set_silence_beats(self, beats: float) -> None:
        """How many beats of silence end a call."""
        self.session.set_silence_beats(beats)

    def deliver_answer(self, melody: Melody | None, request_id: int) -> bool:
        """The continuation for ``answer_requested``; plays it unless it came too late."""
        return self.session.deliver_answer(melody, request_id)

    # --- shutdown -----------------------------------------------------------------------------

    def close(self) -> None:
        """Stop everything and release every sounding note; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        if self.system.on_lost is self._lost_hook:
            self.system.on_lost = None
        self._poll.stop()
        self._cr_timer.stop()
        self._close_input()
        self.session.close()
