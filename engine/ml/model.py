"""The LSTM next-step model over the event encoding, and its checkpoint files.

The model reads one token per grid step and predicts the token of the next step. Besides the
token itself, each step's input carries features that a plain LSTM would have to work out on its
own (Magenta's lookback RNN and IDyOM's viewpoints are the inspiration):

- the pitch of the latest note, which persists through HOLD steps, the interval that led to it
  and the steps since it began;
- where the predicted step falls: position in the bar, position in the beat, beat number, meter;
- what happened one and two bars before the predicted step, and whether the current step
  repeats the steps one and two bars back.

The output adds two heads: absolute logits over the vocabulary, plus interval logits placed
relative to the latest pitch (a transposition-invariant view of "what interval comes next").
HOLD right after REST is impossible in the encoding, so the model gives it probability 0.

Training runs the whole sequence through ``nn.LSTM``; generation steps one event at a time
with the same weights through :class:`Stepper`, whose first layer adds up precomputed gate
tables instead of multiplying the input features (cheaper, and the same numbers).

Checkpoint: ``NAME.safetensors`` (weights) + ``NAME.json`` (card: config, encoding, vocabulary,
versions, weight checksum, training summary, metrics). :func:`load_model` validates all of it
and refuses pickle files without opening them as pickles.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from engine.encoding import FIRST_PITCH_TOKEN, HOLD, REST, EventEncoding
from engine.melody import steps_per_bar as bar_steps_of
from engine.melody import steps_per_beat
from engine.ml.device import choose_device

FORMAT = "segue-model"
FORMAT_VERSION = 1
FEATURES_VERSION = 1

# Meters with an embedding of their own; anything else shares the last entry.
METERS = (
    (4, 4), (3, 4), (2, 4), (6, 8), (3, 8), (2, 2), (6, 4), (9, 8),
    (12, 8), (5, 4), (3, 2), (4, 2), (1, 4), (1, 8), (5, 8), (7, 8),
)
MAX_BAR_STEPS = 64  # positions in the bar beyond this share the last embedding
MAX_BEAT_PHASE = 16
MAX_BEATS = 16
MAX_INTERVAL = 12  # intervals to the latest note are clamped to +-an octave
MAX_SINCE = 32  # steps since the latest onset, clamped

PRIMED_SEEDS = 8  # seed states kept per model for rerolls
PICKLE_SUFFIXES = {".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".bin", ".tar", ".joblib"}
NEG_INF = float("-inf")


class ModelError(ValueError):
    """A model file is missing, damaged or not a Segue model; the message names the file."""


@dataclass(frozen=True)
class ModelConfig:
    """The model's shape. A dimension of 0 switches that group of input features off."""

    min_pitch: int = 36  # lowest pitch the model knows (the event encoding's range)
    max_pitch: int = 96  # highest pitch the model knows
    steps_per_quarter: int = 4  # the grid the model was trained on
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

    def __post_init__(self):
        for name in (
            "min_pitch", "max_pitch", "steps_per_quarter", "hidden_size", "num_layers",
            "token_dim", "pitch_dim", "contour_dim", "meter_dim", "lookback_dim",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"model config {name} must be an integer, got {value!r}")
        for name in ("relative_head", "layer_norm"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"model config {name} must be true or false")
        EventEncoding(self.min_pitch, self.max_pitch)  # validates the range
        if not 1 <= self.steps_per_quarter <= 96:
            raise ValueError(f"steps per quarter {self.steps_per_quarter} is outside 1-96")
        if not 1 <= self.hidden_size <= 4096:
            raise ValueError(f"hidden size {self.hidden_size} is outside 1-4096")
        if not 1 <= self.num_layers <= 8:
            raise ValueError(f"number of layers {self.num_layers} is outside 1-8")
        if not 1 <= self.token_dim <= 1024:
            raise ValueError(f"token embedding size {self.token_dim} is outside 1-1024")
        for name in ("pitch_dim", "contour_dim", "meter_dim", "lookback_dim"):
            if not 0 <= getattr(self, name) <= 1024:
                raise ValueError(f"{name} {getattr(self, name)} is outside 0-1024")
        for name in ("dropout", "input_dropout"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
                raise ValueError(f"{name} must be a number in [0, 1), got {value!r}")

    @property
    def encoding(self) -> EventEncoding:
        return EventEncoding(self.min_pitch, self.max_pitch)

    def to_json(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> ModelConfig:
        if not isinstance(data, dict):
            raise ValueError("the model config is not an object")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"the model config has unknown fields: {', '.join(sorted(unknown))}")
        missing = known - set(data)
        if missing:
            raise ValueError(f"the model config lacks fields: {', '.join(sorted(missing))}")
        return cls(**data)


# --- meter ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Meter:
    """What the model knows of a meter: steps per bar, steps per beat, meter embedding index."""

    steps_per_bar: int
    beat_steps: int
    meter_id: int


def meter_of(time_signature: tuple[int, int], steps_per_quarter: int = 4) -> Meter:
    """The model's view of a time signature; compound meters (6/8, 9/8, 12/8) beat in dotted
    quarters."""
    numerator, denominator = (int(v) for v in time_signature)
    bar = bar_steps_of((numerator, denominator), steps_per_quarter)
    beat = steps_per_beat((numerator, denominator), steps_per_quarter)
    try:
        meter_id = METERS.index((numerator, denominator))
    except ValueError:
        meter_id = len(METERS)
    return Meter(bar, beat, meter_id)


def meter_tensor(meters: Sequence[Meter], device=None) -> torch.Tensor:
    """(B, 3) long tensor of steps per bar, beat steps, meter id: the model's meter input."""
    return torch.tensor(
        [[m.steps_per_bar, m.beat_steps, m.meter_id] for m in meters], dtype=torch.long, device=device
    ).reshape(len(meters), 3)


# --- the network ------------------------------------------------------------------------------


def _feature_spec(config: ModelConfig) -> list[tuple[str, int, int]]:
    """(name, table rows, dimension) of every input feature the config switches on."""
    vocab = config.encoding.num_tokens
    pitches = config.encoding.num_pitches
    spec = [("token", vocab, config.token_dim)]
    if config.pitch_dim:
        spec.append(("pitch", pitches + 1, config.pitch_dim))
    if config.contour_dim:
        spec.append(("interval", 2 * MAX_INTERVAL + 2, config.contour_dim))
        spec.append(("since", MAX_SINCE + 1, config.contour_dim))
    if config.meter_dim:
        spec.append(("position", MAX_BAR_STEPS, config.meter_dim))
        spec.append(("beat_phase", MAX_BEAT_PHASE, config.meter_dim))
        spec.append(("beat", MAX_BEATS, config.meter_dim))
        spec.append(("meter", len(METERS) + 1, config.meter_dim))
    if config.lookback_dim:
        spec.append(("lookback1", vocab + 1, config.lookback_dim))
        spec.append(("lookback2", vocab + 1, config.lookback_dim))
        spec.append(("repeat", 4, max(4, config.lookback_dim // 4)))
    return spec


class SegueModel(nn.Module):
    """The next-step LSTM. ``forward(tokens, offsets, meters)`` -> logits, see there."""

    def __init__(self, config: ModelConfig | None = None):
        super().__init__()
        self.config = config or ModelConfig()
        self.encoding = self.config.encoding
        self.card: dict = {}  # training summary and metrics, kept with the weights
        cfg = self.config
        self.vocab_size = self.encoding.num_tokens
        self.num_pitches = self.encoding.num_pitches
        self.feature_spec = _feature_spec(cfg)
        self.embeddings = nn.ModuleDict(
            {name: nn.Embedding(rows, dim) for name, rows, dim in self.feature_spec}
        )
        input_size = sum(dim for _, _, dim in self.feature_spec)
        self.input_dropout = nn.Dropout(cfg.input_dropout)
        self.lstm = nn.LSTM(
            input_size,
            cfg.hidden_size,
            cfg.num_layers,
            batch_first=True,
            dropout=cfg.dropout if cfg.num_layers > 1 else 0.0,
        )
        self.output_dropout = nn.Dropout(cfg.dropout)
        self.norm = nn.LayerNorm(cfg.hidden_size) if cfg.layer_norm else None
        relative = 2 * self.num_pitches - 1 if cfg.relative_head else 0
        self.head = nn.Linear(cfg.hidden_size, self.vocab_size + relative)
        # Row p: the relative-head column of each absolute pitch seen from latest pitch p; the
        # last row (no latest pitch) points every pitch at an appended zero column.
        pitch = torch.arange(self.num_pitches)
        rows = [pitch - p + self.num_pitches - 1 for p in range(self.num_pitches)]
        rows.append(torch.full((self.num_pitches,), 2 * self.num_pitches - 1))
        self.register_buffer("relative_index", torch.stack(rows), persistent=False)
        self._init_weights()

    def _init_weights(self):
        for embedding in self.embeddings.values():
            nn.init.normal_(embedding.weight, std=0.1)
        hidden = self.config.hidden_size
        for layer in range(self.config.num_layers):
            # A forget-gate bias of 1 (0.5 in each bias) helps an LSTM remember from the start.
            for name in (f"bias_ih_l{layer}", f"bias_hh_l{layer}"):
                bias = getattr(self.lstm, name)
                with torch.no_grad():
                    bias.zero_()
                    bias[hidden:2 * hidden] = 0.5

    @property
    def device(self) -> torch.device:
        return self.head.weight.device

    @property
    def uses_latest_pitch(self) -> bool:
        cfg = self.config
        return bool(cfg.pitch_dim or cfg.contour_dim or cfg.relative_head)

    # --- features, whole sequences ---------------------------------------------------------

    def feature_indices(self, tokens: torch.Tensor, offsets: torch.Tensor, meters: torch.Tensor) -> dict:
        """Index of every input feature at every step: name -> (B, T) long tensor.

        ``tokens`` (B, T); ``offsets`` (B,) the absolute grid step of ``tokens[:, 0]``;
        ``meters`` (B, 3) from :func:`meter_tensor`. The input at step t predicts step t + 1.
        """
        cfg = self.config
        batch, length = tokens.shape
        t = torch.arange(length, device=tokens.device)
        features = {"token": tokens}
        if self.uses_latest_pitch:
            onset = tokens >= FIRST_PITCH_TOKEN
            last_on = torch.cummax(torch.where(onset, t, -1), dim=1).values
            has_last = last_on >= 0
            pitch_at = (tokens - FIRST_PITCH_TOKEN).clamp(min=0)
            latest = torch.where(has_last, pitch_at.gather(1, last_on.clamp(min=0)), self.num_pitches)
            features["latest_pitch"] = latest
            if cfg.pitch_dim:
                features["pitch"] = latest
            if cfg.contour_dim:
                before = F.pad(last_on[:, :-1], (1, 0), value=-1)  # latest onset before step t
                second = torch.where(has_last, before.gather(1, last_on.clamp(min=0)), -1)
                has_both = has_last & (second >= 0)
                interval = latest - pitch_at.gather(1, second.clamp(min=0))
                interval = interval.clamp(-MAX_INTERVAL, MAX_INTERVAL) + MAX_INTERVAL
                features["interval"] = torch.where(has_both, interval, 2 * MAX_INTERVAL + 1)
                since = (t - last_on).clamp(max=MAX_SINCE - 1)
                features["since"] = torch.where(has_last, since, MAX_SINCE)
        bar = meters[:, 0:1]
        if cfg.meter_dim:
            position = (offsets[:, None] + t + 1) % bar
            beat = meters[:, 1:2]
            features["position"] = position.clamp(max=MAX_BAR_STEPS - 1)
            features["beat_phase"] = (position % beat).clamp(max=MAX_BEAT_PHASE - 1)
            features["beat"] = (position // beat).clamp(max=MAX_BEATS - 1)
            features["meter"] = meters[:, 2:3].expand(batch, length)
        if cfg.lookback_dim:
            for bars, name in ((1, "lookback1"), (2, "lookback2")):
                back = t + 1 - bars * bar
                looked = tokens.gather(1, back.clamp(min=0))
                features[name] = torch.where(back >= 0, looked, self.vocab_size)
            repeat = torch.zeros_like(tokens)
            for bars in (1, 2):
                back = t - bars * bar
                same = (back >= 0) & (tokens == tokens.gather(1, back.clamp(min=0)))
                repeat = repeat + same.long() * bars
            features["repeat"] = repeat
        return features

    def forward(
        self,
        tokens: torch.Tensor,
        offsets: torch.Tensor,
        meters: torch.Tensor,
        state: tuple[torch.Tensor, torch.Tensor] | None = None,
        return_state: bool = False,
        last_only: bool = False,
    ):
        """Logits (B, T, V): row t is the distribution of step t + 1 given steps 0..t.

        ``state`` continues from an earlier call (the tokens' features then see only this
        call's tokens, so use it only for the first chunk); ``return_state`` also returns the
        LSTM's final (h, c); ``last_only`` gives only the last row (B, 1, V), as priming needs.
        """
        features = self.feature_indices(tokens, offsets, meters)
        inputs = torch.cat(
            [self.embeddings[name](features[name]) for name, _, _ in self.feature_spec], dim=-1
        )
        output, new_state = self.lstm(self.input_dropout(inputs), state)
        latest = features.get("latest_pitch")
        if last_only:
            output, tokens = output[:, -1:], tokens[:, -1:]
            latest = None if latest is None else latest[:, -1:]
        logits = self._heads(self.output_dropout(output), tokens, latest)
        return (logits, new_state) if return_state else logits

    def _heads(self, hidden: torch.Tensor, tokens: torch.Tensor, latest: torch.Tensor | None):
        if self.norm is not None:
            hidden = self.norm(hidden)
        out = self.head(hidden)
        logits = out[..., : self.vocab_size]
        if self.config.relative_head:
            relative = F.pad(out[..., self.vocab_size:], (0, 1))
            index = self.relative_index[latest]
            placed = relative.gather(-1, index)
            logits = torch.cat(
                [logits[..., :FIRST_PITCH_TOKEN], logits[..., FIRST_PITCH_TOKEN:] + placed], dim=-1
            )
        hold_impossible = (tokens == REST).unsqueeze(-1) & (
            torch.arange(self.vocab_size, device=tokens.device) == HOLD
        )
        return logits.masked_fill(hold_impossible, NEG_INF)

    # --- stepping -----------------------------------------------------------------------------

    def stepper(self, batch: int, offset: int, meter: Meter) -> Stepper:
        """A :class:`Stepper` for ``batch`` parallel sequences whose token 0 is at grid step
        ``offset`` in ``meter``. The model should be in eval mode."""
        return Stepper(self, batch, offset, meter)

    def step_tables(self) -> _StepTables:
        """The stepping weights, rebuilt only when a parameter has changed since last time."""
        key = tuple((p.data_ptr(), p._version) for p in self.parameters())
        cached = getattr(self, "_step_tables", None)
        if cached is None or cached[0] != key:
            with torch.no_grad():
                cached = (key, _StepTables(self))
            self._step_tables = cached
        return cached[1]


class _StepTables:
    """The model's weights rearranged for one step at a time (inference only).

    Gates are reordered to i, f, o, g (PyTorch's order is i, f, g, o) so one sigmoid covers
    three of them, and weights are stored transposed for ``addmm``. The first layer's input
    weights are folded into the embedding tables: a step's input gates are the sum of one row
    per feature. (``torch.lstm_cell`` is slower than these few ops at small batches on CPU.)
    """

    def __init__(self, model: SegueModel):
        hidden = model.config.hidden_size
        lstm = model.lstm
        w_ih0 = lstm.weight_ih_l0.detach()
        order = torch.cat(
            [torch.arange(0, 2 * hidden), torch.arange(3 * hidden, 4 * hidden),
             torch.arange(2 * hidden, 3 * hidden)]
        ).to(w_ih0.device)
        tables, offsets, rows, column = [], {}, 0, 0
        for name, count, dim in model.feature_spec:
            weight = model.embeddings[name].weight.detach()
            tables.append(weight @ w_ih0[:, column:column + dim].t())
            offsets[name] = rows
            rows += count
            column += dim
        table = torch.cat(tables)
        table[: model.vocab_size] += (lstm.bias_ih_l0 + lstm.bias_hh_l0).detach()  # one token row a step
        self.gate_table = table[:, order].contiguous()
        self.offsets = offsets
        self.w_hh_t = [
            getattr(lstm, f"weight_hh_l{layer}").detach()[order].t().contiguous()
            for layer in range(model.config.num_layers)
        ]
        self.w_ih_t = [None] + [
            getattr(lstm, f"weight_ih_l{layer}").detach()[order].t().contiguous()
            for layer in range(1, model.config.num_layers)
        ]
        self.bias = [None] + [
            (getattr(lstm, f"bias_ih_l{layer}") + getattr(lstm, f"bias_hh_l{layer}")).detach()[order]
            for layer in range(1, model.config.num_layers)
        ]
        self.head_w_t = model.head.weight.detach().t().contiguous()
        self.head_b = model.head.bias.detach()
        self.norm = None
        if model.norm is not None:
            self.norm = (model.norm.weight.detach(), model.norm.bias.detach(), model.norm.eps)
        # Relative logits for pitch j sit at column vocab + j - latest + P - 1 of the head.
        self.relative_base = torch.arange(model.num_pitches, device=w_ih0.device) + model.vocab_size
        self.features = len(model.feature_spec)
        self.primed: OrderedDict = OrderedDict()  # seed -> LSTM state after it (Stepper.prime)


class Stepper:
    """Runs B sequences one step at a time: ``feed(tokens)`` -> logits of the next step.

    Keeps the LSTM state and the running features, so a step costs one small batch of work
    whatever the history length. ``prime(tokens)`` feeds a seed in one full-sequence pass.
    Use it under ``torch.inference_mode()`` with the model in eval mode.

    At batch 8 a step is a few small matrix products, so Python and dispatch overhead matter
    as much as arithmetic: features are plain ints gathered into one index array, and the
    gate, head and placement arithmetic uses as few torch calls as it can.
    """

    def __init__(self, model: SegueModel, batch: int, offset: int, meter: Meter):
        if batch < 1:
            raise ValueError(f"batch size {batch} must be at least 1")
        self.model = model
        self.batch = batch
        self.offset = offset
        self.meter = meter
        self.tables = model.step_tables()
        cfg = model.config
        self.device = model.device
        self.hidden = cfg.hidden_size
        self.vocab = model.vocab_size
        self.pitches = model.num_pitches
        self.h = [torch.zeros(batch, cfg.hidden_size, device=self.device) for _ in range(cfg.num_layers)]
        self.c = [torch.zeros(batch, cfg.hidden_size, device=self.device) for _ in range(cfg.num_layers)]
        self.history: list[list[int]] = [[] for _ in range(batch)]
        self.last_onset = [-1] * batch
        self.latest = [model.num_pitches] * batch  # pitch index of the latest onset, or "none"
        self.previous = [model.num_pitches] * batch  # pitch index of the onset before that
        rows = self.tables.offsets
        self._rows = rows
        bar, beat = meter.steps_per_bar, meter.beat_steps
        # Table rows of the metrical features, by position in the bar (the same for every row).
        self._shared = [
            [rows["position"] + min(p, MAX_BAR_STEPS - 1),
             rows["beat_phase"] + min(p % beat, MAX_BEAT_PHASE - 1),
             rows["beat"] + min(p // beat, MAX_BEATS - 1),
             rows["meter"] + meter.meter_id] if cfg.meter_dim else []
            for p in range(bar)
        ]
        width = self.tables.head_b.shape[0]
        self._relative_start = [row * width + model.num_pitches - 1 for row in range(batch)]
        self._bag_offsets = torch.arange(
            0, batch * self.tables.features, self.tables.features, device=self.device
        )
        self._cpu = self.device.type == "cpu"
        if cfg.contour_dim:
            # Gate-table row of each interval latest - previous (negative ones from the end).
            row = rows["interval"]
            clamp = lambda d: row + MAX_INTERVAL + max(-MAX_INTERVAL, min(MAX_INTERVAL, d))  # noqa: E731
            self._interval_rows = [clamp(d) for d in range(model.num_pitches)] + [
                clamp(d) for d in range(-model.num_pitches, 0)
            ]
        # One index buffer, written through numpy and read by torch without a copy (CPU):
        # the feature rows, then where each row's relative logits start. Views made once.
        features = batch * self.tables.features
        self._index = torch.zeros(features + batch, dtype=torch.long)
        self._index_np = self._index.numpy()
        self._feature_index = self._index.narrow(0, 0, features)
        self._relative_index = self._index.narrow(0, features, batch).unsqueeze(1)
        self._gate_split = (3 * self.hidden, self.hidden)
        self._rest = torch.zeros(batch, dtype=torch.bool)
        self._rest_np = self._rest.numpy()

    @property
    def steps(self) -> int:
        """Tokens fed so far."""
        return len(self.history[0])

    def _track(self, tokens: Sequence[int]) -> None:
        t = len(self.history[0])
        latest, previous, onsets = self.latest, self.previous, self.last_onset
        for row, token in enumerate(tokens):
            self.history[row].append(token)
            if token >= FIRST_PITCH_TOKEN:
                previous[row] = latest[row]
                latest[row] = token - FIRST_PITCH_TOKEN
                onsets[row] = t

    def _feature_rows(self) -> list[int]:
        """Rows of the gate table for the input at the latest step, all sequences in a row."""
        cfg, rows = self.model.config, self._rows
        t = len(self.history[0]) - 1
        bar = self.meter.steps_per_bar
        shared = self._shared[(self.offset + t + 1) % bar]
        none_pitch = self.pitches
        token_row = rows["token"]
        pitch_row = rows.get("pitch")
        contour = bool(cfg.contour_dim)
        lookback = bool(cfg.lookback_dim)
        if contour:
            intervals = self._interval_rows
            since_row, since_last = rows["since"], rows["since"] + MAX_SINCE - 1
            no_interval = rows["interval"] + 2 * MAX_INTERVAL + 1
        if lookback:
            back1_row, back2_row, repeat_row = rows["lookback1"], rows["lookback2"], rows["repeat"]
            none_token = self.vocab
        back1, back2 = t + 1 - bar, t + 1 - 2 * bar
        out: list[int] = []
        for row in range(self.batch):
            history = self.history[row]
            token = history[t]
            latest = self.latest[row]
            out.append(token_row + token)
            if pitch_row is not None:
                out.append(pitch_row + latest)
            if contour:
                previous = self.previous[row]
                if latest == none_pitch or previous == none_pitch:
                    out.append(no_interval)
                else:
                    out.append(intervals[latest - previous])
                onset = self.last_onset[row]
                if onset < 0:
                    out.append(since_row + MAX_SINCE)
                else:
                    since = since_row + t - onset
                    out.append(since if since < since_last else since_last)
            out += shared
            if lookback:
                out.append(back1_row + (history[back1] if back1 >= 0 else none_token))
                out.append(back2_row + (history[back2] if back2 >= 0 else none_token))
                # The current step against the steps one and two bars before it.
                repeat = 1 if back1 >= 1 and history[back1 - 1] == token else 0
                if back2 >= 1 and history[back2 - 1] == token:
                    repeat += 2
                out.append(repeat_row + repeat)
        return out

    @torch.inference_mode()
    def prime(self, tokens: Sequence[int]) -> torch.Tensor:
        """Feed a whole seed (the same for every sequence) in one pass; logits (B, V) of the
        step after it. Only valid on a fresh stepper."""
        if self.steps:
            raise ValueError("prime() needs a fresh stepper")
        tokens = [int(t) for t in tokens]
        if not tokens:
            raise ValueError("cannot prime with an empty seed")
        model, device = self.model, self.device
        # Rerolling variations of the same seed is common: its LSTM state is kept (a few
        # entries, dropped with the tables when the weights change).
        key = (tuple(tokens), self.offset, self.meter)
        primed = self.tables.primed
        if key in primed:
            primed.move_to_end(key)
            logits, (h, c) = primed[key]
        else:
            seed = torch.tensor([tokens], dtype=torch.long, device=device)
            logits, (h, c) = model(
                seed,
                torch.tensor([self.offset], device=device),
                meter_tensor([self.meter], device),
                return_state=True,
                last_only=True,
            )
            primed[key] = logits, (h, c)
            if len(primed) > PRIMED_SEEDS:
                primed.popitem(last=False)
        for layer in range(model.config.num_layers):
            self.h[layer] = h[layer].expand(self.batch, -1).contiguous()
            self.c[layer] = c[layer].expand(self.batch, -1).contiguous()
        for token in tokens:
            self._track([token] * self.batch)
        return logits[:, -1].expand(self.batch, -1).contiguous()

    def _cell(self, layer: int, gates: torch.Tensor) -> torch.Tensor:
        gates = gates.addmm_(self.h[layer], self.tables.w_hh_t[layer])
        sigmoid_gates, candidate = gates.split(self._gate_split, 1)
        i, f, o = sigmoid_gates.sigmoid().chunk(3, 1)
        cell = torch.addcmul(f * self.c[layer], i, candidate.tanh())
        h = o * cell.tanh()
        self.h[layer], self.c[layer] = h, cell
        return h

    def feed(self, tokens: Sequence[int]) -> torch.Tensor:
        """Feed one token per sequence; logits (B, V) of the next step."""
        if len(tokens) != self.batch:
            raise ValueError(f"expected {self.batch} tokens, got {len(tokens)}")
        tokens = [int(t) for t in tokens]
        self._track(tokens)
        tables, vocab = self.tables, self.vocab
        rows = self._feature_rows()
        relative = self.model.config.relative_head
        missing_pitch = relative and self.pitches in self.latest  # a sequence without a note yet
        if relative and not missing_pitch:
            # Flat positions in the head's output where each row's relative logits start.
            rows += [start - latest for start, latest in zip(self._relative_start, self.latest)]
        self._index_np[: len(rows)] = rows
        feature_index, relative_index = self._feature_index, self._relative_index
        if not self._cpu:
            feature_index, relative_index = feature_index.to(self.device), relative_index.to(self.device)
        gates = torch.embedding_bag(tables.gate_table, feature_index, self._bag_offsets, False, 0)[0]
        h = self._cell(0, gates)
        for layer in range(1, len(self.h)):
            h = self._cell(layer, torch.addmm(tables.bias[layer], h, tables.w_ih_t[layer]))
        if tables.norm is not None:
            h = torch.layer_norm(h, (self.hidden,), *tables.norm)
        out = torch.addmm(tables.head_b, h, tables.head_w_t)
        logits = out.narrow(1, 0, vocab)
        if missing_pitch:
            relative_logits = F.pad(out.narrow(1, vocab, out.shape[1] - vocab), (0, 1))
            latest = torch.tensor(self.latest, device=self.device)
            placed = relative_logits.gather(1, self.model.relative_index[latest])
            logits.narrow(1, FIRST_PITCH_TOKEN, vocab - FIRST_PITCH_TOKEN).add_(placed)
        elif relative:
            placed = out.take(relative_index + tables.relative_base)
            logits.narrow(1, FIRST_PITCH_TOKEN, vocab - FIRST_PITCH_TOKEN).add_(placed)
        if REST in tokens:  # (a mask written through numpy: cheaper than advanced indexing)
            self._rest_np[:] = [token == REST for token in tokens]
            mask = self._rest if self._cpu else self._rest.to(self.device)
            logits.select(1, HOLD).masked_fill_(mask, NEG_INF)
        return logits

    def reorder(self, order: Sequence[int]) -> None:
        """Keep sequences ``order`` (indices, repeats allowed), e.g. for beam search."""
        order = [int(i) for i in order]
        if len(order) != self.batch:
            raise ValueError("reorder keeps the batch size")
        index = torch.tensor(order, device=self.device)
        self.h = [h.index_select(0, index) for h in self.h]
        self.c = [c.index_select(0, index) for c in self.c]
        self.history = [list(self.history[i]) for i in order]
        self.last_onset = [self.last_onset[i] for i in order]
        self.latest = [self.latest[i] for i in order]
        self.previous = [self.previous[i] for i in order]


# --- creating, saving, loading --------------------------------------------------------------


def create_model(config: ModelConfig | None = None, seed: int = 0) -> SegueModel:
    """A randomly initialised model (reproducible from ``seed``), in eval mode."""
    generator_state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    try:
        model = SegueModel(config)
    finally:
        torch.random.set_rng_state(generator_state)
    return model.eval()


def model_paths(path: str | os.PathLike) -> tuple[Path, Path]:
    """(card .json, weights .safetensors) for ``NAME``, ``NAME.json`` or ``NAME.safetensors``."""
    path = Path(path).expanduser()
    if path.suffix.lower() in (".json", ".safetensors"):
        path = path.with_suffix("")
    return Path(f"{path}.json"), Path(f"{path}.safetensors")


def _atomic_write(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path``, then rename: never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


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
    _atomic_write(weights_path, weights)
    _atomic_write(card_path, (json.dumps(card, indent=2, sort_keys=False) + "\n").encode())
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


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def bits(nats: float) -> float:
    """Natural-log units to bits."""
    return nats / math.log(2)
