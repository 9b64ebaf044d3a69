"""MusicXML's chord symbols (``<harmony>``) in and out, through music21's ``harmony`` objects.

Reading: music21 reads a ``<harmony>`` into a ``ChordSymbol`` (or ``NoChord``). The symbol is
taken as the score shows it: the root, the kind's own text (``<kind text="m7">``) and the
bass when the score gives that text; otherwise music21's figure, respelled in the grammar of
:mod:`engine.chords` (``B-/D`` -> ``Bb/D``, ``C6 add 9`` -> ``C69``, ``Cm7 add b5`` ->
``Cm7b5``, ``Cpower`` -> ``C5``). A kind music21 cannot name (``other``, with no text) is
unreadable. Chords are then placed as ABC's are (:func:`engine.notation.abc_chords.chords_on_grid`):
each lasts to the next, unreadable ones are counted and named.

Writing: each chord becomes a ``ChordSymbol`` of its :func:`engine.chords.music21_figure`
(``power`` for a power chord, which music21's figure ``C5`` loses) and "no chord" a
``NoChord``, at the chord's start. A note or rest sounding across a chord's start is split
there and tied, so every symbol stands over a note or rest of the one voice (music21 writes a
symbol inside a note as a second voice of rests).
"""

from __future__ import annotations

import re
from fractions import Fraction

from segue.engine.chords import Chord, music21_figure
from segue.engine.notation.streams import quarters

_PITCH = re.compile(r"([A-G])(-+|#+)?")
_ADDED = re.compile(r"(?:b|#)?\d+")


def _respelled(name: str) -> str:
    """A music21 pitch name in the chord grammar: ``B-`` -> ``Bb`` (``B--`` -> ``Bbb``,
    which no chord reads)."""
    match = _PITCH.fullmatch(name)
    if not match:
        return name
    letter, accidentals = match.group(1), match.group(2) or ""
    return letter + accidentals.replace("-", "b")


def _with_additions(head: str, additions: list[str]) -> str:
    """music21's ``C6 add 9`` style (an added or altered degree after a kind) in our
    spellings: an alteration follows the kind (``C7#5``); a plain ninth makes ``69``,
    ``9sus4`` or ``add9``."""
    for added in additions:
        if added[0] in "b#":
            head += added
        elif added == "9" and head.endswith("6"):
            head += "9"
        elif added == "9" and head.endswith("7sus"):
            head = head[: -len("7sus")] + "9sus4"
        else:
            head += f"add{added}"
    return head


def figure_symbol(figure: str) -> str:
    """music21's figure of a chord symbol in the grammar of :mod:`engine.chords` (module
    docstring); what Chord cannot read stays as close to the figure as it can."""
    text = figure.strip()
    bass = ""
    match = re.search(r"/([A-G](?:-+|#+)?)", text)
    if match:
        bass = "/" + _respelled(match.group(1))
        text = (text[: match.start()] + text[match.end():]).strip()
    head, *additions = [part.strip() for part in text.split(" add ")]
    root = _PITCH.match(head)
    if root:
        head = _respelled(root.group(0)) + head[root.end():]
    head = head.replace("power", "5")
    if all(_ADDED.fullmatch(added) for added in additions):
        head = _with_additions(head, additions)
    else:
        head = " add ".join([head, *additions])
    return head + bass


def harmony_symbol(element) -> str:
    """The chord symbol a music21 ``Harmony`` stands for, as written (module docstring)."""
    if "NoChord" in element.classSet:
        return "N.C."
    kind_text = (getattr(element, "chordKindStr", "") or "").strip()
    root = element.root() if callable(getattr(element, "root", None)) else None
    if kind_text and root is not None:
        bass = element.bass()
        slash = f"/{_respelled(bass.name)}" if bass is not None and bass.name != root.name else ""
        return _respelled(root.name) + kind_text + slash
    figure = (getattr(element, "figure", "") or "").strip()
    if getattr(element, "chordKind", "") == "other":  # music21's figure then shows a root only
        return f"{figure} (other)"
    return figure_symbol(figure)


def harmony_marks(part) -> list[tuple[Fraction, str]]:
    """``(offset in quarters, symbol)`` of every chord symbol in ``part``, in time order."""
    from music21 import harmony  # noqa: PLC0415

    found = part.flatten().getElementsByClass(harmony.Harmony)
    return [(quarters(element.offset), harmony_symbol(element)) for element in found]


def music21_symbol(chord: Chord):
    """A music21 ``ChordSymbol`` (``NoChord`` for "no chord") for ``chord``."""
    from music21 import harmony  # noqa: PLC0415

    if chord.is_no_chord:
        return harmony.NoChord()
    figure = music21_figure(chord)
    if chord.spelling.kind == "5":  # music21 reads "C5" as no kind at all
        figure = figure.replace("5", "power", 1)
    return harmony.ChordSymbol(figure)


def split_at(start: int, end: int, cuts) -> list[tuple[int, int]]:
    """``[start, end)`` in pieces at each of ``cuts`` (sorted steps) strictly inside it; []
    when it is empty."""
    if start >= end:
        return []
    points = [start, *(cut for cut in cuts if start < cut < end), end]
    return list(zip(points, points[1:]))
