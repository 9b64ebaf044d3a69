"""The stepper's fast path (buffers written in place, one pass of Python bookkeeping a step) gives
bit for bit what a plain reference gives, and so generation draws the same tokens."""

import dataclasses
import random

import pytest
import torch
import torch.nn.functional as F

import segue.engine.ml.sampling as sampling
from segue.engine.chords import Chord
from segue.engine.encoding import FIRST_PITCH_TOKEN, HOLD, REST
from segue.engine.melody import Melody, Note
from segue.engine.ml.chord_features import CHORD_ROWS, NO_CHORD_INDEX
from segue.engine.ml.model import ModelConfig, create_model, meter_of, meter_tensor
from segue.engine.ml.stepper import Stepper, step_tables
from tests.engine.ml.test_model import SMALL, random_tokens

torch.set_num_threads(1)

CONFIGS = {
    "all-features": SMALL,
    "chords": dataclasses.replace(SMALL, chord_dim=6),
    "plain": ModelConfig(hidden_size=16, token_dim=8, pitch_dim=0, contour_dim=0, meter_dim=0,
                         lookback_dim=0, relative_head=False, layer_norm=False),
    "three-layers": ModelConfig(hidden_size=16, num_layers=3, token_dim=8, pitch_dim=4, contour_dim=0,
                                meter_dim=4, lookback_dim=4, relative_head=True, layer_norm=False),
    "triplet-grid": dataclasses.replace(SMALL, steps_per_quarter=12),
}


class ReferenceStepper:
    """The plain way, for comparison: every step's features from the whole history by the
    model's own ``feature_indices``, and the step's arithmetic op by op with fresh tensors."""

    def __init__(self, model, batch, offset, meter, chords=None):
        self.model, self.batch, self.offset, self.meter = model, batch, offset, meter
        self.tables = step_tables(model)
        self.chords = list(chords) if chords is not None and model.config.chord_dim else None
        self.history = [[] for _ in range(batch)]
        layers, hidden = model.config.num_layers, model.config.hidden_size
        self.h = [torch.zeros(batch, hidden) for _ in range(layers)]
        self.c = [torch.zeros(batch, hidden) for _ in range(layers)]

    def chord_at(self, step):
        chords = self.chords
        return chords[step] if chords is not None and 0 <= step < len(chords) else NO_CHORD_INDEX

    def prime(self, tokens):
        model = self.model
        chords = None if self.chords is None else torch.tensor([[self.chord_at(i + 1) for i in range(len(tokens))]])
        logits, (h, c) = model(torch.tensor([tokens]), torch.tensor([self.offset]), meter_tensor([self.meter]),
                               return_state=True, last_only=True, chords=chords)
        self.h = [state.expand(self.batch, -1).clone() for state in h]
        self.c = [state.expand(self.batch, -1).clone() for state in c]
        self.history = [list(tokens) for _ in range(self.batch)]
        return logits[:, -1].expand(self.batch, -1).clone()

    def reorder(self, order):
        index = torch.tensor(order)
        self.h = [h.index_select(0, index) for h in self.h]
        self.c = [c.index_select(0, index) for c in self.c]
        self.history = [list(self.history[i]) for i in order]

    def feed(self, tokens, logits=True):  # (logits=False: the same work, nothing returned)
        out = self._feed(tokens)
        return out if logits else None

    def feed_run(self, steps, logits=True):
        for tokens in steps:
            out = self._feed(tokens)
        return out if logits else None

    def _feed(self, tokens):
        model, tables, hidden, vocab = self.model, self.tables, self.model.config.hidden_size, self.model.vocab_size
        for history, token in zip(self.history, tokens):
            history.append(int(token))
        history = torch.tensor(self.history)
        chords = None
        if self.chords is not None:
            chords = torch.tensor([[self.chord_at(i + 1) for i in range(history.shape[1])]] * self.batch)
        features = model.feature_indices(history, torch.tensor([self.offset] * self.batch),
                                         meter_tensor([self.meter] * self.batch), chords)
        # Summed in the stepper's order (the chord with the other rows shared by every sequence):
        # float sums in another order differ in the last bits. The four metrical features are
        # one row of the stepper's, their sum: checked here against the model's features.
        metrical = ("position", "beat_phase", "beat", "meter")
        names = [name for name, _, _ in model.feature_spec if name not in ("chord", *metrical)]
        columns = [tables.offsets[name] + features[name][:, -1] for name in names]
        shared = []
        if "position" in features:
            position = (self.offset + history.shape[1]) % self.meter.steps_per_bar
            [row] = tables.metrical_rows(self.meter, model.config)[position]
            parts = [tables.offsets[name] + features[name][0, -1] for name in metrical]
            expected = tables.gate_table[parts[0]] + tables.gate_table[parts[1]]
            expected = expected + tables.gate_table[parts[2]] + tables.gate_table[parts[3]]
            assert torch.equal(tables.gate_table[row], expected)
            shared.append(torch.full((self.batch,), row))
        if "chord" in features:
            shared.append(tables.offsets["chord"] + features["chord"][:, -1])
        at = names.index("lookback1") if "lookback1" in names else len(names)
        columns[at:at] = shared
        rows = torch.stack(columns, 1)
        count = rows.shape[1]
        gates = torch.embedding_bag(tables.gate_table, rows.reshape(-1),
                                    torch.arange(0, self.batch * count, count), False, 0)[0]
        h = None
        for layer in range(len(self.h)):
            if layer:
                gates = torch.addmm(tables.bias[layer], h, tables.w_ih_t[layer])
            gates = gates.addmm_(self.h[layer], tables.w_hh_t[layer])
            sigmoid_gates, candidate = gates.split((3 * hidden, hidden), 1)
            i, f, o = sigmoid_gates.sigmoid().chunk(3, 1)
            self.c[layer] = torch.addcmul(f * self.c[layer], i, candidate.tanh())
            h = self.h[layer] = o * self.c[layer].tanh()
        if tables.norm is not None:
            h = torch.layer_norm(h, (hidden,), *tables.norm)
        out = torch.addmm(tables.head_b, h, tables.head_w_t)
        logits = out[:, :vocab].clone()
        if model.config.relative_head:
            relative = F.pad(out[:, vocab:], (0, 1))
            logits[:, FIRST_PITCH_TOKEN:] += relative.gather(1, model.relative_index[features["latest_pitch"][:, -1]])
        predicted = history.shape[1]
        chord = self.chord_at(predicted)
        if self.chords is not None and chord != NO_CHORD_INDEX:
            if (self.offset + predicted) % self.meter.beat_steps == 0:
                chord += CHORD_ROWS
            logits[:, FIRST_PITCH_TOKEN:] += model.chord_pitch_bias(torch.tensor(chord))
        logits[history[:, -1] == REST, HOLD] = float("-inf")
        return logits


