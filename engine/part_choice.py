"""Which part of a multi-part file holds the melody: one rule for MIDI parts and score parts.

The melody is the top voice (first violin, soprano, a lead instrument): of the parts with enough
notes, the one that sounds highest (by median pitch), unless another part is clearly more
melodic. What a part is called counts first: names such as "Violin I", "Soprano", "Melody",
"Lead" or "Vocal" (or a lead instrument: flute, trumpet, a synth lead) count for it; "Bass",
"Cello", "Viola", "Alto", "Tenor", "Violin II", "Accompaniment", "Pad" count against it; the
instrument is asked only when the name says neither. "Clearly more melodic": a part in a
melody's register (median at middle C or above) with at least :data:`FAR_MORE` times the top
voice's line of notes weighted by how much it moves by step.

A part is anything with ``index``, ``name``, ``program_name``, ``note_count``, ``is_drum``,
``median_pitch``, ``chord_share`` (notes sounding over another, 0-1) and ``step_share`` (moves
of its top line by one or two semitones, 0-1): :class:`engine.midi_io.TrackInfo` and
:class:`engine.notation.NotationPart` both are. No Qt, no files.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

FAR_MORE = 4.0  # how many times more melodic a lower part must be to win over the top voice
ENOUGH_NOTES = 8  # a part with fewer notes than this (or a quarter of the busiest) is no melody
MELODY_REGISTER = 60  # middle C: a part whose median is below it is not in a melody's register

_SECOND_VIOLIN = re.compile(
    r"\b(?:violin[oe]?|vln?|vn)\b\.?\s*(?:ii|2)\b|\b(?:second|2nd)\s+violin", re.IGNORECASE
)
_AGAINST = re.compile(
    r"\b(?:bass|basses|basso|contrabass|double bass|bassline|cello|celli|"
    r"violoncello|vc|vla|viola|viole|alto|tenor|baritone|accomp\w*|chords?|pads?|comp|rhythm|"
    r"harmony|backing|arp\w*|strings|string ensemble|pizzicato|left hand|lh)\b",
    re.IGNORECASE,
)
_FOR = re.compile(
    r"melod|\b(?:lead|vocals?|voice|vox|soprano|solo|theme|tune|singer|chant|canto|top|"
    r"right hand|rh|first violin|1st violin|flute|piccolo|oboe|clarinet|trumpet|recorder|"
    r"whistle|ocarina|fiddle|harmonica|violin[oe]?|vln?|vn)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class PartChoice:
    """The part suggested as the melody (``index``) and why, in a musician's words."""

    index: int
    reason: str


def leaning(text: str) -> int:
    """+1 when ``text`` (a part's name or instrument) says melody, -1 accompaniment, else 0."""
    if not text:
        return 0
    if _SECOND_VIOLIN.search(text):
        return -1
    return (1 if _FOR.search(text) else 0) - (1 if _AGAINST.search(text) else 0)


def part_leaning(part) -> tuple[int, str]:
    """What the part's name says (its instrument when the name says nothing): the leaning and
    which of the two said it ('name', 'instrument' or '')."""
    by_name = leaning(part.name)
    if by_name:
        return by_name, "name"
    by_instrument = leaning(part.program_name)
    return by_instrument, "instrument" if by_instrument else ""


def line_notes(part) -> float:
    """About how many notes the part's single line has: chords count once."""
    return part.note_count * (1 - 0.75 * part.chord_share)


def melodic_weight(part) -> float:
    """Notes of the line, weighted by how much it moves by step (a tune) rather than by leaps
    or repeated notes (an accompaniment figure)."""
    return line_notes(part) * (0.25 + part.step_share)


def choose_melody_part(parts: Sequence) -> PartChoice | None:
    """The part most likely to hold the melody, with the reason; None when no part has pitched
    notes (drums only, or nothing)."""
    candidates = [p for p in parts if not p.is_drum and p.note_count > 0]
    if not candidates:
        return None
    if len(candidates) == 1:
        return PartChoice(candidates[0].index, "the only part with pitched notes")
    busiest = max(line_notes(p) for p in candidates)
    enough = [p for p in candidates if line_notes(p) >= min(ENOUGH_NOTES, busiest / 4)]
    leanings = {p.index: part_leaning(p) for p in enough}
    best_leaning = max(leanings[p.index][0] for p in enough)
    group = [p for p in enough if leanings[p.index][0] == best_leaning]
    top = max(group, key=lambda p: (p.median_pitch, line_notes(p), -p.index))
    rivals = [
        p for p in group
        if p is not top and p.median_pitch >= MELODY_REGISTER
        and melodic_weight(p) >= FAR_MORE * melodic_weight(top)
    ]
    if rivals:
        chosen = max(rivals, key=melodic_weight)
        return PartChoice(
            chosen.index, "far more notes than the top voice, moving mostly by step"
        )
    said_by = leanings[top.index][1] if best_leaning > 0 else ""
    return PartChoice(top.index, _REASONS[said_by, len(group) == 1])


_REASONS = {  # (what said melody, alone in saying so) -> why the top part is the melody
    ("name", True): "named as a melody",
    ("name", False): "the top voice of the parts named as a melody",
    ("instrument", True): "a lead instrument",
    ("instrument", False): "the top voice of the lead instruments",
    ("", True): "the top voice",
    ("", False): "the top voice",
}
