"""MIDI files in and out: the only module that reads or writes Standard MIDI Files.

Public API
    ``read_midi(path, track=None, steps_per_quarter=4, *, reduction='highest') -> Melody``
        ``import_midi(...).melody``.
    ``import_midi(path, track=None, steps_per_quarter=4, *, reduction='highest') -> ImportResult``
        ``.melody`` and ``.report`` (an :class:`ImportReport`: notes read, kept, moved, merged,
        dropped, warnings, and a human ``summary``).
    ``list_tracks(path) -> list[TrackInfo]``
        the file's parts, one per (track, channel) that plays notes, in file order; a part's
        ``index`` is what ``read_midi(track=...)`` takes.
    ``best_track(path, steps_per_quarter=4) -> int | None``
        the part index ``read_midi`` takes when ``track`` is None (for a chooser to preselect).
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
  melody keeps the first tempo and the first time signature of the file (later changes are
  reported as warnings). SMPTE-timed files count seconds, not beats: their times go through the
  file's tempo map (120 BPM where it has none) to beats, which keeps the same rule.
- Grid: starts and ends snap to the nearest step (half a step rounds up); a note keeps at least
  one step. Bar lines of the file stay on multiples of ``steps_per_bar`` when its first time
  signature starts at time zero.
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
- Best part when ``track`` is None: among the non-drum parts, the highest score of
  notes kept after reduction x (1 - 0.75 x the share of notes sounding over another note)
  x a pitch weight, 1 + (average pitch - 60) / 12 kept within 0.25-2 (the tune is usually the
  top part: middle C weighs 1, an octave above 2, bass parts 0.25) x 3 when the part's
  name says melody, lead, vocal, voice, soprano, solo, theme or tune; ties go to the higher
  part, then the first.
- Key: the first key-signature event, as ``'C major'``-style names; None when there is none.
  Tempo, meter and key of a format-2 file come from the sequence that is read.

Safety: a file over 50 MB, with more than 1,000,000 events, or with an event more than 100,000
beats (hours) from the start is refused before it is parsed into messages: the raw chunks are
walked first. That walk also repairs what can be repaired, with a warning each: chunks that are
not tracks are skipped, damaged meta events (an impossible key signature, say) are ignored,
out-of-range data bytes are clipped (mido's ``clip=True``), a track that ends inside an event
is cut before it. Whatever still fails, whatever mido raises, becomes one
:class:`MidiImportError`.

Writing rules: track 0 is the conductor (tempo, time signature, key signature when the melody
has a key); the notes follow on ``channel`` with ``program``, as one track or as two (seed and
continuation). Track names are written as UTF-8 and read back as UTF-8 when they decode as
such, else as Latin-1.
"""

from __future__ import annotations

import bisect
import errno
import io
import math
import os
import re
import secrets
import stat
import struct
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import mido

from engine import keys
from engine.melody import Melody, Note

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_EVENTS = 1_000_000
MAX_BEATS = 100_000  # about 14 hours at 120 BPM: later events mean a damaged file
EXPORT_TICKS_PER_BEAT = 480
DEFAULT_TEMPO_US = 500_000  # 120 BPM, the Standard MIDI File default
DRUM_CHANNEL = 9  # channel 10 in musicians' numbering
REDUCTIONS = ("highest", "lowest")
LEGATO_OVERLAP_BEATS = 0.125  # a 32nd note: overlaps up to this are legato, not polyphony

GM_PROGRAM_NAMES = (
    "Acoustic Grand Piano", "Bright Acoustic Piano", "Electric Grand Piano", "Honky-tonk Piano",
    "Electric Piano 1", "Electric Piano 2", "Harpsichord", "Clavinet",
    "Celesta", "Glockenspiel", "Music Box", "Vibraphone",
    "Marimba", "Xylophone", "Tubular Bells", "Dulcimer",
    "Drawbar Organ", "Percussive Organ", "Rock Organ", "Church Organ",
    "Reed Organ", "Accordion", "Harmonica", "Tango Accordion",
    "Acoustic Guitar (nylon)", "Acoustic Guitar (steel)", "Electric Guitar (jazz)",
    "Electric Guitar (clean)", "Electric Guitar (muted)", "Overdriven Guitar",
    "Distortion Guitar", "Guitar Harmonics",
    "Acoustic Bass", "Electric Bass (finger)", "Electric Bass (pick)", "Fretless Bass",
    "Slap Bass 1", "Slap Bass 2", "Synth Bass 1", "Synth Bass 2",
    "Violin", "Viola", "Cello", "Contrabass",
    "Tremolo Strings", "Pizzicato Strings", "Orchestral Harp", "Timpani",
    "String Ensemble 1", "String Ensemble 2", "Synth Strings 1", "Synth Strings 2",
    "Choir Aahs", "Voice Oohs", "Synth Voice", "Orchestra Hit",
    "Trumpet", "Trombone", "Tuba", "Muted Trumpet",
    "French Horn", "Brass Section", "Synth Brass 1", "Synth Brass 2",
    "Soprano Sax", "Alto Sax", "Tenor Sax", "Baritone Sax",
    "Oboe", "English Horn", "Bassoon", "Clarinet",
    "Piccolo", "Flute", "Recorder", "Pan Flute",
    "Blown Bottle", "Shakuhachi", "Whistle", "Ocarina",
    "Lead 1 (square)", "Lead 2 (sawtooth)", "Lead 3 (calliope)", "Lead 4 (chiff)",
    "Lead 5 (charang)", "Lead 6 (voice)", "Lead 7 (fifths)", "Lead 8 (bass + lead)",
    "Pad 1 (new age)", "Pad 2 (warm)", "Pad 3 (polysynth)", "Pad 4 (choir)",
    "Pad 5 (bowed)", "Pad 6 (metallic)", "Pad 7 (halo)", "Pad 8 (sweep)",
    "FX 1 (rain)", "FX 2 (soundtrack)", "FX 3 (crystal)", "FX 4 (atmosphere)",
    "FX 5 (brightness)", "FX 6 (goblins)", "FX 7 (echoes)", "FX 8 (sci-fi)",
    "Sitar", "Banjo", "Shamisen", "Koto",
    "Kalimba", "Bagpipe", "Fiddle", "Shanai",
    "Tinkle Bell", "Agogo", "Steel Drums", "Woodblock",
    "Taiko Drum", "Melodic Tom", "Synth Drum", "Reverse Cymbal",
    "Guitar Fret Noise", "Breath Noise", "Seashore", "Bird Tweet",
    "Telephone Ring", "Helicopter", "Applause", "Gunshot",
)
DRUM_KIT_NAME = "Drum Kit"

