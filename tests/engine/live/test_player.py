"""The player: exact messages and deadlines on a fake clock, releases, loops, faults."""

import threading

import pytest

from segue.engine.live.clicks import CLICK_ACCENT, CLICK_BEAT, METRONOME_CHANNEL
from segue.engine.live.endpoints import PortError, PortInfo
from segue.engine.live.messages import (
    CC_ALL_NOTES_OFF,
    CC_SUSTAIN,
    control_change,
    note_off,
    note_on,
    panic_messages,
    program_change,
    release_messages,
)
from segue.engine.live.output import open_output
from segue.engine.live.player import PAUSED, PLAYING, START_LEAD_SECONDS, STOPPED, Player
from segue.engine.melody import Melody, Note
from tests.fakes.live import FakeClock, FakeOutput, FakeRtmidi, fake_system

STEP = 0.125  # seconds per step at 120 BPM, 4 steps per quarter
RELEASE = [control_change(0, CC_SUSTAIN, 0), control_change(0, CC_ALL_NOTES_OFF, 0)]
MELODY = Melody([Note(60, 0, 2), Note(62, 2, 2), Note(64, 6, 1, velocity=90)])


class Rig:
    """A player on a fake clock with a fake output and recorded callbacks."""

    def __init__(self, melody_output=None, **player_args):
        self.clock = FakeClock()
        self.output = melody_output or FakeOutput(self.clock)
        self.player = Player(self.output, clock=self.clock, sleep=self.clock.sleep, **player_args)
        self.finished = threading.Event()
        self.states, self.errors, self.positions = [], [], []
        self.player.on_finished = self.finished.set
        self.player.on_state = self.states.append
        self.player.on_error = self.errors.append
        self.player.on_position = self.positions.append
        self.t0 = self.clock.now()  # the fake clock stands still until something plays

    def at(self, seconds):
        """Clock time ``seconds`` after the first deadline of a play started now."""
        return self.t0 + START_LEAD_SECONDS + seconds

    def play(self, melody=MELODY, **kwargs):
        self.t0 = self.clock.now()
        self.player.play(melody, **kwargs)

    def hold(self, seconds):
        """Play up to ``seconds`` after the first deadline, then stop the clock there."""
        self.clock.hold_at(self.at(seconds))

    def timed(self):
        return [(round(t - self.t0 - START_LEAD_SECONDS, 6), m) for t, m in self.output.sent]


def assert_every_note_released(messages):
    sounding = set()
    for message in messages:
        kind = message[0] & 0xF0
        key = (message[0] & 0x0F, message[1])
        if kind == 0x90 and message[2] > 0:
            assert key not in sounding, f"{key} started twice without a note-off"
            sounding.add(key)
        elif kind in (0x80, 0x90):
            sounding.discard(key)
    assert not sounding, f"notes left sounding: {sorted(sounding)}"


# --- messages ---------------------------------------------------------------------------------


def test_message_bytes():
    assert note_on(2, 60, 100) == [0x92, 60, 100]
    assert note_off(2, 60) == [0x82, 60, 64]
    assert control_change(15, 123, 0) == [0xBF, 123, 0]
    assert program_change(0, 40) == [0xC0, 40]


def test_release_is_note_offs_then_sustain_and_all_notes_off_per_channel():
    assert release_messages([(0, 60), (9, 76)], [0, 9]) == [
        [0x80, 60, 64],
        [0x89, 76, 64],
        [0xB0, 64, 0],
        [0xB0, 123, 0],
        [0xB9, 64, 0],
        [0xB9, 123, 0],
    ]


def test_panic_covers_all_sixteen_channels():
    messages = panic_messages()
    assert len(messages) == 48
    for channel in range(16):
        for controller in (120, 121, 123):
            assert [0xB0 | channel, controller, 0] in messages


# --- playing ----------------------------------------------------------------------------------


def test_plays_exact_messages_at_absolute_deadlines(rig):
    r = rig()
    r.play()
    assert r.finished.wait(5)
    assert r.timed() == [
        (0.0, note_on(0, 60, 100)),
        (2 * STEP, note_off(0, 60)),
        (2 * STEP, note_on(0, 62, 100)),
        (4 * STEP, note_off(0, 62)),
        (6 * STEP, note_on(0, 64, 90)),
        (7 * STEP, note_off(0, 64)),
        (7 * STEP, RELEASE[0]),
        (7 * STEP, RELEASE[1]),
    ]
    assert r.player.state == STOPPED
    assert r.states == [PLAYING, STOPPED]
    assert r.player.position == 7


