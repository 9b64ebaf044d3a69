"""The live session: play while armed records on the player's timeline, input routing, the
loop rule and the call-and-response lifecycle. A fake clock and explicit arrival times: the
result never depends on how fast the machine is."""

import threading

import pytest

from segue.engine.live.live_session import LiveSession
from segue.engine.live.messages import note_on
from segue.engine.live.player import PLAYING, STOPPED, Player
from segue.engine.melody import Melody, Note
from tests.fakes.live import FakeClock, FakeOutput

STEP = 0.125  # 120 BPM, 4 steps per quarter


def on(pitch, velocity=100):
    return [0x90, pitch, velocity]


def off(pitch):
    return [0x80, pitch, 64]


class Live:
    """A session over a player on a fake clock, with its callbacks recorded."""

    def __init__(self):
        self.clock = FakeClock()
        self.output = FakeOutput(self.clock)
        self.player = Player(self.output, clock=self.clock, sleep=self.clock.sleep)
        self.session = LiveSession(self.player)
        self.takes, self.keys, self.requests, self.answers, self.states, self.errors = (
            [], [], [], [], [], []
        )
        self.session.on_take = self.takes.append
        self.session.on_note = lambda pitch, velocity: self.keys.append((pitch, velocity))
        self.session.on_answer_request = lambda call, rid: self.requests.append((call, rid))
        self.session.on_answer = self.answers.append
        self.session.on_call_response_state = self.states.append
        self.session.on_error = self.errors.append

    def held(self, start, seconds=0.5):
        """Call ``start()`` (which starts the player) and let it play ``seconds`` of fake time,
        then hold it there, playing, until the test ends or releases the clock."""
        self.clock.hold_at(self.clock.now() + seconds)
        start()
        assert self.clock.wait_held()

    def play_key(self, pitch, start, end, velocity=100):
        """A key pressed at step ``start`` and released at step ``end`` of the playback."""
        self.session.receive(on(pitch, velocity), self.player.time_of(start))
        self.session.receive(off(pitch), self.player.time_of(end))


@pytest.fixture
def live():
    made = []

    def make():
        made.append(Live())
        return made[-1]

    yield make
    for rig in made:
        rig.clock.release()
        rig.session.close()


# --- recording ------------------------------------------------------------------------------------


def test_playing_while_armed_records_a_take_on_the_players_timeline(live):
    r = live()
    r.session.set_record_armed(True)
    r.held(lambda: r.session.play(Melody([Note(72, 0, 4)], tempo=120), start_step=16))
    assert r.session.recording and r.player.state == PLAYING
    r.play_key(67, 20.2, 23.7, velocity=90)
    r.session.stop()
    assert r.takes == [Melody([Note(67, 20, 4, 90)], tempo=120)]
    assert not r.session.recording


def test_the_take_is_quantized_to_the_record_grid(live):
    r = live()
    r.session.set_record_armed(True)
    r.session.set_record_grid(4)
    r.held(lambda: r.session.play(Melody(tempo=120)))
    r.play_key(60, 2.2, 5.0)  # snaps to 4 .. 8
    r.session.stop()
    assert r.takes[0].notes == (Note(60, 4, 4),)
    with pytest.raises(ValueError, match="recording grid"):
        r.session.set_record_grid(0)


def test_notes_played_in_the_count_in_are_not_kept(live):
    r = live()
    r.session.set_record_armed(True)
    r.session.set_count_in(1)
    r.held(lambda: r.session.play(Melody([Note(60, 0, 2)], tempo=120)))
    r.play_key(55, -12, -8)  # in the count-in bar, released there
    r.play_key(67, 2, 4)
    r.session.stop()
    assert r.takes[0].notes == (Note(67, 2, 2),)
    with pytest.raises(ValueError, match="count-in"):
        r.session.set_count_in(9)


def test_an_armed_play_runs_on_past_the_end_and_an_unarmed_one_does_not(live):
    r = live()
    finished = threading.Event()
    r.player.on_finished = finished.set
    r.session.play(Melody([Note(60, 0, 1)]))
    assert finished.wait(5) and not r.takes  # not armed: no take, the piece ends
    r.session.set_record_armed(True)
    r.held(lambda: r.session.play(Melody([Note(60, 0, 1)])))
    assert r.player.state == PLAYING and r.session.recording
    r.session.set_record_armed(False)  # disarming ends the take (no notes: no take)
    assert not r.session.recording and r.takes == []


