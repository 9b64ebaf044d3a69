"""Test configuration: headless Qt for every test (set before any Qt import), and collaborators
that keep tests away from the developer's machine: a private preferences store for the whole
session, a MIDI system without ports, and a recovery folder of the test's own."""

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True, scope="session")
def private_preferences(tmp_path_factory):
    """No test reads or changes the user's real preferences (tests that need a clean store call
    ``use_private_store`` again with a folder of their own)."""
    from segue.gui import settings as prefs

    prefs.use_private_store(str(tmp_path_factory.mktemp("preferences")))


@pytest.fixture
def fake_midi_system():
    """A MIDI system over a fake rtmidi without ports: no test reaches a real synthesizer."""
    from segue.engine.live.ports import MidiSystem
    from segue.engine.live.testing import FakeRtmidi

    return MidiSystem(FakeRtmidi(), path_exists=lambda _path: True)


@pytest.fixture
def main_window(qtbot, tmp_path, fake_midi_system):
    """``main_window(document=None, dialogs=None, **more)``: a MainWindow on fakes (scripted
    dialogs, the fake MIDI system, a recovery folder in ``tmp_path``), closed with the test."""
    from segue.gui.dialogs import ScriptedDialogs
    from segue.gui.window.main_window import MainWindow

    def make(document=None, dialogs=None, **more):
        more.setdefault("recovery_folder", tmp_path / "recovery")
        if "playback" not in more:
            from segue.engine.live.testing import fake_audio

            more.setdefault("midi_system", fake_midi_system)
            more.setdefault("audio", fake_audio(available=False)[0])  # no test opens a sound card
        dialogs = ScriptedDialogs() if dialogs is None else dialogs
        window = MainWindow(document, dialogs=dialogs, **more)
        qtbot.addWidget(window)
        return window

    return make
