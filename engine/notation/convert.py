"""``segue-cli convert IN OUT``: a melody from one file format to another, chosen by suffix.

Reads ``.mid``/``.midi`` (the best melodic part, or ``part``), ``.abc`` (the first tune, or
``part``), ``.musicxml``/``.xml``/``.mxl`` (the first part, or ``part``) and ``.segue`` (the
piece); writes the same formats. The title travels: an ABC or MusicXML title, else the input's
file name, names the MIDI track and the tune.
"""

from __future__ import annotations

from pathlib import Path

from segue.engine import file_formats
from segue.engine.file_formats import CONVERT_SUFFIXES
from segue.engine.melody import Melody


def _check_kind(path: Path) -> str:
    """The kind of file ``path`` is (see :func:`engine.file_formats.kind_of`)."""
    if path.suffix.lower() not in CONVERT_SUFFIXES:
        raise ValueError(
            f"'{path.name}': convert reads and writes {', '.join(CONVERT_SUFFIXES)} files"
        )
    return file_formats.kind_of(path)


def read_any(path, part: int | None = None) -> tuple[Melody, str, str]:
    """(melody, title, one-line report) from any file ``convert`` reads; ``part`` counts from 0."""
    path = Path(path)
    kind = _check_kind(path)
    if kind == file_formats.MIDI.kind:
        from segue.engine import midi_io  # noqa: PLC0415

        result = midi_io.import_midi(path, part)
        return result.melody, path.stem, result.report.summary.splitlines()[0]
    if kind == file_formats.SESSION.kind:
        from segue.engine.session import read_session  # noqa: PLC0415

        return read_session(path).piece.melody, path.stem, f"Read the piece of '{path.name}'."
    from segue.engine.notation.reading import import_notation  # noqa: PLC0415

    result = import_notation(path, part)
    return result.melody, result.report.title or path.stem, result.report.summary.splitlines()[0]


def write_any(melody: Melody, path, title: str) -> None:
    """Write ``melody`` in the format of ``path``'s suffix, atomically (a ``.segue`` through
    :func:`engine.session.write_session`, the one way sessions are written)."""
    path = Path(path)
    kind = _check_kind(path)
    if kind == file_formats.MIDI.kind:
        from segue.engine.midi_io import write_midi  # noqa: PLC0415

        write_midi(melody, path, track_name=title)
    elif kind == file_formats.SESSION.kind:
        from segue.engine.piece import Piece  # noqa: PLC0415
        from segue.engine.session import write_session  # noqa: PLC0415

        write_session(path, Piece.of(melody))
    else:
        from segue.engine.notation.writing import write_notation  # noqa: PLC0415

        write_notation(melody, path, title)


def convert(source, destination, part: int | None = None) -> str:
    """Convert ``source`` to ``destination`` by their suffixes; the report as one line."""
    source, destination = Path(source), Path(destination)
    _check_kind(destination)  # before the reading, which may take a while
    melody, title, report = read_any(source, part)
    write_any(melody, destination, title)
    return f"{report} Wrote '{destination.name}'."