_MELODY_NAME = re.compile(
    r"melod|lead|vocal|voice|vox|soprano|solo|theme|tune|singer|chant|canto", re.IGNORECASE
)


# --- errors and results ------------------------------------------------------------------------


class MidiImportError(Exception):
    """A MIDI file that cannot be imported: ``.path`` and ``.reason`` in a musician's words."""

    def __init__(self, path, reason: str):
        self.path = os.fspath(path) if path is not None else ""
        self.reason = reason
        super().__init__(f"Cannot import '{Path(self.path).name}': {reason}.")

    def __reduce__(self):  # so the error crosses process and thread boundaries intact
        return (type(self), (self.path, self.reason))


class MidiExportError(Exception):
    """A MIDI file that cannot be written; an existing file at ``.path`` is left as it was."""

    def __init__(self, path, reason: str):
        self.path = os.fspath(path)
        self.reason = reason
        super().__init__(f"Cannot save '{Path(self.path).name}': {reason}.")

    def __reduce__(self):
        return (type(self), (self.path, self.reason))


@dataclass(frozen=True)
class TrackInfo:
    """One part of a MIDI file: the notes of one channel in one track."""

    index: int  # what read_midi(track=...) takes
    name: str
    channel: int  # 0-15; drums are 9 (channel 10 to musicians)
    program: int  # 0-127, General MIDI numbering from 0
    program_name: str
    note_count: int
    pitch_range: tuple[int, int] | None
    is_drum: bool
    is_polyphonic: bool
    track: int = 0  # the track chunk of the file the part comes from


@dataclass(frozen=True)
class ImportReport:
    """What an import did: ``notes_read == notes_kept + merged + dropped``."""

    path: str
    part: TrackInfo
    steps_per_quarter: int
    notes_read: int
    notes_kept: int
    moved: int
    merged: int
    dropped: int
    warnings: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        """One line on the notes, then one line per warning."""
        part = self.part
        name = f" '{part.name}'" if part.name else ""
        lines = [
            f"Imported {self.notes_kept} of {self.notes_read} notes from "
            f"'{Path(self.path).name}', part {part.index + 1}{name} (channel {part.channel + 1}): "
            f"{self.moved} moved onto the {grid_name(self.steps_per_quarter)} grid, "
            f"{self.merged} merged, {self.dropped} dropped."
        ]
        lines.extend(self.warnings)
        return "\n".join(lines)


@dataclass(frozen=True)
class ImportResult:
    melody: Melody
    report: ImportReport


def grid_name(steps_per_quarter: int) -> str:
    """``4`` -> ``'1/16'``, ``3`` -> ``'1/8 triplet'``; other grids by their steps."""
    division = 4 * steps_per_quarter
    if division & (division - 1) == 0:
        return f"1/{division}"
    if steps_per_quarter % 3 == 0:
        triplet = 8 * steps_per_quarter // 3
        if triplet & (triplet - 1) == 0:
            return f"1/{triplet} triplet"
    return f"{steps_per_quarter}-steps-per-quarter"


# --- raw structure: walk the chunks before mido builds any message ------------------------------

_CHANNEL_MESSAGE_LENGTH = {0x8: 3, 0x9: 3, 0xA: 3, 0xB: 3, 0xC: 2, 0xD: 2, 0xE: 3}
_SYSTEM_MESSAGE_LENGTH = {
    0xF1: 2, 0xF2: 3, 0xF3: 2, 0xF6: 1, 0xF8: 1, 0xFA: 1, 0xFB: 1, 0xFC: 1, 0xFE: 1,
}
_META_NAMES = {
    0x00: "sequence number", 0x20: "channel prefix", 0x51: "tempo", 0x54: "SMPTE offset",
    0x58: "time signature", 0x59: "key signature",
}
_IGNORED_META_TYPE = 0x7F  # sequencer-specific: mido keeps its data and reads nothing into it
_SMPTE_FRAME_RATES = {24: 24.0, 25: 25.0, 29: 30000 / 1001, 30: 30.0}


class _Refused(Exception):
    """Internal: the file is refused for ``reason`` (turned into MidiImportError by the caller)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class _EventCut(Exception):
    """Internal: a track's last event runs past the end of its chunk."""


