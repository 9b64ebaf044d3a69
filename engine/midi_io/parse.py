"""From a file's bytes to parts: read the file, walk it, let mido build messages, collect notes.

The result is a ``_Song``, still in ticks; every failure becomes one MidiImportError.
"""

from __future__ import annotations

import io
import os
import stat
from collections import deque
from dataclasses import dataclass

import mido

from engine.midi_io.results import MidiImportError
from engine.midi_io.scan import _Layout, _Refused, _scan

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
