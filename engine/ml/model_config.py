"""The model's shape, :class:`ModelConfig`: a plain value, checked when made, saved in the
model card. No torch here, so the command line shows its defaults without loading torch."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from segue.engine.encoding import EventEncoding
from segue.engine.melody import (
    DEFAULT_PITCH_RANGE,
    DEFAULT_STEPS_PER_QUARTER,
    check_steps_per_quarter,
)

# The largest model a config (and so a model card) may ask for; the shipped ones are 256 x 1.
MAX_HIDDEN_SIZE = 1024
MAX_LAYERS = 4
MAX_FEATURE_DIM = 256
MAX_STEP_ROWS = 1024  # rows of an embedding indexed by grid steps (16 quarters at 64 steps each)
# What the embeddings indexed by grid steps span, in quarters: a bar of up to 16 (longer bars'
# later steps share the last row), a beat of up to 4, up to 8 since the latest onset.
BAR_QUARTERS, BEAT_QUARTERS, SINCE_QUARTERS = 16, 4, 8
# Fields added after models were shipped: a card without one takes the default, which is what
# every model had before the field (no chords; the step tables' sizes on 4 steps per quarter).
OPTIONAL_FIELDS = frozenset({"chord_dim", "bar_rows", "beat_phase_rows", "since_rows"})


@dataclass(frozen=True)
class ModelConfig:
    """The model's shape. A dimension of 0 switches that group of input features off."""

    min_pitch: int = DEFAULT_PITCH_RANGE[0]  # lowest pitch the model knows (the encoding's range)
    max_pitch: int = DEFAULT_PITCH_RANGE[1]  # highest pitch the model knows
    steps_per_quarter: int = DEFAULT_STEPS_PER_QUARTER  # the grid the model was trained on
    hidden_size: int = 256  # LSTM units per layer
    num_layers: int = 1  # stacked LSTM layers (one trains faster and steps cheaper; see report)
    token_dim: int = 64  # embedding of the current step's token
    pitch_dim: int = 32  # embedding of the latest note's pitch, which HOLD steps do not show
    contour_dim: int = 16  # embeddings of the latest interval and of the steps since the onset
    meter_dim: int = 16  # embeddings of the predicted step's bar position, beat phase, beat, meter
    lookback_dim: int = 32  # embeddings of the tokens one and two bars back, and repeat flags
    dropout: float = 0.3  # between LSTM layers and before the output heads (training only)
    input_dropout: float = 0.1  # on the concatenated input features (training only)
    relative_head: bool = True  # add interval logits placed relative to the latest pitch
    layer_norm: bool = True  # normalise the top LSTM output before the heads
    # The chord sounding at the predicted step (engine.ml.chord_features): an input embedding
    # of this size and a chord-tone output; 0 (every model before it, whose card lacks the
    # field) is a model that hears no chords.
    chord_dim: int = 0
    # Rows of the embeddings indexed by grid steps: position in the bar, position in the beat,
    # steps since the latest onset (larger values share the last row). :meth:`on_grid` sizes
    # them for a grid; a card without them is a 4-step model's (16 quarters, 4, 8).
    bar_rows: int = BAR_QUARTERS * DEFAULT_STEPS_PER_QUARTER
    beat_phase_rows: int = BEAT_QUARTERS * DEFAULT_STEPS_PER_QUARTER
    since_rows: int = SINCE_QUARTERS * DEFAULT_STEPS_PER_QUARTER

    def __post_init__(self):
        for name in (
            "min_pitch", "max_pitch", "steps_per_quarter", "hidden_size", "num_layers",
            "token_dim", "pitch_dim", "contour_dim", "meter_dim", "lookback_dim", "chord_dim",
            "bar_rows", "beat_phase_rows", "since_rows",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"model config {name} must be an integer, got {value!r}")
        for name in ("relative_head", "layer_norm"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"model config {name} must be true or false")
        EventEncoding(self.min_pitch, self.max_pitch)  # validates the range
        check_steps_per_quarter(self.steps_per_quarter)
        # Bounds four times the shipped models' sizes and more: the largest config allowed has
        # ~40 million parameters (160 MB), so a hostile card cannot make a load allocate gigabytes.
        if not 1 <= self.hidden_size <= MAX_HIDDEN_SIZE:
            raise ValueError(f"hidden size {self.hidden_size} is outside 1-{MAX_HIDDEN_SIZE}")
        if not 1 <= self.num_layers <= MAX_LAYERS:
            raise ValueError(f"number of layers {self.num_layers} is outside 1-{MAX_LAYERS}")
        if not 1 <= self.token_dim <= MAX_FEATURE_DIM:
            raise ValueError(f"token embedding size {self.token_dim} is outside 1-{MAX_FEATURE_DIM}")
        for name in ("pitch_dim", "contour_dim", "meter_dim", "lookback_dim", "chord_dim"):
            if not 0 <= getattr(self, name) <= MAX_FEATURE_DIM:
                raise ValueError(f"{name} {getattr(self, name)} is outside 0-{MAX_FEATURE_DIM}")
        for name in ("bar_rows", "beat_phase_rows", "since_rows"):
            if not 1 <= getattr(self, name) <= MAX_STEP_ROWS:
                raise ValueError(f"{name} {getattr(self, name)} is outside 1-{MAX_STEP_ROWS}")
        for name in ("dropout", "input_dropout"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
                raise ValueError(f"{name} must be a number in [0, 1), got {value!r}")

    @property
    def encoding(self) -> EventEncoding:
        return EventEncoding(self.min_pitch, self.max_pitch)

    def on_grid(self, steps_per_quarter: int) -> ModelConfig:
        """This shape on ``steps_per_quarter``, its step tables spanning as many quarters as
        on the default grid (a 12-step model's bar table has 192 rows, a 4-step one's 64)."""
        spq = check_steps_per_quarter(steps_per_quarter)
        return dataclasses.replace(
            self, steps_per_quarter=spq, bar_rows=BAR_QUARTERS * spq,
            beat_phase_rows=BEAT_QUARTERS * spq, since_rows=SINCE_QUARTERS * spq,
        )

    def to_json(self) -> dict:
        data = dataclasses.asdict(self)
        # Fields at their old value are left out, so a card stays as older Segues wrote it.
        for name in OPTIONAL_FIELDS:
            if data[name] == getattr(ModelConfig, name):
                del data[name]
        return data

    @classmethod
    def from_json(cls, data: dict) -> ModelConfig:
        if not isinstance(data, dict):
            raise ValueError("the model config is not an object")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"the model config has unknown fields: {', '.join(sorted(unknown))}")
        missing = known - set(data) - OPTIONAL_FIELDS
        if missing:
            raise ValueError(f"the model config lacks fields: {', '.join(sorted(missing))}")
        return cls(**data)