@dataclass
class _Layout:
    """A file's header and track chunks after the raw walk, ready for mido."""

    format: int
    division: int  # the header's raw 16-bit time division
    ticks_per_beat: int = 0  # 0 for SMPTE timing
    ticks_per_second: float = 0.0  # SMPTE timing only
    tracks: list[bytes] = field(default_factory=list)
    events: int = 0
    needs_clip: bool = False
    warnings: list[str] = field(default_factory=list)

    def to_bytes(self) -> bytes:
        out = bytearray(b"MThd" + struct.pack(">LHHH", 6, self.format, len(self.tracks), self.division))
        for data in self.tracks:
            out += b"MTrk" + struct.pack(">L", len(data)) + data
        return bytes(out)


def _unwrap_rmid(data: bytes) -> bytes:
    """The SMF inside a RIFF RMID file (Windows' wrapper), or ``data`` unchanged."""
    if data[:4] != b"RIFF" or data[8:12] != b"RMID":
        return data
    pos = 12
    while pos + 8 <= len(data):
        chunk_id, size = data[pos : pos + 4], struct.unpack("<L", data[pos + 4 : pos + 8])[0]
        if chunk_id == b"data":
            return data[pos + 8 : pos + 8 + size]
        pos += 8 + size + (size & 1)
    raise _Refused("not a MIDI file (a RIFF file without MIDI data)")


def _scan(data: bytes) -> _Layout:
    """Walk header and chunks, count events, refuse absurd files, repair what mido would reject."""
    if not data:
        raise _Refused("file is empty")
    data = _unwrap_rmid(data)
    if len(data) < 4 or data[:4] != b"MThd":
        if b"MThd".startswith(data[:4]):
            raise _Refused("file is truncated")
        raise _Refused("not a MIDI file")
    if len(data) < 14:
        raise _Refused("file is truncated")
    header_size = struct.unpack(">L", data[4:8])[0]
    if header_size < 6:
        raise _Refused("file is damaged (its header is too short)")
    if 8 + header_size > len(data):
        raise _Refused("file is truncated")
    midi_format, declared_tracks, division = struct.unpack(">HHH", data[8:14])
    if midi_format > 2:
        raise _Refused(f"unknown MIDI file format {midi_format}")
    layout = _Layout(format=midi_format, division=division)
    if division & 0x8000:
        frames = 256 - (division >> 8)
        ticks_per_frame = division & 0xFF
        if frames not in _SMPTE_FRAME_RATES or ticks_per_frame == 0:
            raise _Refused("file has an invalid SMPTE time division")
        layout.ticks_per_second = _SMPTE_FRAME_RATES[frames] * ticks_per_frame
        max_ticks = MAX_BEATS * 0.5 * layout.ticks_per_second  # beats at 120 BPM
    else:
        if division == 0:
            raise _Refused("file has an invalid time division (0 ticks per beat)")
        layout.ticks_per_beat = division
        max_ticks = MAX_BEATS * division

    pos = 8 + header_size
    skipped_chunks = 0
    while len(layout.tracks) < declared_tracks and pos < len(data):
        if pos + 8 > len(data):
            raise _Refused("file is truncated")
        chunk_id = data[pos : pos + 4]
        size = struct.unpack(">L", data[pos + 4 : pos + 8])[0]
        start, end = pos + 8, pos + 8 + size
        if end > len(data):
            raise _Refused("file is truncated")
        pos = end
        if chunk_id != b"MTrk":
            if not all(32 <= c < 127 for c in chunk_id):
                raise _Refused("file is damaged (a track header is missing)")
            skipped_chunks += 1
            continue
        layout.tracks.append(_scan_track(data[start:end], len(layout.tracks), layout, max_ticks))
    if skipped_chunks:
        layout.warnings.append(f"Skipped {skipped_chunks} chunk(s) that hold no MIDI track.")
    if len(layout.tracks) < declared_tracks:
        if not layout.tracks:
            raise _Refused("file is truncated" if declared_tracks else "file contains no tracks")
        layout.warnings.append(
            f"The file declares {declared_tracks} tracks but holds {len(layout.tracks)}; "
            "it may be truncated."
        )
    if not layout.tracks:
        raise _Refused("file contains no tracks")
    if layout.needs_clip:
        layout.warnings.append("Some data bytes were out of range (damaged data) and were clipped.")
    return layout


def _read_varint(data: bytes | bytearray, pos: int) -> tuple[int, int]:
    """A variable-length quantity at ``pos`` (at most 4 bytes, as the standard says)."""
    value = 0
    for _ in range(4):
        if pos >= len(data):
            raise _EventCut
        byte = data[pos]
        pos += 1
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, pos
    raise _Refused("file is damaged (a number is longer than the MIDI standard allows)")


