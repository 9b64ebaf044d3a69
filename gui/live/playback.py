"""Live MIDI for the GUI: the engine's player, input port, recorder and call-and-response, with
their callbacks turned into Qt signals.

The engine calls back from its own threads (the scheduler, the MIDI input thread); emitting a
signal from there is safe, and Qt queues it to the receivers in the GUI thread. No thread is
started here: the player's scheduler thread belongs to :mod:`engine.live.player`.

``PlaybackBridge(system=None, player=None, parent=None, *, port_poll_ms=2000)``

Signals
    ``position_changed(float)``   the playhead in steps, ~60 times a second while playing
    ``state_changed(str)``        'playing', 'paused' or 'stopped'
    ``finished()``                playback reached the end
    ``error(str)``                a message for the status bar (no traceback ever)
    ``ports_changed()``           the port lists changed (devices came or went)
    ``output_changed(object)`` / ``input_changed(object)``   the open PortInfo, or None
    ``note_input(int, int)``      a key on the input port: pitch, velocity (0 = released)
    ``take_finished(object)``     a recorded take (Melody): push it as one undo step, e.g.
                                  ``document.set_melody(merge_take(document.melody, take), ...)``
    ``answer_requested(object, int)``   call and response wants a continuation of the call
                                  (Melody); generate, then ``deliver_answer(melody, request_id)``
    ``answer_started(object)``    the answer (Melody) being played
    ``call_response_state(str)``  'listening', 'hearing', 'thinking', 'answering' or 'off'

Methods: ``available()``, ``refresh_ports(probe=False)``, ``output_ports()``, ``input_ports()``,
``open_output(port, virtual=False)``, ``open_input(port, virtual=False)``, ``play(melody,
start_step=0)``, ``stop()``, ``pause()``, ``resume()``, ``seek(step)``, ``set_tempo(bpm)``,
``set_template(melody)``, ``set_loop_enabled(on)``, ``set_loop_region((start, end) | None)``,
``set_metronome(on)``, ``set_count_in(bars)`` (before a recording), ``set_channel(0-15)``, ``set_program(0-127 | None)``, ``set_thru(on)``,
``set_record_armed(on)``, ``set_record_grid(steps)``, ``set_call_response(on)``,
``set_silence_beats(beats)``, ``deliver_answer(melody, request_id)``, ``audition(pitch,
velocity)``, ``panic()``, ``close()``.
"""

from __future__ import annotations

import logging
import math

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

from engine.live.call_response import CallResponse
from engine.live.midi_input import MidiInput, Recorder, open_input, parse_note
from engine.live.player import PLAYING, STOPPED, Player, check_count_in, open_output
from engine.live.ports import MidiSystem, PortError, PortInfo, default_system
from engine.melody import Melody

log = logging.getLogger(__name__)

