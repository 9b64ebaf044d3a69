"""Rendering to a file in a child process: the file is the rendering, streamed; a cancel or a
failure leaves the old file and nothing else; a SoundFont that crashes the child is named as
damaged, and with a fallback the built-in bank plays instead."""

from __future__ import annotations

import shutil
import sys
import wave

import numpy as np
import pytest

import segue.engine.audio.render_process as render_process
from segue.engine.audio.audio_files import AudioExportError, to_pcm16
from segue.engine.audio.render_process import render_to_file
from segue.engine.audio.rendering import melody_events, render
from segue.engine.audio.soundfont import BUILT_IN_SOUNDFONT, SoundFontError, SoundFontSynth
from segue.engine.melody import Melody, Note
from tests.engine.audio.soundfont_mutants import CRASHING_SEEDS, write_mutant

TUNE = Melody([Note(69, 0, 2), Note(72, 2, 2), Note(76, 4, 4)], tempo=150)
FLUTE = 73


def run(steps):
    """Drain a render_to_file generator: (progress values, its result)."""
    values = []
    while True:
        try:
            values.append(next(steps))
        except StopIteration as done:
            return values, done.value


def read_wav(path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as file:
        frames = np.frombuffer(file.readframes(file.getnframes()), dtype="<i2")
        return frames.reshape(-1, file.getnchannels()), file.getframerate()


@pytest.mark.synth
def test_the_file_is_the_rendering_and_nothing_else_is_left(tmp_path):
    target = tmp_path / "tune.wav"
    events = melody_events(TUNE, FLUTE)
    values, rendered = run(render_to_file(events, target, rate=48000, program=FLUTE))
    samples, rate = read_wav(target)
    expected = render(events, SoundFontSynth(rate=48000)).samples
    assert rate == 48000 and np.array_equal(samples, to_pcm16(expected))
    assert rendered.frames == len(expected) and rendered.preset == "Flute"
    assert rendered.soundfont == BUILT_IN_SOUNDFONT and rendered.warning == ""
    assert values[-1] == 1.0
    assert [p.name for p in tmp_path.iterdir()] == ["tune.wav"]


@pytest.mark.synth
def test_a_users_soundfont_plays_in_the_child(tmp_path):
    owned = tmp_path / "Mine.sf2"
    shutil.copy(BUILT_IN_SOUNDFONT, owned)
    _, rendered = run(render_to_file(melody_events(TUNE), tmp_path / "t.wav", owned))
    assert rendered.soundfont == owned and rendered.preset


@pytest.mark.synth
def test_a_cancel_kills_the_child_and_keeps_the_old_file(tmp_path):
    target = tmp_path / "long.wav"
    target.write_bytes(b"yesterday's take")
    long_piece = Melody([Note(60 + i % 12, i * 2, 2) for i in range(2400)], tempo=120.0)  # 5 min
    steps = render_to_file(melody_events(long_piece), target)
    while next(steps) is None:  # until the child reports its first second of sound
        pass
    steps.close()  # what the worker does on Cancel
    assert target.read_bytes() == b"yesterday's take"
    assert [p.name for p in tmp_path.iterdir()] == ["long.wav"]  # no temporary file


@pytest.mark.synth
def test_a_soundfont_that_crashes_the_synthesizer_is_named_and_the_file_kept(tmp_path):
    damaged = write_mutant(tmp_path, CRASHING_SEEDS[0])
    target = tmp_path / "tune.wav"
    target.write_bytes(b"old")
    with pytest.raises(SoundFontError) as caught:
        run(render_to_file(melody_events(TUNE), target, damaged))
    assert str(caught.value) == f"Cannot use the SoundFont '{damaged.name}': it is damaged."
    assert target.read_bytes() == b"old" and len(list(tmp_path.iterdir())) == 2


@pytest.mark.synth
def test_with_a_fallback_the_built_in_bank_plays_and_the_soundfont_is_named(tmp_path):
    damaged = write_mutant(tmp_path, CRASHING_SEEDS[0])
    target = tmp_path / "tune.wav"
    _, rendered = run(render_to_file(melody_events(TUNE), target, damaged, fallback=True))
    assert rendered.soundfont == BUILT_IN_SOUNDFONT
    assert rendered.warning == (f"Cannot use the SoundFont '{damaged.name}': it is damaged. "
                                "The built-in bank played instead.")
    assert read_wav(target)[0].any()


def crashing_child(monkeypatch, after_loading: bool):
    """The child replaced by one that dies of SIGSEGV, before or after saying it loaded."""
    said = "print('{\"loaded\": true}', flush=True); " if after_loading else ""
    script = f"import os, signal, sys; sys.stdin.read(); {said}os.kill(os.getpid(), signal.SIGSEGV)"
    monkeypatch.setattr(render_process, "child_command",
                        lambda module, *args: [sys.executable, "-c", script])


@pytest.mark.parametrize(("after_loading", "reason"), [
    (False, "it is damaged"), (True, "it is damaged (playing it failed)"),
])
def test_a_child_that_dies_is_the_soundfonts_fault(tmp_path, monkeypatch, after_loading, reason):
    crashing_child(monkeypatch, after_loading)
    target = tmp_path / "tune.wav"
    with pytest.raises(SoundFontError) as caught:
        run(render_to_file(melody_events(TUNE), target, tmp_path / "Mine.sf2"))
    assert caught.value.reason == reason
    assert list(tmp_path.iterdir()) == []


def test_a_child_that_dies_playing_the_built_in_bank_is_a_bug_not_the_users_file(
        tmp_path, monkeypatch):
    crashing_child(monkeypatch, after_loading=True)
    with pytest.raises(RuntimeError, match="stopped unexpectedly.*SIGSEGV"):
        run(render_to_file(melody_events(TUNE), tmp_path / "tune.wav"))


def test_a_wav_too_long_for_its_format_is_refused_before_any_work(tmp_path, monkeypatch):
    crashing_child(monkeypatch, after_loading=False)  # never started
    seven_hours = [(0.0, [0x90, 60, 100]), (7 * 3600.0, [0x80, 60, 0])]
    with pytest.raises(AudioExportError, match="'long.wav': the sound is over 4 GB"):
        run(render_to_file(seven_hours, tmp_path / "long.wav"))
    with pytest.raises(AudioExportError, match="'tune.mp3'"):
        run(render_to_file(seven_hours, tmp_path / "tune.mp3"))
    with pytest.raises(ValueError, match="negative"):
        run(render_to_file([(-1.0, [0x90, 60, 100])], tmp_path / "tune.wav"))


def test_a_write_the_child_could_not_finish_is_named_and_the_old_file_stays(tmp_path, monkeypatch):
    # The child's answer when its disk fills up half way (the real child words it with
    # engine.files.write_reason); it has left half a temporary file behind.
    def child_command(module, *args):
        script = ("import json, sys; request = json.loads(sys.stdin.read()); "
                  "open(request['temporary'], 'wb').write(b'half a file'); "
                  "print(json.dumps({'error': {'kind': 'write', 'reason': 'disk is full'}}))")
        return [sys.executable, "-c", script]

    monkeypatch.setattr(render_process, "child_command", child_command)
    target = tmp_path / "tune.wav"
    target.write_bytes(b"old")
    with pytest.raises(AudioExportError, match=r"^Cannot write 'tune\.wav': disk is full\.$"):
        run(render_to_file(melody_events(TUNE), target))
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["tune.wav"]


def test_a_renderer_that_fails_without_crashing_is_a_bug_not_a_damaged_file(tmp_path, monkeypatch):
    broken = "import sys; sys.stdin.read(); sys.exit('ImportError: numpy')"
    monkeypatch.setattr(render_process, "child_command",
                        lambda module, *args: [sys.executable, "-c", broken])
    with pytest.raises(RuntimeError, match=r"stopped unexpectedly \(exit status 1\): ImportError"):
        run(render_to_file(melody_events(TUNE), tmp_path / "t.wav", tmp_path / "Mine.sf2"))


@pytest.mark.synth
def test_flac_streams_too(tmp_path):
    soundfile = pytest.importorskip("soundfile")
    events = melody_events(TUNE, FLUTE)
    run(render_to_file(events, tmp_path / "tune.flac", rate=44100))
    data, rate = soundfile.read(str(tmp_path / "tune.flac"), dtype="int16")
    assert rate == 44100 and np.array_equal(data, to_pcm16(render(events, SoundFontSynth()).samples))
