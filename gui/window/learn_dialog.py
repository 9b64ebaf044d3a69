"""Generate > Learn a Style…: fine-tune a model on a folder of the user's pieces.

The dialog asks for the folder (and whether the open piece joins it), the model to start
from (the one in use), the new model's name and the minutes; a name the user already has is
replaced only after asking (``dialogs.ask_replace_model``), a shipped model's name never. The
learning runs in a :class:`gui.worker.Worker` (:func:`learning_job`, torch leaving a core to
the window), and the dialog shows its progress: files read, then time left, the epoch and the
held-out figure as it improves. Stop ends it early and keeps the best model so far. When the
model is written, ``model_learned`` tells the window (which refreshes the model chooser) and
Use It asks for it to be loaded (``use_requested``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from segue.engine.grid import regrid  # the open piece onto the model's grid
from segue.engine.learn import MIN_NOTES, LearnError, default_name, destination, model_exists
from segue.engine.melody import Melody
from segue.engine.ml.catalog import is_model_file
from segue.gui.worker import JobCancelled, Worker

BAR_STEPS = 1000
DEFAULT_MINUTES = 5
MAX_MINUTES = 120


@dataclass(frozen=True)
class LearnRequest:
    """What the dialog asks the job to learn."""

    folder: str
    base_model: str
    out: Path  # the new model's path without suffix
    minutes: float
    open_piece: Melody | None = None  # learnt from as well, when the user says so


class LearnState:
    """What the job has got to, written by the worker thread and read by the dialog (each
    attribute is replaced whole, never changed in place)."""

    def __init__(self):
        self.reading: tuple[int, int] | None = None  # files read, files in all
        self.summary: str = ""  # the folder's summary once read
        self.latest = None  # the latest LearnProgress
        self.measured = None  # the latest LearnProgress that carries a held-out figure


def learning_job(request: LearnRequest, state: LearnState, stop: threading.Event):
    """Read the folder, load the base model, learn (worker thread); yields progress 0-1 and
    returns the :class:`engine.ml.style_learning.LearnResult`."""
    from segue.engine.learn import Piece, iter_read_folder, open_piece_material  # noqa: PLC0415
    from segue.engine.ml.checkpoint import load_model  # noqa: PLC0415
    from segue.engine.ml.style_learning import (  # noqa: PLC0415
        LearnSettings,
        iter_learn,
        leaving_a_core,
    )

    model = load_model(request.base_model)
    grid = model.config.steps_per_quarter
    if request.folder:
        extra = () if request.open_piece is None else (
            Piece("the open piece", regrid(request.open_piece, grid)),)
        reading = iter_read_folder(request.folder, steps_per_quarter=grid, extra=extra,
                                   should_stop=stop.is_set)
        try:
            while True:
                state.reading = next(reading)
                yield 0.0
        except StopIteration as finished:
            material = finished.value
        except LearnError:
            if stop.is_set():
                raise JobCancelled from None
            raise
    else:  # the open piece alone: its last bars are held out to measure
        material = open_piece_material(regrid(request.open_piece, grid))
    state.summary = material.summary()
    with leaving_a_core():
        run = iter_learn(model, material, request.out, base_model=request.base_model,
                         settings=LearnSettings(minutes=request.minutes), should_stop=stop.is_set)
        try:
            while True:
                update = next(run)
                if update.held_out_bits is not None:
                    state.measured = update
                state.latest = update
                yield update.fraction
        except StopIteration as finished:
            return finished.value


def _clock(seconds: float) -> str:
    seconds = max(0, round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def progress_text(latest, measured) -> str:
    """``2:31 left · epoch 12 · held-out 3.85 bits/note (base 4.72)``."""
    parts = [f"{_clock(latest.time_left)} left", f"epoch {max(1, latest.epoch)}"]
    if measured is not None:
        parts.append(f"held-out {measured.best_bits:.2f} bits/note (base {measured.base_bits:.2f})")
    return " · ".join(parts)


class LearnDialog(QDialog):
    """See the module docstring. ``job`` is :func:`learning_job` (tests give a small one)."""

    model_learned = Signal(str)  # the new model's path without suffix
    use_requested = Signal(str)

    def __init__(
        self,
        dialogs,
        models: list[str],
        current: str | None,
        open_piece: Melody | None = None,
        *,
        job: Callable = learning_job,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle("Learn a Style")
        self.dialogs, self._job, self._open_piece = dialogs, job, open_piece
        self.worker: Worker | None = None
        self.state = LearnState()
        self._stop = threading.Event()
        self._learnt: str | None = None
        self._name_typed = False

        self.folder_edit = QLineEdit()
        self.folder_edit.setPlaceholderText("a folder of MIDI, ABC or MusicXML files")
        self.folder_edit.textEdited.connect(self._folder_typed)
        self.choose_button = QPushButton("Choose…")
        self.choose_button.clicked.connect(self.choose_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(self.choose_button)
        usable = open_piece is not None and len(open_piece.notes) >= MIN_NOTES
        self.open_piece_box = QCheckBox("Learn from the open piece (alone, or with the folder)")
        self.open_piece_box.setEnabled(usable)
        self.open_piece_box.setToolTip(
            "With a folder, the piece in the window joins its pieces (learnt from, never held "
            "out); without one, it is learnt from alone and its last bars are held out to "
            "measure.")
        self.base_combo = QComboBox()
        for name in models:
            self.base_combo.addItem(Path(name).name, name)
        if current and self.base_combo.findData(current) < 0 and is_model_file(current):
            self.base_combo.addItem(Path(current).name, current)  # a model opened from a file
        if current and self.base_combo.findData(current) >= 0:
            self.base_combo.setCurrentIndex(self.base_combo.findData(current))
        self.name_edit = QLineEdit()
        self.name_edit.textEdited.connect(self._name_edited)
        self.minutes_box = QSpinBox()
        self.minutes_box.setRange(1, MAX_MINUTES)
        self.minutes_box.setValue(DEFAULT_MINUTES)
        self.minutes_box.setSuffix(" min")
        form = QFormLayout()
        form.addRow("Pieces:", folder_row)
        form.addRow("", self.open_piece_box)
        form.addRow("Start from:", self.base_combo)
        form.addRow("New model's name:", self.name_edit)
        form.addRow("Learn for at most:", self.minutes_box)

        self.status = QLabel("A tenth of the pieces is held out to measure how well the new "
                             "model knows the style.")
        self.status.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, BAR_STEPS)
        self.bar.setTextVisible(False)
        self.figure = QLabel("")
        self.buttons = QDialogButtonBox()
        self.learn_button = self.buttons.addButton("Learn", QDialogButtonBox.ButtonRole.AcceptRole)
        self.use_button = self.buttons.addButton("Use It", QDialogButtonBox.ButtonRole.ApplyRole)
        self.use_button.setVisible(False)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.learn_button.clicked.connect(self.start)
        self.use_button.clicked.connect(self._use)
        self.close_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.bar)
        layout.addWidget(self.figure)
        layout.addWidget(self.buttons)
        self.resize(520, self.sizeHint().height())

    # --- the form ---------------------------------------------------------------------------

    def choose_folder(self) -> None:
        folder = self.dialogs.open_folder("Learn a Style: choose a folder of your pieces",
                                          self.folder_edit.text())
        if folder:
            self.set_folder(folder)

    def set_folder(self, folder: str) -> None:
        self.folder_edit.setText(folder)
        self._folder_typed(folder)

    def _folder_typed(self, folder: str) -> None:
        if not self._name_typed and folder.strip():
            self.name_edit.setText(default_name(folder.strip()))

    def _name_edited(self, _text: str) -> None:
        self._name_typed = True

    def request(self) -> LearnRequest | None:
        """The form as a request, after the questions it needs; None when it cannot be."""
        folder = self.folder_edit.text().strip()
        if not folder and not self.open_piece_box.isChecked():
            self.dialogs.error("Learn a Style", "Choose a folder of your pieces, or learn from "
                               "the open piece.")
            return None
        try:
            out = destination(self.name_edit.text())
        except LearnError as error:
            self.dialogs.error("Learn a Style", str(error))
            return None
        if model_exists(out) and not self.dialogs.ask_replace_model(out.name):
            return None
        piece = self._open_piece if self.open_piece_box.isChecked() else None
        return LearnRequest(folder, self.base_combo.currentData(), out,
                            float(self.minutes_box.value()), piece)

    # --- the run ----------------------------------------------------------------------------

    def is_running(self) -> bool:
        return self.worker is not None

    def start(self) -> None:
        if self.is_running():
            return
        request = self.request()
        if request is None:
            return
        self.state, self._stop = LearnState(), threading.Event()
        self.worker = Worker(self)
        self.worker.progress.connect(self._progress)
        self.worker.finished.connect(self._finished)
        self.worker.errored.connect(self._failed)
        self.worker.cancelled.connect(lambda: self._ended("Stopped before any learning."))
        self.worker.done.connect(self._done)
        self._set_running(True)
        self.status.setText(f"Reading {request.folder}…")
        self.figure.setText("")
        self.bar.setValue(0)
        job, state, stop = self._job, self.state, self._stop
        self.worker.start(lambda: job(request, state, stop))

    def stop(self) -> None:
        """Stop learning; the best model so far is written."""
        if self.is_running():
            self._stop.set()
            self.status.setText("Stopping: writing the best model so far…")

    def _set_running(self, running: bool) -> None:
        for widget in (self.folder_edit, self.choose_button, self.base_combo, self.name_edit,
                       self.minutes_box, self.learn_button):
            widget.setEnabled(not running)
        self.open_piece_box.setEnabled(not running and self._open_piece is not None
                                       and len(self._open_piece.notes) >= MIN_NOTES)
        self.close_button.setText("Stop and Keep the Best" if running else "Close")
        if running:
            self.use_button.setVisible(False)

    def _progress(self, fraction: float) -> None:
        state = self.state
        if state.latest is None:
            if state.reading is not None:
                done, total = state.reading
                self.status.setText(f"Reading the pieces: {done} of {total} files…")
                self.bar.setValue(round(BAR_STEPS * done / max(1, total)))
            return
        if not self._stop.is_set():
            self.status.setText(state.summary)
        self.bar.setValue(round(BAR_STEPS * fraction))
        self.figure.setText(progress_text(state.latest, state.measured))

    def _finished(self, result) -> None:
        self._learnt = str(result.path.with_suffix(""))
        self.bar.setValue(BAR_STEPS)
        self.status.setText(
            f"Saved the model {result.name} ({result.stopped}, {result.epochs} epochs). "
            f"{self.state.summary}"
        )
        self.figure.setText(
            f"Held-out pieces: {result.base_bits:.2f} bits/note with {Path(result.base_model).name}"
            f", {result.best_bits:.2f} with {result.name} ({result.ratio:.2f} x)."
        )
        self.use_button.setVisible(True)
        self.model_learned.emit(self._learnt)

    def _failed(self, message: str) -> None:
        self._ended(f"Could not learn: {message}")
        self.dialogs.error("Learn a Style", message)

    def _ended(self, text: str) -> None:
        self.status.setText(text)
        self.bar.setValue(0)

    def _done(self) -> None:
        worker, self.worker = self.worker, None
        self._set_running(False)
        if worker is not None:
            worker.deleteLater()

    def _use(self) -> None:
        if self._learnt:
            self.use_requested.emit(self._learnt)
            self.accept()

    # --- closing ----------------------------------------------------------------------------

    def reject(self) -> None:
        """Close, or while learning: stop and keep the best (the dialog stays to show it)."""
        if self.is_running():
            self.stop()
            return
        super().reject()

    def wait(self, milliseconds: int = 30000) -> bool:
        """Block until the run has ended (closing the window)."""
        return self.worker is None or self.worker.wait(milliseconds)


def show_learn_dialog(window, job: Callable = learning_job) -> LearnDialog:
    """Generate > Learn a Style…: the dialog over ``window``; the chooser lists the new model
    as soon as it is written, and Use It loads it."""
    from segue.engine.ml.catalog import available_models  # noqa: PLC0415

    dialog = LearnDialog(window.dialogs, available_models(), window.panel.settings().model,
                         window.document.piece.melody, job=job, parent=window)
    dialog.model_learned.connect(lambda _path: window.model_control.refresh())
    dialog.use_requested.connect(lambda path: use_learnt_model(window, path))
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # closes only when not learning
    dialog.open()
    return dialog


def use_learnt_model(window, path: str) -> None:
    """Select the new model in the chooser and load it."""
    name = Path(path).name
    from segue.engine.ml.catalog import available_models  # noqa: PLC0415

    chosen = name if name in available_models() else path
    panel = window.panel
    panel.set_settings(panel.settings().replace(model=chosen))
    window.model_control.refresh()
    window.model_control.load(chosen)
