"""Where corpus tunes come from and how one source file becomes melodies (for engine.corpus).

Sources: ``essen`` (music21's Essen folk songs), ``irish`` (O'Neill's 1850 and Ryan's Mammoth),
``bach`` (soprano lines of the Bach chorales), ``nottingham`` (the Nottingham Music Database's
dance tunes with their chord symbols, from a folder of its ABC files: the ``ABC_cleaned`` folder
of github.com/jukedeck/nottingham-dataset; tune ids ``nottingham/<file>.abc:<X>``), or a folder
of the user's MIDI files (one melody per suitable track). music21 is needed only to parse the
first four (the ``train`` extra).

Grid rules (each exception is counted in the build report, never silent):
- Notes off the sixteenth grid (triplets and other tuplets, thirty-seconds) are snapped: the
  start goes to the nearest step (half a step rounds down), the end to the nearest step but at
  least one step after the start, and then no later than the next note's start. A tune is kept
  (counted as ``snapped to the grid``) when every note keeps a step of its own; otherwise it is
  skipped as ``off-grid rhythm too fine for the grid``. Tunes that play triplets (whose notes a
  12-step grid would keep exactly, :mod:`engine.grid`) are counted apart, kept and snapped or
  skipped as too fine: the models still learn on sixteenths.
- Built on the 12-step grid (``grid=12``, :data:`GRIDS`; a cache of its own, see
  :mod:`engine.corpus`), a triplet tune keeps its notes exactly on 12 steps per quarter (only
  notes finer still are snapped, by the rule above on that grid), and every other tune is
  read on sixteenths as above and moved x3, exactly: so it holds the same notes as in the
  4-step cache. A folder of MIDI files is read on sixteenths and moved x3 (no triplets kept).
- Grace notes take no time on the grid: they are dropped and counted.
- Chords keep their highest note. Ties are joined.
- A pickup bar is placed so that step 0 is a bar line: the first note starts after step 0.
- The first time signature governs; tunes that change meter are kept and counted.
- Tunes with fewer than ``MIN_NOTES`` notes are skipped as ``too short``.

Parsers run in worker processes and return plain records, not Melody objects.
"""

from __future__ import annotations

import math
from collections import Counter
from fractions import Fraction
from functools import partial
from pathlib import Path

from segue.engine.file_formats import is_midi_path
from segue.engine.grid import TRIPLET_STEPS_PER_QUARTER, regrid
from segue.engine.melody import DEFAULT_STEPS_PER_QUARTER, Melody, Note

MIN_NOTES = 4
STEPS_PER_QUARTER = DEFAULT_STEPS_PER_QUARTER  # the corpora's grid
# Tunes whose notes lie on triplets (engine.grid would keep them on 12 steps per quarter),
# counted in the build report: the models' grid is still the sixteenths.
TRIPLETS_SNAPPED = "triplet tunes (snapped to the 4-step grid for the models)"
TRIPLETS_TOO_FINE = "triplet tunes skipped as too fine for the 4-step grid (12 would keep them)"
TRIPLETS_KEPT = "triplet tunes (kept on the 12-step grid)"
GRIDS = (STEPS_PER_QUARTER, TRIPLET_STEPS_PER_QUARTER)  # the grids a corpus can be built on


def check_grid(grid) -> int:
    """``grid`` when a corpus can be built on it (:data:`GRIDS`), else CorpusError."""
    if isinstance(grid, bool) or grid not in GRIDS:
        raise CorpusError(
            f"a corpus is built on {' or '.join(map(str, GRIDS))} steps per quarter, not {grid!r}"
        )
    return grid
MUSIC21_SOURCES = {
    "essen": ("essenFolksong",),
    "irish": ("oneills1850", "ryansMammoth"),
    "bach": ("bach",),
}


NOTTINGHAM = "nottingham"  # built from a folder given apart from its name (--from DIR)


class CorpusError(Exception):
    """A corpus cannot be built or loaded; the message says which and why."""