def _scan_track(chunk: bytes, number: int, layout: _Layout, max_ticks: float) -> bytes:
    """Walk one track's events the way mido will read them; return the (repaired) chunk data."""
    data = bytearray(chunk)
    size = len(data)
    pos = 0
    tick = 0
    last_status = None
    damaged_metas: set[str] = set()
    while pos < size:
        event_start = pos
        try:
            delta, pos = _read_varint(data, pos)
            tick += delta
            if tick > max_ticks:
                raise _Refused(
                    f"file is damaged (an event lies more than {MAX_BEATS:,} beats from the start)"
                )
            if pos >= size:
                raise _EventCut
            status = data[pos]
            pos += 1
            running = status < 0x80
            if running:  # running status: this byte is already the first data byte
                if last_status is None:
                    raise _Refused("file is damaged (an event has no status byte)")
                status = last_status
            elif status != 0xFF:  # as mido does: everything but meta events sets running status
                last_status = status
            if status == 0xFF:
                if pos >= size:
                    raise _EventCut
                meta_type_pos = pos
                length, pos = _read_varint(data, pos + 1)
                if pos + length > size:
                    raise _EventCut
                problem = _meta_problem(data[meta_type_pos], data[pos : pos + length])
                if problem:
                    damaged_metas.add(problem)
                    data[meta_type_pos] = _IGNORED_META_TYPE
                pos += length
            elif status in (0xF0, 0xF7):
                length, pos = _read_varint(data, pos)
                if pos + length > size:
                    raise _EventCut
                body = data[pos : pos + length]
                if body[:1] == b"\xf0":
                    body = body[1:]
                if body[-1:] == b"\xf7":
                    body = body[:-1]
                if any(b > 127 for b in body):
                    layout.needs_clip = True
                pos += length
            else:
                length = _CHANNEL_MESSAGE_LENGTH.get(status >> 4) or _SYSTEM_MESSAGE_LENGTH.get(status)
                if length is None:
                    raise _Refused("file is damaged (it holds an undefined MIDI event)")
                remaining = length - 1 - (1 if running else 0)
                if remaining < 0:
                    raise _Refused("file is damaged (an event has no status byte)")
                if pos + remaining > size:
                    raise _EventCut
                if any(b > 127 for b in data[pos : pos + remaining]):
                    layout.needs_clip = True
                pos += remaining
        except _EventCut:
            del data[event_start:]
            layout.warnings.append(
                f"Track {number + 1} ends in the middle of an event; that event was ignored."
            )
            break
        layout.events += 1
        if layout.events > MAX_EVENTS:
            raise _Refused(f"file has more than {MAX_EVENTS:,} events, too many for a melody")
    if damaged_metas:
        layout.warnings.append(
            f"Track {number + 1}: ignored damaged {', '.join(sorted(damaged_metas))} event(s)."
        )
    return bytes(data)


def _meta_problem(meta_type: int, body: bytes | bytearray) -> str | None:
    """The name of a meta event whose data mido could not decode, or None when it is fine."""
    n = len(body)
    bad = False
    if meta_type == 0x00:
        bad = n == 1
    elif meta_type == 0x20:
        bad = n == 0
    elif meta_type == 0x51:
        bad = n < 3
    elif meta_type == 0x54:
        bad = n < 5 or body[0] >> 5 > 3 or body[1] > 59 or body[2] > 59 or body[4] > 99
    elif meta_type == 0x58:
        bad = n < 4 or body[1] > 7
    elif meta_type == 0x59:
        bad = n < 2 or not -7 <= (body[0] ^ 0x80) - 0x80 <= 7 or body[1] > 1
    return _META_NAMES[meta_type] if bad else None


# --- from mido messages to parts --------------------------------------------------------------


@dataclass
class _RawNote:
    start: int  # ticks
    end: int  # ticks
    pitch: int
    velocity: int
    released: bool = True


@dataclass
class _Part:
    track: int
    channel: int
    name: str
    program: int | None
    notes: list[_RawNote]


@dataclass
class _Song:
    """Everything the import needs from one file, still in ticks."""

    layout: _Layout
    parts: list[_Part]
    tempos: list[tuple[int, int]]  # (tick, microseconds per beat), in time order
    time_signatures: list[tuple[int, int, int]]  # (tick, numerator, denominator)
    key_signatures: list[tuple[int, str]]  # (tick, mido key such as 'F#m')
    warnings: list[str]


def _decode_text(text: str) -> str:
    """mido decodes meta text as Latin-1; most DAWs now write UTF-8, so prefer that when valid."""
    try:
        raw = text.encode("latin-1")
    except UnicodeEncodeError:
        return text.strip()
    try:
        return raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        return text.strip()


def _parse(data: bytes) -> _Song:
    layout = _scan(data)
    midi = mido.MidiFile(file=io.BytesIO(layout.to_bytes()), clip=layout.needs_clip)
    warnings = list(layout.warnings)
    track_numbers = range(len(midi.tracks))
    if layout.format == 2:
        with_notes = [t for t in track_numbers if _has_notes(midi.tracks[t])]
        track_numbers = with_notes[:1] or [0]
        if len(midi.tracks) > 1:
            warnings.append(
                f"This format-2 file holds {len(midi.tracks)} independent sequences; "
                f"only sequence {track_numbers[0] + 1} was read."
            )

    parts: dict[tuple[int, int], _Part] = {}
    programs: dict[tuple[int, int], int] = {}
    channel_programs: dict[int, int] = {}
    tempos, time_signatures, key_signatures = [], [], []
    unreleased = 0
    for number in track_numbers:
        tick = 0
        name = instrument = ""
        sounding: dict[tuple[int, int], deque] = {}
        track_notes: dict[int, list[_RawNote]] = {}
        for message in midi.tracks[number]:
            tick += message.time
            kind = message.type
            if kind == "note_on" and message.velocity > 0:
                note = _RawNote(tick, tick, message.note, message.velocity, released=False)
                sounding.setdefault((message.channel, message.note), deque()).append(note)
                track_notes.setdefault(message.channel, []).append(note)
            elif kind == "note_off" or kind == "note_on":
                queue = sounding.get((message.channel, message.note))
                if queue:  # first in, first out; a stray note-off is ignored
                    note = queue.popleft()
                    note.end, note.released = tick, True
            elif kind == "program_change":
                programs.setdefault((number, message.channel), message.program)
                channel_programs.setdefault(message.channel, message.program)
            elif kind == "set_tempo":
                tempos.append((tick, message.tempo))
            elif kind == "time_signature":
                time_signatures.append((tick, message.numerator, message.denominator))
            elif kind == "key_signature":
                key_signatures.append((tick, message.key))
            elif kind == "track_name" and not name:
                name = _decode_text(message.name)
            elif kind == "instrument_name" and not instrument:
                instrument = _decode_text(message.name)
        for queue in sounding.values():
            for note in queue:  # never released: it ends where its track ends
                note.end = tick
                unreleased += 1
        for channel in sorted(track_notes):
            parts[(number, channel)] = _Part(
                number, channel, name or instrument, programs.get((number, channel)),
                track_notes[channel],
            )
    for part in parts.values():
        if part.program is None:
            part.program = channel_programs.get(part.channel, 0)
        if not part.name:
            part.name = f"Track {part.track + 1}"
    if unreleased:
        warnings.append(f"{unreleased} note(s) were never released; they end where their track ends.")
    if any(t == 0 for _, t in tempos):
        raise _Refused("file sets a tempo of 0, which no player can play")
    # Stable sorts: of events at one tick, the earlier track and the earlier event come first.
    tempos.sort(key=lambda e: e[0])
    time_signatures.sort(key=lambda e: e[0])
    key_signatures.sort(key=lambda e: e[0])
    return _Song(layout, [parts[k] for k in sorted(parts)], tempos, time_signatures,
                 key_signatures, warnings)


