"""A continuation's chords: what the model hears at each step, and what each variation carries.

``chords`` given to :func:`engine.ml.sampling.iter_generate` lie on the seed's time axis and may
cover the seed, the continuation or both. The model hears the seed's recent bars moved on the
timeline (:func:`engine.encoding.recent_context`); the heard step ``h`` stands for the real step
``h + (start - context_end)``, exact from the last long note or rest (shortened by whole bars)
to the continuation, which is where the chords matter.

Each variation carries the chords of its continuation: the given chords cut to it, and, in
the spans no given chord covers, chords proposed for the variation's melody by the harmonizer
(:func:`engine.harmony.harmonize`, hearing the seed's last bars with it). No chords given
(None) means no chords asked for: nothing is proposed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from segue.engine.chords import Chord, chords_in
from segue.engine.melody import Melody
from segue.engine.ml.chord_features import chord_indices, gaps, given_chords

HARMONIZED_SEED_BARS = 4  # bars of the seed the harmonizer hears before a variation


def propose_chords(melody: Melody) -> list[Chord]:
    """Chords for ``melody`` on its own steps (the harmonizer's best choice)."""
    from segue.engine.harmony import harmonize  # noqa: PLC0415 (the harmonizer's own model)

    return list(harmonize(melody))


@dataclass(frozen=True)
class ChordPlan:
    """The given chords of one continuation from ``start``, ``steps`` long (None: none asked)."""

    chords: tuple[Chord, ...] | None
    start: int
    steps: int

    @classmethod
    def of(cls, chords, start: int, steps: int) -> ChordPlan:
        """ValueError naming the problem when ``chords`` is not a list of ordered chords."""
        return cls(given_chords(chords), start, steps)

    @property
    def end(self) -> int:
        return self.start + self.steps

    def heard_indices(self, model, offset: int, heard_length: int, shift: int):
        """The chord index of heard steps ``offset .. offset + heard_length + steps`` (the
        seed's context then the continuation, in the model's pitch frame: moved by
        ``shift``); None for a model without chord input or when no chords were given."""
        if self.chords is None or not model.config.chord_dim:
            return None
        first = self.start - heard_length  # the real step of heard step ``offset``
        return chord_indices(self.chords, first, heard_length + self.steps + 1, shift).tolist()

    def variation_chords(self, seed: Melody, variations: Sequence[Melody]):
        """Each variation's chords in ``[start, end)``, in order (see the module docstring);
        None when no chords were asked for."""
        if self.chords is None:
            return None
        given = chords_in(self.chords, self.start, self.end)
        open_spans = gaps(given, self.start, self.end)
        if not open_spans:
            return [given for _ in variations]
        cut = max(0, self.start - HARMONIZED_SEED_BARS * seed.steps_per_bar)
        context = seed.with_notes([  # the seed's last bars, at their own steps
            n.with_length(min(n.end, self.start) - n.start) for n in seed.notes if cut <= n.start < self.start
        ])
        result = []
        for variation in variations:
            proposed = propose_chords(context.add(*variation.notes))
            filled = [c for span in open_spans for c in chords_in(proposed, *span)]
            result.append(tuple(sorted((*given, *filled), key=lambda c: c.start)))
        return result
