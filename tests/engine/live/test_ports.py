"""Port discovery and opening: which APIs count, clear messages, remembered names."""

import pytest

from segue.engine.live.endpoints import PortError, PortInfo, find_port, strip_alsa_numbers
from segue.engine.live.ports import INPUT, OUTPUT, MidiSystem
from tests.fakes.live import FakeRtmidi


def system(fake, **kwargs):
    kwargs.setdefault("path_exists", lambda path: True)
    kwargs.setdefault("open_jack_watch", None)  # a fake JACK has no server to watch
    return MidiSystem(fake, **kwargs)


def test_alsa_without_a_sequencer_device_is_skipped_with_a_reason():
    fake = FakeRtmidi(outputs=["Synth"], apis=("ALSA",))
    midi = system(fake, path_exists=lambda path: False)
    assert midi.probe() == {
        "ALSA": "no ALSA sequencer (/dev/snd/seq is missing; is snd-seq loaded?)"
    }
    ok, reason = midi.available()
    assert not ok
    assert "/dev/snd/seq" in reason and "export to MIDI files still works" in reason
    assert midi.output_ports() == []


def test_no_jack_server_is_explained():
    fake = FakeRtmidi(apis=("ALSA", "JACK"), failing_apis=("JACK",))
    midi = system(fake, path_exists=lambda path: False)
    ok, reason = midi.available()
    assert not ok
    assert "no JACK server is running" in reason and "ALSA" in reason


def test_libjack_noise_without_a_server_stays_off_the_terminal(capfd):
    import os

    fake = FakeRtmidi(apis=("JACK",), failing_apis=("JACK",))
    real_midi_out = fake.MidiOut

    def noisy_midi_out(api=0, name=""):
        os.write(2, b"Cannot connect to server socket err = No such file or directory\n")
        return real_midi_out(api, name)

    fake.MidiOut = noisy_midi_out
    assert system(fake).probe() == {"JACK": "no JACK server is running"}
    os.write(2, b"after the probe\n")
    assert capfd.readouterr().err == "after the probe\n"


def test_one_working_api_is_enough():
    fake = FakeRtmidi(outputs=[("Synth", "JACK")], apis=("ALSA", "JACK"))
    midi = system(fake, path_exists=lambda path: False)
    assert midi.available() == (True, "")
    assert midi.working_apis() == ["JACK"]
    assert midi.output_ports() == [PortInfo("Synth", "JACK")]


def test_without_python_rtmidi_midi_is_unavailable(monkeypatch):
    import segue.engine.live.ports as ports

    monkeypatch.setattr(ports, "_rtmidi", None)
    monkeypatch.setattr(ports, "_RTMIDI_IMPORT_ERROR", "No module named 'rtmidi'")
    ok, reason = MidiSystem().available()
    assert not ok and "python-rtmidi could not be loaded" in reason


def test_real_rtmidi_without_alsa_or_jack_reports_instead_of_raising(monkeypatch):
    monkeypatch.setenv("JACK_DEFAULT_SERVER", "segue-no-such-server")
    midi = MidiSystem(path_exists=lambda path: False, platform="linux")
    ok, reason = midi.available()
    names = [name for name, _ in midi.compiled_apis()]
    if set(names) <= {"ALSA", "JACK"}:
        assert not ok and "Playback is off" in reason
    midi.close()


def test_ports_are_listed_per_api_and_our_own_are_hidden():
    fake = FakeRtmidi(
        outputs=["Synth:in 128:0", "Segue:output", "Segue-01:Segue", ("Bass:in", "JACK")],
        inputs=["Keys:out 20:0", "Segue ports-02:x", "SegueFan:out"],
        apis=("ALSA", "JACK"),
    )
    midi = system(fake)
    assert midi.output_ports() == [PortInfo("Synth:in 128:0", "ALSA"), PortInfo("Bass:in", "JACK")]
    assert midi.input_ports() == [
        PortInfo("Keys:out 20:0", "ALSA"),
        PortInfo("SegueFan:out", "ALSA"),
    ]


def test_listing_follows_devices_coming_and_going():
    fake = FakeRtmidi(outputs=["Synth"])
    midi = system(fake)
    assert [p.name for p in midi.output_ports()] == ["Synth"]
    fake.plug("Piano")
    assert [p.name for p in midi.output_ports()] == ["Synth", "Piano"]
    fake.unplug("Synth")
    assert [p.name for p in midi.output_ports()] == ["Piano"]


def test_remembered_alsa_names_match_across_client_numbers():
    assert strip_alsa_numbers("Keystation:Keystation MIDI 1 24:0") == "Keystation:Keystation MIDI 1"
    ports = [PortInfo("Keystation:Keystation MIDI 1 28:0", "ALSA"), PortInfo("Keystation", "JACK")]
    assert find_port("Keystation:Keystation MIDI 1 24:0", ports) == ports[0]
    assert find_port("Keystation", ports) == ports[1]
    assert find_port("Keystation", ports, api="ALSA") is None
    assert find_port("Other", ports) is None


def test_open_by_port_info_name_or_first():
    fake = FakeRtmidi(outputs=["A", "B"], inputs=["K"])
    midi = system(fake)
    assert midi.open(OUTPUT, PortInfo("B", "ALSA")).handle.port_name == "B"
    assert midi.open(OUTPUT, "B").port == PortInfo("B", "ALSA")
    assert midi.open(OUTPUT, None).port.name == "A"
    opened = midi.open(INPUT, "K")
    assert opened.port == PortInfo("K", "ALSA") and fake.opened_inputs
    opened.close()
    opened.close()  # twice is fine
    assert not fake.opened_inputs


def test_opening_a_missing_port_names_it():
    midi = system(FakeRtmidi(outputs=["A"]))
    with pytest.raises(PortError, match="MIDI output port 'Gone' is not available"):
        midi.open(OUTPUT, "Gone")
    with pytest.raises(PortError, match="no MIDI input port"):
        midi.open(INPUT, None)
    with pytest.raises(ValueError, match="direction"):
        midi.open("sideways", None)


def test_opening_when_midi_is_unavailable_gives_the_reason():
    midi = system(FakeRtmidi(apis=("JACK",), failing_apis=("JACK",)))
    with pytest.raises(PortError, match="No MIDI system found"):
        midi.open(OUTPUT, None)


def test_virtual_port_is_named_segue():
    fake = FakeRtmidi(apis=("ALSA",))
    midi = system(fake)
    assert midi.virtual_support() == (True, "")
    opened = midi.open(OUTPUT, None, virtual=True)
    assert opened.port == PortInfo("Segue", "ALSA", virtual=True)
    assert fake.virtual == [(OUTPUT, "Segue")]


def test_windows_explains_loopmidi_instead_of_a_virtual_port():
    midi = system(
        FakeRtmidi(outputs=["Microsoft GS Wavetable Synth"], apis=("Windows MM",)), platform="win32"
    )
    supported, reason = midi.virtual_support()
    assert not supported and "loopMIDI" in reason
    with pytest.raises(PortError, match="loopMIDI"):
        midi.open(OUTPUT, None, virtual=True)
    assert midi.open(OUTPUT, None).port.name == "Microsoft GS Wavetable Synth"


def test_probe_again_picks_up_a_server_that_started():
    fake = FakeRtmidi(outputs=[("Synth", "JACK")], apis=("JACK",), failing_apis=("JACK",))
    midi = system(fake)
    assert not midi.available()[0]
    fake._failing.clear()
    assert midi.probe() == {"JACK": None}
    assert midi.output_ports() == [PortInfo("Synth", "JACK")]
