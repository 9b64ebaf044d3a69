"""Generate > Suggest Chords and the chords that come with variations: ghost chords in the lane,
flipped, accepted (one undo step; Undo brings the old chords back) or discarded. The harmonizer
and the model are fakes: no model files, no torch."""

from types import SimpleNamespace

import pytest
from PySide6.QtWidgets import QApplication

from segue.engine.chords import Chord, SuggestedChord
from segue.engine.melody import Melody, Note
from segue.gui.document import Document
from segue.gui.generation.chord_suggestion import ChordSuggestionController
from segue.gui.generation.variation_chords import Generated
from segue.gui.piano_roll.chord_lane import sounding_pitches
from segue.gui.piano_roll.roll import PianoRoll
from tests.fakes.live import FakeRtmidi, fake_system
from tests.gui.generation.test_continuation import finish, harness
from tests.gui.piano_roll.test_roll import click

# Two bars of 4/4 (16 steps a bar), the marker after the first.
MELODY = Melody([Note(60, 0, 4), Note(64, 4, 4), Note(67, 8, 8), Note(62, 16, 8), Note(59, 24, 8)])


class FakeHarmonizer:
    """Chords over the whole melody it is given, one a bar, with alternatives; remembers calls."""

    def __init__(self, fail: str = ""):
        self.calls, self.fail = [], fail

    def __call__(self, melody, *, key=None, alternatives=0, rng_seed=None):
        self.calls.append(SimpleNamespace(melody=melody, key=key, alternatives=alternatives,
                                          rng_seed=rng_seed))
        if self.fail:
            raise RuntimeError(self.fail)
        bars = [("C", (("Am", 0.3), ("Em", 0.1))), ("G7", (("G", 0.25),))]
        return [SuggestedChord(i * 16, 16, symbol, probability=0.6, alternatives=others)
                for i, (symbol, others) in enumerate(bars) if i * 16 < melody.end]


@pytest.fixture
def setup(qtbot):
    document = Document(MELODY, 16)
    roll = PianoRoll(document)
    qtbot.addWidget(roll)
    harmonizer = FakeHarmonizer()
    controller = ChordSuggestionController(document, roll.editor.selected_notes, roll.chord_lane,
                                           harmonize=harmonizer)
    messages = []
    controller.status_message.connect(messages.append)
    yield SimpleNamespace(document=document, roll=roll, lane=roll.chord_lane,
                          controller=controller, harmonizer=harmonizer, messages=messages)
    controller.shutdown()
    document.undo_stack.clear()


def suggest(qtbot, s):
    with qtbot.waitSignal(s.controller.busy_changed, timeout=10000,
                          check_params_cb=lambda busy: not busy):
        assert s.controller.suggest()


def test_suggest_chords_for_the_seed_shows_ghost_chords_and_changes_nothing(qtbot, setup):
    s = setup
    s.document.set_chords([Chord(0, 32, "F")])  # the marker at 16: the piece ends at 32
    s.document.set_key_lock("C major")
    suggest(qtbot, s)
    call = s.harmonizer.calls[-1]
    assert call.melody == MELODY.slice(0, 16) and call.key == "C major"  # the seed's bar
    assert call.alternatives == 3 and call.rng_seed is None  # the best chords first
    assert s.lane.ghost_chords() == [(Chord(0, 16, "C"), "C ▾")]
    assert s.document.piece.chords == (Chord(0, 32, "F"),)
    assert s.document.undo_stack.count() == 1  # only set_chords: a suggestion is no edit
    assert s.messages[-1].startswith("1 chord suggested for the seed")
    assert s.controller.actions["accept_chords"].isEnabled()
    suggest(qtbot, s)  # the same bars again: sampled, not the same best ones
    assert s.harmonizer.calls[-1].rng_seed is not None


def test_flip_accept_undo_and_discard(qtbot, setup):
    s = setup
    s.document.set_chords([Chord(0, 32, "F")])
    s.roll.editor.select_all()  # the selection's bars: both
    suggest(qtbot, s)
    assert s.harmonizer.calls[-1].melody == MELODY  # the melody up to the selection's end
    assert [label for _, label in s.lane.ghost_chords()] == ["C ▾", "G7 ▾"]
    heard = []
    s.roll.audition_requested.connect(lambda pitch, _velocity: heard.append(pitch))
    click(s.lane, (s.roll.roll_geometry.x_of(20), 12))  # select the second ghost chord: heard
    assert s.lane.selected_ghost == 1 and heard == list(sounding_pitches(Chord(16, 16, "G7")))
    s.controller.actions["next_chord_alternative"].trigger()  # Alt+Down
    assert s.document.chord_suggestion.shown()[1] == Chord(16, 16, "G")
    assert heard[-len(sounding_pitches(Chord(0, 1, "G"))):] == list(sounding_pitches(
        Chord(0, 1, "G")))  # the flipped chord is heard
    s.controller.actions["next_chord_alternative"].trigger()  # wraps round
    s.controller.actions["previous_chord_alternative"].trigger()
    assert s.document.chord_suggestion.shown()[1].symbol == "G"
    s.controller.actions["accept_chords"].trigger()
    assert s.document.piece.chords == (Chord(0, 16, "C"), Chord(16, 16, "G"))
    assert s.document.chord_suggestion is None and s.document.undo_stack.count() == 2
    s.document.undo_stack.undo()  # the old chords, and the suggestion to choose again
    assert s.document.piece.chords == (Chord(0, 32, "F"),)
    assert s.document.chord_suggestion.shown()[1].symbol == "G"
    s.document.undo_stack.redo()
    assert s.document.piece.chords == (Chord(0, 16, "C"), Chord(16, 16, "G"))
    suggest(qtbot, s)
    s.controller.actions["discard_chords"].trigger()
    assert s.document.chord_suggestion is None and s.lane.ghost_chords() == []
    assert s.document.piece.chords == (Chord(0, 16, "C"), Chord(16, 16, "G"))
    assert s.messages[-1] == "Suggested chords discarded."


