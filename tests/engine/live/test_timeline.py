"""The playback timeline with plain numbers: no threads, no sleeps, no ports."""

import math

import pytest

from segue.engine.live.timeline import (
    CLICK,
    END,
    NOTE_OFF,
    NOTE_ON,
    WRAP,
    Cue,
    Timeline,
    check_count_in,
    check_loop,
    loop_for,
)
from segue.engine.melody import Melody, Note

STEP = 0.125  # seconds per step at 120 BPM, 4 steps per quarter
T0 = 100.0
MELODY = Melody([Note(60, 0, 2), Note(62, 2, 2), Note(64, 6, 1, velocity=90)])


def run(timeline, until=60.0):
    """Every cue up to ``until`` seconds after T0, as (seconds, kind, pitch, accent), going
    from one deadline to the next as the player's thread does."""
    cues = []
    while True:
        when = timeline.next_time()
        if when is None or when > T0 + until:
            return cues
        for cue in timeline.advance(when):
            cues.append((round(cue.when - T0, 9), cue.kind, cue.pitch, cue.accent))
            if cue.kind == END:
                return cues


def started(melody=MELODY, step=0, count_in_bars=0, **kwargs):
    timeline = Timeline(melody, **kwargs)
    timeline.start(step, T0, count_in_bars)
    return timeline


def clicks(cues):
    return [(t, accent) for t, kind, _, accent in cues if kind == CLICK]


def notes(cues):
    return [(t, kind, pitch) for t, kind, pitch, _ in cues if kind in (NOTE_ON, NOTE_OFF)]


# --- notes --------------------------------------------------------------------------------------


def test_the_melody_comes_as_note_cues_at_absolute_times_then_the_end():
    cues = run(started())
    assert notes(cues) == [
        (0.0, NOTE_ON, 60),
        (2 * STEP, NOTE_OFF, 60),
        (2 * STEP, NOTE_ON, 62),
        (4 * STEP, NOTE_OFF, 62),
        (6 * STEP, NOTE_ON, 64),
        (7 * STEP, NOTE_OFF, 64),
    ]
    assert cues[-1][:2] == (7 * STEP, END)


def test_a_cue_carries_its_velocity_and_nothing_comes_before_its_time():
    timeline = started()
    assert timeline.next_time() == T0
    assert timeline.advance(T0 - 0.001) == []
    assert timeline.advance(T0) == [Cue(NOTE_ON, T0, 60, 100)]
    assert timeline.next_time() == pytest.approx(T0 + 2 * STEP)


def test_starting_inside_a_note_chases_it():
    cues = run(started(step=3))
    assert notes(cues)[:3] == [(0.0, NOTE_ON, 62), (STEP, NOTE_OFF, 62), (3 * STEP, NOTE_ON, 64)]


def test_an_open_end_has_nothing_more_to_say_after_the_last_note():
    timeline = started(Melody([Note(60, 0, 1)]), end=math.inf)
    run(timeline)
    assert timeline.next_time() is None
    assert timeline.position(T0 + 10) == pytest.approx(80)  # the playhead runs on


def test_an_empty_melody_ends_at_once():
    assert run(started(Melody())) == [(0.0, END, 0, False)]


# --- loop and tempo -----------------------------------------------------------------------------


def test_the_loop_wraps_before_the_notes_on_its_end_step_and_plays_the_region_again():
    cues = run(started(loop=(0, 4)), until=8 * STEP)
    one_pass = [(0.0, NOTE_ON, 60), (2 * STEP, NOTE_OFF, 60), (2 * STEP, NOTE_ON, 62)]
    assert notes(cues) == one_pass + [(t + 4 * STEP, k, p) for t, k, p in one_pass] + [
        (8 * STEP, NOTE_ON, 60)
    ]
    assert [t for t, kind, _, _ in cues if kind == WRAP] == [4 * STEP, 8 * STEP]


def test_a_wrap_chases_a_note_that_crosses_the_loop_start():
    cues = run(started(Melody([Note(60, 0, 4)]), step=2, loop=(2, 4)), until=2 * STEP)
    assert [(t, kind) for t, kind, _, _ in cues] == [
        (0.0, NOTE_ON),
        (2 * STEP, WRAP),
        (2 * STEP, NOTE_ON),
    ]


def test_a_playhead_after_the_loop_plays_on_to_the_end():
    cues = run(started(step=5, loop=(0, 4)))
    assert notes(cues) == [(STEP, NOTE_ON, 64), (2 * STEP, NOTE_OFF, 64)]


def test_a_loop_set_while_playing_applies_only_before_its_end():
    timeline = started()
    timeline.advance(T0 + 5 * STEP)
    timeline.set_loop((0, 4), now=T0 + 5 * STEP)  # the playhead is past the loop
    assert WRAP not in [kind for _, kind, _, _ in run(timeline)]
    timeline = started()
    timeline.set_loop((0, 4), now=T0 + STEP)
    assert WRAP in [kind for _, kind, _, _ in run(timeline, until=5 * STEP)]


