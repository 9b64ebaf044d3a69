"""Scoring the piece note by note as the user edits, for the surprise lane and tint.

:class:`SurpriseController` owns View > Surprise Lane and View > Tint Notes by Surprise (both
remembered in the settings). While either is on, every change of the document's melody, of the
model, or of the panel's "Follow the seed" rescores the whole melody in a
:class:`~gui.worker.Worker`, :data:`DEBOUNCE_MS` after the last change, so a burst of edits
costs one scoring; a newer scoring supersedes a running one, whose result is dropped, as is a
result for a melody that is no longer the document's. The figures go to the roll
(:meth:`gui.piano_roll.roll.PianoRoll.set_surprises`). torch is imported only inside the job.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction

from segue.engine.grid import holds_triplets, regrid_chords, regrid_with_report
from segue.engine.melody import Melody
from segue.engine.ml.grid_view import model_for, model_grid
from segue.gui import settings as prefs
from segue.gui.document import Document
from segue.gui.generation.model_loader import ModelManager
from segue.gui.generation.panel import GenerationPanel
from segue.gui.piano_roll.surprise import Surprises
from segue.gui.worker import Worker

TRIPLETS_NOT_SCORED = "Not scored: triplets (this model hears a straight grid)"
DEBOUNCE_MS = 150  # after the last edit; scoring a 64-bar piece takes ~15 ms (bench/surprise.py)

ScoreJob = Callable[[object, Melody, float, tuple], dict]


def score_notes(model, melody: Melody, follow_seed: float, chords: tuple = ()) -> dict:
    """The engine's per-note score, hearing the chord track as generation does (worker
    thread: imports torch)."""
    from segue.engine.ml.evaluation import score  # noqa: PLC0415 - torch loads in the worker

    return score(model, melody, follow_seed=follow_seed, per_note=True, chords=chords or None)


def surprises_of(job: ScoreJob, model, melody: Melody, follow_seed: float, chords=()) -> Surprises:
    """``job``'s figures for ``melody`` over ``chords``; a melody the model cannot score says
    why instead. A piece on another grid than the model's (a triplet piece) is scored as the
    model hears it, on its grid, when every note keeps a step of its own there: the figures then
    go back to the piece's notes, one for one in order. Notes that would collide are not scored
    at all: wrong bits would be worse than none. A straight piece is scored by the style's model
    for straight pieces when it has one, as it is continued."""
    heard, heard_chords = melody, chords
    model = model_for(model, melody.steps_per_quarter)
    grid = model_grid(model)
    if grid is not None and grid != melody.steps_per_quarter:
        try:
            regridded = regrid_with_report(melody, grid)
        except ValueError as exc:  # a meter the model's grid has no whole bar of
            return Surprises(problem=f"Not scored: {exc}")
        if regridded.dropped:
            return Surprises(problem=TRIPLETS_NOT_SCORED if holds_triplets(melody) else (
                f"Not scored: notes closer than this model's grid ({grid} steps per quarter)"))
        heard = regridded.melody
        heard_chords = regrid_chords(chords, melody.steps_per_quarter, grid)
    try:
        result = job(model, heard, follow_seed, heard_chords)
    except ValueError as exc:  # out of the model's range, another grid: bad input, no bug
        return Surprises(problem=f"Not scored: {exc}")
    return Surprises.from_score(melody, result)


class SurpriseController(QObject):
    """See the module docstring. ``roll`` is the :class:`~gui.piano_roll.roll.PianoRoll`;
    ``job(model, melody, follow_seed, chords)`` returns ``score(..., per_note=True)`` (tests:
    a fake)."""

    scored = Signal(object)  # the Surprises now shown

    def __init__(self, document: Document, models: ModelManager, panel: GenerationPanel, roll,
                 job: ScoreJob = score_notes, delay_ms: int = DEBOUNCE_MS, parent=None):
        super().__init__(parent)
        self.document, self.models, self.panel, self.roll = document, models, panel, roll
        self.job = job
        self._current: Worker | None = None  # the scoring whose result counts
        self._running: set[Worker] = set()  # superseded ones too, until their threads end
        self._follow = panel.settings().follow_seed
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self.rescore)

        self.lane_action = self._toggle(
            "Surprise &Lane", prefs.SURPRISE_LANE,
            "A lane under the roll: how surprising each note is to the model, in bits "
            "(hover a bar to see what it expected).")
        self.tint_action = self._toggle(
            "&Tint Notes by Surprise", prefs.SURPRISE_TINT,
            "Colour the notes from blue (what the model expected) to orange (a surprise).")
        self.lane_action.toggled.connect(roll.show_surprise_lane)
        self.tint_action.toggled.connect(roll.set_surprise_tint)
        roll.show_surprise_lane(self.lane_action.isChecked())
        roll.set_surprise_tint(self.tint_action.isChecked())

        roll.destroyed.connect(self._roll_gone)
        document.melody_changed.connect(self.schedule)
        document.chords_changed.connect(self.schedule)  # a chord-aware model hears them
        models.loaded.connect(lambda _loaded: self.schedule())
        panel.settings_changed.connect(self._settings_changed)
        self.schedule()

    def _toggle(self, text: str, setting: prefs.Setting, tip: str) -> QAction:
        action = QAction(text, self)
        action.setCheckable(True)
        action.setChecked(setting.read())
        action.setStatusTip(tip)
        action.setToolTip(tip)
        action.toggled.connect(setting.write)
        action.toggled.connect(lambda _on: self._shown_changed())
        return action

    @property
    def active(self) -> bool:
        """Whether anything shows the figures (nothing is scored otherwise)."""
        return self.lane_action.isChecked() or self.tint_action.isChecked()

    @property
    def busy(self) -> bool:
        """A scoring is waiting or running (superseded ones included)."""
        return self._timer.isActive() or bool(self._running)

    def _shown_changed(self) -> None:
        if self.active:
            self.schedule()
        else:
            self._timer.stop()
            self._supersede()
            self.roll.set_surprises(None)

    def _settings_changed(self, settings) -> None:
        if settings.follow_seed != self._follow:
            self._follow = settings.follow_seed
            self.schedule()

    def schedule(self) -> None:
        """Rescore after the debounce delay (a later call restarts it)."""
        if self.active:
            self._timer.start()

    def rescore(self) -> None:
        """Score the document's melody now, superseding a running scoring."""
        self._timer.stop()
        if not self.active:
            return
        self._supersede()
        loaded, melody = self.models.current, self.document.melody
        if loaded is None:
            waiting = "The model is loading…" if self.models.is_loading else "No model loaded"
            self.roll.set_surprises(None, waiting)
            return
        if not melody.notes:
            self.roll.set_surprises(None)
            return
        worker = Worker(self)
        self._current = worker
        self._running.add(worker)
        worker.finished.connect(lambda result, w=worker, m=melody: self._scored(w, m, result))
        worker.errored.connect(lambda message, w=worker: self._failed(w, message))
        worker.done.connect(lambda w=worker: self._done(w))
        self._follow = self.panel.settings().follow_seed  # the panel may have been set quietly
        job, model, follow, chords = self.job, loaded.model, self._follow, self.document.piece.chords
        worker.start(lambda: surprises_of(job, model, melody, follow, chords))

    def _supersede(self) -> None:
        if self._current is not None:
            self._current.cancel()
            self._current = None

    def _scored(self, worker: Worker, melody: Melody, surprises: Surprises) -> None:
        if worker is not self._current or melody is not self.document.melody:
            return  # stale: a newer scoring is on its way
        self._current = None
        self.roll.set_surprises(surprises)
        self.scored.emit(surprises)

    def _failed(self, worker: Worker, message: str) -> None:
        if worker is self._current:
            self._current = None
            self.roll.set_surprises(None, f"Not scored: {message}")

    def _done(self, worker: Worker) -> None:
        self._running.discard(worker)
        worker.deleteLater()

    def _roll_gone(self, *_args) -> None:
        self.shutdown()  # nothing left to show the figures on

    def shutdown(self, milliseconds: int = 5000) -> None:
        """Stop scoring and wait for running jobs (a thread must not outlive the window)."""
        self._timer.stop()
        self._supersede()
        for worker in list(self._running):
            worker.wait(milliseconds)
