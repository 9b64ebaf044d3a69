"""Offline rendering: notes start where the grid says, silence follows the release, the same
input gives the same samples, and long pieces report progress."""

from __future__ import annotations

import numpy as np
import pytest

from segue.engine.audio.rendering import (
    BLOCK_FRAMES,
    FADE_SECONDS,
    TAIL_PADDING,
    iter_render,
    melody_events,
    render,
    render_melody,
)
from segue.engine.audio.soundfont import SoundFontSynth
from segue.engine.live.messages import note_off, note_on
from segue.engine.melody import Melody, Note
from tests.engine.audio.onsets import envelope, onsets

GUITAR = 24  # nylon guitar: its samples start at once, so an onset is the note's own time
# Notes two steps long with rests between them longer than the guitar's release (~0.6 s), at a
# tempo whose steps fall between sample frames and far from the renderer's block boundaries.
TUNE = Melody(
    [Note(60, 1, 2), Note(64, 11, 2), Note(67, 21, 1), Note(72, 30, 3)], tempo=97.0
)


@pytest.fixture(scope="module")
def tune_rendering():
    return render_melody(TUNE, program=GUITAR, rate=44100)


@pytest.mark.synth
def test_each_note_starts_within_a_millisecond_of_its_time(tune_rendering):
    seconds_per_step = 60.0 / 97.0 / 4
    expected = [note.start * seconds_per_step for note in TUNE.notes]
    heard = onsets(tune_rendering.samples, tune_rendering.rate)
    assert len(heard) == len(expected)
    assert np.abs(np.array(heard) - np.array(expected)).max() < 0.001


@pytest.mark.synth
def test_silence_follows_the_release_to_the_end_of_the_file(tune_rendering):
    samples, rate = tune_rendering
    last_off = TUNE.notes[-1].end * 60.0 / 97.0 / 4
    loud = np.flatnonzero(envelope(samples) > 0)
    sounding_until = (loud[-1] + 1) / rate
    assert last_off + 0.1 < sounding_until < last_off + 2.0  # the release rang, then stopped
    assert len(samples) == round(sounding_until * rate) + round(TAIL_PADDING * rate)
    assert not samples[loud[-1] + 1:].any()  # exact zeros after the sound ends


@pytest.mark.synth
def test_the_same_input_gives_the_same_samples(tune_rendering):
    again = render_melody(TUNE, program=GUITAR, rate=44100)
    assert again.samples.dtype == np.float32 and again.samples.shape[1] == 2
    assert np.array_equal(again.samples, tune_rendering.samples)


@pytest.mark.synth
def test_48_khz_puts_the_notes_at_the_same_times():
    rendering = render_melody(TUNE, program=GUITAR, rate=48000)
    expected = [note.start * 60.0 / 97.0 / 4 for note in TUNE.notes]
    assert np.abs(np.array(onsets(rendering.samples, 48000)) - expected).max() < 0.001


def test_the_tempo_argument_overrides_the_melody_tempo():
    events = melody_events(TUNE, program=GUITAR, tempo=194.0)
    assert events[0] == (0.0, [0xC0, GUITAR])
    assert events[1] == (pytest.approx(1 * 60.0 / 194.0 / 4), note_on(0, 60, 100))
    assert events[2] == (pytest.approx(3 * 60.0 / 194.0 / 4), note_off(0, 60))


@pytest.mark.synth
def test_the_program_changes_the_sound():
    melody = Melody([Note(69, 0, 4)])
    flute = render_melody(melody, program=73).samples
    guitar = render_melody(melody, program=GUITAR).samples
    assert flute.any() and guitar.any()
    assert not np.array_equal(flute[:4410], guitar[:4410])


@pytest.mark.synth
def test_a_repeated_pitch_at_one_frame_is_released_then_struck_again():
    # Given in the "wrong" order, the off still comes first: the second note must sound.
    events = [(0.5, note_on(0, 60, 100)), (0.0, note_on(0, 60, 100)), (0.5, note_off(0, 60))]
    rendering = render(events + [(1.0, note_off(0, 60))], SoundFontSynth(rate=44100))
    loud = envelope(rendering.samples)
    assert loud[round(0.5 * 44100):round(0.9 * 44100)].max() > 0.01


@pytest.mark.synth
def test_long_pieces_yield_progress_up_to_one():
    melody = Melody([Note(60 + i % 12, i * 4, 3) for i in range(40)], tempo=120.0)  # 20 s
    steps = iter_render(melody_events(melody, GUITAR), SoundFontSynth())
    fractions = []
    while True:
        try:
            fractions.append(next(steps))
        except StopIteration as done:
            rendering = done.value
            break
    assert len(fractions) >= 19 and fractions == sorted(fractions) and fractions[-1] == 1.0
    assert 20.0 < rendering.seconds < 22.0


@pytest.mark.synth
def test_a_tail_cut_short_fades_out_instead_of_clicking():
    events = [(0.0, note_on(0, 60, 100)), (0.2, note_off(0, 60))]
    rendering = render(events, SoundFontSynth(), max_tail=0.05)  # piano rings longer than that
    samples, rate = rendering
    cut = round(0.25 * rate)
    assert len(samples) == cut + round(TAIL_PADDING * rate)
    assert envelope(samples[cut - 10:cut]).max() < 0.01  # faded
    assert envelope(samples[cut - round(FADE_SECONDS * rate) - 200:cut - round(FADE_SECONDS * rate)]).max() > 0.01
    assert not samples[cut:].any()


@pytest.mark.synth
def test_an_empty_piece_is_just_the_padding():
    rendering = render_melody(Melody())
    assert rendering.seconds == pytest.approx(TAIL_PADDING, abs=1e-3)
    assert not rendering.samples.any()


@pytest.mark.synth
def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="negative"):
        render([(-1.0, note_on(0, 60, 100))], SoundFontSynth())
    with pytest.raises(ValueError, match="outside 0-127"):
        melody_events(TUNE, program=128)
    with pytest.raises(ValueError, match="44100"):
        render_melody(TUNE, rate=22050)


@pytest.mark.synth
def test_blocks_do_not_move_events():
    # An event one frame after a block boundary lands on that frame, not the next block.
    frame = BLOCK_FRAMES + 1
    events = [(frame / 44100, note_on(0, 60, 100)), (1.0, note_off(0, 60))]
    heard = onsets(render(events, SoundFontSynth(), max_tail=0).samples, 44100)
    assert heard and abs(heard[0] - frame / 44100) < 0.001