def test_when_the_player_stops_by_itself_the_take_ends(live):
    r = live()
    r.session.set_record_armed(True)
    r.held(lambda: r.session.play(Melody(tempo=120)))
    r.play_key(64, 1, 3)
    r.player.stop()  # say, the output failed
    r.session.playback_stopped()
    assert [n.pitch for n in r.takes[0].notes] == [64]


# --- the loop -----------------------------------------------------------------------------------


def test_the_loop_follows_the_switch_and_the_region_while_playing(live):
    r = live()
    piece = Melody([Note(60, 0, 4), Note(62, 17, 2)])  # ends in bar 2
    r.held(lambda: r.session.play(piece))
    assert r.player.loop is None
    r.session.set_loop_enabled(True)
    assert r.player.loop == (0, 32)  # the whole piece, rounded up to a bar
    r.session.set_loop_region((4, 12))
    assert r.player.loop == (4, 12) and r.session.loop_region == (4, 12)
    r.session.set_loop_enabled(False)
    assert r.player.loop is None
    r.session.stop()
    r.session.set_loop_enabled(True)
    r.session.play(piece)
    assert r.player.loop == (4, 12)


# --- input routing ------------------------------------------------------------------------------


def test_input_goes_to_thru_and_to_the_note_callback(live):
    r = live()
    r.player.set_channel(2)
    r.output.sent.clear()  # the channel change's own release
    r.session.receive(on(64, 77), 1.0)
    r.session.receive([0xB0, 1, 10], 1.1)  # not a note
    r.session.receive(off(64), 1.2)
    assert r.output.messages == [note_on(2, 64, 77), [0x82, 64, 64]]
    assert r.keys == [(64, 77), (64, 0)]
    r.session.thru = False
    r.session.receive(on(65), 1.3)
    assert len(r.output.messages) == 2 and r.keys[-1] == (65, 100)


# --- call and response --------------------------------------------------------------------------


def test_call_and_response_asks_for_an_answer_plays_it_and_turns_off(live):
    r = live()
    r.session.thru = False
    r.session.set_template(Melody(tempo=120))
    r.session.set_silence_beats(1)  # 0.5 s
    r.session.set_call_response(True)
    assert r.states == ["listening"]
    r.session.receive(on(62), 10.0)
    r.session.receive(off(62), 10.25)
    r.session.poll(10.7)
    assert r.states[-1] == "hearing" and not r.requests  # one beat after the call: not yet
    r.session.poll(10.75)
    assert r.states[-2:] == ["hearing", "thinking"]
    (call, request_id), = r.requests
    assert call.notes == (Note(62, 0, 2),)
    finished = threading.Event()
    r.player.on_finished = finished.set
    assert r.session.deliver_answer(Melody([Note(69, 4, 1)]), request_id)
    assert r.answers == [Melody([Note(69, 0, 1)], tempo=120)]
    assert r.states[-1] == "answering"
    assert finished.wait(5) and r.output.notes() == [("on", 0, 69), ("off", 0, 69)]
    r.session.playback_stopped()
    assert r.states[-1] == "listening"
    assert r.session.deliver_answer(Melody([Note(70, 0, 1)]), request_id) is False  # stale
    r.session.set_call_response(False)
    assert r.states[-1] == "off" and r.session.call_response is None
    assert r.session.deliver_answer(Melody([Note(70, 0, 1)]), request_id) is False


def test_playing_into_an_answer_stops_it(live):
    r = live()
    r.session.thru = False
    r.session.set_call_response(True)
    r.session.receive(on(62), 10.0)
    r.session.receive(off(62), 10.25)
    r.session.poll(20.0)
    r.held(lambda: r.session.deliver_answer(Melody([Note(69, 0, 64)]), r.requests[0][1]))
    assert r.player.state == PLAYING
    r.session.receive(on(60), 21.0)  # a new call
    assert r.player.state == STOPPED and r.states[-1] == "hearing"