# --- source files ----------------------------------------------------------------------------------


def _music21_corpus_dir() -> Path:
    try:
        import music21
    except ImportError:
        raise CorpusError(
            "building this corpus needs music21: pip install music21"
        ) from None
    return Path(music21.__file__).parent / "corpus"


def source_files(name: str, source: str | Path | None = None) -> list[tuple[str, Path]]:
    """(collection, path) of every file of a source, sorted; ``source`` is the folder a
    ``nottingham`` corpus is built from."""
    if name == NOTTINGHAM:
        return _nottingham_files(source)
    if source is not None:
        raise CorpusError(f"only the nottingham corpus is built from a folder given apart "
                          f"(--from); {name!r} is not")
    if name in MUSIC21_SOURCES:
        root = _music21_corpus_dir()
        files = []
        for collection in MUSIC21_SOURCES[name]:
            folder = root / collection
            patterns = ("*.abc",) if name != "bach" else ("bwv*.mxl", "bwv*.xml", "bwv*.krn")
            for pattern in patterns:
                files += [(collection, p) for p in sorted(folder.glob(pattern))]
        if not files:
            raise CorpusError(f"music21's corpus has no files for {name!r} in {root}")
        return files
    folder = Path(name).expanduser()
    if not folder.is_dir():
        raise CorpusError(
            f"unknown corpus {name!r}: use essen, irish, bach or a folder of MIDI files"
        )
    files = [
        (str(folder), p)
        for p in sorted(folder.rglob("*"))
        if is_midi_path(p) and p.is_file()
    ]
    if not files:
        raise CorpusError(f"folder {str(folder)!r} holds no .mid or .midi files")
    return files


def _nottingham_files(source) -> list[tuple[str, Path]]:
    if source is None:
        raise CorpusError(
            "the nottingham corpus is built from a folder of its ABC files: segue-cli corpus "
            "build nottingham --from DIR (the ABC_cleaned folder of jukedeck/nottingham-dataset)"
        )
    folder = Path(source).expanduser()
    if not folder.is_dir():
        raise CorpusError(f"{str(folder)!r} is not a folder (the nottingham corpus's ABC files)")
    files = [(NOTTINGHAM, p) for p in sorted(folder.glob("*.abc")) if p.is_file()]
    if not files:
        raise CorpusError(f"folder {str(folder)!r} holds no .abc files")
    return files


# --- parsing (runs in worker processes; returns plain data, not Melody objects) --------------


def stream_to_melody(
    score, grid: int = STEPS_PER_QUARTER
) -> tuple[Melody | None, str | None, Counter]:
    """A music21 score's first part -> (melody, skip reason, adjustments) by the grid rules,
    on ``grid`` steps per quarter (:data:`GRIDS`)."""
    from segue.engine.notation.streams import (
        is_grace,
        notes_grid,
        pitches_of,
        sounding_notes,
        stream_fields,
    )

    adjusted: Counter = Counter()
    part = score.parts[0] if getattr(score, "parts", None) else score
    found = sounding_notes(part)
    # Strict: a tune with times off both grids stays off the triplet grid, as the shipped
    # models' corpora were built and their cards counted.
    triplets = notes_grid(found, strict=True) == TRIPLET_STEPS_PER_QUARTER
    # Read on 12 only a triplet tune bound for the 12-step grid; the rest on sixteenths.
    spq = grid if triplets else STEPS_PER_QUARTER
    try:
        fields = stream_fields(part, spq, first_meter=True)  # as the shipped corpora were built
    except ValueError as exc:
        return None, str(exc), adjusted
    if fields.meter_changes:
        adjusted["meter changes (first meter kept)"] += 1
    time_signature, tempo, key, shift = (
        fields.time_signature, fields.tempo, fields.key, fields.shift
    )

    notes, snapped, previous_start = [], False, -1
    for element, onset_quarters, end_quarters in found:
        if is_grace(element):
            adjusted["grace notes dropped"] += 1
            continue
        onset = onset_quarters * spq
        end = end_quarters * spq
        # Half a step rounds down, so a dotted sixteenth + thirty-second becomes two sixteenths.
        start = math.ceil(onset - Fraction(1, 2))
        stop = max(start + 1, round(end))
        snapped = snapped or start != onset or stop != end
        if start <= previous_start:
            if triplets and spq == STEPS_PER_QUARTER:
                adjusted[TRIPLETS_TOO_FINE] += 1
            return None, "off-grid rhythm too fine for the grid", adjusted
        previous_start = start
        pitches = pitches_of(element)
        if not pitches:
            continue
        pitch = pitches[-1]  # a chord keeps its highest note
        if not 0 <= pitch <= 127:
            return None, "pitch outside MIDI range", adjusted
        notes.append(Note(pitch, start + shift, stop - start))
    if snapped:
        adjusted["snapped to the grid"] += 1
    if len(notes) < MIN_NOTES:
        return None, "too short", adjusted
    try:
        melody = regrid(Melody(notes, spq, time_signature, tempo, key), grid)  # exact: x1 or x3
    except ValueError as exc:
        return None, f"invalid: {exc}", adjusted
    if triplets:
        adjusted[TRIPLETS_KEPT if spq == TRIPLET_STEPS_PER_QUARTER else TRIPLETS_SNAPPED] += 1
    return melody, None, adjusted


