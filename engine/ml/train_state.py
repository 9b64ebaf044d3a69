"""The resume state of a training run: ``NAME.train.safetensors`` + ``NAME.train.json``.

Weights, optimizer moments and the history, written atomically after every epoch; ``--resume``
reads them back and refuses a state made with other options.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from segue.engine.files import write_atomically
from segue.engine.ml.catalog import model_paths
from segue.engine.ml.checkpoint import ModelError
from segue.engine.ml.model import SegueModel
from segue.engine.ml.train_options import TrainOptions

STATE_FORMAT = "segue-training-state"
STATE_VERSION = 1


def state_paths(path) -> tuple[Path, Path]:
    card, _ = model_paths(path)
    base = card.with_suffix("")
    return Path(f"{base}.train.json"), Path(f"{base}.train.safetensors")


def save_state(path, model: SegueModel, optimizer, info: dict) -> None:
    from safetensors.torch import save  # noqa: PLC0415

    tensors = {f"model.{k}": v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    names = [n for n, _ in model.named_parameters()]
    for index, state in optimizer.state_dict()["state"].items():
        for key, value in state.items():
            if isinstance(value, torch.Tensor):
                tensors[f"optim.{names[index]}.{key}"] = value.detach().cpu().contiguous()
    json_path, tensor_path = state_paths(path)
    tensor_path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(tensor_path, save(tensors, metadata={"format": STATE_FORMAT}))
    info = {"format": STATE_FORMAT, "version": STATE_VERSION, **info}
    write_atomically(json_path, (json.dumps(info, indent=2) + "\n").encode())


def load_state(path, model: SegueModel, optimizer, options: TrainOptions) -> dict:
    from safetensors.torch import load  # noqa: PLC0415

    json_path, tensor_path = state_paths(path)
    if not json_path.exists() or not tensor_path.exists():
        raise ModelError(f"{json_path}: no training state to resume from (run without --resume)")
    try:
        info = json.loads(json_path.read_text(encoding="utf-8"))
        tensors = load(tensor_path.read_bytes())
    except Exception as exc:  # damaged JSON or safetensors
        raise ModelError(f"{json_path}: the training state is damaged ({exc})") from None
    if info.get("format") != STATE_FORMAT or info.get("version") != STATE_VERSION:
        raise ModelError(f"{json_path}: not a Segue training state of version {STATE_VERSION}")
    saved = TrainOptions(**info["options"]).to_json()
    mine = options.to_json()
    for ignored in ("epochs", "patience", "max_minutes"):  # may change on resume
        saved.pop(ignored)
        mine.pop(ignored)
    if saved != mine:
        changed = sorted(k for k in mine if mine[k] != saved.get(k))
        raise ModelError(
            f"{json_path}: the run was started with other settings ({', '.join(changed)}); "
            "resume with the same ones"
        )
    weights = {k[len("model."):]: v for k, v in tensors.items() if k.startswith("model.")}
    try:
        model.load_state_dict(weights, strict=True)
    except RuntimeError as exc:
        raise ModelError(f"{tensor_path}: the saved weights do not fit the model ({exc})") from None
    names = [n for n, _ in model.named_parameters()]
    optim_state = optimizer.state_dict()
    for index, name in enumerate(names):
        entry = {}
        for key in ("step", "exp_avg", "exp_avg_sq"):
            value = tensors.get(f"optim.{name}.{key}")
            if value is not None:
                entry[key] = value
        if entry:
            optim_state["state"][index] = entry
    optimizer.load_state_dict(optim_state)
    return info
