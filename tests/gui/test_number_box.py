"""Number boxes keep what was typed (issue 21, point 7): a number past a limit is set to that limit
with a word in the status bar, never cut short digit by digit (Qt's own boxes turn a typed 9999
into 99 when the highest is 400)."""

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFocusEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from segue.engine.melody import Melody, Note
from segue.gui.document import Document
from segue.gui.generation.controls import NoteSpinBox
from segue.gui.generation.panel import GenerationPanel
from segue.gui.number_box import DecimalNumberBox, NumberBox
from segue.gui.piano_roll.transform_dialog import Field, TransformDialog

SEED = Melody([Note(62, 0, 4), Note(66, 4, 4)], tempo=120)


pytestmark = pytest.mark.usefixtures("isolated_app")  # tests/conftest.py


def type_into(box, text, end=Qt.Key.Key_Return):
    """Select the number (as a double-click does) and type ``text``, then Enter (or Tab)."""
    box.setFocus()
    box.selectAll()
    QTest.keyClicks(box, text)
    typed = box.lineEdit().text()
    if end is not None:
        QTest.keyClick(box, end)
    return typed


def tempo_box(qtbot):
    box = DecimalNumberBox("Tempo")
    box.setRange(10, 400)
    box.setDecimals(1)
    box.setSuffix(" BPM")
    box.setKeyboardTracking(False)
    box.setValue(120)
    qtbot.addWidget(box)
    box.show()
    return box


@pytest.mark.parametrize(
    ("typed", "value", "note"),
    [
        ("9999", 400, "Tempo 9999 is above the highest, 400 BPM: set to 400 BPM."),
        ("500", 400, "Tempo 500 is above the highest, 400 BPM: set to 400 BPM."),
        ("5", 10, "Tempo 5 is below the lowest, 10 BPM: set to 10 BPM."),
        ("96.5", 96.5, None),
    ],
)
def test_a_typed_tempo_is_kept_or_set_to_the_nearest_limit_with_a_word(qtbot, typed, value, note):
    box = tempo_box(qtbot)
    notes, values = [], []
    box.out_of_range.connect(notes.append)
    box.valueChanged.connect(values.append)
    assert type_into(box, typed) == f"{typed} BPM"  # every digit stays while typing
    assert box.value() == value
    assert values == [value]  # one change, straight to the limit (never 99 on the way)
    assert notes == ([note] if note else [])


def test_leaving_the_box_clamps_too(qtbot):
    box = tempo_box(qtbot)
    notes = []
    box.out_of_range.connect(notes.append)
    type_into(box, "9999", end=None)
    QApplication.sendEvent(box, QFocusEvent(QEvent.Type.FocusOut, Qt.FocusReason.TabFocusReason))
    assert box.value() == 400
    assert notes == ["Tempo 9999 is above the highest, 400 BPM: set to 400 BPM."]


def test_letters_are_still_refused_and_a_huge_number_is_shown_short(qtbot):
    box = NumberBox("Random seed")
    box.setRange(0, 2**31 - 1)
    qtbot.addWidget(box)
    box.show()
    notes = []
    box.out_of_range.connect(notes.append)
    assert type_into(box, "12ab3", end=None) == "123"
    type_into(box, "9" * 40)
    assert box.value() == 2**31 - 1
    assert notes == [
        "Random seed 999999999999… is above the highest, 2147483647: set to 2147483647."
    ]


def test_a_note_box_sets_a_note_past_its_range_to_the_nearest_end(qtbot):
    from segue.engine.ml.options import PITCH_HIGH

    box = NoteSpinBox(PITCH_HIGH, name="Highest note")
    qtbot.addWidget(box)
    box.show()
    notes = []
    box.out_of_range.connect(notes.append)
    type_into(box, "200")
    assert box.value() == 127
    assert notes == ["Highest note 200 is above the highest, G9 (127): set to G9 (127)."]
    type_into(box, "C4")
    assert box.value() == 60 and notes[1:] == []


@pytest.mark.parametrize(
    ("box_name", "typed", "value", "note"),
    [
        ("bars", "64", 32, "Length 64 is above the highest, 32 bars: set to 32 bars."),
        ("variations", "16", 8, "Variations 16 is above the highest, 8: set to 8."),
        ("variations", "0", 1, "Variations 0 is below the lowest, 1: set to 1."),
        ("bars", "12", 12, None),
    ],
)
def test_the_panels_length_and_variations_keep_what_was_typed(qtbot, box_name, typed, value, note):
    panel = GenerationPanel()
    qtbot.addWidget(panel)
    panel.show()
    messages, settings = [], []
    panel.message.connect(messages.append)
    panel.settings_changed.connect(settings.append)
    box = getattr(panel, box_name)
    type_into(box, typed)
    assert box.value() == value
    assert getattr(panel.settings(), box_name) == value
    assert getattr(settings[-1], box_name) == value
    assert messages == ([note] if note else [])


def test_the_transform_dialog_says_when_a_number_was_set_to_a_limit(qtbot):
    dialog = TransformDialog("Transpose", [Field("semitones", "Semitones", 0, -24, 24)])
    qtbot.addWidget(dialog)
    dialog.show()
    box = dialog.boxes["semitones"]
    type_into(box, "-99", end=None)
    QApplication.sendEvent(box, QFocusEvent(QEvent.Type.FocusOut, Qt.FocusReason.TabFocusReason))
    assert dialog.values() == {"semitones": -24}
    assert dialog.note.isVisibleTo(dialog)
    assert dialog.note.text() == "Semitones -99 is below the lowest, -24: set to -24."


# --- in the window: the toolbar's tempo and the panel, with the status bar -----------------------


def test_typing_9999_into_the_windows_tempo_sets_400_and_says_so(qtbot, main_window):
    window = main_window(Document(SEED, SEED.end))
    window.show()
    box = window.transport.tempo_spin
    type_into(box, "9999")
    assert window.document.melody.tempo == 400  # one undo step to the limit, not 99
    assert window.statusBar().currentMessage() == (
        "Tempo 9999 is above the highest, 400 BPM: set to 400 BPM."
    )
    window.document.undo_stack.undo()
    assert window.document.melody.tempo == 120


def test_typing_64_bars_into_the_windows_panel_sets_32_and_says_so(qtbot, main_window):
    window = main_window(Document(SEED, SEED.end))
    window.show()
    type_into(window.panel.bars, "64")
    assert window.panel.settings().bars == 32
    assert window.statusBar().currentMessage() == (
        "Length 64 is above the highest, 32 bars: set to 32 bars."
    )
