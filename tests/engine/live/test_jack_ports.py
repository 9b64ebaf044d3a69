"""Real MIDI ports: a private JACK server (dummy backend) and python-rtmidi's JACK API.

Segue's output -> a test input port, a test output port -> Segue's input. Skipped when jackd is
not installed (CI installs Debian's jackd2).
"""

import itertools
import threading
import time

import pytest

from segue.engine.live.endpoints import PortInfo
from segue.engine.live.messages import control_change, note_off, note_on
from segue.engine.live.midi_input import Recorder, open_input
from segue.engine.live.output import open_output
from segue.engine.live.player import Player
from segue.engine.live.ports import MidiSystem, _close_keeping_callback
from segue.engine.melody import Melody, Note
from tests.jack import JackServer, jack_test_marks

rtmidi = pytest.importorskip("rtmidi")

pytestmark = jack_test_marks(rtmidi)

MELODY = Melody([Note(60, 0, 2), Note(62, 2, 1, 90), Note(64, 4, 2), Note(65, 6, 2)], tempo=300)
RELEASE = [control_change(0, 64, 0), control_change(0, 123, 0)]


@pytest.fixture(scope="module")
def jack():
    with JackServer(period=256) as server:
        yield server


@pytest.fixture
def midi(jack):
    system = MidiSystem(path_exists=lambda path: False)  # JACK only, even where ALSA exists
    yield system
    system.close()


_client_numbers = itertools.count(1)
# rtmidi objects of the test clients live as long as the module, for the reasons in
# engine.live.ports: freeing one (or its callback) while JACK's thread uses it can crash.
_KEEP = []


class Receiver:
    """A test client with a JACK MIDI input port that keeps what arrives."""

    def __init__(self):
        # A fresh client name each time: JACK renames a client whose name is still taken.
        client = f"SegueTestReceiver{next(_client_numbers)}"
        self.messages = []
        self.port = rtmidi.MidiIn(rtmidi.API_UNIX_JACK, client)
        _KEEP.append(self.port)
        messages = self.messages
        self.port.set_callback(lambda event, data: messages.append(event[0]))
        self.name = f"{client}:in"

    def offer(self):
        self.port.open_virtual_port("in")
        return self

    def connect_to(self, port_name):
        names = self.port.get_ports()
        self.port.open_port(names.index(port_name), "in")
        return self

    def close(self):
        _close_keeping_callback(self.port)

    def notes(self):
        return [m for m in self.messages if m[0] & 0xF0 in (0x80, 0x90)]


def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def play_and_wait(player, melody):
    finished = threading.Event()
    player.on_finished = finished.set
    player.play(melody)
    assert finished.wait(10)


def test_jack_counts_as_a_midi_system(midi):
    assert midi.available() == (True, "")
    assert "JACK" in midi.working_apis()


def test_a_melody_arrives_as_the_exact_note_messages(midi):
    receiver = Receiver().offer()
    try:
        port = PortInfo(receiver.name, "JACK")
        assert port in midi.output_ports()
        player = Player(open_output(port, system=midi))
        play_and_wait(player, MELODY)
        expected = [
            note_on(0, 60, 100),
            note_off(0, 60),
            note_on(0, 62, 90),
            note_off(0, 62),
            note_on(0, 64, 100),
            note_off(0, 64),
            note_on(0, 65, 100),
            note_off(0, 65),
            *RELEASE,
        ]
        assert wait_for(lambda: len(receiver.messages) >= len(expected))
        assert receiver.messages == expected
        player.close()
    finally:
        receiver.close()


def test_stop_in_mid_note_leaves_no_note_without_its_note_off(midi):
    receiver = Receiver().offer()
    try:
        player = Player(open_output(PortInfo(receiver.name, "JACK"), system=midi))
        # 32 s a note: the stop comes in the first one however slow the machine is.
        player.play(Melody([Note(60, 0, 64), Note(67, 64, 16)], tempo=30))
        assert wait_for(lambda: receiver.notes())
        player.stop()
        assert wait_for(lambda: receiver.messages[-1:] == [RELEASE[1]])
        assert receiver.messages == [note_on(0, 60, 100), note_off(0, 60), *RELEASE]
        player.close()
    finally:
        receiver.close()


def test_a_daw_records_the_virtual_segue_output(midi):
    output = open_output(virtual=True, system=midi)
    receiver = Receiver()
    try:
        segue_ports = [name for name in receiver.port.get_ports() if name.endswith(":Segue")]
        assert segue_ports, receiver.port.get_ports()
        receiver.connect_to(segue_ports[0])
        player = Player(output)
        play_and_wait(player, Melody([Note(72, 0, 1), Note(74, 1, 1)], tempo=300))
        assert wait_for(lambda: len(receiver.notes()) == 4)
        assert receiver.notes() == [
            note_on(0, 72, 100),
            note_off(0, 72),
            note_on(0, 74, 100),
            note_off(0, 74),
        ]
        player.close()
    finally:
        receiver.close()


def test_recording_from_a_keyboard_port_yields_the_melody(midi):
    keyboard = rtmidi.MidiOut(rtmidi.API_UNIX_JACK, "SegueTestKeys")
    _KEEP.append(keyboard)
    keyboard.open_virtual_port("out")
    template = Melody(tempo=120)
    recorder = Recorder(template)
    arrived = []
    now = [0.0]  # the arrival time the input port reads: set by the test, not by the machine

    def receive(message, when):
        arrived.append(message)
        recorder.feed(message, when)

    def notes_arrived():
        return len([m for m in arrived if m[0] & 0xF0 in (0x80, 0x90)])

    port = open_input(
        PortInfo("SegueTestKeys:out", "JACK"), receive, system=midi, clock=lambda: now[0]
    )
    try:
        # JACK connects in its own time: send a controller (the recorder ignores it) until one
        # comes through.
        assert wait_for(lambda: keyboard.send_message([0xB0, 1, 0]) or arrived)
        played = [Note(60, 0, 2, 80), Note(62, 2, 2, 90), Note(64, 4, 1, 100), Note(67, 6, 2, 110)]
        events = sorted(
            [(n.start, 1, n) for n in played] + [(n.end, 0, n) for n in played],
            key=lambda e: (e[0], e[1]),
        )
        recorder.start(at=0.0)
        for count, (step, is_on, note) in enumerate(events, 1):
            now[0] = step * template.seconds_per_step
            message = [0x90, note.pitch, note.velocity] if is_on else [0x80, note.pitch, 0]
            keyboard.send_message(message)
            assert wait_for(lambda count=count: notes_arrived() == count)
        assert recorder.stop() == template.with_notes(played)
    finally:
        port.close()
        keyboard.close_port()


def test_a_receiver_that_vanishes_stops_playback_with_one_message(midi):
    receiver = Receiver().offer()
    player = Player(open_output(PortInfo(receiver.name, "JACK"), system=midi))
    errors = []
    player.on_error = errors.append
    player.play(Melody([Note(60, 0, 64)], tempo=120))
    assert wait_for(lambda: receiver.notes())
    receiver.close()
    assert wait_for(lambda: PortInfo(receiver.name, "JACK") not in midi.output_ports())
    assert player.check_output(midi.output_ports()) is False
    assert player.state == "stopped"
    assert player.check_output(midi.output_ports()) is True  # no output left to lose
    assert errors == [f"MIDI output '{receiver.name}' disappeared (was it unplugged?)."]
    player.close()
