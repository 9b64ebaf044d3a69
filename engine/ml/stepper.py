"""Generation one step at a time: the model's weights rearranged so a step costs little.

:class:`Stepper` runs B sequences with the same weights as :class:`engine.ml.model.SegueModel`
and gives the same logits as its full-sequence pass, but its first layer adds up precomputed
gate tables instead of multiplying the input features (cheaper, and the same numbers).
"""

from __future__ import annotations

import operator
from collections.abc import Sequence

import torch
import torch.nn.functional as F

from segue.engine.encoding import FIRST_PITCH_TOKEN, HOLD, REST
from segue.engine.ml.chord_features import CHORD_ROWS, NO_CHORD_INDEX
from segue.engine.ml.model import (
    MAX_INTERVAL,
    NEG_INF,
    Meter,
    SegueModel,
    meter_tensor,
)
from segue.engine.ml.step_tables import PRIMED_SEEDS, step_tables


class _CellBuffers:
    """One layer's intermediate values for a step, and the views of them the cell reads."""

    def __init__(self, batch: int, hidden: int, device):
        self.gates = torch.empty(batch, 4 * hidden, device=device)  # i, f, o, g
        self.sigmoid = torch.empty(batch, 3 * hidden, device=device)
        self.tanh = torch.empty(batch, hidden, device=device)
        self.kept = torch.empty(batch, hidden, device=device)  # f * c
        self.sigmoid_in = self.gates.narrow(1, 0, 3 * hidden)
        self.candidate_in = self.gates.narrow(1, 3 * hidden, hidden)
        self.i, self.f, self.o = self.sigmoid.chunk(3, 1)


