"""Recording: messages with arrival times become a quantized melody; input ports deliver them."""

import logging
import threading

import pytest

from segue.engine.edits import merge_take
from segue.engine.live.endpoints import PortError
from segue.engine.live.messages import parse_note
from segue.engine.live.midi_input import RawNote, Recorder, check_grid, open_input, quantize_take
from segue.engine.melody import Melody, Note
from tests.fakes.live import FakeRtmidi, fake_system

STEP = 0.125  # 120 BPM, 4 steps per quarter
T0 = 50.0


def on(pitch, velocity=100, channel=0):
    return [0x90 | channel, pitch, velocity]


def off(pitch, channel=0):
    return [0x80 | channel, pitch, 64]


def play(recorder, events):
    """Feed (seconds after T0, message) pairs."""
    for seconds, message in events:
        recorder.feed(message, T0 + seconds)


def test_parse_note():
    assert parse_note([0x93, 60, 100]) == (True, 3, 60, 100)
    assert parse_note([0x93, 60, 0]) == (False, 3, 60, 0)
    assert parse_note([0x80, 61, 40]) == (False, 0, 61, 0)
    assert parse_note([0xB0, 64, 127]) is None
    assert parse_note([0xF8]) is None


def test_a_take_is_quantized_to_the_grid_at_the_session_tempo():
    recorder = Recorder(Melody(tempo=120))
    recorder.start(at=T0)
    play(
        recorder,
        [
            (0.01, on(60, 90)),  # step 0.08 -> 0
            (0.24, on(62)),  # step 1.92 -> 2 (legato: pressed a little early)
            (0.26, off(60)),  # step 2.08 -> 2
            (0.74, off(62)),  # step 5.92 -> 6
            (0.80, on(64, 70)),  # step 6.4 -> 6
            (0.86, off(64)),  # step 6.88 -> 7
        ],
    )
    take = recorder.stop()
    assert take.notes == (Note(60, 0, 2, 90), Note(62, 2, 4), Note(64, 6, 1, 70))
    assert take.tempo == 120 and not recorder.recording


def test_quantize_rounds_half_up_keeps_a_grid_unit_and_clamps_to_zero():
    template = Melody()
    raw = [
        RawNote(60, -0.4, 0.2, 100),  # starts before the take: begins at 0
        RawNote(61, -3.0, -1.0, 100),  # ended before the take: dropped
        RawNote(62, 2.5, 2.6, 100),  # 2.5 -> 3, a sliver -> one grid unit
        RawNote(63, 5.49, 8.5, 100),  # 5 .. 9
    ]
    assert quantize_take(raw, 1, template).notes == (
        Note(60, 0, 1),
        Note(62, 3, 1),
        Note(63, 5, 4),
    )
    assert quantize_take([RawNote(60, 1.1, 2.0, 100)], 2, template).notes == (Note(60, 2, 2),)
    with pytest.raises(ValueError, match="grid"):
        quantize_take([], 0, template)


def test_notes_played_in_a_count_in_are_dropped_and_an_early_downbeat_moves_to_the_start():
    # Playback starts at step 16 after a one-bar count-in: the take's clock reads 0 at step 0.
    recorder = Recorder(Melody(tempo=120))
    recorder.start(at=T0, from_step=16)
    play(
        recorder,
        [
            (1.00, on(55)),  # step 8: noodling in the count-in
            (1.20, off(55)),  # released in the count-in: dropped
            (1.98, on(60)),  # step 15.84: a hair early for the downbeat
            (2.24, off(60)),  # step 17.92
            (2.50, on(62)),  # step 20
            (2.74, off(62)),
        ],
    )
    assert recorder.stop().notes == (Note(60, 16, 2), Note(62, 20, 2))


def test_grid_of_two_steps():
    recorder = Recorder(Melody(), grid=2)
    recorder.start(at=T0)
    play(recorder, [(0.3, on(60)), (0.8, off(60))])  # steps 2.4 .. 6.4
    assert recorder.stop().notes == (Note(60, 2, 4),)


def test_in_a_chord_the_last_key_wins():
    recorder = Recorder(Melody())
    recorder.start(at=T0)
    play(recorder, [(0.0, on(60)), (0.01, on(64)), (0.5, off(60)), (0.5, off(64))])
    assert recorder.stop().notes == (Note(64, 0, 4),)


def test_held_notes_end_when_the_take_stops():
    recorder = Recorder(Melody())
    recorder.start(at=T0)
    play(recorder, [(0.0, on(60))])
    assert recorder.held == [60]
    assert recorder.snapshot(at=T0 + 0.5).notes == (Note(60, 0, 4),)
    assert recorder.stop(at=T0 + 1.0).notes == (Note(60, 0, 8),)


def test_notes_off_without_on_other_messages_and_other_channels_are_ignored():
    recorder = Recorder(Melody(), channel=1)
    recorder.start(at=T0)
    assert recorder.feed(off(60, channel=1), T0) is False  # pressed before the take
    assert recorder.feed([0xB1, 64, 127], T0) is False
    assert recorder.feed(on(62, channel=0), T0) is False
    assert recorder.feed(on(64, channel=1), T0 + 0.25) is True
    assert recorder.feed(off(64, channel=1), T0 + 0.5) is True
    assert recorder.stop().notes == (Note(64, 2, 2),)


def test_nothing_is_recorded_outside_a_take():
    recorder = Recorder(Melody())
    assert recorder.feed(on(60), T0) is False
    assert recorder.stop().notes == ()


