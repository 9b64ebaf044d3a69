"""What to generate: the panel's settings, and the request built from them, as plain values.

:class:`GenerationSettings` is what the panel shows and a session saves;
:meth:`ContinuationRequest.build` (and ``build_fill``) turns it into a request for one seed,
with its :class:`engine.ml.options.GenerationOptions`; :func:`iter_continuations` and
:func:`iter_fills` run it. No torch at import: the GUI builds requests before torch has loaded.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, fields

from segue.engine.chords import Chord
from segue.engine.melody import Melody
from segue.engine.melody_json import shown
from segue.engine.ml.catalog import DEFAULT_MODEL
from segue.engine.ml.grid_view import on_model_grid
from segue.engine.ml.options import (
    BARS,
    FOLLOW_SEED,
    KEY_LOCK_OFF,
    PITCH_HIGH,
    PITCH_LOW,
    REST_WEIGHT,
    RNG_SEED,
    TEMPERATURE,
    VARIATIONS,
    GenerationOptions,
)
from segue.engine.piece import Piece, checked_key_lock, seed_of

MAX_MODEL_NAME_CHARS = 4096  # a model is a name or a path


@dataclass(frozen=True)
class GenerationSettings:
    """How a continuation is made; saved with the session and in the app's settings.

    ``key_lock`` is ``'off'``, ``'auto'`` (the seed's key) or a key name such as ``'A minor'``.
    ``pitch_low``/``pitch_high`` bound the continuation's notes (MIDI numbers, both included).
    ``rng_seed`` with ``seed_locked`` set makes the same settings give the same result.
    ``follow_seed`` (0-1) is how strongly the continuation follows the seed's own motifs.
    Each number's range and default is its :class:`engine.ml.options.Span`.
    """

    model: str = DEFAULT_MODEL
    temperature: float = TEMPERATURE.default
    rest_weight: float = REST_WEIGHT.default
    bars: int = BARS.default
    variations: int = VARIATIONS.default
    key_lock: str = KEY_LOCK_OFF
    pitch_low: int = PITCH_LOW.default
    pitch_high: int = PITCH_HIGH.default
    rng_seed: int = RNG_SEED.default
    seed_locked: bool = False
    follow_seed: float = FOLLOW_SEED.default

    def __post_init__(self):
        if not isinstance(self.model, str) or not 0 < len(self.model) <= MAX_MODEL_NAME_CHARS:
            raise ValueError(f"model must be a name or path, got {shown(self.model)}")
        for name, span in _SPANS.items():
            object.__setattr__(self, name, span.check(getattr(self, name)))
        if self.pitch_low > self.pitch_high:
            raise ValueError(f"lowest pitch {self.pitch_low} is above highest pitch {self.pitch_high}")
        if not isinstance(self.seed_locked, bool):
            raise ValueError(f"seed lock must be true or false, got {shown(self.seed_locked)}")
        object.__setattr__(self, "key_lock", checked_key_lock(self.key_lock))

    def replace(self, **changes) -> GenerationSettings:
        values = asdict(self)
        unknown = set(changes) - set(values)
        if unknown:
            raise ValueError(f"unknown generation settings: {', '.join(sorted(unknown))}")
        values.update(changes)
        return GenerationSettings(**values)

    def resolved_key(self, seed: Melody) -> str | None:
        """The key to lock to for ``seed``: None when off, the seed's key when auto."""
        return None if self.key_lock == KEY_LOCK_OFF else seed.resolved_key(self.key_lock)

    def steps(self, melody: Melody) -> int:
        """The continuation's length in grid steps for ``melody``'s meter."""
        return self.bars * melody.steps_per_bar

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: object) -> GenerationSettings:
        """Settings from a dict; missing entries take defaults, unknown ones are ignored.
        ValueError saying "generation settings: ..." and what is wrong otherwise."""
        if not isinstance(data, dict):
            raise ValueError("the generation settings are not a settings description")
        known = {f.name for f in fields(cls)}
        try:
            return cls(**{k: v for k, v in data.items() if k in known})
        except (TypeError, ValueError) as exc:
            raise ValueError(f"generation settings: {exc}") from None


# The settings each span checks (and makes a float of, for a number span).
_SPANS = {
    "temperature": TEMPERATURE,
    "rest_weight": REST_WEIGHT,
    "follow_seed": FOLLOW_SEED,
    "bars": BARS,
    "variations": VARIATIONS,
    "pitch_low": PITCH_LOW,
    "pitch_high": PITCH_HIGH,
    "rng_seed": RNG_SEED,
}


