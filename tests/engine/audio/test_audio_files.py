"""Audio files: WAV (and FLAC) round-trip the rendering; a failed write keeps the old file."""

from __future__ import annotations

import errno
import wave

import numpy as np
import pytest

import segue.engine.files
from segue.engine.audio.audio_files import (
    AudioExportError,
    audio_formats,
    encode_audio,
    to_pcm16,
    write_audio,
)
from segue.engine.audio.rendering import Rendering, render_melody
from segue.engine.melody import Melody, Note


@pytest.fixture(scope="module")
def rendering():
    return render_melody(Melody([Note(60, 0, 2), Note(67, 2, 2)]), program=24, rate=48000)


@pytest.mark.synth
def test_wav_round_trips_as_16_bit_stereo(tmp_path, rendering):
    path = tmp_path / "tune.wav"
    write_audio(path, rendering)
    with wave.open(str(path), "rb") as file:
        assert (file.getnchannels(), file.getsampwidth(), file.getframerate()) == (2, 2, 48000)
        frames = np.frombuffer(file.readframes(file.getnframes()), dtype="<i2").reshape(-1, 2)
    assert np.array_equal(frames, to_pcm16(rendering.samples))
    assert np.abs(frames / 32767.0 - rendering.samples).max() <= 0.5 / 32767 + 1e-7


def test_pcm_clips_instead_of_wrapping_around():
    assert to_pcm16(np.array([[1.5, -1.5], [0.5, -0.5]])).tolist() == [
        [32767, -32767], [16384, -16384],
    ]


@pytest.mark.synth
def test_flac_round_trips_when_soundfile_is_installed(tmp_path, rendering):
    soundfile = pytest.importorskip("soundfile")
    assert ".flac" in audio_formats()
    path = tmp_path / "tune.FLAC"
    write_audio(path, rendering)
    data, rate = soundfile.read(str(path), dtype="int16")
    assert rate == 48000 and np.array_equal(data, to_pcm16(rendering.samples))


@pytest.mark.synth
def test_an_unknown_suffix_is_refused_naming_the_file(tmp_path, rendering):
    with pytest.raises(AudioExportError, match=r"Cannot write 'tune\.mp3'.*\.wav"):
        write_audio(tmp_path / "tune.mp3", rendering)
    with pytest.raises(ValueError):
        encode_audio(rendering, "")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.synth
def test_a_failed_write_keeps_the_previous_file(tmp_path, rendering, monkeypatch):
    path = tmp_path / "tune.wav"
    path.write_bytes(b"the take the user had")

    def disk_full(descriptor):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(segue.engine.files.os, "fsync", disk_full)
    with pytest.raises(AudioExportError, match="'tune.wav': disk is full") as caught:
        write_audio(path, rendering)
    assert caught.value.path == str(path)
    assert path.read_bytes() == b"the take the user had"
    assert [p.name for p in tmp_path.iterdir()] == ["tune.wav"]  # no temporary file left


@pytest.mark.synth
def test_a_missing_folder_or_a_folder_in_the_way_is_named(tmp_path, rendering):
    with pytest.raises(AudioExportError, match="folder does not exist"):
        write_audio(tmp_path / "missing" / "tune.wav", rendering)
    (tmp_path / "taken.wav").mkdir()
    with pytest.raises(AudioExportError, match="a folder of that name exists"):
        write_audio(tmp_path / "taken.wav", rendering)


def test_an_empty_rendering_is_a_valid_file(tmp_path):
    path = tmp_path / "empty.wav"
    write_audio(path, Rendering(np.zeros((0, 2), dtype=np.float32), 44100))
    with wave.open(str(path), "rb") as file:
        assert file.getnframes() == 0
