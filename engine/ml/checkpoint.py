"""Model files: ``NAME.safetensors`` (weights) + ``NAME.json`` (the card).

The card holds the config, encoding, vocabulary, versions, the weights' checksum, the training
summary and metrics. :func:`load_model` validates all of it and refuses pickle files without
opening them as pickles; every problem is a :class:`ModelError` naming the file.

Nothing is allocated on a file's word: the card's config is bounded (:class:`ModelConfig`), the
weights file may be no larger than that config's tensors, and the safetensors header's names and
shapes are compared with the card's model (built on torch's "meta" device, which holds shapes and
no memory) before any tensor is read or the real model is built.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import struct
from datetime import datetime, timezone
from pathlib import Path

import torch

from segue.engine.encoding import FIRST_PITCH_TOKEN, HOLD, REST, EventEncoding
from segue.engine.files import read_regular, write_atomically
from segue.engine.ml.catalog import available_models, is_model_file, model_path, model_paths
from segue.engine.ml.device import choose_device
from segue.engine.ml.model import ModelConfig, SegueModel

FORMAT = "segue-model"
FORMAT_VERSION = 1
FEATURES_VERSION = 1
PICKLE_SUFFIXES = {".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".bin", ".tar", ".joblib"}
MAX_CARD_BYTES = 16 * 1024 * 1024  # a card with its training history is ~12 kB
MAX_HEADER_BYTES = 1024 * 1024  # a Segue model's safetensors header is a few kilobytes
FLOAT_DTYPES = {"F16", "BF16", "F32", "F64"}
STRAIGHT_MODEL = "straight_model"  # the card's link to the style's model for straight pieces


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
        if card_path.stat().st_size > MAX_CARD_BYTES:
            raise ModelError(f"{card_path}: the file is too large to be a model card")
        card = json.loads(read_regular(card_path, MAX_CARD_BYTES, lambda _, why: OSError(why)))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        # ValueError also covers Python's refusal of integers of over 4,300 digits.
        reason = str(exc).split(";")[0][:200]
        raise ModelError(f"{card_path}: the model card is not readable JSON ({reason})") from None
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


class _ShapesOnly(torch.overrides.TorchFunctionMode):
    """Parameters made empty on the meta device (no memory), ``torch.nn.init`` left undone.

    Not ``with torch.device("meta")``: meta arithmetic and ``normal_`` run Python reference
    code that imports torch._dynamo, seconds of start-up (bench/startup.py).
    """

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if getattr(func, "__module__", None) == "torch.nn.init":
            return args[0] if args else kwargs["tensor"]
        if func is torch.empty:
            kwargs["device"] = "meta"
        return func(*args, **kwargs)


def _expected_shapes(config: ModelConfig) -> dict[str, tuple[int, ...]]:
    """Every tensor the card's model holds and its shape, without allocating the model."""
    with _ShapesOnly():
        model = SegueModel(config)
    return {name: tuple(tensor.shape) for name, tensor in model.state_dict().items()}


def _names(names) -> str:
    names = sorted(names)
    return ", ".join(names[:5]) + (" ..." if len(names) > 5 else "")