def test_a_failing_harmonizer_or_nothing_to_harmonize_says_so(qtbot, setup):
    s = setup
    s.controller.harmonize = FakeHarmonizer(fail="the harmonizer model is missing")
    suggest(qtbot, s)
    assert s.document.chord_suggestion is None
    assert "the harmonizer model is missing" in s.messages[-1]
    s.document.set_melody(Melody(), "Clear")
    assert not s.controller.suggest() and s.messages[-1].startswith("Nothing to suggest")


# --- chords with Continue ----------------------------------------------------------------------

SEED = Melody([Note(62, 0, 4), Note(66, 4, 4), Note(69, 8, 4)])


def test_continue_passes_the_lanes_chords_past_the_marker_to_the_request(qtbot):
    requests = []

    def job(model, request, should_stop):
        requests.append(request)
        return [Melody([Note(71, request.start, 4)])]

    document = Document(SEED, 12)  # the piece ends at 16: chords may lead past the marker
    document.set_chords([Chord(0, 12, "D"), Chord(12, 4, "A7")])
    h = harness(qtbot, document)
    h.controller.job = job
    finish(qtbot, h, h.controller.continue_)
    assert tuple(requests[-1].chords) == (Chord(0, 12, "D"), Chord(12, 4, "A7"))


def test_the_chords_variations_propose_are_ghost_chords_and_accept_keeps_them(qtbot):
    def job(model, request, should_stop):
        start = request.start
        melodies = [Melody([Note(71, start, 4)]), Melody([Note(74, start, 4)])]
        return Generated(melodies, [(Chord(start, 16, "Bm"),), (Chord(start, 16, "G"),)])

    document = Document(SEED, 16)
    document.set_chords([Chord(0, 16, "D")])
    h = harness(qtbot, document)
    h.controller.job = job
    roll = PianoRoll(document)
    qtbot.addWidget(roll)
    finish(qtbot, h, h.controller.continue_)
    assert roll.chord_lane.ghost_chords() == [(Chord(16, 16, "Bm"), "Bm")]
    h.controller.next()
    assert roll.chord_lane.ghost_chords() == [(Chord(16, 16, "G"), "G")]
    assert h.controller.accept()
    assert document.piece.chords == (Chord(0, 16, "D"), Chord(16, 16, "G"))
    document.undo_stack.undo()  # the chords go with the notes, the variations come back
    assert document.piece.chords == (Chord(0, 16, "D"),)
    assert roll.chord_lane.ghost_chords() == [(Chord(16, 16, "G"), "G")]
    h.controller.discard()
    assert roll.chord_lane.ghost_chords() == []


def test_clicking_a_chord_in_the_window_sounds_it_on_the_output(main_window):
    fake = FakeRtmidi(outputs=["Synth"])
    from segue.gui.live.playback import PlaybackBridge
    from tests.fakes.audio import fake_audio

    bridge = PlaybackBridge(fake_system(fake), port_poll_ms=0, audio=fake_audio(False)[0])
    window = main_window(Document(SEED, 12), playback=bridge)
    window.show()
    QApplication.processEvents()
    try:
        window.document.set_chords([Chord(0, 12, "D")])
        assert window.actions["suggest_chords"].shortcut().toString() == "Ctrl+Shift+H"
        lane = window.roll.chord_lane
        click(lane, (window.roll.roll_geometry.x_of(2), 12))
        sounded = [m[1] for _, m in fake.sent if m[0] & 0xF0 == 0x90 and m[2] > 0]
        assert sounded == list(sounding_pitches(Chord(0, 12, "D")))
    finally:
        bridge.close()


def test_in_the_window_delete_in_the_lane_removes_the_chord_not_the_selected_notes(main_window):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    window = main_window(Document(SEED, 12))
    window.show()
    QApplication.processEvents()
    window.document.set_chords([Chord(0, 8, "D"), Chord(8, 4, "A")])
    window.roll.editor.select_all()  # the window's Delete would delete these
    click(window.roll.chord_lane, (window.roll.roll_geometry.x_of(2), 12))
    QTest.keyClick(window.roll.chord_lane, Qt.Key_Delete)
    assert window.document.piece.chords == (Chord(8, 4, "A"),)
    assert window.document.melody == SEED
    generate = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Generate")
    assert {"suggest_chords", "accept_chords", "discard_chords"} <= {
        key for key, action in window.actions.items() if action in generate.actions()}


def test_the_document_keeps_a_suggestion_beside_the_piece_and_an_import_drops_it(qtbot):
    from segue.engine.pending_chords import ChordSuggestion
    from segue.engine.piece import Piece

    document = Document(SEED, 12)
    document.set_chords([Chord(0, 16, "D")])
    changes = []
    document.chord_suggestion_changed.connect(lambda: changes.append(document.chord_suggestion))
    same = ChordSuggestion((Chord(0, 16, "D"),), (0, 16))
    document.set_chord_suggestion(same)
    assert changes == [same] and document.undo_stack.count() == 1  # not an undo step
    assert document.accept_chord_suggestion()  # keeps what is there: no empty undo step
    assert document.chord_suggestion is None and document.undo_stack.count() == 1
    document.set_chord_suggestion(ChordSuggestion((Chord(0, 16, "G"),), (0, 16)))
    assert document.replace_piece(Piece.of(Melody([Note(60, 0, 4)])), "Import tune.mid")
    assert document.chord_suggestion is None and changes[-1] is None
