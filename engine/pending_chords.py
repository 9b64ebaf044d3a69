"""Chords proposed beside the piece, not yet in its chord track: a chord suggestion (Generate >
Suggest Chords) and the rule both it and a variation's chords use on Accept.

A :class:`ChordSuggestion` is the harmonizer's chords over a range of steps (``span``: the
selected bars, or the seed's), each with the symbols it offers: its own first, then its
alternatives (``engine.harmony``'s ``SuggestedChord`` carries ``probability`` and
``alternatives``; a plain :class:`~engine.chords.Chord` offers only its own symbol). Which one
each ghost chord shows is ``choices`` (0: its own): flipping a ghost chord chooses another.
Accept rewrites the chord track inside ``span`` with the chords shown
(:func:`replace_chords_in`); chords outside it stay, those crossing its edges are cut there.

Qt-free values, like :class:`engine.piece.Piece`, which keeps one beside the piece.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from segue.engine.chords import Chord, SuggestedChord, check_chords, chords_in
from segue.engine.melody_json import check_int, shown


def plain(chord: Chord) -> Chord:
    """``chord`` as the chord track keeps it: its start, length and symbol, nothing proposed."""
    return chord if type(chord) is Chord else Chord(chord.start, chord.length, chord.symbol)


def chord_options(chord: Chord) -> tuple[tuple[str, float | None], ...]:
    """The symbols a ghost chord offers, best first, with their probabilities (None where the
    harmonizer gave none): its own symbol, then its alternatives, each once."""
    options = {chord.symbol: getattr(chord, "probability", None)}
    for symbol, probability in getattr(chord, "alternatives", ()) or ():
        try:
            symbol = Chord(0, 1, symbol).symbol
        except ValueError:
            continue  # a symbol the lane could not keep is not offered
        options.setdefault(symbol, float(probability))
    return tuple(options.items())


def replace_chords_in(
    chords: Iterable[Chord], new: Iterable[Chord], start: int, end: int
) -> tuple[Chord, ...]:
    """The chord track ``chords`` with ``[start, end)`` rewritten by ``new`` (cut to the range,
    made plain): chords outside the range stay, those crossing its edges are cut there."""
    chords = check_chords(chords)
    last = max((chord.end for chord in chords), default=end)
    kept_after = chords_in(chords, end, max(end, last))
    inside = chords_in(check_chords(new), start, end)
    return tuple(plain(c) for c in (*chords_in(chords, 0, start), *inside, *kept_after))


@dataclass(frozen=True)
class ChordSuggestion:
    """Suggested ``chords`` (in order, never overlapping) for the steps ``span``; ``choices``
    says which option each one shows (default: each its own symbol). ValueError otherwise."""

    chords: tuple[Chord, ...]
    span: tuple[int, int]
    choices: tuple[int, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "chords", check_chords(self.chords))
        try:
            start, end = (int(v) for v in self.span)
        except (TypeError, ValueError):
            raise ValueError(f"a suggestion's span must be two steps, got {self.span!r}") from None
        if not 0 <= start < end:
            raise ValueError(f"a suggestion's span must be 0 <= start < end, got {self.span!r}")
        object.__setattr__(self, "span", (start, end))
        choices = tuple(self.choices) or (0,) * len(self.chords)
        if len(choices) != len(self.chords):
            raise ValueError(
                f"{len(choices)} choices for {len(self.chords)} suggested chords: one each")
        for i, choice in enumerate(choices):
            count = len(chord_options(self.chords[i]))
            if isinstance(choice, bool) or not isinstance(choice, int) or not 0 <= choice < count:
                raise ValueError(
                    f"suggested chord {i + 1} offers {count} symbols, not choice {choice!r}")
        object.__setattr__(self, "choices", choices)

    def options(self, index: int) -> tuple[tuple[str, float | None], ...]:
        """What ghost chord ``index`` offers: (symbol, probability), best first."""
        return chord_options(self.chords[index])

    def shown(self) -> tuple[Chord, ...]:
        """The chords as the ghost chords show them (the chosen symbols), cut to the span:
        exactly what Accept puts in the chord track."""
        chosen = tuple(
            Chord(chord.start, chord.length, self.options(i)[choice][0])
            for i, (chord, choice) in enumerate(zip(self.chords, self.choices))
        )
        return chords_in(chosen, *self.span)

    def choosing(self, index: int, option: int) -> ChordSuggestion:
        """Ghost chord ``index`` showing its option ``option`` (0: its own symbol)."""
        choices = list(self.choices)
        choices[index] = option
        return ChordSuggestion(self.chords, self.span, tuple(choices))

    def flipping(self, index: int, by: int = 1) -> ChordSuggestion:
        """Ghost chord ``index`` showing its next option (``by=-1``: the previous), wrapping."""
        count = len(self.options(index))
        return self.choosing(index, (self.choices[index] + by) % count)

    def index_at(self, step: float) -> int | None:
        """The ghost chord sounding at ``step``; None where none does."""
        for i, chord in enumerate(self.chords):
            if chord.start <= step < chord.end:
                return i
        return None


# --- in a session file -------------------------------------------------------------------------

MAX_ALTERNATIVES = 16  # the harmonizer offers a handful; a file may not make the lane list more


def suggestion_to_dict(suggestion: ChordSuggestion) -> dict:
    """The suggestion as a session keeps it (:func:`suggestion_from_dict` reads it back)."""
    return {
        "span": list(suggestion.span),
        "chords": [{"start": c.start, "length": c.length, "symbol": c.symbol,
                    "probability": getattr(c, "probability", None),
                    "alternatives": [list(a) for a in getattr(c, "alternatives", ())]}
                   for c in suggestion.chords],
        "choices": list(suggestion.choices),
    }


def suggestion_from_dict(data: object, max_steps: int) -> ChordSuggestion:
    """A pending suggestion from a session's text; ValueError naming the first problem."""
    if not isinstance(data, dict) or not isinstance(data.get("chords"), list):
        raise ValueError(f"the chord suggestion is not a suggestion, got {shown(data)}")
    span = data.get("span")
    if not isinstance(span, list) or len(span) != 2:
        raise ValueError(f"the chord suggestion's span must be two steps, got {shown(span)}")
    span = tuple(check_int("the chord suggestion's span", v, 0, max_steps) for v in span)
    if len(data["chords"]) > max(1, span[1] - span[0]):
        raise ValueError(f"the chord suggestion lists {len(data['chords']):,} chords for "
                         f"{span[1] - span[0]:,} steps")
    chords = []
    for i, entry in enumerate(data["chords"]):
        what = f"suggested chord {i + 1}"
        if not isinstance(entry, dict) or not isinstance(entry.get("symbol"), str):
            raise ValueError(f"{what} is not a chord, got {shown(entry)}")
        start = check_int(f"{what}'s start", entry.get("start"), 0, max_steps)
        length = check_int(f"{what}'s length", entry.get("length"), 1, max_steps)
        alternatives = entry.get("alternatives") or []
        if not isinstance(alternatives, list) or len(alternatives) > MAX_ALTERNATIVES or any(
                not isinstance(a, list) or len(a) != 2 or not isinstance(a[0], str)
                or isinstance(a[1], bool) or not isinstance(a[1], (int, float))
                for a in alternatives):
            raise ValueError(f"{what}'s alternatives are not up to {MAX_ALTERNATIVES} "
                             "[symbol, probability] pairs")
        probability = entry.get("probability")
        try:
            chords.append(SuggestedChord(
                start, length, entry["symbol"],
                1.0 if probability is None else probability,
                tuple((symbol, p) for symbol, p in alternatives)))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{what}: {exc}") from None
    choices = data.get("choices") or []
    if not isinstance(choices, list):
        raise ValueError(f"the chord suggestion's choices are not a list, got {shown(choices)}")
    return ChordSuggestion(tuple(chords), span, tuple(choices))
