"""A live session: the player, the recorder and call and response, and the rules that join them.
Qt-free; :class:`gui.live.playback.PlaybackBridge` turns its callbacks into signals.

``LiveSession(player)``
    ``play(melody, start_step=0, end=None)``   plays with the loop when it is on (the loop
        region, or the whole piece rounded up to a bar: :func:`engine.live.timeline.loop_for`);
        while record is armed it records a take, after the count-in, and runs on until stopped.
        Raises ``PortError`` or ``ValueError`` when it cannot play.
    ``stop()``, ``panic()``   also end a take; ``playback_stopped()`` when the player reports that
        it stopped by itself (the take ends, an answer is over)
    ``receive(message, when)``   a message from the input port (its thread): to the recorder
        while recording, to call and response when it is on, echoed to the output when thru is on
    ``set_template(melody)``, ``set_tempo(bpm)``   grid, meter and tempo for takes and calls
    ``set_loop_enabled(on)``, ``set_loop_region((start, end) | None)``   applied at once while
        playing; ``set_record_armed(on)`` (disarming ends a take), ``set_record_grid(steps)``,
        ``set_count_in(bars)``, ``thru`` (attribute)
    ``set_call_response(on)``, ``set_silence_beats(beats)``, ``deliver_answer(melody, id,
        chords=())`` (an answer's chords, on its own steps, are accompanied),
        ``poll(now=None)`` (call regularly while call and response is on)
    ``set_accompaniment(settings)``, ``set_chords(chords)``   the accompaniment
        (:mod:`engine.accompaniment`) every play, audition and answer has, on its own channel;
        heard at once while the piece plays (not while recording: a restart would end the take)
    ``close()``
Callbacks (attributes; from the thread that caused them): ``on_take(melody)`` a finished take
with notes (merge it with :func:`engine.edits.merge_take` as one undo step), ``on_note(pitch,
velocity)`` a key on the input (velocity 0: released), ``on_answer_request(call, request_id)``
generate, then ``deliver_answer``; ``on_answer(melody)`` the answer being played,
``on_call_response_state(state)`` 'listening', 'hearing', 'thinking', 'answering' or 'off',
``on_error(message)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from segue.engine.accompaniment import AccompanimentSettings, accompaniment_part
from segue.engine.chords import Chord, check_chords, chords_in
from segue.engine.live.call_response import CallResponse
from segue.engine.live.endpoints import PortError
from segue.engine.live.messages import parse_note
from segue.engine.live.midi_input import Recorder, check_grid
from segue.engine.live.player import PLAYING, Player
from segue.engine.live.timeline import check_count_in, loop_for
from segue.engine.melody import Melody

CALL_RESPONSE_OFF = "off"


class LiveSession:
    """See the module docstring."""

    def __init__(self, player: Player):
        self.player = player
        self.thru = True
        self._template = Melody()
        self._recorder = Recorder(self._template)
        self._record_armed = False
        self._count_in_bars = 0
        self._loop_enabled = False
        self._loop_region: tuple[int, int] | None = None
        self._playing: Melody | None = None  # the piece playing (not a call's answer)
        self._playing_end: float | None = None
        self._accompaniment = AccompanimentSettings()
        self._chords: tuple[Chord, ...] = ()
        self._answer_chords: tuple[Chord, ...] = ()
        self._silence_beats = 2.0
        self._call_response: CallResponse | None = None
        self.on_take: Callable[[Melody], None] | None = None
        self.on_note: Callable[[int, int], None] | None = None
        self.on_answer_request: Callable[[Melody, int], None] | None = None
        self.on_answer: Callable[[Melody], None] | None = None
        self.on_call_response_state: Callable[[str], None] | None = None
        self.on_error: Callable[[str], None] | None = None

    # --- playing ------------------------------------------------------------------------------

    def play(self, melody: Melody, start_step: float = 0, end: float | None = None) -> None:
        """See the module docstring."""
        self._finish_take()
        count_in = 0
        if self._record_armed:
            end, count_in = math.inf, self._count_in_bars
        loop = loop_for(melody, self._loop_enabled, self._loop_region)
        self.player.play(melody, start_step=start_step, loop=loop, end=end, count_in_bars=count_in,
                         accompaniment=self.accompaniment_for(melody, self._chords))
        self._playing, self._playing_end = melody, end
        if self._record_armed and self.player.state == PLAYING:
            self._recorder.template = melody.with_notes(())
            self._recorder.start(time_to_step=self.player.step_at, from_step=start_step)

    def stop(self) -> None:
        self.player.stop()
        self._finish_take()

    def panic(self) -> None:
        self.player.panic()
        self._finish_take()

    def playback_stopped(self) -> None:
        """The player stopped (at the end, on an error, or told to)."""
        self._finish_take()
        if self._call_response is not None:
            self._call_response.playback_finished()

    @property
    def template(self) -> Melody:
        return self._template

    def set_template(self, melody: Melody) -> None:
        self._template = melody.with_notes(())
        if self._call_response is not None:
            self._call_response.set_template(self._template)

    def set_tempo(self, bpm: float) -> None:
        self.player.set_tempo(bpm)
        self.set_template(self._template.replace(tempo=bpm))

    # --- the accompaniment ------------------------------------------------------------------

    @property
    def accompaniment(self) -> AccompanimentSettings:
        return self._accompaniment

    @property
    def chords(self) -> tuple[Chord, ...]:
        return self._chords

    def set_accompaniment(self, settings: AccompanimentSettings) -> None:
        if not isinstance(settings, AccompanimentSettings):
            raise ValueError(f"accompaniment settings expected, got {type(settings).__name__}")
        if settings != self._accompaniment:
            self._accompaniment = settings
            self._replay_piece()

    def set_chords(self, chords) -> None:
        """The piece's chords (on its steps) that Play accompanies."""
        chords = check_chords(chords)
        if chords != self._chords:
            self._chords = chords
            self._replay_piece()

    def accompaniment_for(self, melody: Melody, chords):
        """What the player plays beside ``melody`` over ``chords``, or None."""
        return accompaniment_part(chords, melody, self._accompaniment)

    def _replay_piece(self) -> None:
        """Hear a changed accompaniment at once: the piece goes on from the playhead."""
        if self.player.state != PLAYING or self._playing is None or self._record_armed:
            return
        try:
            self.play(self._playing, start_step=self.player.position, end=self._playing_end)
        except (PortError, ValueError) as exc:
            self._report("on_error")(str(exc))

    def _play_answer(self, answer: Melody) -> None:
        """Call and response plays an answer with the chords delivered with it."""
        chords, self._answer_chords = self._answer_chords, ()
        self._playing = None  # not the piece: no loop, no replay
        self.player.play(answer, accompaniment=self.accompaniment_for(answer, chords))

    # --- the loop -----------------------------------------------------------------------------

    @property
    def loop_enabled(self) -> bool:
        return self._loop_enabled

    @property
    def loop_region(self) -> tuple[int, int] | None:
        return self._loop_region

    def set_loop_enabled(self, enabled: bool) -> None:
        self._loop_enabled = bool(enabled)
        self._update_loop()

    def set_loop_region(self, region: tuple[int, int] | None) -> None:
        """The region the loop repeats; None loops the whole piece (rounded up to a bar)."""
        self._loop_region = None if region is None else (int(region[0]), int(region[1]))
        self._update_loop()

    def _update_loop(self) -> None:
        if self.player.state == PLAYING and self._playing is not None:
            self.player.set_loop(loop_for(self._playing, self._loop_enabled, self._loop_region))

    # --- recording ----------------------------------------------------------------------------

    @property
    def record_armed(self) -> bool:
        return self._record_armed

    @property
    def recording(self) -> bool:
        return self._recorder.recording

    @property
    def count_in_bars(self) -> int:
        return self._count_in_bars

    def set_record_armed(self, armed: bool) -> None:
        self._record_armed = bool(armed)
        if not armed:
            self._finish_take()

    def set_record_grid(self, steps: int) -> None:
        """Quantize recorded notes to multiples of ``steps`` grid steps (the roll's snap)."""
        self._recorder.grid = check_grid(steps)

    def set_count_in(self, bars: int) -> None:
        """Bars of clicks before a recording starts (0: none); plain playback has none."""
        self._count_in_bars = check_count_in(bars)

    def _finish_take(self) -> None:
        if self._recorder.recording:
            take = self._recorder.stop()
            if take.notes and self.on_take is not None:
                self.on_take(take)

    # --- input --------------------------------------------------------------------------------

    def receive(self, message: Sequence[int], when: float) -> None:
        """A message from the input port; runs on the MIDI input thread, so it stays quick."""
        if self._recorder.recording:
            self._recorder.feed(message, when)
        call_response = self._call_response
        if call_response is not None:
            call_response.feed(message, when)
        if self.thru:
            self.player.thru(message)
        parsed = parse_note(message)
        if parsed is not None and self.on_note is not None:
            self.on_note(parsed[2], parsed[3])

    # --- call and response --------------------------------------------------------------------

    @property
    def call_response(self) -> CallResponse | None:
        return self._call_response

    def set_call_response(self, enabled: bool) -> None:
        if enabled and self._call_response is None:
            call_response = CallResponse(
                self._request_answer,
                self._play_answer,
                stop_fn=self.player.stop,
                template=self._template,
                silence_beats=self._silence_beats,
            )
            call_response.on_state = self._report("on_call_response_state")
            call_response.on_error = self._report("on_error")
            call_response.on_answer = self._report("on_answer")
            self._call_response = call_response
            self._report("on_call_response_state")(call_response.state)
        elif not enabled and self._call_response is not None:
            call_response, self._call_response = self._call_response, None
            call_response.reset()
            self._report("on_call_response_state")(CALL_RESPONSE_OFF)

    def set_silence_beats(self, beats: float) -> None:
        """How many beats of silence end a call."""
        if self._call_response is not None:
            self._call_response.set_silence_beats(beats)
        self._silence_beats = float(beats)

    def deliver_answer(self, melody: Melody | None, request_id: int, chords=()) -> bool:
        """The continuation for ``on_answer_request``; plays it unless it came too late.
        ``chords`` (on the melody's steps) accompany it: the answer plays from its first
        note, and they move with it."""
        if self._call_response is None:
            return False
        start = melody.start if melody is not None and melody.notes else 0
        end = melody.end if melody is not None else 0
        self._answer_chords = tuple(
            c.with_start(c.start - start) for c in chords_in(check_chords(chords), start, end))
        try:
            return self._call_response.answer(melody, request_id)
        finally:
            self._answer_chords = ()

    def poll(self, now: float | None = None) -> None:
        if self._call_response is not None:
            self._call_response.poll(now)

    def _request_answer(self, call: Melody) -> None:
        self._report("on_answer_request")(call, self._call_response.request_id)
        return None  # the answer comes later, through deliver_answer

    def _report(self, name: str) -> Callable:
        """A function that calls the callback ``name`` as it is set when it runs."""

        def report(*args) -> None:
            callback = getattr(self, name)
            if callback is not None:
                callback(*args)

        return report

    # --- shutdown -----------------------------------------------------------------------------

    def close(self) -> None:
        """Stop everything and release every sounding note."""
        if self._call_response is not None:
            self._call_response.reset()
            self._call_response = None
        self._finish_take()
        self.player.close()
