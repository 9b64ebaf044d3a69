"""Finding models: the default model, the models folder, and what "a name or a path" means.

A model is two files, ``NAME.safetensors`` (weights) and ``NAME.json`` (its card), usually with
``NAME.openings.json`` beside them. Models are found by name in two folders: the ones shipped
with Segue (``models/`` in a checkout, installed with the package, see
:mod:`engine.data_files`), then the user's own (:func:`user_models_dir`, e.g.
``~/.local/share/Segue/models``), where models the user trains or adds belong.
``$SEGUE_MODELS_DIR``, when set, is the only folder (tests, benches, a shared folder). The
user names a model either by its name (``folk``) or by a path (anything with a folder or a
model suffix in it).

No torch here: the GUI lists models at start-up, before torch has loaded.
"""

from __future__ import annotations

import os
from pathlib import Path

from segue.engine.data_files import shipped_models_dir, user_models_dir

DEFAULT_MODEL = "folk"
MODELS_DIR_ENV = "SEGUE_MODELS_DIR"
MODEL_SUFFIXES = (".safetensors", ".json")


def model_folders() -> list[Path]:
    """Where a model's name is looked up, in order: ``$SEGUE_MODELS_DIR`` alone if set, else
    the shipped models, then the user's own."""
    configured = os.environ.get(MODELS_DIR_ENV)
    return [Path(configured)] if configured else [shipped_models_dir(), user_models_dir()]


def models_dir() -> Path:
    """The folder of shipped models: ``$SEGUE_MODELS_DIR`` if set, else the installed ones."""
    return model_folders()[0]


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

    A name is looked up in ``folder`` (default :func:`model_folders`, the first that has it); a
    name found nowhere there but a model in the current folder means that one
    (``segue-cli evaluate --model mine``); otherwise the path it would have in the first folder.
    """
    if is_model_file(name_or_path):
        return without_suffix(Path(name_or_path).expanduser())
    folders = [Path(folder)] if folder is not None else model_folders()
    for candidate in folders:
        if model_paths(candidate / name_or_path)[0].exists():
            return candidate / name_or_path
    if Path(f"{name_or_path}.json").exists():
        return Path(name_or_path)
    return folders[0] / name_or_path


def display_name(name_or_path: str) -> str:
    """What the user calls a model: its file name without suffix."""
    return without_suffix(name_or_path).name


def shipped_models(folder: str | os.PathLike | None = None) -> list[str]:
    """Names of the complete models in ``folder`` (weights and card; default: the shipped
    models' folder), the default first."""
    folder = Path(folder) if folder is not None else models_dir()
    if not folder.is_dir():
        return []
    names = sorted(
        without_suffix(weights).name
        for weights in folder.glob("*.safetensors")
        if model_paths(weights)[0].is_file()
    )
    return sorted(names, key=lambda name: name != DEFAULT_MODEL)


def available_models() -> list[str]:
    """What the model chooser lists: the shipped models (the default first), then the user's
    own; a name already listed hides a later one, as :func:`model_path` finds the first."""
    names: list[str] = []
    for folder in model_folders():
        names += [name for name in shipped_models(folder) if name not in names]
    return names


MAX_CARD_SUMMARY_BYTES = 64 * 1024


def card_summary(name_or_path: str, max_chars: int = 600) -> str:
    """The opening paragraphs of a model's card (``NAME.md``: what it is, what it learnt from,
    how it measures), as plain text for the model chooser; '' when it has none."""
    path = model_path(name_or_path).with_suffix(".md")
    try:
        with path.open("rb") as card:
            text = card.read(MAX_CARD_SUMMARY_BYTES).decode("utf-8", "replace")
    except OSError:
        return ""
    paragraphs = [p.strip() for p in text.split("\n\n")]
    kept = [p for p in paragraphs if p and not p.startswith("#")][:3]
    summary = "\n\n".join(kept).replace("`", "")
    return summary if len(summary) <= max_chars else summary[: max_chars - 1].rstrip() + "…"
