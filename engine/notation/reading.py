"""Reading ABC and MusicXML: list a file's tunes or parts, then import one as a melody.

music21 parses (it is imported here, on the first notation file, never at start-up). A part goes
onto the grid (12 steps per quarter when it plays triplets, else 4, unless a grid is asked for:
:func:`engine.notation.streams.notes_grid`) by the MIDI import's rules (:mod:`engine.midi_io.reduction`: starts and ends snap
to the nearest step, chords and voices reduce to their top line), and a pickup bar is placed so
that bar lines stay on bars, as the corpora do (:mod:`engine.notation.streams`). Grace notes
take no time on the grid and are dropped; repeats are not written out.
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

from segue.engine import file_formats, keys, limits
from segue.engine.file_formats import NOTATION_SUFFIXES, is_notation_path  # noqa: F401 - API
from segue.engine.files import read_regular
from segue.engine.grid import off_sixteenths
from segue.engine.melody import DEFAULT_VELOCITY, Melody
from segue.engine.midi_io.reduction import (
    REDUCTIONS,
    _polyphonic_share,
    _reduce,
    _Timed,
    line_traits,
)
from segue.engine.midi_io.results import ImportResult, unreadable_chords_warning
from segue.engine.notation.abc_chords import chords_on_grid, symbol_marks, take_chord_symbols
from segue.engine.notation.abc_scan import ScannedTune, check_tune, split_tunes
from segue.engine.notation.musicxml_harmony import harmony_marks
from segue.engine.notation.musicxml_source import as_utf8, check_musicxml, unpack_mxl
from segue.engine.notation.results import (
    NotationImportError,
    NotationImportReport,
    NotationPart,
    require_music21,
)
from segue.engine.notation.streams import (
    is_grace,
    notes_grid,
    pitches_of,
    sounding_notes,
    stream_fields,
    title_of,
)
from segue.engine.part_choice import PartChoice, choose_melody_part

ABC_SUFFIXES = file_formats.ABC.suffixes
MUSICXML_SUFFIXES = file_formats.MUSICXML.suffixes
MAX_NOTATION_BYTES = limits.MAX_NOTATION_BYTES
_KEY_LINE = re.compile(r"^[ \t]*K:", re.M)
_HEADER_LINE = re.compile(r"^[ \t]*[XTML]:", re.M)


def looks_like_abc(text: str) -> bool:
    """Whether ``text`` (from the clipboard, say) is an ABC tune: a ``K:`` line after the header."""
    # Searched in place: clipboard text may be any size, and is not copied line by line.
    return bool(_KEY_LINE.search(text)) and bool(_HEADER_LINE.search(text))


class ParsedNotation:
    """A notation file parsed once: ``.parts`` for a chooser, then :meth:`import_part`."""

    def __init__(self, path: str, parts: list[NotationPart], scores):
        self.path, self.parts = path, parts
        self._scores = scores  # index -> a function making that part's music21 stream

    def melody_choice(self) -> PartChoice | None:
        """A score's part suggested as the melody and why (engine.part_choice: the same rule
        as MIDI's); None for a tune book, whose first tune is taken."""
        if not self.parts or self.parts[0].kind == "tune":
            return None
        return choose_melody_part(self.parts)

    def import_part(
        self, index: int | None = None, steps_per_quarter: int | None = None, *,
        reduction: str = "highest",
    ) -> ImportResult:
        """Part (or tune) ``index`` as a melody with a report; None takes a score's melody
        (:meth:`melody_choice`) or a tune book's first tune. ``steps_per_quarter`` None takes
        the grid its notes need: 12 when it plays triplets, else 4 (:mod:`engine.grid`)."""
        if reduction not in REDUCTIONS:
            raise ValueError(f"reduction must be one of {', '.join(REDUCTIONS)}, got {reduction!r}")
        if not self.parts:
            raise NotationImportError(self.path, "it holds no tune")
        if index is None:
            choice = self.melody_choice()
            index = self.parts[0].index if choice is None else choice.index
        if not 0 <= index < len(self.parts):
            raise NotationImportError(
                self.path, f"it has no {self.parts[0].kind} {index + 1} (it has {len(self.parts)})"
            )
        info = self.parts[index]
        try:
            score, part, marks = self._scores[index]()
            found = sounding_notes(part)
            if steps_per_quarter is None:
                steps_per_quarter = notes_grid(found)
            fields = stream_fields(part, steps_per_quarter)
        except ValueError as exc:
            raise NotationImportError(self.path, str(exc)) from None
        except Exception as exc:  # noqa: BLE001 - music21 raises many kinds on broken input
            reason = f"{info.kind} {index + 1} cannot be read ({_brief(exc)})"
            raise NotationImportError(self.path, reason) from None
        result = _import(self.path, info, score, found, fields, steps_per_quarter, reduction)
        return _with_chords(result, marks, fields.shift) if marks else result


