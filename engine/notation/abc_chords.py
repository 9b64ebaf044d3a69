"""Quoted chord symbols of an ABC tune ("G", "D7/f+") read from its text and put on the grid.

music21 reads quoted chord symbols itself, but silently drops the ones it cannot parse ("Gd",
"Xyz") and misreads others ("D/f+"), so the text of each symbol is taken from music21's ABC
tokens before it translates them: a note or rest carrying a symbol gets a stand-in that music21
always reads, and the stand-ins found in the stream, in order, give each symbol its offset.
Quoted text starting with ``^ _ < > @`` is an annotation (ABC 2.1), not a chord.

Tune books spell some chords their own way; these are read as what they mean (the Nottingham
Music Database writes all of them): an optional chord in parentheses ``"(E7)"``; a bass in
lower case with ``+`` or ``-`` for sharp or flat (``"D/f+"`` is D/F#, ``"Gm/bb"`` Gm/Bb); ``d``
after the root for diminished and ``a`` for augmented (``"C#d"``, ``"Da"``, ``"Fa7"``).
Any other symbol that :class:`engine.chords.Chord` cannot read is named as unreadable: the
melody is kept, and no chord sounds from that symbol to the next.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

from segue.engine.chords import Chord
from segue.engine.notation.streams import quarters

STAND_IN = '"C"'  # a symbol music21 always reads
ANNOTATION_MARKS = "^_<>@"
_DIALECT_QUALITY = re.compile(r"^([A-G][#b]?)(d|a)(7?)(?=/|$)")
_DIALECT_BASS = re.compile(r"/([a-gA-G])([#b+-]?)$")
_BASS_ACCIDENTALS = {"+": "#", "-": "b", "#": "#", "b": "b", "": ""}


def take_chord_symbols(handler) -> list[str]:
    """The chord symbols of an ABC handler's notes and rests in order, each replaced in the
    token by :data:`STAND_IN` (only the first of a note's symbols is a chord, as music21 reads
    them); annotations are removed, so music21 reads none of them as a chord."""
    from music21 import abcFormat  # noqa: PLC0415

    symbols = []
    for token in handler.tokens:
        if not isinstance(token, abcFormat.ABCNote) or not token.chordSymbols:
            continue
        texts = [text.strip('"').strip() for text in token.chordSymbols]
        chords = [text for text in texts if text and text[0] not in ANNOTATION_MARKS]
        token.chordSymbols = [STAND_IN] if chords else []
        if chords:
            symbols.append(chords[0])
    return symbols


def symbol_marks(part, symbols: list[str]) -> list[tuple[Fraction, str]]:
    """``(offset in quarters, symbol)`` of each stand-in in ``part``, in time order."""
    from music21 import harmony  # noqa: PLC0415

    found = part.flatten().getElementsByClass(harmony.ChordSymbol)
    return [(quarters(element.offset), symbol) for element, symbol in zip(found, symbols)]


def read_symbol(symbol: str) -> str:
    """``symbol`` with a tune book's spellings (module docstring) in the usual grammar."""
    text = symbol.strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    text = _DIALECT_QUALITY.sub(
        lambda m: m.group(1) + ("dim" if m.group(2) == "d" else "aug") + m.group(3), text
    )
    return _DIALECT_BASS.sub(
        lambda m: "/" + m.group(1).upper() + _BASS_ACCIDENTALS[m.group(2)], text
    )


def chords_on_grid(
    marks: list[tuple[Fraction, str]], steps_per_quarter: int, shift: int, end: int, bar: int
) -> tuple[tuple[Chord, ...], tuple[str, ...]]:
    """(chords, unreadable symbols) from ``marks``: each chord starts at its mark's nearest
    step (half a step rounds down, as corpus notes do) moved by ``shift`` (a pickup's), and
    lasts to the next mark; the last to the bar line at or after ``end`` (the melody's end) or
    after its own start. A later symbol at the same step replaces an earlier one."""
    starts: list[tuple[int, str | None]] = []  # None: an unreadable symbol, where none sounds
    unreadable = []
    for offset, symbol in marks:
        start = math.ceil(offset * steps_per_quarter - Fraction(1, 2)) + shift
        try:
            readable: str | None = Chord(max(start, 0), 1, read_symbol(symbol)).symbol
        except ValueError:
            readable = None
            unreadable.append(symbol)
        if starts and starts[-1][0] == start:
            starts[-1] = (start, readable)
        else:
            starts.append((start, readable))
    chords = []
    for i, (start, symbol) in enumerate(starts):
        if symbol is None or start < 0:
            continue
        stop = starts[i + 1][0] if i + 1 < len(starts) else -(-max(end, start + 1) // bar) * bar
        chords.append(Chord(start, stop - start, symbol))
    return tuple(chords), tuple(unreadable)
