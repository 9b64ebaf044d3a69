"""The records Segue writes to the built-in instrument's own process (:mod:`engine.audio.host`),
framed so that a torn or damaged record cannot leave the stream out of step. No I/O here.

``pack(kind, number=nan, data=b'') -> bytes``   one record: :data:`MAGIC`, the kind
    (:data:`MESSAGE`, :data:`VOLUME`, :data:`REPORT`), a number (a message's time on
    perf_counter, NaN for none; a volume; a report's sequence number), up to three MIDI bytes,
    and a CRC-32 of all that
``RecordReader()``   ``feed(chunk) -> [(kind, number, data) or SKIPPED, ...]``: the whole
    records in what was read so far, in order; bytes that are not part of one (a torn record,
    noise) are skipped up to the next :data:`MAGIC` whose record checks out, counted in
    ``dropped``, and marked by :data:`SKIPPED` where they were
``problem(kind, number, data) -> str``   why a whole record cannot be played ('' when it can):
    an unknown kind, a message that is not one MIDI channel message, a time or volume out of
    range

A record is written whole by one writer, but a pipe can still hand over part of one (a write
cut short, a process that wrote into the pipe by mistake); before framing, one lost byte shifted
every later record, so notes kept sounding after Panic with nothing detected.
"""

from __future__ import annotations

import math
import struct
import zlib

MAGIC = b"\xa5\x5a"
MESSAGE, VOLUME, REPORT = b"M", b"V", b"R"
BODY = struct.Struct("<cdB3s")  # kind, number, length, the bytes
CHECK = struct.Struct("<I")
SIZE = len(MAGIC) + BODY.size + CHECK.size
MAX_BUFFERED = 1 << 16  # bytes kept while looking for a record: more is noise, dropped
SKIPPED = (b"", math.nan, b"")  # in what feed returns: bytes were skipped here


def pack(kind: bytes, number: float = math.nan, data: bytes = b"") -> bytes:
    body = BODY.pack(kind, number, len(data), data)
    return MAGIC + body + CHECK.pack(zlib.crc32(body))


class RecordReader:
    """See the module docstring."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.dropped = 0  # bytes skipped since the start

    def feed(self, chunk: bytes) -> list[tuple[bytes, float, bytes]]:
        buffer = self._buffer
        buffer += chunk
        records: list = []
        while True:
            start = buffer.find(MAGIC)
            if start < 0:  # keep a last byte that may begin the next magic
                self._drop(len(buffer) - (1 if buffer[-1:] == MAGIC[:1] else 0), records)
                break
            self._drop(start, records)
            if len(buffer) < SIZE:
                break
            body = buffer[len(MAGIC):SIZE - CHECK.size]  # one copy: crc32 and unpack take it
            (check,) = CHECK.unpack_from(buffer, SIZE - CHECK.size)
            if zlib.crc32(body) != check:
                self._drop(1, records)  # not a record here: look for the next magic
                continue
            kind, number, length, data = BODY.unpack(body)
            # A length over three keeps its extra (zero) bytes, for problem() to refuse.
            records.append((kind, number, data[:length] + bytes(max(0, length - len(data)))))
            del buffer[:SIZE]
        if len(buffer) > MAX_BUFFERED:
            self._drop(len(buffer), records)
        return records

    def _drop(self, count: int, records: list) -> None:
        if count > 0:
            del self._buffer[:count]
            self.dropped += count
            if not records or records[-1] is not SKIPPED:
                records.append(SKIPPED)


def problem(kind: bytes, number: float, data: bytes) -> str:
    """See the module docstring."""
    if kind == MESSAGE:
        if not 1 <= len(data) <= 3 or not 0x80 <= data[0] < 0xF0:
            return f"{data.hex(' ') or 'nothing'} is not a MIDI channel message"
        if len(data) != (2 if data[0] & 0xF0 in (0xC0, 0xD0) else 3):
            return f"{data.hex(' ')} has the wrong length for its kind"
        if any(byte > 0x7F for byte in data[1:]):
            return f"{data.hex(' ')} has a data byte over 127"
        if math.isinf(number):
            return "a message's time is infinite"
    elif kind == VOLUME:
        if not math.isfinite(number) or not 0.0 <= number <= 1.0:
            return f"volume {number!r} is outside 0-1"
    elif kind == REPORT:
        if not math.isfinite(number) or number < 0:
            return f"report number {number!r} is not a count"
    else:
        return f"record kind {kind!r} is unknown"
    return ""
