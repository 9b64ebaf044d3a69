"""Reading and writing ``.segue`` files: the format is :mod:`engine.session`, the disk is here.

Writes go through :func:`engine.files.write_atomically`: the text lands in a temporary file
that replaces the old one only once it is complete, so a crash or a full disk mid-save never
leaves half a session behind.
Every failure is a :class:`SessionFileError` whose message names the file and the reason.
"""

from __future__ import annotations

import json
from pathlib import Path

from segue.engine import session as session_format
from segue.engine.files import write_atomically
from segue.engine.session import GenerationSettings, Session, SessionError
from segue.gui.document import Document

# Checked before reading, so a huge stray file is never read into memory.
MAX_SESSION_BYTES = session_format.MAX_SESSION_CHARS


class SessionFileError(Exception):
    """A session file cannot be read or written; ``str()`` is the message for the user."""


def write_text_atomically(path: str | Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) in one step; SessionFileError on failure."""
    path = Path(path)
    try:
        write_atomically(path, text.encode("utf-8"))
    except OSError as exc:
        raise SessionFileError(f"Could not save {path.name}: {exc.strerror or exc}.") from None


def save_session(path: str | Path, session: Session, extra: dict | None = None) -> None:
    """Write ``session`` to ``path`` atomically (``extra`` adds top-level entries)."""
    data = session_format.session_to_dict(session)
    if extra:
        data.update({k: v for k, v in extra.items() if k not in data})
    write_text_atomically(path, json.dumps(data, indent=1) + "\n")


def load_session(path: str | Path) -> Session:
    """The session in ``path``; SessionFileError naming the file and the reason otherwise."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_SESSION_BYTES:
            raise SessionFileError(
                f"Could not open {path.name}: it is too large to be a Segue session."
            )
        data = path.read_bytes()
    except OSError as exc:
        raise SessionFileError(f"Could not open {path.name}: {exc.strerror or exc}.") from None
    try:
        return session_format.loads(data)
    except SessionError as exc:
        raise SessionFileError(f"Could not open {path.name}: {exc}.") from None


def session_of(
    document: Document,
    generation: GenerationSettings,
    loop_region: tuple[int, int] | None = None,
    loop_on: bool = False,
) -> Session:
    """What a save of ``document`` holds (with the transport's loop); SessionFileError when the
    piece is beyond what a session keeps (see :data:`engine.session.MAX_STEPS`)."""
    try:
        return Session(
            document.melody,
            marker=document.marker,
            generation=generation,
            variations=tuple(document.variations),
            current_variation=document.current_index,
            loop_region=loop_region,
            loop_on=loop_on,
            fill_range=document.fill_range,
        )
    except ValueError as exc:
        raise SessionFileError(f"Could not save the piece: {exc}.") from None


def load_into(document: Document, session: Session) -> None:
    """Make ``document`` show ``session`` (fresh history, nothing modified)."""
    document.load(session.melody, session.marker, session.variations, session.current_variation,
                  session.fill_range)