CALL_RESPONSE_POLL_MS = 20
CALL_RESPONSE_OFF = "off"


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
    _output_failed = Signal(str)  # from the scheduler thread, handled in the GUI thread

    def __init__(
        self,
        system: MidiSystem | None = None,
        player: Player | None = None,
        parent: QObject | None = None,
        *,
        port_poll_ms: int = 2000,
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
        self._input: MidiInput | None = None
        self._outputs: list[PortInfo] = []
        self._inputs: list[PortInfo] = []
        self._template = Melody()
        self._recorder = Recorder(self._template)
        self._record_armed = False
        self._count_in_bars = 0
        self._thru = True
        self._loop_enabled = False
        self._loop_region: tuple[int, int] | None = None
        self._playing_melody: Melody | None = None
        self._silence_beats = 2.0
        self._call_response: CallResponse | None = None
        self._closed = False
        self._poll = QTimer(self)
        self._poll.timeout.connect(self._poll_ports)
        self._cr_timer = QTimer(self)
        self._cr_timer.setInterval(CALL_RESPONSE_POLL_MS)
        self._cr_timer.timeout.connect(self._poll_call_response)
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
        if self._input is not None and not self._input.present_in(inputs):
            name = self._input.name
            self._close_input()
            self.input_changed.emit(None)
            self.error.emit(f"MIDI input '{name}' disappeared (was it unplugged?).")
        return changed

    def _on_output_failed(self, message: str) -> None:
        """The output vanished or failed: playback has stopped; say so once, list again."""
        self.error.emit(message)
        self.output_changed.emit(None)
        QTimer.singleShot(0, self, self._poll_ports)

    def _poll_ports(self) -> None:
        try:
            self.refresh_ports()
        except Exception:  # noqa: BLE001 - a listing hiccup must not spam the user every 2 s
            log.debug("listing MIDI ports failed", exc_info=True)

    def open_output(self, port: PortInfo | str | None, virtual: bool = False) -> bool:
        """Play through ``port`` (None: no output); False, with an ``error``, if it fails."""
        if port is None and not virtual:
            self.player.set_output(None)
            self.output_changed.emit(None)
            return True
        try:
            output = open_output(port, virtual=virtual, system=self.system)
        except PortError as exc:
            self.error.emit(str(exc))
            return False
        self.player.set_output(output)
        self.output_changed.emit(output.port)
        return True

    def open_input(self, port: PortInfo | str | None, virtual: bool = False) -> bool:
        """Listen to ``port`` (None: no input); False, with an ``error``, if it fails."""
        self._close_input()
        if port is None and not virtual:
            self.input_changed.emit(None)
            return True
        try:
            self._input = open_input(port, self._on_midi, virtual=virtual, system=self.system)
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

    def _on_midi(self, message: list, when: float) -> None:
        """Runs on the MIDI input thread: hand the message on, quickly."""
        if self._recorder.recording:
            self._recorder.feed(message, when)
        call_response = self._call_response
        if call_response is not None:
            call_response.feed(message, when)
        if self._thru:
            self.player.thru(message)
        parsed = parse_note(message)
        if parsed is not None:
            self.note_input.emit(parsed[2], parsed[3])

    # --- transport ----------------------------------------------------------------------------

    def play(self, melody: Melody, start_step: float = 0, end: float | None = None) -> bool:
        """Play ``melody`` (looping over the loop region when the loop is on); while record is
        armed, record a take and run on until stopped. False, with an ``error``, if it cannot."""
        self._finish_take()
        loop = self._effective_loop(melody)
        count_in = 0
        if self._record_armed:
            end = math.inf
            count_in = self._count_in_bars
        try:
            self.player.play(melody, start_step=start_step, loop=loop, end=end, count_in_bars=count_in)
        except (PortError, ValueError) as exc:
            self.error.emit(str(exc))
            return False
        self._playing_melody = melody
        if self._record_armed and self.player.state == PLAYING:
            self._recorder.template = melody.with_notes(())
            self._recorder.start(time_to_step=self.player.step_at, from_step=start_step)
        return True

    def stop(self) -> None:
        self.player.stop()
        self._finish_take()

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
        self.player.set_tempo(bpm)
        self.set_template(self._template.replace(tempo=bpm))

    def set_template(self, melody: Melody) -> None:
        """Grid, meter and tempo for recording and call and response (the document's melody)."""
        self._template = melody.with_notes(())
        if self._call_response is not None:
            self._call_response.set_template(self._template)

    def set_loop_enabled(self, enabled: bool) -> None:
        self._loop_enabled = bool(enabled)
        self._update_loop()

    def set_loop_region(self, region: tuple[int, int] | None) -> None:
        """The region the loop repeats; None loops the whole piece (rounded up to a bar)."""
        self._loop_region = None if region is None else (int(region[0]), int(region[1]))
        self._update_loop()

    @property
    def loop_enabled(self) -> bool:
        return self._loop_enabled

    @property
    def loop_region(self) -> tuple[int, int] | None:
        return self._loop_region

    def _effective_loop(self, melody: Melody) -> tuple[int, int] | None:
        if not self._loop_enabled:
            return None
        if self._loop_region is not None:
            return self._loop_region
        bar = melody.steps_per_bar
        return 0, max(bar, math.ceil(melody.end / bar) * bar)

    def _update_loop(self) -> None:
        if self.player.state == PLAYING and self._playing_melody is not None:
            try:
                self.player.set_loop(self._effective_loop(self._playing_melody))
            except ValueError as exc:
                self.error.emit(str(exc))

    def set_metronome(self, enabled: bool) -> None:
        self.player.set_metronome(enabled)

    def set_count_in(self, bars: int) -> None:
        """Bars of clicks before a recording starts (0: none); plain playback has none."""
        self._count_in_bars = check_count_in(bars)

    @property
    def count_in_bars(self) -> int:
        return self._count_in_bars

    def set_channel(self, channel: int) -> None:
        self.player.set_channel(channel)

    def set_program(self, program: int | None) -> None:
        self.player.set_program(program)

    def set_thru(self, enabled: bool) -> None:
        """Echo what the input plays to the output (for keyboards without their own sound)."""
        self._thru = bool(enabled)

    def audition(self, pitch: int, velocity: int = 100) -> None:
        """A piano-roll key click: sounds the note briefly when an output is open."""
        try:
            self.player.audition(pitch, velocity)
        except ValueError as exc:
            self.error.emit(str(exc))

    def panic(self) -> None:
        self.player.panic()
        self._finish_take()

    # --- recording ----------------------------------------------------------------------------

    def set_record_armed(self, armed: bool) -> None:
        self._record_armed = bool(armed)
        if not armed:
            self._finish_take()

    def set_record_grid(self, steps: int) -> None:
        """Quantize recorded notes to multiples of ``steps`` grid steps (the roll's snap)."""
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
            raise ValueError(f"recording grid {steps!r} must be a whole number of steps, 1 or more")
        self._recorder.grid = steps

    @property
    def record_armed(self) -> bool:
        return self._record_armed

    @property
    def recording(self) -> bool:
        return self._recorder.recording

    def _finish_take(self) -> None:
        if self._recorder.recording:
            take = self._recorder.stop()
            if take.notes:
                self.take_finished.emit(take)

    def _after_state(self, state: str) -> None:
        if state == STOPPED:
            self._finish_take()
            if self._call_response is not None:
                self._call_response.playback_finished()

    # --- call and response --------------------------------------------------------------------

    def set_call_response(self, enabled: bool) -> None:
        if enabled and self._call_response is None:
            call_response = CallResponse(
                self._request_answer,
                self._play_answer,
                stop_fn=self.player.stop,
                template=self._template,
                silence_beats=self._silence_beats,
            )
            call_response.on_state = self.call_response_state.emit
            call_response.on_error = self.error.emit
            call_response.on_answer = self.answer_started.emit
            self._call_response = call_response
            self._cr_timer.start()
            self.call_response_state.emit(call_response.state)
        elif not enabled and self._call_response is not None:
            call_response, self._call_response = self._call_response, None
            self._cr_timer.stop()
            call_response.reset()
            self.call_response_state.emit(CALL_RESPONSE_OFF)

    @property
    def call_response(self) -> CallResponse | None:
        return self._call_response

    def set_silence_beats(self, beats: float) -> None:
        """How many beats of silence end a call."""
        if self._call_response is not None:
            self._call_response.set_silence_beats(beats)
        self._silence_beats = float(beats)

    def deliver_answer(self, melody: Melody | None, request_id: int) -> bool:
        """The continuation for ``answer_requested``; plays it unless it came too late."""
        if self._call_response is None:
            return False
        return self._call_response.answer(melody, request_id)

    def _request_answer(self, call: Melody) -> None:
        self.answer_requested.emit(call, self._call_response.request_id)
        return None  # the answer comes later, through deliver_answer

    def _play_answer(self, answer: Melody) -> None:
        self.player.play(answer)

    def _poll_call_response(self) -> None:
        if self._call_response is not None:
            self._call_response.poll()

    # --- shutdown -----------------------------------------------------------------------------

    def close(self) -> None:
        """Stop everything and release every sounding note; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._poll.stop()
        self._cr_timer.stop()
        if self._call_response is not None:
            self._call_response.reset()
            self._call_response = None
        self._finish_take()
        self._close_input()
        self.player.close()