class Stepper:
    """Runs B sequences one step at a time: ``feed(tokens)`` -> logits of the next step.

    Keeps the LSTM state and the running features, so a step costs one small batch of work
    whatever the history length. ``prime(tokens)`` feeds a seed in one full-sequence pass.
    Use it under ``torch.inference_mode()`` with the model in eval mode.

    At batch 8 a step is a few small matrix products, so Python and dispatch overhead matter
    more than arithmetic (on a 12-steps-per-quarter grid a continuation is 192 steps): the
    features are plain ints, tracked and gathered in one pass into one index array; the gate,
    head and placement arithmetic uses as few torch calls as it can, each writing a buffer
    made once (``out=``), so a step allocates almost nothing. The numbers are the same, bit
    for bit, as op by op with fresh tensors (tests/engine/ml/test_fast_stepper.py).
    """

    def __init__(self, model: SegueModel, batch: int, offset: int, meter: Meter,
                 chords: Sequence[int] | None = None):
        if batch < 1:
            raise ValueError(f"batch size {batch} must be at least 1")
        self.model = model
        self.batch = batch
        self.offset = offset
        self.meter = meter
        self.tables = step_tables(model)
        cfg = model.config
        # Chord index of step offset + i at [i] (the same for every sequence); none beyond. A
        # model without chord input hears none.
        self.chords = [int(c) for c in chords] if chords is not None and cfg.chord_dim else None
        self._chord_row = self.tables.offsets["chord"] if cfg.chord_dim else None
        self.device = model.device
        self.hidden = cfg.hidden_size
        self.vocab = model.vocab_size
        self.pitches = model.num_pitches
        # The LSTM state and every step's intermediate values live in buffers made once: a step
        # writes them in place (``out=``) rather than allocating and slicing anew.
        self.h = [torch.zeros(batch, cfg.hidden_size, device=self.device) for _ in range(cfg.num_layers)]
        self.c = [torch.zeros(batch, cfg.hidden_size, device=self.device) for _ in range(cfg.num_layers)]
        cells = [_CellBuffers(batch, cfg.hidden_size, self.device) for _ in range(cfg.num_layers)]
        self._cell_args = [  # what _cell reads (the state tensors are only ever written in place)
            (self.tables.w_hh_t[layer], self.h[layer], self.c[layer], b.gates, b.i, b.f, b.o,
             b.sigmoid_in, b.sigmoid, b.candidate_in, b.tanh, b.kept)
            for layer, b in enumerate(cells)
        ]
        self.history: list[list[int]] = [[] for _ in range(batch)]
        self.last_onset = [-1] * batch
        self.latest = [model.num_pitches] * batch  # pitch index of the latest onset, or "none"
        self.previous = [model.num_pitches] * batch  # pitch index of the onset before that
        rows = self.tables.offsets
        # The feature rows that a step looks up, by name (a plain dict: read on every step).
        self._feature_constants = dict(rows)
        if cfg.contour_dim:
            self._feature_constants.update(
                no_interval=rows["interval"] + 2 * MAX_INTERVAL + 1,
                since_last=rows["since"] + cfg.since_rows - 1, since_none=rows["since"] + cfg.since_rows)
        # The gate-table row of the metrical features, by position in the bar (the same for
        # every sequence): one row, their sum.
        self._shared = self.tables.metrical_rows(meter, cfg)
        width = self.tables.head_b.shape[0]
        # The head's output, and in it row r's relative logits for latest pitch p: the window of
        # ``pitches`` values from flat position r * width + vocab + pitches - 1 - p.
        self._out = torch.empty(batch, width, device=self.device)
        self._logits = self._out.narrow(1, 0, self.vocab)
        self._pitch_logits = self._logits.narrow(1, FIRST_PITCH_TOKEN, self.vocab - FIRST_PITCH_TOKEN)
        self._windows = self._out.view(-1).unfold(0, self.pitches, 1)
        self._placed = torch.empty(batch, self.pitches, device=self.device)
        self._window_offsets = torch.arange(self.pitches, device=self.device)
        self._relative_start = [row * width + self.vocab + model.num_pitches - 1 for row in range(batch)]
        self._relative = cfg.relative_head
        self._cpu = self.device.type == "cpu"
        if cfg.contour_dim:
            self._interval_rows = self.tables.interval_rows(model.num_pitches)
        self._runs: dict[int, tuple] = {}  # index buffers by run length (_run_buffers)
        self._rest = torch.zeros(batch, dtype=torch.bool)
        self._rest_np = self._rest.numpy()

    def _run_buffers(self, steps: int) -> tuple:
        """``(the index's numpy view, its feature rows, its relative rows, bag offsets)`` for a run of
        ``steps``: one index buffer written through numpy and read by torch without a copy
        (CPU), the feature rows of every step, then where each row's relative logits start."""
        buffers = self._runs.get(steps)
        if buffers is None:
            features = self.tables.features
            size = steps * self.batch * features
            index = torch.zeros(size + self.batch, dtype=torch.long)
            offsets = torch.arange(0, size, features, device=self.device)
            buffers = self._runs[steps] = (index.numpy(), index.narrow(0, 0, size),
                                           index.narrow(0, size, self.batch), offsets)
        return buffers

    def chord_at(self, step: int) -> int:
        """The chord index the model hears at ``step`` steps after the offset."""
        chords = self.chords
        return chords[step] if chords is not None and 0 <= step < len(chords) else NO_CHORD_INDEX

    @property
    def steps(self) -> int:
        """Tokens fed so far."""
        return len(self.history[0])

    def _track_seed(self, tokens: list[int]) -> None:
        """Take in a seed fed to every sequence alike (one scan, copied to each row)."""
        latest = previous = self.pitches
        onset = -1
        for t, token in enumerate(tokens):
            if token >= FIRST_PITCH_TOKEN:
                previous, latest, onset = latest, token - FIRST_PITCH_TOKEN, t
        batch = self.batch
        self.history = [self.history[row] + tokens for row in range(batch)]
        self.latest, self.previous, self.last_onset = [latest] * batch, [previous] * batch, [onset] * batch

    def _advance(self, steps: list[list[int]]) -> list[int]:
        """Take in one token per sequence for each of ``steps``; the rows of the gate table for
        the input they make, step by step, all sequences in a row (one pass: a step's Python
        work is a good part of its cost)."""
        rows = self._feature_constants
        token_row, pitch_row, none_pitch = rows["token"], rows.get("pitch"), self.pitches
        contour, lookback = "interval" in rows, "lookback1" in rows
        if contour:
            intervals, no_interval = self._interval_rows, rows["no_interval"]
            since_row, since_last, since_none = rows["since"], rows["since_last"], rows["since_none"]
        if lookback:
            back1_row, back2_row, repeat_row = rows["lookback1"], rows["lookback2"], rows["repeat"]
            none_token = self.vocab
        bar = self.meter.steps_per_bar
        latests, previouses, onsets, histories = self.latest, self.previous, self.last_onset, self.history
        out: list[int] = []
        append = out.append
        t = len(histories[0])  # the step of the first new tokens
        for tokens in steps:
            shared = self._shared[(self.offset + t + 1) % bar]
            if self._chord_row is not None:
                shared = [*shared, self._chord_row + self.chord_at(t + 1)]
            back1, back2 = t + 1 - bar, t + 1 - 2 * bar
            for row, token in enumerate(tokens):
                history = histories[row]
                history.append(token)
                if token >= FIRST_PITCH_TOKEN:
                    previous = previouses[row] = latests[row]
                    latest = latests[row] = token - FIRST_PITCH_TOKEN
                    onset = onsets[row] = t
                else:
                    latest, previous, onset = latests[row], previouses[row], onsets[row]
                append(token_row + token)
                if pitch_row is not None:
                    append(pitch_row + latest)
                if contour:
                    if latest == none_pitch or previous == none_pitch:
                        append(no_interval)
                    else:
                        append(intervals[latest - previous])
                    if onset < 0:
                        append(since_none)
                    else:
                        since = since_row + t - onset
                        append(since if since < since_last else since_last)
                out += shared
                if lookback:
                    append(back1_row + (history[back1] if back1 >= 0 else none_token))
                    append(back2_row + (history[back2] if back2 >= 0 else none_token))
                    # The current step against the steps one and two bars before it.
                    repeat = 1 if back1 >= 1 and history[back1 - 1] == token else 0
                    if back2 >= 1 and history[back2 - 1] == token:
                        repeat += 2
                    append(repeat_row + repeat)
            t += 1
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
        key = (tuple(tokens), self.offset, self.meter,
               None if self.chords is None else tuple(self.chords[:len(tokens) + 1]))
        primed = self.tables.primed
        if key in primed:
            primed.move_to_end(key)
            logits, (h, c) = primed[key]
        else:
            seed = torch.tensor([tokens], dtype=torch.long, device=device)
            chords = None
            if self.chords is not None:
                chords = torch.tensor([[self.chord_at(i + 1) for i in range(len(tokens))]],
                                      dtype=torch.long, device=device)
            logits, (h, c) = model(
                seed,
                torch.tensor([self.offset], device=device),
                meter_tensor([self.meter], device),
                return_state=True,
                last_only=True,
                chords=chords,
            )
            primed[key] = logits, (h, c)
            if len(primed) > PRIMED_SEEDS:
                primed.popitem(last=False)
        for layer in range(model.config.num_layers):
            self.h[layer].copy_(h[layer].expand(self.batch, -1))
            self.c[layer].copy_(c[layer].expand(self.batch, -1))
        self._track_seed(tokens)
        return logits[:, -1].expand(self.batch, -1).contiguous()

    def _cell(self, layer: int, gates: torch.Tensor) -> torch.Tensor:
        """One LSTM cell on the input gates ``gates``: updates (and returns) the layer's h."""
        # (one lookup for the layer's weights, state and buffers: a cell is a few microseconds)
        w_hh, h, c, out, i, f, o, sigmoid_in, sigmoid, candidate_in, tanh, kept = self._cell_args[layer]
        torch.addmm(gates, h, w_hh, out=out)
        torch.sigmoid(sigmoid_in, out=sigmoid)
        torch.tanh(candidate_in, out=tanh)
        torch.mul(f, c, out=kept)
        torch.addcmul(kept, i, tanh, out=c)
        torch.tanh(c, out=tanh)
        return torch.mul(o, tanh, out=h)

    def feed(self, tokens: Sequence[int], logits: bool = True) -> torch.Tensor | None:
        """Feed one token per sequence; logits (B, V) of the next step, in a buffer that the next
        ``feed`` overwrites (clone them to keep them). ``logits=False`` only moves the LSTM on
        (None back): a step whose token is forced (:mod:`engine.ml.grid_lock`) needs none."""
        return self.feed_run([tokens], logits)

    def feed_run(self, steps: Sequence[Sequence[int]], logits: bool = True) -> torch.Tensor | None:
        """Feed several steps of one token per sequence (known in advance: a drawn step and the
        forced ones after it) with one lookup of their input gates; the logits (or None) of the
        step after the last, as :meth:`feed`."""
        batch = self.batch
        steps = [list(map(int, tokens)) for tokens in steps]
        if not steps:
            raise ValueError("feed_run needs at least one step")
        for tokens in steps:
            if len(tokens) != batch:
                raise ValueError(f"expected {batch} tokens, got {len(tokens)}")
        count = len(steps)
        rows = self._advance(steps)
        tokens = steps[-1]
        tables, vocab = self.tables, self.vocab
        relative = self._relative and logits
        missing_pitch = relative and self.pitches in self.latest  # a sequence without a note yet
        if relative and not missing_pitch:
            # Flat positions in the head's output where each row's relative logits start.
            rows += map(operator.sub, self._relative_start, self.latest)
        index_np, feature_index, relative_index, offsets = self._run_buffers(count)
        index_np[: len(rows)] = rows
        if not self._cpu:
            feature_index, relative_index = feature_index.to(self.device), relative_index.to(self.device)
        gates = torch.embedding_bag(tables.gate_table, feature_index, offsets, False, 0)[0]
        cell, layers = self._cell, len(self.h)
        for step_gates in (gates,) if count == 1 else gates.view(count, batch, -1).unbind(0):
            h = cell(0, step_gates)
            for layer in range(1, layers):
                h = cell(layer, torch.addmm(tables.bias[layer], h, tables.w_ih_t[layer]))
        if not logits:
            return None
        if tables.norm is not None:
            h = torch.layer_norm(h, (self.hidden,), *tables.norm)
        out = torch.addmm(tables.head_b, h, tables.head_w_t, out=self._out)
        logits, pitch_logits = self._logits, self._pitch_logits
        if missing_pitch:
            relative_logits = F.pad(out.narrow(1, vocab, out.shape[1] - vocab), (0, 1))
            latest = torch.tensor(self.latest, device=self.device)
            placed = relative_logits.gather(1, self.model.relative_index[latest])
            pitch_logits.add_(placed)
        elif relative:
            if self._cpu:
                placed = torch.index_select(self._windows, 0, relative_index, out=self._placed)
            else:  # (gathers from overlapping views are less trodden on other devices)
                placed = out.take(relative_index.unsqueeze(1) + self._window_offsets)
            pitch_logits.add_(placed)
        if tables.chord_pitch_bias is not None:
            predicted = len(self.history[0])
            chord = self.chord_at(predicted)
            if chord != NO_CHORD_INDEX:
                if (self.offset + predicted) % self.meter.beat_steps == 0:
                    chord += CHORD_ROWS
                pitch_logits.add_(tables.chord_pitch_bias[chord])
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
        for state in (*self.h, *self.c):
            state.copy_(state.index_select(0, index))
        self.history = [list(self.history[i]) for i in order]
        self.last_onset = [self.last_onset[i] for i in order]
        self.latest = [self.latest[i] for i in order]
        self.previous = [self.previous[i] for i in order]
