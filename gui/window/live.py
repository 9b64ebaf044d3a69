"""The main window's live MIDI: the transport toolbar and menu, playback, recording, call and
response, wired to the piece.

The window owns a :class:`gui.live.playback.PlaybackBridge` (``self.playback``) and its
:class:`gui.live.transport.Transport` toolbar (``self.transport``, also in the Transport menu);
:class:`TransportMixin` wires them to the piece:

- Play plays :meth:`~TransportMixin.playback_melody` (the piece, with the pending variation in
  place) from the playhead; the playhead stays where Stop left it, Return to Start (Home) puts it
  back, and a playhead at or past the end starts from the beginning. Auditioning a variation
  plays from two bars before the continue-from marker. Edits made while playing are heard at
  once.
- The transport's tempo box edits the piece's tempo (one undo step per stream of changes; the
  roll header's own tempo box is hidden); the piece's tempo and meter are the template for
  recording and call and response.
- A recorded take is merged into the piece as ONE undo step ("Record Take"), quantized to the
  roll's snap; with Count-in on, a bar of clicks comes first and notes played in it are not kept.
- Call and response: when the player pauses, :class:`gui.generation.continuation.CallAnswerer`
  continues the call with the current generation settings and the bridge plays the answer.
- The roll's keyboard clicks audition on the output; closing the window releases every note.
- Without any MIDI system the app runs as before: Play is disabled, the status bar says why,
  export still works. Under the test suite (``$SEGUE_TESTING``) the default MIDI system is a
  fake with no ports, so tests never reach a real synthesizer.
"""

from __future__ import annotations

import os
import re

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QLineEdit, QStyle, QToolBar, QWidget

from engine.live.call_response import ANSWERING, HEARING, LISTENING, THINKING
from engine.live.midi_input import merge_take
from engine.live.player import PLAYING
from engine.live.ports import FakeRtmidi, MidiSystem, default_system
from engine.melody import Melody
from gui.document import MERGE_TEMPO
from gui.generation.tooltips import rich_tip
from gui.live.transport import SpaceStillPlays, Transport
from gui.window.export import what_you_hear

PORT_COMBO_MAX_WIDTH = 135  # pixels
PROGRAM_COMBO_MAX_WIDTH = 150
AUDITION_PRE_ROLL_BARS = 2  # an audition starts this many bars before the continue-from marker
CALL_RESPONSE_TEXT = {
    LISTENING: "Call & response: listening",
    HEARING: "Call & response: hearing you",
    THINKING: "Call & response: thinking",
    ANSWERING: "Call & response: answering",
}


def default_midi_system() -> MidiSystem:
    """The machine's MIDI system; under the test suite a fake one without ports, so no test
    ever opens the developer's real synthesizer."""
    if os.environ.get("SEGUE_TESTING"):
        return MidiSystem(FakeRtmidi(), path_exists=lambda _path: True)
    return default_system()


def without_details(text: str) -> str:
    """``text`` without its bracketed asides: 'No MIDI system found (ALSA: ...). Playback is off.'
    -> 'No MIDI system found. Playback is off.' (brackets may nest)."""
    kept, depth = [], 0
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        elif not depth:
            kept.append(char)
    short = re.sub(r"\s+([.,;:!?])", r"\1", "".join(kept))
    return re.sub(r"\s{2,}", " ", short).strip()


