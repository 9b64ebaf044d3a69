"""The LSTM next-step model over the event encoding: its input features and the network (its
shape, :class:`ModelConfig`, is :mod:`engine.ml.model_config`).

The model reads one token per grid step and predicts the token of the next step. Besides the
token itself, each step's input carries features that a plain LSTM would have to work out on its
own (Magenta's lookback RNN and IDyOM's viewpoints are the inspiration):

- the pitch of the latest note, which persists through HOLD steps, the interval that led to it
  and the steps since it began;
- where the predicted step falls: position in the bar, position in the beat, beat number, meter;
- what happened one and two bars before the predicted step, and whether the current step
  repeats the steps one and two bars back;
- with ``chord_dim``, the chord sounding at the predicted step (root and family, or "no chord
  given": :mod:`engine.ml.chord_features`), which also adds a learnt score to each pitch by
  its interval above that chord's root (``chord_bias``, 12 per family, one set on the beat and
  one between beats, where passing notes live): chord tones are then
  likelier whatever the LSTM has learnt.

The output adds two heads: absolute logits over the vocabulary, plus interval logits placed
relative to the latest pitch (a transposition-invariant view of "what interval comes next").
HOLD right after REST is impossible in the encoding, so the model gives it probability 0.

Training runs the whole sequence through ``nn.LSTM``; generation steps one event at a time with
the same weights through :class:`engine.ml.stepper.Stepper`. Checkpoint files are
:mod:`engine.ml.checkpoint`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from segue.engine.chords import QUALITIES
from segue.engine.encoding import FIRST_PITCH_TOKEN, HOLD, REST
from segue.engine.melody import DEFAULT_STEPS_PER_QUARTER, steps_per_beat
from segue.engine.melody import steps_per_bar as bar_steps_of
from segue.engine.ml.chord_features import CHORD_ROWS, NO_CHORD_INDEX, chord_tone_table
from segue.engine.ml.model_config import ModelConfig  # noqa: F401 - the model's shape, torch-free

# Meters with an embedding of their own; anything else shares the last entry.
METERS = (
    (4, 4), (3, 4), (2, 4), (6, 8), (3, 8), (2, 2), (6, 4), (9, 8),
    (12, 8), (5, 4), (3, 2), (4, 2), (1, 4), (1, 8), (5, 8), (7, 8),
)
MAX_BEATS = 16  # beats in the bar beyond this share the last embedding
MAX_INTERVAL = 12  # intervals to the latest note are clamped to +-an octave

NEG_INF = float("-inf")

# --- meter ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Meter:
    """What the model knows of a meter: steps per bar, steps per beat, meter embedding index."""

    steps_per_bar: int
    beat_steps: int
    meter_id: int


def meter_of(
    time_signature: tuple[int, int], steps_per_quarter: int = DEFAULT_STEPS_PER_QUARTER
) -> Meter:
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
        spec.append(("since", config.since_rows + 1, config.contour_dim))  # + "no onset yet"
    if config.meter_dim:
        spec.append(("position", config.bar_rows, config.meter_dim))
        spec.append(("beat_phase", config.beat_phase_rows, config.meter_dim))
        spec.append(("beat", MAX_BEATS, config.meter_dim))
        spec.append(("meter", len(METERS) + 1, config.meter_dim))
    if config.lookback_dim:
        spec.append(("lookback1", vocab + 1, config.lookback_dim))
        spec.append(("lookback2", vocab + 1, config.lookback_dim))
        spec.append(("repeat", 4, max(4, config.lookback_dim // 4)))
    if config.chord_dim:  # last: a chordless model's weights are the first columns of these
        spec.append(("chord", CHORD_ROWS, config.chord_dim))
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
        if cfg.chord_dim:
            # Starts at zero: a model fine-tuned from a chordless one begins where it was.
            self.chord_bias = nn.Parameter(torch.zeros(2, len(QUALITIES), 12))
            table = torch.from_numpy(chord_tone_table(cfg.min_pitch, self.num_pitches))
            self.register_buffer("chord_tone_index", table, persistent=False)
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

    def feature_indices(self, tokens: torch.Tensor, offsets: torch.Tensor, meters: torch.Tensor,
                        chords: torch.Tensor | None = None) -> dict:
        """Index of every input feature at every step: name -> (B, T) long tensor.

        ``tokens`` (B, T); ``offsets`` (B,) the absolute grid step of ``tokens[:, 0]``;
        ``meters`` (B, 3) from :func:`meter_tensor`; ``chords`` (B, T) the chord index of each
        predicted step (None: no chords given). The input at step t predicts step t + 1.
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
                since = (t - last_on).clamp(max=cfg.since_rows - 1)
                features["since"] = torch.where(has_last, since, cfg.since_rows)
        bar = meters[:, 0:1]
        if cfg.meter_dim:
            position = (offsets[:, None] + t + 1) % bar
            beat = meters[:, 1:2]
            features["position"] = position.clamp(max=cfg.bar_rows - 1)
            features["beat_phase"] = (position % beat).clamp(max=cfg.beat_phase_rows - 1)
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
        if cfg.chord_dim:
            features["chord"] = (torch.full_like(tokens, NO_CHORD_INDEX) if chords is None
                                 else chords.to(tokens.device))
        return features

    def forward(
        self,
        tokens: torch.Tensor,
        offsets: torch.Tensor,
        meters: torch.Tensor,
        state: tuple[torch.Tensor, torch.Tensor] | None = None,
        return_state: bool = False,
        last_only: bool = False,
        *,
        chords: torch.Tensor | None = None,
    ):
        """Logits (B, T, V): row t is the distribution of step t + 1 given steps 0..t.

        ``state`` continues from an earlier call (the tokens' features then see only this
        call's tokens, so use it only for the first chunk); ``return_state`` also returns the
        LSTM's final (h, c); ``last_only`` gives only the last row (B, 1, V), as priming needs.
        ``chords`` (B, T): the chord index of step t + 1 in row t (a model without chord input
        ignores them).
        """
        features = self.feature_indices(tokens, offsets, meters, chords)
        inputs = torch.cat(
            [self.embeddings[name](features[name]) for name, _, _ in self.feature_spec], dim=-1
        )
        output, new_state = self.lstm(self.input_dropout(inputs), state)
        latest, chord = features.get("latest_pitch"), features.get("chord")
        if chord is not None:  # the chord output's row: the chord, and whether on a beat
            t = torch.arange(tokens.shape[1], device=tokens.device)
            on_beat = (offsets[:, None] + t + 1) % meters[:, 1:2] == 0
            chord = chord + on_beat.long() * CHORD_ROWS
        if last_only:
            output, tokens = output[:, -1:], tokens[:, -1:]
            latest = None if latest is None else latest[:, -1:]
            chord = None if chord is None else chord[:, -1:]
        logits = self._heads(self.output_dropout(output), tokens, latest, chord)
        return (logits, new_state) if return_state else logits

    def chord_pitch_bias(self, chord: torch.Tensor) -> torch.Tensor:
        """(..., pitches) the chord output's score of each pitch under ``chord``: a chord index,
        plus :data:`CHORD_ROWS` when the predicted step is on a beat."""
        flat = F.pad(self.chord_bias.reshape(2, -1), (0, 1))  # the last column: "no chord", 0
        return flat[(chord // CHORD_ROWS).unsqueeze(-1), self.chord_tone_index[chord % CHORD_ROWS]]

    def _heads(self, hidden: torch.Tensor, tokens: torch.Tensor, latest: torch.Tensor | None,
               chord: torch.Tensor | None = None):
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
        if chord is not None:
            logits = torch.cat(
                [logits[..., :FIRST_PITCH_TOKEN],
                 logits[..., FIRST_PITCH_TOKEN:] + self.chord_pitch_bias(chord)], dim=-1
            )
        hold_impossible = (tokens == REST).unsqueeze(-1) & (
            torch.arange(self.vocab_size, device=tokens.device) == HOLD
        )
        return logits.masked_fill(hold_impossible, NEG_INF)


def create_model(config: ModelConfig | None = None, seed: int = 0) -> SegueModel:
    """A randomly initialised model (reproducible from ``seed``), in eval mode."""
    generator_state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    try:
        model = SegueModel(config)
    finally:
        torch.random.set_rng_state(generator_state)
    return model.eval()
