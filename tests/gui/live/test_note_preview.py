"""Note preview in the window, as in a DAW's piano roll: clicking or transposing a note sounds
it on the current output, flipping to another variation plays its first bar; View > Preview
Notes turns it off (remembered). Over a fake rtmidi with an output 'Synth'."""

import pytest

from segue.engine.live.player import Player
from segue.engine.melody import Melody, Note
from segue.gui import settings as prefs
from segue.gui.document import Document
from segue.gui.live.playback import PlaybackBridge
from tests.fakes.audio import fake_audio
from tests.fakes.live import FakeClock, FakeRtmidi, fake_system
from tests.gui.piano_roll.test_roll import cell, click

SEED = Melody([Note(62, 0, 4), Note(66, 4, 4), Note(69, 8, 4)], tempo=120)


@pytest.fixture
def window(main_window, tmp_path):
    prefs.use_private_store(str(tmp_path / "settings"))
    fake = FakeRtmidi(outputs=["Synth"])
    bridge = PlaybackBridge(fake_system(fake), port_poll_ms=0, audio=fake_audio(False)[0])
    made = main_window(Document(SEED, SEED.end), playback=bridge)
    made.show()
    yield made, fake
    bridge.close()


def note_ons(fake):
    return [m[1] for _, m in fake.sent if m[0] & 0xF0 == 0x90 and m[2] > 0]


def test_clicking_and_transposing_a_note_sound_it(window):
    win, fake = window
    click(win.roll.note_grid, cell(win.roll, 5, 66))
    assert note_ons(fake) == [66]
    win.actions["transpose_up"].trigger()  # Ctrl+Up: the selected note, a semitone up
    assert note_ons(fake) == [66, 67]


@pytest.fixture
def timed_window(main_window, tmp_path):
    """The window over a player on a fake clock: a previewed bar plays at once, in order."""
    prefs.use_private_store(str(tmp_path / "settings"))
    fake, clock = FakeRtmidi(outputs=["Synth"]), FakeClock()
    bridge = PlaybackBridge(fake_system(fake), player=Player(clock=clock, sleep=clock.sleep),
                            port_poll_ms=0, audio=fake_audio(False)[0])
    made = main_window(Document(SEED, SEED.end), playback=bridge)
    made.show()
    yield made, fake
    bridge.close()


def test_flipping_to_another_variation_plays_its_first_bar(timed_window, qtbot):
    # Issue 21: flipping previewed only the first note. The marker is at step 12: the first
    # bar of a variation is steps 12-27; the note at 28 is the next bar's.
    win, fake = timed_window
    doc = win.document
    bar = [Note(74, 12, 4), Note(76, 16, 4), Note(77, 20, 4), Note(79, 24, 4)]
    doc.set_variations([Melody([Note(71, 12, 2)]), Melody(bar + [Note(81, 28, 4)])])
    assert note_ons(fake) == []  # a new batch is not a flip
    with qtbot.waitSignal(win.playback.finished, timeout=5000):
        doc.select_variation(1)
    assert note_ons(fake) == [74, 76, 77, 79]
    assert win.roll.playhead in (None, 0.0)  # a preview leaves the playhead where it was
    doc.select_variation(1)  # the same one again: nothing new
    assert note_ons(fake) == [74, 76, 77, 79]


def test_the_view_menu_toggle_turns_preview_off_and_is_remembered(window):
    win, fake = window
    action = win.live.preview_action
    assert action in win.view_menu.actions() and action.isChecked()
    action.trigger()
    assert prefs.read(prefs.NOTE_PREVIEW) is False
    click(win.roll.note_grid, cell(win.roll, 5, 66))
    win.document.set_variations([Melody([Note(71, 12, 2)]), Melody([Note(74, 12, 2)])])
    win.document.select_variation(1)
    assert note_ons(fake) == []