def test_a_tempo_change_keeps_the_playhead_and_rescales_what_follows():
    timeline = started()
    timeline.advance(T0 + STEP)
    timeline.set_tempo(60, now=T0 + STEP)  # steps now last 0.25 s
    assert timeline.position(T0 + STEP) == pytest.approx(1)
    times = {(kind, pitch): t for t, kind, pitch in notes(run(timeline))}
    assert times[(NOTE_OFF, 60)] == pytest.approx(STEP + 0.25)
    assert times[(NOTE_ON, 64)] == pytest.approx(STEP + 5 * 0.25)


def test_step_and_time_convert_on_one_anchor():
    timeline = started(step=8)
    assert timeline.time_of(12) == pytest.approx(T0 + 4 * STEP)
    assert timeline.step_at(T0 + 4 * STEP) == pytest.approx(12)


# --- metronome and count-in ---------------------------------------------------------------------


def test_the_metronome_clicks_each_quarter_in_4_4_accenting_the_bar_but_not_the_last_line():
    cues = run(started(Melody([Note(60, 0, 1)]), end=32, metronome=True))
    assert clicks(cues) == [(i * 4 * STEP, i % 4 == 0) for i in range(8)]  # none at step 32


def test_the_metronome_clicks_dotted_quarters_in_6_8_with_the_bar_accented():
    six_eight = Melody([Note(60, 0, 1)], time_signature=(6, 8))  # 12 steps a bar, beat = 6
    cues = run(started(six_eight, end=36, metronome=True))
    assert clicks(cues) == [
        (0.0, True),
        (6 * STEP, False),
        (12 * STEP, True),
        (18 * STEP, False),
        (24 * STEP, True),
        (30 * STEP, False),
    ]


@pytest.mark.parametrize(
    ("time_signature", "beat_steps"), [((9, 8), 6), ((12, 8), 6), ((3, 8), 2), ((2, 2), 8)]
)
def test_the_metronome_follows_the_beat_of_each_meter(time_signature, beat_steps):
    melody = Melody([Note(60, 0, 1)], time_signature=time_signature)
    cues = run(started(melody, end=2 * melody.steps_per_bar, metronome=True))
    times = [t for t, _ in clicks(cues)]
    assert times == [i * beat_steps * STEP for i in range(len(times))]
    assert len(times) == 2 * melody.steps_per_bar // beat_steps


def test_a_count_in_clicks_one_bar_before_the_music_while_the_playhead_waits():
    timeline = started(Melody([Note(60, 0, 4)]), count_in_bars=1)
    bar = 16 * STEP
    assert timeline.position(T0 + bar / 2) == 0  # waiting at the start
    cues = run(timeline)
    assert clicks(cues) == [(0.0, True), (4 * STEP, False), (8 * STEP, False), (12 * STEP, False)]
    assert notes(cues)[0] == (bar, NOTE_ON, 60)


def test_a_count_in_of_one_bar_of_6_8_is_two_dotted_quarter_clicks():
    six_eight = Melody([Note(60, 0, 6)], time_signature=(6, 8))
    cues = run(started(six_eight, count_in_bars=1))
    assert clicks(cues) == [(0.0, True), (6 * STEP, False)]
    assert notes(cues)[0] == (12 * STEP, NOTE_ON, 60)


def test_a_count_in_leads_into_the_metronome_from_a_mid_bar_start():
    waltz = Melody([Note(60, 0, 1), Note(62, 20, 8)], time_signature=(3, 4))  # bars at 0, 12, 24
    cues = run(started(waltz, step=16, count_in_bars=1, metronome=True))
    # The count-in bar (steps 4-16) is counted from its own first beat; then the piece's beats.
    assert clicks(cues) == [
        (0.0, True),
        (4 * STEP, False),
        (8 * STEP, False),
        (12 * STEP, False),
        (16 * STEP, False),
        (20 * STEP, True),
    ]


def test_turning_the_metronome_on_while_playing_clicks_from_the_next_beat():
    timeline = started(Melody([Note(60, 0, 1)]), end=16)
    timeline.advance(T0 + 5 * STEP)
    timeline.set_metronome(True, now=T0 + 5 * STEP)
    assert clicks(run(timeline)) == [(8 * STEP, False), (12 * STEP, False)]


# --- checks -------------------------------------------------------------------------------------


def test_bad_arguments_raise_value_errors():
    for bad in (-1, 5, 1.5, True):
        with pytest.raises(ValueError, match="count-in"):
            check_count_in(bad)
    for bad in ((4, 4), (-1, 2), "a loop"):
        with pytest.raises(ValueError, match="loop"):
            check_loop(bad)
    with pytest.raises(ValueError, match="Melody"):
        Timeline([Note(60, 0, 1)])
    with pytest.raises(ValueError, match="tempo"):
        Timeline(MELODY, tempo=5)
    with pytest.raises(ValueError, match="start step"):
        Timeline(MELODY).start(-1, T0)


def test_the_loop_rule_loops_the_region_or_the_whole_piece_rounded_up_to_a_bar():
    piece = Melody([Note(60, 0, 4), Note(62, 17, 2)])  # ends in bar 2
    assert loop_for(piece, False, (4, 8)) is None
    assert loop_for(piece, True, (4, 8)) == (4, 8)
    assert loop_for(piece, True, None) == (0, 32)
    assert loop_for(Melody(), True, None) == (0, 16)  # an empty piece loops one bar