def melody_record(tune_id: str, melody: Melody, chords=()) -> tuple:
    """A tune as plain data; ``chords`` (:class:`engine.chords.Chord`) as (start, length,
    symbol)."""
    return (
        tune_id,
        [(n.pitch, n.start, n.length, n.velocity) for n in melody.notes],
        melody.steps_per_quarter,
        melody.time_signature,
        melody.tempo,
        melody.key,
        [(c.start, c.length, c.symbol) for c in chords],
    )


def _parse_nottingham_file(
    task: tuple[str, str], grid: int = STEPS_PER_QUARTER
) -> tuple[list, Counter, Counter]:
    """Every tune of one Nottingham ABC file, with its chords, as notation import reads it
    (:func:`engine.notation.reading.abc_score`) and on the grid by the rules above. Unreadable
    chord symbols are counted by name among the adjustments; the tune is kept."""
    collection, path = task
    from segue.engine.notation.abc_chords import chords_on_grid  # noqa: PLC0415
    from segue.engine.notation.abc_scan import split_tunes  # noqa: PLC0415
    from segue.engine.notation.reading import abc_score, decode  # noqa: PLC0415
    from segue.engine.notation.streams import stream_fields  # noqa: PLC0415

    records, skipped, adjusted = [], Counter(), Counter()
    try:
        tunes = split_tunes(decode(Path(path).read_bytes()))
    except (OSError, ValueError):
        skipped["file could not be read"] += 1
        return records, skipped, adjusted
    for tune in tunes:
        tune_id = f"{collection}/{Path(path).name}:{tune.number}"
        try:
            _, part, marks = abc_score(tune)
            melody, reason, changes = stream_to_melody(part, grid)
            shift = stream_fields(part, grid, first_meter=True).shift if melody else 0
        except ValueError as exc:
            skipped[f"over a limit: {exc}"] += 1
            continue
        except Exception:  # noqa: BLE001 - music21 raises many kinds on broken input
            skipped["parse error"] += 1
            continue
        adjusted.update(changes)
        if reason:
            skipped[reason] += 1
            continue
        chords, unreadable = chords_on_grid(
            marks, grid, shift, melody.end, melody.steps_per_bar
        )
        for symbol in unreadable:
            adjusted[f'unreadable chord symbol "{symbol}" (left out)'] += 1
        records.append(melody_record(tune_id, melody, chords))
    return records, skipped, adjusted


