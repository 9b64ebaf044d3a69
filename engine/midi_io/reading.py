"""The import API: list a file's parts, pick the best one, read it as a melody with a report."""

from __future__ import annotations

import os

from segue.engine import keys
from segue.engine.grid import off_sixteenths
from segue.engine.limits import check_melody
from segue.engine.melody import (
    DEFAULT_TEMPO,
    TEMPO_RANGE,
    Melody,
    check_steps_per_quarter,
)
from segue.engine.midi_io.chord_track import file_chords
from segue.engine.midi_io.meter import MeterChoice, choose_meter, meter_warning
from segue.engine.midi_io.parse import _load_song, _Song
from segue.engine.midi_io.reduction import (
    REDUCTIONS,
    _part_info,
    _reduce,
    _tick_to_beats,
    _timed_notes,
    _TimedNotes,
    part_grid,
)
from segue.engine.midi_io.results import (
    ImportReport,
    ImportResult,
    MidiImportError,
    TrackInfo,
    unreadable_chords_warning,
)
from segue.engine.part_choice import PartChoice, choose_melody_part


def _check_import_args(track, steps_per_quarter, reduction) -> None:
    if steps_per_quarter is not None:  # None: the grid the part's notes need (part_grid)
        check_steps_per_quarter(steps_per_quarter)
    if track is not None and (isinstance(track, bool) or not isinstance(track, int) or track < 0):
        raise ValueError(f"track must be a part index from list_tracks or None, got {track!r}")
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {', '.join(REDUCTIONS)}, got {reduction!r}")


def _bpm(microseconds: int) -> float:
    """Beats per minute, as the simplest decimal that writes back as the same microseconds."""
    bpm = 60e6 / microseconds
    for digits in range(4):
        if round(60e6 / round(bpm, digits)) == microseconds:
            return round(bpm, digits)
    return bpm


def _melody_fields(song: _Song, steps_per_quarter: int, warnings: list[str],
                   meter: MeterChoice) -> dict:
    """Tempo, time signature and key of the melody: the first tempo and key in the file, and
    ``meter``'s time signature (:mod:`engine.midi_io.meter`), 4/4 when it does not fit the grid
    (then ``meter``'s move is not made: the caller checks :func:`_meter_fits`)."""
    tempo = _bpm(song.tempos[0][1]) if song.tempos else DEFAULT_TEMPO
    low, high = TEMPO_RANGE
    if not low <= tempo <= high:
        clamped = min(max(tempo, low), high)
        warnings.append(
            f"The tempo of {tempo:g} BPM is outside {low:g}-{high:g} BPM; using {clamped:g}."
        )
        tempo = clamped
    changes = sum(1 for a, b in zip(song.tempos, song.tempos[1:]) if a[1] != b[1])
    if changes:
        last = _bpm(song.tempos[-1][1])
        placed = (
            "notes were placed through the tempo map"
            if song.layout.ticks_per_second
            else "notes keep their bar positions"
        )
        warnings.append(
            f"The tempo changes {changes} time(s) (from {tempo:g} to {last:g} BPM); "
            f"Segue keeps {tempo:g} BPM and {placed}."
        )

    time_signature = (4, 4)
    if meter.time_signature is not None:
        if _meter_fits(meter, steps_per_quarter):
            time_signature = meter.time_signature
            warning = meter_warning(meter)
            if warning:
                warnings.append(warning)
        else:
            numerator, denominator = meter.time_signature
            warnings.append(
                f"The time signature {numerator}/{denominator} does not fit a grid of "
                f"{steps_per_quarter} steps per quarter; using 4/4."
            )

    key = None
    if song.key_signatures:
        mido_key = song.key_signatures[0][1]
        mode = "minor" if mido_key.endswith("m") else "major"
        key = keys.key_name(keys.parse_key(mido_key.rstrip("m"))[0], mode)
    return {"tempo": tempo, "time_signature": time_signature, "key": key}


def _meter_fits(meter: MeterChoice, steps_per_quarter: int) -> bool:
    try:
        Melody(steps_per_quarter=steps_per_quarter, time_signature=meter.time_signature)
    except ValueError:
        return False
    return True


def _moved_later(timed: _TimedNotes, quarters: float) -> _TimedNotes:
    return _TimedNotes(timed.start + quarters, timed.end + quarters,
                       timed.sounding_end + quarters, timed.pitch, timed.velocity)


def _describe(song: _Song) -> tuple[list[TrackInfo], list]:
    to_beats = _tick_to_beats(song)
    timed = [_timed_notes(part, to_beats) for part in song.parts]
    infos = [_part_info(i, part, t) for i, (part, t) in enumerate(zip(song.parts, timed))]
    return infos, timed


def _best_part(infos, timed, steps_per_quarter: int | None, reduction: str):
    """(TrackInfo, _Reduction) of the melody (engine.part_choice), or None when all parts are
    drums."""
    choice = choose_melody_part(infos)
    if choice is None:
        return None
    best = infos[choice.index]
    notes = timed[best.index]
    return best, _reduce(notes, part_grid(notes, steps_per_quarter), reduction)


