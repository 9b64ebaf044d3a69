"""``segue-cli convert IN OUT``: a melody and its chords from one file format to another,
chosen by suffix.

Reads ``.mid``/``.midi`` (the best melodic part, or ``part``), ``.abc`` (the first tune, or
``part``), ``.musicxml``/``.xml``/``.mxl`` (the first part, or ``part``) and ``.segue`` (the
piece); writes the same formats. The title travels: an ABC or MusicXML title, else the input's
file name, names the MIDI track and the tune. The chords travel too: ABC's quoted symbols,
MusicXML's ``<harmony>``, a MIDI file's chord markers (or the chords heard in its
accompaniment, :mod:`engine.midi_io.chord_track`; written as markers and a "Chords" track) and
a session's chord track.
"""

from __future__ import annotations

from pathlib import Path

from segue.engine import file_formats
from segue.engine.file_formats import CONVERT_SUFFIXES
from segue.engine.melody import Melody
from segue.engine.piece import Piece


def check_kind(path: Path, command: str = "convert") -> str:
    """The kind of file ``path`` is (see :func:`engine.file_formats.kind_of`); ValueError
    naming what ``command`` reads and writes otherwise."""
    if path.suffix.lower() not in CONVERT_SUFFIXES:
        raise ValueError(
            f"'{path.name}': {command} reads and writes {', '.join(CONVERT_SUFFIXES)} files"
        )
    return file_formats.kind_of(path)


def _report(result) -> str:
    """The import's first line, and how many chords came with it."""
    line = result.report.summary.splitlines()[0]
    return f"{line} {len(result.chords)} chord(s)." if result.chords else line


def read_any(path, part: int | None = None) -> tuple[Piece, str, str]:
    """(piece: the melody and its chords, title, one-line report) from any file ``convert``
    reads; ``part`` counts from 0."""
    path = Path(path)
    kind = check_kind(path)
    if kind == file_formats.SESSION.kind:
        from segue.engine.session import read_session  # noqa: PLC0415

        session = read_session(path).piece  # its melody and chords: what the formats share
        piece = Piece.of(session.melody).with_chords(session.chords)
        chords = f" with {len(piece.chords)} chord(s)" if piece.chords else ""
        return piece, path.stem, f"Read the piece of '{path.name}'{chords}."
    if kind == file_formats.MIDI.kind:
        from segue.engine import midi_io  # noqa: PLC0415

        result, title = midi_io.import_midi(path, part), path.stem
    else:
        from segue.engine.notation.reading import import_notation  # noqa: PLC0415

        result = import_notation(path, part)
        title = result.report.title or path.stem
    return Piece.of(result.melody).with_chords(result.chords), title, _report(result)


def write_any(piece: Piece | Melody, path, title: str) -> None:
    """Write ``piece`` (its melody and chords; or a melody alone) in the format of ``path``'s
    suffix, atomically (a ``.segue`` through :func:`engine.session.write_session`, the one way
    sessions are written)."""
    path = Path(path)
    kind = check_kind(path)
    piece = piece if isinstance(piece, Piece) else Piece.of(piece)
    melody, chords = piece.melody, piece.chords
    if kind == file_formats.MIDI.kind:
        from segue.engine.midi_io import write_midi  # noqa: PLC0415

        write_midi(melody, path, track_name=title, chords=chords)
    elif kind == file_formats.SESSION.kind:
        from segue.engine.session import write_session  # noqa: PLC0415

        write_session(path, piece)
    else:
        from segue.engine.notation.writing import write_notation  # noqa: PLC0415

        write_notation(melody, path, title, chords=chords)


def convert(source, destination, part: int | None = None) -> str:
    """Convert ``source`` to ``destination`` by their suffixes; the report as one line."""
    source, destination = Path(source), Path(destination)
    check_kind(destination)  # before the reading, which may take a while
    piece, title, report = read_any(source, part)
    write_any(piece, destination, title)
    return f"{report} Wrote '{destination.name}'."