def _has_notes(track) -> bool:
    return any(m.type == "note_on" and m.velocity > 0 for m in track)


def _read_file(path) -> bytes:
    """The file's bytes, refusing what is missing, unreadable or too big before reading it."""
    try:
        status = os.stat(path)
        if stat.S_ISDIR(status.st_mode):
            raise _Refused("it is a folder, not a file")
        if not stat.S_ISREG(status.st_mode):  # a pipe or a device could block or never end
            raise _Refused("it is not a regular file")
        size = status.st_size
        if size > MAX_FILE_BYTES:
            raise _Refused(
                f"file is {size / 1024 / 1024:.0f} MB; MIDI files over "
                f"{MAX_FILE_BYTES // 1024 // 1024} MB are refused"
            )
        with open(path, "rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise _Refused("file does not exist") from None
    except PermissionError:
        raise _Refused("permission denied") from None
    except IsADirectoryError:
        raise _Refused("it is a folder, not a file") from None
    except OSError as error:
        raise _Refused(f"file cannot be read ({error.strerror or error})") from None
    if len(data) > MAX_FILE_BYTES:
        raise _Refused(f"file is over {MAX_FILE_BYTES // 1024 // 1024} MB")
    return data


def _load_song(path) -> _Song:
    """Read and parse ``path``; every failure becomes a MidiImportError naming the file."""
    try:
        return _parse(_read_file(path))
    except _Refused as refused:
        raise MidiImportError(path, refused.reason) from None
    except MemoryError:
        raise MidiImportError(path, "file is too big to read") from None
    except Exception as error:  # whatever mido raises on a file the walk let through
        raise MidiImportError(path, "file is damaged") from error


# --- time: ticks to beats to steps --------------------------------------------------------------


def _tick_to_beats(song: _Song):
    """A function from ticks to beats (see the module docstring for the rule)."""
    layout = song.layout
    if layout.ticks_per_beat:
        ticks_per_beat = layout.ticks_per_beat
        return lambda tick: tick / ticks_per_beat
    # SMPTE ticks count seconds: walk the tempo map, held in the same ticks.
    ticks_per_second = layout.ticks_per_second
    starts, beats_at, tempos = [0], [0.0], [DEFAULT_TEMPO_US]
    for tick, tempo in song.tempos:
        beats_at.append(beats_at[-1] + (tick - starts[-1]) * 1e6 / (tempos[-1] * ticks_per_second))
        starts.append(tick)
        tempos.append(tempo)

    def convert(tick: int) -> float:
        i = bisect.bisect_right(starts, tick) - 1
        return beats_at[i] + (tick - starts[i]) * 1e6 / (tempos[i] * ticks_per_second)

    return convert


def _snap(beats: float, steps_per_quarter: int) -> int:
    """The nearest grid step; half a step rounds up."""
    return math.floor(beats * steps_per_quarter + 0.5)


# --- parts: analysis and reduction --------------------------------------------------------------


@dataclass
class _Timed:
    """A note in beats, for analysis and reduction."""

    start: float
    end: float  # for overlap tests: an unreleased note counts as ending where it starts
    sounding_end: float  # where the note really ends
    pitch: int
    velocity: int


def _timed_notes(part: _Part, to_beats) -> list[_Timed]:
    timed = []
    for n in part.notes:
        start, end = to_beats(n.start), to_beats(n.end)
        timed.append(_Timed(start, end if n.released else start, end, n.pitch, n.velocity))
    timed.sort(key=lambda t: (t.start, t.pitch))
    return timed


def _overlap(a: _Timed, b: _Timed) -> float:
    return min(a.end, b.end) - max(a.start, b.start)


def _sound_together(a: _Timed, b: _Timed) -> bool:
    """More than legato: they overlap by over a 32nd note and by half the shorter one."""
    overlap = _overlap(a, b)
    shorter = min(a.end - a.start, b.end - b.start)
    return overlap > LEGATO_OVERLAP_BEATS and overlap >= 0.5 * shorter


def _covers(upper: _Timed, under: _Timed) -> bool:
    """Whether ``upper`` sounds over ``under`` for half of it or more (and over a 32nd note)."""
    overlap = _overlap(upper, under)
    return overlap > LEGATO_OVERLAP_BEATS and overlap >= 0.5 * (under.end - under.start)


def _polyphonic_share(timed: list[_Timed]) -> float:
    """The share of notes that sound together with the longest-lasting earlier note."""
    longest = None
    together = 0
    for note in timed:
        if longest is not None and _sound_together(longest, note):
            together += 1
        if longest is None or note.end > longest.end:
            longest = note
    return together / len(timed) if timed else 0.0


@dataclass
class _Reduction:
    notes: list[Note]
    moved: int
    merged: int
    dropped: int


def _reduce(timed: list[_Timed], steps_per_quarter: int, reduction: str) -> _Reduction:
    """One line from a part's notes (rule in the module docstring); every note is counted once."""
    sign = 1 if reduction == "highest" else -1
    by_step: dict[int, list[_Timed]] = {}
    for note in timed:
        by_step.setdefault(_snap(note.start, steps_per_quarter), []).append(note)
    kept: list[tuple[int, _Timed]] = []
    merged = dropped = 0
    for step in sorted(by_step):
        group = by_step[step]
        pick = max(group, key=lambda n: (sign * n.pitch, n.start))
        for other in group:
            if other is pick:
                continue
            if other.pitch != pick.pitch and _overlap(other, pick) > 0:
                dropped += 1  # a chord tone under (or over) the kept line
                continue
            merged += 1  # a repeat, a grace note or a run too fast for the grid
            if other.pitch == pick.pitch and other.sounding_end > pick.sounding_end:
                pick = _Timed(pick.start, max(pick.end, other.end), other.sounding_end,
                              pick.pitch, pick.velocity)
        if kept:
            previous = kept[-1][1]
            if sign * previous.pitch > sign * pick.pitch and _covers(previous, pick):
                dropped += 1
                continue
        kept.append((step, pick))
    notes, moved = [], 0
    for step, note in kept:
        end = max(step + 1, _snap(note.sounding_end, steps_per_quarter))
        exact_start = note.start * steps_per_quarter
        exact_length = (note.sounding_end - note.start) * steps_per_quarter
        if abs(exact_start - step) > 1e-6 or abs(exact_length - (end - step)) > 1e-6:
            moved += 1
        notes.append(Note(note.pitch, step, end - step, note.velocity))
    return _Reduction(notes, moved, merged, dropped)


def _part_info(index: int, part: _Part, timed: list[_Timed]) -> TrackInfo:
    is_drum = part.channel == DRUM_CHANNEL
    pitches = [n.pitch for n in part.notes]
    return TrackInfo(
        index=index,
        name=part.name,
        channel=part.channel,
        program=part.program,
        program_name=DRUM_KIT_NAME if is_drum else GM_PROGRAM_NAMES[part.program],
        note_count=len(part.notes),
        pitch_range=(min(pitches), max(pitches)) if pitches else None,
        is_drum=is_drum,
        is_polyphonic=_polyphonic_share(timed) > 0,
        track=part.track,
    )


def _melody_score(info: TrackInfo, timed: list[_Timed], kept: int) -> tuple:
    """The best-part heuristic of the module docstring, as a sortable key."""
    mean_pitch = sum(n.pitch for n in timed) / len(timed)
    score = kept * (1 - 0.75 * _polyphonic_share(timed))
    score *= min(max(1 + (mean_pitch - 60) / 12, 0.25), 2.0)  # the tune is usually on top
    if _MELODY_NAME.search(info.name):
        score *= 3
    return (score, mean_pitch, -info.index)


# --- import ----------------------------------------------------------------------------------


def _check_import_args(track, steps_per_quarter, reduction) -> None:
    if isinstance(steps_per_quarter, bool) or not isinstance(steps_per_quarter, int):
        raise ValueError(f"steps per quarter must be an integer, got {steps_per_quarter!r}")
    if not 1 <= steps_per_quarter <= 96:
        raise ValueError(f"steps per quarter {steps_per_quarter} is outside 1-96")
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


def _melody_fields(song: _Song, steps_per_quarter: int, warnings: list[str]) -> dict:
    """Tempo, time signature and key of the melody: the first of each in the file."""
    tempo = _bpm(song.tempos[0][1]) if song.tempos else 120.0
    if not 10 <= tempo <= 400:
        clamped = min(max(tempo, 10.0), 400.0)
        warnings.append(f"The tempo of {tempo:g} BPM is outside 10-400 BPM; using {clamped:g}.")
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
    if song.time_signatures:
        _, numerator, denominator = song.time_signatures[0]
        try:
            Melody(steps_per_quarter=steps_per_quarter, time_signature=(numerator, denominator))
            time_signature = (numerator, denominator)
        except ValueError:
            warnings.append(
                f"The time signature {numerator}/{denominator} does not fit a grid of "
                f"{steps_per_quarter} steps per quarter; using 4/4."
            )
        meters = [(n, d) for _, n, d in song.time_signatures]
        changes = sum(1 for a, b in zip(meters, meters[1:]) if a != b)
        if changes:
            warnings.append(
                f"The time signature changes {changes} time(s); Segue keeps "
                f"{time_signature[0]}/{time_signature[1]}."
            )

    key = None
    if song.key_signatures:
        mido_key = song.key_signatures[0][1]
        mode = "minor" if mido_key.endswith("m") else "major"
        key = keys.key_name(keys.parse_key(mido_key.rstrip("m"))[0], mode)
    return {"tempo": tempo, "time_signature": time_signature, "key": key}


def _describe(song: _Song) -> tuple[list[TrackInfo], list[list[_Timed]]]:
    to_beats = _tick_to_beats(song)
    timed = [_timed_notes(part, to_beats) for part in song.parts]
    infos = [_part_info(i, part, t) for i, (part, t) in enumerate(zip(song.parts, timed))]
    return infos, timed


def _best_part(infos, timed, steps_per_quarter: int, reduction: str):
    """(TrackInfo, _Reduction) of the best melodic part, or None when all parts are drums."""
    candidates = [info for info in infos if not info.is_drum]
    if not candidates:
        return None
    reductions = {
        info.index: _reduce(timed[info.index], steps_per_quarter, reduction) for info in candidates
    }
    best = max(
        candidates, key=lambda i: _melody_score(i, timed[i.index], len(reductions[i.index].notes))
    )
    return best, reductions[best.index]


def best_track(path, steps_per_quarter: int = 4, *, reduction: str = "highest") -> int | None:
    """The part index ``read_midi(path)`` takes when no track is given; None if no part fits.

    For a part chooser to preselect the engine's own choice.
    """
    _check_import_args(None, steps_per_quarter, reduction)
    song = _load_song(path)
    try:
        infos, timed = _describe(song)
        chosen = _best_part(infos, timed, steps_per_quarter, reduction)
    except Exception as error:  # a safety net: analysis of parsed data should never fail
        raise MidiImportError(path, "file is damaged") from error
    return None if chosen is None else chosen[0].index


def list_tracks(path) -> list[TrackInfo]:
    """The file's parts (one per track and channel that plays notes), in file order.

    An empty list when the file plays no notes; MidiImportError when it cannot be read.
    """
    song = _load_song(path)
    try:
        return _describe(song)[0]
    except Exception as error:  # a safety net: analysis of parsed data should never fail
        raise MidiImportError(path, "file is damaged") from error


def import_midi(
    path, track: int | None = None, steps_per_quarter: int = 4, *, reduction: str = "highest"
) -> ImportResult:
    """Read one part of a MIDI file as a melody on the grid, with a report of what changed.

    ``track`` is a part index from :func:`list_tracks`; None picks the best melodic part.
    """
    _check_import_args(track, steps_per_quarter, reduction)
    song = _load_song(path)
    try:
        return _import_song(path, song, track, steps_per_quarter, reduction)
    except MidiImportError:
        raise
    except Exception as error:  # a safety net: analysis of parsed data should never fail
        raise MidiImportError(path, "file is damaged") from error


def _import_song(path, song: _Song, track, steps_per_quarter: int, reduction: str) -> ImportResult:
    infos, timed = _describe(song)
    if not infos:
        raise MidiImportError(path, "no pitched notes")
    if track is None:
        chosen = _best_part(infos, timed, steps_per_quarter, reduction)
        if chosen is None:
            raise MidiImportError(path, "no pitched notes (only drums)")
        best, result = chosen
    else:
        if track >= len(infos):
            raise MidiImportError(path, f"it has no part {track + 1} (it has {len(infos)})")
        best = infos[track]
        if best.is_drum:
            raise MidiImportError(
                path, f"part {track + 1} is drums (channel 10), which is never taken as a melody"
            )
        result = _reduce(timed[track], steps_per_quarter, reduction)

    warnings = list(song.warnings)
    fields = _melody_fields(song, steps_per_quarter, warnings)
    if best.is_polyphonic:
        warnings.append(
            f"The part plays chords; Segue kept the {reduction} note of each "
            f"({result.dropped} note(s) dropped)."
        )
    melody = Melody(result.notes, steps_per_quarter=steps_per_quarter, **fields)
    report = ImportReport(
        path=os.fspath(path),
        part=best,
        steps_per_quarter=steps_per_quarter,
        notes_read=best.note_count,
        notes_kept=len(result.notes),
        moved=result.moved,
        merged=result.merged,
        dropped=result.dropped,
        warnings=tuple(warnings),
    )
    return ImportResult(melody, report)


def read_midi(
    path, track: int | None = None, steps_per_quarter: int = 4, *, reduction: str = "highest"
) -> Melody:
    """The melody of one part of a MIDI file: ``import_midi(...).melody``."""
    return import_midi(path, track, steps_per_quarter, reduction=reduction).melody


# --- export ------------------------------------------------------------------------------------


def _mido_key(key: str) -> str:
    """``'G# minor'`` -> mido's spelling with the fewest accidentals, here ``'G#m'``."""
    tonic, mode = keys.parse_key(key)
    spelling = keys.key_name(tonic, mode).split()[0] + ("m" if mode == "minor" else "")
    best = None
    for name in _MIDO_KEYS:
        if name.endswith("m") != (mode == "minor"):
            continue
        if keys.parse_key(name.rstrip("m"))[0] != tonic:
            continue
        # Fewest accidentals; on a tie (F# or Gb major) the spelling of keys.key_name.
        rank = (abs(_MIDO_KEYS[name]), name != spelling)
        if best is None or rank < best[0]:
            best = (rank, name)
    return best[1]


# mido's key names and their sharps (+) or flats (-).
_MIDO_KEYS = {
    "Cb": -7, "Gb": -6, "Db": -5, "Ab": -4, "Eb": -3, "Bb": -2, "F": -1, "C": 0, "G": 1, "D": 2,
    "A": 3, "E": 4, "B": 5, "F#": 6, "C#": 7, "Abm": -7, "Ebm": -6, "Bbm": -5, "Fm": -4,
    "Cm": -3, "Gm": -2, "Dm": -1, "Am": 0, "Em": 1, "Bm": 2, "F#m": 3, "C#m": 4, "G#m": 5,
    "D#m": 6, "A#m": 7,
}


def _check_export_args(melody, continuation, track_name, program, channel) -> None:
    if not isinstance(melody, Melody):
        raise ValueError(f"melody must be a Melody, got {type(melody).__name__}")
    if continuation is not None:
        if not isinstance(continuation, Melody):
            raise ValueError(f"continuation must be a Melody, got {type(continuation).__name__}")
        if continuation.steps_per_quarter != melody.steps_per_quarter:
            raise ValueError(
                f"continuation has {continuation.steps_per_quarter} steps per quarter, "
                f"the melody {melody.steps_per_quarter}"
            )
    if not isinstance(track_name, str):
        raise ValueError(f"track name must be text, got {track_name!r}")
    for label, value, top in (("program", program, 127), ("channel", channel, 15)):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
            raise ValueError(f"{label} must be an integer 0-{top}, got {value!r}")


def _utf8_for_mido(text: str) -> str:
    """Text whose Latin-1 bytes are ``text`` in UTF-8.

    mido encodes meta text with a charset held in a module global that every load and save
    sets for its duration; writing with its default (Latin-1), as every read here does too,
    keeps a save in one thread from changing how a load in another decodes.
    """
    return text.encode("utf-8").decode("latin-1")


def _note_track(notes, name: str, program: int, channel: int, steps_per_quarter: int):
    def ticks(step: int) -> int:  # exact whenever steps_per_quarter divides 480
        return (2 * step * EXPORT_TICKS_PER_BEAT + steps_per_quarter) // (2 * steps_per_quarter)

    events = []  # (tick, note-offs before note-ons at one tick, message)
    for note in notes:
        start, end = ticks(note.start), ticks(note.end)
        events.append((start, 1, mido.Message("note_on", channel=channel, note=note.pitch,
                                              velocity=note.velocity)))
        events.append((end, 0, mido.Message("note_off", channel=channel, note=note.pitch)))
    events.sort(key=lambda e: (e[0], e[1]))
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("track_name", name=_utf8_for_mido(name)))
    track.append(mido.Message("program_change", channel=channel, program=program))
    now = 0
    for tick, _, message in events:
        track.append(message.copy(time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=0))
    return track


