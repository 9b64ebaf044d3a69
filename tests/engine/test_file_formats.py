"""The file-format registry: what kind of file a path is, and the dialog filters built from it."""

import re
from pathlib import Path

import pytest

from segue.engine import file_formats
from segue.engine.file_formats import (
    FORMATS,
    dialog_filter,
    is_melody_path,
    is_midi_path,
    is_notation_path,
    kind_of,
)


@pytest.mark.parametrize(
    "path, kind",
    [
        ("tune.mid", "midi"), ("TUNE.MIDI", "midi"), ("a/b/tune.abc", "abc"),
        ("score.musicxml", "musicxml"), ("score.XML", "musicxml"), ("score.mxl", "musicxml"),
        ("piece.segue", "session"), ("take.wav", "wav"), ("take.flac", "flac"),
        ("bank.sf2", "soundfont"), ("bank.SF3", "soundfont"), ("folk.safetensors", "model"),
        ("notes.txt", None), ("mid", None), ("", None), ("archive.mid.zip", None),
    ],
)
def test_kind_of_goes_by_the_suffix_in_any_case(path, kind):
    assert kind_of(path) == kind
    assert kind_of(Path(path)) == kind


def test_every_suffix_belongs_to_one_format():
    suffixes = [suffix for fmt in FORMATS for suffix in fmt.suffixes]
    assert len(suffixes) == len(set(suffixes))
    assert all(re.fullmatch(r"\.[a-z0-9]+", suffix) for suffix in suffixes)


def test_the_melody_formats_are_midi_and_notation():
    assert is_midi_path("x.midi") and not is_midi_path("x.abc")
    assert is_notation_path("x.abc") and is_notation_path("x.mxl") and not is_notation_path("x.mid")
    assert all(is_melody_path(f"x{suffix}") for suffix in file_formats.MELODY_SUFFIXES)
    assert not is_melody_path("x.segue") and not is_melody_path("x.wav")
    assert set(file_formats.CONVERT_SUFFIXES) == {*file_formats.MELODY_SUFFIXES, ".segue"}


def test_a_filter_lists_every_suffix_of_its_format():
    assert dialog_filter("MIDI files", (".mid", ".midi")) == "MIDI files (*.mid *.midi)"
    assert file_formats.SOUNDFONT_FILTER == "SoundFonts (*.sf2 *.sf3)"
    assert file_formats.SESSION_FILTER == "Segue sessions (*.segue)"


def _patterns(filters: str) -> list[set[str]]:
    """Each filter's suffixes: ``'A (*.a *.b);;B (*.c)'`` -> ``[{'.a', '.b'}, {'.c'}]``."""
    return [set(re.findall(r"\*(\.\w+)", part)) for part in filters.split(";;")]


def test_the_open_and_import_filters_offer_everything_first_then_each_format():
    melodies = set(file_formats.MELODY_SUFFIXES)
    midi, abc, musicxml = (set(f.suffixes) for f in (file_formats.MIDI, file_formats.ABC,
                                                       file_formats.MUSICXML))
    assert _patterns(file_formats.IMPORT_FILTER) == [melodies, midi, abc, musicxml]
    assert _patterns(file_formats.OPEN_FILTER) == [
        melodies | {".segue"}, {".segue"}, midi, abc, musicxml
    ]


def test_each_export_filter_names_one_suffix_export_writes():
    offered = _patterns(file_formats.EXPORT_FILTER)
    assert offered == [{".mid"}, {".abc"}, {".musicxml"}, {".mxl"}]
    assert all(is_melody_path(f"x{suffix}") for (suffix,) in offered)
