"""Live MIDI for the GUI: the engine's :class:`~engine.live.live_session.LiveSession` (player,
recorder, call and response) and its :class:`~engine.live.port_policy.PortPolicy` (which ports,
reconnecting, the built-in instrument's settings), with their callbacks turned into Qt signals
and timers that poll. Nothing is decided here: most methods are one-line delegations.

The engine calls back from its own threads (the scheduler, the MIDI input thread, libjack's);
emitting a signal from there is safe, and Qt queues it to the receivers in the GUI thread. No
thread is started here: the player's scheduler thread belongs to :mod:`engine.live.player`.

``PlaybackBridge(system=None, player=None, parent=None, *, port_poll_ms=2000, audio=None)``
(``audio``: an :class:`~engine.audio.system.AudioSystem`). The ports are listed again every
``port_poll_ms`` while a MIDI system works or the built-in instrument plays or is wanted back
(0: never by itself; a test polls with ``_poll_ports()``). ``open_output(BUILT_IN_PORT)`` plays through the built-in instrument;
``audio_available()``, ``set_soundfont(path | None)`` (a bad file is named in ``error``, the
built-in bank plays), ``set_buffer_frames(frames)`` (the audio buffer size; 0: the device's
low-latency default) and ``set_volume(0-1)`` go with it.

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

``session`` is the engine's LiveSession, ``player`` its :class:`~engine.live.player.Player`,
``ports`` the PortPolicy, ``system`` the MIDI system.

Methods: ``available()``, ``refresh_ports(probe=False)``, ``output_ports()``, ``input_ports()``,
``open_output(port, virtual=False)``, ``open_input(port, virtual=False)``,
``restore_ports(output, input, chosen_before)``, ``play(melody, start_step=0)``, ``stop()``,
``pause()``, ``resume()``, ``seek(step)``, ``set_tempo(bpm)``, ``set_template(melody)``,
``set_loop_enabled(on)``, ``set_loop_region((start, end) | None)``, ``set_metronome(on)``,
``set_count_in(bars)`` (before a recording), ``set_channel(0-15)``, ``set_program(0-127 |
None)``, ``set_thru(on)``, ``set_record_armed(on)``, ``set_record_grid(steps)``,
``set_call_response(on)``, ``set_silence_beats(beats)``, ``deliver_answer(melody,
request_id)``, ``audition(pitch, velocity)``, ``panic()``, ``close()``.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer, Signal

from segue.engine.audio.instrument import BUILT_IN_PORT
from segue.engine.audio.instrument_settings import InstrumentSettings
from segue.engine.audio.system import AudioSystem
from segue.engine.live.endpoints import PortError, PortInfo
from segue.engine.live.live_session import LiveSession
from segue.engine.live.player import STOPPED, Player
from segue.engine.live.port_policy import PortPolicy
from segue.engine.live.ports import MidiSystem, default_system
from segue.engine.melody import Melody

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
        instrument = InstrumentSettings(audio if audio is not None else AudioSystem(),
                                        clock=self.player.clock)
        self.ports = PortPolicy(self.system, self.player, self.session.receive, instrument)
        self.ports.on_ports_changed = self.ports_changed.emit
        self.ports.on_output_changed = self._output_now
        self.ports.on_input_changed = self.input_changed.emit
        self.ports.on_error = self.error.emit
        self._closed = False
        self._port_poll_ms = port_poll_ms
        self._poll = QTimer(self)
        self._poll.setInterval(max(0, port_poll_ms))
        self._poll.timeout.connect(self._poll_ports)
        self._cr_timer = QTimer(self)
        self._cr_timer.setInterval(CALL_RESPONSE_POLL_MS)
        self._cr_timer.timeout.connect(lambda: self.session.poll())
        if self.available()[0]:
            self.ports.refresh()
            self._keep_polling()
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.close)  # quitting releases every sounding note

    @property
    def audio(self) -> AudioSystem:
        return self.ports.instrument.audio

    # --- ports --------------------------------------------------------------------------------

    def available(self) -> tuple[bool, str]:
        """Whether any MIDI system works here, and if not, why (for the status bar)."""
        return self.ports.available()

    def output_ports(self) -> list[PortInfo]:
        return self.ports.output_ports()

    def input_ports(self) -> list[PortInfo]:
        return self.ports.input_ports()

    @property
    def output_port(self) -> PortInfo | None:
        return self.ports.output_port

    @property
    def input_port(self) -> PortInfo | None:
        return self.ports.input_port

    def virtual_support(self) -> tuple[bool, str]:
        return self.ports.virtual_support()

    def refresh_ports(self, probe: bool = False) -> bool:
        """List the ports again (``probe``: retry every MIDI system first, and poll from now on
        if one works); True if they changed."""
        changed = self.ports.refresh(probe=probe)
        if probe:
            self._keep_polling()
        return changed

    def _keep_polling(self, until_back: bool = False) -> None:
        """Poll every ``port_poll_ms`` (never with 0) while a MIDI system works, or
        ``until_back``: a system went away, and polls probe for it."""
        if (self._port_poll_ms > 0 and not self._closed and not self._poll.isActive()
                and (until_back or self.available()[0])):
            self._poll.start()

    def _poll_ports(self) -> None:
        if self.ports.poll():  # it probed: a MIDI system may be back
            self._keep_polling()

    def _on_output_failed(self, message: str) -> None:
        """The output vanished or failed: playback has stopped; said once, listed again soon."""
        self.ports.output_failed(message)
        QTimer.singleShot(0, self, self._poll_ports)
        self._keep_polling(until_back=self.ports.instrument_wanted)  # until its device is back

    def _output_now(self, port: PortInfo | None) -> None:
        if port == BUILT_IN_PORT:  # polls notice it stopping, with or without a MIDI system
            self._keep_polling(until_back=True)
        self.output_changed.emit(port)

    def _on_system_lost(self, message: str) -> None:
        if self.ports.system_lost(message):
            self.midi_system_lost.emit(message)
            self._keep_polling(until_back=True)

    def open_output(self, port: PortInfo | str | None, virtual: bool = False) -> bool:
        """Play through ``port`` (None: no output); False, with an ``error``, if it fails."""
        return self.ports.open_output(port, virtual=virtual)

    def open_input(self, port: PortInfo | str | None, virtual: bool = False) -> bool:
        """Listen to ``port`` (None: no input); False, with an ``error``, if it fails."""
        return self.ports.open_input(port, virtual=virtual)

    def restore_ports(self, output: str, input_name: str, chosen_before: bool) -> str:
        """Reopen the ports saved last time (see :meth:`PortPolicy.restore`); a notice or ''."""
        notice = self.ports.restore(output, input_name, chosen_before)
        self._keep_polling(until_back=self.ports.instrument_wanted)  # it opens when it can
        return notice

    # --- the built-in instrument ---------------------------------------------------------------

    def audio_available(self) -> tuple[bool, str]:
        """Whether the built-in instrument can sound here, and if not, why."""
        return self.ports.audio_available()

    def set_soundfont(self, path: str | None) -> None:
        self.ports.set_soundfont(path)

    def set_buffer_frames(self, frames: int) -> bool:
        return self.ports.set_buffer_frames(frames)

    def set_volume(self, volume: float) -> None:
        self.ports.set_volume(volume)

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

    def deliver_answer(self, melody: Melody | None, request_id: int, chords=()) -> bool:
        """The continuation for ``answer_requested``; plays it unless it came too late, with
        ``chords`` (on its steps) accompanied."""
        return self.session.deliver_answer(melody, request_id, chords)

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
        self.ports.close()
        self.session.close()
