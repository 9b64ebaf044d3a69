"""The built-in instrument as the app opens it, on a real audio device: the transport's bridge
with the real AudioSystem, over PortAudio's JACK host API (a private dummy JACK server, no sound
card). The instrument plays in its own process; a capture client in a third hears it. Skipped
when jackd is not installed."""

import pytest

from segue.engine.audio.host import InstrumentHost
from segue.engine.audio.instrument import BUILT_IN_PORT
from segue.engine.live.player import STOPPED
from segue.engine.melody import Melody, Note
from segue.gui import settings as prefs
from segue.gui.live.playback import PlaybackBridge
from segue.gui.live.transport import Transport
from tests.fakes.live import FakeRtmidi, fake_system
from tests.jack import JackServer, jackd_path

pytestmark = [
    pytest.mark.jack,
    pytest.mark.synth,  # the instrument plays the built-in bank
    pytest.mark.slow,
    pytest.mark.skipif(jackd_path() is None, reason="jackd (Debian's jackd2) is not installed"),
]
RATE = 48000
CLAVINET = 7  # sounds at once, silent 10 ms after its end: one onset per note
MELODY = Melody([Note(60, 0, 1), Note(67, 4, 1), Note(64, 6, 1)], tempo=120.0, steps_per_quarter=4)


@pytest.fixture
def jack_device():
    sounddevice = pytest.importorskip("sounddevice")
    from tests.engine.audio.jack_capture import select_jack_output

    with JackServer(period=256, rate=RATE) as server:
        sounddevice._terminate()  # PortAudio lists JACK only if the server was up when it began
        sounddevice._initialize()
        try:
            select_jack_output()
            yield server
        finally:
            sounddevice.default.reset()
            sounddevice._terminate()  # leave JACK before the server stops (PortAudio asserts)
    sounddevice._initialize()  # as the rest of the tests found it: no JACK


def test_the_transport_plays_through_the_instrument_in_its_own_process(qtbot, tmp_path,
                                                                      jack_device):
    from tests.engine.audio.jack_capture import Capture

    prefs.use_private_store(str(tmp_path / "settings"))
    capture = Capture(jack_device.name)
    bridge = PlaybackBridge(fake_system(FakeRtmidi(outputs=[])), port_poll_ms=0)  # real audio
    output = None
    try:
        transport = Transport(bridge, melody_source=lambda: MELODY)
        qtbot.addWidget(transport)
        assert bridge.output_port == BUILT_IN_PORT  # chosen on a first start
        output = bridge.player.output
        assert isinstance(output, InstrumentHost) and output._process.poll() is None
        capture.connect()
        bridge.set_program(CLAVINET)
        assert bridge.play(MELODY)
        scheduled = [bridge.player.time_of(note.start) for note in MELODY.notes]
        qtbot.waitUntil(lambda: bridge.state == STOPPED, timeout=10000)
        bridge.close()  # closes the instrument: its process ends, the release has rung
        qtbot.waitUntil(lambda: output._process.poll() is not None, timeout=10000)
        recording = capture.stop()
    finally:
        capture.close()
        bridge.close()
        if output is not None and output._process.poll() is None:
            output._process.kill()
    assert output._process.returncode == 0
    heard = recording.onsets()
    assert len(heard) == len(scheduled), (heard, scheduled)
    tolerance = 2 * recording.period / RATE  # one JACK period + the device's own block (256)
    usual, off = recording.timing(scheduled, tolerance)  # as test_jack_audio: the rhythm kept
    assert off == [], (usual, off)
    assert usual >= 0  # never before its time; how late is bench/audio_latency.py's figure
