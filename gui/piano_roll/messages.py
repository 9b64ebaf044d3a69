"""Status-bar wording for the roll's edits."""

from __future__ import annotations

from segue.engine.edits import EditResult
from segue.gui.piano_roll.style import note_name


def room_message(result: EditResult) -> str:
    """What an edit did to other notes, for the status bar ('' when nothing): one voice means
    a note ends where the next begins, and a note on the same step is replaced."""
    parts = []
    for verb, notes in (("Replaced", result.replaced), ("Shortened", result.shortened)):
        if notes:
            names = ", ".join(note_name(n.pitch) for n in notes[:3])
            more = f" and {len(notes) - 3} more" if len(notes) > 3 else ""
            parts.append(f"{verb} {names}{more}")
    if not parts:
        return ""
    return "; ".join(parts) + " (one voice: a note ends where the next begins)"


def count_notes(notes) -> str:
    """'1 note', '3 notes'."""
    n = len(notes)
    return f"{n} note" if n == 1 else f"{n} notes"
