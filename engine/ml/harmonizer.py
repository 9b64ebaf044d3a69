"""The trained harmonizer: a bidirectional recurrent network over a melody's beats that gives
each beat a distribution over the chord classes of :mod:`engine.harmony_beats` (the melody is
known, so each beat's chord may depend on what comes after it).

Files as the melody models have them (:mod:`engine.ml.checkpoint`): ``NAME.safetensors``
(weights) and ``NAME.json`` (the card: format, config, vocabulary, the weights' checksum, the
decoding settings, training and metrics). :func:`load_harmonizer` checks all of it, and the
weights' names and shapes against the card's config, before a tensor is read; it never opens a
pickle. Every problem is a :class:`HarmonizerError` naming the file.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import torch
from torch import nn

from segue.engine import harmony_beats as hb
from segue.engine.files import read_regular, write_atomically
from segue.engine.ml.checkpoint import PICKLE_SUFFIXES, check_header

FORMAT = "segue-harmonizer"
FORMAT_VERSION = 1
MAX_CARD_BYTES = 1024 * 1024
MAX_HEADER_BYTES = 64 * 1024
CELLS = ("gru", "lstm")
DEFAULT_DECODING = {"change_penalty": 2.0, "downbeat_change_penalty": 0.5}


class HarmonizerError(ValueError):
    """A harmonizer file is missing, damaged or not a harmonizer; the message names the file."""


@dataclass(frozen=True)
class HarmonizerConfig:
    """The network's shape; bounded, so a card cannot make it allocate much."""

    features: int = hb.FEATURES
    classes: int = hb.CLASSES
    hidden: int = 96
    layers: int = 2
    dropout: float = 0.2
    cell: str = "gru"

    def __post_init__(self):
        for name, low, high in (("features", 1, 1024), ("classes", 2, 1024),
                                ("hidden", 1, 1024), ("layers", 1, 6)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"{name} must be a whole number from {low} to {high}")
        if isinstance(self.dropout, bool) or not isinstance(self.dropout, (int, float)) \
                or not 0.0 <= self.dropout < 1.0:
            raise ValueError("dropout must be a number from 0 to below 1")
        if self.cell not in CELLS:
            raise ValueError(f"cell must be one of {', '.join(CELLS)}")

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: object) -> HarmonizerConfig:
        if not isinstance(data, dict) or set(data) - set(cls.__dataclass_fields__):
            raise ValueError("the config must be an object with the harmonizer's fields")
        return cls(**data)