def test_tempo_argument_overrides_the_melody_tempo(rig):
    r = rig()
    r.play(Melody([Note(60, 0, 4)]), tempo=60)
    assert r.finished.wait(5)
    assert r.timed()[1] == (4 * 0.25, note_off(0, 60))


def test_position_callbacks_come_about_sixty_times_a_second_and_end_at_the_end(rig):
    r = rig()
    r.play()
    assert r.finished.wait(5)
    steps = r.positions
    assert steps == sorted(steps)
    seconds = 7 * STEP + START_LEAD_SECONDS
    assert abs(len(steps) - seconds * 60) <= 3
    assert steps[-1] == 7


def test_same_pitch_twice_in_a_row_gets_a_note_off_between(rig):
    r = rig()
    r.play(Melody([Note(60, 0, 1), Note(60, 1, 1)]))
    assert r.finished.wait(5)
    assert r.output.notes() == [("on", 0, 60), ("off", 0, 60), ("on", 0, 60), ("off", 0, 60)]


def test_empty_melody_finishes_at_once(rig):
    r = rig()
    r.play(Melody())
    assert r.finished.wait(5)
    assert r.output.notes() == []


def test_stop_in_mid_note_releases_it_and_sends_nothing_more(rig):
    r = rig()
    r.hold(3 * STEP)  # inside the second note (steps 2-4)
    r.play()
    assert r.clock.wait_held()
    r.player.stop()
    r.clock.release()
    assert r.output.messages[-3:] == [note_off(0, 62), *RELEASE]
    assert r.player.state == STOPPED
    assert r.player.position == pytest.approx(3)
    sent_at_stop = len(r.output.messages)
    r.player.close()  # joins the scheduler thread: whatever it would still send is sent now
    assert r.output.messages[sent_at_stop:] == RELEASE  # close's own release, no more notes
    assert r.output.notes() == [("on", 0, 60), ("off", 0, 60), ("on", 0, 62), ("off", 0, 62)]
    assert_every_note_released(r.output.messages)
    assert not r.finished.is_set()


def test_start_in_mid_note_chases_it(rig):
    r = rig()
    r.play(start_step=3)
    assert r.finished.wait(5)
    assert r.timed()[:3] == [
        (0.0, note_on(0, 62, 100)),
        (1 * STEP, note_off(0, 62)),
        (3 * STEP, note_on(0, 64, 90)),
    ]


def test_pause_releases_and_resume_continues_from_there(rig):
    r = rig()
    r.hold(3 * STEP)
    r.play()
    assert r.clock.wait_held()
    r.player.pause()
    assert r.player.state == PAUSED
    assert r.output.messages[-3:] == [note_off(0, 62), *RELEASE]
    r.clock.release()
    r.player.resume()
    assert r.finished.wait(5)
    # The note cut by the pause sounds again from the pause point.
    assert r.output.notes()[3:] == [
        ("off", 0, 62),
        ("on", 0, 62),
        ("off", 0, 62),
        ("on", 0, 64),
        ("off", 0, 64),
    ]
    assert_every_note_released(r.output.messages)


def test_seek_while_playing_releases_and_plays_from_the_new_step(rig):
    r = rig()
    r.hold(STEP)
    r.play()
    assert r.clock.wait_held()
    r.player.seek(6)
    r.clock.release()
    assert r.finished.wait(5)
    assert r.output.notes() == [("on", 0, 60), ("off", 0, 60), ("on", 0, 64), ("off", 0, 64)]
    assert r.output.messages[2:4] == RELEASE


def test_seek_while_stopped_only_moves_the_position(rig):
    r = rig()
    r.player.seek(5)
    assert r.player.position == 5
    assert r.positions == [5]
    assert r.output.sent == []


def test_loop_wraps_with_a_release_and_plays_the_region_again(rig):
    r = rig()
    r.hold(2 * 4 * STEP + STEP)  # two passes of the 4-step loop, then one step
    r.play(loop=(0, 4))
    assert r.clock.wait_held()
    r.player.stop()
    r.clock.release()
    one_pass = [
        (0.0, note_on(0, 60, 100)),
        (2 * STEP, note_off(0, 60)),
        (2 * STEP, note_on(0, 62, 100)),
        (4 * STEP, note_off(0, 62)),
        (4 * STEP, RELEASE[0]),
        (4 * STEP, RELEASE[1]),
    ]
    second = [(t + 4 * STEP, m) for t, m in one_pass]
    assert r.timed()[:12] == one_pass + second
    assert r.timed()[12] == (8 * STEP, note_on(0, 60, 100))
    assert_every_note_released(r.output.messages)


