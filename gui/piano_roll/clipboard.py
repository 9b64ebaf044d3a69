"""Copying notes to the system clipboard and reading them back.

Notes travel as a small JSON document in plain text (no pickles, nothing executable), tagged
``"format": "segue-notes"``, so notes copied in one Segue window paste into another, a user can
see what was copied, and any other text on the clipboard is told apart. Positions are relative
to the first copied note; the grid they were copied on travels with them, and pasting onto a
melody with another grid rescales them.

Reading validates everything and raises ValueError with one clear reason; the roll shows it in
the status bar and leaves the melody alone. Pasted text meets the limits every way in meets
(``engine.limits``): the clipboard's size cap, the notes of a piece, the longest piece.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from PySide6.QtGui import QGuiApplication

from segue.engine import limits
from segue.engine.melody import Note, check_steps_per_quarter

FORMAT = "segue-notes"
VERSION = 1
MAX_NOTES = limits.MAX_NOTES  # a piece's notes: more was not copied from one
MAX_TEXT = limits.MAX_CLIPBOARD_CHARS  # the same cap as pasted ABC and notation files


def encode_notes(notes: Iterable[Note], steps_per_quarter: int) -> str:
    """JSON text for ``notes``, positions relative to the earliest start."""
    notes = sorted(notes, key=lambda n: n.start)
    origin = notes[0].start if notes else 0
    return json.dumps(
        {
            "format": FORMAT,
            "version": VERSION,
            "steps_per_quarter": steps_per_quarter,
            "notes": [[n.pitch, n.start - origin, n.length, n.velocity] for n in notes],
        },
        separators=(",", ":"),
    )


def decode_notes(text: str, steps_per_quarter: int) -> list[Note]:
    """Notes from :func:`encode_notes` text, rescaled to ``steps_per_quarter``.

    ValueError naming the problem when the text is not Segue notes or is damaged.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError("the clipboard is empty")
    if len(text) > MAX_TEXT:
        raise ValueError("the clipboard holds too much text to be Segue notes")
    try:
        data = json.loads(text, parse_constant=_no_constant)  # no NaN or Infinity
    except (ValueError, RecursionError):
        raise ValueError("the clipboard holds no Segue notes") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError("the clipboard holds no Segue notes")
    if data.get("version") != VERSION:
        raise ValueError(
            f"the clipboard holds Segue notes of an unknown version {data.get('version')!r}"
        )
    source_grid = data.get("steps_per_quarter")
    try:
        check_steps_per_quarter(source_grid)
    except ValueError:
        raise ValueError(f"the copied notes have a bad grid {source_grid!r}") from None
    rows = data.get("notes")
    if not isinstance(rows, list):
        raise ValueError("the copied notes are damaged (no note list)")
    try:
        limits.check_note_count(len(rows), "the copied music")
    except ValueError as error:
        raise ValueError(str(error)) from None
    notes = []
    for row in rows:
        if not (isinstance(row, list) and len(row) == 4):
            raise ValueError(f"the copied notes are damaged (bad entry {_shown(row)})")
        pitch, start, length, velocity = row
        if not all(type(v) is int for v in (start, length)) or not (
            0 <= start and 1 <= length and start + length <= limits.MAX_STEPS
        ):  # before scaling: within the longest piece, whole steps
            raise ValueError(f"the copied notes are damaged (bad entry {_shown(row)})")
        try:
            if source_grid != steps_per_quarter:
                start = round(start * steps_per_quarter / source_grid)
                length = max(1, round(length * steps_per_quarter / source_grid))
            notes.append(Note(pitch, start, length, velocity))
        except (TypeError, ValueError) as error:
            raise ValueError(f"the copied notes are damaged ({error})") from None
        if start + length > limits.MAX_STEPS:  # a coarse grid's notes, rescaled to a fine one
            raise ValueError(
                f"on this grid the copied notes run past step {limits.MAX_STEPS:,}, the end of "
                "the longest piece Segue keeps"
            )
    return notes


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number")


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def copy_to_clipboard(notes: Iterable[Note], steps_per_quarter: int) -> None:
    # Plain text only: a QMimeData made in Python and still on the clipboard when the
    # application exits crashes the interpreter at shutdown (PySide6 6.11/6.12, seen offscreen).
    QGuiApplication.clipboard().setText(encode_notes(notes, steps_per_quarter))


def notes_from_clipboard(steps_per_quarter: int) -> list[Note]:
    """The notes on the system clipboard; ValueError when there are none or they are damaged."""
    return decode_notes(QGuiApplication.clipboard().text(), steps_per_quarter)
