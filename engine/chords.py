"""Chords: :class:`Chord` (a lead-sheet symbol over a span of steps, like a
:class:`engine.melody.Note`), the symbol grammar, voicings, and the one reduction evaluation
uses (:func:`majmin`).

Qt-free and music21-free (music21 takes seconds to import): the lead-sheet grammar is parsed
here. A symbol is a root (``A``-``G`` and at most one ``#`` or ``b``; ``♯`` and ``♭`` read as
those), a quality with extensions, alterations, and an optional slash bass, or "no chord"
(``N.C.``, also read from ``NC``, ``N.C`` and ``NC.``)::

    C  Am  G7  F#m7b5  Bb/D  C6/9  Ebmaj7  Dm7(b9)  G7#5b9  Asus4  C5  N.C.

``Chord.symbol`` is the canonical spelling: sharps and flats as ``#`` and ``b``, the quality's
canonical name (``Cmin7`` -> ``Cm7``, ``CΔ7`` -> ``Cmaj7``, ``C-`` -> ``Cm``, ``Cø`` ->
``Cm7b5``, ``C6/9`` -> ``C69``, ``Csus`` -> ``Csus4``), alterations without parentheses in the
order written, and no slash when the bass is the root. music21's ``ChordSymbol`` reads almost
every canonical symbol's quality as written, but it spells a flat ``-`` (it reads ``Bb`` as B
with an unknown quality ``b``, ``Gb7`` as G, and ``C-`` as C flat), lacks a few names
(``maj9``, ``69``, ``9sus4``) and reads "no chord" only as ``harmony.NoChord``:
:func:`music21_figure` is the spelling to hand it (``Bb/D`` -> ``B-/D``).

``Chord.quality`` is the triad family, decided by the chord's third and fifth: ``"maj"``,
``"min"``, ``"dim"``, ``"aug"`` or ``"sus"`` (no third). Sevenths, sixths and extensions go with
their triad (``D7`` maj, ``Am7`` min, ``Bm7b5`` and ``Bdim7`` dim, ``C7#5`` aug, ``C7b5`` maj:
a major third and no fifth to make it augmented). A power chord (``C5``, root and fifth) is
``"maj"``: lead sheets and guitarists use it where the major chord is meant.
``Chord.quality`` of "no chord" is None, as are its root and bass.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

NO_CHORD = "N.C."
MAX_SYMBOL_CHARS = 32  # the longest real symbol is about 12; a message never quotes more
QUALITIES = ("maj", "min", "dim", "aug", "sus")

_LETTERS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_ACCIDENTALS = {"": 0, "#": 1, "b": -1}
_NOTE = re.compile(r"([A-G])([#b]?)")
_NO_CHORD_SPELLINGS = ("N.C.", "NC", "N.C", "NC.")

# Canonical quality -> chord tones as semitones above the root. 13ths leave out the 11th, as
# players voice them.
_KINDS: dict[str, tuple[int, ...]] = {
    "": (0, 4, 7), "m": (0, 3, 7), "dim": (0, 3, 6), "aug": (0, 4, 8), "5": (0, 7),
    "sus4": (0, 5, 7), "sus2": (0, 2, 7),
    "6": (0, 4, 7, 9), "m6": (0, 3, 7, 9), "69": (0, 4, 7, 9, 2), "m69": (0, 3, 7, 9, 2),
    "7": (0, 4, 7, 10), "maj7": (0, 4, 7, 11), "m7": (0, 3, 7, 10), "mM7": (0, 3, 7, 11),
    "dim7": (0, 3, 6, 9), "m7b5": (0, 3, 6, 10), "aug7": (0, 4, 8, 10),
    "9": (0, 4, 7, 10, 2), "maj9": (0, 4, 7, 11, 2), "m9": (0, 3, 7, 10, 2),
    "11": (0, 4, 7, 10, 2, 5), "m11": (0, 3, 7, 10, 2, 5),
    "13": (0, 4, 7, 10, 2, 9), "maj13": (0, 4, 7, 11, 2, 9), "m13": (0, 3, 7, 10, 2, 9),
    "add9": (0, 4, 7, 2), "madd9": (0, 3, 7, 2),
    "7sus4": (0, 5, 7, 10), "9sus4": (0, 5, 7, 10, 2),
}
_ALIASES = {
    "M": "", "maj": "", "min": "m", "mi": "m", "-": "m", "o": "dim", "°": "dim", "+": "aug",
    "sus": "sus4", "min6": "m6", "-6": "m6", "6/9": "69", "6add9": "69", "m6/9": "m69",
    "dom7": "7", "M7": "maj7", "Maj7": "maj7", "ma7": "maj7", "Δ": "maj7", "Δ7": "maj7",
    "min7": "m7", "mi7": "m7", "-7": "m7", "mmaj7": "mM7", "mMaj7": "mM7", "minmaj7": "mM7",
    "-maj7": "mM7", "m#7": "mM7", "o7": "dim7", "°7": "dim7", "ø": "m7b5", "ø7": "m7b5",
    "min7b5": "m7b5", "-7b5": "m7b5", "+7": "aug7", "7+": "aug7", "M9": "maj9", "Maj9": "maj9",
    "min9": "m9", "-9": "m9", "min11": "m11", "M13": "maj13", "Maj13": "maj13", "min13": "m13",
    "add2": "add9", "madd2": "madd9", "7sus": "7sus4", "9sus": "9sus4",
}
_SPELLINGS = sorted({**{k: k for k in _KINDS}, **_ALIASES}.items(), key=lambda kv: -len(kv[0]))
# Alterations, written after a chord with a seventh: (tone added, tones it replaces).
_ALTERATIONS = {
    "b5": (6, (7,)), "#5": (8, (7,)), "b9": (1, (2,)), "#9": (3, (2,)), "#11": (6, (5,)),
    "b13": (8, (9,)),
}
_ALTERATION = re.compile(r"b5|#5|b9|#9|#11|b13")
# music21's names where its CHORD_TYPES lack ours.
_MUSIC21_KINDS = {"69": "6add9", "m69": "m6add9", "maj9": "M9", "maj13": "M13",
                  "9sus4": "7sus4add9"}


@dataclass(frozen=True)
class ChordSpelling:
    """A parsed symbol: ``root`` and ``bass`` pitch classes, the chord tones as semitones above
    the root (``intervals``) and the canonical parts (``root_name``, ``kind``, ``bass_name``)."""

    symbol: str
    root: int | None
    bass: int | None
    intervals: tuple[int, ...]
    root_name: str = ""
    kind: str = ""
    bass_name: str = ""


def _shown(symbol: object) -> str:
    if not isinstance(symbol, str):
        return type(symbol).__name__
    return repr(symbol if len(symbol) <= MAX_SYMBOL_CHARS else symbol[:MAX_SYMBOL_CHARS] + "...")


def _not_a_chord(symbol, why: str = "") -> ValueError:
    return ValueError(f"{_shown(symbol)} is not a chord symbol{why}")


def _pitch_class(letter: str, accidental: str) -> int:
    return (_LETTERS[letter] + _ACCIDENTALS[accidental]) % 12


def parse_symbol(symbol: str) -> ChordSpelling:
    """The symbol read; ValueError naming it when it is not a chord (see the module's grammar)."""
    if not isinstance(symbol, str):
        raise _not_a_chord(symbol, " (it is not text)")
    if len(symbol) > MAX_SYMBOL_CHARS:
        raise _not_a_chord(symbol, f" (over {MAX_SYMBOL_CHARS} characters)")
    return _parsed(symbol)


@lru_cache(maxsize=4096)  # a piece repeats a handful of symbols; a Chord keeps only its text
def _parsed(symbol: str) -> ChordSpelling:
    text = symbol.strip().replace("♯", "#").replace("♭", "b")
    if text in _NO_CHORD_SPELLINGS:
        return ChordSpelling(NO_CHORD, None, None, ())
    head, slash, bass_text = text.rpartition("/")
    if slash and _NOTE.fullmatch(bass_text):
        text = head
    else:
        bass_text = ""
    match = _NOTE.match(text)
    if not match:
        raise _not_a_chord(symbol, " (it must start with a note name A-G)")
    root_name = match.group(0)
    root = _pitch_class(*match.groups())
    kind, intervals = _quality(text[match.end():], symbol)
    bass = _pitch_class(*_NOTE.fullmatch(bass_text).groups()) if bass_text else root
    bass_name = bass_text if bass != root else ""
    canonical = root_name + kind + (f"/{bass_name}" if bass_name else "")
    return ChordSpelling(canonical, root, bass, intervals, root_name, kind, bass_name)


def _quality(text: str, symbol: str) -> tuple[str, tuple[int, ...]]:
    """(canonical quality, intervals) of the text after the root."""
    # Parentheses only group alterations or a quality: "7(b9,#11)", "m(maj7)".
    text = re.sub(r"\(([^()]+)\)", lambda m: m.group(1).replace(",", ""), text)
    if any(c in text for c in "(),"):
        raise _not_a_chord(symbol, " (unbalanced parentheses)")
    # The longest spelling first ("m7b5" before "m7", "sus4" before "sus"); "" always matches.
    spelling, kind = next((s, k) for s, k in _SPELLINGS if text.startswith(s))
    intervals = list(_KINDS[kind])
    rest = text[len(spelling):]
    written = []
    while rest:
        match = _ALTERATION.match(rest)
        if not match:
            raise _not_a_chord(symbol, f" (unknown quality {rest!r})")
        alteration = match.group(0)
        added, replaced = _ALTERATIONS[alteration]
        has_seventh = 10 in _KINDS[kind] or 11 in _KINDS[kind]
        if not has_seventh or alteration in written or added in intervals:
            raise _not_a_chord(symbol, f" (it cannot alter {kind or 'a triad'} by {alteration})")
        if alteration in ("b5", "#5") and 7 not in intervals:
            raise _not_a_chord(symbol, f" (it has no fifth to alter by {alteration})")
        intervals = [i for i in intervals if i not in replaced] + [added]
        written.append(alteration)
        rest = rest[match.end():]
    return kind + "".join(written), tuple(intervals)


def quality_of(intervals: Sequence[int]) -> str | None:
    """The triad family of a chord's tones above its root (see the module docstring)."""
    if not intervals:
        return None
    tones = set(intervals)
    if 4 in tones:
        return "aug" if 8 in tones and 7 not in tones else "maj"
    if 3 in tones:
        return "dim" if 6 in tones and 7 not in tones else "min"
    return "sus" if tones & {2, 5} else "maj"  # a power chord is "maj" (module docstring)


@dataclass(frozen=True)
class Chord:
    """A chord symbol over ``length`` steps from ``start`` (steps, like a note's). ``symbol``
    is kept in its canonical spelling; ValueError naming a symbol that is not a chord."""

    start: int
    length: int
    symbol: str

    def __post_init__(self):
        for name in ("start", "length"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"chord {name} must be an integer, got {_shown(value)}")
        if self.start < 0:
            raise ValueError(f"chord start {self.start} is negative")
        if self.length < 1:
            raise ValueError(f"chord length {self.length} must be at least one step")
        object.__setattr__(self, "symbol", parse_symbol(self.symbol).symbol)

    @property
    def spelling(self) -> ChordSpelling:
        return parse_symbol(self.symbol)

    @property
    def end(self) -> int:
        """The first step after the chord."""
        return self.start + self.length

    @property
    def is_no_chord(self) -> bool:
        return self.spelling.root is None

    @property
    def root(self) -> int | None:
        """The root's pitch class 0-11; None for "no chord"."""
        return self.spelling.root

    @property
    def bass(self) -> int | None:
        """The lowest note's pitch class: the slash bass, else the root; None for "no chord"."""
        return self.spelling.bass

    @property
    def quality(self) -> str | None:
        """``"maj"``, ``"min"``, ``"dim"``, ``"aug"`` or ``"sus"``; None for "no chord"."""
        return quality_of(self.spelling.intervals)

    @property
    def pitch_classes(self) -> tuple[int, ...]:
        """The chord tones' pitch classes, root first, then as the symbol builds them; a
        slash bass that is not a chord tone comes last."""
        spelling = self.spelling
        if spelling.root is None:
            return ()
        tones = tuple((spelling.root + i) % 12 for i in spelling.intervals)
        return tones if spelling.bass in tones else (*tones, spelling.bass)

    def with_start(self, start: int) -> Chord:
        return dataclasses.replace(self, start=start)

    def with_length(self, length: int) -> Chord:
        return dataclasses.replace(self, length=length)

    def with_symbol(self, symbol: str) -> Chord:
        return dataclasses.replace(self, symbol=symbol)

    def replace(self, **changes) -> Chord:
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class SuggestedChord(Chord):
    """A chord the harmonizer suggests (:func:`engine.harmony.harmonize`): how probable it
    is (0-1) and up to a few ``alternatives`` as ``(symbol, probability)``, best first, the
    chosen symbol not among them. ``with_symbol`` (picking an alternative) keeps them."""

    probability: float = 1.0
    alternatives: tuple[tuple[str, float], ...] = ()

    def __post_init__(self):
        super().__post_init__()
        if not 0.0 <= self.probability <= 1.0:  # NaN fails too
            raise ValueError(f"chord probability {self.probability!r} is outside 0-1")
        object.__setattr__(self, "probability", float(self.probability))
        object.__setattr__(self, "alternatives", tuple(
            (parse_symbol(symbol).symbol, float(p)) for symbol, p in self.alternatives))

    def with_symbol(self, symbol: str) -> SuggestedChord:
        return dataclasses.replace(self, symbol=symbol)


def music21_figure(chord: Chord | str) -> str:
    """The symbol as music21 reads it: flats as ``-`` and music21's names for ``maj9``,
    ``maj13``, ``69``, ``m69`` and ``9sus4``. "No chord" stays ``N.C.``, which music21 reads
    with ``harmony.NoChord``, not ``ChordSymbol``."""
    spelling = parse_symbol(chord.symbol if isinstance(chord, Chord) else chord)
    if spelling.root is None:
        return NO_CHORD
    kind = spelling.kind
    for ours, theirs in _MUSIC21_KINDS.items():
        if kind.startswith(ours) and not kind[len(ours):len(ours) + 1].isalpha():
            kind = theirs + kind[len(ours):]
            break
    bass = f"/{spelling.bass_name.replace('b', '-')}" if spelling.bass_name else ""
    return spelling.root_name.replace("b", "-") + kind + bass


def majmin(chord: Chord | None) -> str:
    """The MIREX "MajMin" label evaluation uses: ``"C:maj"``, ``"A:min"``, ``"N"`` (no chord
    or None). The third decides: maj and aug are ``maj``, min and dim ``min``; a chord without
    a third (sus) is ``"X"``, outside the vocabulary, as MIREX leaves it unscored. Roots are
    named with sharps (``"C#:min"``, ``"A#:maj"``): one name per pitch class."""
    if chord is None or chord.is_no_chord:
        return "N"
    family = {"maj": "maj", "aug": "maj", "min": "min", "dim": "min"}.get(chord.quality)
    return f"{PITCH_NAMES[chord.root]}:{family}" if family else "X"


PITCH_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


# --- voicings ---------------------------------------------------------------------------------

MAX_VOICES = 4


def voiced_pitch_classes(chord: Chord) -> tuple[int, ...]:
    """The tones a close voicing plays, at most :data:`MAX_VOICES`: extensions push out the
    fifth first, then the root (the bass plays it)."""
    spelling = chord.spelling
    if spelling.root is None:
        return ()
    intervals = list(dict.fromkeys(spelling.intervals))
    for dropped in (7, 0):
        if len(intervals) > MAX_VOICES and dropped in intervals:
            intervals.remove(dropped)
    return tuple((spelling.root + i) % 12 for i in intervals[:MAX_VOICES])


def _close_positions(tones: Sequence[int], around: int) -> list[tuple[int, ...]]:
    """Every inversion of ``tones`` in close position (within an octave) whose middle lies
    within a fifth of ``around``."""
    ordered = sorted(set(tones))
    found = []
    for i in range(len(ordered)):
        rotation = ordered[i:] + ordered[:i]
        for octave in range(around // 12 - 2, around // 12 + 2):
            pitches, low = [], octave * 12 + rotation[0]
            for pc in rotation:
                pitch = low + (pc - rotation[0]) % 12
                pitches.append(pitch)
            middle = (pitches[0] + pitches[-1]) / 2
            if abs(middle - around) <= 7 and 0 <= pitches[0] and pitches[-1] <= 127:
                found.append(tuple(pitches))
    return found


def _motion(previous: Sequence[int], pitches: Sequence[int]) -> int:
    """How far the voices move: each new note from its nearest old one, and back."""
    there = sum(min(abs(p - q) for q in previous) for p in pitches)
    back = sum(min(abs(p - q) for q in pitches) for p in previous)
    return there + back


def voicing(chord: Chord, previous: Sequence[int] | None = None, around: int = 60) -> tuple[int, ...]:
    """MIDI pitches, low to high, for ``chord`` in close position near ``around`` (middle C):
    after ``previous`` (the last voicing), the inversion whose voices move least; without it,
    the one centred nearest ``around``. "No chord" is ``()``."""
    tones = voiced_pitch_classes(chord)
    if not tones:
        return ()
    around = min(max(int(around), 12), 115)  # room for a close voicing within MIDI's range
    candidates = _close_positions(tones, around)

    def centre(pitches):
        return abs((pitches[0] + pitches[-1]) / 2 - around)

    if previous:
        return min(candidates, key=lambda p: (_motion(previous, p), centre(p), p))
    return min(candidates, key=lambda p: (centre(p), p))


def bass_note(chord: Chord, low: int = 36) -> int | None:
    """The bass's MIDI pitch in the octave from ``low`` (C2 by default); None for "no chord"."""
    if chord.bass is None:
        return None
    return low + (chord.bass - low) % 12


# --- chords in time ---------------------------------------------------------------------------


def chords_in(chords: Iterable[Chord], start: int, end: int) -> tuple[Chord, ...]:
    """The chords sounding in ``[start, end)``, cut to it, at their own steps."""
    inside = []
    for chord in chords:
        first, last = max(chord.start, start), min(chord.end, end)
        if first < last:
            inside.append(chord.replace(start=first, length=last - first))
    return tuple(inside)


def cut_at(chords: Iterable[Chord], end: int) -> tuple[Chord, ...]:
    """The chords before step ``end``: one starting at or after it is dropped, one crossing it
    ends there."""
    return chords_in(chords, 0, end)


def check_chords(chords: object) -> tuple[Chord, ...]:
    """``chords`` as a tuple of :class:`Chord` sorted by start without overlaps; ValueError
    naming the first problem."""
    if isinstance(chords, (str, bytes)) or not isinstance(chords, Iterable):
        raise ValueError(f"the chords must be a list of chords, got {_shown(chords)}")
    chords = tuple(chords)
    previous = None
    for i, chord in enumerate(chords):
        if not isinstance(chord, Chord):
            raise ValueError(f"chord {i + 1} is not a chord, got {_shown(chord)}")
        if previous is not None and chord.start < previous.end:
            raise ValueError(
                f"chord {i + 1} ({chord.symbol} at step {chord.start}) starts before chord {i} "
                f"({previous.symbol}, steps {previous.start}-{previous.end}) ends: chords are "
                "in order and never overlap"
            )
        previous = chord
    return chords
