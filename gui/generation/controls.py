"""The generation panel's own controls: a note-name spin box, a slider with its value, and a
spin box, each over a control's :class:`engine.ml.options.Span` (its range lives in the engine)."""

from __future__ import annotations

import re

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QValidator
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QWidget

from segue.engine import keys
from segue.engine.ml.options import Span
from segue.gui.number_box import NumberBox

# One spelling across the app: the roll's note labels, these boxes and the key names agree.
NOTE_NAMES = keys.PITCH_CLASS_NAMES


def note_name(pitch: int) -> str:
    """MIDI 60 -> 'C4' (middle C is C4); black keys spelled as in the key names (Eb, not D#)."""
    return f"{NOTE_NAMES[pitch % 12]}{pitch // 12 - 1}"


class NoteSpinBox(NumberBox):
    """A MIDI note number shown as a note name ('C4 (60)'); typing either form works. A note
    beyond the range is set to the nearest end, with a word (``out_of_range``)."""

    def __init__(self, span: Span | None = None, parent=None, name: str = ""):
        super().__init__(name, parent)
        low, high = (int(span.low), int(span.high)) if span is not None else (0, 127)
        self.setRange(low, high)

    def textFromValue(self, value: int) -> str:
        return f"{note_name(value)} ({value})"

    def valueFromText(self, text: str) -> int:
        value = parse_note(text)
        return value if value is not None else self.value()

    def typed_number(self, text: str) -> float | None:
        return note_number(text)

    def validate(self, text: str, pos: int):
        value = parse_note(text)
        in_range = value is not None and self.minimum() <= value <= self.maximum()
        state = QValidator.State.Acceptable if in_range else QValidator.State.Intermediate
        return state, text, pos


_NOTE_TEXT = re.compile(r"^([A-Ga-g])([#b]?)(-?\d+)$")
_LETTER_PITCH = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def parse_note(text: str) -> int | None:
    """'C4', 'F#3', 'Bb2', '60' or 'C4 (60)' -> the MIDI number; None if not a note in 0-127."""
    value = note_number(text)
    return value if value is not None and 0 <= value <= 127 else None


def note_number(text: str) -> int | None:
    """A note name or number as a MIDI number, whether or not MIDI has it ('C12' -> 156)."""
    text = text.strip()
    if "(" in text and text.endswith(")"):
        text = text[text.index("(") + 1 : -1].strip()
    if text.isdigit():
        value = int(text)
    else:
        match = _NOTE_TEXT.match(text)
        if not match:
            return None
        letter, accidental, octave = match.groups()
        value = (
            (int(octave) + 1) * 12
            + _LETTER_PITCH[letter.upper()]
            + {"#": 1, "b": -1}.get(accidental, 0)
        )
    return value


SLIDER_KEYS = {
    Qt.Key.Key_Home, Qt.Key.Key_End, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown,
    Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down,
}


class SliderKeepsItsKeys(QObject):
    """Event filter for a slider: Home, End, Page and arrow keys move the focused slider, as
    everywhere else, instead of reaching the window's shortcuts (Home: return to start)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() in SLIDER_KEYS
            and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        ):
            event.accept()  # the key press goes to the slider, not to a shortcut
            return True
        return False


def keep_slider_keys(slider: QWidget) -> None:
    slider.installEventFilter(SliderKeepsItsKeys(slider))


def span_spin_box(span: Span, name: str = "") -> NumberBox:
    """A spin box over a whole-number span, named for its messages ("Length")."""
    box = NumberBox(name or span.label.capitalize())
    box.setRange(int(span.low), int(span.high))
    return box


class ValueSlider(QWidget):
    """A horizontal slider over a span in its ``step`` units, with its value beside it."""

    value_changed = Signal(float)

    def __init__(self, span: Span, decimals: int = 2, parent=None):
        super().__init__(parent)
        self._span, self._step, self._decimals = span, span.step, decimals
        step = span.step
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(round(span.low / step), round(span.high / step))
        self.slider.setPageStep(max(1, round(0.1 / step)))
        keep_slider_keys(self.slider)
        self.label = QLabel()
        self.label.setMinimumWidth(36)
        self.label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.label)
        self.slider.valueChanged.connect(self._changed)
        self._changed(self.slider.value())

    def value(self) -> float:
        """The value, always inside the span (rounding never takes it out)."""
        return self._span.clamp(round(self.slider.value() * self._step, 6))

    def set_value(self, value: float) -> None:
        self.slider.setValue(round(value / self._step))

    def setValue(self, value: float) -> None:  # noqa: N802 - a spin box's name: one interface
        self.set_value(value)

    def _changed(self, raw: int):
        self.label.setText(f"{raw * self._step:.{self._decimals}f}")
        self.value_changed.emit(self.value())

    def setToolTip(self, text: str) -> None:  # noqa: N802 - Qt's name
        super().setToolTip(text)
        self.slider.setToolTip(text)
        self.label.setToolTip(text)
