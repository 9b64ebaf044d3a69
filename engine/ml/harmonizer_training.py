"""Training the harmonizer (``segue-cli harmonize-train``): the network on the Nottingham train
split, the epoch kept and the decoding's change penalties chosen on the validation split (the
test split is never looked at), and the HMM baseline counted on the train split beside it.

Small and quick on purpose: a few minutes on one CPU thread.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from segue.engine import harmony_beats as hb
from segue.engine.ml.harmonizer import Harmonizer, HarmonizerConfig, save_harmonizer

CORPUS = "nottingham"
CHANGE_PENALTIES = (0.0, 0.5, 1.0, 2.0, 3.0)  # within a bar; 0 and 0 is per-beat argmax
DOWNBEAT_PENALTIES = (0.0, 0.25, 0.5, 1.0)


@dataclass(frozen=True)
class HarmonizerTraining:
    epochs: int = 15
    batch_size: int = 16
    learning_rate: float = 3e-3
    weight_decay: float = 1e-4
    patience: int = 6  # epochs without a better validation score before stopping
    hidden: int = 64
    layers: int = 2
    dropout: float = 0.3
    cell: str = "gru"
    seed: int = 0


def _batch(examples) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    lengths = torch.tensor([len(labels) for _, labels, _ in examples])
    width = int(lengths.max())
    features = torch.zeros(len(examples), width, hb.FEATURES)
    labels = torch.full((len(examples), width), -100, dtype=torch.long)  # -100: padding
    for i, (beat_features, beat_labels, _) in enumerate(examples):
        features[i, :len(beat_labels)] = torch.from_numpy(beat_features)
        labels[i, :len(beat_labels)] = torch.from_numpy(beat_labels)
    return features, labels, lengths


def _majmin_index() -> torch.Tensor:
    """Class -> its MajMin label (a root and maj/min, or no chord): dim counts as minor,
    the dominant seventh as major."""
    index = [0]
    for degree in range(12):
        index += [1 + 2 * degree + (kind in ("m", "dim")) for kind in hb.KINDS]
    return torch.tensor(index)


def _validation_majmin(model: Harmonizer, batches) -> float:
    """Per-beat argmax MajMin accuracy (in the key's frame, against the reduced labels)."""
    mapping, right, total = _majmin_index(), 0, 0
    model.eval()
    with torch.inference_mode():
        for features, labels, lengths in batches:
            predicted = model(features, lengths).argmax(-1)
            mask = labels >= 0
            right += int((mapping[predicted[mask]] == mapping[labels[mask]]).sum())
            total += int(mask.sum())
    return right / max(1, total)


def _choose_decoding(model: Harmonizer, validation_tunes, log) -> tuple[dict, float]:
    """The change penalties with the best MajMin on the validation tunes."""
    from segue.engine.harmony import _NetworkChain  # noqa: PLC0415
    from segue.engine.ml.harmony_eval import harmonizer_accuracy  # noqa: PLC0415

    best, best_score = None, -1.0
    for within, downbeat in itertools.product(CHANGE_PENALTIES, DOWNBEAT_PENALTIES):
        if downbeat > within:
            continue
        model.card["decoding"] = {"change_penalty": within, "downbeat_change_penalty": downbeat}
        score = harmonizer_accuracy(validation_tunes, _NetworkChain(model))["majmin"]
        log(f"  decoding: change penalty {within:g}, on a downbeat {downbeat:g}: MajMin {score:.4f}")
        if score > best_score:
            best, best_score = dict(model.card["decoding"]), score
    return best, best_score


def train_harmonizer(
    options: HarmonizerTraining, cache_dir=None, log: Callable[[str], None] = print
) -> Harmonizer:
    """A harmonizer trained on the Nottingham train split; its card holds the training
    summary, the chosen decoding and the validation figures."""
    from segue.engine.corpus import load_corpus  # noqa: PLC0415

    started = time.monotonic()
    torch.manual_seed(options.seed)
    rng = np.random.default_rng(options.seed)
    train = hb.tune_examples(load_corpus(CORPUS, "train", cache_dir=cache_dir))
    validation_tunes = [t for t in load_corpus(CORPUS, "validation", cache_dir=cache_dir)
                        if t.melody.notes]
    validation = hb.tune_examples(validation_tunes)
    size = options.batch_size
    validation_batches = [_batch(validation[i:i + size]) for i in range(0, len(validation), size)]
    model = Harmonizer(HarmonizerConfig(hidden=options.hidden, layers=options.layers,
                                        dropout=options.dropout, cell=options.cell))
    optimizer = torch.optim.AdamW(model.parameters(), lr=options.learning_rate,
                                  weight_decay=options.weight_decay)
    loss_function = nn.CrossEntropyLoss(ignore_index=-100)
    best_state, best_score, best_epoch, history = None, -1.0, 0, []
    for epoch in range(1, options.epochs + 1):
        model.train()
        order = rng.permutation(len(train))
        total = 0.0
        for i in range(0, len(order), size):
            features, labels, lengths = _batch([train[j] for j in order[i:i + size]])
            loss = loss_function(model(features, lengths).flatten(0, 1), labels.flatten())
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            total += loss.item() * len(lengths)
        score = _validation_majmin(model, validation_batches)
        history.append({"epoch": epoch, "train_loss": round(total / len(train), 4),
                        "validation_majmin": round(score, 4)})
        log(f"epoch {epoch}: train loss {total / len(train):.4f}, validation MajMin {score:.4f}")
        if score > best_score:
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
            best_score, best_epoch = score, epoch
        elif epoch - best_epoch >= options.patience:
            break
    model.load_state_dict(best_state)
    model.eval()
    decoding, decoded_score = _choose_decoding(model, validation_tunes, log)
    model.card["decoding"] = decoding
    model.card["training"] = {
        "corpus": CORPUS, "options": asdict(options), "epochs_run": len(history),
        "best_epoch": best_epoch, "seconds": round(time.monotonic() - started, 1),
        "tunes": {"train": len(train), "validation": len(validation)}, "history": history,
    }
    model.card["metrics"] = {"validation_majmin_argmax": round(best_score, 4),
                             "validation_majmin": round(decoded_score, 4)}
    return model


def train_and_save(options: HarmonizerTraining, out: str | Path, cache_dir=None,
                   log: Callable[[str], None] = print) -> tuple[Path, Path]:
    """Train the harmonizer and count the HMM baseline; write ``OUT.safetensors`` + ``OUT.json``
    and ``OUT-hmm.json``. Returns (harmonizer card, HMM file)."""
    import json  # noqa: PLC0415

    from segue.engine.corpus import load_corpus  # noqa: PLC0415
    from segue.engine.files import write_atomically  # noqa: PLC0415
    from segue.engine.harmony_hmm import count_hmm  # noqa: PLC0415

    out = Path(out)
    train = hb.tune_examples(load_corpus(CORPUS, "train", cache_dir=cache_dir))
    hmm = count_hmm((features, labels) for features, labels, _ in train)
    hmm_path = out.with_name(out.name + "-hmm.json")
    hmm_path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(hmm_path, (json.dumps(hmm.to_json()) + "\n").encode())
    model = train_harmonizer(options, cache_dir, log)
    if not math.isfinite(model.card["metrics"]["validation_majmin"]):
        raise ValueError("the harmonizer did not learn: no validation beats")
    return save_harmonizer(model, out), hmm_path
