"""Finding, loading and running models for the GUI; the heavy parts run in a :class:`Worker`.

Shipped models live in ``models/`` (``$SEGUE_MODELS_DIR`` overrides it) as ``NAME.safetensors``
+ ``NAME.json``, with ``NAME.openings.json`` beside them: a few opening phrases from the
model's validation split for File > New from Corpus. torch is imported only inside the jobs,
which run in the worker thread, so the window shows before torch has loaded.

:class:`ModelManager` owns the loaded model and says what it is doing through signals; the
continuation job (:func:`continuation_job`) turns a :class:`ContinuationRequest` into
variations, yielding progress between steps so Cancel takes effect at once.
"""

from __future__ import annotations

import logging
import os
import random
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from engine.melody import Melody
from engine.session import GenerationSettings, SessionError, read_melodies
from gui.worker import JobCancelled, Worker

log = logging.getLogger(__name__)

MODELS_DIR_ENV = "SEGUE_MODELS_DIR"
DEFAULT_MODEL = "folk"
ROOT = Path(__file__).resolve().parents[2]


def models_dir() -> Path:
    configured = os.environ.get(MODELS_DIR_ENV)
    return Path(configured) if configured else ROOT / "models"


def shipped_models(folder: str | Path | None = None) -> list[str]:
    """Names of the complete models in ``folder`` (weights and card), the default first."""
    folder = Path(folder) if folder is not None else models_dir()
    if not folder.is_dir():
        return []
    names = sorted(
        p.name[: -len(".safetensors")]
        for p in folder.glob("*.safetensors")
        if (folder / (p.name[: -len(".safetensors")] + ".json")).is_file()
    )
    return sorted(names, key=lambda name: name != DEFAULT_MODEL)


def is_model_file(name_or_path: str) -> bool:
    """True for a path the user chose (rather than a shipped model's name)."""
    return (
        Path(name_or_path).suffix.lower() in (".safetensors", ".json")
        or "/" in name_or_path
        or os.sep in name_or_path
    )


def model_path(name_or_path: str, folder: str | Path | None = None) -> Path:
    """The model's path without suffix: a shipped model's name, or a file the user chose."""
    if is_model_file(name_or_path):
        candidate = Path(name_or_path).expanduser()
        return (
            candidate.with_suffix("")
            if candidate.suffix.lower() in (".safetensors", ".json")
            else candidate
        )
    folder = Path(folder) if folder is not None else models_dir()
    return folder / name_or_path


def display_name(name_or_path: str) -> str:
    """What the user calls a model: its file name without suffix."""
    path = Path(name_or_path)
    return (
        path.with_suffix("").name if path.suffix.lower() in (".safetensors", ".json") else path.name
    )


def openings_path(model: str | Path) -> Path:
    base = model_path(str(model))
    return base.with_name(base.name + ".openings.json")


def read_openings(model: str | Path) -> list[Melody]:
    """The opening phrases shipped with ``model``; SessionError naming the file otherwise."""
    path = openings_path(model)
    if not path.is_file():
        raise SessionError(
            f"{path.name} does not exist: model {display_name(str(model))} ships no openings"
        )
    openings = read_melodies(path)
    if not openings:
        raise SessionError(f"{path.name} holds no opening phrases")
    return openings


def random_opening(model: str | Path, rng: random.Random | None = None) -> Melody:
    return (rng or random).choice(read_openings(model))


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
    from engine.ml.model import PICKLE_SUFFIXES, ModelError, load_model

    chosen = Path(name_or_path)
    suffix = chosen.suffix.lower()
    if is_model_file(name_or_path) and chosen.is_file():
        if suffix not in (".safetensors", ".json", *PICKLE_SUFFIXES):
            # A MIDI file or anything else: say so, rather than that "NAME.mid.json" is missing.
            raise ModelError(
                f"{chosen.name} is not a Segue model (a model is NAME.safetensors with its "
                "NAME.json card beside it)"
            )
    path = model_path(name_or_path)
    model = load_model(path)
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


@dataclass(frozen=True)
class ContinuationRequest:
    """What to continue and how: everything the worker needs, as plain values."""

    seed: Melody  # the notes before the marker
    start: int  # the marker: where the continuation begins
    steps: int
    temperature: float
    rest_weight: float
    variations: int
    rng_seed: int
    key: str | None
    pitch_range: tuple[int, int] | None

    @classmethod
    def build(
        cls,
        seed: Melody,
        start: int,
        settings: GenerationSettings,
        model_range: tuple[int, int] | None = None,
    ) -> ContinuationRequest:
        """The request for ``seed`` continued from ``start`` with ``settings``.

        The pitch range is left out (None) when it covers the whole range of the model.
        """
        pitch_range: tuple[int, int] | None = (settings.pitch_low, settings.pitch_high)
        if (
            model_range is not None
            and pitch_range[0] <= model_range[0]
            and pitch_range[1] >= model_range[1]
        ):
            pitch_range = None
        return cls(
            seed=seed,
            start=start,
            steps=settings.steps(seed),
            temperature=settings.temperature,
            rest_weight=settings.rest_weight,
            variations=settings.variations,
            rng_seed=settings.rng_seed,
            key=settings.resolved_key(seed),
            pitch_range=pitch_range,
        )


def continuation_job(
    model: object, request: ContinuationRequest, should_stop: Callable[[], bool]
) -> Generator[float, None, list[Melody]]:
    """Generate ``request.variations`` continuations; yields progress 0-1 (worker thread).

    Runs ``engine.ml.sampling.iter_generate``, which checks ``should_stop`` before every step.
    """
    from engine.ml.sampling import iter_generate

    melodies = None
    updates = iter_generate(
        model,
        request.seed,
        request.steps,
        temperature=request.temperature,
        rest_weight=request.rest_weight,
        variations=request.variations,
        rng_seed=request.rng_seed,
        key=request.key,
        pitch_range=request.pitch_range,
        start=request.start,
        should_stop=should_stop,
    )
    for update in updates:
        if update.melodies is not None:
            melodies = update.melodies
        yield update.fraction
    if melodies is None or should_stop():
        raise JobCancelled
    return melodies


def stand_in_continuation(request: ContinuationRequest) -> list[Melody]:
    """Clearly artificial continuations for when no model exists (``--screenshot`` only):
    the seed's last bar echoed, moved by a different pattern of steps in each variation."""
    seed = request.seed
    bar = seed.steps_per_bar
    phrase = seed.slice(max(0, seed.end - bar), seed.end)
    patterns = ((2, -1, 4, 0, 5, -3, 7, 2), (-2, 3, 0, -5, 2, 7, -1, 4), (5, 0, -3, 2, 4, -1, 0, 3))
    end = request.start + request.steps
    variations = []
    for number in range(max(1, request.variations)):
        shifts = patterns[number % len(patterns)]
        notes = []
        for round_, offset in enumerate(range(request.start, end, bar)):
            for note in phrase.notes:
                if offset + note.start < end:
                    pitch = min(127, max(0, note.pitch + shifts[round_ % len(shifts)]))
                    notes.append(note.with_start(offset + note.start).with_pitch(pitch))
        variations.append(seed.with_notes(notes))
    return variations
