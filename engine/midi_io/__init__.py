"""MIDI files in and out: the only package that reads or writes Standard MIDI Files.

Public API
    ``read_midi(path, track=None, steps_per_quarter=None, *, reduction='highest') -> Melody``
        ``import_midi(...).melody``.
    ``import_midi(path, track=None, steps_per_quarter=None, *, reduction='highest') -> ImportResult``
        ``.melody``, ``.chords`` (the file's chords, below) and ``.report`` (an
        :class:`ImportReport`: notes read, kept, moved, merged, dropped, chords read and
        unreadable, warnings, and a human ``summary``).
    ``list_tracks(path) -> list[TrackInfo]``
        the file's parts, one per (track, channel) that plays notes, in file order; a part's
        ``index`` is what ``read_midi(track=...)`` takes.
    ``best_track(path, steps_per_quarter=None) -> int | None``
        the part index ``read_midi`` takes when ``track`` is None (for a chooser to preselect).
    ``parse_midi(path) -> ParsedMidi``
        the file parsed once: ``.tracks``, ``.best_track(...)`` and ``.import_part(track, ...)``
        as above, so a part chooser lists and then imports without parsing the file twice.
    ``write_midi(melody, path, *, continuation=None, separate_tracks=False, track_name='Segue',
               program=0, channel=0)``
        a type-1 file at 480 ticks per beat, written atomically.
    ``melody_to_midi_bytes(melody, *, continuation=None, ...) -> bytes``   the same file as bytes.
    ``MidiImportError(path, reason)``, ``MidiExportError(path, reason)``: ``str(e)`` is
        ``"Cannot import 'song.mid': file is truncated."``; ``.path`` and ``.reason`` are kept.

Reading rules
- Formats 0 and 1 are read whole; of a format-2 file (independent sequences) only the first
  sequence that plays notes is read, with a warning. Tracks are split by channel, so a format-0
  file with several instruments lists several parts. Channel 10 (``channel == 9``) is drums and
  is never taken as a melody.
- Time: notes are placed by musical time, ticks / ticks-per-beat, as a DAW's piano roll places
  them; tempo changes then change playback speed only and never move a note off its bar. The
  melody keeps the first tempo of the file and the meter its music opens in, unless that
  opening is a pickup bar written in a meter of its own (a 1/4 bar before the 4/4): then the
  meter after it, the notes moved later so the pickup ends bar 1 (:mod:`~engine.midi_io.meter`;
  changes and moves are reported as warnings). SMPTE-timed files count seconds, not beats:
  their times go through the file's tempo map (120 BPM where it has none) to beats, which
  keeps the same rule.
- Grid: ``steps_per_quarter`` None (the default) takes the grid the part needs
  (:func:`~engine.midi_io.reduction.part_grid`): 12 steps per quarter when its onsets lie on
  sixteenths and triplet eighths or sixteenths (a few ticks either way), or nearly all do and
  at least two are triplets (a quintuplet beside them: :func:`engine.grid.grid_for_onsets`),
  so triplets are kept exactly (the report says how many), else 4; a number forces that grid
  (the models' 4, say).
  Starts and ends snap to the nearest step (half a step rounds up); a note keeps at least
  one step. Bar lines of the file stay on multiples of ``steps_per_bar`` (after that move).
- Notes: a velocity-0 note-on is a note-off; a note-off ends the oldest sounding note of its
  pitch and channel (first in, first out), so overlapping same-pitch notes keep their lengths;
  a note never released ends where its track ends (a warning says how many).
- Reduction of a polyphonic part to one line (``reduction='highest'``, the "skyline" of most
  melody extractors; ``'lowest'`` takes the bass line instead): of the notes that start on one
  grid step the highest is kept, and a lower note is dropped when a higher note already sounds
  over at least half of it (a 32nd-note overlap, legato playing, never counts). The monophony
  rule of :class:`~engine.melody.Melody` then cuts each note where the next one starts.
  Report counts: ``moved`` notes had their start or length changed by the grid; ``merged``
  notes fell on the same step as the kept note and either share its pitch or do not sound
  with it (a doubled note, a grace note, a run too fast for the grid); ``dropped`` notes
  sounded under the kept line (over it, for ``'lowest'``).
- Best part when ``track`` is None: the melody as :mod:`engine.part_choice` finds it (the same
  rule for a score's parts): among the non-drum parts with enough notes, what the names say
  first (Violin I, Soprano, Melody, Lead, Vocal, a lead instrument for it; Bass, Cello, Viola,
  Alto, Tenor, Violin II, Accompaniment, Pad against it), then the top voice by median pitch,
  unless a part in a melody's register has far more notes moving by step.
  ``ParsedMidi.melody_choice()`` gives the part and the reason, for the chooser to show.
- Chords (:mod:`~engine.midi_io.chord_track`): chord names in marker, text, lyric or cue
  events (Segue's own export writes markers), else the chords heard beat by beat
  (:mod:`engine.chord_recognition`) in a part other than the melody that plays chords, with
  the bass parts under it; none otherwise. Names that look like chords but are none are
  counted and named in the report.
- Key: the first key-signature event, as ``'C major'``-style names; None when there is none.
  Tempo, meter and key of a format-2 file come from the sequence that is read.

Safety: a file over 50 MB, with more than 1,000,000 events, or with an event more than 100,000
beats (hours) from the start is refused before it is parsed into messages: the raw chunks are
walked first. That walk also repairs what can be repaired, with a warning each: chunks that are
not tracks are skipped, damaged meta events (an impossible key signature, say) are ignored,
out-of-range data bytes are clipped (as mido's ``clip=True`` does), a track that ends inside an
event is cut before it. Whatever still fails, in decoding or in mido's meta events, becomes one
:class:`MidiImportError`.

Writing rules: track 0 is the conductor (tempo, time signature, key signature when the melody
has a key); the notes follow on ``channel`` with ``program``, as one track or as two (seed and
continuation). Track names are written as UTF-8 and read back as UTF-8 when they decode as
such, else as Latin-1.

Modules, in the order a file flows through them
    ``scan``       the raw walk of header and chunks: limits, repairs, refusals
    ``fastwalk``   the same walk of a clean track with numpy (the careful one reads the rest)
    ``parse``      file bytes -> decoded events -> parts of raw notes, still in ticks
    ``pairing``    note-ons matched with note-offs, a whole track at once
    ``reduction``  ticks -> beats -> grid steps; a part reduced to one line; part scores
    ``chord_track`` the file's chords: named in its meta events, or heard in its accompaniment
Notes stay in numpy arrays until the part that is imported becomes a melody, so listing the
parts of a big file and choosing one builds no object per note.
    ``reading``    the import API above
    ``writing``    the export API above
    ``results``    the errors, ``TrackInfo``, ``ImportReport``, ``ImportResult``, GM names
"""

