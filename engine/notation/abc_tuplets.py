"""One bar of ABC from its pieces (notes, rests, tied parts of notes), triplets as ABC tuplets.

A melody with triplets lives on a grid whose steps are a third of a straight note value (12
steps per quarter: a sixteenth is 3 steps, a triplet eighth 4). Pieces that start and end on the
straight lattice are written as they are. Where a piece starts or ends off it, the pieces up to
the next point back on the lattice form a tuplet group: ABC's ``(3`` (three notes in the time of
two; ``(3:2:n`` for a group of ``n`` notes, rests or tied parts), each written at three halves
of its length, so ``(3ABc`` is three triplet eighths with ``L:1/8``, ``(3A2B2c2`` three triplet
quarters, ``(3A/B/c/`` three triplet sixteenths, ``(3:2:2A2B`` a triplet quarter and eighth.
In a group, a note of a length no plain or dotted value writes is split into tied parts.

The group is the shortest span that a musician would bracket: a sixteenth, eighth, quarter, half
or whole note of time (as straight values on the lattice) that starts at the group's first piece,
ends where a piece ends, stays in the bar, and has every piece boundary inside on its triplet
subdivision (sixths of the span). Where no such span exists (a long note from a triplet position
across the beat, say) the group runs to the next piece boundary back on the lattice. Either way
every length is written exactly (at three halves of a length on this grid, a length is always
a whole number of halves of a straight step), so reading the tune back gives the same steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from segue.engine.limits import TUPLET_RANGE

TUPLET_SCALE = Fraction(3, 2)  # ABC's (3: three notes in the time of two, written 3/2 longer
MAX_MARKED_NOTES = 9  # music21 reads the r of (3:2:r as one digit
SPAN_DOUBLINGS = 5  # spans tried: 1, 2, 4, 8, 16 straight steps (1/16 .. whole at 12 spq)


@dataclass(frozen=True)
class Piece:
    """One written note, rest or tied part, ``start``-``stop`` in steps: ``lead`` (a space, a
    chord symbol) goes before it, then ``body`` (accidental and note name, or ``z``), its length,
    and ``tie`` (``-`` or '')."""

    start: int
    stop: int
    lead: str
    body: str
    tie: str = ""


def length_text(steps, unit: int) -> str:
    """A length in ABC: '' for one unit, '3', '/' (half), '/4', '3/2'."""
    value = Fraction(steps) / unit
    if value == 1:
        return ""
    if value.denominator == 1:
        return str(value.numerator)
    if value.numerator == 1:
        return "/" if value.denominator == 2 else f"/{value.denominator}"
    return f"{value.numerator}/{value.denominator}"


def _written(piece: Piece, unit: int, scale: Fraction = Fraction(1)) -> str:
    return piece.body + length_text((piece.stop - piece.start) * scale, unit) + piece.tie


def _group_end(pieces: list[Piece], first: int, straight: int, bar_end: int) -> int:
    """The index after the last piece of the tuplet group starting at ``pieces[first]``."""
    start = pieces[first].start
    ends = {piece.stop: i + 1 for i, piece in enumerate(pieces) if i >= first}
    for doubling in range(SPAN_DOUBLINGS):
        span = straight << doubling
        stop = start + span
        if stop > bar_end:
            break
        if stop in ends and all(
            (piece.stop - start) * 6 % span == 0 for piece in pieces[first:ends[stop] - 1]
        ):
            return ends[stop]
    for i in range(first, len(pieces)):  # no bracketable span: to the lattice again
        if pieces[i].stop % straight == 0:
            return i + 1
    return len(pieces)


def _simple(steps: int) -> bool:
    """Whether a length in a group is written as a plain or dotted note value: its odd part is
    1 or 3 (written at three halves, that is a straight value or a dotted one)."""
    while steps % 2 == 0:
        steps //= 2
    return steps in (1, 3)


def _tied_parts(piece: Piece) -> list[Piece]:
    """``piece`` as tied parts of plain or dotted lengths, longest first (music21 cannot read a
    tuplet note of any other length, such as ``(3:2:2C2D10``); rests are just split."""
    parts, start = [], piece.start
    while start < piece.stop:
        length = piece.stop - start
        while not _simple(length):
            length -= 1
        last = start + length == piece.stop
        tie = piece.tie if last else ("" if piece.body == "z" else "-")
        parts.append(Piece(start, start + length, piece.lead if start == piece.start else "",
                           piece.body, tie))
        start += length
    return parts


def _chunks(count: int) -> list[tuple[int, int]]:
    """(first, count) of the tuplet marks a group of ``count`` written pieces takes: one mark
    covers 2 to 9 of them (music21 reads one digit of ``(3:2:r``; Segue's ABC reading accepts
    2 to 16, engine.limits.TUPLET_RANGE), and ``(3:2:6`` then ``(3:2:5`` scale the same 11
    notes as one ``(3:2:11`` would."""
    low, high = TUPLET_RANGE[0], MAX_MARKED_NOTES
    chunks, first = [], 0
    while count - first > high:
        size = high if count - first - high >= low else high - low
        chunks.append((first, size))
        first += size
    chunks.append((first, count - first))
    return chunks


def render_bar(pieces: list[Piece], unit: int, straight: int, bar_end: int) -> str:
    """The ABC of one bar's ``pieces`` (in order, touching) with ``unit`` steps to ``L:``;
    ``straight`` is the steps of the finest straight note value the grid holds (1 on the
    4-step grid, where no tuplet is ever written)."""
    out, i = [], 0
    while i < len(pieces):
        piece = pieces[i]
        if piece.start % straight == 0 and piece.stop % straight == 0:
            out.append(piece.lead + _written(piece, unit))
            i += 1
            continue
        end = _group_end(pieces, i, straight, bar_end)
        group = [part for inner in pieces[i:end] for part in _tied_parts(inner)]
        for first, count in _chunks(len(group)):
            out.append(group[first].lead.replace(" ", "") if first else piece.lead)
            out.append("(3" if count == 3 else f"(3:2:{count}")
            for j in range(first, first + count):
                lead = group[j].lead.replace(" ", "") if j > first else ""  # no beam break
                out.append(lead + _written(group[j], unit, TUPLET_SCALE))
        i = end
    return "".join(out)
