"""The accompaniment played live, on a fake clock: its notes at exact times on its own channel
after its program change, chased, wrapped by the loop, after the count-in, silenced by Panic;
the live session gives every play, audition and answer the piece's chords (and none when off)."""

import threading

import pytest

from segue.engine.accompaniment import AccompanimentSettings, accompaniment_part
from segue.engine.chords import Chord, voicing
from segue.engine.live.clicks import METRONOME_CHANNEL
from segue.engine.live.live_session import LiveSession
from segue.engine.live.messages import (
    CC_ALL_NOTES_OFF,
    CC_SUSTAIN,
    control_change,
    note_off,
    note_on,
    panic_messages,
    program_change,
)
from segue.engine.live.player import PLAYING, STOPPED
from segue.engine.melody import Melody, Note
from tests.engine.live.test_player import STEP, Rig, assert_every_note_released

BACKING = 1  # MIDI channel 2, as the accompaniment's default
C = voicing(Chord(0, 1, "C"))
MELODY = Melody([Note(72, 0, 8)])


def release(*channels):
    return [m for c in channels for m in (control_change(c, CC_SUSTAIN, 0),
                                          control_change(c, CC_ALL_NOTES_OFF, 0))]


def part(chords, melody=MELODY, **settings):
    return accompaniment_part(chords, melody, AccompanimentSettings(**settings))


def test_accompaniment_notes_play_at_exact_times_on_their_channel_after_their_program(rig):
    r = rig()
    r.play(MELODY, accompaniment=part([Chord(0, 8, "C")], program=24))  # boom-chick: bass, chord
    assert r.finished.wait(5)
    assert r.output.messages[0] == program_change(BACKING, 24)  # before any note
    assert r.timed()[1:] == [
        (0.0, note_on(0, 72, 100)),
        (0.0, note_on(BACKING, 36, 80)),
        (4 * STEP, note_off(BACKING, 36)),
        *[(4 * STEP, note_on(BACKING, p, 80)) for p in C],
        (8 * STEP, note_off(0, 72)),
        *[(8 * STEP, note_off(BACKING, p)) for p in C],
        (8 * STEP, release(0)[0]),
        (8 * STEP, release(0)[1]),
    ]
    assert_every_note_released(r.output.messages)


def test_the_end_waits_for_the_accompaniment(rig):
    r = rig()
    r.play(Melody([Note(72, 0, 2)]), accompaniment=part([Chord(0, 16, "C")], style="block"))
    assert r.finished.wait(5)
    assert r.player.position == 16
    assert r.timed()[-3] == (16 * STEP, note_off(BACKING, C[-1]))


def test_starting_inside_a_chord_chases_its_notes(rig):
    r = rig()
    r.play(MELODY, start_step=2, accompaniment=part([Chord(0, 8, "C")], style="block"))
    assert r.finished.wait(5)
    ons = [(t, m) for t, m in r.timed() if m[0] & 0xF0 == 0x90]
    assert ons == [(0.0, note_on(0, 72, 100)),
                   *[(0.0, note_on(BACKING, p, 80)) for p in (36, *C)]]


def test_the_loop_wraps_the_accompaniment_too(rig):
    r = rig()
    r.hold(8 * STEP + STEP)  # one pass of the 8-step loop, then one step
    r.play(MELODY, loop=(0, 8), accompaniment=part([Chord(0, 8, "C")]))
    assert r.clock.wait_held()
    r.player.stop()
    r.clock.release()
    timed = r.timed()
    wrap = [m for t, m in timed if t == pytest.approx(8 * STEP)]
    assert wrap[-2:] == [note_on(0, 72, 100), note_on(BACKING, 36, 80)]  # played again
    assert release(0, BACKING)[0] in wrap  # released at the wrap, both channels
    assert_every_note_released(r.output.messages)


def test_the_count_in_comes_before_the_accompaniment(rig):
    r = rig()
    r.play(MELODY, count_in_bars=1, accompaniment=part([Chord(0, 8, "C")]))
    assert r.finished.wait(5)
    timed = r.timed()
    clicks = [t for t, m in timed if m[0] == 0x90 | METRONOME_CHANNEL]
    backing = [t for t, m in timed if m[0] == 0x90 | BACKING and m[2] > 0]
    assert len(clicks) == 4
    assert min(backing) == pytest.approx(16 * STEP)
    assert min(backing) > max(clicks)


