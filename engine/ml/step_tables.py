"""The model's weights rearranged for generation one step at a time (:mod:`engine.ml.stepper`).

:func:`step_tables` gives a model's :class:`StepTables`, rebuilt only when a weight changes: the
first layer's input weights folded into one gate table (a step's input gates are a sum of its
rows), the gates reordered so one sigmoid covers three, and the seed states kept for rerolls.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import torch

from segue.engine.ml.chord_features import CHORD_ROWS
from segue.engine.ml.model import MAX_BEATS, MAX_INTERVAL, Meter, SegueModel

PRIMED_SEEDS = 8  # seed states kept per model for rerolls


def step_tables(model: SegueModel) -> StepTables:
    """The model's stepping weights, rebuilt only when a parameter has changed since last time."""
    key = tuple((p.data_ptr(), p._version) for p in model.parameters())
    cached = getattr(model, "_step_tables", None)
    if cached is None or cached[0] != key:
        with torch.no_grad():
            cached = (key, StepTables(model))
        model._step_tables = cached
    return cached[1]


class StepTables:
    """The model's weights rearranged for one step at a time (inference only).

    Gates are reordered to i, f, o, g (PyTorch's order is i, f, g, o) so one sigmoid covers
    three of them, and weights are stored transposed for ``addmm``. The first layer's input
    weights are folded into the embedding tables: a step's input gates are the sum of one row
    per feature (the four metrical ones summed ahead into one: :meth:`metrical_rows`).
    (``torch.lstm_cell`` is slower than these few ops at small batches on CPU.)
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
        # Rows a step looks up per sequence: one per feature, the four metrical ones as one.
        self.features = len(model.feature_spec) - (3 if model.config.meter_dim else 0)
        # A chord-aware model's chord output, one row of pitch scores per chord index between
        # beats, then one per chord index on a beat.
        self.chord_pitch_bias = None
        if model.config.chord_dim:
            self.chord_pitch_bias = model.chord_pitch_bias(
                torch.arange(2 * CHORD_ROWS, device=w_ih0.device)).detach()
        self.primed: OrderedDict = OrderedDict()  # seed -> LSTM state after it (Stepper.prime)
        self._metrical: dict[Meter, list[list[int]]] = {}  # metrical_rows, by meter
        self._growing = threading.Lock()
        self._intervals: list[int] | None = None

    def metrical_rows(self, meter: Meter, config) -> list[list[int]]:
        """By position in a bar of ``meter``, the rows of ``gate_table`` that its metrical
        features add: one row, the sum of the position's, beat phase's, beat's and meter's
        (one lookup a step instead of four). The sums are appended to the table the first time
        a meter is asked for; rows already handed out stay where they are."""
        rows = self._metrical.get(meter)
        if rows is not None:
            return rows
        with self._growing:  # (two threads adding meters at once would lose one's rows)
            return self._metrical.get(meter) or self._add_metrical_rows(meter, config)

    def _add_metrical_rows(self, meter: Meter, config) -> list[list[int]]:
        if not config.meter_dim:
            rows = [[] for _ in range(meter.steps_per_bar)]
        else:
            offsets, beat = self.offsets, meter.beat_steps
            parts = torch.tensor([
                [offsets["position"] + min(p, config.bar_rows - 1),
                 offsets["beat_phase"] + min(p % beat, config.beat_phase_rows - 1),
                 offsets["beat"] + min(p // beat, MAX_BEATS - 1),
                 offsets["meter"] + meter.meter_id]
                for p in range(meter.steps_per_bar)
            ], device=self.gate_table.device)
            table = self.gate_table
            sums = table[parts[:, 0]] + table[parts[:, 1]]  # (one by one, in the features' order)
            sums += table[parts[:, 2]]
            sums += table[parts[:, 3]]
            first = table.shape[0]
            self.gate_table = torch.cat([table, sums])
            rows = [[first + p] for p in range(meter.steps_per_bar)]
        self._metrical[meter] = rows
        return rows

    def interval_rows(self, pitches: int) -> list[int]:
        """The gate-table row of each interval latest - previous pitch index, negative ones
        from the end (a list indexed by the difference)."""
        if self._intervals is None:
            row = self.offsets["interval"]
            clamp = lambda d: row + MAX_INTERVAL + max(-MAX_INTERVAL, min(MAX_INTERVAL, d))  # noqa: E731
            self._intervals = [clamp(d) for d in range(pitches)] + [clamp(d) for d in range(-pitches, 0)]
        return self._intervals
