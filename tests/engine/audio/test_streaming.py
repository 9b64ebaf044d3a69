"""Rendering streams: the sound reaches the writer in blocks of bounded size as it is rendered,
so memory does not grow with the piece, and the blocks are exactly what rendering at once gives."""

from __future__ import annotations

import io
import tracemalloc
import wave

import numpy as np
import pytest

from segue.engine.audio.audio_files import AudioStream, check_length, encode_audio
from segue.engine.audio.rendering import (
    BLOCK_FRAMES,
    TAIL_PADDING,
    Rendering,
    frames_at_most,
    iter_render,
    melody_events,
    stream_render,
)
from segue.engine.audio.soundfont import SoundFontSynth
from segue.engine.melody import Melody, Note


class CountingSynth:
    """A stand-in synthesizer: each frame holds its own number (scaled), so any lost, repeated or
    reordered frame shows; notes are ignored and it never falls silent."""

    rate = 44100

    def __init__(self):
        self.frame = 0
        self.buffers = []

    def handle(self, message):
        pass

    def render_into(self, buffer):
        self.buffers.append(len(buffer))
        count = np.arange(self.frame, self.frame + len(buffer), dtype=np.float64)
        buffer[:] = ((count % 1000) / 1000.0)[:, None]
        self.frame += len(buffer)


def minutes_of_notes(minutes: float) -> Melody:
    return Melody([Note(60 + i % 12, i * 2, 2) for i in range(round(minutes * 60 * 4))],
                  tempo=120.0)


def test_blocks_are_bounded_and_follow_each_other():
    events = melody_events(minutes_of_notes(1), 0)
    written = []
    steps = stream_render(events, CountingSynth(), lambda block: written.append(block.copy()))
    fractions = list(steps)
    assert fractions[-1] == 1.0
    assert max(len(block) for block in written) <= BLOCK_FRAMES
    samples = np.concatenate(written)
    # Up to the last event every frame came straight from the synthesizer, in order.
    last = frames_at_most(events, 44100, 0) - round(TAIL_PADDING * 44100)
    expected = (np.arange(last) % 1000) / 1000.0
    assert np.array_equal(samples[:last - 2205, 0], expected[:last - 2205].astype(np.float32))


def test_memory_does_not_grow_with_the_piece():
    # Ten minutes of stereo float32 is 200 MB; streaming keeps a block and the tail.
    events = melody_events(minutes_of_notes(10), 0)
    frames = []
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        total = yield_all(stream_render(events, CountingSynth(), lambda b: frames.append(len(b))))
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert total == sum(frames) > 10 * 60 * 44100
    assert peak < 8 * 1024 * 1024  # a whole rendering would be 200 MB


def yield_all(steps):
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value


@pytest.mark.synth
def test_streamed_blocks_are_the_rendering_at_once():
    melody = Melody([Note(60, 0, 4), Note(64, 6, 2), Note(67, 9, 8)], tempo=100.0)
    events = melody_events(melody, 24)
    written = []
    total = yield_all(stream_render(events, SoundFontSynth(), lambda b: written.append(b.copy())))
    at_once = yield_all(iter_render(events, SoundFontSynth()))
    assert total == len(at_once.samples) and max(map(len, written)) <= BLOCK_FRAMES
    assert np.array_equal(np.concatenate(written), at_once.samples)


def test_a_wav_written_block_by_block_equals_one_written_whole():
    rng = np.random.default_rng(3)
    samples = rng.uniform(-1, 1, size=(10_000, 2)).astype(np.float32)
    file = io.BytesIO()
    stream = AudioStream(file, ".wav", 48000)
    for start in range(0, len(samples), 777):
        stream.write(samples[start:start + 777])
    stream.finish()
    assert file.getvalue() == encode_audio(Rendering(samples, 48000), ".wav")
    with wave.open(io.BytesIO(file.getvalue())) as wav:
        assert (wav.getnframes(), wav.getframerate()) == (10_000, 48000)


def test_a_flac_written_block_by_block_reads_back():
    soundfile = pytest.importorskip("soundfile")
    samples = np.linspace(-1, 1, 20_000, dtype=np.float32).reshape(-1, 2)
    file = io.BytesIO()
    stream = AudioStream(file, ".flac", 44100)
    for start in range(0, len(samples), 1000):
        stream.write(samples[start:start + 1000])
    stream.finish()
    file.seek(0)
    data, rate = soundfile.read(file, dtype="float32")
    assert rate == 44100 and np.abs(data - samples).max() < 1e-4


def test_a_wav_longer_than_4_gb_is_refused_before_rendering_and_flac_is_not():
    hours_7 = 7 * 3600 * 44100
    with pytest.raises(ValueError, match="over 4 GB.*FLAC"):
        check_length(".wav", hours_7)
    check_length(".flac", hours_7)
    check_length(".wav", 6 * 3600 * 44100)