def _import(path, info, score, found, fields, steps_per_quarter, reduction) -> ImportResult:
    timed, graces = [], 0
    for element, onset, end in found:
        if is_grace(element):
            graces += len(pitches_of(element))
            continue
        velocity = getattr(getattr(element, "volume", None), "velocity", None) or DEFAULT_VELOCITY
        for pitch in pitches_of(element):
            try:
                limits.check_pitch(pitch)
            except ValueError as error:
                raise NotationImportError(path, str(error)) from None
            timed.append(_Timed(float(onset), float(end), float(end), pitch, int(velocity)))
    timed.sort(key=lambda t: (t.start, t.pitch))
    if not timed:
        raise NotationImportError(path, f"{info.kind} {info.index + 1} has no notes")
    # Before the grid is built: a note far past the longest piece would make a huge one.
    bar = fields.time_signature[0] * 4 * steps_per_quarter // fields.time_signature[1]
    try:
        end = round(max(t.end for t in timed) * steps_per_quarter) + fields.shift
        limits.check_end(end, f"the {info.kind}", bar)
        limits.check_note_count(len(timed), f"the {info.kind}")
    except ValueError as error:
        raise NotationImportError(path, str(error)) from None
    result = _reduce(timed, steps_per_quarter, reduction)
    notes = [n.with_start(n.start + fields.shift) for n in result.notes]
    warnings = []
    if fields.meter_changes:
        numerator, denominator = fields.time_signature
        warnings.append(f"The meter changes; Segue kept {numerator}/{denominator}, the meter of "
                        f"the first full bars.")
    if graces:
        warnings.append(f"{graces} grace note(s) dropped: they take no time on the grid.")
    if _polyphonic_share(timed) > 0:
        warnings.append(
            f"The {info.kind} plays chords; Segue kept the {reduction} note of each "
            f"({result.dropped} note(s) dropped)."
        )
    weights = [0.0] * 12
    for t in timed:
        weights[t.pitch % 12] += t.end - t.start
    key = keys.written_key(fields.key, weights)  # D minor written without its flat, too
    melody = Melody(notes, steps_per_quarter, fields.time_signature, fields.tempo, key)
    report = NotationImportReport(
        path=os.fspath(path),
        part=info,
        steps_per_quarter=steps_per_quarter,
        notes_read=len(timed) + graces,
        notes_kept=len(result.notes),
        moved=result.moved,
        merged=result.merged,
        dropped=result.dropped + graces,
        warnings=tuple(warnings),
        title=title_of(score) or info.name,
        triplet_notes=off_sixteenths(melody),
    )
    return ImportResult(melody, report)


def _with_chords(result: ImportResult, marks, shift: int) -> ImportResult:
    """``result`` with the chords of ``marks`` (:mod:`engine.notation.abc_chords`), and the
    report counting them and naming those Segue cannot read."""
    melody = result.melody
    chords, unreadable = chords_on_grid(
        marks, melody.steps_per_quarter, shift, melody.end, melody.steps_per_bar
    )
    warnings = result.report.warnings
    if unreadable:
        warnings += (unreadable_chords_warning(unreadable),)
    report = dataclasses.replace(
        result.report, warnings=warnings, chords_read=len(chords), unreadable_chords=unreadable
    )
    return dataclasses.replace(result, report=report, chords=chords)


