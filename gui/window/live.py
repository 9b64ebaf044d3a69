"""Live MIDI for the piece: the transport toolbar, playback, recording, call and response.

:class:`LiveController` needs no window: it is given the document, the playback bridge
(:class:`gui.live.playback.PlaybackBridge`), the piano roll and the call-and-response answerer,
builds the :class:`gui.live.transport.Transport` toolbar (``transport``, which the window docks
and puts in its Transport menu) and reports through signals.

- Play plays what you hear (:meth:`gui.document.Document.heard`: the piece, with the pending
  variation in place) from the playhead; the playhead stays where Stop left it, Return to Start
  (Home) puts it back, and a playhead at or past the end starts from the beginning. Auditioning a
  variation plays from two bars before the continue-from marker. Edits made while playing are
  heard at once.
- The transport's tempo box edits the piece's tempo (one undo step per stream of changes; the
  roll header's own tempo box is hidden); the piece's tempo and meter are the template for
  recording and call and response.
- A recorded take is merged into the piece as ONE undo step ("Record Take"), quantized to the
  roll's snap; with Count-in on, a bar of clicks comes first and notes played in it are not kept.
- Call and response: when the player pauses, :class:`gui.generation.continuation.CallAnswerer`
  continues the call with the current generation settings and the bridge plays the answer.
- The accompaniment (:class:`gui.live.accompaniment.AccompanimentBar`, ``accompaniment_bar``,
  docked with the transport): the piece's chords played beside the melody by every Play,
  audition and answer; a change is heard at once.
- Note preview, as in a DAW's piano roll: clicking, drawing, moving or transposing a note and
  clicking a key of the roll's keyboard sound the note briefly on the output; flipping to
  another variation (while stopped) plays its first bar. ``preview_action`` (the View menu's
  "Preview Notes", remembered) turns it off. Closing the window releases every note.
- The built-in instrument is an output like a port (see :mod:`gui.live.transport`). Without any
  MIDI system and audio device the app runs as before: Play is disabled, the status bar says
  why, export still works. When nothing can sound (no output open, the built-in instrument
  unable to), ``no_sound`` says so once, in a musician's words and with what to do
  (:func:`no_sound_words`; the window shows it on screen), and clears it when an output opens.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QStyle, QWidget

from segue.engine.audio.instrument import BUILT_IN_NAME, BUILT_IN_PORT, STILL_WORKS
from segue.engine.edits import merge_take
from segue.engine.live.call_response import ANSWERING, HEARING, LISTENING, THINKING
from segue.engine.live.endpoints import PortError
from segue.engine.live.player import PLAYING, STOPPED
from segue.engine.melody import Melody
from segue.gui import settings as prefs
from segue.gui.document import MERGE_TEMPO, Document
from segue.gui.generation.continuation import CallAnswerer
from segue.gui.generation.tooltips import rich_tip
from segue.gui.live.accompaniment import AccompanimentBar
from segue.gui.live.playback import PlaybackBridge
from segue.gui.live.transport import Transport
from segue.gui.piano_roll.roll import PianoRoll

PORT_COMBO_MAX_WIDTH = 190  # pixels: "Built-in instrument" whole; longer port names elide
PROGRAM_COMBO_MAX_WIDTH = 150
OUTPUT_TIP = "Where auditions and playback are sent."
CALL_RESPONSE_TEXT = {
    LISTENING: "Call & response: listening",
    HEARING: "Call & response: hearing you",
    THINKING: "Call & response: thinking",
    ANSWERING: "Call & response: answering",
}


def no_sound_words(reason: str, midi_outputs: bool) -> str:
    """What to tell a musician who cannot hear anything: why, in their words (``reason``, the
    instrument's own, stays for the tooltip), and what to do about it."""
    midi = "pick a MIDI output in the transport bar"
    if "device" not in reason:  # no synthesizer, say: the reason itself says what to do
        said = reason.removesuffix(" " + STILL_WORKS).strip() or "The built-in instrument is off."
        then = f" Or {midi}." if midi_outputs else " Export still works."
        return f"No sound: {said[:1].lower()}{said[1:]}{then}"
    why = "Segue found no audio device to play its built-in instrument"
    todo = ("Start or plug in an audio device (or choose one in Edit > Preferences), then press "
            "Refresh Ports")
    if midi_outputs:
        return f"No sound: {why}. {todo}, or {midi}."
    return f"No sound: {why}, and there is no MIDI output. {todo}. Export still works."


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


class LiveController(QObject):
    """The piece's live MIDI; see the module docstring. ``toolbar_parent`` owns the toolbar."""

    status_message = Signal(str, int)  # text, milliseconds
    output_shown = Signal(str, str)  # the status bar's MIDI field: text, tooltip
    call_response_shown = Signal(str)  # what call and response is doing; '' when it is off
    audition_started = Signal(object)  # the Melody an audition plays
    no_sound = Signal(str, str)  # nothing can sound: what to say and the reason; '' once it can

    def __init__(
        self,
        document: Document,
        playback: PlaybackBridge,
        roll: PianoRoll,
        answerer: CallAnswerer,
        toolbar_parent: QWidget,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.document, self.playback, self.roll, self.answerer = document, playback, roll, answerer
        self._playhead_follows = False  # the playback is the piece's (not a call's answer)
        self._previewing = False  # what plays is a flipped variation's first bar
        self._played: Melody | None = None  # what the transport last started playing
        self._variations_shown = (document.variations, document.current_index)
        self.transport = Transport(
            playback, toolbar_parent, melody_source=self.melody_to_play, start_source=self.play_start
        )
        self._dress_transport(toolbar_parent)
        self.accompaniment_bar = AccompanimentBar(toolbar_parent)
        self.transport.accompaniment_bar = self.accompaniment_bar  # docked beside the transport
        self._connect()

    def _dress_transport(self, window: QWidget) -> None:
        transport = self.transport
        # Long ALSA/JACK port names are elided (the full name is in the list and the status
        # bar), so the whole transport fits one row beside the piece's toolbar.
        for combo, width in (
            (transport.output_combo, PORT_COMBO_MAX_WIDTH),
            (transport.input_combo, PORT_COMBO_MAX_WIDTH),
            (transport.program_combo, PROGRAM_COMBO_MAX_WIDTH),
        ):
            combo.setMaximumWidth(width)
        # The silence length only matters to call and response: shown while it is on.
        silence = next(
            (a for a in transport.actions() if transport.widgetForAction(a) is transport.silence_spin),
            None,
        )
        if silence is not None:
            silence.setVisible(transport.call_response_action.isChecked())
            transport.call_response_action.toggled.connect(silence.setVisible)
        icon = window.style().standardIcon(QStyle.StandardPixmap.SP_MediaSkipBackward)
        self.rewind_action = QAction(icon, "Return to Start", window)
        self.rewind_action.setShortcut(QKeySequence(Qt.Key.Key_Home))
        self.rewind_action.setToolTip("Return to start (Home)")
        self.rewind_action.setStatusTip("Put the playhead back at the start of the piece.")
        self.rewind_action.triggered.connect(lambda _checked=False: self.return_to_start())
        transport.insertAction(transport.play_action, self.rewind_action)
        # One tempo box is enough: the transport's, where DAW users look for it.
        self.roll.tempo_box.hide()
        self.preview_action = QAction("&Preview Notes", window)
        self.preview_action.setCheckable(True)
        self.preview_action.setChecked(prefs.read(prefs.NOTE_PREVIEW))
        self.preview_action.setStatusTip("Sound each note you click, draw, move or transpose.")
        self.preview_action.toggled.connect(lambda on: prefs.write(prefs.NOTE_PREVIEW, on))

    def _connect(self) -> None:
        doc, playback, transport, roll = self.document, self.playback, self.transport, self.roll
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
        self.answerer.status_message.connect(lambda text: self.status_message.emit(text, 8000))
        roll.audition_requested.connect(self.preview)
        doc.variations_changed.connect(self._preview_flipped_variation)
        roll.loop_region_changed.connect(self._loop_region_changed)
        transport.loop_action.toggled.connect(roll.set_loop_enabled)
        transport.loop_action.toggled.connect(lambda on: doc.set_loop(roll.loop_region, on))
        doc.loop_changed.connect(self.show_loop)
        roll.set_loop_enabled(transport.loop_action.isChecked())
        self.show_loop(doc.loop_region, doc.loop_on)  # the piece's loop, from the start
        self.accompaniment_bar.changed.connect(playback.session.set_accompaniment)
        doc.chords_changed.connect(self._chords_changed)
        self._chords_changed()
        self._piece_changed()

    def show_state(self) -> None:
        """Report the output and the status now (the transport's first report came before the
        window listened), and whether nothing can sound."""
        self._output_state_changed("")
        if self.playback.output_port is None:
            audio, reason = self.playback.audio_available()
            if not audio:
                self.no_sound.emit(no_sound_words(reason, bool(self.playback.output_ports())),
                                   reason)

    # --- the accompaniment ----------------------------------------------------------------------

    def accompaniment(self):
        """The accompaniment's settings (saved with the piece)."""
        return self.accompaniment_bar.settings()

    def set_accompaniment(self, settings) -> None:
        """A loaded piece's accompaniment: shown and played."""
        self.accompaniment_bar.set_settings(settings)
        self.playback.session.set_accompaniment(settings)

    def _chords_changed(self) -> None:
        self.playback.session.set_chords(self.document.piece.chords)

    # --- the loop -----------------------------------------------------------------------------------

    def loop_state(self) -> tuple[tuple[int, int] | None, bool]:
        """(the ruler's loop region or None, whether the loop is on): the piece's loop."""
        return self.roll.loop_region, self.transport.loop_action.isChecked()

    def show_loop(self, region: tuple[int, int] | None, on: bool) -> None:
        """The piece's loop on the ruler and the transport (the region first: it turns it on)."""
        self.roll.set_loop_region(region)
        self.transport.loop_action.setChecked(on)

    def _loop_region_changed(self, region) -> None:
        """A region set on the ruler is looped at once, as in a DAW; clearing it loops the piece.
        The loop is the piece's (:meth:`gui.document.Document.set_loop`): saved with it."""
        self.playback.set_loop_region(region)
        if region is not None and not self.transport.loop_action.isChecked():
            self.transport.loop_action.setChecked(True)
        self.document.set_loop(region, self.transport.loop_action.isChecked())

    # --- playing ----------------------------------------------------------------------------------

    def melody_to_play(self) -> Melody:
        """Play was pressed: what to play (and recording quantizes to the roll's snap)."""
        self.playback.set_record_grid(self.roll.editor.grid())
        self._playhead_follows, self._previewing = True, False
        self._played = self.document.heard()
        return self._played

    def play_start(self) -> float:
        """Where Play starts: the playhead, or the start when it is past the end (or hidden)."""
        playhead = self.roll.playhead
        if playhead is None or playhead < 0:
            return 0.0
        if playhead >= self.document.heard().end and not self.playback.record_armed:
            return 0.0
        return playhead

    def return_to_start(self) -> None:
        """Home: the playhead goes back to the start (and playback jumps there)."""
        if self.playback.state == PLAYING and self._playhead_follows:
            self.playback.seek(0)
        self.roll.set_playhead(0.0)
        self.roll.hbar.setValue(0)

    def audition_variation(self) -> None:
        """Play the piece with the current variation, from a little before the marker, so the
        seed leads into it."""
        if self.document.current_variation() is None:
            return
        count = len(self.document.variations)
        self.status_message.emit(
            f"Auditioning variation {self.document.current_index + 1} of {count}.", 4000
        )
        melody = self.document.heard()
        start = self.document.piece.audition_start()
        self._playhead_follows, self._previewing = True, False
        self._played = melody
        self.audition_started.emit(melody)
        self.playback.play(melody, start_step=start)

    def preview(self, pitch: int, velocity: int) -> None:
        """Sound an edited note briefly, unless note preview is off."""
        if self.preview_action.isChecked():
            self.playback.audition(pitch, velocity)

    def _preview_flipped_variation(self) -> None:
        """Another variation was chosen (not a new batch): its first bar sounds
        (:meth:`engine.piece.Piece.variation_opening`), while stopped or while the last flip's
        bar still sounds (playing, the new variation is heard at once anyway). The playhead
        stays where it was: Play still starts there."""
        doc = self.document
        (before, index), self._variations_shown = self._variations_shown, (
            doc.variations, doc.current_index
        )
        flipped = before == doc.variations and index != doc.current_index
        if doc.current_variation() is None or not flipped or not self.preview_action.isChecked():
            return
        if self.playback.state != STOPPED and not self._previewing:
            return
        opening = doc.piece.variation_opening()
        if not opening.notes:
            return
        self._playhead_follows, self._played = False, None
        try:  # the player itself: no loop, no recording, no count-in for a preview
            self.playback.player.play(opening, start_step=opening.notes[0].start, end=opening.end)
            self._previewing = True
        except (PortError, ValueError):
            pass  # no output open: nothing to hear, as with a clicked note

    def stop_playback(self) -> None:
        """Before the piece is replaced: playback stops and the playhead goes."""
        self.playback.stop()
        self._played = None
        self.roll.set_playhead(None)

    def _playback_position(self, step: float) -> None:
        if self._playhead_follows:
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
        melody = self.document.heard()
        same = (
            melody.notes == played.notes
            and melody.time_signature == played.time_signature
            and melody.steps_per_quarter == played.steps_per_quarter
        )
        if not same:  # a tempo change alone needs no restart: the player follows it live
            self._played = melody
            grid = melody.steps_per_quarter / played.steps_per_quarter  # onto a triplet grid
            self.playback.play(melody, start_step=self.playback.player.position * grid)

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
            self.status_message.emit(f"Tempo {bpm:g} refused: {exc}", 8000)
            self.transport.set_tempo(melody.tempo)
            return
        self.document.set_melody(changed, "Change Tempo", merge_id=MERGE_TEMPO)

    def _take_recorded(self, take: Melody) -> None:
        """A recorded take joins the piece as one undo step."""
        try:
            merged = merge_take(self.document.melody, take)
        except ValueError as exc:
            self.status_message.emit(f"The take was not kept: {exc}.", 10000)
            return
        if self.document.set_melody(merged, "Record Take"):
            count = len(take.notes)
            self.status_message.emit(
                f"Recorded {count} note{'s' if count != 1 else ''}; Undo removes the take.", 8000
            )

    # --- call and response ------------------------------------------------------------------------

    def _answer_started(self, _answer: Melody) -> None:
        self._playhead_follows = self._previewing = False  # the answer is not the piece
        self._played = None

    def _call_response_state(self, state: str) -> None:
        text = CALL_RESPONSE_TEXT.get(state)
        self.call_response_shown.emit(text or "")
        if text is None:
            self.answerer.cancel()

    # --- status bar -------------------------------------------------------------------------------

    def _transport_message(self, text: str) -> None:
        """The transport's notices in the status bar; "no MIDI system" without its technical
        details, which would run off the bar (they stay in the MIDI field's tooltip)."""
        if text == self.transport.unavailable_text():
            text = without_details(text)
        self.status_message.emit(text, 8000)

    def _output_state_changed(self, text: str) -> None:
        available, _ = self.playback.available()
        port = self.playback.output_port
        if port is not None:
            self.no_sound.emit("", "")  # something sounds now
        if not available and port is None:
            self.output_shown.emit("MIDI: unavailable", rich_tip(self.transport.unavailable_text()))
            return
        if port == BUILT_IN_PORT:
            text = f"Out: {BUILT_IN_NAME}"
        elif port is None:
            text = "MIDI out: off"
        elif not text:
            text = "MIDI out: Segue (virtual)" if port.virtual else f"MIDI out: {port.name}"
        self.output_shown.emit(text, OUTPUT_TIP)
