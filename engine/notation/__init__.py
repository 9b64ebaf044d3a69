"""Notation files in and out: ABC (folk tunes) and MusicXML (``.musicxml``, ``.xml``, ``.mxl``).

Public API (importing this package loads no music21; reading or writing a file does)
    ``parse_notation(path) -> ParsedNotation``: ``.parts`` (:class:`NotationPart`, one per ABC
        tune or MusicXML part, for a chooser) and ``.import_part(index, steps_per_quarter=None)
        -> ImportResult`` (None: 12 steps per quarter when the part plays triplets, else 4) (``.melody``, ``.chords``: an ABC tune's chord symbols or a score's
        ``<harmony>`` as :class:`engine.chords.Chord`, ``.report`` with ``.summary``, ``.title``,
        ``.chords_read`` and ``.unreadable_chords``).
    ``parse_abc_text(text, path='clipboard.abc')``: the same for ABC text (the clipboard).
    ``import_notation(path, part=None)``, ``read_notation(path, part=None) -> Melody``.
    ``write_notation(melody, path, title='Segue', chords=())``: ABC or MusicXML by suffix,
        atomically, triplets as ABC's ``(3`` and MusicXML's tuplets; ``chords`` go into ABC as quoted symbols and into MusicXML as ``<harmony>``
        (:mod:`engine.notation.musicxml_harmony`).
    ``melody_to_abc(melody, title, chords=())``, ``notation_bytes(melody, suffix, title, chords=())``.
    ``convert(src, dst, part=None) -> str``: between .mid, .abc, .musicxml/.xml/.mxl and .segue,
        the chords with the melody.
    ``NotationImportError(path, reason)``, ``NotationExportError(path, reason)``: ``str(e)`` is
        ``"Cannot import 'tune.abc': it holds no ABC tune."``.
    ``is_notation_path(path)``, ``looks_like_abc(text)``, ``NOTATION_SUFFIXES``.
"""

from segue.engine.notation.abc_text import melody_to_abc
from segue.engine.notation.convert import CONVERT_SUFFIXES, convert
from segue.engine.notation.reading import (
    NOTATION_SUFFIXES,
    ParsedNotation,
    import_notation,
    is_notation_path,
    looks_like_abc,
    parse_abc_text,
    parse_notation,
    read_notation,
)
from segue.engine.notation.results import NotationExportError, NotationImportError, NotationPart
from segue.engine.notation.writing import notation_bytes, write_notation

__all__ = [
    "CONVERT_SUFFIXES", "NOTATION_SUFFIXES", "NotationExportError", "NotationImportError",
    "NotationPart", "ParsedNotation", "convert", "import_notation", "is_notation_path",
    "looks_like_abc", "melody_to_abc", "notation_bytes", "parse_abc_text", "parse_notation",
    "read_notation", "write_notation",
]