class Harmonizer(nn.Module):
    """Beat features ``(batch, beats, features)`` -> chord logits ``(batch, beats, classes)``."""

    def __init__(self, config: HarmonizerConfig):
        super().__init__()
        self.config = config
        self.inputs = nn.Sequential(nn.Linear(config.features, config.hidden), nn.ReLU())
        recurrent = nn.GRU if config.cell == "gru" else nn.LSTM
        self.recurrent = recurrent(
            config.hidden, config.hidden, num_layers=config.layers, batch_first=True,
            bidirectional=True, dropout=config.dropout if config.layers > 1 else 0.0)
        self.dropout = nn.Dropout(config.dropout)
        self.output = nn.Linear(2 * config.hidden, config.classes)
        self.card: dict = {"decoding": dict(DEFAULT_DECODING)}

    def forward(self, features: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        hidden = self.inputs(features)
        if lengths is None:
            hidden, _ = self.recurrent(hidden)
        else:  # padded tunes: packed, so the backward direction starts at each tune's own end
            packed = nn.utils.rnn.pack_padded_sequence(
                hidden, lengths.cpu(), batch_first=True, enforce_sorted=False)
            hidden, _ = self.recurrent(packed)
            hidden, _ = nn.utils.rnn.pad_packed_sequence(
                hidden, batch_first=True, total_length=features.shape[1])
        return self.output(self.dropout(hidden))


def paths(path: str | os.PathLike) -> tuple[Path, Path]:
    """(card, weights) of ``NAME``, ``NAME.json`` or ``NAME.safetensors``."""
    path = Path(path).expanduser()
    if path.suffix in (".json", ".safetensors", ".md"):
        path = path.with_suffix("")
    return path.with_name(path.name + ".json"), path.with_name(path.name + ".safetensors")


def save_harmonizer(model: Harmonizer, path: str | os.PathLike) -> Path:
    """Write the weights and the card (``model.card``: decoding, training, metrics)
    atomically; returns the card's path."""
    from safetensors.torch import save  # noqa: PLC0415

    card_path, weights_path = paths(path)
    tensors = {k: v.detach().to("cpu", torch.float32).contiguous()
               for k, v in model.state_dict().items()}
    weights = save(tensors, metadata={"format": FORMAT})
    card = {
        "format": FORMAT, "format_version": FORMAT_VERSION,
        "features_version": hb.FEATURES_VERSION,
        "vocabulary": {"kinds": list(hb.KINDS), "classes": hb.CLASSES},
        "config": model.config.to_json(),
        "weights": {"file": weights_path.name, "sha256": hashlib.sha256(weights).hexdigest(),
                    "parameters": sum(p.numel() for p in model.parameters())},
        "saved": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **{part: model.card.get(part, {}) for part in ("decoding", "training", "metrics")},
    }
    weights_path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(weights_path, weights)
    write_atomically(card_path, (json.dumps(card, indent=2) + "\n").encode())
    return card_path


def _problem(what: str):
    def problem(path, reason: str) -> HarmonizerError:
        return HarmonizerError(f"{path}: cannot read {what}: {reason}")

    return problem


def _read_card(card_path: Path) -> dict:
    data = read_regular(card_path, MAX_CARD_BYTES, _problem("the card (.json)"))
    try:
        card = json.loads(data)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        reason = str(exc)[:200]
        raise HarmonizerError(f"{card_path}: the card is not readable JSON ({reason})") from None
    if not isinstance(card, dict) or card.get("format") != FORMAT:
        raise HarmonizerError(f"{card_path}: not a Segue harmonizer (no \"format\": \"{FORMAT}\")")
    for field, wanted in (("format_version", FORMAT_VERSION),
                          ("features_version", hb.FEATURES_VERSION)):
        if card.get(field) != wanted:
            raise HarmonizerError(
                f"{card_path}: {field} {card.get(field)!r} is not supported (this Segue reads {wanted})")
    if card.get("vocabulary") != {"kinds": list(hb.KINDS), "classes": hb.CLASSES}:
        raise HarmonizerError(f"{card_path}: the chord vocabulary is not this Segue's")
    decoding = card.get("decoding")
    if not isinstance(decoding, dict) or set(decoding) != set(DEFAULT_DECODING) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 100
            for v in decoding.values()):
        raise HarmonizerError(f"{card_path}: the decoding settings are missing or out of range")
    return card


def load_harmonizer(path: str | os.PathLike) -> Harmonizer:
    """The harmonizer at ``NAME`` (or ``NAME.json``, ``NAME.safetensors``), in eval mode on the
    CPU (a few hundred beats need no accelerator); HarmonizerError naming what is wrong."""
    from safetensors.torch import load  # noqa: PLC0415

    if Path(path).suffix.lower() in PICKLE_SUFFIXES:
        raise HarmonizerError(f"{path}: a PyTorch pickle file; Segue never loads pickles")
    card_path, weights_path = paths(path)
    card = _read_card(card_path)
    try:
        config = HarmonizerConfig.from_json(card.get("config"))
    except (TypeError, ValueError) as exc:
        raise HarmonizerError(f"{card_path}: invalid config: {exc}") from None
    if (config.features, config.classes) != (hb.FEATURES, hb.CLASSES):
        raise HarmonizerError(f"{card_path}: the config's features or classes are not this Segue's")
    model = Harmonizer(config)  # small and bounded: its shapes are what the weights must have
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    largest = 8 + MAX_HEADER_BYTES + 4 * sum(torch.Size(s).numel() for s in expected.values())
    data = read_regular(weights_path, largest, _problem("the weights (.safetensors)"))
    if data[:2] == b"PK" or data[:1] == b"\x80":
        raise HarmonizerError(f"{weights_path}: a pickle file; Segue never loads pickles")
    if hashlib.sha256(data).hexdigest() != (card.get("weights") or {}).get("sha256"):
        raise HarmonizerError(
            f"{weights_path}: the weights do not match their card's checksum "
            "(the file is damaged or belongs to another model)")
    check_header(data, expected, weights_path, HarmonizerError)
    tensors = load(data)
    if not all(torch.isfinite(t).all() for t in tensors.values()):
        raise HarmonizerError(f"{weights_path}: the weights hold NaN or infinite values")
    model.load_state_dict(tensors, strict=True)
    model.card = {part: card.get(part) or {} for part in ("decoding", "training", "metrics")}
    model.card["path"] = str(card_path.with_suffix(""))
    return model.eval()
