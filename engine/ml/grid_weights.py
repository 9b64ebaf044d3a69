"""A model's weights moved onto a finer grid, to start fine-tuning there (``train --init``).

A model trained on 4 steps per quarter starts a model on 12 (triplets, :mod:`engine.grid`)
with every weight it has; only the embeddings indexed by a count of grid steps change
meaning, and are spread out: on a grid ``factor`` times finer, row ``q`` of the bar-position,
beat-phase and steps-since-the-onset tables takes the old row ``q // factor`` (the old step's
vector at the step itself and at the new steps up to the next old one), the tables' last rows
(clamped values, "no onset yet") staying as they were. The beat number, the meter and every
other weight mean the same on both grids and are kept.
"""

from __future__ import annotations

import torch

# Embedding tables indexed by grid steps, and whether their last row is a marker (not a step).
STEP_TABLES = {
    "embeddings.position.weight": False,
    "embeddings.beat_phase.weight": False,
    "embeddings.since.weight": True,  # its last row: no onset yet
}


def spread_rows(table: torch.Tensor, factor: int, keep_last: bool) -> torch.Tensor:
    """``table`` with row q taken from row q // factor (the last row kept when ``keep_last``)."""
    steps = table.shape[0] - (1 if keep_last else 0)
    source = torch.arange(table.shape[0])
    source[:steps] = torch.clamp(torch.arange(steps) // factor, max=steps - 1)
    return table[source].clone()


def weights_for_grid(weights: dict, old_spq: int, new_spq: int) -> dict:
    """``weights`` (a state dict) of a model on ``old_spq`` steps per quarter, for the same
    shape on ``new_spq``, a multiple of it (module docstring); ValueError otherwise."""
    if new_spq == old_spq:
        return weights
    if new_spq < old_spq or new_spq % old_spq:
        raise ValueError(
            f"a model on {old_spq} steps per quarter can start one on a multiple of that, "
            f"not on {new_spq}"
        )
    factor = new_spq // old_spq
    moved = dict(weights)
    for name, keep_last in STEP_TABLES.items():
        if name in moved:
            moved[name] = spread_rows(moved[name], factor, keep_last)
    return moved
