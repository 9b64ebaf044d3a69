"""From a file's bytes to parts: read the file, walk it, decode its events, collect notes.

The result is a ``_Song``, still in ticks; every failure becomes one MidiImportError.

Events are decoded here rather than by ``mido.MidiFile``, which builds and checks a Python
object per event (three quarters of an import's time for a big file). The walk follows mido's
reading rules exactly (running status, which meta events clear it, clipping of data bytes) on
the chunks the raw walk in :mod:`~engine.midi_io.scan` has already checked and repaired; the few
meta events the import uses are still built by mido (``MetaMessage.from_bytes``).
"""

from __future__ import annotations

import os
import stat
from collections import deque
from dataclasses import dataclass

import mido

from engine.midi_io.results import MidiImportError
from engine.midi_io.scan import (
    _CHANNEL_MESSAGE_LENGTH,
    _SYSTEM_MESSAGE_LENGTH,
    _Layout,
    _read_varint,
    _Refused,
    _scan,
)

MAX_FILE_BYTES = 50 * 1024 * 1024


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


_NOTE_OFF, _NOTE_ON, _PROGRAM = 0x8, 0x9, 0xC
_USED_METAS = {0x03, 0x04, 0x51, 0x58, 0x59}  # track and instrument name, tempo, meter, key


def _events(chunk: bytes, clip: bool) -> tuple[list[tuple], int]:
    """The events of one (scanned) track chunk the import uses, as mido would read them, and
    the tick the track ends at: ``(tick, kind, channel, data1, data2)`` for note-on, note-off
    and program change (kind is the status's high nibble), ``(tick, MetaMessage)`` for the meta
    events in _USED_METAS."""
    events = []
    size, pos, tick, last_status = len(chunk), 0, 0, None
    while pos < size:
        delta = chunk[pos]
        if delta < 0x80:  # most deltas are one byte: skip the call
            pos += 1
        else:
            delta, pos = _read_varint(chunk, pos)
        tick += delta
        status = chunk[pos]
        pos += 1
        running = status < 0x80
        if running:  # the byte is the first data byte; the scan made sure a status came before
            status, pos = last_status, pos - 1
        elif status != 0xFF:  # mido: everything but meta events sets running status
            last_status = status
        if status == 0xFF:
            meta_start, meta_type = pos - 1, chunk[pos]
            length, pos = _read_varint(chunk, pos + 1)
            pos += length
            if meta_type in _USED_METAS:
                events.append((tick, mido.MetaMessage.from_bytes(chunk[meta_start:pos])))
        elif status in (0xF0, 0xF7):
            if running:
                pos += 1  # mido reads the length after the byte it took for a status
            length, pos = _read_varint(chunk, pos)
            pos += length
        else:
            kind = status >> 4
            length = _CHANNEL_MESSAGE_LENGTH.get(kind) or _SYSTEM_MESSAGE_LENGTH[status]
            if kind in (_NOTE_OFF, _NOTE_ON, _PROGRAM):
                data1 = chunk[pos]
                data2 = chunk[pos + 1] if length == 3 else 0
                if clip:
                    data1, data2 = min(data1, 127), min(data2, 127)
                events.append((tick, kind, status & 0x0F, data1, data2))
            pos += length - 1
    return events, tick


def _parse(data: bytes) -> _Song:
    layout = _scan(data)
    tracks, ends = zip(*(_events(chunk, layout.needs_clip) for chunk in layout.tracks))
    warnings = list(layout.warnings)
    track_numbers = range(len(tracks))
    if layout.format == 2:
        with_notes = [t for t in track_numbers if _has_notes(tracks[t])]
        track_numbers = with_notes[:1] or [0]
        if len(tracks) > 1:
            warnings.append(
                f"This format-2 file holds {len(tracks)} independent sequences; "
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
        for event in tracks[number]:
            tick = event[0]
            if len(event) == 5:
                _, kind, channel, data1, data2 = event
                if kind == _NOTE_ON and data2 > 0:
                    note = _RawNote(tick, tick, data1, data2, released=False)
                    sounding.setdefault((channel, data1), deque()).append(note)
                    track_notes.setdefault(channel, []).append(note)
                elif kind != _PROGRAM:  # a note-off, or a note-on of velocity 0
                    queue = sounding.get((channel, data1))
                    if queue:  # first in, first out; a stray note-off is ignored
                        note = queue.popleft()
                        note.end, note.released = tick, True
                else:
                    programs.setdefault((number, channel), data1)
                    channel_programs.setdefault(channel, data1)
                continue
            message = event[1]
            kind = message.type
            if kind == "set_tempo":
                tempos.append((tick, message.tempo))
            elif kind == "time_signature":
                time_signatures.append((tick, message.numerator, message.denominator))
            elif kind == "key_signature":
                key_signatures.append((tick, message.key))
            elif kind == "track_name" and not name:
                name = _decode_text(message.name)
            elif kind == "instrument_name" and not instrument:
                instrument = _decode_text(message.name)
        tick = ends[number]
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


def _has_notes(events: list[tuple]) -> bool:
    return any(len(e) == 5 and e[1] == _NOTE_ON and e[4] > 0 for e in events)


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
