"""The built-in instrument's settings: what a buffer setting means, the volume's range, and the
instrument opened with them (fake audio streams)."""

import pytest

from segue.engine.audio.instrument import BUFFER_SIZES, InstrumentError
from segue.engine.audio.instrument_settings import InstrumentSettings, buffer_setting
from tests.fakes.audio import fake_audio
from tests.fakes.live import FakeClock


@pytest.mark.parametrize("frames", BUFFER_SIZES)
def test_an_offered_buffer_size_is_kept(frames):
    assert buffer_setting(frames) == frames


@pytest.mark.parametrize("frames", [0, 64, 257, 4096, -1, None, "512"])
def test_anything_else_means_the_devices_own_size(frames):
    assert buffer_setting(frames) == 0


def test_the_volume_is_kept_within_0_and_1():
    settings = InstrumentSettings(fake_audio()[0])
    assert settings.set_volume(1.5) == 1.0 and settings.volume == 1.0
    assert settings.set_volume(-0.5) == 0.0
    assert settings.set_volume(0.3) == 0.3


def test_the_instrument_opens_with_the_settings_on_the_players_clock():
    audio, streams = fake_audio()
    clock = FakeClock()
    settings = InstrumentSettings(audio, clock=clock)
    settings.set_buffer_frames(1024)
    settings.set_volume(0.5)
    instrument, warning = settings.open()
    try:
        assert warning == ""
        assert instrument.buffer_frames == 1024 and streams[0].settings["blocksize"] == 1024
        assert instrument.volume == 0.5 and instrument.clock is clock
    finally:
        instrument.close()
    instrument, _ = settings.open(256)  # another size tried first; the setting stays
    instrument.close()
    assert streams[1].settings["blocksize"] == 256 and settings.buffer_frames == 1024


def test_where_nothing_can_sound_the_reason_is_kept_and_opening_fails():
    settings = InstrumentSettings(fake_audio(available=False)[0])
    ok, reason = settings.available()
    assert not ok and "no audio output device" in reason
    with pytest.raises(InstrumentError, match="no audio output device"):
        settings.open()