def test_loop_chases_a_note_that_crosses_the_loop_start(rig):
    r = rig()
    r.hold(3 * STEP)
    r.play(Melody([Note(60, 0, 4)]), start_step=2, loop=(2, 4))
    assert r.clock.wait_held()
    r.player.stop()
    r.clock.release()
    assert r.output.notes()[:3] == [("on", 0, 60), ("off", 0, 60), ("on", 0, 60)]
    assert r.timed()[3][0] == 2 * STEP


def test_a_playhead_after_the_loop_plays_on_to_the_end(rig):
    r = rig()
    r.play(start_step=5, loop=(0, 4))
    assert r.finished.wait(5)
    assert r.output.notes() == [("on", 0, 64), ("off", 0, 64)]


def test_tempo_change_keeps_the_playhead_and_rescales_what_follows(rig):
    r = rig()
    r.hold(STEP)  # at step 1 of 2 of the first note
    r.play()
    assert r.clock.wait_held()
    r.player.set_tempo(60)  # steps now last 0.25 s
    r.clock.release()
    assert r.finished.wait(5)
    times = dict((tuple(m), t) for t, m in r.timed())
    assert times[tuple(note_off(0, 60))] == pytest.approx(STEP + 0.25)
    assert times[tuple(note_on(0, 64, 90))] == pytest.approx(STEP + 5 * 0.25)


def test_metronome_clicks_every_beat_with_an_accent_on_the_bar(rig):
    r = rig()
    r.player.set_metronome(True)
    r.play(Melody([Note(60, 0, 1)]), end=24)
    assert r.finished.wait(5)
    clicks = [(t, m) for t, m in r.timed() if m[0] == 0x90 | METRONOME_CHANNEL]
    assert [t for t, _ in clicks] == [pytest.approx(i * 4 * STEP) for i in range(6)]
    assert [m[1] for _, m in clicks] == [
        CLICK_ACCENT,
        CLICK_BEAT,
        CLICK_BEAT,
        CLICK_BEAT,
        CLICK_ACCENT,
        CLICK_BEAT,
    ]
    assert_every_note_released(r.output.messages)


def test_a_6_8_metronome_clicks_dotted_quarters_and_its_count_in_is_two_clicks(rig):
    r = rig()
    r.player.set_metronome(True)
    six_eight = Melody([Note(60, 0, 1)], time_signature=(6, 8))  # a bar is 12 steps
    r.play(six_eight, end=24, count_in_bars=1)
    assert r.finished.wait(5)
    clicks = [(t, m[1]) for t, m in r.timed() if m[0] == 0x90 | METRONOME_CHANNEL]
    bar = 12 * STEP
    assert clicks == [
        (0.0, CLICK_ACCENT),  # the count-in: one bar, two dotted-quarter beats
        (pytest.approx(6 * STEP), CLICK_BEAT),
        (pytest.approx(bar), CLICK_ACCENT),  # the piece: steps 0, 6, 12, 18
        (pytest.approx(bar + 6 * STEP), CLICK_BEAT),
        (pytest.approx(bar + 12 * STEP), CLICK_ACCENT),
        (pytest.approx(bar + 18 * STEP), CLICK_BEAT),
    ]
    assert_every_note_released(r.output.messages)


def test_a_count_in_clicks_a_bar_before_the_music_while_the_playhead_waits(rig):
    r = rig()
    r.play(Melody([Note(60, 0, 4), Note(62, 4, 4)]), count_in_bars=1)
    assert r.finished.wait(5)
    timed = r.timed()
    clicks = [(t, m[1]) for t, m in timed if m[0] == 0x90 | METRONOME_CHANNEL]
    bar = 16 * STEP
    assert clicks == [
        (0.0, CLICK_ACCENT),
        (pytest.approx(4 * STEP), CLICK_BEAT),
        (pytest.approx(8 * STEP), CLICK_BEAT),
        (pytest.approx(12 * STEP), CLICK_BEAT),
    ]  # the metronome is off: only the count-in clicks
    notes = [(t, m[1]) for t, m in timed if m[0] == 0x90 and m[2] > 0]
    assert notes == [(pytest.approx(bar), 60), (pytest.approx(bar + 4 * STEP), 62)]
    assert min(r.positions) == 0.0  # the playhead waits at the start through the count-in
    assert_every_note_released(r.output.messages)