def melody_to_midi_bytes(
    melody: Melody,
    *,
    continuation: Melody | None = None,
    separate_tracks: bool = False,
    track_name: str = "Segue",
    program: int = 0,
    channel: int = 0,
) -> bytes:
    """The type-1 Standard MIDI File :func:`write_midi` writes, as bytes."""
    _check_export_args(melody, continuation, track_name, program, channel)
    midi = mido.MidiFile(type=1, ticks_per_beat=EXPORT_TICKS_PER_BEAT)
    conductor = mido.MidiTrack()
    conductor.append(mido.MetaMessage("track_name", name=_utf8_for_mido(track_name)))
    numerator, denominator = melody.time_signature
    conductor.append(mido.MetaMessage("time_signature", numerator=numerator,
                                      denominator=denominator))
    conductor.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(melody.tempo)))
    if melody.key is not None:
        conductor.append(mido.MetaMessage("key_signature", key=_mido_key(melody.key)))
    conductor.append(mido.MetaMessage("end_of_track", time=0))
    midi.tracks.append(conductor)
    spq = melody.steps_per_quarter
    if continuation is None:
        midi.tracks.append(_note_track(melody.notes, track_name, program, channel, spq))
    elif separate_tracks:
        midi.tracks.append(_note_track(melody.notes, f"{track_name} (seed)", program, channel, spq))
        midi.tracks.append(_note_track(continuation.notes, f"{track_name} (continuation)",
                                       program, channel, spq))
    else:
        joined = melody.add(*continuation.notes)
        midi.tracks.append(_note_track(joined.notes, track_name, program, channel, spq))
    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()


