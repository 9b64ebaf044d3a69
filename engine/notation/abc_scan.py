"""A quick scan of ABC text before music21 reads it: the tunes of a book, and the limits of each.

music21 reads ABC slowly (its reading of one tune slows with the square of the tune's length)
and hangs on some values (a meter of ``M:9999/1``, a bar far longer than its meter), so the text
is split into tunes and each is checked here, in one pass over its characters, against
:mod:`engine.limits`. Only the tune the user picks is then read by music21.

The scan knows just enough ABC to count notes and measure bars: fields (``M:``, ``L:``, inline
``[M:3/4]``), comments, quoted chord symbols, decorations, grace notes, chords, tuplets and
lengths. What it does not understand it leaves to music21.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from segue.engine import limits

_FIELD = re.compile(r"^\s*([A-Za-z]):(.*)$")
_INLINE_FIELD = re.compile(r"\[([A-Za-z]):([^\]\n]*)\]")
_IGNORED = re.compile(r'"[^"\n]*"|![^!\n]*!|\+[^+\n]*\+|\{[^}\n]*\}')  # symbols, decorations, graces
_CHORD = re.compile(r"\[([^\]\[\n|]*[A-Ga-g][^\]\[\n|]*)\]")
_TOKEN = re.compile(
    r"(?P<bar>\||::)"
    r"|\((?P<tuplet>\d+)(?::(?P<q>\d*))?(?::(?P<r>\d*))?"
    r"|(?P<note>[=^_]*[A-Ga-g][,']*|[zx]|(?P<chord>@))(?P<num>\d*)(?P<slashes>/*)(?P<den>\d*)"
    r"|(?P<bars>[ZX])(?P<count>\d*)"
)
_METER = re.compile(r"^\s*\(?\s*(\d+(?:\s*\+\s*\d+)*)\s*\)?\s*/\s*(\d+)\s*$")
_UNIT = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
_OVERFULL_BAR_QUARTERS = 32  # music21 finds a meter for a bar longer than its own; slow past this
_OVERFULL_TOTAL_QUARTERS = 512


_TUNE_START = re.compile(r"^[ \t]*X:", re.M)
_FIELD_LINE = re.compile(r"^[ \t]*([A-Za-z]):(.*)$", re.M)
_COMMENT = re.compile(r"(?<!\\)%.*$", re.M)
_NOTE_LETTER = re.compile(r"[A-Ga-g]")


@dataclass(frozen=True)
class ScannedTune:
    """One tune of an ABC text: what the chooser shows, and the text music21 is given."""

    number: str  # the X: field
    text: str  # the file header (fields that apply to every tune) and the tune
    title: str
    meter: str
    key: str
    note_count: int
    is_polyphonic: bool


def split_tunes(text: str) -> list[ScannedTune]:
    """The tunes of ``text`` (each starts at an ``X:`` line; text before the first is the file
    header); tunes without a ``K:`` line are left out. ValueError when ``text`` is too large.

    Regular expressions only, so a book of thousands of tunes is listed in moments; the full
    check of one tune is :func:`check_tune`.
    """
    limits.check_size(len(text), limits.MAX_NOTATION_BYTES, "ABC text")
    starts = [found.start() for found in _TUNE_START.finditer(text)] or [0]
    header = text[: starts[0]]
    tunes = []
    for start, end in zip(starts, starts[1:] + [len(text)]):
        tune = _list(header, text[start:end])
        if tune is not None:
            tunes.append(tune)
    return tunes


def _list(header: str, body: str) -> ScannedTune | None:
    fields: dict[str, str] = {}
    for found in _FIELD_LINE.finditer(header + "\n" + body):
        fields.setdefault(found.group(1), found.group(2).strip())
    if "K" not in fields:
        return None
    music = _IGNORED.sub(" ", _INLINE_FIELD.sub(" ", _FIELD_LINE.sub("", _COMMENT.sub("", body))))
    music, chords = _CHORD.subn("@", music)
    return ScannedTune(
        number=fields.get("X", "1"), text=header + body, title=fields.get("T", ""),
        meter=fields.get("M", ""), key=fields.get("K", ""),
        note_count=len(_NOTE_LETTER.findall(music)) + chords, is_polyphonic=chords > 0,
    )


def check_tune(tune: ScannedTune) -> None:
    """ValueError, with the reason, when ``tune`` is over a limit or holds what music21 would
    hang on (a meter or length far out of range, a bar far longer than its meter)."""
    if len(tune.text) > limits.MAX_ABC_TUNE_BYTES:
        raise ValueError(
            f"it is over {limits.size_words(limits.MAX_ABC_TUNE_BYTES)}, too long for a tune"
        )
    if tune.note_count > limits.MAX_NOTATION_NOTES:
        raise ValueError(
            f"it has {tune.note_count:,} notes, more than the {limits.MAX_NOTATION_NOTES:,} Segue "
            "reads from one tune"
        )
    state = _State()
    in_body = False
    for line in tune.text.splitlines():
        line = _strip_comment(line)
        field = _FIELD.match(line)
        if field and not line.lstrip().startswith("|"):
            tag, value = field.group(1), field.group(2).strip()
            state.field(tag, value)
            in_body = in_body or tag == "K"
        elif in_body:
            state.music(line)
        if state.problem:
            raise ValueError(state.problem)
    state.end_bar()
    if state.problem:
        raise ValueError(state.problem)


def _strip_comment(line: str) -> str:
    at = line.find("%")
    while at > 0 and line[at - 1] == "\\":
        at = line.find("%", at + 1)
    return line if at < 0 else line[:at]


class _State:
    """The running check of one tune: the current meter and unit, and the length of its bars."""

    def __init__(self):
        self.unit = 0.5  # quarters in one unit note length (ABC's default, 1/8)
        self.bar_quarters = 4.0  # of the meter (4/4 when it names none)
        self.in_bar = self.overfull = self.total = 0.0
        self.problem: str | None = None

    def refuse(self, reason: str) -> None:
        if self.problem is None:
            self.problem = reason

    def field(self, tag: str, value: str) -> None:
        if tag == "M":
            self.meter(value)
        elif tag == "L":
            self.unit_length(value)

    def meter(self, value: str) -> None:
        value = value.strip()
        if value in ("C", "c"):
            self.bar_quarters = 4.0
            return
        if value in ("C|", "c|"):
            self.bar_quarters = 4.0
            return
        found = _METER.match(value)
        if not found:
            return  # "none" or free text: music21 reads it as no meter
        numerator = sum(int(part) for part in found.group(1).split("+"))
        denominator = int(found.group(2))
        try:
            limits.check_meter(numerator, denominator)
        except ValueError as error:
            self.refuse(str(error))
            return
        self.bar_quarters = 4 * numerator / denominator

    def unit_length(self, value: str) -> None:
        found = _UNIT.match(value)
        if not found:
            return
        numerator, denominator = int(found.group(1)), int(found.group(2))
        low, high = limits.ABC_UNIT_RANGE_QUARTERS
        if denominator == 0 or not low <= 4 * numerator / denominator <= high:
            self.refuse(
                f"its unit note length L:{numerator}/{denominator} is outside what Segue reads "
                "(1/512 to 4/1)"
            )
            return
        self.unit = 4 * numerator / denominator

    def music(self, line: str) -> None:
        for inline in _INLINE_FIELD.finditer(line):
            self.field(inline.group(1), inline.group(2))
        line = _IGNORED.sub(" ", _INLINE_FIELD.sub(" ", line))
        line = _CHORD.sub("@", line)  # a chord is one note; its length follows the bracket
        for token in _TOKEN.finditer(line):
            if token.group("bar"):
                self.end_bar()
            elif token.group("tuplet"):
                self.tuplet(token)
            elif token.group("note"):
                self.note(token)
            elif token.group("bars"):
                self.whole_bars(token.group("count"))
            if self.problem:
                return

    def tuplet(self, token) -> None:
        low, high = limits.TUPLET_RANGE
        for name in ("tuplet", "q", "r"):
            value = token.group(name)
            if value and not low <= int(value) <= high:
                self.refuse(
                    f"it has a tuplet ({token.group(0)}) outside what Segue reads "
                    f"({low} to {high} notes in the time of {low} to {high})"
                )

    def note(self, token) -> None:
        numerator = int(token.group("num") or 1)
        slashes = token.group("slashes")
        denominator = int(token.group("den") or 2 ** len(slashes)) if slashes else 1
        biggest = limits.MAX_ABC_LENGTH_MULTIPLIER
        if numerator > biggest or denominator > biggest or denominator == 0:
            self.refuse(
                f"it has a note {token.group(0)} whose length is outside what Segue reads "
                f"(1/{biggest} to {biggest} unit notes)"
            )
            return
        self.add(self.unit * numerator / denominator)

    def whole_bars(self, count: str) -> None:
        bars = int(count or 1)
        if bars > limits.MAX_ABC_LENGTH_MULTIPLIER:
            self.refuse(f"it has a rest of {bars:,} bars, longer than Segue reads")
            return
        self.total += self.bar_quarters * bars

    def add(self, quarters: float) -> None:
        self.in_bar += quarters
        self.total += quarters
        if self.total > limits.MAX_STEPS:  # quarters: past the longest piece on any grid
            self.refuse("it is longer than the longest piece Segue keeps")

    def end_bar(self) -> None:
        if self.in_bar > self.bar_quarters:
            self.overfull += self.in_bar
            if self.in_bar > _OVERFULL_BAR_QUARTERS or self.overfull > _OVERFULL_TOTAL_QUARTERS:
                self.refuse(
                    f"a bar holds {self.in_bar:g} quarter notes, far more than its meter "
                    "allows"
                )
        self.in_bar = 0.0