def test_a_count_in_leads_into_the_metronome_from_a_mid_bar_start(rig):
    r = rig()
    r.player.set_metronome(True)
    waltz = Melody([Note(60, 0, 1), Note(62, 20, 8)], time_signature=(3, 4))  # bars at 0, 12, 24
    r.play(waltz, start_step=16, count_in_bars=1)
    assert r.finished.wait(5)
    clicks = [(t, m[1]) for t, m in r.timed() if m[0] == 0x90 | METRONOME_CHANNEL]
    # The count-in bar (steps 4-16) is counted from its own first beat; then the piece's beats.
    assert [t for t, _ in clicks] == [pytest.approx(i * 4 * STEP) for i in range(6)]
    assert [p for _, p in clicks] == [CLICK_ACCENT, CLICK_BEAT, CLICK_BEAT, CLICK_BEAT, CLICK_BEAT, CLICK_ACCENT]


def test_count_in_must_be_a_few_whole_bars(rig):
    r = rig()
    for bad in (-1, 5, 1.5, True):
        with pytest.raises(ValueError, match="count-in"):
            r.player.play(MELODY, count_in_bars=bad)


def test_open_ended_play_runs_until_stopped(rig):
    r = rig()
    r.hold(10.0)
    r.play(Melody([Note(60, 0, 1)]), end=float("inf"))
    assert r.clock.wait_held()
    assert r.player.state == PLAYING
    r.player.stop()
    r.clock.release()
    assert not r.finished.is_set()


# --- settings ---------------------------------------------------------------------------------


def test_channel_and_program(rig):
    r = rig(channel=3, program=40)
    r.play(Melody([Note(60, 0, 1)]))
    assert r.finished.wait(5)
    assert r.output.messages[:2] == [program_change(3, 40), note_on(3, 60, 100)]
    r.player.set_program(0)
    assert r.output.messages[-1] == program_change(3, 0)
    r.player.set_program(None)
    assert r.output.messages[-1] == program_change(3, 0)  # None sends nothing


def test_channel_change_while_playing_moves_the_sounding_note(rig):
    r = rig()
    r.hold(STEP)
    r.play()
    assert r.clock.wait_held()
    r.player.set_channel(5)
    r.clock.release()
    assert r.finished.wait(5)
    assert r.output.notes()[:4] == [("on", 0, 60), ("off", 0, 60), ("on", 5, 60), ("off", 5, 60)]
    assert_every_note_released(r.output.messages)


def test_invalid_settings_raise_value_errors(rig):
    r = rig()
    with pytest.raises(ValueError, match="channel"):
        r.player.set_channel(16)
    with pytest.raises(ValueError, match="program"):
        r.player.set_program(128)
    with pytest.raises(ValueError, match="loop"):
        r.player.play(MELODY, loop=(4, 4))
    with pytest.raises(ValueError, match="tempo"):
        r.player.set_tempo(5)
    with pytest.raises(ValueError, match="start step"):
        r.player.play(MELODY, start_step=-1)
    with pytest.raises(ValueError, match="Melody"):
        r.player.play([Note(60, 0, 1)])
    assert r.output.sent == []


# --- auditions, thru, panic -------------------------------------------------------------------


def test_audition_sounds_a_note_for_its_length(rig):
    r = rig()
    t0 = r.clock.now()
    assert r.player.audition(67, 80, seconds=0.5)
    assert r.output.wait_until(lambda: len(r.output.sent) >= 2)
    assert [(round(t - t0, 6), m) for t, m in r.output.sent] == [
        (0.0, note_on(0, 67, 80)),
        (0.5, note_off(0, 67)),
    ]


def test_audition_without_output_does_nothing():
    player = Player(None)
    assert player.audition(60) is False
    player.close()


def test_thru_echoes_on_the_player_channel(rig):
    r = rig(channel=2)
    r.player.thru([0x90, 64, 77])
    r.player.thru([0x90, 64, 0])  # note-on velocity 0 is a note-off
    r.player.thru([0xB0, 1, 10])  # not a note: ignored
    assert r.output.messages == [note_on(2, 64, 77), note_off(2, 64)]


def test_panic_stops_and_silences_every_channel(rig):
    r = rig()
    r.hold(STEP)
    r.play()
    assert r.clock.wait_held()
    r.player.panic()
    r.clock.release()
    assert r.player.state == STOPPED
    assert r.output.messages[-49:] == [note_off(0, 60), *panic_messages()]


