"""The piece: :class:`Piece`, everything a piece is as one immutable value, and the rules on
Melody values it answers with: what a continuation continues, what you hear while a variation
is pending, and what Accept keeps. One rule for all three.

A piece is a melody plus its continue-from marker. Everything before the marker is the seed
(notes that start before it, cut at it); a variation replaces everything from the marker on.

A fill variation (Generate > Fill) rewrites a range ``[start, end)`` instead: the piece outside
it stays (:func:`outside_range`: a note sounding into the range from before is cut at
``start``; notes starting inside are replaced even when they sound past ``end``; notes from
``end`` on are untouched) and the variation's notes inside the range go in; the marker stays.

No note is lost unannounced: the piece names the notes Accept replaces
(:func:`replaced_notes`, :meth:`Piece.replaced_by_accept`: the status bar counts them, the roll
dims them) and the notes after the marker a continuation would write over
(:meth:`Piece.notes_after_marker`; Continue asks, and :meth:`Piece.continuing_after_notes`
keeps them).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

from segue.engine import keys, limits
from segue.engine.chords import Chord, check_chords
from segue.engine.melody import Melody, Note
from segue.engine.pending_chords import ChordSuggestion, plain, replace_chords_in
from segue.engine.piece_grid import regridded_piece


def seed_of(melody: Melody, marker: int) -> Melody:
    """The notes before ``marker``, at their own steps, cut at it: what a continuation continues."""
    return melody.slice(0, max(0, marker))


def outside_range(melody: Melody, start: int, end: int) -> Melody:
    """The piece around a fill of ``[start, end)``: the notes before ``start`` (cut at it) and
    the notes that start at or after ``end``, unchanged."""
    return seed_of(melody, start).add(*(note for note in melody.notes if note.start >= end))


def inside_range(melody: Melody, start: int, end: int) -> Melody:
    """The notes of ``melody`` that start in ``[start, end)``, cut at ``end``, at their own steps
    (a fill variation as the ghost notes show it)."""
    return melody.with_notes(
        note.with_length(min(note.end, end) - note.start)
        for note in melody.notes if start <= note.start < end
    )


def with_variation(
    melody: Melody, marker: int, variation: Melody | None, fill_range: tuple[int, int] | None = None
) -> Melody:
    """The piece with ``variation`` in place of what follows the marker, or with a
    ``fill_range`` in place of what lies in that range (the piece itself when there is no
    variation): what Play, Audition, the drag handle and Accept all use."""
    if variation is None:
        return melody
    if fill_range is not None:
        start, end = fill_range
        return outside_range(melody, start, end).add(*inside_range(variation, start, end).notes)
    return seed_of(melody, marker).add(*variation.notes)


def replaced_notes(
    melody: Melody, marker: int, fill_range: tuple[int, int] | None = None
) -> tuple[Note, ...]:
    """The notes of ``melody`` that accepting a variation removes or cuts short: those still
    sounding at the marker or after it, or for a fill those sounding in its range (the rest
    stay whole; see :func:`with_variation`)."""
    start, end = fill_range if fill_range is not None else (marker, math.inf)
    return tuple(note for note in melody.notes if note.end > start and note.start < end)


def fill_range_of(melody: Melody, selected, loop_region: tuple[int, int] | None) -> tuple[int, int] | None:
    """The range Fill rewrites: the span of the ``selected`` notes rounded out to whole bars,
    else the loop region, else None (nothing to fill)."""
    selected = list(selected)
    if selected:
        bar = melody.steps_per_bar
        first = melody.bar_start(min(note.start for note in selected))
        last = max(note.end for note in selected)
        return first, max(first + bar, melody.bar_end(last))
    if loop_region is not None and loop_region[0] < loop_region[1]:
        return int(loop_region[0]), int(loop_region[1])
    return None


def accepted_marker(melody: Melody, marker: int, variation: Melody, phrase_end: int | None = None) -> int:
    """Where the marker goes once ``variation`` is accepted: the end of the new phrase.

    ``phrase_end`` is where the continuation was asked to end (marker + its length). Without it
    the phrase runs to the next whole bar after the marker: continuations are whole bars long,
    and a phrase ending in a rest must not make the next one start early.
    """
    moved = max(marker, variation.end)
    if phrase_end is not None:
        return max(moved, int(phrase_end))
    if variation.end > marker:
        bar = melody.steps_per_bar
        return marker + math.ceil((variation.end - marker) / bar) * bar
    return moved


def accept(
    melody: Melody, marker: int, variation: Melody, phrase_end: int | None = None,
    fill_range: tuple[int, int] | None = None,
) -> tuple[Melody, int]:
    """(melody, marker) after accepting ``variation``: exactly what :func:`with_variation` played.
    A fill leaves the marker where it was."""
    if fill_range is not None:
        return with_variation(melody, marker, variation, fill_range), marker
    return with_variation(melody, marker, variation), accepted_marker(melody, marker, variation, phrase_end)


def crop_to_seed(melody: Melody, start: int, end: int) -> tuple[Melody, int]:
    """(melody, marker) with the steps ``start``-``end`` as the seed ("Use Selection as Seed").

    The piece is cut at the bar line at or before ``start`` and moves left by those whole bars
    (the meter stays where it was); the notes after ``end`` stay, and the marker goes to ``end``.
    """
    if not 0 <= start < end:
        raise ValueError(f"a seed needs a step range, got {start}-{end}")
    cut = melody.bar_start(start)
    return melody.slice(cut, max(cut, melody.end)), end - cut


# --- the piece as one value -------------------------------------------------------------------

AUDITION_PRE_ROLL_BARS = 2  # an audition starts this many bars before what it auditions
EDITED = ("melody", "marker", "chords")  # what an edit changes, and its undo restores
# Proposals beside the piece: the pending variations (with the chords each proposes)...
PENDING = ("variations", "current", "fill_range", "phrase_end", "variation_chords")
SUGGESTION = ("chord_suggestion",)  # ...and a chord suggestion (Generate > Suggest Chords)
LOOP = ("loop_region", "loop_on")  # the transport's loop, kept with the piece
KEY_LOCK_OFF, KEY_LOCK_AUTO = "off", "auto"


def checked_key_lock(key_lock: object) -> str:
    """``key_lock`` as the piece keeps it: 'off', 'auto' or a key's canonical name ('A minor');
    ValueError naming anything else."""
    if key_lock in (KEY_LOCK_OFF, KEY_LOCK_AUTO):
        return key_lock
    try:
        return keys.key_name(*keys.parse_key(key_lock))
    except (ValueError, TypeError, AttributeError):
        shown = repr(key_lock)[:40]
        raise ValueError(
            f"key lock must be 'off', 'auto' or a key such as 'A minor', got {shown}"
        ) from None
# What each export choice holds (see :meth:`Piece.export_contents`).
EXPORT_PIECE, EXPORT_SEED, EXPORT_VARIATION = "piece", "seed", "variation"


@dataclass(frozen=True)
class Piece:
    """Everything a piece is, as one immutable value: the melody (which carries the tempo, the
    meter and a key of its own), its chords (:class:`engine.chords.Chord`, in order, never
    overlapping, free to run ahead of the melody), the continue marker,
    the pending variations and which one is current, a pending fill's range, where the pending
    continuations were asked to end (``phrase_end``), the chords each variation proposes, a
    pending chord suggestion (:class:`engine.pending_chords.ChordSuggestion`), and the loop.

    The piece answers its own questions (the seed, what is heard, what Accept keeps, what each
    export choice holds, which melody an "auto" key is read from, where an audition starts), so
    that no caller rebuilds a rule. Invalid values raise ValueError.
    """

    melody: Melody = field(default_factory=Melody)
    marker: int = 0  # "continue from" step: everything before it is the seed
    chords: tuple[Chord, ...] = ()  # the chord track beside the melody
    variations: tuple[Melody, ...] = ()
    current: int = 0
    fill_range: tuple[int, int] | None = None  # the pending variations fill these steps
    phrase_end: int | None = None  # where the pending continuations were asked to end
    loop_region: tuple[int, int] | None = None  # None loops the whole piece
    loop_on: bool = False
    key_lock: str = KEY_LOCK_OFF  # 'off', 'auto' (the key melody's key) or a key such as 'A minor'
    variation_chords: tuple[tuple[Chord, ...], ...] = ()  # none, or each variation's chords
    chord_suggestion: ChordSuggestion | None = None  # ghost chords to accept or discard

    def __post_init__(self):
        if not isinstance(self.melody, Melody):
            raise ValueError(f"the piece must be a melody, got {type(self.melody).__name__}")
        if isinstance(self.marker, bool) or not isinstance(self.marker, int) or self.marker < 0:
            raise ValueError(f"the continue marker must be a step from 0 on, got {self.marker!r}")
        object.__setattr__(self, "chords", check_chords(self.chords))
        if self.chords:
            limits.check_end(self.chords[-1].end, "the chord track", self.melody.steps_per_bar)
        object.__setattr__(self, "variations", tuple(self.variations))
        for i, variation in enumerate(self.variations):
            if not isinstance(variation, Melody):
                raise ValueError(f"pending variation {i + 1} is not a melody")
            if variation.steps_per_quarter != self.melody.steps_per_quarter:
                raise ValueError(
                    f"pending variation {i + 1} is on a grid of {variation.steps_per_quarter} "
                    f"steps per quarter, the piece on {self.melody.steps_per_quarter}"
                )
        count, current = len(self.variations), self.current
        if isinstance(current, bool) or not isinstance(current, int):
            raise ValueError(f"the current variation must be a whole number, got {current!r}")
        if count and not 0 <= current < count:
            raise ValueError(f"current variation {current + 1} is not one of 1-{count}")
        if not count and current != 0:
            raise ValueError(f"current variation {current + 1} is chosen but none is pending")
        for name in ("fill_range", "loop_region"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, _step_range(getattr(self, name), name))
        if not count and (self.fill_range is not None or self.phrase_end is not None):
            raise ValueError("a fill range or phrase end is set but no variation is pending")
        end = self.phrase_end
        if end is not None and (isinstance(end, bool) or not isinstance(end, int) or end < 0):
            raise ValueError(f"the phrase end must be a step from 0 on, got {end!r}")
        if not isinstance(self.loop_on, bool):
            raise ValueError(f"loop on must be true or false, got {self.loop_on!r}")
        object.__setattr__(self, "key_lock", checked_key_lock(self.key_lock))
        chords = tuple(tuple(plain(c) for c in check_chords(v)) for v in self.variation_chords)
        if chords and len(chords) != count:
            raise ValueError(f"{len(chords)} variations' chords for {count} pending variations")
        object.__setattr__(self, "variation_chords", chords)
        if not isinstance(self.chord_suggestion, (ChordSuggestion, type(None))):
            raise ValueError(f"not a chord suggestion: {type(self.chord_suggestion).__name__}")

    @classmethod
    def of(cls, melody: Melody, marker: int | None = None) -> Piece:
        """A piece of ``melody`` continuing from ``marker`` (its end when None)."""
        return cls(melody, melody.end if marker is None else max(0, int(marker)))

    def replace(self, **changes) -> Piece:
        return dataclasses.replace(self, **changes)

    @property
    def end(self) -> int:
        """Where the piece ends: the latest of the melody's end, the continue marker and the
        last chord's end, rounded up to a bar line, and at least one bar. Chords may run ahead
        of the melody, as on a lead sheet: Continue writes the melody over them."""
        melody = self.melody
        last = max(melody.end, self.marker, self.chords[-1].end if self.chords else 0)
        return max(melody.steps_per_bar, melody.bar_end(last))

    def with_chords(self, chords) -> Piece:
        """The piece with ``chords`` (Chord values in order, never overlapping, ending within
        :mod:`engine.limits`' longest piece: ValueError otherwise)."""
        return self.replace(chords=check_chords(chords))

    def taking(self, other: Piece, names) -> Piece:
        """This piece with ``other``'s values of the fields ``names`` (EDITED, PENDING, LOOP)."""
        return self.replace(**{name: getattr(other, name) for name in names})

    def regridded(self, steps_per_quarter: int) -> Piece:
        """The whole piece, every step of it, on a grid of ``steps_per_quarter`` (exact onto a
        multiple of its grid: :func:`engine.piece_grid.regridded_piece`)."""
        return regridded_piece(self, steps_per_quarter)

    # --- tempo and meter (the melody carries them) --------------------------------------------

    @property
    def tempo(self) -> float:
        return self.melody.tempo

    @property
    def time_signature(self) -> tuple[int, int]:
        return self.melody.time_signature

    @property
    def steps_per_bar(self) -> int:
        return self.melody.steps_per_bar

    # --- seed, pending variations, what is heard ---------------------------------------------

    def seed(self) -> Melody:
        """The notes before the marker (cut at it): what a continuation continues."""
        return seed_of(self.melody, self.marker)

    def current_variation(self) -> Melody | None:
        return self.variations[self.current] if self.variations else None

    def heard(self) -> Melody:
        """What you hear: the melody with the current variation in place, if one is pending
        (Play, Audition, the drag handle; exactly what Accept keeps)."""
        return with_variation(self.melody, self.marker, self.current_variation(), self.fill_range)

    def with_variations(
        self, variations, current: int = 0, fill_range: tuple[int, int] | None = None,
        phrase_end: int | None = None, chords=(),
    ) -> Piece:
        """Pending ``variations`` (continuations after the marker, or fills of ``fill_range``),
        ``current`` clamped to them, with the ``chords`` each proposes (none, or one sequence
        per variation); without variations, no fill range, no phrase end and no chords."""
        variations = tuple(variations)
        return self.replace(
            variations=variations, variation_chords=tuple(chords) if variations else (),
            current=min(max(0, int(current)), max(0, len(variations) - 1)),
            fill_range=fill_range if variations else None,
            phrase_end=None if not variations or fill_range is not None else phrase_end,
        )

    def selecting(self, index: int) -> Piece:
        """The variation ``index`` (wrapping round) made current."""
        return self.replace(current=index % len(self.variations)) if self.variations else self

    def discarded(self) -> Piece:
        """The piece without its pending variations (nor their chords)."""
        return self.with_variations(())

    def current_variation_chords(self) -> tuple[Chord, ...]:
        """The chords the current variation proposes (the ghost chords beside its notes)."""
        return self.variation_chords[self.current] if self.variation_chords else ()

    def accepted(self) -> Piece:
        """The current variation merged in (exactly what :meth:`heard` played) and nothing
        pending: the marker moves to the end of the new phrase; a fill leaves it. Its chords,
        if it proposes any, rewrite the chord track over the new phrase (a fill: its range)."""
        variation = self.current_variation()
        if variation is None:
            return self
        melody, marker = accept(
            self.melody, self.marker, variation, self.phrase_end, self.fill_range
        )
        kept = self.replace(melody=melody, marker=marker).discarded()
        chords = self.current_variation_chords()
        if not chords:
            return kept
        start, end = self.fill_range or (self.marker, marker)
        return kept.with_chords(replace_chords_in(self.chords, chords, start, end))

    # --- a chord suggestion ------------------------------------------------------------------

    def with_chord_suggestion(self, suggestion: ChordSuggestion | None) -> Piece:
        """The piece with ``suggestion`` pending (None: none); its chords are not yet kept."""
        return self.replace(chord_suggestion=suggestion)

    def suggestion_accepted(self) -> Piece:
        """The suggestion's chords, as its ghost chords show them, in place of the chord
        track inside its span, and no suggestion pending."""
        suggestion = self.chord_suggestion
        if suggestion is None:
            return self
        chords = replace_chords_in(self.chords, suggestion.shown(), *suggestion.span)
        return self.with_chords(chords).with_chord_suggestion(None)

    def replaced_by_accept(self) -> tuple[Note, ...]:
        """The notes :meth:`accepted` would remove or cut short (none when nothing is pending):
        the status bar counts them and the roll dims them, so no note goes unannounced."""
        if not self.variations:
            return ()
        return replaced_notes(self.melody, self.marker, self.fill_range)

    def notes_after_marker(self) -> tuple[Note, ...]:
        """The notes that start at or after the marker: a continuation would write over them,
        so Continue asks first (continue after them, or write over them)."""
        return tuple(note for note in self.melody.notes if note.start >= self.marker)

    def continuing_after_notes(self) -> Piece:
        """The piece with its marker moved past its last note (never back): a continuation then
        follows the notes after the old marker instead of writing over them."""
        return self.replace(marker=max(self.marker, self.melody.end))

    def variation_opening(self) -> Melody:
        """The current variation's first bar (from the marker, or a fill's start, and inside the
        fill), on the piece's tempo and meter: what flipping to it previews. No notes when
        nothing is pending."""
        variation = self.current_variation()
        if variation is None:
            return self.melody.with_notes(())
        start = self.fill_range[0] if self.fill_range is not None else self.marker
        end = start + self.steps_per_bar
        if self.fill_range is not None:
            end = min(end, self.fill_range[1])
        return self.melody.with_notes(inside_range(variation, start, end).notes)

    def cropped_to_seed(self, start: int, end: int) -> Piece:
        """"Use Selection as Seed": steps ``start``-``end`` become the seed (:func:`crop_to_seed`)."""
        melody, marker = crop_to_seed(self.melody, start, end)
        return self.replace(melody=melody, marker=marker)

    def fill_range_for(self, selected) -> tuple[int, int] | None:
        """The range Fill rewrites: the ``selected`` notes' whole bars, else the loop region."""
        return fill_range_of(self.melody, selected, self.loop_region)

    # --- questions the GUI used to answer itself ---------------------------------------------

    def key_melody(self) -> Melody:
        """The melody an "auto" key is read from: the seed, or the whole melody when no note
        comes before the marker (the roll's key, the panel's Auto label and export all ask)."""
        seed = self.seed()
        return seed if seed.notes else self.melody

    def resolved_key(self, key_lock: str | None = None) -> str | None:
        """The key the piece's key lock (or ``key_lock``: 'off', 'auto' or a key name) stands
        for in this piece; None when it is off."""
        key_lock = self.key_lock if key_lock is None else key_lock
        if key_lock == KEY_LOCK_OFF:
            return None
        return self.key_melody().resolved_key(key_lock)

    def audition_start(self, pre_roll_bars: int = AUDITION_PRE_ROLL_BARS) -> int:
        """Where an audition starts: whole bars before the marker (a fill: before its range),
        so what leads into the variation is heard first."""
        bar = self.steps_per_bar
        start = self.fill_range[0] if self.fill_range is not None else self.marker
        return max(0, self.melody.bar_start(start) - pre_roll_bars * bar)

    def export_contents(
        self, what: str, include_piece: bool = True, separate_tracks: bool = False
    ) -> tuple[Melody, Melody | None]:
        """(melody, second track or None) for each export choice: ``piece`` (what is accepted),
        ``seed``, or ``variation``: the current variation alone, or with the piece around it
        as it is heard (on two tracks with ``separate_tracks``: the piece, then the
        variation). The two tracks together are always exactly :meth:`heard`: for a fill, the
        piece outside its range and the fill. ValueError when no variation is pending."""
        if what == EXPORT_PIECE:
            return self.melody, None
        if what == EXPORT_SEED:
            return self.seed(), None
        if what != EXPORT_VARIATION:
            raise ValueError(f"export choice must be piece, seed or variation, got {what!r}")
        variation = self.current_variation()
        if variation is None:
            raise ValueError("there is no pending variation to export")
        if not include_piece:
            return variation, None
        if not separate_tracks:
            return self.heard(), None
        if self.fill_range is not None:
            start, end = self.fill_range
            return outside_range(self.melody, start, end), inside_range(variation, start, end)
        return self.seed(), variation


def _step_range(value, name: str) -> tuple[int, int]:
    label = name.replace("_", " ")
    try:
        region = tuple(value)
    except TypeError:
        raise ValueError(f"the {label} must be two steps, got {value!r}") from None
    if (
        len(region) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in region)
        or not 0 <= region[0] < region[1]
    ):
        raise ValueError(f"the {label} must be two steps 0 <= start < end, got {region!r}")
    return region
