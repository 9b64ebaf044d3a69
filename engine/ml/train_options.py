"""What a training run depends on: :class:`TrainOptions`, checked when made.

The options are saved with the model's card and with the resume state, so a resumed run can
check that it continues the same run.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from segue.engine.ml.model_config import ModelConfig


@dataclass
class TrainOptions:
    """Everything a training run depends on (saved with the model and the resume state)."""

    corpus: str = "essen"  # corpus name or folder, as engine.corpus.load_corpus takes it
    epochs: int = 20  # the learning-rate schedule spans this many epochs
    batch_size: int = 16  # sequences per batch (per process under DDP); small = more updates
    learning_rate: float = 3e-3  # peak AdamW learning rate
    final_lr_fraction: float = 0.05  # the cosine decay ends at this fraction of the peak
    warmup_steps: int = 100  # linear warm-up batches
    weight_decay: float = 0.01  # AdamW decoupled weight decay
    clip: float = 1.0  # gradient norm clipping
    transpose: int = 2  # random shift per sequence, within +-this many semitones
    max_length: int = 512  # longer tunes train as random windows of this many steps
    patience: int = 5  # stop after this many epochs without a better validation score
    seed: int = 0  # makes the run repeatable
    max_minutes: float | None = None  # stop (after validating) when this much time has passed
    init: str | None = None  # start from this model's weights (name or path): fine-tuning
    model: ModelConfig = field(default_factory=ModelConfig)

    def __post_init__(self):
        if isinstance(self.model, dict):
            self.model = ModelConfig.from_json(self.model)
        checks = (
            ("epochs", 1, 100_000), ("batch_size", 1, 65_536), ("warmup_steps", 0, 10_000_000),
            ("transpose", 0, 60), ("max_length", 16, 1_000_000), ("patience", 1, 100_000),
            ("seed", 0, 2**63 - 1),
        )
        for name, low, high in checks:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"{name.replace('_', ' ')} must be an integer from {low} to {high}, got {value!r}")
        for name, low, high in (
            ("learning_rate", 0.0, 10.0), ("final_lr_fraction", 0.0, 1.0),
            ("weight_decay", 0.0, 10.0), ("clip", 0.0, 1e6),
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
                raise ValueError(f"{name.replace('_', ' ')} must be a number from {low:g} to {high:g}, got {value!r}")
        if self.learning_rate <= 0:
            raise ValueError("learning rate must be greater than 0")
        if self.max_minutes is not None and not (
            isinstance(self.max_minutes, (int, float)) and self.max_minutes > 0
        ):
            raise ValueError(f"max minutes must be a positive number, got {self.max_minutes!r}")
        if self.init is not None and not (isinstance(self.init, str) and self.init):
            raise ValueError(f"init must be a model name or path, got {self.init!r}")

    def to_json(self) -> dict:
        data = dataclasses.asdict(self)
        data["model"] = self.model.to_json()
        return data