def test_close_releases_ends_the_thread_and_closes_the_output(rig):
    r = rig()
    r.hold(STEP)
    r.play()
    assert r.clock.wait_held()
    thread = r.player._thread
    r.clock.release()
    r.player.close()
    assert not thread.is_alive()
    assert r.output.closed
    assert_every_note_released(r.output.messages)


# --- faults -----------------------------------------------------------------------------------


def test_a_failing_output_stops_playback_with_one_message(rig):
    r = rig()
    r.hold(STEP)
    r.play()
    assert r.clock.wait_held()
    r.output.fail()
    r.clock.release()
    assert r.player.wait(5)
    r.player.close()  # joins the scheduler thread, which reports the error before it ends
    assert len(r.errors) == 1 and "Fake output" in r.errors[0]
    assert r.player.state == STOPPED and r.player.output is None
    assert r.output.closed
    with pytest.raises(PortError, match="No MIDI output"):
        r.player.play(MELODY)


def test_a_vanished_port_found_by_listing_stops_playback(rig):
    r = rig()
    r.hold(STEP)
    r.play()
    assert r.clock.wait_held()
    r.output.fail()  # present_in() now says no, like a port missing from the list
    assert r.player.check_output([PortInfo("Other", "ALSA")]) is False
    r.clock.release()
    assert r.player.state == STOPPED
    assert r.errors == ["MIDI output 'Fake output' disappeared (was it unplugged?)."]


def test_changing_the_output_while_playing_releases_the_old_and_chases_on_the_new(rig):
    r = rig()
    r.hold(STEP)
    r.play()
    assert r.clock.wait_held()
    new = FakeOutput(r.clock, name="New")
    r.player.set_output(new)
    r.clock.release()
    assert r.finished.wait(5)
    assert r.output.messages == [note_on(0, 60, 100), note_off(0, 60), *RELEASE]
    assert r.output.closed
    assert new.notes()[:2] == [("on", 0, 60), ("off", 0, 60)]
    assert_every_note_released(new.messages)


def test_play_without_output_raises_a_clear_error():
    player = Player(None)
    with pytest.raises(PortError, match="choose an output"):
        player.play(MELODY)
    player.close()


def test_a_raising_callback_does_not_stop_the_scheduler(rig):
    r = rig()

    def broken(step):
        raise RuntimeError("listener bug")

    r.player.on_position = broken
    r.play()
    assert r.finished.wait(5)
    assert r.output.notes()[-1] == ("off", 0, 64)


# --- real time --------------------------------------------------------------------------------


def test_real_clock_never_sends_before_a_deadline():
    output = FakeOutput()
    player = Player(output)
    finished = threading.Event()
    player.on_finished = finished.set
    melody = Melody([Note(60 + i % 12, i, 1) for i in range(24)], tempo=400)
    player.play(melody)
    assert finished.wait(5)
    ons = [t for t, m in output.sent if m[0] == 0x90]
    assert len(ons) == 24
    for i, sent in enumerate(ons):
        assert sent >= player.time_of(i)
    player.close()


# --- opening real-looking ports through a fake rtmidi ---------------------------------------------


def test_open_output_sends_through_the_port_and_reports_an_unplugged_one():
    fake = FakeRtmidi(outputs=["Synth"])
    system = fake_system(fake)
    output = open_output("Synth", system=system)
    output.send(note_on(0, 60, 100))
    assert fake.sent == [("Synth", [0x90, 60, 100])]
    assert output.present_in(system.output_ports())
    fake.unplug("Synth")
    assert not output.present_in(system.output_ports())
    with pytest.raises(PortError, match="'Synth' stopped working"):
        output.send(note_off(0, 60))
    output.close()


def test_player_on_an_unplugged_rtmidi_port_stops_with_one_message():
    fake = FakeRtmidi(outputs=["Synth"])
    system = fake_system(fake)
    clock = FakeClock()
    player = Player(open_output("Synth", system=system), clock=clock, sleep=clock.sleep)
    errors = []
    player.on_error = errors.append
    clock.hold_at(clock.now() + START_LEAD_SECONDS + STEP)
    player.play(MELODY)
    assert clock.wait_held()
    fake.unplug("Synth")
    clock.release()
    assert player.wait(5)
    player.close()  # joins the scheduler thread, which reports the error before it ends
    assert len(errors) == 1 and "Synth" in errors[0]
