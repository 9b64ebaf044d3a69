"""Edit > Transform through the window's menus: each transform is one undo step, on the
selection or the whole piece; the roll shows the key lock's key or the seed's; fold and snap to
scale are View options remembered in the settings."""

import pytest

from segue.engine import transforms
from segue.engine.melody import Melody, Note
from segue.engine.session import GenerationSettings
from segue.gui import settings as prefs
from segue.gui.document import Document

A = Note(60, 0, 4, 90)  # C4
B = Note(64, 4, 2, 100)  # E4
C = Note(67, 8, 4, 110)  # G4
MELODY = Melody([A, B, C], key="C major")


@pytest.fixture
def window(main_window, tmp_path):
    prefs.use_private_store(str(tmp_path / "preferences"))
    made = main_window(Document(MELODY, MELODY.end))
    made.asked = []
    made.answer = {}

    def ask(title, fields):
        made.asked.append((title, [f.name for f in fields]))
        return made.answer

    made.transforms.ask = ask
    yield made
    made.document.undo_stack.clear()


def transform_texts(window):
    return [a.text().replace("&", "") for a in window.transforms.menu.actions() if a.text()]


def trigger(window, text, **answers):
    """Choose Edit > Transform > ``text`` (answering its dialog with ``answers``)."""
    for action in window.transforms.menu.actions():
        if action.text().replace("&", "").rstrip("…") == text:
            window.answer = answers
            action.trigger()
            return
    raise AssertionError(f"no {text!r} in {transform_texts(window)}")


def undo_texts(window):
    stack = window.document.undo_stack
    return [stack.text(i) for i in range(stack.count())]


def test_the_transform_submenu_sits_in_the_edit_menu_and_lists_every_transform(window):
    assert window.transforms.menu.menuAction() in window.edit_menu.actions()
    assert transform_texts(window) == [
        "Transpose…",
        "Transpose in Key…",
        "Transpose Up an Octave",
        "Transpose Down an Octave",
        "Retrograde",
        "Invert…",
        "Legato",
        "Double Speed",
        "Half Speed",
        "Quantize with Strength and Swing…",
        "Humanize…",
        "Remove Humanize and Swing",
        "Velocity Ramp…",
    ]


CASES = [
    ("Transpose", {"semitones": 3}, lambda m: transforms.transpose(m, None, 3)),
    ("Transpose in Key", {"steps": 2}, lambda m: transforms.transpose_diatonic(m, None, 2, "C major")),
    ("Retrograde", {}, lambda m: transforms.retrograde(m)),
    ("Invert", {"axis": 64}, lambda m: transforms.invert(m, None, 64, "C major")),
    ("Legato", {}, lambda m: transforms.legato(m)),
    ("Double Speed", {}, lambda m: transforms.double_speed(m)),
    ("Half Speed", {}, lambda m: transforms.half_speed(m)),
    (
        "Quantize with Strength and Swing",
        {"strength": 1.0, "swing": 0.6},
        lambda m: transforms.quantize(m, None, 1, 1.0, 0.6),
    ),
    ("Humanize", {"timing": 15, "velocity": 20, "seed": 5}, lambda m: transforms.humanize(m, None, 15, 20, 5)),
    ("Velocity Ramp", {"first": 30, "last": 120}, lambda m: transforms.velocity_ramp(m, None, 30, 120)),
]


@pytest.mark.parametrize("text, answers, expected", CASES, ids=[c[0] for c in CASES])
def test_each_transform_changes_the_whole_piece_in_one_undo_step(window, text, answers, expected):
    if text == "Quantize with Strength and Swing":
        window.roll.editor.set_snap("1/8")  # the quantize grid is the snap: 2 steps
        expected = lambda m: transforms.quantize(m, None, 2, 1.0, 0.6)  # noqa: E731
        window.document.set_melody(Melody([Note(60, 1, 2), Note(62, 3, 2)], key="C major"), "x")
        window.document.undo_stack.clear()
    before = window.document.melody
    trigger(window, text, **answers)
    assert window.document.melody == expected(before).melody
    assert window.document.melody != before
    assert undo_texts(window) == [text.split(" with")[0]]
    window.document.undo_stack.undo()
    assert window.document.melody == before