def test_time_to_step_follows_the_players_timeline():
    recorder = Recorder(Melody())
    recorder.start(time_to_step=lambda t: 16 + (t - T0) / STEP)  # playing from bar 2
    play(recorder, [(0.0, on(60)), (0.25, off(60))])
    assert recorder.stop().notes == (Note(60, 16, 2),)


def test_feeding_from_two_threads_loses_nothing():
    recorder = Recorder(Melody(tempo=400, steps_per_quarter=4))
    recorder.start(at=0.0)
    spb = 60 / 400 / 4

    def player(first):
        for i in range(first, 200, 2):
            recorder.feed(on(60 + i % 12), i * spb)
            recorder.feed(off(60 + i % 12), (i + 0.9) * spb)

    threads = [threading.Thread(target=player, args=(k,)) for k in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    take = recorder.stop()
    assert [n.start for n in take.notes] == list(range(200))


def test_recorder_rejects_bad_settings():
    with pytest.raises(ValueError, match="grid"):
        Recorder(grid=0)
    with pytest.raises(ValueError, match="channel"):
        Recorder(channel=16)


def test_the_recording_grid_is_a_whole_number_of_steps():
    assert check_grid(4) == 4
    for bad in (0, -2, 1.5, True, "4"):
        with pytest.raises(ValueError, match="recording grid"):
            check_grid(bad)


def test_merge_take_replaces_the_span_it_covers():
    melody = Melody([Note(50, 0, 4), Note(52, 4, 4), Note(53, 8, 4), Note(55, 16, 4)])
    take = Melody([Note(60, 6, 2), Note(62, 10, 2)])
    merged = merge_take(melody, take)
    assert merged.notes == (
        Note(50, 0, 4),
        Note(52, 4, 2),
        Note(60, 6, 2),
        Note(62, 10, 2),
        Note(55, 16, 4),
    )
    assert merge_take(melody, Melody()) is melody
    with pytest.raises(ValueError, match="steps per quarter"):
        merge_take(melody, Melody([Note(60, 0, 1)], steps_per_quarter=8))


def test_a_triplet_piece_records_on_its_own_grid_snapped_to_1_8t():
    # 120 BPM on 12 steps a quarter: a step is 1/24 s; the roll's 1/8T snap is 4 steps.
    recorder = Recorder(Melody(steps_per_quarter=12), grid=4)
    recorder.start(at=T0)
    third = 0.5 / 3  # a triplet eighth, in seconds
    play(recorder, [(0.01, on(60)), (third - 0.02, off(60)), (third + 0.01, on(62)),
                    (2 * third, off(62)), (2 * third - 0.01, on(64)), (3 * third, off(64))])
    take = recorder.stop()
    assert take.steps_per_quarter == 12
    assert take.notes == (Note(60, 0, 4), Note(62, 4, 4), Note(64, 8, 4))


def test_a_straight_take_joins_a_triplet_piece_exactly():
    # Recorded on 4 before the piece went onto 12 (a triplet snap picked mid-take).
    piece = Melody([Note(50, 0, 4), Note(52, 4, 4), Note(53, 8, 40)], steps_per_quarter=12)
    take = Melody([Note(60, 4, 2), Note(62, 6, 2)])
    assert merge_take(piece, take).notes == (
        Note(50, 0, 4), Note(52, 4, 4), Note(53, 8, 4), Note(60, 12, 6), Note(62, 18, 6))


# --- input ports --------------------------------------------------------------------------------


def test_input_port_delivers_messages_with_arrival_times():
    fake = FakeRtmidi(inputs=["Keys"])
    midi = fake_system(fake)
    received = []
    times = iter([1.0, 2.0])
    port = open_input(
        "Keys", lambda m, t: received.append((m, t)), system=midi, clock=lambda: next(times)
    )
    assert port.name == "Keys" and port.present_in(midi.input_ports())
    assert fake.deliver("Keys", on(60)) == 1
    fake.deliver("Keys", off(60))
    assert received == [(on(60), 1.0), (off(60), 2.0)]
    port.close()
    assert fake.deliver("Keys", on(61)) == 0


def test_a_failing_handler_is_logged_and_does_not_escape_into_the_midi_thread(caplog):
    fake = FakeRtmidi(inputs=["Keys"])
    midi = fake_system(fake)
    calls = []

    def broken(message, when):
        calls.append(message)
        raise RuntimeError("bug")

    port = open_input("Keys", broken, system=midi)
    with caplog.at_level(logging.ERROR, logger="segue.engine.live.midi_input"):
        assert fake.deliver("Keys", on(60)) == 1  # no exception reaches the MIDI thread
        assert fake.deliver("Keys", off(60)) == 1  # and the port goes on delivering
    assert calls == [on(60), off(60)]
    assert [r.message for r in caplog.records] == ["MIDI input handler failed"] * 2
    assert "RuntimeError: bug" in caplog.text
    port.close()


def test_opening_a_missing_input_names_it():
    midi = fake_system(FakeRtmidi(inputs=["Keys"]))
    with pytest.raises(PortError, match="'Pads'"):
        open_input("Pads", system=midi)


def test_recording_from_a_port():
    fake = FakeRtmidi(inputs=["Keys"])
    midi = fake_system(fake)
    now = [T0]
    recorder = Recorder(Melody())
    port = open_input("Keys", recorder.feed, system=midi, clock=lambda: now[0])
    recorder.start(at=T0)
    for seconds, message in [(0.0, on(60)), (0.5, off(60)), (0.5, on(67)), (0.75, off(67))]:
        now[0] = T0 + seconds
        fake.deliver("Keys", message)
    assert recorder.stop().notes == (Note(60, 0, 4), Note(67, 4, 2))
    port.close()
