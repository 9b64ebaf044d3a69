"""Keeping a model to the notes the piece's grid holds: a 12-step (triplet) model continuing a
straight piece writes straight music, and on a piece with triplets it writes on the roll's
snaps, never on the steps between them.

``GenerationOptions.note_grid`` names the grid (steps per quarter) the new notes start and end
on (default: the seed's own); the model's grid must be a multiple of it (12 over 4: a ratio of
3). The note grid's positions (:func:`engine.grid.note_positions`: every sixteenth, and on a
triplet grid every triplet eighth and triplet sixteenth), counted from the piece's step 0, are
the only model steps that may change what sounds; at the steps between, the one token allowed
is the one that continues what sounds: HOLD while a note sounds, REST while resting. So every
note starts and ends on a position, and moving the results onto the note grid
(:func:`engine.grid.regrid`) moves and drops nothing.

On 12 steps a quarter the steps between are 1, 5, 7 and 11 of each quarter (1/32-note
triplets, which no snap reaches): in continuations of a triplet seed the shipped `folk` and
`irish` started or ended none of 3,571 notes there, so holding them costs the music nothing
and spares a third of the draws.

:class:`GridLock` is applied to each step's scores after every other control (temperature,
rest weight, a key lock's fold), replacing them at the steps between: it outranks them, as the
hold-after-rest mask does (a rest weight of 0 still lets a rest go on between two positions).
It is built only when some model step is not a position (:func:`grid_lock_for`): a model on a
straight piece's own grid draws exactly as it always did.
"""

from __future__ import annotations

import torch

from segue.engine.encoding import HOLD, REST
from segue.engine.grid import note_positions


class GridLock:
    """Per step, the scores at the model steps between two positions replaced by the one token
    that continues each row (module docstring); ``played`` moves it to the next step.
    ``positions``: the steps of each ``period`` model steps (a quarter) that are positions."""

    def __init__(self, positions, period: int, start: int, batch: int, device) -> None:
        positions = frozenset(positions)
        if not positions or not positions <= set(range(period)):
            raise ValueError(f"grid positions {sorted(positions)} must be steps of a {period}-step period")
        self.positions, self.period = positions, period
        # From each step of the period, the steps to the next position (0: on one).
        self._to_next = [min((p - r) % period for p in positions) for r in range(period)]
        self.step = start  # the model step of the next draw, on the piece's time axis
        # The seed's last note ends where the continuation starts: every row begins resting.
        self._sounding_rows = [False] * batch
        self._device = device
        self._hold = self._rest = None  # (1, V) rows: 0 for the one token, -inf elsewhere

    @property
    def on_grid(self) -> bool:
        """Whether the next step is a position (anything may be drawn there)."""
        return self._to_next[self.step % self.period] == 0

    def draws(self, steps: int) -> int:
        """How many of the next ``steps`` model steps are positions (drawn, not forced)."""
        whole, rest = divmod(steps, self.period)
        first = self.step % self.period
        return whole * len(self.positions) + sum(
            (first + k) % self.period in self.positions for k in range(rest))

    def forced(self, most: int = 1) -> list[list[int]]:
        """The steps from here to the next position, at most ``most`` of them (none when this
        one is a position): for each, the one token each row may take (HOLD while a note sounds,
        else REST; one list, repeated), taken in as played: the sampler need not draw them."""
        count = min(most, self._to_next[self.step % self.period])
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
    """The lock keeping a run from ``start`` on ``model_grid`` to the positions of ``note_grid``
    (both in steps per quarter; None: the model's own); None when every model step is one (a
    straight grid's own). ValueError when the model's grid is not a multiple of the note grid."""
    grid = model_grid if note_grid is None else note_grid
    if model_grid % grid:
        raise ValueError(
            f"notes on a grid of {grid} steps per quarter cannot be written by a model on "
            f"{model_grid}: its grid must be a multiple of theirs")
    ratio = model_grid // grid
    positions = {p * ratio for p in note_positions(grid)}
    if len(positions) == model_grid:
        return None
    return GridLock(positions, model_grid, start, batch, device)