def _brief(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."


_NO_TUNE = "it holds no ABC tune (a tune needs an X: and a K: line)"


# --- ABC -----------------------------------------------------------------------------------------


def parse_abc_text(text: str, path: str = "clipboard.abc") -> ParsedNotation:
    """The tunes of ABC ``text``; ``path`` names it in messages (a file, or the clipboard)."""
    require_music21(path, NotationImportError)
    if not _KEY_LINE.search(text):
        raise NotationImportError(path, _NO_TUNE)
    try:
        limits.check_size(len(text), limits.MAX_CLIPBOARD_CHARS, "ABC text")
        tunes = split_tunes(text)
    except ValueError as exc:
        raise NotationImportError(path, str(exc)) from None
    parts, makers = [], []
    for tune in tunes:
        described = ", ".join(
            x for x in (f"key {tune.key}" if tune.key else "",
                        f"meter {tune.meter}" if tune.meter else "") if x
        )
        parts.append(NotationPart(
            index=len(parts), name=tune.title or f"X:{tune.number}", program_name=described,
            note_count=tune.note_count, pitch_range=None, is_polyphonic=tune.is_polyphonic,
            kind="tune",
        ))
        makers.append(lambda tune=tune: abc_score(tune))
    if not parts:
        raise NotationImportError(path, _NO_TUNE)
    return ParsedNotation(path, parts, makers)


def abc_score(tune: ScannedTune):
    """(score, part, chord marks) of one tune: the marks are ``(offset in quarters, symbol)``
    of its chord symbols (:mod:`engine.notation.abc_chords`); ValueError when it is over a
    limit (:func:`check_tune`)."""
    check_tune(tune)
    from music21 import abcFormat, metadata, stream  # noqa: PLC0415
    from music21.abcFormat import translate  # noqa: PLC0415

    handler = abcFormat.ABCHandler()
    handler.process(tune.text)
    voices = handler.splitByVoice()  # as music21's abcToStreamScore: the first voice, with the
    part_handler = voices[0] if len(voices) == 1 else voices[0] + voices[1]  # header's fields
    symbols = take_chord_symbols(part_handler)
    part = translate.abcToStreamPart(part_handler, inputM21=_unbeamed_part())
    score = stream.Score()
    score.insert(0, metadata.Metadata(title=tune.title))
    score.insert(0, part)
    return score, part, symbol_marks(part, symbols)


def _unbeamed_part():
    """A music21 Part that skips beaming: beams are for printing, and music21's beaming takes
    time growing with the square of the tune's length."""
    from music21 import stream  # noqa: PLC0415

    class UnbeamedPart(stream.Part):
        def makeBeams(self, *args, **kwargs):  # noqa: N802 - music21's name
            return None

    return UnbeamedPart()


# --- files ---------------------------------------------------------------------------------------


def _read_bytes(path: Path) -> bytes:
    if path.suffix.lower() in ABC_SUFFIXES:
        return read_regular(path, limits.MAX_NOTATION_BYTES, NotationImportError, "a notation file")
    return read_regular(path, limits.MAX_MUSICXML_BYTES, NotationImportError, "a MusicXML score")


def decode(data: bytes) -> str:
    """An ABC file's text: UTF-8 (with or without a byte-order mark), else Latin-1."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # older ABC collections are Latin-1


def parse_notation(path) -> ParsedNotation:
    """An ``.abc``, ``.musicxml``, ``.xml`` or ``.mxl`` file's tunes or parts."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in NOTATION_SUFFIXES:
        raise NotationImportError(path, "it is not an ABC or MusicXML file (.abc, .musicxml, .mxl)")
    data = _read_bytes(path)
    if suffix in ABC_SUFFIXES:
        return parse_abc_text(decode(data), os.fspath(path))
    return _parse_musicxml(path, data)


def _parse_musicxml(path: Path, data: bytes) -> ParsedNotation:
    require_music21(path, NotationImportError)
    from music21 import converter  # noqa: PLC0415

    compressed = path.suffix.lower() == file_formats.COMPRESSED_MUSICXML_SUFFIX
    try:
        xml = as_utf8(unpack_mxl(data) if compressed else data)
        if xml.lstrip()[:1] != b"<":
            raise ValueError("it is not MusicXML (no XML inside)")
        check_musicxml(xml)
    except ValueError as exc:
        raise NotationImportError(path, str(exc)) from None
    try:
        # From the checked bytes, never from the file again or music21's cache of earlier parses.
        score = converter.parseData(xml, format="musicxml")
    except Exception as exc:  # noqa: BLE001
        raise NotationImportError(path, f"it is not valid MusicXML ({_brief(exc)})") from None
    streams = list(getattr(score, "parts", ())) or [score]
    parts, makers = [], []
    for part in streams:
        timed = [
            _Timed(float(onset), float(end), float(end), pitch, DEFAULT_VELOCITY)
            for element, onset, end in sounding_notes(part)
            for pitch in pitches_of(element)
            if not is_grace(element)
        ]
        if not timed:
            continue
        pitches = [t.pitch for t in timed]
        timed.sort(key=lambda t: (t.start, t.pitch))
        traits = line_traits(timed)
        instrument = part.getInstrument(returnDefault=False)
        index = len(parts)
        parts.append(NotationPart(
            index=index,
            name=(getattr(part, "partName", None) or "").strip(),
            program_name=(getattr(instrument, "instrumentName", None) or "").strip(),
            note_count=len(timed),
            pitch_range=(min(pitches), max(pitches)),
            is_polyphonic=traits["chord_share"] > 0,
            **traits,
        ))
        makers.append(lambda part=part: (score, part, harmony_marks(part)))
    if not parts:
        raise NotationImportError(path, "it has no notes")
    return ParsedNotation(os.fspath(path), parts, makers)


def import_notation(
    path, part: int | None = None, steps_per_quarter: int | None = None, *,
    reduction: str = "highest",
) -> ImportResult:
    """One tune or part of a notation file as a melody, with a report (None: the first)."""
    return parse_notation(path).import_part(part, steps_per_quarter, reduction=reduction)


def read_notation(
    path, part: int | None = None, steps_per_quarter: int | None = None
) -> Melody:
    return import_notation(path, part, steps_per_quarter).melody
