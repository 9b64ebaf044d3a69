"""``segue-cli render``: the melody import would choose, rendered as the engine renders it."""

from __future__ import annotations

import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from segue.engine.audio.audio_files import to_pcm16
from segue.engine.audio.rendering import render_melody
from segue.engine.cli import main
from segue.engine.midi_io import read_midi
from tests.engine.audio.soundfont_mutants import CRASHING_SEEDS, write_mutant

MIDI = Path(__file__).resolve().parents[2] / "data" / "midi" / "daw_type1.mid"


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as file:
        frames = np.frombuffer(file.readframes(file.getnframes()), dtype="<i2")
        return frames.reshape(-1, file.getnchannels()), file.getframerate()


@pytest.mark.synth
def test_render_writes_the_imported_melody_with_the_program_and_rate(tmp_path, capsys):
    out = tmp_path / "tune.wav"
    assert main(["render", str(MIDI), str(out), "--program", "73", "--rate", "48000",
                 "--no-chords"]) == 0  # its chord part would be accompanied (tested below)
    samples, rate = read_wav(out)
    expected = render_melody(read_midi(MIDI), program=73, rate=48000).samples
    assert rate == 48000 and np.array_equal(samples, to_pcm16(expected))
    assert "Flute" in capsys.readouterr().out


@pytest.mark.synth
def test_the_tempo_option_changes_the_length(tmp_path):
    melody = read_midi(MIDI)
    main(["render", str(MIDI), str(tmp_path / "a.wav")])
    main(["render", str(MIDI), str(tmp_path / "b.wav"), "--tempo", str(melody.tempo * 2)])
    normal, slow = (read_wav(tmp_path / name)[0] for name in ("a.wav", "b.wav"))
    assert len(slow) < len(normal)


def test_a_bad_soundfont_is_one_line_naming_it_and_nothing_is_written(tmp_path, capsys):
    bad = tmp_path / "broken.sf2"
    bad.write_bytes(b"not a soundfont")
    out = tmp_path / "tune.wav"
    assert main(["render", str(MIDI), str(out), "--soundfont", str(bad)]) == 1
    error = capsys.readouterr().err
    assert error.startswith("segue-cli: error: Cannot use the SoundFont 'broken.sf2'")
    assert len(error.strip().splitlines()) == 1 and not out.exists()


@pytest.mark.synth
def test_a_soundfont_that_crashes_the_synthesizer_is_one_line_and_exit_status_1(tmp_path):
    damaged = write_mutant(tmp_path, CRASHING_SEEDS[0])  # parsed in this process, it kills it
    out = tmp_path / "tune.wav"
    out.write_bytes(b"the take from yesterday")
    done = subprocess.run(
        [sys.executable, "-m", "segue.engine.cli", "render", str(MIDI), str(out),
         "--soundfont", str(damaged)], capture_output=True, text=True, check=False,
    )
    assert done.returncode == 1
    message = f"Cannot use the SoundFont '{damaged.name}': it is damaged."
    assert done.stderr == f"segue-cli: error: {message}\n"  # one line, no traceback or log
    assert out.read_bytes() == b"the take from yesterday" and len(list(tmp_path.iterdir())) == 2


def test_an_unknown_format_is_refused_before_any_work(tmp_path, capsys):
    assert main(["render", str(tmp_path / "missing.mid"), str(tmp_path / "tune.ogg")]) == 1
    assert "Cannot write 'tune.ogg'" in capsys.readouterr().err


# --- the accompaniment ------------------------------------------------------------------------


def _with_chords(tmp_path) -> Path:
    from segue.engine.chords import Chord
    from segue.engine.melody import Melody, Note
    from segue.engine.midi_io.writing import write_midi

    path = tmp_path / "chords.mid"
    melody = Melody([Note(72, 0, 8), Note(76, 8, 8)], tempo=120)
    write_midi(melody, path, chords=(Chord(0, 16, "C"),))
    return path


def test_render_events_carry_the_accompaniment_on_its_channel_with_its_program():
    from segue.engine.accompaniment import AccompanimentSettings, accompaniment_part
    from segue.engine.audio.rendering import melody_events
    from segue.engine.chords import Chord
    from segue.engine.melody import Melody, Note

    melody = Melody([Note(72, 0, 8)], tempo=120)  # a step is 0.125 s
    part = accompaniment_part((Chord(0, 8, "C"),), melody, AccompanimentSettings(program=24))
    events = melody_events(melody, 0, accompaniment=part)
    assert events[:2] == [(0.0, [0xC0, 0]), (0.0, [0xC1, 24])]
    backing = [(t, m) for t, m in events if m[0] in (0x91, 0x81)]
    assert backing[0] == (0.0, [0x91, 36, 80])  # boom-chick: the bass on beat 1
    assert (0.5, [0x81, 36, 64]) in backing and (0.5, [0x91, 60, 80]) in backing
    assert melody_events(melody, 0) == [e for e in events if e[1][0] & 0x0F == 0]


@pytest.mark.synth
def test_render_plays_the_files_chords_unless_told_not_to(tmp_path, capsys):
    midi = _with_chords(tmp_path)
    with_chords, alone = tmp_path / "with.wav", tmp_path / "alone.wav"
    assert main(["render", str(midi), str(with_chords)]) == 0
    assert "1 chord accompanied" in capsys.readouterr().out
    assert main(["render", str(midi), str(alone), "--no-chords"]) == 0
    assert "accompanied" not in capsys.readouterr().out
    backed, melody_only = read_wav(with_chords)[0], read_wav(alone)[0]
    expected = render_melody(read_midi(midi)).samples
    assert np.array_equal(melody_only, to_pcm16(expected))
    assert not np.array_equal(backed[:len(melody_only)], melody_only)