def test_panic_silences_the_accompaniment_channel(rig):
    r = rig()
    r.hold(5 * STEP)  # the C chord sounds on channel 2
    r.play(MELODY, accompaniment=part([Chord(0, 8, "C")]))
    assert r.clock.wait_held()
    r.player.panic()
    r.clock.release()
    assert r.player.state == STOPPED
    sent = r.output.messages
    assert sent[-48:] == panic_messages()
    assert {tuple(note_off(BACKING, p)) for p in C} <= {tuple(m) for m in sent[-52:-48]}
    assert control_change(BACKING, 123, 0) in sent[-48:]


def test_a_new_output_gets_the_accompaniment_program_too(rig):
    r = rig()
    r.hold(STEP)
    r.play(MELODY, accompaniment=part([Chord(0, 8, "C")], program=0, channel=5))
    assert r.clock.wait_held()
    r.player.set_channel(0)  # unchanged: nothing happens
    r.player.set_program(10)
    r.clock.release()
    assert program_change(4, 0) in r.output.messages


# --- the live session -------------------------------------------------------------------------


class Live:
    def __init__(self):
        self.rig = Rig()
        self.player, self.clock, self.output = self.rig.player, self.rig.clock, self.rig.output
        self.session = LiveSession(self.player)
        self.errors, self.requests = [], []
        self.session.on_error = self.errors.append
        self.session.on_answer_request = lambda call, rid: self.requests.append(rid)
        self.given = []
        original = self.player.play

        def play(melody, **kwargs):  # what the player is given, then played
            self.given.append((melody, kwargs.get("accompaniment")))
            original(melody, **kwargs)

        self.player.play = play


@pytest.fixture
def live():
    made = []

    def make():
        made.append(Live())
        return made[-1]

    yield make
    for one in made:
        one.clock.release()
        one.session.close()


def test_play_accompanies_the_piece_with_its_chords(live):
    r = live()
    chords = (Chord(0, 8, "C"),)
    r.session.set_chords(chords)
    r.session.play(MELODY)
    assert r.given[-1][1] == part(chords)
    assert r.player.wait(5)
    assert ("on", BACKING, 36) in r.output.notes()


def test_accompaniment_off_plays_none(live):
    r = live()
    r.session.set_chords((Chord(0, 8, "C"),))
    r.session.set_accompaniment(AccompanimentSettings(on=False))
    r.session.play(MELODY)
    assert r.given[-1][1] is None
    assert r.player.wait(5)
    assert all(channel == 0 for _, channel, _ in r.output.notes())


def test_changing_the_style_while_playing_is_heard_at_once_from_the_playhead(live):
    r = live()
    r.session.set_chords((Chord(0, 8, "C"),))
    r.clock.hold_at(r.clock.now() + 3 * STEP)
    r.session.play(MELODY)
    assert r.clock.wait_held()
    r.session.set_accompaniment(AccompanimentSettings(style="block", channel=4))
    assert len(r.given) == 2
    melody, given = r.given[-1]
    assert melody == MELODY and given == part((Chord(0, 8, "C"),), style="block", channel=4)
    assert r.player.state == PLAYING
    r.session.set_accompaniment(AccompanimentSettings(style="block", channel=4))  # the same
    assert len(r.given) == 2


def test_changing_chords_while_recording_does_not_restart(live):
    r = live()
    r.session.set_record_armed(True)
    r.clock.hold_at(r.clock.now() + STEP)
    r.session.play(MELODY)
    assert r.clock.wait_held()
    r.session.set_chords((Chord(0, 8, "G"),))
    assert len(r.given) == 1 and r.session.recording


def test_an_answer_is_accompanied_by_the_chords_delivered_with_it(live):
    r = live()
    r.session.thru = False
    r.session.set_template(Melody(tempo=120))
    r.session.set_call_response(True)
    r.session.receive([0x90, 62, 100], 10.0)
    r.session.receive([0x80, 62, 64], 10.25)
    r.session.poll(20.0)
    finished = threading.Event()
    r.player.on_finished = finished.set
    answer = Melody([Note(69, 16, 8)])
    assert r.session.deliver_answer(answer, r.requests[0], (Chord(8, 24, "F"),))
    played, given = r.given[-1]
    assert played.notes == (Note(69, 0, 8),)  # played from its first note: the chord moves too
    assert given == part((Chord(0, 8, "F"),), played)
    assert finished.wait(5)
    assert ("on", BACKING, 41) in r.output.notes()
