"""Test configuration: headless Qt for every test (set before any Qt import), no JACK server but
the tests' own, the ``synth`` mark (a test that needs the tinysoundfont synthesizer, an optional
install, is skipped with the reason without it), and collaborators that keep tests away from the
developer's machine: a private preferences store for the whole session, a MIDI system without
ports, and a recovery folder of the test's own."""

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The machine's own JACK server (a musician's, under the default name) is not the tests': libjack
# reads JACK_DEFAULT_SERVER at every client open, in this process and in every child, so each
# JACK client of the suite (rtmidi's, PortAudio's) finds no server, as on a machine without JACK,
# and never starts one. Tests that need JACK start their own (tests/jack.py), which points the
# variable at it while it runs.
os.environ["JACK_DEFAULT_SERVER"] = f"segue-tests-no-server-{os.getpid()}"
os.environ["JACK_NO_START_SERVER"] = "1"


def synth_missing() -> str:
    """Why the SoundFont synthesizer cannot be loaded here ('' when it can)."""
    try:
        from tinysoundfont import _tinysoundfont  # noqa: F401 - as engine/audio/soundfont.py
    except ImportError as error:
        return f"the tinysoundfont synthesizer is not installed ({error}); scripts/dev installs it"
    return ""


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "synth: needs the tinysoundfont synthesizer; skipped, with why, without it")


def pytest_collection_modifyitems(config, items):
    reason = synth_missing()
    if reason:
        for item in items:
            if item.get_closest_marker("synth"):
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True, scope="session")
def private_preferences(tmp_path_factory):
    """No test reads or changes the user's real preferences (tests that need a clean store call
    ``use_private_store`` again with a folder of their own)."""
    from segue.gui import settings as prefs

    prefs.use_private_store(str(tmp_path_factory.mktemp("preferences")))


@pytest.fixture
def isolated_app(tmp_path, monkeypatch):
    """A window's world of its own in ``tmp_path``: a clean preferences store, recovery files and
    user models folders (tests use it with ``pytest.mark.usefixtures("isolated_app")``)."""
    from segue.gui import settings as prefs

    prefs.use_private_store(str(tmp_path / "settings"))
    monkeypatch.setenv("SEGUE_RECOVERY_DIR", str(tmp_path / "recovery"))
    monkeypatch.setenv("SEGUE_MODELS_DIR", str(tmp_path / "models"))


@pytest.fixture
def fake_midi_system():
    """A MIDI system over a fake rtmidi without ports: no test reaches a real synthesizer."""
    from segue.engine.live.ports import MidiSystem
    from tests.fakes.live import FakeRtmidi

    return MidiSystem(FakeRtmidi(), path_exists=lambda _path: True)


@pytest.fixture
def main_window(qtbot, tmp_path, fake_midi_system):
    """``main_window(document=None, dialogs=None, **more)``: a MainWindow on fakes (scripted
    dialogs, the fake MIDI system, a recovery folder in ``tmp_path``), closed with the test."""
    from segue.gui.window.main_window import MainWindow
    from tests.fakes.dialogs import ScriptedDialogs

    def make(document=None, dialogs=None, **more):
        more.setdefault("recovery_folder", tmp_path / "recovery")
        if "playback" not in more:
            from tests.fakes.audio import fake_audio

            more.setdefault("midi_system", fake_midi_system)
            more.setdefault("audio", fake_audio(available=False)[0])  # no test opens a sound card
        dialogs = ScriptedDialogs() if dialogs is None else dialogs
        window = MainWindow(document, dialogs=dialogs, **more)
        qtbot.addWidget(window)
        return window

    return make