class ParsedMidi:
    """A MIDI file parsed once: its parts, the best one, and imports of any of them.

    A part chooser lists the parts and then imports the chosen one from this one parse (a big
    file takes seconds to parse). Made by :func:`parse_midi`; holds no open file.
    """

    def __init__(self, path, song: _Song):
        self.path = path
        self._song = song
        try:
            self.tracks, self._timed = _describe(song)
        except Exception as error:  # a safety net: analysis of parsed data should never fail
            raise MidiImportError(path, "file is damaged") from error

    def best_track(
        self, steps_per_quarter: int | None = None, *, reduction: str = "highest"
    ) -> int | None:
        """The part index :meth:`import_part` takes when no track is given; None if none fits."""
        _check_import_args(None, steps_per_quarter, reduction)
        try:
            chosen = _best_part(self.tracks, self._timed, steps_per_quarter, reduction)
        except Exception as error:  # a safety net: analysis of parsed data should never fail
            raise MidiImportError(self.path, "file is damaged") from error
        return None if chosen is None else chosen[0].index

    def melody_choice(self) -> PartChoice | None:
        """The part suggested as the melody and why (what :meth:`best_track` takes); None when
        no part has pitched notes."""
        return choose_melody_part(self.tracks)

    def import_part(
        self, track: int | None = None, steps_per_quarter: int | None = None, *,
        reduction: str = "highest",
    ) -> ImportResult:
        """One part (an index of :attr:`tracks`; None: the best melodic one) as a melody on
        ``steps_per_quarter`` (None: 12 when the part plays triplets, else 4; see
        :func:`~engine.midi_io.reduction.part_grid`)."""
        _check_import_args(track, steps_per_quarter, reduction)
        try:
            return _import_song(
                self.path, self._song, self.tracks, self._timed, track, steps_per_quarter, reduction
            )
        except MidiImportError:
            raise
        except Exception as error:  # a safety net: analysis of parsed data should never fail
            raise MidiImportError(self.path, "file is damaged") from error


def parse_midi(path) -> ParsedMidi:
    """Read and parse ``path`` once; MidiImportError naming the file when it cannot be read."""
    return ParsedMidi(path, _load_song(path))


def best_track(
    path, steps_per_quarter: int | None = None, *, reduction: str = "highest"
) -> int | None:
    """The part index ``read_midi(path)`` takes when no track is given; None if no part fits.

    For a part chooser to preselect the engine's own choice.
    """
    _check_import_args(None, steps_per_quarter, reduction)
    return parse_midi(path).best_track(steps_per_quarter, reduction=reduction)


def list_tracks(path) -> list[TrackInfo]:
    """The file's parts (one per track and channel that plays notes), in file order.

    An empty list when the file plays no notes; MidiImportError when it cannot be read.
    """
    return parse_midi(path).tracks


def import_midi(
    path, track: int | None = None, steps_per_quarter: int | None = None, *,
    reduction: str = "highest",
) -> ImportResult:
    """Read one part of a MIDI file as a melody on the grid, with a report of what changed.

    ``track`` is a part index from :func:`list_tracks`; None picks the best melodic part.
    ``steps_per_quarter`` None picks the grid the part needs: 12 when it plays triplets, else 4
    (:func:`~engine.midi_io.reduction.part_grid`); a number forces that grid.
    """
    _check_import_args(track, steps_per_quarter, reduction)
    return parse_midi(path).import_part(track, steps_per_quarter, reduction=reduction)


def _import_song(
    path, song: _Song, infos, timed, track, steps_per_quarter: int | None, reduction: str
) -> ImportResult:
    if not infos:
        raise MidiImportError(path, "no pitched notes")
    if track is None:
        choice = choose_melody_part(infos)
        if choice is None:
            raise MidiImportError(path, "no pitched notes (only drums)")
        track = choice.index
    else:
        if track >= len(infos):
            raise MidiImportError(path, f"it has no part {track + 1} (it has {len(infos)})")
        if infos[track].is_drum:
            raise MidiImportError(
                path, f"part {track + 1} is drums (channel 10), which is never taken as a melody"
            )
    best = infos[track]
    steps_per_quarter = part_grid(timed[track], steps_per_quarter)
    to_beats = _tick_to_beats(song)
    meter = choose_meter(song.time_signatures, to_beats)
    if meter.shift_quarters and _meter_fits(meter, steps_per_quarter):
        # A whole number of sixteenths: every grid keeps what it held.
        later = float(meter.shift_quarters)
        timed = [_moved_later(part, later) for part in timed]
        to_beats = (lambda unshifted: lambda ticks: unshifted(ticks) + later)(to_beats)
    result = _reduce(timed[track], steps_per_quarter, reduction)

    warnings = list(song.warnings)
    fields = _melody_fields(song, steps_per_quarter, warnings, meter)
    if best.is_polyphonic:
        warnings.append(
            f"The part plays chords; Segue kept the {reduction} note of each "
            f"({result.dropped} note(s) dropped)."
        )
    melody = Melody(result.notes, steps_per_quarter=steps_per_quarter, **fields)
    try:
        check_melody(melody, "the part")  # the limits every way in shares (engine.limits)
    except ValueError as error:
        raise MidiImportError(path, str(error)) from None
    try:
        chords = file_chords(song, to_beats, infos, timed, best.index, melody)
    except ValueError as error:  # more chords than a piece may hold (engine.limits)
        raise MidiImportError(path, str(error)) from None
    if chords.unreadable:
        warnings.append(unreadable_chords_warning(chords.unreadable))
    report = ImportReport(
        path=os.fspath(path),
        part=best,
        steps_per_quarter=steps_per_quarter,
        notes_read=best.note_count,
        notes_kept=result.kept,
        moved=result.moved,
        merged=result.merged,
        dropped=result.dropped,
        warnings=tuple(warnings),
        chords_read=len(chords.chords),
        unreadable_chords=chords.unreadable,
        chords_source=chords.source,
        triplet_notes=off_sixteenths(melody),
    )
    return ImportResult(melody, report, chords.chords)


def read_midi(
    path, track: int | None = None, steps_per_quarter: int | None = None, *,
    reduction: str = "highest",
) -> Melody:
    """The melody of one part of a MIDI file: ``import_midi(...).melody``."""
    return import_midi(path, track, steps_per_quarter, reduction=reduction).melody
