"""The generation panel: the form a musician steers continuations with.

:class:`GenerationPanel` is the form (model, temperature, rest weighting, length, variations, key
lock, pitch range, random seed with a lock), the Continue / Cancel buttons with a progress bar,
and the variation bar (previous / next, Accept, Regenerate, Discard, Audition). It only shows
values and emits requests; :mod:`gui.generation.continuation` does the work behind them.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine import keys
from engine.session import (
    BARS_RANGE,
    KEY_LOCK_AUTO,
    KEY_LOCK_OFF,
    RNG_SEED_RANGE,
    VARIATIONS_RANGE,
    GenerationSettings,
)
from gui.generation.model_loader import display_name
from gui.generation.tooltips import rich_tip

OPEN_MODEL_ITEM = "__open_model__"
AUTO_KEY_TEXT = "Auto (key of the seed)"
# One spelling across the app: the roll's note labels, these boxes and the key names agree.
NOTE_NAMES = keys.PITCH_CLASS_NAMES


def note_name(pitch: int) -> str:
    """MIDI 60 -> 'C4' (middle C is C4); black keys spelled as in the key names (Eb, not D#)."""
    return f"{NOTE_NAMES[pitch % 12]}{pitch // 12 - 1}"


class NoteSpinBox(QSpinBox):
    """A MIDI note number shown as a note name ('C4 (60)'); typing either form works."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setRange(0, 127)

    def textFromValue(self, value: int) -> str:
        return f"{note_name(value)} ({value})"

    def valueFromText(self, text: str) -> int:
        value = _parse_note(text)
        return value if value is not None else self.value()

    def validate(self, text: str, pos: int):
        from PySide6.QtGui import QValidator

        state = (
            QValidator.State.Acceptable
            if _parse_note(text) is not None
            else QValidator.State.Intermediate
        )
        return state, text, pos


_NOTE_TEXT = re.compile(r"^([A-Ga-g])([#b]?)(-?\d+)$")
_LETTER_PITCH = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def _parse_note(text: str) -> int | None:
    """'C4', 'F#3', 'Bb2', '60' or 'C4 (60)' -> the MIDI number; None if not a note in 0-127."""
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
    return value if 0 <= value <= 127 else None


class ValueSlider(QWidget):
    """A horizontal slider over ``low``..``high`` in ``step`` units, with its value beside it."""

    value_changed = Signal(float)

    def __init__(self, low: float, high: float, step: float, decimals: int = 2, parent=None):
        super().__init__(parent)
        self._step, self._decimals = step, decimals
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(round(low / step), round(high / step))
        self.slider.setPageStep(max(1, round(0.1 / step)))
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
        return round(self.slider.value() * self._step, 6)

    def set_value(self, value: float) -> None:
        self.slider.setValue(round(value / self._step))

    def _changed(self, raw: int):
        self.label.setText(f"{raw * self._step:.{self._decimals}f}")
        self.value_changed.emit(self.value())

    def setToolTip(self, text: str) -> None:  # noqa: N802 - Qt's name
        super().setToolTip(text)
        self.slider.setToolTip(text)
        self.label.setToolTip(text)


TIPS = {
    "model": "The style the continuation is written in. Each model learned from a different "
    "collection of tunes. Choose 'Open Model…' to use one you trained yourself.",
    "temperature": "How adventurous the continuation is. Low values play it safe and stay with "
    "the most familiar turns; high values take bolder, more surprising (and more random) turns. "
    "1.00 is the model as it learned.",
    "rest_weight": "More or fewer rests. Below 1 the line keeps moving with fewer pauses; above "
    "1 it breathes with more silence. 1 is neutral.",
    "bars": "How many bars to add after the Continue marker.",
    "variations": "How many alternative continuations to write at once. Flip through them, "
    "listen, and keep the one you like.",
    "key_lock": "Keep every new note in one key. Off: any note may appear. Auto: the key of your "
    "seed melody (shown in brackets). Or pick a key.",
    "pitch_low": "The lowest note the continuation may use.",
    "pitch_high": "The highest note the continuation may use.",
    "rng_seed": "The roll of the dice behind a continuation. With the lock closed, the same seed "
    "and the same settings give exactly the same result again.",
    "seed_lock": "Lock the random seed: Continue and Regenerate then repeat the same roll. "
    "Unlocked, every run rolls a new seed (shown here, so you can lock one you liked).",
    "continue": "Write a continuation after the marker from the notes before it.",
    "cancel": "Stop the continuation being written; your piece stays as it was.",
    "previous": "Show the previous variation.",
    "next": "Show the next variation.",
    "accept": "Keep this variation: it becomes part of the piece in place of any notes after the "
    "marker (one undo step; Undo brings the variations back), and the marker moves to the end of "
    "the new phrase so the next Continue goes on from there.",
    "regenerate": "Throw these variations away and write new ones with the current settings.",
    "discard": "Throw the variations away; the piece stays as it was.",
    "audition": "Play the piece with this variation through the MIDI output.",
}


class GenerationPanel(QWidget):
    """The continuation controls; emits requests, never changes the document itself."""

    settings_changed = Signal(object)  # GenerationSettings
    model_chosen = Signal(str)  # a shipped model's name or a model file's path
    open_model_requested = Signal()
    continue_requested = Signal()
    cancel_requested = Signal()
    previous_requested = Signal()
    next_requested = Signal()
    accept_requested = Signal()
    regenerate_requested = Signal()
    discard_requested = Signal()
    audition_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._updating = False
        self.setObjectName("GenerationPanel")

        self.model_combo = QComboBox()
        self.model_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.model_combo.setMinimumContentsLength(10)
        self.temperature = ValueSlider(0.1, 2.0, 0.05)
        self.rest_weight = ValueSlider(0.0, 2.0, 0.05)
        self.bars = QSpinBox()
        self.bars.setRange(*BARS_RANGE)
        self.bars.setSuffix(" bars")
        self.variations = QSpinBox()
        self.variations.setRange(*VARIATIONS_RANGE)
        self.key_lock = QComboBox()
        self.key_lock.addItem("Off", KEY_LOCK_OFF)
        self.key_lock.addItem(AUTO_KEY_TEXT, KEY_LOCK_AUTO)
        self.key_lock.insertSeparator(2)
        for name in keys.ALL_KEYS:
            self.key_lock.addItem(name, name)
        self.pitch_low = NoteSpinBox()
        self.pitch_high = NoteSpinBox()
        self.rng_seed = QSpinBox()
        self.rng_seed.setRange(*RNG_SEED_RANGE)
        self.rng_seed.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.seed_lock = QToolButton()
        self.seed_lock.setCheckable(True)
        self.seed_lock.setText("Lock")
        self.seed_lock.toggled.connect(
            lambda on: self.seed_lock.setText("Locked" if on else "Lock")
        )

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Model", self.model_combo)
        form.addRow("Temperature", self.temperature)
        form.addRow("Rests", self.rest_weight)
        form.addRow("Length", self.bars)
        form.addRow("Variations", self.variations)
        form.addRow("Key lock", self.key_lock)
        form.addRow("Lowest note", self.pitch_low)
        form.addRow("Highest note", self.pitch_high)
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.rng_seed, 1)
        seed_row.addWidget(self.seed_lock)
        form.addRow("Random seed", seed_row)
        settings_box = QGroupBox("Continuation")
        settings_box.setLayout(form)

        self.continue_button = QPushButton("Continue")
        self.continue_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(8)
        self.model_state = QLabel()
        self.model_state.setWordWrap(True)
        self.model_state.setObjectName("ModelState")
        run_row = QHBoxLayout()
        run_row.addWidget(self.continue_button, 1)
        run_row.addWidget(self.cancel_button)

        self.previous_button = QToolButton()
        self.previous_button.setArrowType(Qt.ArrowType.LeftArrow)
        self.next_button = QToolButton()
        self.next_button.setArrowType(Qt.ArrowType.RightArrow)
        self.variation_label = QLabel("No variations")
        self.variation_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.accept_button = QPushButton("Accept")
        self.regenerate_button = QPushButton("Regenerate")
        self.discard_button = QPushButton("Discard")
        self.audition_button = QPushButton("Audition")
        variation_grid = QGridLayout()
        variation_grid.addWidget(self.previous_button, 0, 0)
        variation_grid.addWidget(self.variation_label, 0, 1, 1, 2)
        variation_grid.addWidget(self.next_button, 0, 3)
        variation_grid.addWidget(self.accept_button, 1, 0, 1, 2)
        variation_grid.addWidget(self.audition_button, 1, 2, 1, 2)
        variation_grid.addWidget(self.regenerate_button, 2, 0, 1, 2)
        variation_grid.addWidget(self.discard_button, 2, 2, 1, 2)
        variation_box = QGroupBox("Variations")
        variation_box.setLayout(variation_grid)

        layout = QVBoxLayout(self)
        layout.addWidget(settings_box)
        layout.addLayout(run_row)
        layout.addWidget(self.progress)
        layout.addWidget(self.model_state)
        layout.addWidget(variation_box)
        layout.addStretch(1)

        for widget, tip in (
            (self.model_combo, "model"),
            (self.temperature, "temperature"),
            (self.rest_weight, "rest_weight"),
            (self.bars, "bars"),
            (self.variations, "variations"),
            (self.key_lock, "key_lock"),
            (self.pitch_low, "pitch_low"),
            (self.pitch_high, "pitch_high"),
            (self.rng_seed, "rng_seed"),
            (self.seed_lock, "seed_lock"),
            (self.continue_button, "continue"),
            (self.cancel_button, "cancel"),
            (self.previous_button, "previous"),
            (self.next_button, "next"),
            (self.accept_button, "accept"),
            (self.regenerate_button, "regenerate"),
            (self.discard_button, "discard"),
            (self.audition_button, "audition"),
        ):
            widget.setToolTip(rich_tip(TIPS[tip]))
        # Clicking a button leaves the keyboard focus where it was (the roll, usually), as in a
        # DAW: Delete or the arrows then still edit notes. Continue disables itself while it runs,
        # and a focused disabled button would hand the focus to the next box in the window (the
        # tempo), where Delete would wipe the text. Tab still reaches every button.
        for button in (
            self.seed_lock,
            self.continue_button,
            self.cancel_button,
            self.previous_button,
            self.next_button,
            self.accept_button,
            self.regenerate_button,
            self.discard_button,
            self.audition_button,
        ):
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)

        self.continue_button.clicked.connect(self.continue_requested)
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.previous_button.clicked.connect(self.previous_requested)
        self.next_button.clicked.connect(self.next_requested)
        self.accept_button.clicked.connect(self.accept_requested)
        self.regenerate_button.clicked.connect(self.regenerate_requested)
        self.discard_button.clicked.connect(self.discard_requested)
        self.audition_button.clicked.connect(self.audition_requested)
        self.model_combo.activated.connect(self._model_activated)
        for signal in (
            self.temperature.value_changed,
            self.rest_weight.value_changed,
            self.bars.valueChanged,
            self.variations.valueChanged,
            self.key_lock.currentIndexChanged,
            self.rng_seed.valueChanged,
            self.seed_lock.toggled,
        ):
            signal.connect(self._emit_settings)
        self.pitch_low.valueChanged.connect(lambda v: self._keep_range(low_changed=True))
        self.pitch_high.valueChanged.connect(lambda v: self._keep_range(low_changed=False))

        self._model = "folk"
        self.set_models([], None)
        self.set_settings(GenerationSettings())
        self.set_busy(False)
        self.set_variation_state(0, 0)

    # --- settings -----------------------------------------------------------------------------

    def settings(self) -> GenerationSettings:
        return GenerationSettings(
            model=self._model,
            temperature=min(2.0, max(0.1, self.temperature.value())),
            rest_weight=min(2.0, max(0.0, self.rest_weight.value())),
            bars=self.bars.value(),
            variations=self.variations.value(),
            key_lock=self.key_lock.currentData() or KEY_LOCK_OFF,
            pitch_low=self.pitch_low.value(),
            pitch_high=self.pitch_high.value(),
            rng_seed=self.rng_seed.value(),
            seed_locked=self.seed_lock.isChecked(),
        )

    def set_settings(self, settings: GenerationSettings) -> None:
        self._updating = True
        try:
            self._model = settings.model
            self._select_model_item(settings.model)
            self.temperature.set_value(settings.temperature)
            self.rest_weight.set_value(settings.rest_weight)
            self.bars.setValue(settings.bars)
            self.variations.setValue(settings.variations)
            index = self.key_lock.findData(settings.key_lock)
            self.key_lock.setCurrentIndex(max(0, index))
            self.pitch_low.setValue(settings.pitch_low)
            self.pitch_high.setValue(settings.pitch_high)
            self.rng_seed.setValue(settings.rng_seed)
            self.seed_lock.setChecked(settings.seed_locked)
        finally:
            self._updating = False
        self._emit_settings()

    def set_auto_key(self, key: str | None) -> None:
        """Show which key 'Auto' stands for now ('Auto (D major)'); None: the seed has no notes."""
        index = self.key_lock.findData(KEY_LOCK_AUTO)
        self.key_lock.setItemText(index, f"Auto ({key})" if key else AUTO_KEY_TEXT)

    def set_rng_seed(self, seed: int) -> None:
        self.rng_seed.setValue(seed)

    def _keep_range(self, low_changed: bool):
        # The two ends may never cross: moving one pushes the other along.
        low, high = self.pitch_low.value(), self.pitch_high.value()
        if low > high:
            if low_changed:
                self.pitch_high.setValue(low)
            else:
                self.pitch_low.setValue(high)
            return
        self._emit_settings()

    def _emit_settings(self, *_):
        if not self._updating:
            self.settings_changed.emit(self.settings())

    # --- models -------------------------------------------------------------------------------

    def set_models(
        self, names: list[str], current: str | None, extra_paths: tuple[str, ...] = ()
    ) -> None:
        """Fill the chooser: shipped ``names``, models opened from files, then 'Open model…'."""
        self.model_combo.blockSignals(True)
        self.model_combo.clear()
        for name in names:
            self.model_combo.addItem(name, name)
        for path in extra_paths:
            if self.model_combo.findData(path) < 0:
                self.model_combo.addItem(display_name(path), path)
                self.model_combo.setItemData(
                    self.model_combo.count() - 1, path, Qt.ItemDataRole.ToolTipRole
                )
        if not names and not extra_paths:
            self.model_combo.addItem("No model", None)
        self.model_combo.insertSeparator(self.model_combo.count())
        self.model_combo.addItem("Open Model…", OPEN_MODEL_ITEM)
        self.model_combo.blockSignals(False)
        if current:
            self._model = current
            self._select_model_item(current)

    def add_model_path(self, path: str) -> None:
        if self.model_combo.findData(path) < 0:
            self.model_combo.insertItem(self.model_combo.count() - 2, display_name(path), path)
        self._model = path
        self._select_model_item(path)
        self._emit_settings()

    def _select_model_item(self, name: str):
        index = self.model_combo.findData(name)
        if index >= 0:
            self.model_combo.blockSignals(True)
            self.model_combo.setCurrentIndex(index)
            self.model_combo.blockSignals(False)

    def _model_activated(self, index: int):
        data = self.model_combo.itemData(index)
        if data == OPEN_MODEL_ITEM:
            self._select_model_item(self._model)  # stays on the current one until a file is chosen
            self.open_model_requested.emit()
        elif data and data != self._model:
            self._model = data
            self._emit_settings()
            self.model_chosen.emit(data)

    def set_model_state(self, text: str) -> None:
        """What the model is doing ('Loading folk…', 'No model'); hidden when empty."""
        self.model_state.setText(text)
        self.model_state.setVisible(bool(text))

    # --- running ------------------------------------------------------------------------------

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.progress.setValue(0)
        self.progress.setVisible(busy)
        self._update_buttons()

    def set_progress(self, fraction: float) -> None:
        self.progress.setValue(round(1000 * min(1.0, max(0.0, fraction))))

    def set_variation_state(self, index: int, count: int) -> None:
        self._variation_count = count
        if count:
            self.variation_label.setText(f"Variation {index + 1} of {count}")
        else:
            self.variation_label.setText("No variations")
        self._update_buttons()

    def _update_buttons(self):
        busy = getattr(self, "_busy", False)
        count = getattr(self, "_variation_count", 0)
        self.continue_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)
        for button in (self.previous_button, self.next_button):
            button.setEnabled(count > 1 and not busy)
        for button in (self.accept_button, self.discard_button, self.audition_button):
            button.setEnabled(count > 0 and not busy)
        self.regenerate_button.setEnabled(count > 0 and not busy)
