"""From a file's bytes to parts: read the file, walk it, decode its events, collect notes.

The result is a ``_Song``, still in ticks; every failure becomes one MidiImportError.

Events are decoded here rather than by ``mido.MidiFile``, which builds and checks a Python
object per event (three quarters of an import's time for a big file). The raw walk in
:mod:`~engine.midi_io.scan` has already checked and repaired the chunks and found where each
event begins; from those positions the events are decoded with numpy, all at once, following
mido's reading rules (running status, which meta events clear it, clipping of data bytes), and
notes are paired in :mod:`~engine.midi_io.pairing`. The few meta events the import uses are
still built by mido (``MetaMessage.from_bytes``).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field

import mido
import numpy as np

from segue.engine.midi_io.pairing import _Notes, _pair_notes
from segue.engine.midi_io.results import MidiImportError
from segue.engine.midi_io.scan import (
    _Layout,
    _read_varint,
    _Refused,
    _scan,
)

MAX_FILE_BYTES = 50 * 1024 * 1024


@dataclass
class _Part:
    track: int
    channel: int
    name: str
    program: int | None
    notes: _Notes


@dataclass
class _Song:
    """Everything the import needs from one file, still in ticks."""

    layout: _Layout
    parts: list[_Part]
    tempos: list[tuple[int, int]]  # (tick, microseconds per beat), in time order
    time_signatures: list[tuple[int, int, int]]  # (tick, numerator, denominator)
    key_signatures: list[tuple[int, str]]  # (tick, mido key such as 'F#m')
    warnings: list[str]
    # (tick, track, meta type, text) of text, lyric, marker and cue events: chord names
    # (engine.midi_io.chord_track), in file order
    texts: list[tuple[int, int, str, str]] = field(default_factory=list)


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
# track and instrument name, tempo, meter, key; text, lyric, marker and cue (chord names)
_USED_METAS = (0x03, 0x04, 0x51, 0x58, 0x59, 0x01, 0x05, 0x06, 0x07)
_TEXT_METAS = ("text", "lyrics", "marker", "cue_marker")
_PAD = bytes(4)  # reads a few bytes past a chunk's end land here instead of failing


@dataclass
class _TrackEvents:
    """The events of one track the import uses, in file order.

    Note-ons, note-offs and program changes as arrays (``kind`` is the status's high nibble),
    the meta events of _USED_METAS as ``(tick, MetaMessage)``, and the tick the track ends at.
    """

    tick: np.ndarray
    kind: np.ndarray
    channel: np.ndarray
    data1: np.ndarray
    data2: np.ndarray
    metas: list[tuple[int, mido.MetaMessage]]
    end: int

    def notes(self, track_end: int) -> _Notes:
        is_note = (self.kind == _NOTE_ON) | (self.kind == _NOTE_OFF)
        return _pair_notes(
            self.tick[is_note], ((self.kind == _NOTE_ON) & (self.data2 > 0))[is_note],
            self.channel[is_note], self.data1[is_note], self.data2[is_note], track_end,
        )

    def has_notes(self) -> bool:
        return bool(np.any((self.kind == _NOTE_ON) & (self.data2 > 0)))


def _events(chunk: bytes, clip: bool, starts: list[int]) -> _TrackEvents:
    """Decode one (scanned) track chunk as mido would read it, all events at once.

    ``starts`` are the positions of its events from the raw walk, which also made sure that
    every event is whole, every number short and every running status preceded by a status.
    """
    data = np.frombuffer(chunk + _PAD, dtype=np.uint8)
    start = np.asarray(starts, dtype=np.int64)
    # The delta time: a variable-length number of 1-4 bytes.
    delta = (data[start] & 0x7F).astype(np.int64)
    more = data[start] >= 0x80
    at = start
    for _ in range(3):
        at = at + more
        delta = np.where(more, (delta << 7) | (data[at] & 0x7F), delta)
        more = more & (data[at] >= 0x80)
    tick = np.cumsum(delta)
    at = at + 1  # the status byte, or the first data byte under running status
    status = data[at]
    running = status < 0x80
    # mido: every event but a meta event sets the running status.
    setter = np.where(~running & (status != 0xFF), np.arange(len(start)), -1)
    status = np.where(running, status[np.maximum.accumulate(setter)], status)
    kind = status >> 4
    used = (kind == _NOTE_OFF) | (kind == _NOTE_ON) | (kind == _PROGRAM)
    first = at[used] + ~running[used]
    data1 = data[first].astype(np.int64)
    data2 = np.where(kind[used] == _PROGRAM, 0, data[first + 1].astype(np.int64))
    if clip:
        data1, data2 = np.minimum(data1, 127), np.minimum(data2, 127)
    metas = []
    wanted = np.flatnonzero((status == 0xFF) & np.isin(data[at + 1], _USED_METAS))
    for meta_tick, position in zip(tick[wanted].tolist(), at[wanted].tolist()):
        length, body = _read_varint(chunk, position + 2)
        metas.append((meta_tick, mido.MetaMessage.from_bytes(chunk[position : body + length])))
    return _TrackEvents(
        tick[used], kind[used], (status[used] & 0x0F).astype(np.int64), data1, data2, metas,
        int(tick[-1]) if len(tick) else 0,
    )


def _parse(data: bytes) -> _Song:
    layout = _scan(data)
    tracks = [
        _events(chunk, layout.needs_clip, starts)
        for chunk, starts in zip(layout.tracks, layout.starts)
    ]
    warnings = list(layout.warnings)
    track_numbers = range(len(tracks))
    if layout.format == 2:
        with_notes = [t for t in track_numbers if tracks[t].has_notes()]
        track_numbers = with_notes[:1] or [0]
        if len(tracks) > 1:
            warnings.append(
                f"This format-2 file holds {len(tracks)} independent sequences; "
                f"only sequence {track_numbers[0] + 1} was read."
            )

    parts: list[_Part] = []
    channel_programs: dict[int, int] = {}
    tempos, time_signatures, key_signatures, texts = [], [], [], []
    unreleased = 0
    for number in track_numbers:
        events = tracks[number]
        name = instrument = ""
        for tick, message in events.metas:
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
            elif kind in _TEXT_METAS:
                texts.append((tick, number, kind, _decode_text(message.text)))
        is_program = events.kind == _PROGRAM
        channels, first = np.unique(events.channel[is_program], return_index=True)
        programs = dict(zip(channels.tolist(), events.data1[is_program][first].tolist()))
        for channel, program in programs.items():
            channel_programs.setdefault(channel, program)
        notes = events.notes(events.end)
        unreleased += int(np.count_nonzero(~notes.released))
        for channel in np.unique(notes.channel).tolist():
            parts.append(_Part(number, channel, name or instrument, programs.get(channel),
                               notes.take(notes.channel == channel)))
    for part in parts:
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
    return _Song(layout, parts, tempos, time_signatures, key_signatures, warnings, texts)


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