from segue.engine.midi_io.parse import MAX_FILE_BYTES
from segue.engine.midi_io.reading import (
    ParsedMidi,
    best_track,
    import_midi,
    list_tracks,
    parse_midi,
    read_midi,
)
from segue.engine.midi_io.reduction import DEFAULT_TEMPO_US, LEGATO_OVERLAP_BEATS, REDUCTIONS
from segue.engine.midi_io.results import (
    DRUM_CHANNEL,
    DRUM_KIT_NAME,
    GM_PROGRAM_NAMES,
    ImportReport,
    ImportResult,
    MidiExportError,
    MidiImportError,
    TrackInfo,
    grid_name,
)
from segue.engine.midi_io.scan import MAX_BEATS, MAX_EVENTS
from segue.engine.midi_io.scan import (
    _scan as _scan,  # bench/midi_import.py times the raw walk alone
)
from segue.engine.midi_io.writing import EXPORT_TICKS_PER_BEAT, melody_to_midi_bytes, write_midi

__all__ = [
    "read_midi",
    "import_midi",
    "list_tracks",
    "best_track",
    "parse_midi",
    "ParsedMidi",
    "write_midi",
    "melody_to_midi_bytes",
    "MidiImportError",
    "MidiExportError",
    "TrackInfo",
    "ImportReport",
    "ImportResult",
    "grid_name",
    "GM_PROGRAM_NAMES",
    "DRUM_KIT_NAME",
    "DRUM_CHANNEL",
    "MAX_FILE_BYTES",
    "MAX_EVENTS",
    "MAX_BEATS",
    "EXPORT_TICKS_PER_BEAT",
    "DEFAULT_TEMPO_US",
    "REDUCTIONS",
    "LEGATO_OVERLAP_BEATS",
]
