"""Writing ABC and MusicXML: a melody with its title, meter, key, tempo and chords, written
atomically (chords as ABC's quoted symbols and MusicXML's ``<harmony>``).

Both are written in the melody's key, else the key its notes suggest, and spell pitches by it
(:func:`engine.keys.spell`). Neither writes repeats: a melody holds each bar once.

ABC text comes from :mod:`engine.notation.abc_text`; MusicXML from music21 (imported here, only
when a notation file is written). ``.mxl`` is compressed MusicXML: a zip holding the score and
the container file that points to it.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

from segue.engine import keys, limits
from segue.engine.chords import Chord, check_chords
from segue.engine.file_formats import COMPRESSED_MUSICXML_SUFFIX
from segue.engine.files import ReadOnlyFileError, write_atomically, write_reason
from segue.engine.melody import Melody
from segue.engine.notation.abc_text import melody_to_abc, notation_key
from segue.engine.notation.musicxml_harmony import music21_symbol, split_at
from segue.engine.notation.reading import ABC_SUFFIXES, MUSICXML_SUFFIXES, NOTATION_SUFFIXES
from segue.engine.notation.results import NotationExportError, require_music21

MXL_CONTAINER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<container><rootfiles><rootfile full-path="score.musicxml" '
    'media-type="application/vnd.recordare.musicxml+xml"/></rootfiles></container>\n'
)


def melody_to_score(melody: Melody, title: str = "Segue", chords: Sequence[Chord] = ()):
    """The melody as a music21 Score of one part, notated in measures, with ``chords`` as
    chord symbols (:mod:`engine.notation.musicxml_harmony`)."""
    from music21 import key, metadata, meter, note, stream, tempo  # noqa: PLC0415

    score = stream.Score()
    score.metadata = metadata.Metadata(title=title or "Segue")
    part = stream.Part()
    part.partName = title or "Segue"
    numerator, denominator = melody.time_signature
    part.insert(0, meter.TimeSignature(f"{numerator}/{denominator}"))
    written_key = notation_key(melody)
    if written_key is not None:
        tonic, mode = written_key.split()
        part.insert(0, key.Key(_music21_name(tonic), mode))
    part.insert(0, tempo.MetronomeMark(number=round(melody.tempo, 2), referent=1.0))
    spq = melody.steps_per_quarter
    if chords:
        _insert_with_chords(part, melody, chords, written_key)
        score.insert(0, part.makeNotation())
        return score
    for n in melody.notes:
        element = note.Note(_spelled(n.pitch, written_key), quarterLength=Fraction(n.length, spq))
        element.volume.velocity = n.velocity
        part.insert(Fraction(n.start, spq), element)
    bar = Fraction(melody.steps_per_bar, spq)
    end = max(bar, -(-Fraction(melody.end, spq) // bar) * bar)  # fill the last bar with rest
    part.makeRests(fillGaps=True, inPlace=True, timeRangeFromBarDuration=False)
    if part.highestTime < end:
        part.insert(part.highestTime, note.Rest(quarterLength=end - part.highestTime))
    score.insert(0, part.makeNotation())
    return score


def _spelled(midi_pitch: int, written_key: str | None):
    """Spelled by the key (E#4 in F# major), not music21's default for the MIDI number."""
    from music21 import pitch  # noqa: PLC0415

    return pitch.Pitch(_music21_name(keys.spell(midi_pitch, written_key or "C major")))


def _insert_with_chords(part, melody: Melody, chords: Sequence[Chord], written_key) -> None:
    """The notes, rests and chord symbols of ``part`` to the bar line after the melody and the
    chords: notes and rests split (tied) at each chord's start, so that each symbol stands
    over the one voice."""
    from music21 import note, tie  # noqa: PLC0415

    spq = melody.steps_per_quarter
    cuts = sorted({chord.start for chord in chords})
    end = max(melody.steps_per_bar, melody.bar_end(max(melody.end, chords[-1].end)))
    position = 0
    for n in [*melody.notes, None]:
        rest_end = end if n is None else n.start
        for start, stop in split_at(position, rest_end, cuts):
            part.insert(Fraction(start, spq), note.Rest(quarterLength=Fraction(stop - start, spq)))
        if n is None:
            break
        pieces = split_at(n.start, n.end, cuts)
        for i, (start, stop) in enumerate(pieces):
            element = note.Note(_spelled(n.pitch, written_key),
                                quarterLength=Fraction(stop - start, spq))
            element.volume.velocity = n.velocity
            if len(pieces) > 1:
                element.tie = tie.Tie("start" if i == 0 else "stop" if i == len(pieces) - 1
                                      else "continue")
            part.insert(Fraction(start, spq), element)
        position = n.end
    for chord in chords:
        part.insert(Fraction(chord.start, spq), music21_symbol(chord))


def _music21_name(name: str) -> str:
    """``'Bb4'`` -> ``'B-4'``: music21 writes a flat as ``-``."""
    return name[0] + name[1:].replace("b", "-")


def melody_to_musicxml(melody: Melody, title: str = "Segue", chords: Sequence[Chord] = ()) -> bytes:
    """The melody (with ``chords`` as ``<harmony>``) as uncompressed MusicXML bytes."""
    from music21.musicxml.m21ToXml import GeneralObjectExporter  # noqa: PLC0415

    return GeneralObjectExporter(melody_to_score(melody, title, chords)).parse()


def _mxl(xml: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        # The mimetype entry comes first and uncompressed, as the MusicXML spec asks.
        archive.writestr("mimetype", "application/vnd.recordare.musicxml", zipfile.ZIP_STORED)
        archive.writestr("META-INF/container.xml", MXL_CONTAINER)
        archive.writestr("score.musicxml", xml)
    return buffer.getvalue()


def check_notation_export(melody: Melody, kind: str) -> None:
    """ValueError when ``melody`` is over what Segue writes as notation: what it would refuse
    to read back, and for MusicXML a length music21 writes in seconds, not minutes."""
    limits.check_melody(melody)
    if len(melody.notes) > limits.MAX_NOTATION_NOTES:
        raise ValueError(
            f"the piece has {len(melody.notes):,} notes, more than the "
            f"{limits.MAX_NOTATION_NOTES:,} Segue writes as {kind}; MIDI can hold it"
        )
    bars = -(-melody.end // melody.steps_per_bar)
    if kind == "MusicXML" and bars > limits.MAX_MUSICXML_EXPORT_BARS:
        raise ValueError(
            f"the piece has {bars:,} bars, more than the {limits.MAX_MUSICXML_EXPORT_BARS:,} "
            "Segue writes as MusicXML; MIDI or ABC can hold it"
        )


def notation_bytes(melody: Melody, suffix: str, title: str = "Segue", chords=()) -> bytes:
    """The file contents for ``suffix`` (.abc, .musicxml, .xml, .mxl); ValueError otherwise.
    ``chords`` (:class:`engine.chords.Chord`, in order) are written as ABC's quoted symbols
    and MusicXML's ``<harmony>``."""
    suffix = suffix.lower()
    chords = check_chords(chords)
    if suffix in ABC_SUFFIXES:
        check_notation_export(melody, "ABC")
        text = melody_to_abc(melody, title, chords=chords)
        if len(text) > limits.MAX_ABC_TUNE_BYTES:  # Segue would refuse to read it back
            raise ValueError(
                f"the tune would be over {limits.size_words(limits.MAX_ABC_TUNE_BYTES)} of ABC, "
                "more than Segue reads back; MIDI can hold it"
            )
        return text.encode("utf-8")
    if suffix in MUSICXML_SUFFIXES:
        check_notation_export(melody, "MusicXML")
        xml = melody_to_musicxml(melody, title, chords)
        return _mxl(xml) if suffix == COMPRESSED_MUSICXML_SUFFIX else xml
    formats = ", ".join(NOTATION_SUFFIXES)
    raise ValueError(f"{suffix or 'no suffix'} is not a notation format ({formats})")


def write_notation(melody: Melody, path, title: str = "Segue", chords=()) -> None:
    """Write ``melody`` as ABC or MusicXML by ``path``'s suffix, atomically.

    NotationExportError names the file and the reason; an existing file is left as it was.
    """
    path = Path(path)
    if not melody.notes:
        raise NotationExportError(path, "there are no notes to write")
    if path.suffix.lower() in MUSICXML_SUFFIXES:
        require_music21(path, NotationExportError)
    try:
        data = notation_bytes(melody, path.suffix, title, chords)
    except ValueError as exc:
        raise NotationExportError(path, str(exc)) from None
    if not path.parent.is_dir():
        raise NotationExportError(path, "folder does not exist")
    if path.is_dir():
        raise NotationExportError(path, "a folder of that name exists")
    try:
        write_atomically(path, data)
    except ReadOnlyFileError:
        raise NotationExportError(path, "file is read-only") from None
    except OSError as exc:
        raise NotationExportError(path, write_reason(exc)) from None