_WRITE_REASONS = {
    errno.ENOSPC: "disk is full",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOENT: "folder does not exist",
    errno.ENOTDIR: "folder does not exist",
    errno.EROFS: "disk is read-only",
    errno.EISDIR: "a folder of that name exists",
    errno.ENAMETOOLONG: "file name is too long",
}
if hasattr(errno, "EDQUOT"):
    _WRITE_REASONS[errno.EDQUOT] = "disk is full"


def write_midi(
    melody: Melody,
    path,
    *,
    continuation: Melody | None = None,
    separate_tracks: bool = False,
    track_name: str = "Segue",
    program: int = 0,
    channel: int = 0,
) -> None:
    """Write ``melody`` (and ``continuation``) as a type-1 MIDI file, atomically.

    The file is written to a temporary file in the same folder and renamed over ``path``, so a
    failure (MidiExportError) leaves any existing file as it was.
    """
    data = melody_to_midi_bytes(
        melody, continuation=continuation, separate_tracks=separate_tracks,
        track_name=track_name, program=program, channel=channel,
    )
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise MidiExportError(path, "folder does not exist")
    if os.path.isdir(path):
        raise MidiExportError(path, "a folder of that name exists")
    temporary = os.path.join(folder, f".{os.path.basename(path)[:64]}.{secrets.token_hex(4)}.tmp")
    try:
        # 0o666 and the umask, like any new file; O_EXCL never follows another file's link.
        descriptor = os.open(
            temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666
        )
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        try:
            os.chmod(temporary, stat.S_IMODE(os.stat(path).st_mode))  # keep an old file's mode
        except FileNotFoundError:
            pass
        os.replace(temporary, path)
    except OSError as error:
        try:
            os.remove(temporary)
        except OSError:
            pass
        reason = _WRITE_REASONS.get(error.errno, f"the file could not be written ({error.strerror or error})")
        raise MidiExportError(path, reason) from error
