"""No sound, a visible reason: when nothing can sound, the window says why on screen, once, in a
musician's words and with what to do; Preferences offers the audio device the built-in
instrument plays on (listed by a short-lived process, never by Segue's own)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from segue.engine.audio import devices
from segue.engine.audio.devices import DeviceList, OutputDevice
from segue.engine.audio.instrument import BUILT_IN_PORT
from segue.engine.live.ports import MidiSystem
from segue.gui import settings as prefs
from segue.gui.window.preferences import chosen_audio_system
from tests.fakes.audio import fake_audio
from tests.fakes.live import FakeRtmidi

CARD = OutputDevice("HDA Intel PCH: ALC3246 Analog (hw:0,0)", "ALSA", is_default=True)
JACK = OutputDevice("system", "JACK Audio Connection Kit")
BOTH = DeviceList((CARD, JACK))


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    prefs.use_private_store(str(tmp_path / "settings"))
    monkeypatch.setenv("SEGUE_MODELS_DIR", str(tmp_path / "models"))


def settled(window):
    """The window as the musician first sees it (its deferred start-up steps done)."""
    window.show()
    QApplication.processEvents()
    return window


def test_without_an_audio_device_the_window_says_why_and_what_to_do(main_window, qtbot):
    window = settled(main_window())  # no sound card, no MIDI system with ports
    notice = window.no_sound
    assert notice.isVisible() and window.playback.output_port is None
    text = notice.text.text()
    assert text.startswith("No sound: Segue found no audio device")
    assert "Edit > Preferences" in text and "Refresh Ports" in text and "Export still works" in text
    assert "querying" not in text and "matching" not in text  # PortAudio's words stay out of it
    assert "No output device matching" in notice.text.toolTip()  # the details, on hover
    qtbot.mouseClick(notice.dismiss_button, Qt.MouseButton.LeftButton)
    assert not notice.isVisible()
    window.live.show_state()  # said once: not again in this run
    assert not notice.isVisible()


def test_audio_settings_opens_preferences(main_window, qtbot, monkeypatch):
    monkeypatch.setattr(devices, "output_devices", lambda: DeviceList((CARD,)))
    window = settled(main_window())
    window.no_sound.settings_button.click()
    assert window.preferences_dialog.isVisible()
    qtbot.waitUntil(lambda: window.preferences_dialog.device_combo.count() == 2)


def test_with_midi_outputs_it_offers_them_and_goes_when_one_opens(main_window, qtbot):
    prefs.write(prefs.MIDI_OUTPUT_PORT, "")  # "No output" chosen last time
    system = MidiSystem(FakeRtmidi(outputs=["Synth"]), path_exists=lambda _p: True)
    window = settled(main_window(midi_system=system))
    assert window.no_sound.isVisible()
    assert window.no_sound.text.text().endswith("or pick a MIDI output in the transport bar.")
    assert window.playback.open_output(window.playback.output_ports()[0])
    assert not window.no_sound.isVisible()


def test_with_sound_nothing_is_said_even_where_it_was_shown_last_time(main_window):
    first = settled(main_window())
    assert first.no_sound.isVisible()
    first.close()  # saves the window's state, the notice's row visible in it
    window = settled(main_window(audio=fake_audio(available=True)[0]))
    assert window.playback.output_port == BUILT_IN_PORT
    assert not window.no_sound.isVisible()


# --- the audio device in Preferences ---------------------------------------------------------------


def open_preferences(window, qtbot, monkeypatch, found=BOTH):
    from segue.gui.window.preferences import show_preferences

    monkeypatch.setattr(devices, "output_devices", lambda: found)
    dialog = show_preferences(window)
    qtbot.waitUntil(lambda: dialog.look_button.isEnabled())  # the listing has ended
    return dialog


def choose(dialog, setting):
    index = dialog.device_combo.findData(setting)
    dialog.device_combo.setCurrentIndex(index)
    dialog.device_combo.activated.emit(index)  # as a click on the item does


def test_the_devices_are_listed_and_the_choice_is_remembered_and_used(main_window, qtbot,
                                                                      monkeypatch):
    window = settled(main_window())
    looked = []
    window.transport.refresh_ports = lambda probe=True: looked.append(probe)
    dialog = open_preferences(window, qtbot, monkeypatch)
    combo = dialog.device_combo
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "The system's default output", f"{CARD.label}", "system (JACK Audio Connection Kit)"]
    assert combo.currentIndex() == 0 and not dialog.device_problem.isVisible()
    choose(dialog, JACK.setting)
    assert prefs.read(prefs.AUDIO_DEVICE) == "system, JACK Audio Connection Kit"
    assert window.playback.audio.device == JACK.setting  # the instrument opens there
    assert looked == [True]  # no sound yet: it looks again, on that device
    assert chosen_audio_system().device == JACK.setting  # and the next start uses it
    choose(dialog, "")
    assert window.playback.audio.device is None and prefs.read(prefs.AUDIO_DEVICE) == ""


def test_choosing_a_device_reopens_the_instrument_that_plays(main_window, qtbot, monkeypatch):
    window = settled(main_window(audio=fake_audio(available=True)[0]))
    assert window.playback.output_port == BUILT_IN_PORT
    opened = []
    window.playback.open_output = lambda port, virtual=False: opened.append(port) or True
    dialog = open_preferences(window, qtbot, monkeypatch)
    choose(dialog, CARD.setting)
    assert opened == [BUILT_IN_PORT]


def test_a_device_not_found_now_stays_chosen_and_a_listing_problem_is_said(main_window, qtbot,
                                                                           monkeypatch):
    prefs.write(prefs.AUDIO_DEVICE, "USB Audio, ALSA")
    window = settled(main_window())
    problem = DeviceList(problem="the PortAudio library is not installed")
    dialog = open_preferences(window, qtbot, monkeypatch, problem)
    combo = dialog.device_combo
    assert combo.currentText() == "USB Audio, ALSA (not found now)"
    assert combo.currentData() == "USB Audio, ALSA"
    assert dialog.device_problem.text() == ("No audio device could be listed: the PortAudio "
                                            "library is not installed.")


# --- listing the devices ---------------------------------------------------------------------------


def test_the_child_s_answer_is_read_and_anything_else_is_a_problem():
    line = json.dumps({"devices": [{"name": CARD.name, "api": "ALSA", "default": True},
                                   {"name": "system", "api": JACK.api}]})
    assert devices.parse_answer("ALSA lib noise\n" + line + "\n") == DeviceList((CARD, JACK))
    assert devices.parse_answer('{"problem": "no PortAudio"}').problem == "no PortAudio"
    for junk in ("", "Segmentation fault", '{"devices": 5}', "[1, 2]"):
        assert devices.parse_answer(junk).problem == "looking for audio devices gave no answer"

    def hung(*args, **kwargs):
        raise subprocess.TimeoutExpired(args[0], kwargs["timeout"])

    assert "took over 2 seconds" in devices.output_devices(timeout=2, run=hung).problem


def test_devices_are_listed_by_a_child_and_segue_never_loads_portaudio():
    script = ("import sys, segue; from segue.engine.audio.devices import output_devices; "
              "found = output_devices(); "
              "print(type(found).__name__, 'sounddevice' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60, cwd=str(Path(__file__).parents[3]))
    assert result.stdout.split() == ["DeviceList", "False"], result.stderr
