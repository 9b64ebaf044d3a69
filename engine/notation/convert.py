"""``segue-cli convert IN OUT``: a melody from one file format to another, chosen by suffix.

Reads ``.mid``/``.midi`` (the best melodic part, or ``part``), ``.abc`` (the first tune, or
``part``), ``.musicxml``/``.xml``/``.mxl`` (the first part, or ``part``) and ``.segue`` (the
piece); writes the same formats. The title travels: an ABC or MusicXML title, else the input's
file name, names the MIDI track and the tune.
"""

from __future__ import annotations

from pathlib import Path

from segue.engine.melody import Melody

MIDI_SUFFIXES = (".mid", ".midi")
SESSION_SUFFIX = ".segue"
CONVERT_SUFFIXES = MIDI_SUFFIXES + (".abc", ".musicxml", ".xml", ".mxl", SESSION_SUFFIX)


def _check_suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in CONVERT_SUFFIXES:
        raise ValueError(
            f"'{path.name}': convert reads and writes {', '.join(CONVERT_SUFFIXES)} files"
        )
    return suffix


def read_any(path, part: int | None = None) -> tuple[Melody, str, str]:
    """(melody, title, one-line report) from any file ``convert`` reads; ``part`` counts from 0."""
    path = Path(path)
    suffix = _check_suffix(path)
    if suffix in MIDI_SUFFIXES:
        from segue.engine import midi_io  # noqa: PLC0415

        result = midi_io.import_midi(path, part)
        return result.melody, path.stem, result.report.summary.splitlines()[0]
    if suffix == SESSION_SUFFIX:
        from segue.engine.session import SessionError, loads  # noqa: PLC0415

        try:
            session = loads(path.read_bytes())
        except SessionError as exc:
            raise ValueError(f"Cannot open '{path.name}': {exc}") from None
        return session.melody, path.stem, f"Read the piece of '{path.name}'."
    from segue.engine.notation.reading import import_notation  # noqa: PLC0415

    result = import_notation(path, part)
    return result.melody, result.report.title or path.stem, result.report.summary.splitlines()[0]


def write_any(melody: Melody, path, title: str) -> None:
    """Write ``melody`` in the format of ``path``'s suffix, atomically."""
    path = Path(path)
    suffix = _check_suffix(path)
    if suffix in MIDI_SUFFIXES:
        from segue.engine.midi_io import write_midi  # noqa: PLC0415

        write_midi(melody, path, track_name=title)
    elif suffix == SESSION_SUFFIX:
        from segue.engine.files import write_atomically  # noqa: PLC0415
        from segue.engine.session import Session, dumps  # noqa: PLC0415

        write_atomically(path, dumps(Session(melody, marker=melody.end)).encode("utf-8"))
    else:
        from segue.engine.notation.writing import write_notation  # noqa: PLC0415

        write_notation(melody, path, title)


def convert(source, destination, part: int | None = None) -> str:
    """Convert ``source`` to ``destination`` by their suffixes; the report as one line."""
    source, destination = Path(source), Path(destination)
    _check_suffix(destination)  # before the reading, which may take a while
    melody, title, report = read_any(source, part)
    write_any(melody, destination, title)
    return f"{report} Wrote '{destination.name}'."
