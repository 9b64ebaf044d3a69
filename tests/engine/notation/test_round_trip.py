"""ABC -> melody -> ABC -> melody is identical on pitch and rhythm for the Irish corpus's test
tunes that fit the grid; MusicXML keeps a melody exactly too."""

import re

import pytest

from segue.engine.corpus import split_of
from segue.engine.corpus_sources import source_files
from segue.engine.melody import Melody, Note
from segue.engine.notation import (
    import_notation,
    melody_to_abc,
    notation_bytes,
    parse_abc_text,
    write_notation,
)

pytest.importorskip("music21")

SAMPLE = 30  # tunes, spread evenly over the test split (the same ones every run)
_TUNE_START = re.compile(r"^X:\s*(\d+)", re.MULTILINE)


def _test_tunes() -> list[tuple[str, str]]:
    """(tune id, ABC text with the file's header) of every test-split tune of the corpus."""
    tunes = []
    for collection, path in source_files("irish"):
        text = path.read_text(encoding="latin-1")
        starts = list(_TUNE_START.finditer(text))
        header = text[: starts[0].start()] if starts else ""
        for i, match in enumerate(starts):
            tune_id = f"{collection}/{path.name}:{int(match.group(1))}"
            if split_of(tune_id) == "test":
                end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
                tunes.append((tune_id, header + text[match.start():end]))
    return sorted(tunes)


def _sample() -> list[tuple[str, str]]:
    tunes = _test_tunes()
    step = max(1, len(tunes) // SAMPLE)
    return tunes[::step][:SAMPLE]


def _fits_the_grid(text: str) -> Melody | None:
    try:
        result = parse_abc_text(text).import_part(0)
    except Exception:  # noqa: BLE001 - a tune music21 cannot read is not part of the check
        return None
    return result.melody if result.report.moved == 0 else None


def _rhythm_and_pitch(melody: Melody) -> list[tuple[int, int, int]]:
    return [(n.pitch, n.start, n.length) for n in melody.notes]


@pytest.mark.slow
def test_irish_test_tunes_survive_an_abc_round_trip():
    checked = 0
    for tune_id, text in _sample():
        melody = _fits_the_grid(text)
        if melody is None:
            continue
        again = parse_abc_text(melody_to_abc(melody, tune_id)).import_part(0).melody
        assert _rhythm_and_pitch(again) == _rhythm_and_pitch(melody), tune_id
        assert (again.time_signature, again.tempo) == (melody.time_signature, melody.tempo)
        checked += 1
    assert checked >= SAMPLE // 2  # the rest play triplets, which the sixteenth grid moves


def _melody(key="D minor", time_signature=(6, 8)) -> Melody:
    notes = [Note(62, 0, 6), Note(65, 6, 2), Note(69, 8, 4), Note(73, 12, 18), Note(58, 30, 1),
             Note(70, 33, 3)]
    return Melody(notes, time_signature=time_signature, tempo=100, key=key)


@pytest.mark.parametrize("suffix", [".musicxml", ".xml", ".mxl"])
def test_musicxml_keeps_notes_meter_key_tempo_and_title(tmp_path, suffix):
    melody = _melody()
    path = tmp_path / f"tune{suffix}"
    write_notation(melody, path, title="Port na bPúcaí")
    result = import_notation(path)
    assert result.melody == melody
    assert result.report.title == "Port na bPúcaí"


def test_abc_keeps_key_meter_tempo_and_title():
    text = melody_to_abc(_melody(key="Eb minor", time_signature=(3, 4)), "The Lark")
    assert "K:Ebm" in text and "M:3/4" in text and "Q:1/4=100" in text and "T:The Lark" in text
    result = parse_abc_text(text).import_part()
    assert result.melody == _melody(key="Eb minor", time_signature=(3, 4))
    assert result.report.title == "The Lark"


def test_abc_writes_an_accidental_again_after_one_in_the_bar():
    # C#, then C natural in the same bar: a reader that carries accidentals needs the natural.
    melody = Melody([Note(61, 0, 4), Note(60, 4, 4), Note(61, 8, 4)], key="C major")
    assert "^C =C ^C" in melody_to_abc(melody)  # L:1/4, the tune's own quarters


def test_abc_refuses_a_quintuplet_grid_with_the_reason():
    # Triplet grids are written with ABC's tuplets (tests/engine/test_triplet_files.py).
    with pytest.raises(ValueError, match="MusicXML"):
        notation_bytes(Melody([Note(60, 0, 5)], steps_per_quarter=5), ".abc")
