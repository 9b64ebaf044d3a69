"""The SoundFont synthesizer: the shipped bank, MIDI messages, and clear errors for bad files."""

from __future__ import annotations

import numpy as np
import pytest

from segue.engine.audio.soundfont import BUILT_IN_SOUNDFONT, SoundFontError, SoundFontSynth


def sound(synth: SoundFontSynth, *messages, frames: int = 4410) -> np.ndarray:
    for message in messages:
        synth.handle(message)
    return synth.render(frames)


@pytest.mark.synth
def test_the_built_in_bank_is_general_midi_with_drums():
    synth = SoundFontSynth()
    assert synth.path == BUILT_IN_SOUNDFONT and BUILT_IN_SOUNDFONT.stat().st_size < 10_000_000
    names = [synth.preset_name(program) for program in range(128)]
    assert all(names) and names[73] == "Flute" and names[40] == "Violin"
    assert np.abs(sound(synth, [0x99, 38, 110])).max() > 0.01  # a snare on channel 10


@pytest.mark.synth
def test_note_off_and_all_sound_off_silence_the_note():
    synth = SoundFontSynth()
    assert np.abs(sound(synth, [0x90, 60, 100])).max() > 0.01
    assert not sound(synth, [0x80, 60, 64], frames=44100 * 3)[-4410:].any()  # released
    assert np.abs(sound(synth, [0x91, 64, 100])).max() > 0.01
    assert not sound(synth, [0xB1, 120, 0])[-100:].any()  # CC120: all sound off, at once


@pytest.mark.synth
def test_velocity_zero_is_a_note_off_and_junk_is_ignored():
    synth = SoundFontSynth()
    sound(synth, [0x90, 60, 100], [0x90, 60, 0], [], [0xF8], [0xE0, 0, 64])
    assert not synth.render(44100 * 3)[-4410:].any()


@pytest.mark.synth
def test_program_change_selects_the_instrument_and_a_missing_one_falls_back():
    a = sound(SoundFontSynth(), [0xC0, 73], [0x90, 69, 100])
    b = sound(SoundFontSynth(), [0xC0, 40], [0x90, 69, 100])
    assert not np.array_equal(a, b)
    standard_kit = sound(SoundFontSynth(), [0x99, 38, 110])
    no_such_kit = sound(SoundFontSynth(), [0xC9, 1], [0x99, 38, 110])  # kit 1 is not in the bank
    assert np.array_equal(no_such_kit, standard_kit)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "not an SF2/SF3 SoundFont"),
        (b"MThd\x00\x00\x00\x06", "not an SF2/SF3 SoundFont"),
        (b"RIFF\x10\x00\x00\x00sfbkLIST\x00\x00", "damaged"),
    ],
)
@pytest.mark.synth
def test_an_unreadable_soundfont_is_one_clear_error_naming_the_file(tmp_path, content, reason):
    path = tmp_path / "Mine.sf2"
    path.write_bytes(content)
    with pytest.raises(SoundFontError, match=rf"Cannot use the SoundFont 'Mine\.sf2': it is ({reason})") as caught:
        SoundFontSynth(path)
    assert caught.value.path == str(path)
    assert np.abs(sound(SoundFontSynth(), [0x90, 60, 100])).max() > 0.01  # the bank still works


def test_a_truncated_soundfont_is_refused(tmp_path):
    path = tmp_path / "cut.sf2"
    path.write_bytes(BUILT_IN_SOUNDFONT.read_bytes()[:100_000])
    with pytest.raises(SoundFontError, match="'cut.sf2'"):
        SoundFontSynth(path)


@pytest.mark.synth
def test_a_missing_file_or_a_folder_is_named(tmp_path):
    with pytest.raises(SoundFontError, match="'gone.sf2': no such file"):
        SoundFontSynth(tmp_path / "gone.sf2")
    with pytest.raises(SoundFontError, match="not a file"):
        SoundFontSynth(tmp_path)


@pytest.mark.synth
def test_rates_outside_what_devices_use_are_refused():
    with pytest.raises(ValueError, match="sample rate"):
        SoundFontSynth(rate=1000)
    assert SoundFontSynth(rate=96000).rate == 96000
