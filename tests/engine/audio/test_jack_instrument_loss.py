"""The built-in instrument when its JACK server goes away, in a Segue of its own: a child
process running the app's real objects (the transport's PlaybackBridge, the real MIDI system
and AudioSystem, the instrument in its own audio process), so that an abort or a crash at quit
shows as the child's exit status. A private JACK server (dummy backend) is killed under the
instrument with SIGKILL, as a crash would; the app says the instrument stopped and quits with
status 0; once a server of that name is back, Refresh reopens the instrument and a capture
client hears it play. Skipped when jackd is not installed."""

from __future__ import annotations

import json
import select
import subprocess
import sys
from pathlib import Path

import pytest

from tests.jack import JackServer, jackd_path

ROOT = Path(__file__).resolve().parents[3]

pytestmark = [
    pytest.mark.jack,
    pytest.mark.synth,  # the instrument plays the built-in bank
    pytest.mark.slow,
    pytest.mark.skipif(jackd_path() is None, reason="jackd (Debian's jackd2) is not installed"),
]

# Commands on stdin, one JSON line of state on stdout after each: "lost" (poll until the
# instrument is no longer the output), "refresh" (Refresh, then poll until it is again), "play"
# (three notes, to the end), "quit" (close as the app does at quit, then exit normally).
SEGUE = r"""
import json, sys
from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer
from segue.engine.audio.instrument import BUILT_IN_PORT
from segue.engine.audio.system import AudioSystem
from segue.engine.live.player import STOPPED
from segue.engine.live.ports import default_system
from segue.engine.melody import Melody, Note
from segue.gui.live.playback import PlaybackBridge

app = QCoreApplication([])
messages = []
bridge = PlaybackBridge(default_system(), port_poll_ms=50,
                        audio=AudioSystem(device="system JACK"))  # PortAudio's JACK output
bridge.error.connect(messages.append)
bridge.midi_system_lost.connect(messages.append)
bridge.ports.instrument.look_every = 0.2


def say(**more):
    port = bridge.output_port
    print(json.dumps({"messages": messages, "output": port.name if port else None,
                      "portaudio_here": "sounddevice" in sys.modules, **more}), flush=True)


def poll_until(done, seconds=30.0):
    # The event loop runs, the bridge polling on its own timer, until an output change or a
    # message makes done() true (or the seconds pass): woken by events, not a sleep.
    loop = QEventLoop()

    def check(*_):
        if done():
            loop.quit()

    signals = (bridge.output_changed, bridge.error, bridge.midi_system_lost)
    for signal in signals:
        signal.connect(check)
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    if not done():
        loop.exec()
    for signal in signals:
        signal.disconnect(check)
    return done()


opened = bridge.open_output(BUILT_IN_PORT)
hosts = [bridge.player.output]  # every audio process Segue started
say(opened=opened, available=bridge.audio_available())
for line in sys.stdin:
    command = line.strip()
    if command == "lost":
        say(done=poll_until(lambda: bridge.output_port is None))
    elif command == "refresh":
        bridge.refresh_ports(probe=True)
        say(done=poll_until(lambda: bridge.output_port == BUILT_IN_PORT))
        hosts.append(bridge.player.output)
    elif command == "play":
        bridge.set_program(7)  # clavinet: sounds at once, stops within 10 ms
        melody = Melody([Note(60, 0, 1), Note(67, 4, 1), Note(64, 6, 1)], tempo=120.0,
                        steps_per_quarter=4)
        played = bridge.play(melody)
        bridge.player.wait(10)
        bridge.player.output.report()  # every message has reached the audio process
        app.processEvents()
        say(done=played and bridge.state == STOPPED)
    elif command == "quit":
        bridge.close()
        say(done=True, audio_processes=[host._process.wait(10) for host in hosts if host])
        break
"""


ANSWER_SECONDS = 90  # each command polls for at most 30 s


class SegueHung(AssertionError):
    """Segue's process stopped answering (once a GIL deadlock after the server died, from a
    ctypes callback on libjack's thread: engine/live/jack_watch.py now runs no Python there)."""


class Segue:
    def __init__(self):
        self.process = subprocess.Popen(
            [sys.executable, "-c", SEGUE], cwd=ROOT, text=True, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.state = self._read()

    def _read(self) -> dict:
        # A hang fails the test in minutes rather than stalling the suite: under heavy load
        # Segue's process was once seen deadlocked on the GIL after the server died.
        ready, _, _ = select.select([self.process.stdout], [], [], ANSWER_SECONDS)
        if not ready:
            self.process.kill()
            raise SegueHung(f"Segue did not answer within {ANSWER_SECONDS} s")
        line = self.process.stdout.readline()
        if not line:
            self.process.wait(30)
            raise AssertionError(f"Segue ended ({self.process.returncode}): "
                                 f"{self.process.stderr.read()[-3000:]}")
        return json.loads(line)

    def ask(self, command: str) -> dict:
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        self.state = self._read()
        return self.state

    def quit(self) -> int:
        state = self.ask("quit")
        self.process.stdin.close()
        self.process.wait(60)
        assert state["audio_processes"] == [0] * len(state["audio_processes"])  # ended cleanly
        return self.process.returncode

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def stopped_message(messages: list[str]) -> bool:
    return any(message.startswith("The built-in instrument stopped working") for message in
               messages)


def test_a_jack_server_killed_under_the_instrument_is_said_and_segue_quits_cleanly():
    with JackServer() as server:
        segue = Segue()
        try:
            assert segue.state["opened"], segue.state
            assert segue.state["output"] == "Built-in instrument"
            server.kill()
            state = segue.ask("lost")
            assert state["done"] and stopped_message(state["messages"]), state
            assert not state["portaudio_here"]  # only the audio processes ever loaded PortAudio
            status = segue.quit()
            err = segue.process.stderr.read()
        finally:
            segue.kill()
    assert status == 0, err[-3000:]


def test_after_the_server_restarts_refresh_brings_the_instrument_back_and_it_plays():
    from tests.engine.audio.jack_capture import Capture

    with JackServer() as server:
        segue = Segue()
        capture = None
        try:
            assert segue.state["opened"], segue.state
            server.kill()
            assert segue.ask("lost")["done"]
            server.start()  # a new server under the same name
            capture = Capture(server.name)
            state = segue.ask("refresh")
            assert state["done"], state
            assert state["messages"][-1] == ("The built-in instrument plays again (its audio "
                                             "device is back).")
            capture.connect()
            assert segue.ask("play")["done"]
            recording = capture.stop()
            status = segue.quit()
            err = segue.process.stderr.read()
        finally:
            if capture is not None:
                capture.close()
            segue.kill()
    assert status == 0, err[-3000:]
    assert len(recording.onsets()) == 3