class TransportMixin:
    """Live MIDI for :class:`gui.window.main_window.MainWindow`; a mixin before ``QMainWindow``.

    It relies on the window's ``document``, ``playback`` (the bridge), ``panel``, ``roll``
    (None without a piano roll), ``answerer`` (:class:`gui.generation.continuation.CallAnswerer`),
    ``actions``, ``transport_menu``, ``midi_label``, ``call_response_label``, its
    ``audition_requested`` signal, ``_playhead_follows`` and ``_played`` (which the window's
    constructor sets first), and on ``QMainWindow`` (``statusBar``, ``addToolBar``, ``style``).
    The window calls :meth:`_build_transport` after its menus and :meth:`_connect_transport` at
    the end of its wiring; they add ``transport``, ``_space_filter`` and the Transport menu's
    entries.
    """

    # --- construction -----------------------------------------------------------------------------

    def _build_transport(self):
        """The transport toolbar beside the piece's toolbar, and the Transport menu."""
        self.transport = Transport(
            self.playback, self, melody_source=self._melody_to_play, start_source=self._play_start
        )
        self.set_transport(self.transport)
        # Space plays from the generation panel's number boxes and lists too, as in a DAW.
        self._space_filter = SpaceStillPlays(self)
        for box in self.panel.findChildren(QAbstractSpinBox):
            box.installEventFilter(self._space_filter)
            box.findChild(QLineEdit).installEventFilter(self._space_filter)
        for combo in self.panel.findChildren(QComboBox):
            if not combo.isEditable():
                combo.installEventFilter(self._space_filter)
        if self.roll is not None:
            # One tempo box is enough: the transport's, where DAW users look for it.
            self.roll.header.meter.tempo.hide()
        # Long ALSA/JACK port names are elided (the full name is in the list and the status
        # bar), so the whole transport fits one row beside the piece's toolbar.
        for combo, width in (
            (self.transport.output_combo, PORT_COMBO_MAX_WIDTH),
            (self.transport.input_combo, PORT_COMBO_MAX_WIDTH),
            (self.transport.program_combo, PROGRAM_COMBO_MAX_WIDTH),
        ):
            combo.setMaximumWidth(width)
        # The silence length only matters to call and response: shown while it is on.
        silence = next(
            (a for a in self.transport.actions() if self.transport.widgetForAction(a) is self.transport.silence_spin),
            None,
        )
        if silence is not None:
            silence.setVisible(self.transport.call_response_action.isChecked())
            self.transport.call_response_action.toggled.connect(silence.setVisible)
        style = self.style()
        rewind = QAction(style.standardIcon(QStyle.StandardPixmap.SP_MediaSkipBackward), "Return to Start", self)
        rewind.setShortcut(QKeySequence(Qt.Key.Key_Home))
        rewind.setToolTip("Return to start (Home)")
        rewind.setStatusTip("Put the playhead back at the start of the piece.")
        rewind.triggered.connect(lambda _checked=False: self.return_to_start())
        self.actions["return_to_start"] = rewind
        self.transport.insertAction(self.transport.play_action, rewind)
        t = self.transport
        for action in (t.play_action, rewind, t.loop_action):
            self.transport_menu.addAction(action)
        self.transport_menu.addSeparator()
        for action in (t.record_action, t.count_in_action, t.metronome_action, t.call_response_action):
            self.transport_menu.addAction(action)
        self.transport_menu.addSeparator()
        for action in (t.refresh_action, t.panic_action):
            self.transport_menu.addAction(action)

    def _connect_transport(self):
        doc, playback, transport = self.document, self.playback, self.transport
        transport.message.connect(self._transport_message)
        transport.output_state_changed.connect(self._output_state_changed)
        transport.tempo_changed.connect(self._tempo_edited)
        doc.melody_changed.connect(self._piece_changed)
        doc.variations_changed.connect(self._replay_if_changed)
        playback.position_changed.connect(self._playback_position)
        playback.state_changed.connect(self._playback_state)
        playback.take_finished.connect(self._take_recorded)
        playback.answer_requested.connect(self.answerer.answer)
        playback.answer_started.connect(self._answer_started)
        playback.call_response_state.connect(self._call_response_state)
        self.answerer.answered.connect(playback.deliver_answer)
        self.answerer.status_message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.audition_requested.connect(self._play_audition)
        if self.roll is not None:
            self.roll.audition_requested.connect(playback.audition)
            self.roll.loop_region_changed.connect(self._loop_region_changed)
            transport.loop_action.toggled.connect(self.roll.set_loop_enabled)
            self.roll.set_loop_enabled(transport.loop_action.isChecked())
        self._piece_changed()
        self._output_state_changed("")  # the transport reported its first state before we listened

    def _loop_region_changed(self, region) -> None:
        """A region set on the ruler is looped at once, as in a DAW; clearing it loops the piece."""
        self.playback.set_loop_region(region)
        if region is not None and not self.transport.loop_action.isChecked():
            self.transport.loop_action.setChecked(True)

    # --- hooks ------------------------------------------------------------------------------------

    def set_midi_output_state(self, text: str) -> None:
        """The transport reports the MIDI output here ('MIDI out: FluidSynth', 'MIDI out: off')."""
        self.midi_label.setText(text)

    def set_transport(self, toolbar: QWidget) -> None:
        """Dock the transport's toolbar (or wrap a plain widget in one) above the roll, after
        the piece's toolbar on the same row."""
        if not isinstance(toolbar, QToolBar):
            widget, toolbar = toolbar, QToolBar("Transport", self)
            toolbar.setObjectName("TransportToolbar")
            toolbar.addWidget(widget)
        toolbar.setMovable(False)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)

    def playback_melody(self) -> Melody:
        """What Play plays: the piece, with the current variation in place when one is pending."""
        return what_you_hear(self.document)

    # --- playing ----------------------------------------------------------------------------------

    def _melody_to_play(self) -> Melody:
        """Play was pressed: what to play (and recording quantizes to the roll's snap)."""
        if self.roll is not None:
            self.playback.set_record_grid(self.roll.grid())
        self._playhead_follows = True
        self._played = self.playback_melody()
        return self._played

    def _play_start(self) -> float:
        """Where Play starts: the playhead, or the start when it is past the end (or hidden)."""
        playhead = self.roll.playhead if self.roll is not None else None
        if playhead is None or playhead < 0:
            return 0.0
        if playhead >= self.playback_melody().end and not self.playback.record_armed:
            return 0.0
        return playhead

    def return_to_start(self) -> None:
        """Home: the playhead goes back to the start (and playback jumps there)."""
        if self.playback.state == PLAYING and self._playhead_follows:
            self.playback.seek(0)
        if self.roll is not None:
            self.roll.set_playhead(0.0)
            self.roll.hbar.setValue(0)

    def audition_variation(self) -> None:
        if self.document.current_variation() is not None:
            count = len(self.document.variations)
            self.statusBar().showMessage(f"Auditioning variation {self.document.current_index + 1} of {count}.", 4000)
            self.audition_requested.emit(self.playback_melody())

    def _play_audition(self, melody: Melody) -> None:
        """Audition a variation: from a little before the marker, so the seed leads into it."""
        bar = melody.steps_per_bar
        marker_bar = self.document.marker // bar * bar
        start = max(0, marker_bar - AUDITION_PRE_ROLL_BARS * bar)
        self._playhead_follows = True
        self._played = melody
        self.playback.play(melody, start_step=start)

    def _playback_position(self, step: float) -> None:
        if self._playhead_follows and self.roll is not None:
            self.roll.set_playhead(step)

    def _playback_state(self, state: str) -> None:
        if state != PLAYING:
            self._played = None

    def _replay_if_changed(self) -> None:
        """An edit while the piece plays: play the new version on from where the playhead is
        (not while recording: a restart would end the take)."""
        played = self._played
        if (
            played is None
            or not self._playhead_follows
            or self.playback.state != PLAYING
            or self.playback.recording
        ):
            return
        melody = self.playback_melody()
        same = (
            melody.notes == played.notes
            and melody.time_signature == played.time_signature
            and melody.steps_per_quarter == played.steps_per_quarter
        )
        if not same:  # a tempo change alone needs no restart: the player follows it live
            self._played = melody
            self.playback.play(melody, start_step=self.playback.player.position)

    def _stop_playback(self) -> None:
        """Before the piece is replaced: playback stops and the playhead goes."""
        self.playback.stop()
        self._played = None
        if self.roll is not None:
            self.roll.set_playhead(None)

    # --- the piece's tempo and recorded takes -----------------------------------------------------

    def _piece_changed(self) -> None:
        melody = self.document.melody
        self.playback.set_template(melody)
        if self.transport.tempo_spin.value() != melody.tempo:
            self.transport.set_tempo(melody.tempo)
        self._replay_if_changed()

    def _tempo_edited(self, bpm: float) -> None:
        melody = self.document.melody
        try:
            changed = melody.replace(tempo=bpm)
        except ValueError as exc:
            self.statusBar().showMessage(f"Tempo {bpm:g} refused: {exc}", 8000)
            self.transport.set_tempo(melody.tempo)
            return
        self.document.set_melody(changed, "Change Tempo", merge_id=MERGE_TEMPO)

    def _take_recorded(self, take: Melody) -> None:
        """A recorded take joins the piece as one undo step."""
        try:
            merged = merge_take(self.document.melody, take)
        except ValueError as exc:
            self.statusBar().showMessage(f"The take was not kept: {exc}.", 10000)
            return
        if self.document.set_melody(merged, "Record Take"):
            count = len(take.notes)
            self.statusBar().showMessage(
                f"Recorded {count} note{'s' if count != 1 else ''}; Undo removes the take.", 8000
            )

    # --- call and response ------------------------------------------------------------------------

    def _answer_started(self, _answer: Melody) -> None:
        self._playhead_follows = False  # the answer is not the piece: leave the playhead alone
        self._played = None

    def _call_response_state(self, state: str) -> None:
        text = CALL_RESPONSE_TEXT.get(state)
        self.call_response_label.setText(text or "")
        self.call_response_label.setVisible(text is not None)
        if text is None:
            self.answerer.cancel()

    # --- status bar -------------------------------------------------------------------------------

    def _transport_message(self, text: str) -> None:
        """The transport's notices in the status bar; "no MIDI system" without its technical
        details, which would run off the bar (they stay in the MIDI field's tooltip)."""
        available, reason = self.playback.available()
        if not available and text == reason:
            text = without_details(text)
        self.statusBar().showMessage(text, 8000)

    def _output_state_changed(self, text: str) -> None:
        available, reason = self.playback.available()
        if not available:
            self.set_midi_output_state("MIDI: unavailable")
            self.midi_label.setToolTip(rich_tip(reason))
            return
        port = self.playback.output_port
        if port is None:
            text = "MIDI out: off"
        elif not text:
            text = "MIDI out: Segue (virtual)" if port.virtual else f"MIDI out: {port.name}"
        self.set_midi_output_state(text)
        self.midi_label.setToolTip("Where auditions and playback are sent.")