def test_a_transform_acts_on_the_selection_only(window):
    editor = window.roll.editor
    editor._set_selection([B])
    trigger(window, "Transpose", semitones=-12)
    assert window.document.melody.notes == (A, B.with_pitch(52), C)
    assert editor.selected_notes() == [B.with_pitch(52)]
    assert undo_texts(window) == ["Transpose"]


def test_octave_actions_in_the_submenu_are_the_windows_own(window):
    for action in window.transforms.menu.actions():
        if action.text() == "Transpose Up an Octave":
            action.trigger()
    assert [n.pitch for n in window.document.melody.notes] == [72, 76, 79]
    assert undo_texts(window) == ["Transpose Notes"]


def test_a_cancelled_dialog_or_a_refused_transform_changes_nothing(window):
    window.transforms.ask = lambda title, fields: None
    trigger(window, "Transpose")
    assert undo_texts(window) == []
    messages = []
    window.roll.editor.status_message.connect(messages.append)
    window.transforms.ask = lambda title, fields: {"semitones": 70}
    trigger(window, "Transpose")
    assert window.document.melody == MELODY and undo_texts(window) == []
    assert "outside the MIDI range" in messages[-1]


def test_the_dialog_offers_the_last_parameters_and_a_scale_note_to_invert_around(window):
    trigger(window, "Humanize", timing=2, velocity=5, seed=9)
    fields = window.transforms._fields("humanize")
    assert {f.name: f.default for f in fields} == {"timing": 2, "velocity": 5, "seed": 9}
    window.roll.editor._set_selection([Note(64, 4, 2, 100)])
    assert window.transforms._fields("invert")[0].default == 64


def test_the_context_menu_holds_the_transforms_and_the_edit_commands(window):
    menu = window.transforms.build_context_menu()
    texts = [a.text().replace("&", "") for a in menu.actions() if a.text()]
    assert texts[0] == "Transform"
    assert {"Cut", "Copy", "Paste", "Duplicate", "Delete", "Select All"} <= set(texts)
    transform_menu = menu.actions()[0].menu()
    assert "Retrograde" in [a.text().replace("&", "") for a in transform_menu.actions()]


def test_the_roll_shows_the_locked_key_or_else_the_seeds(window):
    editor = window.roll.editor
    assert editor.scale.key == "C major"  # lock off: the seed's key
    window.panel.set_settings(GenerationSettings(key_lock="F# minor"))
    assert editor.scale.key == "F# minor"
    assert editor.scale_pitch_classes() == {6, 8, 9, 11, 1, 2, 4}
    window.panel.set_settings(GenerationSettings(key_lock="auto"))
    assert editor.scale.key == "C major"
    window.document.set_melody(Melody([Note(62, 0, 4), Note(66, 4, 4), Note(69, 8, 4)]), "D")
    assert editor.scale.key == "D major"  # detected from the seed
    window.document.set_melody(Melody(), "Empty")
    assert editor.scale.key is None


def test_fold_and_snap_to_scale_are_view_options_remembered(window, main_window):
    window.transforms.fold_action.trigger()
    geometry = window.roll.roll_geometry
    assert geometry.pitches is not None
    assert all(p % 12 in {0, 2, 4, 5, 7, 9, 11} for p in geometry.pitches)
    window.transforms.snap_action.trigger()
    assert window.roll.header.scale_snap.isChecked()
    assert prefs.read(prefs.FOLD_TO_SCALE) and prefs.read(prefs.SNAP_TO_SCALE)
    later = main_window(Document(MELODY, MELODY.end))
    assert later.transforms.fold_action.isChecked() and later.roll.editor.scale.snap
    window.transforms.fold_action.trigger()
    assert geometry.pitches is None and not prefs.read(prefs.FOLD_TO_SCALE)
    later.document.undo_stack.clear()
