"""Keeping a model on a coarser grid than its own: a 12-step (triplet) model continuing a
straight piece writes straight music.

``GenerationOptions.note_grid`` names the grid (steps per quarter) the new notes start and end
on; the model's grid must be a multiple of it (12 over 4: a ratio of 3). Only every ratio-th
model step, counted from the piece's step 0, may change what sounds; at the steps between, the
one token allowed is the one that continues what sounds: HOLD while a note sounds, REST while
resting. So every note starts and ends on the coarser grid, and moving the results onto it
(:func:`engine.grid.regrid`) moves and drops nothing.

:class:`GridLock` is applied to each step's scores after every other control (temperature,
rest weight, a key lock's fold), replacing them at the steps between: it outranks them, as the
hold-after-rest mask does (a rest weight of 0 still lets a rest go on between two grid steps).
It is built only when the grids differ (:func:`grid_lock_for`): a model on the piece's own grid
draws exactly as it always did.
"""

from __future__ import annotations

import torch

from segue.engine.encoding import HOLD, REST


class GridLock:
    """Per step, the scores at the model steps between two note-grid steps replaced by the one
    token that continues each row (module docstring); ``played`` moves it to the next step."""

    def __init__(self, ratio: int, start: int, batch: int, device) -> None:
        self.ratio = ratio
        self.step = start  # the model step of the next draw, on the piece's time axis
        # The seed's last note ends where the continuation starts: every row begins resting.
        self._sounding_rows = [False] * batch
        self._device = device
        self._hold = self._rest = None  # (1, V) rows: 0 for the one token, -inf elsewhere

    @property
    def on_grid(self) -> bool:
        """Whether the next step is on the note grid (anything may be drawn there)."""
        return self.step % self.ratio == 0

    def draws(self, steps: int) -> int:
        """How many of the next ``steps`` model steps are on the note grid (drawn, not forced)."""
        return (self.step + steps - 1) // self.ratio - (self.step - 1) // self.ratio

    def forced(self, most: int = 1) -> list[list[int]]:
        """The steps from here to the next note-grid step, at most ``most`` of them (none when
        this one is on it): for each, the one token each row may take (HOLD while a note sounds,
        else REST; one list, repeated), taken in as played: the sampler need not draw them."""
        count = min(most, -self.step % self.ratio)
        self.step += count  # what sounds is unchanged
        return [[HOLD if sounding else REST for sounding in self._sounding_rows]] * count

    def __call__(self, scores: torch.Tensor) -> torch.Tensor:
        if self.on_grid:
            return scores
        if self._hold is None:
            self._hold = torch.full_like(scores[:1], float("-inf"))
            self._rest = self._hold.clone()
            self._hold[0, HOLD] = 0.0
            self._rest[0, REST] = 0.0
        sounding = torch.tensor([[row] for row in self._sounding_rows], device=self._device)
        return torch.where(sounding, self._hold, self._rest)

    def played(self, chosen) -> None:
        """Take in each row's drawn token (after a beam's reorder: the row's new token)."""
        self._sounding_rows = [token != REST for token in map(int, chosen)]
        self.step += 1


def grid_lock_for(note_grid: int | None, model_grid: int, start: int, batch: int,
                  device) -> GridLock | None:
    """The lock keeping a run from ``start`` on ``model_grid`` to ``note_grid`` (both in steps per
    quarter); None when no lock is needed (no note grid, or the model's own). ValueError when the
    model's grid is not a multiple of the note grid."""
    if note_grid is None or note_grid == model_grid:
        return None
    if model_grid % note_grid:
        raise ValueError(
            f"notes on a grid of {note_grid} steps per quarter cannot be written by a model on "
            f"{model_grid}: its grid must be a multiple of theirs")
    return GridLock(model_grid // note_grid, start, batch, device)