@pytest.mark.parametrize("name, other_device, primed", [(name, False, True) for name in CONFIGS] + [
    ("all-features", True, True),  # the way taken off the CPU (device copies, then a take)
    ("all-features", False, False),  # rows that have no note yet at first
])
def test_the_fast_stepper_gives_the_reference_logits_bit_for_bit(name, other_device, primed):
    config = CONFIGS[name]
    model = create_model(config, seed=1)
    meter = meter_of((3, 4) if name == "triplet-grid" else (6, 8), config.steps_per_quarter)
    rng = random.Random(7)
    chords = [rng.randrange(NO_CHORD_INDEX + 1) for _ in range(120)]
    seed = random_tokens(12, rng)
    rows = [[REST] * (row + 1) + random_tokens(90, random.Random(row)) for row in range(3)]
    with torch.inference_mode():
        fast, reference = Stepper(model, 3, 5, meter, chords), ReferenceStepper(model, 3, 5, meter, chords)
        fast._cpu = not other_device
        if primed:
            assert torch.equal(fast.prime(seed), reference.prime(seed))
        for step, tokens in enumerate(zip(*rows)):
            if step == 40:  # as beam search does, repeats included
                fast.reorder([2, 0, 2])
                reference.reorder([2, 0, 2])
            assert torch.equal(fast.feed(tokens), reference.feed(tokens)), f"step {step}"


@pytest.mark.parametrize("name, controls", [
    ("all-features", {}),
    ("all-features", {"temperature": 1.4, "top_p": 0.9, "rest_weight": 1.5, "follow_seed": 1.0}),
    ("all-features", {"key": "D major", "adaptive_temperature": True}),
    ("all-features", {"beam_width": 3}),
    ("chords", {}),
    ("triplet-grid", {"temperature": 1.2}),
])
def test_generation_draws_the_same_tokens_as_with_the_reference_stepper(monkeypatch, name, controls):
    config = CONFIGS[name]
    model = create_model(config, seed=2)
    spq = config.steps_per_quarter
    seed = Melody([Note(60 + (i * 5) % 12, i * spq // 2, spq // 2) for i in range(12)], steps_per_quarter=spq)
    chords = [Chord(bar * 4 * spq, 4 * spq, "CFGC"[bar % 4]) for bar in range(8)]
    steps = 16 * spq

    def run():
        return sampling.generate(model, seed, steps, variations=3, rng_seed=11, chords=chords, **controls)

    fast = run()
    monkeypatch.setattr(sampling, "Stepper", ReferenceStepper)
    assert run() == fast
    assert any(melody.notes for melody in fast)
