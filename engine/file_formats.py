"""Every file format Segue reads or writes, once: its suffixes, what kind of file a path is, and
the file-dialog filters built from them.

The filters are plain text in Qt's ``"Label (*.a *.b);;Other (*.c)"`` syntax, so they live here
with the suffixes they list and the engine stays Qt-free.

``kind_of(path) -> str | None``   ``'midi'``, ``'abc'``, ``'musicxml'``, ``'session'``,
    ``'wav'``, ``'flac'``, ``'soundfont'`` or ``'model'`` by suffix (any case); None otherwise
``is_midi_path``, ``is_notation_path``, ``is_melody_path`` (MIDI or notation: importable)
``dialog_filter(label, suffixes) -> str``   one filter, e.g. ``'MIDI files (*.mid *.midi)'``
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FileFormat:
    """One format: the kind name code compares, the label people read, its suffixes (the first
    is the one Segue writes)."""

    kind: str
    label: str
    suffixes: tuple[str, ...]

    @property
    def suffix(self) -> str:
        return self.suffixes[0]

    @property
    def filter(self) -> str:
        return dialog_filter(self.label, self.suffixes)


MIDI = FileFormat("midi", "MIDI files", (".mid", ".midi"))
ABC = FileFormat("abc", "ABC tunes", (".abc",))
MUSICXML = FileFormat("musicxml", "MusicXML", (".musicxml", ".xml", ".mxl"))
SESSION = FileFormat("session", "Segue sessions", (".segue",))
WAV = FileFormat("wav", "WAV", (".wav",))
FLAC = FileFormat("flac", "FLAC", (".flac",))
SOUNDFONT = FileFormat("soundfont", "SoundFonts", (".sf2", ".sf3"))
MODEL = FileFormat("model", "Segue models", (".safetensors",))
FORMATS = (MIDI, ABC, MUSICXML, SESSION, WAV, FLAC, SOUNDFONT, MODEL)

COMPRESSED_MUSICXML_SUFFIX = ".mxl"  # a zip holding the score; the others are XML text
MIDI_SUFFIXES = MIDI.suffixes
NOTATION_SUFFIXES = ABC.suffixes + MUSICXML.suffixes
MELODY_SUFFIXES = MIDI_SUFFIXES + NOTATION_SUFFIXES  # what Import reads and Export writes
CONVERT_SUFFIXES = MELODY_SUFFIXES + SESSION.suffixes  # what ``segue-cli convert`` reads and writes

_KINDS = {suffix: fmt.kind for fmt in FORMATS for suffix in fmt.suffixes}


def kind_of(path) -> str | None:
    """The kind of file ``path`` names by its suffix (see the module docstring), or None."""
    return _KINDS.get(Path(path).suffix.lower())


def is_midi_path(path) -> bool:
    return kind_of(path) == MIDI.kind


def is_notation_path(path) -> bool:
    return kind_of(path) in (ABC.kind, MUSICXML.kind)


def is_melody_path(path) -> bool:
    """A MIDI, ABC or MusicXML file: one Import reads."""
    return kind_of(path) in (MIDI.kind, ABC.kind, MUSICXML.kind)


def dialog_filter(label: str, suffixes) -> str:
    return f"{label} ({' '.join('*' + suffix for suffix in suffixes)})"


def _filters(*filters: str) -> str:
    return ";;".join(filters)


SESSION_FILTER = SESSION.filter
MIDI_FILTER = MIDI.filter
ABC_FILTER = ABC.filter
MUSICXML_FILTER = MUSICXML.filter
SOUNDFONT_FILTER = SOUNDFONT.filter
MODEL_FILTER = MODEL.filter
IMPORT_FILTER = _filters(
    dialog_filter("Melodies", MELODY_SUFFIXES), MIDI_FILTER, ABC_FILTER, MUSICXML_FILTER
)
# The save dialog's first filter is the default; the typed suffix picks the format.
EXPORT_FILTER = _filters(
    dialog_filter("MIDI file", (MIDI.suffix,)), ABC_FILTER,
    dialog_filter("MusicXML", (MUSICXML.suffix,)),
    dialog_filter("Compressed MusicXML", (COMPRESSED_MUSICXML_SUFFIX,)),
)
OPEN_FILTER = _filters(
    dialog_filter("Segue sessions and melodies", SESSION.suffixes + MELODY_SUFFIXES),
    SESSION_FILTER, MIDI_FILTER, ABC_FILTER, MUSICXML_FILTER,
)
