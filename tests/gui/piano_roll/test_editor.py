"""The roll's editor on its own: selection, snap, gestures, keys and the edit commands, with a
document and no widgets."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from segue.engine.melody import Melody, Note
from segue.gui.document import Document
from segue.gui.piano_roll import tools
from segue.gui.piano_roll.editor import RollEditor
from segue.gui.piano_roll.geometry import RollGeometry

A = Note(60, 0, 4, 90)
B = Note(62, 4, 4, 100)
C = Note(64, 8, 4, 110)
GEOMETRY = RollGeometry(step_width=10, key_height=10)
NO_KEYS = Qt.KeyboardModifier.NoModifier


@pytest.fixture
def editor(qapp):
    document = Document(Melody([A, B, C]))
    editor = RollEditor(document, GEOMETRY)
    yield editor
    document.undo_stack.clear()  # a dropped document with history emits while Qt deletes it


def notes(editor):
    return editor.document.melody.notes


def undo_count(editor):
    return editor.document.undo_stack.count()


def select(editor, *chosen):
    """Shift-click each chosen note, as the user selects several."""
    editor.clear_selection()
    for note in chosen:
        pointer = at(note.start + 0.5, note.pitch, shift=True)
        editor.begin_gesture(tools.grid_gesture(editor.context(), pointer))
        editor.end_gesture(pointer)
    assert editor.selected_notes() == sorted(chosen, key=lambda n: n.start)


def at(step, pitch, **modifiers):
    """A pointer in the middle of the row of ``pitch`` at ``step``."""
    return tools.Pointer.at(
        GEOMETRY, GEOMETRY.x_of(step), GEOMETRY.y_of(pitch) + GEOMETRY.key_height / 2, **modifiers
    )


def messages_of(editor):
    said = []
    editor.status_message.connect(said.append)
    return said


# --- settings -------------------------------------------------------------------------------------


def test_snap_sizes_and_a_snap_finer_than_the_grid_says_so(editor):
    said = messages_of(editor)
    settings = []
    editor.settings_changed.connect(lambda: settings.append(editor.snap))
    editor.set_snap("1/4")
    assert editor.grid() == 4 and editor.grid(alt=True) == 1
    editor.set_snap("1/32")
    assert editor.grid() == 1
    assert "finer than the melody grid" in said[-1]
    assert settings == ["1/4", "1/32"]
    with pytest.raises(ValueError, match="snap must be one of"):
        editor.set_snap("1/12")
    with pytest.raises(ValueError, match="tool must be"):
        editor.set_tool("lasso")


def test_the_loop_region_is_checked_and_announced_once(editor):
    regions = []
    editor.loop_region_changed.connect(regions.append)
    editor.set_loop_region((4, 12))
    editor.set_loop_region((4, 12))
    editor.set_loop_region(None)
    assert regions == [(4, 12), None]
    with pytest.raises(ValueError, match="start < end"):
        editor.set_loop_region((8, 8))


# --- gestures -------------------------------------------------------------------------------------


def test_a_gesture_previews_then_commits_one_undo_step_and_selects_its_notes(editor):
    auditions = []
    editor.audition_requested.connect(lambda pitch, velocity: auditions.append(pitch))
    editor.begin_gesture(tools.grid_gesture(editor.context(), at(16.5, 67)))
    editor.update_gesture(at(19.5, 67))
    assert editor.shown_melody().notes[-1] == Note(67, 16, 4)
    assert notes(editor) == (A, B, C) and undo_count(editor) == 0
    editor.end_gesture(at(19.5, 67))
    assert notes(editor)[-1] == Note(67, 16, 4)
    assert editor.selected_notes() == [Note(67, 16, 4)]
    assert undo_count(editor) == 1 and editor.document.undo_stack.undoText() == "Draw Note"
    assert auditions == [67]


def test_escape_cancels_a_gesture_and_swallows_other_keys_meanwhile(editor):
    editor.begin_gesture(tools.grid_gesture(editor.context(), at(1, 60)))
    editor.update_gesture(at(20, 70))
    assert editor.handle_key(Qt.Key_Right, NO_KEYS)  # swallowed: no nudge mid-drag
    assert editor.handle_key(Qt.Key_Escape, NO_KEYS)
    assert editor.gesture is None and editor.shown_melody() == editor.document.melody
    editor.end_gesture(at(20, 70))  # the release that follows does nothing
    assert notes(editor) == (A, B, C) and undo_count(editor) == 0


def test_an_outside_change_drops_the_gesture(editor):
    editor.begin_gesture(tools.grid_gesture(editor.context(), at(1, 60)))
    editor.update_gesture(at(20, 70))
    editor.document.set_melody(Melody([B]), "Elsewhere")
    assert editor.gesture is None
    editor.end_gesture(at(20, 70))
    assert notes(editor) == (B,) and undo_count(editor) == 1


def test_a_press_drops_a_gesture_whose_release_was_lost_but_a_second_button_does_not(editor):
    editor.begin_gesture(tools.grid_gesture(editor.context(), at(1, 60)))
    assert not editor.accept_press(other_buttons_held=True)
    assert editor.gesture is not None
    assert editor.accept_press(other_buttons_held=False)
    assert editor.gesture is None and undo_count(editor) == 0


def test_a_click_on_empty_grid_sets_where_paste_goes(editor):
    editor.set_tool("select")
    select(editor, A)
    editor.copy()
    editor.begin_gesture(tools.grid_gesture(editor.context(), at(32.4, 70)))
    editor.end_gesture(at(32.4, 70))
    assert editor.insert_step == 32 and editor.selected_notes() == []
    editor.paste()
    assert notes(editor)[-1] == Note(60, 32, 4, 90)


# --- selection and undo ---------------------------------------------------------------------------


def test_select_all_clear_and_undo_keeps_the_selected_notes_that_remain(editor):
    repaints = []
    editor.changed.connect(lambda: repaints.append(len(editor.selected_notes())))
    editor.select_all()
    assert editor.selected_notes() == [A, B, C] and repaints == [3]
    select(editor, B)
    editor.transpose_selection(1)
    assert editor.selected_notes() == [Note(63, 4, 4, 100)]
    editor.document.undo_stack.undo()
    assert editor.selected_notes() == []  # the transposed note is gone; B was not selected
    select(editor, A, B)
    editor.document.set_melody(Melody([A, C]), "Elsewhere")
    assert editor.selected_notes() == [A]


# --- keys -----------------------------------------------------------------------------------------


def test_arrows_move_by_a_snap_step_or_a_semitone(editor):
    select(editor, C)
    editor.set_snap("1/8")
    assert editor.handle_key(Qt.Key_Right, NO_KEYS)
    assert notes(editor)[-1] == C.with_start(10)
    editor.handle_key(Qt.Key_Up, NO_KEYS)
    assert notes(editor)[-1] == Note(65, 10, 4, 110)
    assert undo_count(editor) == 2 and editor.document.undo_stack.undoText() == "Move Notes"


def test_shift_arrows_move_by_a_bar_or_an_octave_and_stop_at_the_start(editor):
    select(editor, C)
    shift = Qt.KeyboardModifier.ShiftModifier
    editor.handle_key(Qt.Key_Right, shift)
    editor.handle_key(Qt.Key_Down, shift)
    assert notes(editor)[-1] == Note(52, 24, 4, 110)
    said = messages_of(editor)
    editor.handle_key(Qt.Key_Left, shift)
    editor.handle_key(Qt.Key_Left, shift)  # would start before step 0: refused
    assert notes(editor)[-1] == Note(52, 8, 4, 110)
    assert said[-1].startswith("Cannot move")


def test_the_window_keeps_its_keys_ctrl_and_alt_arrows_delete_copy_undo(editor):
    """Keys the main window's actions own are not the editor's: one key, one path."""
    select(editor, C)
    ctrl = Qt.KeyboardModifier.ControlModifier
    for key, modifiers in (
        (Qt.Key_Up, ctrl),  # transpose
        (Qt.Key_Left, Qt.KeyboardModifier.AltModifier),  # previous variation
        (Qt.Key_Delete, NO_KEYS),
        (Qt.Key_Backspace, NO_KEYS),
        (Qt.Key_A, ctrl),
        (Qt.Key_C, ctrl),
        (Qt.Key_V, ctrl),
        (Qt.Key_D, ctrl),
        (Qt.Key_Z, ctrl),
        (Qt.Key_Y, ctrl),
    ):
        assert not editor.handle_key(key, modifiers), key
    assert notes(editor) == (A, B, C) and undo_count(editor) == 0
    assert editor.selected_notes() == [C]


def test_escape_clears_the_selection(editor):
    editor.select_all()
    assert editor.handle_key(Qt.Key_Escape, NO_KEYS)
    assert editor.selected_notes() == []


# --- commands -------------------------------------------------------------------------------------


def test_delete_removes_the_selection_and_says_so_when_nothing_is_selected(editor):
    said = messages_of(editor)
    editor.delete_selection()
    assert "Select notes" in said[-1] and undo_count(editor) == 0
    select(editor, B)
    editor.delete_selection()
    assert notes(editor) == (A, C) and editor.selected_notes() == []
    assert editor.document.undo_stack.undoText() == "Delete Notes"


def test_copy_then_paste_appends_after_the_copied_notes(editor):
    select(editor, A, B)
    editor.copy()
    editor.paste()
    assert notes(editor)[2:] == (Note(60, 8, 4, 90), Note(62, 12, 4, 100))  # C was pasted over
    assert editor.selected_notes() == [Note(60, 8, 4, 90), Note(62, 12, 4, 100)]
    editor.paste()
    assert notes(editor)[-1] == Note(62, 20, 4, 100)
    assert undo_count(editor) == 2


def test_cut_removes_and_paste_puts_back(editor):
    select(editor, B)
    editor.cut()
    assert notes(editor) == (A, C)
    editor.paste()
    assert notes(editor) == (A, B, C)
    assert undo_count(editor) == 2


def test_paste_of_foreign_clipboard_text_says_so_and_changes_nothing(editor):
    QGuiApplication.clipboard().setText("hello, not notes")
    said = messages_of(editor)
    editor.paste()
    assert "Nothing pasted" in said[-1] and "no Segue notes" in said[-1]
    assert notes(editor) == (A, B, C) and undo_count(editor) == 0


def test_duplicate_places_a_copy_after_the_selection(editor):
    select(editor, C)
    editor.duplicate()
    assert notes(editor)[-1] == Note(64, 12, 4, 110)
    assert editor.selected_notes() == [Note(64, 12, 4, 110)]
    assert undo_count(editor) == 1


def test_quantize_selection_and_whole_melody(editor):
    editor.document.set_melody(Melody([Note(60, 1, 3), Note(62, 7, 2), Note(64, 13, 2)]), "Seed")
    editor.set_snap("1/4")
    select(editor, Note(60, 1, 3))
    editor.quantize_selection()
    assert notes(editor)[0] == Note(60, 0, 4)
    editor.clear_selection()
    editor.quantize_selection()
    assert [n.start for n in notes(editor)] == [0, 8, 12]
    assert editor.document.undo_stack.undoText() == "Quantize Notes"
    said = messages_of(editor)
    editor.quantize_selection()
    assert said[-1].startswith("Already on the grid")


def test_transpose_selection_and_out_of_range(editor):
    select(editor, B)
    editor.transpose_selection(5)
    assert notes(editor) == (A, Note(67, 4, 4, 100), C)
    said = messages_of(editor)
    editor.transpose_selection(100)
    assert "Cannot transpose" in said[-1]
    editor.clear_selection()
    editor.transpose_selection(-12)
    assert [n.pitch for n in notes(editor)] == [48, 55, 52]
