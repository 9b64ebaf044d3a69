"""A real JACK server killed mid-note (SIGKILL, as a crash would): the MIDI system hears of it
at once, playback stops with one message, nothing of the dead server is touched (closing its
clients crashed the process), and a new server is found again by a probe.

The scenario runs in a child process, so that a crash fails this test instead of killing pytest.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.jack import JackServer, jack_test_marks

rtmidi = pytest.importorskip("rtmidi")

pytestmark = jack_test_marks(rtmidi)

ROOT = Path(__file__).resolve().parents[3]


def scenario() -> None:
    """The child: prints one line per checked step; any failure is an exception (exit 1), a
    crash a signal."""
    import threading

    from segue.engine.live.endpoints import PortError, PortInfo
    from segue.engine.live.output import open_output
    from segue.engine.live.player import Player
    from segue.engine.live.ports import MidiSystem
    from segue.engine.melody import Melody, Note
    from tests.jack import JackServer

    kept = []  # the receivers' rtmidi objects: never freed (see engine.live.ports)
    arrived = threading.Condition()  # notified from JACK's thread as each message arrives

    def receiver():
        port = rtmidi.MidiIn(rtmidi.API_UNIX_JACK, "Receiver")
        kept.append(port)
        got = []

        def take(event, _data):
            with arrived:
                got.append(event[0])
                arrived.notify_all()

        port.set_callback(take)
        port.open_virtual_port("in")
        return port, got

    def wait_for(predicate, timeout=5.0):
        """Wait for arriving messages until ``predicate()`` holds (the timeout only guards
        against hanging forever)."""
        with arrived:
            return arrived.wait_for(predicate, timeout)

    server = JackServer(name=os.environ.get("SEGUE_JACK_NAME")).start()
    try:
        port = PortInfo("Receiver:in", "JACK")
        _, got = receiver()
        midi = MidiSystem(path_exists=lambda _path: False)  # JACK only
        lost = []
        heard = threading.Event()
        midi.on_lost = lambda message: (lost.append(message), heard.set())
        player = Player(open_output(port, system=midi))
        errors = []
        player.on_error = errors.append
        player.play(Melody([Note(60, 0, 64)], tempo=30))  # 32 s: killed in mid-note
        assert wait_for(lambda: got), "the note never arrived"

        server.kill()
        assert heard.wait(5), "the JACK server's death went unnoticed"
        print("noticed:", lost)
        # What the app does then (and what Refresh does): probe, list, check the output.
        assert midi.probe()["JACK"] is not None
        assert midi.output_ports() == [] and midi.gone() == ["JACK"]
        assert player.check_output(midi.output_ports()) is False
        assert player.state == "stopped", player.state
        print("error:", errors)
        try:
            open_output(port, system=midi)
        except PortError as exc:
            print("reopen refused:", exc)
        else:
            raise AssertionError("an output opened with no JACK server")
        player.close()

        server.start()  # a new server under the same name
        receiver_now, got = receiver()
        assert midi.probe()["JACK"] is None and midi.gone() == []
        assert port in midi.output_ports()
        output = open_output(port, system=midi)
        assert midi.connected(output) is True
        output.send([0x90, 62, 100])
        assert wait_for(lambda: got == [[0x90, 62, 100]]), got
        print("reconnected")
        receiver_now.delete()  # the receiver restarts under the same name
        receiver()
        assert port in midi.output_ports()  # a JACK port is listed once registered
        assert midi.connected(output) is False
        output.close()
        print("stale connection seen")
    finally:
        server.stop()
    print("survived")


def test_a_killed_jack_server_stops_playback_and_a_new_one_is_found():
    name = f"segue-test-{os.getpid()}-death"
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONFAULTHANDLER="1", SEGUE_JACK_NAME=name)
    try:
        child = subprocess.run(
            [sys.executable, __file__], cwd=ROOT, env=env, capture_output=True, text=True,
            timeout=120,
        )
    finally:
        JackServer.reclaim(name)  # a crashed child leaves its killed server's registry slot
    report = f"exit {child.returncode}\n{child.stdout}\n{child.stderr[-3000:]}"
    assert child.returncode == 0, report
    lines = child.stdout.splitlines()
    assert lines[0].startswith("noticed: ['The JACK MIDI system went away ("), report
    assert lines[1] == (
        "error: [\"MIDI output 'Receiver:in' is gone: the JACK server went away "
        "(the JACK server stopped).\"]"
    ), report
    assert lines[2].startswith("reopen refused: No MIDI system found"), report
    assert lines[3:] == ["reconnected", "stale connection seen", "survived"], report


if __name__ == "__main__":
    scenario()
