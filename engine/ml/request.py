"""What to generate: the seed, where the continuation starts, and the settings, as plain values.

:meth:`ContinuationRequest.build` turns the panel's :class:`engine.session.GenerationSettings`
into the arguments of :func:`engine.ml.sampling.iter_generate`; :func:`iter_continuations` runs
it. No torch at import: the GUI builds requests before torch has loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from segue.engine.melody import Melody
from segue.engine.session import GenerationSettings


@dataclass(frozen=True)
class ContinuationRequest:
    """What to continue and how: everything the generating thread needs, as plain values."""

    seed: Melody  # the notes before the marker
    start: int  # the marker: where the continuation begins
    steps: int
    temperature: float
    rest_weight: float
    variations: int
    rng_seed: int
    key: str | None
    pitch_range: tuple[int, int] | None
    follow_seed: float = 0.0  # 0-1: how strongly to follow the seed's motifs

    @classmethod
    def build(
        cls,
        seed: Melody,
        start: int,
        settings: GenerationSettings,
        model_range: tuple[int, int] | None = None,
    ) -> ContinuationRequest:
        """The request for ``seed`` continued from ``start`` with ``settings``.

        The length is ``settings.bars`` bars of the seed's meter; an "auto" key lock becomes the
        seed's key. The pitch range is left out (None) when it covers the whole ``model_range``,
        so the model's own range applies.
        """
        pitch_range: tuple[int, int] | None = (settings.pitch_low, settings.pitch_high)
        if (
            model_range is not None
            and pitch_range[0] <= model_range[0]
            and pitch_range[1] >= model_range[1]
        ):
            pitch_range = None
        return cls(
            seed=seed,
            start=start,
            steps=settings.steps(seed),
            temperature=settings.temperature,
            rest_weight=settings.rest_weight,
            variations=settings.variations,
            rng_seed=settings.rng_seed,
            key=settings.resolved_key(seed),
            pitch_range=pitch_range,
            follow_seed=settings.follow_seed,
        )


def iter_continuations(model, request: ContinuationRequest, should_stop: Callable[[], bool]) -> Iterator:
    """:func:`engine.ml.sampling.iter_generate` for ``request``: its progress updates, the last
    one with the melodies. ``should_stop`` is checked before every step."""
    from segue.engine.ml.sampling import iter_generate  # noqa: PLC0415 (loads torch)

    return iter_generate(
        model,
        request.seed,
        request.steps,
        temperature=request.temperature,
        rest_weight=request.rest_weight,
        variations=request.variations,
        rng_seed=request.rng_seed,
        key=request.key,
        pitch_range=request.pitch_range,
        start=request.start,
        should_stop=should_stop,
        follow_seed=request.follow_seed,
    )


def stand_in_continuation(request: ContinuationRequest) -> list[Melody]:
    """Clearly artificial continuations for when no model exists (``--screenshot`` only):
    the seed's last bar echoed, moved by a different pattern of steps in each variation."""
    seed = request.seed
    bar = seed.steps_per_bar
    phrase = seed.slice(max(0, seed.end - bar), seed.end)
    patterns = ((2, -1, 4, 0, 5, -3, 7, 2), (-2, 3, 0, -5, 2, 7, -1, 4), (5, 0, -3, 2, 4, -1, 0, 3))
    end = request.start + request.steps
    variations = []
    for number in range(max(1, request.variations)):
        shifts = patterns[number % len(patterns)]
        notes = []
        for round_, offset in enumerate(range(request.start, end, bar)):
            for note in phrase.notes:
                if offset + note.start < end:
                    pitch = min(127, max(0, note.pitch + shifts[round_ % len(shifts)]))
                    notes.append(note.with_start(offset + note.start).with_pitch(pitch))
        variations.append(seed.with_notes(notes))
    return variations
