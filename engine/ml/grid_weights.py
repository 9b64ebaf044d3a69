"""A model's weights moved onto a finer grid, to start fine-tuning there (``train --init``).

A model trained on 4 steps per quarter starts a model on 12 (triplets, :mod:`engine.grid`)
with every weight it has; only the embeddings indexed by a count of grid steps change
meaning, and are spread out: on a grid ``factor`` times finer, row ``q`` of the bar-position,
beat-phase and steps-since-the-onset tables takes the old row ``q // factor`` (the old step's
vector at the step itself and at the new steps up to the next old one). The new tables have
the new config's sizes (:meth:`ModelConfig.on_grid`: ``factor`` times the rows, the same span
in quarters); rows past the old table's span take its last row, the clamped value, and the
"no onset yet" row stays the last. The beat number, the meter and every other weight mean the
same on both grids and are kept.
"""

from __future__ import annotations

import torch

from segue.engine.ml.model_config import ModelConfig

# Embedding tables indexed by grid steps: the config field of their step rows, and whether a
# marker row (not a step) follows them.
STEP_TABLES = {
    "embeddings.position.weight": ("bar_rows", False),
    "embeddings.beat_phase.weight": ("beat_phase_rows", False),
    "embeddings.since.weight": ("since_rows", True),  # its marker: no onset yet
}


def spread_rows(table: torch.Tensor, factor: int, keep_last: bool, steps: int | None = None
                ) -> torch.Tensor:
    """``table`` with ``steps`` step rows (as many as it has by default), row q taken from
    row q // factor, or from the last step row past those; a marker row follows when
    ``keep_last``."""
    old_steps = table.shape[0] - (1 if keep_last else 0)
    steps = old_steps if steps is None else steps
    source = torch.clamp(torch.arange(steps) // factor, max=old_steps - 1)
    if keep_last:
        source = torch.cat([source, torch.tensor([old_steps])])
    return table[source].clone()


def weights_for_grid(weights: dict, old: ModelConfig, new: ModelConfig) -> dict:
    """``weights`` (a state dict) of a model of config ``old``, for ``new``: the same shape
    on a grid a multiple as fine, its step tables as large as ``new`` says (module
    docstring); ValueError for a coarser grid."""
    old_spq, new_spq = old.steps_per_quarter, new.steps_per_quarter
    if new_spq == old_spq and all(
        getattr(old, field) == getattr(new, field) for field, _ in STEP_TABLES.values()
    ):
        return weights
    if new_spq < old_spq or new_spq % old_spq:
        raise ValueError(
            f"a model on {old_spq} steps per quarter can start one on a multiple of that, "
            f"not on {new_spq}"
        )
    factor = new_spq // old_spq
    moved = dict(weights)
    for name, (field, keep_last) in STEP_TABLES.items():
        if name in moved:
            moved[name] = spread_rows(moved[name], factor, keep_last, getattr(new, field))
    return moved
