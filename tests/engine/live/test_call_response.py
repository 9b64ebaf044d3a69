"""Call and response: when the player pauses, the call is continued and the answer played."""

import random
import threading

import pytest

from segue.engine.live.call_response import (
    ANSWERING,
    HEARING,
    LISTENING,
    THINKING,
    CallResponse,
    answer_request,
)
from segue.engine.live.player import Player
from segue.engine.melody import Melody, Note
from segue.engine.session import GenerationSettings
from tests.fakes.live import FakeClock, FakeOutput

STEP = 0.125  # 120 BPM, 4 steps per quarter; a beat is 0.5 s
T0 = 10.0
ANSWER = Melody([Note(67, 8, 2), Note(65, 10, 2)])  # placed after a call, as a continuation


def on(pitch, velocity=100):
    return [0x90, pitch, velocity]


def off(pitch):
    return [0x80, pitch, 64]


class Duet:
    """A CallResponse with recording fakes for its callbacks."""

    def __init__(self, answer=ANSWER, **kwargs):
        self.calls, self.played, self.stops, self.states, self.errors = [], [], [], [], []
        self.answer = answer
        kwargs.setdefault("template", Melody(tempo=120))
        self.cr = CallResponse(
            self.continue_fn,
            self.played.append,
            stop_fn=self.stop,
            clock=lambda: self.now,
            **kwargs,
        )
        self.cr.on_state = self.states.append
        self.cr.on_error = self.errors.append
        self.now = T0

    def continue_fn(self, call):
        self.calls.append(call)
        return self.answer(call) if callable(self.answer) else self.answer

    def stop(self):
        self.stops.append(self.now)

    def phrase(self, start=0.0):
        """Two notes: C for two steps, D for two steps, starting ``start`` s after T0."""
        for seconds, message in [(0, on(60)), (0.25, off(60)), (0.25, on(62)), (0.5, off(62))]:
            self.now = T0 + start + seconds
            self.cr.feed(message, self.now)

    def poll_at(self, seconds):
        self.now = T0 + seconds
        return self.cr.poll(self.now)


def test_silence_after_a_phrase_asks_for_an_answer_and_plays_it():
    duet = Duet(silence_beats=2)
    assert duet.cr.state == LISTENING
    duet.phrase()
    assert duet.cr.state == HEARING
    assert duet.poll_at(0.5 + 0.99) == HEARING  # 2 beats = 1 s of silence after the last note
    assert duet.poll_at(0.5 + 1.0) == ANSWERING
    assert duet.calls == [Melody([Note(60, 0, 2), Note(62, 2, 2)], tempo=120)]
    assert duet.played == [Melody([Note(67, 0, 2), Note(65, 2, 2)], tempo=120)]
    assert duet.states == [HEARING, THINKING, ANSWERING]
    # The answer lasts 4 steps (0.5 s); then Segue listens again.
    assert duet.poll_at(1.5 + 0.49) == ANSWERING
    assert duet.poll_at(1.5 + 0.61) == LISTENING


def test_a_held_note_is_not_silence():
    duet = Duet()
    duet.cr.feed(on(60), T0)
    assert duet.poll_at(5.0) == HEARING
    duet.cr.feed(off(60), T0 + 5.0)
    assert duet.poll_at(6.0) == ANSWERING
    assert duet.calls[0].notes == (Note(60, 0, 40),)


def test_silence_is_counted_in_beats_of_the_session_meter_and_tempo():
    duet = Duet(template=Melody(tempo=60, time_signature=(3, 4)), silence_beats=3)
    duet.cr.feed(on(60), T0)
    duet.cr.feed(off(60), T0 + 0.1)
    assert duet.cr.silence_seconds() == pytest.approx(3.0)  # three quarters at 60 BPM
    assert duet.poll_at(0.1 + 2.99) == HEARING
    assert duet.poll_at(0.1 + 3.0) == ANSWERING


def test_in_6_8_the_silence_is_counted_in_dotted_quarters_as_the_metronome_clicks():
    six_eight = Melody(tempo=60, time_signature=(6, 8))  # a quarter is 1 s: a beat is 1.5 s
    duet = Duet(template=six_eight, silence_beats=2)
    duet.cr.feed(on(60), T0)
    duet.cr.feed(off(60), T0 + 0.1)
    assert duet.cr.silence_seconds() == pytest.approx(3.0)
    assert duet.poll_at(0.1 + 2.99) == HEARING
    assert duet.poll_at(0.1 + 3.0) == ANSWERING


def test_an_answer_can_arrive_later_and_a_stale_one_is_dropped():
    duet = Duet(answer=None)
    duet.phrase()
    assert duet.poll_at(2.0) == THINKING
    first = duet.cr.request_id
    # The player starts again before the answer comes: that answer is stale.
    duet.phrase(start=2.1)
    assert duet.cr.state == HEARING
    assert duet.cr.answer(ANSWER, first) is False
    assert duet.poll_at(4.0) == THINKING
    assert duet.cr.answer(ANSWER, duet.cr.request_id) is True
    assert duet.cr.state == ANSWERING
    assert len(duet.played) == 1 and len(duet.calls) == 2


