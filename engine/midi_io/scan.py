"""The raw walk: a file's header and chunks, checked and repaired before any event is decoded.

Counting events here lets an absurd file be refused cheaply, and repairing here (damaged meta
events, out-of-range data bytes, a track cut inside an event) lets the decoder in
:mod:`~engine.midi_io.parse` (which follows mido's reading rules) read what is left. A clean
track is walked with numpy (:mod:`~engine.midi_io.fastwalk`); the careful walk below, one event
at a time, reads the others.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from segue.engine.midi_io.fastwalk import _sysex_needs_clip, _walk_clean

MAX_EVENTS = 1_000_000
MAX_BEATS = 100_000  # about 14 hours at 120 BPM: later events mean a damaged file

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
    """A file's header and track chunks after the raw walk, ready to decode."""

    format: int
    division: int  # the header's raw 16-bit time division
    ticks_per_beat: int = 0  # 0 for SMPTE timing
    ticks_per_second: float = 0.0  # SMPTE timing only
    tracks: list[bytes] = field(default_factory=list)
    starts: list[list[int]] = field(default_factory=list)  # per track: where each event begins
    events: int = 0
    needs_clip: bool = False
    warnings: list[str] = field(default_factory=list)


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
        chunk = data[start:end]
        starts = _walk_clean(chunk, max_ticks, _meta_problem)
        if starts is not None and layout.events + len(starts) <= MAX_EVENTS:
            layout.events += len(starts)
        else:  # damaged, or over the limit: the careful walk repairs or refuses at the event
            chunk, starts = _scan_track(chunk, len(layout.tracks), layout, max_ticks)
        layout.tracks.append(chunk)
        layout.starts.append(starts)
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


def _scan_track(
    chunk: bytes, number: int, layout: _Layout, max_ticks: float
) -> tuple[bytes, list[int]]:
    """Walk one track's events the way mido will read them; return the (repaired) chunk data
    and where each of its events begins (so the decoder need not walk it again)."""
    data = bytearray(chunk)
    starts: list[int] = []
    size = len(data)
    pos = 0
    tick = 0
    last_status = None
    damaged_metas: set[str] = set()
    while pos < size:
        event_start = pos
        try:
            delta = data[pos]
            if delta < 0x80:  # most deltas are one byte: skip the call
                pos += 1
            else:
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
                if _sysex_needs_clip(data[pos : pos + length]):
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
                if remaining and max(data[pos : pos + remaining]) > 127:
                    layout.needs_clip = True
                pos += remaining
        except _EventCut:
            del data[event_start:]
            layout.warnings.append(
                f"Track {number + 1} ends in the middle of an event; that event was ignored."
            )
            break
        starts.append(event_start)
        layout.events += 1
        if layout.events > MAX_EVENTS:
            raise _Refused(f"file has more than {MAX_EVENTS:,} events, too many for a melody")
    if damaged_metas:
        layout.warnings.append(
            f"Track {number + 1}: ignored damaged {', '.join(sorted(damaged_metas))} event(s)."
        )
    return bytes(data), starts


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
