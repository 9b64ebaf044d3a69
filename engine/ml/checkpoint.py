"""Model files: ``NAME.safetensors`` (weights) + ``NAME.json`` (the card).

The card holds the config, encoding, vocabulary, versions, the weights' checksum, the training
summary and metrics. :func:`load_model` validates all of it and refuses pickle files without
opening them as pickles; every problem is a :class:`ModelError` naming the file.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime, timezone
from pathlib import Path

import torch

from engine.encoding import FIRST_PITCH_TOKEN, HOLD, REST, EventEncoding
from engine.files import write_atomically
from engine.ml.catalog import model_paths
from engine.ml.device import choose_device
from engine.ml.model import ModelConfig, SegueModel

FORMAT = "segue-model"
FORMAT_VERSION = 1
FEATURES_VERSION = 1
PICKLE_SUFFIXES = {".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".bin", ".tar", ".joblib"}


class ModelError(ValueError):
    """A model file is missing, damaged or not a Segue model; the message names the file."""


def _state_tensors(model: SegueModel) -> dict[str, torch.Tensor]:
    return {k: v.detach().to("cpu", torch.float32).contiguous() for k, v in model.state_dict().items()}


def save_model(
    model: SegueModel,
    path: str | os.PathLike,
    *,
    training: dict | None = None,
    metrics: dict | None = None,
) -> Path:
    """Write ``NAME.safetensors`` and ``NAME.json`` (atomically); returns the card's path.

    ``training`` and ``metrics`` replace those parts of ``model.card`` when given.
    """
    from safetensors.torch import save  # noqa: PLC0415 (keeps import engine light)

    card_path, weights_path = model_paths(path)
    if training is not None:
        model.card["training"] = training
    if metrics is not None:
        model.card["metrics"] = metrics
    weights = save(_state_tensors(model), metadata={"format": FORMAT})
    card = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "features_version": FEATURES_VERSION,
        "encoding": model.encoding.to_json(),
        "vocabulary": {
            "rest": REST,
            "hold": HOLD,
            "first_pitch_token": FIRST_PITCH_TOKEN,
            "num_tokens": model.vocab_size,
        },
        "config": model.config.to_json(),
        "weights": {
            "file": weights_path.name,
            "sha256": hashlib.sha256(weights).hexdigest(),
            "parameters": sum(p.numel() for p in model.parameters()),
        },
        "saved": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "training": model.card.get("training", {}),
        "metrics": model.card.get("metrics", {}),
    }
    weights_path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(weights_path, weights)
    write_atomically(card_path, (json.dumps(card, indent=2, sort_keys=False) + "\n").encode())
    return card_path


def _refuse_pickle(path: Path) -> None:
    if path.suffix.lower() in PICKLE_SUFFIXES:
        raise ModelError(
            f"{path}: this looks like a PyTorch pickle checkpoint; Segue never loads pickles. "
            "Give a Segue model (NAME.safetensors with NAME.json)"
        )


def _read_card(card_path: Path) -> dict:
    if not card_path.exists():
        raise ModelError(f"{card_path}: the model card (.json) does not exist")
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{card_path}: the model card is not readable JSON ({exc})") from None
    if not isinstance(card, dict) or card.get("format") != FORMAT:
        raise ModelError(f"{card_path}: not a Segue model card (no \"format\": \"{FORMAT}\")")
    version = card.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelError(
            f"{card_path}: model format version {version!r} is not supported "
            f"(this Segue reads version {FORMAT_VERSION})"
        )
    if card.get("features_version") != FEATURES_VERSION:
        raise ModelError(
            f"{card_path}: model input features version {card.get('features_version')!r} is not "
            f"supported (this Segue uses version {FEATURES_VERSION})"
        )
    return card


def _config_from_card(card: dict, card_path: Path) -> ModelConfig:
    try:
        config = ModelConfig.from_json(card.get("config"))
        encoding = EventEncoding.from_json(card.get("encoding") or {})
    except (TypeError, ValueError) as exc:
        raise ModelError(f"{card_path}: invalid model description: {exc}") from None
    if encoding != config.encoding:
        raise ModelError(
            f"{card_path}: the encoding ({encoding.min_pitch}-{encoding.max_pitch}) does not "
            f"match the config's pitch range ({config.min_pitch}-{config.max_pitch})"
        )
    vocabulary = card.get("vocabulary")
    expected = {"rest": REST, "hold": HOLD, "first_pitch_token": FIRST_PITCH_TOKEN,
                "num_tokens": encoding.num_tokens}
    if vocabulary != expected:
        raise ModelError(f"{card_path}: the vocabulary {vocabulary!r} does not match {expected!r}")
    return config


def _read_weights(weights_path: Path, card: dict, card_path: Path) -> dict[str, torch.Tensor]:
    from safetensors.torch import load  # noqa: PLC0415

    _refuse_pickle(weights_path)
    if not weights_path.exists():
        raise ModelError(f"{weights_path}: the model weights (.safetensors) do not exist")
    try:
        data = weights_path.read_bytes()
    except OSError as exc:
        raise ModelError(f"{weights_path}: cannot read the weights ({exc.strerror})") from None
    if data[:2] == b"PK" or data[:1] == b"\x80":
        raise ModelError(
            f"{weights_path}: this is a PyTorch pickle file, not safetensors; Segue never loads pickles"
        )
    expected = (card.get("weights") or {}).get("sha256")
    if not isinstance(expected, str):
        raise ModelError(f"{card_path}: the card lacks the weights checksum")
    if hashlib.sha256(data).hexdigest() != expected:
        raise ModelError(
            f"{weights_path}: the weights do not match their card's checksum "
            "(the file is damaged or belongs to another model)"
        )
    try:
        return load(data)
    except Exception as exc:  # safetensors raises its own error type for a bad header
        raise ModelError(f"{weights_path}: not a valid safetensors file ({exc})") from None


def load_model(path: str | os.PathLike, device: str | torch.device | None = None) -> SegueModel:
    """Load a model from ``NAME``, ``NAME.json`` or ``NAME.safetensors``; eval mode, on
    ``device`` (default: the best available, see :mod:`engine.ml.device`).

    Raises :class:`ModelError` (a ValueError) naming the file and the problem.
    """
    path = Path(path).expanduser()
    _refuse_pickle(path)
    card_path, weights_path = model_paths(path)
    card = _read_card(card_path)
    config = _config_from_card(card, card_path)
    tensors = _read_weights(weights_path, card, card_path)
    model = SegueModel(config)
    expected = model.state_dict()
    missing = sorted(set(expected) - set(tensors))
    unexpected = sorted(set(tensors) - set(expected))
    if missing or unexpected:
        parts = []
        if missing:
            parts.append("missing " + ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else ""))
        if unexpected:
            parts.append("unexpected " + ", ".join(unexpected[:5]) + (" ..." if len(unexpected) > 5 else ""))
        raise ModelError(f"{weights_path}: the weights do not fit the card's model: {'; '.join(parts)}")
    for name, tensor in tensors.items():
        if tuple(tensor.shape) != tuple(expected[name].shape):
            raise ModelError(
                f"{weights_path}: tensor {name} has shape {tuple(tensor.shape)}, "
                f"the card's model needs {tuple(expected[name].shape)}"
            )
        if not tensor.is_floating_point():
            raise ModelError(f"{weights_path}: tensor {name} is not floating point ({tensor.dtype})")
        if not torch.isfinite(tensor).all():
            raise ModelError(f"{weights_path}: tensor {name} holds NaN or infinite values")
    model.load_state_dict({k: v.float() for k, v in tensors.items()}, strict=True)
    model.card = {"training": card.get("training") or {}, "metrics": card.get("metrics") or {}}
    model.card["path"] = str(card_path.with_suffix(""))
    try:
        target = choose_device(device)
    except ValueError as exc:
        raise ModelError(f"{card_path}: {exc}") from None
    return model.to(target).eval()
