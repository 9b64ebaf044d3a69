"""Copying notes to the system clipboard and reading them back.

Notes travel as a small JSON document in plain text (no pickles, nothing executable), tagged
``"format": "segue-notes"``, so notes copied in one Segue window paste into another, a user can
see what was copied, and any other text on the clipboard is told apart. Positions are relative
to the first copied note; the grid they were copied on travels with them, and pasting onto a
melody with another grid rescales them.

Reading validates everything and raises ValueError with one clear reason; the roll shows it in
the status bar and leaves the melody alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from PySide6.QtGui import QGuiApplication

from segue.engine.melody import Note, check_steps_per_quarter

FORMAT = "segue-notes"
VERSION = 1
MAX_NOTES = 100_000
MAX_TEXT = 10_000_000  # characters; a bigger clipboard is not something we copied


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
        data = json.loads(text)
    except ValueError:
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
    if not isinstance(rows, list) or len(rows) > MAX_NOTES:
        raise ValueError("the copied notes are damaged (no note list)")
    notes = []
    for row in rows:
        if not (isinstance(row, list) and len(row) == 4):
            raise ValueError(f"the copied notes are damaged (bad entry {row!r})")
        pitch, start, length, velocity = row
        if start != start or length != length:  # NaN guard before scaling
            raise ValueError(f"the copied notes are damaged (bad entry {row!r})")
        try:
            if source_grid != steps_per_quarter:
                start = round(start * steps_per_quarter / source_grid)
                length = max(1, round(length * steps_per_quarter / source_grid))
            notes.append(Note(pitch, start, length, velocity))
        except (TypeError, ValueError) as error:
            raise ValueError(f"the copied notes are damaged ({error})") from None
    return notes


def copy_to_clipboard(notes: Iterable[Note], steps_per_quarter: int) -> None:
    # Plain text only: a QMimeData made in Python and still on the clipboard when the
    # application exits crashes the interpreter at shutdown (PySide6 6.11/6.12, seen offscreen).
    QGuiApplication.clipboard().setText(encode_notes(notes, steps_per_quarter))


def notes_from_clipboard(steps_per_quarter: int) -> list[Note]:
    """The notes on the system clipboard; ValueError when there are none or they are damaged."""
    return decode_notes(QGuiApplication.clipboard().text(), steps_per_quarter)
