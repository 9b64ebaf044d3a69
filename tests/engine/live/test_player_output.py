"""The player's output on its own: what sounds, releasing, a failing send, replacing and
dropping the output (closes wait until the deferred calls run, as after the player's lock)."""

import threading

from segue.engine.live.clicks import CLICK_ACCENT, CLICK_SECONDS, METRONOME_CHANNEL, sound_click
from segue.engine.live.deferred import DeferredCalls
from segue.engine.live.messages import note_off, note_on, release_messages
from segue.engine.live.player_output import PlayerOutput
from tests.fakes.live import FakeClock, FakeOutput


def make(output):
    failures = []
    deferred = DeferredCalls(threading.Lock(), None)
    out = PlayerOutput(output, clock=FakeClock(), deferred=deferred, on_failure=failures.append)
    return out, deferred, failures


def test_a_note_again_on_a_sounding_key_ends_it_first_and_release_ends_all():
    port = FakeOutput()
    out, _, _ = make(port)
    out.sound(0, 60, 100)
    out.sound(0, 60, 90)
    out.sound(1, 64, 80)
    assert port.messages == [note_on(0, 60, 100), note_off(0, 60), note_on(0, 60, 90),
                             note_on(1, 64, 80)]
    port.sent.clear()
    out.release(0)
    assert port.messages == release_messages([(0, 60), (1, 64)], {0, 1})
    assert out.sounding == {}


def test_a_held_note_ends_at_its_time_and_the_melody_does_not_end_it_early():
    port = FakeOutput()
    out, _, _ = make(port)
    sound_click(out, accent=True, when=10.0)
    key = (METRONOME_CHANNEL, CLICK_ACCENT)
    assert out.next_off() == 10.0 + CLICK_SECONDS
    out.end_played(*key, when=10.01)  # not the melody's to end
    out.end_due(10.01)
    assert key in out.sounding
    out.end_due(10.0 + CLICK_SECONDS)
    assert port.messages[-1] == note_off(*key) and out.next_off() is None


def test_a_failing_send_is_reported_and_answers_false():
    port = FakeOutput()
    out, _, failures = make(port)
    port.fail()
    assert not out.sound(0, 60, 100)
    assert failures == ["MIDI output 'Fake output' stopped working (device removed)."]
    assert out.sounding == {}


def test_replacing_releases_on_the_old_output_and_closes_it_after_the_lock():
    old, new = FakeOutput(name="Old"), FakeOutput(name="New")
    out, deferred, _ = make(old)
    out.sound(0, 60, 100)
    out.replace(new, channel=0)
    assert old.messages[-len(release_messages([(0, 60)], {0})):] == release_messages(
        [(0, 60)], {0})
    assert out.output is new and out.sounding == {}
    assert not old.closed  # closed once the deferred calls run
    deferred.run()
    assert old.closed and not new.closed


def test_replacing_a_dead_output_closes_it_without_an_error():
    old = FakeOutput()
    out, deferred, failures = make(old)
    out.sound(0, 60, 100)
    old.fail()
    out.replace(None, channel=0)
    deferred.run()
    assert old.closed and out.output is None and failures == []


def test_dropping_closes_the_output_and_forgets_its_notes():
    port = FakeOutput()
    out, deferred, _ = make(port)
    out.sound(0, 60, 100)
    out.drop()
    deferred.run()
    assert port.closed and out.output is None and out.sounding == {}
    assert not out.send(note_on(0, 60, 100))