@dataclass(frozen=True)
class ContinuationRequest:
    """What to write and how: everything the generating thread needs, as plain values.

    A continuation writes ``steps`` steps from ``start`` after ``seed``, the notes before the
    marker. A fill (``fill`` set, :meth:`build_fill`) rewrites the steps ``[start, start +
    steps)`` of ``seed``, then the whole piece. ``options.rng_seed`` is always a number: the
    random seed a run drew travels with the request, so its variations can be made again.
    ``chords``: the piece's chord track (on the seed's steps), heard by a chord-aware model;
    with it each variation carries its chords. None (a piece without chords): none asked for.
    """

    seed: Melody  # a continuation's notes before the marker; a fill's whole piece
    start: int  # where the new music begins: the marker, or the fill range's start
    steps: int  # how many steps of new music
    options: GenerationOptions  # how to sample them
    fill: bool = False  # rewrite [start, start + steps) of the piece instead of continuing
    chords: tuple[Chord, ...] | None = None  # the piece's chords, or None

    @property
    def phrase_end(self) -> int:
        """Where the asked-for music ends: Accept moves the marker here (past a trailing rest)."""
        return self.start + self.steps

    @property
    def fill_range(self) -> tuple[int, int] | None:
        """The steps a fill rewrites, (start, end); None for a continuation."""
        return (self.start, self.phrase_end) if self.fill else None

    @property
    def variations(self) -> int:
        return self.options.variations

    @property
    def rng_seed(self) -> int:
        return self.options.rng_seed

    @classmethod
    def build(
        cls,
        seed: Melody,
        start: int,
        settings: GenerationSettings,
        model_range: tuple[int, int] | None = None,
        rng: random.Random | None = None,
    ) -> ContinuationRequest:
        """The request for ``seed`` continued from ``start`` with ``settings``.

        The length is ``settings.bars`` bars of the seed's meter; an "auto" key lock becomes the
        seed's key. The pitch range is left out (None) when it covers the whole ``model_range``,
        so the model's own range applies. With ``rng`` and the settings' seed not locked, a
        fresh random seed is drawn from it (the request's ``rng_seed`` says which).
        """
        pitch_range: tuple[int, int] | None = (settings.pitch_low, settings.pitch_high)
        if (
            model_range is not None
            and pitch_range[0] <= model_range[0]
            and pitch_range[1] >= model_range[1]
        ):
            pitch_range = None
        rng_seed = settings.rng_seed
        if rng is not None and not settings.seed_locked:
            rng_seed = rng.randrange(int(RNG_SEED.high))
        options = GenerationOptions(
            temperature=settings.temperature,
            rest_weight=settings.rest_weight,
            variations=settings.variations,
            rng_seed=rng_seed,
            key=settings.resolved_key(seed),
            pitch_range=pitch_range,
            follow_seed=settings.follow_seed,
        )
        return cls(seed=seed, start=start, steps=settings.steps(seed), options=options)

    @classmethod
    def for_piece(
        cls,
        piece: Piece,
        settings: GenerationSettings,
        model_range: tuple[int, int] | None = None,
        rng: random.Random | None = None,
    ) -> ContinuationRequest:
        """The continuation of ``piece`` from its marker (:meth:`build` on its seed), locked to
        the key the piece's own key lock stands for (:meth:`Piece.resolved_key`)."""
        request = cls.build(piece.seed(), piece.marker, settings, model_range, rng)
        return request._in_key(piece.resolved_key())._with_chords(piece.chords)

    @classmethod
    def fill_of_piece(
        cls,
        piece: Piece,
        fill_range: tuple[int, int],
        settings: GenerationSettings,
        model_range: tuple[int, int] | None = None,
        rng: random.Random | None = None,
    ) -> ContinuationRequest:
        """The fill of ``fill_range`` in ``piece`` (:meth:`build_fill`), in the key the piece's
        key lock stands for, as a continuation of the same piece would be."""
        request = cls.build_fill(piece.melody, fill_range, settings, model_range, rng)
        return request._in_key(piece.resolved_key())._with_chords(piece.chords)

    def _in_key(self, key: str | None) -> ContinuationRequest:
        return dataclasses.replace(self, options=self.options.replace(key=key))

    def _with_chords(self, chords: tuple[Chord, ...]) -> ContinuationRequest:
        # A piece without a chord track asks for none: no chords are proposed for it.
        return dataclasses.replace(self, chords=tuple(chords) or None)

    @classmethod
    def build_fill(
        cls,
        melody: Melody,
        fill_range: tuple[int, int],
        settings: GenerationSettings,
        model_range: tuple[int, int] | None = None,
        rng: random.Random | None = None,
    ) -> ContinuationRequest:
        """The request to fill the steps ``fill_range`` (start, end) of the whole ``melody``:
        as :meth:`build` for the notes before the range (an "auto" key is theirs), its length
        the range's."""
        start, end = fill_range
        request = cls.build(seed_of(melody, start), start, settings, model_range, rng)
        return dataclasses.replace(request, seed=melody, steps=end - start, fill=True)


def iter_continuations(model, request: ContinuationRequest, should_stop: Callable[[], bool]) -> Iterator:
    """:func:`engine.ml.sampling.iter_generate` for ``request`` (a continuation, not a fill):
    its progress updates, the last one with the melodies. ``should_stop`` is checked before
    every step. A piece on another grid than the model's is heard on the model's and given the
    melodies on its own (:mod:`engine.ml.grid_view`: a triplet piece)."""
    from segue.engine.ml.sampling import iter_generate  # noqa: PLC0415 (loads torch)

    return on_model_grid(model, request, lambda playing, heard: iter_generate(
        playing, heard.seed, heard.steps, heard.options, start=heard.start,
        should_stop=should_stop, chords=heard.chords,
    ))


def iter_fills(model, request: ContinuationRequest, should_stop: Callable[[], bool]) -> Iterator:
    """:func:`engine.ml.fill.iter_fill` for a fill ``request``: progress updates, the last one
    with whole melodies, best first (on the piece's grid, as :func:`iter_continuations`)."""
    from segue.engine.ml.fill import iter_fill  # noqa: PLC0415 (loads torch)

    return on_model_grid(model, request, lambda playing, heard: iter_fill(
        playing, heard.seed, heard.start, heard.phrase_end, heard.options,
        should_stop=should_stop, chords=heard.chords,
    ))


def stand_in_continuation(request: ContinuationRequest) -> list[Melody]:
    """Clearly artificial continuations for when no model exists (``--screenshot`` only):
    the seed's last bar echoed, moved by a different pattern of steps in each variation."""
    seed = request.seed
    bar = seed.steps_per_bar
    phrase = seed.slice(max(0, seed.end - bar), seed.end)
    patterns = ((2, -1, 4, 0, 5, -3, 7, 2), (-2, 3, 0, -5, 2, 7, -1, 4), (5, 0, -3, 2, 4, -1, 0, 3))
    end = request.phrase_end
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
