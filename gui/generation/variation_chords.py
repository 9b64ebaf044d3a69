"""The chords that come with generated variations (issue 23: Continue proposes chords with the
melody where the chord lane has none, and writes over the lane's chords where it has them).

The engine's last ``GenerationUpdate`` carries ``chords``: one sequence per variation, the
lane's chords where they cover the continuation and proposed ones where they do not (a model
that hears no chords gives none). :func:`continuation_job` and :func:`fill_job` are the worker
jobs that keep them beside the melodies (:class:`Generated`); :func:`split_results` reads a
job's result (a :class:`Generated`, or the plain list of melodies a job without chords returns)
into what :meth:`gui.document.Document.set_variations` takes. The roll's chord lane shows the
current variation's chords as ghost chords; Accept keeps them (:meth:`engine.piece.Piece.accepted`).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass

from segue.engine.chords import Chord, check_chords, chords_in
from segue.engine.melody import Melody
from segue.engine.ml.request import ContinuationRequest, iter_continuations, iter_fills
from segue.gui.worker import JobCancelled


@dataclass(frozen=True)
class Generated:
    """A generation's variations and, when the engine proposed them, each one's chords."""

    melodies: list[Melody]
    chords: list[tuple[Chord, ...]] | None = None


def results_of(updates, should_stop: Callable[[], bool]) -> Generator[float, None, Generated]:
    """A worker job from engine updates: yields their progress 0-1, returns the last one's
    melodies with its chords; JobCancelled when stopped before them."""
    melodies = chords = None
    for update in updates:
        if update.melodies is not None:
            melodies, chords = update.melodies, getattr(update, "chords", None)
        yield update.fraction
    if melodies is None or should_stop():
        raise JobCancelled
    return Generated(list(melodies), None if chords is None else list(chords))


def continuation_job(
    model: object, request: ContinuationRequest, should_stop: Callable[[], bool]
) -> Generator[float, None, Generated]:
    """Generate ``request.variations`` continuations with their chords (worker thread)."""
    return (yield from results_of(iter_continuations(model, request, should_stop), should_stop))


def fill_job(
    model: object, request: ContinuationRequest, should_stop: Callable[[], bool]
) -> Generator[float, None, Generated]:
    """Fill ``request.fill_range`` of the whole piece ``request.seed`` (worker thread); whole
    melodies, best first, with their chords."""
    return (yield from results_of(iter_fills(model, request, should_stop), should_stop))


def split_results(
    results, fill_range: tuple[int, int] | None = None
) -> tuple[list[Melody], list[tuple[Chord, ...]]]:
    """(melodies, chords per variation) of a job's result. The chords are dropped (``[]``)
    unless there is one valid sequence per melody; a fill's are cut to its range."""
    if isinstance(results, Generated):
        melodies, chords = list(results.melodies), results.chords
    else:
        melodies, chords = list(results or []), None
    return melodies, _checked(chords, len(melodies), fill_range)


def _checked(chords: Sequence | None, count: int, fill_range) -> list[tuple[Chord, ...]]:
    if chords is None or len(chords) != count:
        return []
    try:
        checked = [check_chords(sequence) for sequence in chords]
    except ValueError:  # the lane shows no chords rather than refuse the variations
        return []
    if fill_range is not None:
        checked = [chords_in(sequence, *fill_range) for sequence in checked]
    return checked