def check_header(
    data: bytes, expected: dict[str, tuple[int, ...]], weights_path: Path,
    error: type[Exception] = ModelError,
) -> None:
    """The safetensors header (8-byte little-endian length, then JSON) against the card's model;
    ``error`` (ModelError, or the harmonizer's own) naming what does not fit."""
    if len(data) < 8:
        raise error(f"{weights_path}: not a valid safetensors file (it is {len(data)} bytes)")
    (length,) = struct.unpack("<Q", data[:8])
    if not 2 <= length <= min(MAX_HEADER_BYTES, len(data) - 8):
        raise error(f"{weights_path}: not a valid safetensors file (bad header length)")
    try:
        header = json.loads(data[8:8 + length].decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise error(f"{weights_path}: not a valid safetensors file (damaged header)") from None
    if not isinstance(header, dict):
        raise error(f"{weights_path}: not a valid safetensors file (damaged header)")
    header.pop("__metadata__", None)
    missing, unexpected = set(expected) - set(header), set(header) - set(expected)
    if missing or unexpected:
        parts = ([f"missing {_names(missing)}"] if missing else []) + (
            [f"unexpected {_names(unexpected)}"] if unexpected else []
        )
        raise error(f"{weights_path}: the weights do not fit the card's model: {'; '.join(parts)}")
    for name, shape in expected.items():
        entry = header[name]
        found = entry.get("shape") if isinstance(entry, dict) else None
        if not isinstance(found, list) or tuple(found) != shape:
            shown = tuple(found) if isinstance(found, list) else found
            raise error(
                f"{weights_path}: tensor {name} has shape {str(shown)[:60]}, "
                f"the card's model needs {shape}"
            )
        if entry.get("dtype") not in FLOAT_DTYPES:
            raise error(
                f"{weights_path}: tensor {name} is not floating point ({str(entry.get('dtype'))[:20]})"
            )


def _read_weights(
    weights_path: Path, card: dict, card_path: Path, expected: dict[str, tuple[int, ...]]
) -> dict[str, torch.Tensor]:
    from safetensors.torch import load  # noqa: PLC0415

    _refuse_pickle(weights_path)
    if not weights_path.exists():
        raise ModelError(f"{weights_path}: the model weights (.safetensors) do not exist")
    # Float64 is the widest dtype a header may name: a larger file is not these weights.
    largest = 8 + MAX_HEADER_BYTES + 8 * sum(math.prod(shape) for shape in expected.values())
    try:
        if weights_path.stat().st_size > largest:
            raise ModelError(
                f"{weights_path}: the file is larger than the card's model could be "
                "(it belongs to another model)"
            )
        data = read_regular(weights_path, largest, lambda _, why: OSError(0, why))
    except OSError as exc:
        raise ModelError(f"{weights_path}: cannot read the weights ({exc.strerror})") from None
    if data[:2] == b"PK" or data[:1] == b"\x80":
        raise ModelError(
            f"{weights_path}: this is a PyTorch pickle file, not safetensors; Segue never loads pickles"
        )
    expected_sum = (card.get("weights") or {}).get("sha256")
    if not isinstance(expected_sum, str):
        raise ModelError(f"{card_path}: the card lacks the weights checksum")
    if hashlib.sha256(data).hexdigest() != expected_sum:
        raise ModelError(
            f"{weights_path}: the weights do not match their card's checksum "
            "(the file is damaged or belongs to another model)"
        )
    check_header(data, expected, weights_path)
    try:
        return load(data)
    except Exception as exc:  # safetensors raises its own error type for a bad header
        raise ModelError(f"{weights_path}: not a valid safetensors file ({exc})") from None


def find_model(name_or_path: str | os.PathLike) -> Path:
    """The model's path without suffix: a shipped or user model's name (``'folk'``) looked up as
    :func:`engine.ml.catalog.model_path` does, or a path (``NAME``, ``NAME.json``,
    ``NAME.safetensors``). ModelError for a name no folder holds, listing the models there are.
    """
    text = os.fspath(name_or_path)
    _refuse_pickle(Path(text))
    if is_model_file(text):
        return Path(text).expanduser()
    path = model_path(text)
    if not model_paths(path)[0].exists():
        known = ", ".join(available_models()) or "none"
        raise ModelError(f"there is no model named {text!r} (available models: {known})")
    return path


def load_model(name_or_path: str | os.PathLike, device: str | torch.device | None = None) -> SegueModel:
    """Load a model by name (``'folk'``, see :func:`find_model`) or from ``NAME``, ``NAME.json``
    or ``NAME.safetensors``; eval mode, on ``device`` (default: the best available, see
    :mod:`engine.ml.device`).

    Raises :class:`ModelError` (a ValueError) naming the file and the problem.
    """
    card_path, _ = model_paths(find_model(name_or_path))
    model, card = _load_one(card_path, device)
    # A plain attribute, not a submodule: its weights are not the model's (saving, stepping).
    object.__setattr__(model, "straight_model", _load_straight(card, card_path, model, device))
    return model


def _load_one(card_path: Path, device) -> tuple[SegueModel, dict]:
    """The model of one card (none it links to), and the card as read."""
    weights_path = model_paths(card_path)[1]
    card = _read_card(card_path)
    config = _config_from_card(card, card_path)
    tensors = _read_weights(weights_path, card, card_path, _expected_shapes(config))
    for name, tensor in tensors.items():  # the header said floating point
        if not torch.isfinite(tensor).all():
            raise ModelError(f"{weights_path}: tensor {name} holds NaN or infinite values")
    model = SegueModel(config)  # only now: the weights are known to fit it
    model.load_state_dict({k: v.float() for k, v in tensors.items()}, strict=True)
    model.card = {"training": card.get("training") or {}, "metrics": card.get("metrics") or {}}
    model.card["path"] = str(card_path.with_suffix(""))
    try:
        target = choose_device(device)
    except ValueError as exc:
        raise ModelError(f"{card_path}: {exc}") from None
    model = model.to(target).eval()
    object.__setattr__(model, "straight_model", None)
    return model, card


def _load_straight(card: dict, card_path: Path, model: SegueModel, device) -> SegueModel | None:
    """The model a style plays straight pieces with, when its card names one
    (``"straight_model"``: a path without suffix, relative to the card's folder): on a coarser
    grid that divides the model's (4 under 12), over the same pitches, with no such model of
    its own. :mod:`engine.ml.grid_view` hands it the pieces on its grid."""
    link = card.get(STRAIGHT_MODEL)
    if link is None:
        return None
    if not isinstance(link, str) or not link or Path(link).is_absolute() or ".." in Path(link).parts:
        raise ModelError(f'{card_path}: "{STRAIGHT_MODEL}" must name a model in the card\'s folder, '
                         f"got {str(link)[:80]!r}")
    straight_card = card_path.parent / f"{link}.json"
    if not straight_card.is_file():
        raise ModelError(f"{card_path}: its model for straight pieces, {straight_card}, does not exist")
    straight, own_card = _load_one(straight_card, device)
    if STRAIGHT_MODEL in own_card:
        raise ModelError(f"{straight_card}: a model for straight pieces may not name one of its own")
    own, grid = model.config.steps_per_quarter, straight.config.steps_per_quarter
    if grid >= own or own % grid:
        raise ModelError(f"{straight_card}: a model for straight pieces must be on a coarser grid "
                         f"that divides {own} steps per quarter, not {grid}")
    if (straight.encoding.min_pitch, straight.encoding.max_pitch) != (
            model.encoding.min_pitch, model.encoding.max_pitch):
        raise ModelError(f"{straight_card}: a model for straight pieces must cover the same pitches "
                         f"as {card_path.name}")
    return straight
