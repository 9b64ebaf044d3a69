"""Loading and running models for the GUI; the heavy parts run in a :class:`Worker`.

Which models exist and where they are is :mod:`engine.ml.catalog`; what to generate is
:class:`engine.ml.request.ContinuationRequest`. torch is imported only inside the jobs, which
run in the worker thread, so the window shows before torch has loaded.

:class:`ModelManager` owns the loaded model and says what it is doing through signals; the
continuation job (:func:`continuation_job`) turns a request into variations, yielding progress
between steps so Cancel takes effect at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from segue.engine.melody import Melody
from segue.engine.ml.catalog import MODEL_SUFFIXES, display_name, is_model_file, model_path
from segue.engine.ml.request import ContinuationRequest, iter_continuations
from segue.gui.worker import JobCancelled, Worker

log = logging.getLogger(__name__)


# --- loading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadedModel:
    """A model ready to generate, with what the status bar shows about it."""

    name: str
    path: str
    model: object
    device: str  # "CPU", "GPU (NVIDIA H100)", "Apple GPU"

    def pitch_limits(self) -> tuple[int, int]:
        config = getattr(self.model, "config", None)
        return (getattr(config, "min_pitch", 0), getattr(config, "max_pitch", 127))


def device_label(device) -> str:
    """A musician-readable name for a torch device."""
    kind = getattr(device, "type", str(device))
    if kind == "cuda":
        try:
            import torch

            return f"GPU ({torch.cuda.get_device_name(device)})"
        except Exception:  # noqa: BLE001 - a label must never fail
            return "GPU"
    if kind == "mps":
        return "Apple GPU"
    return "CPU"


def load_model_job(name_or_path: str) -> LoadedModel:
    """Load a model (worker thread: imports torch); raises the engine's ModelError."""
    from segue.engine.ml.checkpoint import PICKLE_SUFFIXES, ModelError, load_model
    from segue.engine.ml.device import use_interactive_threads

    chosen = Path(name_or_path)
    suffix = chosen.suffix.lower()
    if is_model_file(name_or_path) and chosen.is_file():
        if suffix not in (*MODEL_SUFFIXES, *PICKLE_SUFFIXES):
            # A MIDI file or anything else: say so, rather than that "NAME.mid.json" is missing.
            raise ModelError(
                f"{chosen.name} is not a Segue model (a model is NAME.safetensors with its "
                "NAME.json card beside it)"
            )
    path = model_path(name_or_path)
    model = load_model(path)
    use_interactive_threads(model.device)
    return LoadedModel(display_name(str(path)), str(path), model, device_label(model.device))


class ModelManager(QObject):
    """The current model and its background loading.

    Signals: ``loading(name)``, then ``loaded(LoadedModel)`` or ``failed(name, message)``.
    A newer ``load`` supersedes an unfinished one (its result is dropped).
    """

    loading = Signal(str)
    loaded = Signal(object)
    failed = Signal(str, str)

    def __init__(self, loader: Callable[[str], LoadedModel] = load_model_job, parent=None):
        super().__init__(parent)
        self._loader = loader
        self.current: LoadedModel | None = None
        self._worker: Worker | None = None  # the load whose result counts
        self._running: set[Worker] = set()  # every load still running, superseded ones too
        self._requested: str | None = None

    @property
    def is_loading(self) -> bool:
        return self._worker is not None

    @property
    def requested(self) -> str | None:
        """The model last asked for (loaded or not)."""
        return self._requested

    def load(self, name_or_path: str) -> None:
        self._requested = name_or_path
        worker = Worker(self)
        self._worker = worker
        self._running.add(worker)
        worker.finished.connect(lambda result, w=worker: self._on_loaded(w, result))
        worker.errored.connect(
            lambda message, w=worker, n=name_or_path: self._on_failed(w, n, message)
        )
        worker.done.connect(lambda w=worker: self._on_done(w))
        self.loading.emit(display_name(name_or_path))
        worker.start(lambda: self._loader(name_or_path))

    # The load is over before anyone hears of it: a Continue pressed in reply must not find
    # the model "still loading".
    def _on_loaded(self, worker: Worker, result: LoadedModel):
        if worker is self._worker:
            self._worker = None
            self.current = result
            self.loaded.emit(result)

    def _on_failed(self, worker: Worker, name: str, message: str):
        if worker is self._worker:
            self._worker = None
            self.failed.emit(display_name(name), message)

    def _on_done(self, worker: Worker):
        if worker is self._worker:
            self._worker = None
        self._running.discard(worker)
        worker.deleteLater()

    def wait(self, milliseconds: int = 30000) -> bool:
        """Block until every load has ended (a thread must not outlive the window)."""
        return all(worker.wait(milliseconds) for worker in list(self._running))


# --- generating --------------------------------------------------------------------------------


def continuation_job(
    model: object, request: ContinuationRequest, should_stop: Callable[[], bool]
) -> Generator[float, None, list[Melody]]:
    """Generate ``request.variations`` continuations; yields progress 0-1 (worker thread).

    Runs :func:`engine.ml.request.iter_continuations`, which checks ``should_stop`` before
    every step.
    """
    return (yield from progress_of(iter_continuations(model, request, should_stop), should_stop))


def progress_of(updates, should_stop: Callable[[], bool]) -> Generator[float, None, list[Melody]]:
    """A worker job from engine updates (``GenerationUpdate``): yields their progress 0-1,
    returns the last one's melodies; JobCancelled when stopped before them."""
    melodies = None
    for update in updates:
        if update.melodies is not None:
            melodies = update.melodies
        yield update.fraction
    if melodies is None or should_stop():
        raise JobCancelled
    return melodies
