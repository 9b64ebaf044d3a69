"""Finding models: the default model, the models folder, and what "a name or a path" means.

A model is two files, ``NAME.safetensors`` (weights) and ``NAME.json`` (its card), usually with
``NAME.openings.json`` beside them. Shipped models live in ``models/`` at the top of the
project; ``$SEGUE_MODELS_DIR`` points elsewhere. The user names a model either by a shipped
model's name (``folk``) or by a path (anything with a folder or a model suffix in it).

No torch here: the GUI lists models at start-up, before torch has loaded.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_MODEL = "folk"
MODELS_DIR_ENV = "SEGUE_MODELS_DIR"
MODEL_SUFFIXES = (".safetensors", ".json")
_SHIPPED_DIR = Path(__file__).resolve().parents[2] / "models"


def models_dir() -> Path:
    """The folder of shipped models: ``$SEGUE_MODELS_DIR`` if set, else ``models/``."""
    configured = os.environ.get(MODELS_DIR_ENV)
    return Path(configured) if configured else _SHIPPED_DIR


def without_suffix(path: str | os.PathLike) -> Path:
    """``NAME`` for ``NAME``, ``NAME.json`` or ``NAME.safetensors`` (a dot inside NAME stays)."""
    path = Path(path)
    return path.with_suffix("") if path.suffix.lower() in MODEL_SUFFIXES else path


def model_paths(path: str | os.PathLike) -> tuple[Path, Path]:
    """(card .json, weights .safetensors) for ``NAME``, ``NAME.json`` or ``NAME.safetensors``."""
    base = without_suffix(Path(path).expanduser())
    return Path(f"{base}.json"), Path(f"{base}.safetensors")


def is_model_file(name_or_path: str) -> bool:
    """True for a path the user chose (rather than a shipped model's name)."""
    return (
        Path(name_or_path).suffix.lower() in MODEL_SUFFIXES
        or "/" in name_or_path
        or os.sep in name_or_path
    )


def model_path(name_or_path: str, folder: str | os.PathLike | None = None) -> Path:
    """The model's path without suffix, from a shipped model's name or a path.

    A name is looked up in ``folder`` (default :func:`models_dir`); a name that is not there but
    is a model in the current folder means that one (``segue-cli evaluate --model mine``).
    """
    if is_model_file(name_or_path):
        return without_suffix(Path(name_or_path).expanduser())
    shipped = Path(folder) if folder is not None else models_dir()
    if not model_paths(shipped / name_or_path)[0].exists() and Path(f"{name_or_path}.json").exists():
        return Path(name_or_path)
    return shipped / name_or_path


def display_name(name_or_path: str) -> str:
    """What the user calls a model: its file name without suffix."""
    return without_suffix(name_or_path).name


def shipped_models(folder: str | os.PathLike | None = None) -> list[str]:
    """Names of the complete models in ``folder`` (weights and card), the default first."""
    folder = Path(folder) if folder is not None else models_dir()
    if not folder.is_dir():
        return []
    names = sorted(
        without_suffix(weights).name
        for weights in folder.glob("*.safetensors")
        if model_paths(weights)[0].is_file()
    )
    return sorted(names, key=lambda name: name != DEFAULT_MODEL)