def test_playing_during_the_answer_stops_it_and_starts_a_new_call():
    duet = Duet()
    duet.phrase()
    duet.poll_at(2.0)
    assert duet.cr.state == ANSWERING
    duet.now = T0 + 2.1
    duet.cr.feed(on(64), duet.now)
    assert duet.stops == [T0 + 2.1]
    assert duet.cr.state == HEARING


def test_without_interrupt_the_answer_plays_out():
    duet = Duet(interrupt=False)
    duet.phrase()
    duet.poll_at(2.0)
    duet.cr.feed(on(64), T0 + 2.1)
    assert duet.stops == [] and duet.cr.state == ANSWERING


def test_playback_finished_ends_the_answer_early():
    duet = Duet()
    duet.phrase()
    duet.poll_at(2.0)
    duet.cr.playback_finished()
    assert duet.cr.state == LISTENING


def test_an_empty_answer_means_listen_again():
    duet = Duet(answer=Melody())
    duet.phrase()
    assert duet.poll_at(2.0) == LISTENING
    assert duet.played == []


def test_a_failing_generation_reports_and_listens_again():
    def broken(call):
        raise ValueError("model file is damaged")

    duet = Duet(answer=broken)
    duet.phrase()
    assert duet.poll_at(2.0) == LISTENING
    assert duet.errors == ["Could not answer: model file is damaged"]


def test_a_failing_player_reports_and_listens_again():
    duet = Duet()

    def play_fails(answer):
        raise OSError("port gone")

    duet.cr._play_fn = play_fails
    duet.phrase()
    assert duet.poll_at(2.0) == LISTENING
    assert duet.errors == ["Could not play the answer: port gone"]


def test_reset_drops_the_call_and_stops_an_answer():
    duet = Duet()
    duet.phrase()
    duet.poll_at(2.0)
    duet.cr.reset()
    assert duet.cr.state == LISTENING and len(duet.stops) == 1


def test_messages_that_are_not_notes_change_nothing():
    duet = Duet()
    duet.cr.feed([0xB0, 64, 127], T0)
    duet.cr.feed(off(60), T0)
    assert duet.cr.state == LISTENING


def test_bad_settings_raise_value_errors():
    with pytest.raises(ValueError, match="callable"):
        CallResponse(None, print)
    duet = Duet()
    with pytest.raises(ValueError, match="beats"):
        duet.cr.set_silence_beats(0)
    with pytest.raises(ValueError, match="Melody"):
        duet.cr.set_template("C major")


def test_the_answer_is_played_through_a_player():
    clock = FakeClock()
    output = FakeOutput(clock)
    player = Player(output, clock=clock, sleep=clock.sleep)
    done = threading.Event()
    player.on_finished = done.set
    cr = CallResponse(lambda call: call.transpose(7), player.play, stop_fn=player.stop, clock=clock)
    start = clock.now()
    cr.feed(on(60), start)
    cr.feed(off(60), start + 0.25)
    assert cr.poll(start + 2.0) == ANSWERING
    assert done.wait(5)
    assert output.notes() == [("on", 0, 67), ("off", 0, 67)]
    player.close()


# --- the request that answers a call -----------------------------------------------------------


def test_an_answer_starts_on_the_beat_after_the_call_and_is_about_as_long():
    call = Melody([Note(60, 0, 3), Note(62, 3, 2)], tempo=90)  # ends at step 5
    settings = GenerationSettings(bars=4, variations=6, rng_seed=5, key_lock="auto")
    request = answer_request(call, settings, rng=random.Random(3))
    assert request.start == 8 and request.steps == 16  # next beat; one bar like the call
    assert request.variations == 1 and request.rng_seed == random.Random(3).randrange(2**31 - 1)
    assert answer_request(call, settings).rng_seed == 5  # no rng: the panel's seed
    locked = settings.replace(seed_locked=True)
    assert answer_request(call, locked, rng=random.Random(3)).rng_seed == 5
    assert request.options.key == call.detect_key()
    assert request.options.temperature == settings.temperature
    long_call = Melody([Note(60, 0, 40)])
    assert answer_request(long_call, settings.replace(bars=2)).steps == 32  # the panel's cap
    with pytest.raises(ValueError, match="at least one note"):
        answer_request(Melody(), settings)


def test_in_6_8_an_answer_starts_on_the_next_dotted_quarter():
    call = Melody([Note(60, 0, 3), Note(62, 3, 4)], time_signature=(6, 8))  # ends at step 7
    request = answer_request(call, GenerationSettings(bars=4))
    assert request.start == 12 and request.steps == 12  # beats at 0, 6, 12; one 6/8 bar