def _parse_abc_file(
    task: tuple[str, str], grid: int = STEPS_PER_QUARTER
) -> tuple[list, Counter, Counter]:
    """Every tune of one ABC file -> (records, skipped reasons, adjustments)."""
    collection, path = task
    from music21 import abcFormat  # noqa: PLC0415
    from music21.abcFormat import translate  # noqa: PLC0415

    records, skipped, adjusted = [], Counter(), Counter()
    try:
        abc_file = abcFormat.ABCFile(abcVersion=(1, 3, 0))
        abc_file.open(path)
        try:
            handler = abc_file.read()
        finally:
            abc_file.close()
        tunes = handler.splitByReferenceNumber() if handler.definesReferenceNumbers() else {1: handler}
    except Exception:  # a broken file is skipped, never fatal
        skipped["file could not be read"] += 1
        return records, skipped, adjusted
    for number in sorted(tunes):
        tune_id = f"{collection}/{Path(path).name}:{number}"
        try:
            melody, reason, changes = stream_to_melody(
                translate.abcToStreamScore(tunes[number]), grid
            )
        except Exception:
            skipped["parse error"] += 1
            continue
        adjusted.update(changes)
        if reason:
            skipped[reason] += 1
        else:
            records.append(melody_record(tune_id, melody))
    return records, skipped, adjusted


def _parse_score_file(
    task: tuple[str, str], grid: int = STEPS_PER_QUARTER
) -> tuple[list, Counter, Counter]:
    """One notation file (Bach chorale): its first part (the soprano) as one tune."""
    collection, path = task
    from music21 import converter  # noqa: PLC0415

    skipped, adjusted = Counter(), Counter()
    try:
        score = converter.parse(path)
        melody, reason, changes = stream_to_melody(_soprano(score), grid)
    except Exception:
        skipped["parse error"] += 1
        return [], skipped, adjusted
    adjusted.update(changes)
    if reason:
        skipped[reason] += 1
        return [], skipped, adjusted
    return [melody_record(f"{collection}/{Path(path).name}:1", melody)], skipped, adjusted


def _soprano(score):
    """The part named soprano (chorales with instrumental parts list those first), else the top."""
    for part in getattr(score, "parts", ()):
        names = f"{part.partName or ''} {part.id or ''}".lower()
        if "soprano" in names or "sopran" in names:
            return part
    return score


def _parse_midi_file(
    task: tuple[str, str], grid: int = STEPS_PER_QUARTER
) -> tuple[list, Counter, Counter]:
    """One MIDI file of a user folder: one tune per non-drum track with enough notes."""
    root, path = task
    from segue.engine import midi_io  # noqa: PLC0415

    records, skipped, adjusted = [], Counter(), Counter()
    relative = Path(path).relative_to(root).as_posix()
    try:
        tracks = midi_io.list_tracks(path)
    except midi_io.MidiImportError as exc:
        skipped[f"MIDI import: {exc.reason}"] += 1
        return records, skipped, adjusted
    for info in tracks:
        if info.is_drum or info.note_count < MIN_NOTES:
            continue
        try:
            melody = midi_io.read_midi(path, info.index, STEPS_PER_QUARTER)  # the models' grid
        except midi_io.MidiImportError as exc:
            skipped[f"MIDI import: {exc.reason}"] += 1
            continue
        if len(melody.notes) < MIN_NOTES:
            skipped["too short"] += 1
            continue
        records.append(melody_record(f"{relative}:{info.index}", regrid(melody, grid)))
    return records, skipped, adjusted


def parser_for(name: str, grid: int = STEPS_PER_QUARTER):
    """The parse function of a source: (collection, path) -> (records, skipped, adjusted), on
    ``grid`` steps per quarter."""
    if name == NOTTINGHAM:
        parse = _parse_nottingham_file
    elif name in ("essen", "irish"):
        parse = _parse_abc_file
    elif name == "bach":
        parse = _parse_score_file
    else:
        parse = _parse_midi_file
    return parse if check_grid(grid) == STEPS_PER_QUARTER else partial(parse, grid=grid)
