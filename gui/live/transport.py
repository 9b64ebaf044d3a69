"""The transport toolbar: play/stop, record, loop, tempo, click, call and response, panic; and
beside it the ports toolbar (``ports_bar``): output, volume, channel, program, input.

Two toolbars so a narrow window can wrap the ports onto a row of their own
(:class:`gui.window.layout.ToolbarRows`) and Panic never falls into the overflow menu.

The output chooser lists the built-in instrument first (chosen when no output was ever chosen
and it can sound; disabled, the reason as its tip, where it cannot); a slider sets its volume.

A thin view over :class:`gui.live.playback.PlaybackBridge`; it does not own the document.

``Transport(bridge, parent=None, *, melody_source=None, start_source=None, remember_ports=True)``

- ``melody_source()`` returns what Play plays (``LiveController.melody_to_play``) and
  ``start_source()`` the step to start from (default 0). Without ``melody_source`` Play only
  emits ``play_requested`` and the owner calls ``bridge.play(...)``.
- ``remember_ports``: the chosen ports are saved in the app settings and reopened next time.

Signals: ``play_requested()``, ``tempo_changed(float)`` (a user edit: record it in the document
as one undo step), ``message(str)`` (status-bar text: the bridge's errors and the toolbar's own
notices), ``output_state_changed(str)`` ('MIDI out: <port>' or 'MIDI out: off', for the
status bar's MIDI field).

Methods: ``set_tempo(bpm)`` (no ``tempo_changed``), ``refresh_ports(probe=True)``,
``toggle_play()``, ``unavailable_text()`` (why MIDI and/or the built-in instrument cannot work
here; '' when both can). Actions are public attributes (``play_action`` has the Space shortcut).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QStyle, QToolBar, QWidget

from segue.engine.audio.instrument import BUILT_IN_NAME, BUILT_IN_PORT, STILL_WORKS
from segue.engine.live.endpoints import PortInfo
from segue.engine.live.player import PLAYING
from segue.engine.live.port_policy import BUILT_IN_SETTING, VIRTUAL_SETTING
from segue.engine.melody import DEFAULT_TEMPO, TEMPO_RANGE, Melody
from segue.gui import settings as prefs
from segue.gui.generation.controls import keep_slider_keys
from segue.gui.generation.tooltips import rich_tip
from segue.gui.live.playback import PlaybackBridge
from segue.gui.live.toolbar_widgets import SpaceStillPlays, place, show_full_names
from segue.gui.live.volume import VolumeSlider
from segue.gui.number_box import DecimalNumberBox, NumberBox

VIRTUAL = VIRTUAL_SETTING  # the output combo's entry for Segue's own virtual port
BUILT_IN = BUILT_IN_SETTING  # how the built-in instrument is remembered as the output
NO_PORT = "none"
OUTPUT_TIP = "Output: where playback and auditions go"
INPUT_TIP = "MIDI input: the keyboard to record from"
PORT_NAME_CHARS = 20  # a port combo shows this many characters; its list shows whole names


def general_midi_names() -> list[str]:
    """The 128 General MIDI program names, as MIDI import names parts (one list, the engine's)."""
    from segue.engine.midi_io.results import GM_PROGRAM_NAMES  # noqa: PLC0415 - loads on first use

    return list(GM_PROGRAM_NAMES)


class Transport(QToolBar):
    """See the module docstring."""

    play_requested = Signal()
    tempo_changed = Signal(float)
    message = Signal(str)
    output_state_changed = Signal(str)

    def __init__(
        self,
        bridge: PlaybackBridge,
        parent: QWidget | None = None,
        *,
        melody_source: Callable[[], Melody] | None = None,
        start_source: Callable[[], float] | None = None,
        remember_ports: bool = True,
    ):
        super().__init__("Transport", parent)
        self.setObjectName("TransportToolbar")
        self.bridge = bridge
        self._melody_source = melody_source
        self._start_source = start_source
        self._remember = remember_ports
        style = self.style()

        self.play_action = QAction(
            style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay), "Play", self
        )
        self.play_action.setCheckable(True)
        self.play_action.setShortcut(QKeySequence(Qt.Key.Key_Space))
        self.play_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.play_action.triggered.connect(self._play_triggered)

        self.loop_action = self._toggle(
            "Loop", "Repeat the loop region (the whole piece if none is set)"
        )
        self.loop_action.toggled.connect(bridge.set_loop_enabled)

        self.tempo_spin = DecimalNumberBox("Tempo", self)
        self.tempo_spin.setRange(*TEMPO_RANGE)
        self.tempo_spin.setDecimals(1)
        self.tempo_spin.setSuffix(" BPM")
        self.tempo_spin.setKeyboardTracking(False)
        self.tempo_spin.setValue(DEFAULT_TEMPO)
        self.tempo_spin.setToolTip(
            "Tempo of the piece in beats (quarter notes) per minute; saved with the piece and "
            "written into exported MIDI files"
        )
        self.tempo_spin.valueChanged.connect(self._tempo_edited)

        self.ports_bar = QToolBar("Ports", parent)
        self.ports_bar.setObjectName("PortsToolbar")
        self.output_combo = QComboBox(self)
        self.output_combo.setToolTip(OUTPUT_TIP)
        self.output_combo.activated.connect(self._output_chosen)
        self.volume_slider = VolumeSlider(bridge, self, remember=remember_ports)
        keep_slider_keys(self.volume_slider)

        self.channel_spin = NumberBox("MIDI channel", self)
        self.channel_spin.setRange(1, 16)
        self.channel_spin.setPrefix("Ch ")
        self.channel_spin.setToolTip("MIDI channel of the output")
        self.channel_spin.valueChanged.connect(lambda value: bridge.set_channel(value - 1))

        self.program_combo = QComboBox(self)
        self.program_combo.setToolTip("Instrument (General MIDI program) of the built-in "
                                      "instrument; a MIDI synth gets a program change")
        # Wide enough for "No program change" and most GM names; long ones elide.
        self.program_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.program_combo.setMinimumContentsLength(22)
        self.program_combo.addItem("No program change", None)
        for number, name in enumerate(general_midi_names()):
            self.program_combo.addItem(f"{number + 1} {name}", number)
        self.program_combo.activated.connect(
            lambda index: bridge.set_program(self.program_combo.itemData(index))
        )

        self.input_combo = QComboBox(self)
        self.input_combo.setToolTip(INPUT_TIP)
        self.input_combo.activated.connect(self._input_chosen)
        for combo in (self.output_combo, self.input_combo):
            # Long port names elide in the box; the list opens wide enough for them.
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(PORT_NAME_CHARS)

        self.refresh_action = QAction(
            style.standardIcon(QStyle.StandardPixmap.SP_BrowserReload), "Refresh Ports", self
        )
        self.refresh_action.setToolTip("Look for MIDI ports and MIDI systems again")
        self.refresh_action.triggered.connect(lambda: self.refresh_ports(probe=True))

        self.record_action = self._toggle(
            "Record", "Arm recording: Play records what you play on the input"
        )
        self.record_action.toggled.connect(bridge.set_record_armed)
        self.count_in_action = self._toggle(
            "Count-in", "Recording starts after one bar of clicks, so you can come in on the beat"
        )
        self.count_in_action.toggled.connect(self._count_in_toggled)
        if self._remember:
            self.count_in_action.setChecked(prefs.read(prefs.RECORD_COUNT_IN))
        self.metronome_action = self._toggle("Click", "Metronome click on the output (GM drums)")
        self.metronome_action.toggled.connect(bridge.set_metronome)
        self.call_response_action = self._toggle(
            "Call && Response", "Segue listens; when you pause, it answers with a continuation"
        )
        self.call_response_action.toggled.connect(self._call_response_toggled)
        self.silence_spin = NumberBox("Call and response silence", self)
        self.silence_spin.setRange(1, 16)
        self.silence_spin.setValue(2)
        self.silence_spin.setSuffix(" beats")
        self.silence_spin.setToolTip("Call and response answers after this many beats of silence")
        self.silence_spin.valueChanged.connect(bridge.set_silence_beats)

        self.panic_action = QAction("Panic", self)
        self.panic_action.setToolTip("Stop and silence every note on every channel")
        self.panic_action.triggered.connect(self._panic)
        # As in a DAW: the transport buttons together (Loop apart from the tempo box it would
        # read as the label of), then tempo and click, call and response, Panic last.
        place(self, (self.play_action, self.record_action, self.loop_action, None,
                     self.tempo_spin, self.metronome_action, self.count_in_action, None,
                     self.call_response_action, self.silence_spin, None, self.panic_action))
        place(self.ports_bar, (self.output_combo, self.volume_slider, self.channel_spin,
                               self.program_combo, None, self.input_combo, self.refresh_action))

        # A port or program chosen with the mouse leaves the keyboard focus on the notes: a
        # focused combo box would take the arrow keys meant for them (and change the port).
        for combo in (self.output_combo, self.program_combo, self.input_combo):
            combo.setFocusPolicy(Qt.FocusPolicy.TabFocus)

        self._space_filter = SpaceStillPlays(self)
        for box in (self.tempo_spin, self.channel_spin, self.silence_spin):
            box.installEventFilter(self._space_filter)
            box.lineEdit().installEventFilter(self._space_filter)
            box.out_of_range.connect(self.message)  # "Tempo 9999 is above the highest, ..."

        bridge.state_changed.connect(self._state_changed)
        bridge.ports_changed.connect(self._ports_changed)
        bridge.midi_system_lost.connect(self._ports_changed)
        bridge.output_changed.connect(self._output_changed)
        bridge.input_changed.connect(self._input_changed)
        bridge.error.connect(self.message)

        self._available, self._unavailable_reason = bridge.available()
        self._audio, self._audio_reason = bridge.audio_available()
        self._fill_ports()
        if self._remember:
            bridge.set_soundfont(prefs.read(prefs.SOUNDFONT) or None)
            bridge.set_buffer_frames(prefs.read(prefs.AUDIO_BUFFER))
        if self._available or self._audio:
            self._restore_ports()
        self._update_enabled()
        if self.unavailable_text():
            # Deferred so the owner can connect ``message`` first.
            QTimer.singleShot(0, self, lambda: self.message.emit(self.unavailable_text()))

    def _toggle(self, text: str, tip: str) -> QAction:
        action = QAction(text, self)
        action.setCheckable(True)
        action.setToolTip(tip)
        return action

    # --- play / stop --------------------------------------------------------------------------

    def toggle_play(self) -> None:
        self.play_action.trigger()

    def _play_triggered(self, checked: bool) -> None:
        if not checked:
            self.bridge.stop()
            return
        with QSignalBlocker(self.play_action):
            self.play_action.setChecked(False)  # checked again once playback really starts
        if self._melody_source is None:
            self.play_requested.emit()
            return
        start = self._start_source() if self._start_source is not None else 0
        self.bridge.play(self._melody_source(), start_step=max(0.0, float(start)))

    def _state_changed(self, state: str) -> None:
        playing = state == PLAYING
        with QSignalBlocker(self.play_action):
            self.play_action.setChecked(playing)
        icon = QStyle.StandardPixmap.SP_MediaStop if playing else QStyle.StandardPixmap.SP_MediaPlay
        self.play_action.setIcon(self.style().standardIcon(icon))
        self.play_action.setText("Stop" if playing else "Play")

    def _panic(self) -> None:
        self.bridge.panic()
        self.message.emit("All notes off on every channel.")

    # --- tempo --------------------------------------------------------------------------------

    def set_tempo(self, bpm: float) -> None:
        """Show ``bpm`` (from the document) and play at it; emits no ``tempo_changed``."""
        with QSignalBlocker(self.tempo_spin):
            self.tempo_spin.setValue(float(bpm))
        self.bridge.set_tempo(self.tempo_spin.value())

    def _tempo_edited(self, bpm: float) -> None:
        self.bridge.set_tempo(bpm)
        self.tempo_changed.emit(bpm)

    # --- ports --------------------------------------------------------------------------------

    def refresh_ports(self, probe: bool = True) -> None:
        self.bridge.refresh_ports(probe=probe)
        self._available, self._unavailable_reason = self.bridge.available()
        self._audio, self._audio_reason = self.bridge.audio_available()  # a device may be new
        self._fill_ports()
        self._update_enabled()
        if not self._available:
            self.message.emit(self.unavailable_text())

    def unavailable_text(self) -> str:
        audio = self._audio_reason
        if not self._available:  # then MIDI outputs do not work either
            audio = audio.removesuffix(" " + STILL_WORKS)
        reasons = ((self._unavailable_reason, self._available), (audio, self._audio))
        return " ".join(reason for reason, ok in reasons if not ok and reason)

    def _ports_changed(self, *_message) -> None:
        """The ports came or went, or a MIDI system went away, or an audio device came or went:
        whether MIDI or the built-in instrument works may have changed too (Play is off while
        nothing does)."""
        self._available, self._unavailable_reason = self.bridge.available()
        self._audio, self._audio_reason = self.bridge.audio_available()
        self._fill_ports()
        self._update_enabled()

    def _fill_ports(self) -> None:
        outputs, inputs = self.bridge.output_ports(), self.bridge.input_ports()
        several_apis = len({p.api for p in outputs + inputs}) > 1

        def label(port: PortInfo) -> str:
            return port.label if several_apis else port.name

        with QSignalBlocker(self.output_combo):
            self.output_combo.clear()
            self.output_combo.addItem(BUILT_IN_NAME, BUILT_IN_PORT)
            if not self._audio:
                self._disable_last_output(self._audio_reason)
            self.output_combo.addItem("No output", NO_PORT)
            if self._available:
                supported, reason = self.bridge.virtual_support()
                self.output_combo.addItem("Segue virtual port (for your DAW)", VIRTUAL)
                if not supported:
                    self._disable_last_output(reason)
            for port in outputs:
                self.output_combo.addItem(label(port), port)
        with QSignalBlocker(self.input_combo):
            self.input_combo.clear()
            self.input_combo.addItem("No input", NO_PORT)
            for port in inputs:
                self.input_combo.addItem(label(port), port)
        self._output_changed(self.bridge.output_port)
        self._input_changed(self.bridge.input_port)

    def _disable_last_output(self, reason: str) -> None:
        index = self.output_combo.count() - 1
        self.output_combo.model().item(index).setEnabled(False)
        self.output_combo.setItemData(index, reason, Qt.ItemDataRole.ToolTipRole)

    def _select(self, combo: QComboBox, port: PortInfo | None) -> None:
        if port is None:
            wanted = NO_PORT
        elif port.virtual:
            wanted = VIRTUAL
        else:
            wanted = port
        for index in range(combo.count()):
            data = combo.itemData(index)
            if data == wanted or (isinstance(data, PortInfo) and data == port):
                with QSignalBlocker(combo):
                    combo.setCurrentIndex(index)
                break
        else:
            with QSignalBlocker(combo):
                combo.setCurrentIndex(combo.findData(NO_PORT))
        show_full_names(combo, OUTPUT_TIP if combo is self.output_combo else INPUT_TIP)

    def _output_chosen(self, index: int) -> None:
        data = self.output_combo.itemData(index)
        if data == VIRTUAL:
            ok = self.bridge.open_output(None, virtual=True)
        elif data == NO_PORT:
            ok = self.bridge.open_output(None)
        else:
            ok = self.bridge.open_output(data)
        if ok:
            self._save(prefs.MIDI_OUTPUT_PORT, data)
        else:
            self._output_changed(self.bridge.output_port)

    def _input_chosen(self, index: int) -> None:
        data = self.input_combo.itemData(index)
        ok = self.bridge.open_input(None if data == NO_PORT else data)
        if ok:
            self._save(prefs.MIDI_INPUT_PORT, data)

    def _output_changed(self, port: PortInfo | None) -> None:
        self._select(self.output_combo, port)
        if port is None:
            text = "MIDI out: off"
        elif port == BUILT_IN_PORT:
            text = f"Out: {BUILT_IN_NAME}"
        elif port.virtual:
            text = "MIDI out: Segue (virtual)"
        else:
            text = f"MIDI out: {port.name}"
        self.output_state_changed.emit(text)
        self._update_enabled()

    def _input_changed(self, port: PortInfo | None) -> None:
        self._select(self.input_combo, port)

    def _save(self, setting, data) -> None:
        if not self._remember:
            return
        if data == BUILT_IN_PORT:
            data = BUILT_IN
        value = data.name if isinstance(data, PortInfo) else ("" if data == NO_PORT else str(data))
        prefs.write(setting, value)

    def _restore_ports(self) -> None:
        """Reopen the ports chosen last time (the rule is the engine's
        :meth:`~engine.live.port_policy.PortPolicy.restore`)."""
        if not self._remember:
            return
        notice = self.bridge.restore_ports(
            prefs.read(prefs.MIDI_OUTPUT_PORT),
            prefs.read(prefs.MIDI_INPUT_PORT),
            chosen_before=prefs.store().contains(prefs.MIDI_OUTPUT_PORT.key),
        )
        if notice:
            self.message.emit(notice)

    def _update_enabled(self) -> None:
        port = self.bridge.output_port
        some_output = self._available or self._audio
        self.play_action.setEnabled(port is not None)
        if not some_output:
            tip = rich_tip(self.unavailable_text())  # a long reason: wrapped
        elif port is None:
            tip = "Choose an output to play"
        else:
            tip = "Play / Stop (Space)"
        self.play_action.setToolTip(tip)
        for widget in (self.output_combo, self.channel_spin, self.program_combo):
            widget.setEnabled(some_output)
        self.metronome_action.setEnabled(some_output)
        self.volume_slider.setEnabled(port == BUILT_IN_PORT)
        self.input_combo.setEnabled(self._available)
        for action in (self.record_action, self.count_in_action, self.call_response_action):
            action.setEnabled(self._available)

    def _count_in_toggled(self, on: bool) -> None:
        self.bridge.set_count_in(1 if on else 0)
        if self._remember:
            prefs.write(prefs.RECORD_COUNT_IN, on)

    # --- call and response --------------------------------------------------------------------

    def _call_response_toggled(self, enabled: bool) -> None:
        self.bridge.set_call_response(enabled)
        if enabled and self.bridge.input_port is None:
            self.message.emit("Call and response listens to a MIDI input: choose one.")
