"""The generation panel: the form a musician steers continuations with.

:class:`GenerationPanel` is the form (model, temperature, rest weighting, length, variations, key
lock, pitch range, random seed with a lock), the Continue / Cancel buttons with a progress bar,
and the variation bar (previous / next, Accept, Regenerate, Discard, Audition). It only shows
values and emits settings; its buttons show the commands' actions
(:class:`gui.generation.actions.GenerationActions`, given to :meth:`GenerationPanel.show_actions`),
and :mod:`gui.generation.continuation` does the work behind them.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from segue.engine import keys
from segue.engine.ml.catalog import DEFAULT_MODEL, card_summary, display_name
from segue.engine.ml.options import (
    BARS,
    FOLLOW_SEED,
    KEY_LOCK_AUTO,
    KEY_LOCK_OFF,
    PITCH_HIGH,
    PITCH_LOW,
    REST_WEIGHT,
    RNG_SEED,
    TEMPERATURE,
    VARIATIONS,
)
from segue.engine.ml.request import GenerationSettings
from segue.gui.generation.actions import GenerationActions
from segue.gui.generation.controls import NoteSpinBox, ValueSlider, span_spin_box
from segue.gui.generation.tooltips import rich_tip

OPEN_MODEL_ITEM = "__open_model__"
AUTO_KEY_TEXT = "Auto (key of the seed)"

TIPS = {
    "model": "The style the continuation is written in. Each model learned from a different "
    "collection of tunes. Choose 'Open Model…' to use one you trained yourself.",
    "temperature": "How adventurous the continuation is. Low values play it safe and stay with "
    "the most familiar turns; high values take bolder, more surprising (and more random) turns. "
    "1.00 is the model as it learned.",
    "rest_weight": "More or fewer rests. Below 1 the line keeps moving with fewer pauses; above "
    "1 it breathes with more silence. 1 is neutral; 0: no rests; 2: mostly rests.",
    "follow_seed": "How much the continuation reuses your seed's own bars. 0: the model alone. "
    "The default (0.40) follows as folk tunes do: now and then a bar comes back, exactly or on "
    "another note. 1: most bars answer a bar of the seed with its rhythm and intervals, often "
    "on another note, varied rather than copied whole.",
    "bars": "How many bars to add after the Continue marker.",
    "variations": "How many alternative continuations to write at once. Flip through them, "
    "listen, and keep the one you like.",
    "key_lock": "Continue in one key, every new note in its scale. Off: any note may appear. "
    "Auto: the key of your seed melody (shown in brackets). Or pick a key: the continuation is "
    "what would follow your seed, moved into the chosen key by the nearest step (at most a "
    "tritone), so a C major tune locked to F# major goes on as the same tune would in F# major. "
    "A note outside the scale becomes its neighbour in the scale. The scale's rows are shaded.",
    "pitch_low": "The lowest note the continuation may use.",
    "pitch_high": "The highest note the continuation may use.",
    "rng_seed": "The roll of the dice behind a continuation. With the lock closed, the same seed "
    "and the same settings give exactly the same result again.",
    "seed_lock": "Lock the random seed: Continue and Regenerate then repeat the same roll. "
    "Unlocked, every run rolls a new seed (shown here, so you can lock one you liked).",
}


class GenerationPanel(QWidget):
    """The continuation controls; emits settings, never changes the document itself."""

    settings_changed = Signal(object)  # GenerationSettings
    message = Signal(str)  # status-bar text: a typed number set to the nearest limit
    model_chosen = Signal(str)  # a shipped model's name or a model file's path
    open_model_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._updating = False
        self.setObjectName("GenerationPanel")

        self.model_combo = QComboBox()
        self.model_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.model_combo.setMinimumContentsLength(10)
        self.temperature = ValueSlider(TEMPERATURE)
        self.rest_weight = ValueSlider(REST_WEIGHT)
        self.follow_seed = ValueSlider(FOLLOW_SEED)
        self.bars = span_spin_box(BARS, "Length")
        self.bars.setSuffix(" bars")
        self.variations = span_spin_box(VARIATIONS, "Variations")
        self.key_lock = QComboBox()
        self.key_lock.addItem("Off", KEY_LOCK_OFF)
        self.key_lock.addItem(AUTO_KEY_TEXT, KEY_LOCK_AUTO)
        self.key_lock.insertSeparator(2)
        for name in keys.ALL_KEYS:
            self.key_lock.addItem(name, name)
        self.pitch_low = NoteSpinBox(PITCH_LOW, name="Lowest note")
        self.pitch_high = NoteSpinBox(PITCH_HIGH, name="Highest note")
        self.rng_seed = span_spin_box(RNG_SEED, "Random seed")
        self.rng_seed.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.seed_lock = QToolButton()
        self.seed_lock.setCheckable(True)
        self.seed_lock.setText("Lock")
        self.seed_lock.toggled.connect(
            lambda on: self.seed_lock.setText("Locked" if on else "Lock")
        )
        # The number controls, by the setting each one shows; each widget's range is the
        # setting's Span in engine.ml.options. A new control: its Span, its widget, a line here.
        self._numbers = {
            "temperature": self.temperature,
            "rest_weight": self.rest_weight,
            "follow_seed": self.follow_seed,
            "bars": self.bars,
            "variations": self.variations,
            "pitch_low": self.pitch_low,
            "pitch_high": self.pitch_high,
            "rng_seed": self.rng_seed,
        }

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Model", self.model_combo)
        form.addRow("Temperature", self.temperature)
        form.addRow("Rests", self.rest_weight)
        form.addRow("Follow the seed", self.follow_seed)
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

        self.continue_button = _command_button()
        self.fill_button = _command_button()
        self.cancel_button = _command_button()
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(8)
        self.model_state = QLabel()
        self.model_state.setWordWrap(True)
        self.model_state.setObjectName("ModelState")
        run_row = QHBoxLayout()
        run_row.addWidget(self.continue_button, 1)
        run_row.addWidget(self.fill_button, 1)
        run_row.addWidget(self.cancel_button)

        self.previous_button = QToolButton()
        self.next_button = QToolButton()
        self.variation_label = QLabel("No variations")
        self.variation_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.accept_button = _command_button()
        self.regenerate_button = _command_button()
        self.discard_button = _command_button()
        self.audition_button = _command_button()
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
            (self.follow_seed, "follow_seed"),
            (self.bars, "bars"),
            (self.variations, "variations"),
            (self.key_lock, "key_lock"),
            (self.pitch_low, "pitch_low"),
            (self.pitch_high, "pitch_high"),
            (self.rng_seed, "rng_seed"),
            (self.seed_lock, "seed_lock"),
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

        self.model_combo.activated.connect(self._model_activated)
        for signal in (
            self.temperature.value_changed,
            self.rest_weight.value_changed,
            self.follow_seed.value_changed,
            self.bars.valueChanged,
            self.variations.valueChanged,
            self.key_lock.currentIndexChanged,
            self.rng_seed.valueChanged,
            self.seed_lock.toggled,
        ):
            signal.connect(self._emit_settings)
        for box in (self.bars, self.variations, self.pitch_low, self.pitch_high, self.rng_seed):
            box.out_of_range.connect(self.message)
        self.pitch_low.valueChanged.connect(lambda v: self._keep_range(low_changed=True))
        self.pitch_high.valueChanged.connect(lambda v: self._keep_range(low_changed=False))

        self._model = DEFAULT_MODEL
        self.set_models([], None)
        self.set_settings(GenerationSettings())
        self.set_busy(False)
        self.set_variation_state(0, 0)

    def show_actions(self, actions: GenerationActions) -> None:
        """The buttons show (and trigger) the commands' actions: text, tip and enabled state."""
        for button, key in (
            (self.continue_button, "continue"),
            (self.fill_button, "fill"),
            (self.cancel_button, "cancel"),
            (self.previous_button, "previous_variation"),
            (self.next_button, "next_variation"),
            (self.accept_button, "accept"),
            (self.regenerate_button, "regenerate"),
            (self.discard_button, "discard"),
            (self.audition_button, "audition"),
        ):
            button.setDefaultAction(actions[key])
        # The arrows stand for the texts (setDefaultAction shows the action's text).
        self.previous_button.setArrowType(Qt.ArrowType.LeftArrow)
        self.next_button.setArrowType(Qt.ArrowType.RightArrow)

    # --- settings -----------------------------------------------------------------------------

    def settings(self) -> GenerationSettings:
        return GenerationSettings(
            model=self._model,
            key_lock=self.key_lock.currentData() or KEY_LOCK_OFF,
            seed_locked=self.seed_lock.isChecked(),
            **{name: widget.value() for name, widget in self._numbers.items()},
        )

    def set_settings(self, settings: GenerationSettings) -> None:
        self._updating = True
        try:
            self._model = settings.model
            self._select_model_item(settings.model)
            for name, widget in self._numbers.items():  # the lowest pitch before the highest
                widget.setValue(getattr(settings, name))
            index = self.key_lock.findData(settings.key_lock)
            self.key_lock.setCurrentIndex(max(0, index))
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
            summary = card_summary(name)  # what the model is and learnt from: its card
            if summary:
                self.model_combo.setItemData(
                    self.model_combo.count() - 1, summary, Qt.ItemDataRole.ToolTipRole
                )
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
        """The progress bar shows while a continuation is written (the actions enable buttons)."""
        self.progress.setValue(0)
        self.progress.setVisible(busy)

    def set_progress(self, fraction: float) -> None:
        self.progress.setValue(round(1000 * min(1.0, max(0.0, fraction))))

    def set_variation_state(self, index: int, count: int) -> None:
        if count:
            self.variation_label.setText(f"Variation {index + 1} of {count}")
        else:
            self.variation_label.setText("No variations")


def _command_button() -> QToolButton:
    """A text button as wide as its cell, for a command's action."""
    button = QToolButton()
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    return button
