"""The raw walk of one track chunk with numpy: every byte position at once, no loop per event.

Most tracks are clean: whole events, short numbers, data bytes under 128, channel messages,
meta events and the odd system-exclusive message. For those, :func:`_walk_clean` finds where
each event begins as :mod:`~engine.midi_io.scan`'s careful walk would, about ten times faster.
Anything else (a damaged byte, a track cut inside an event, a far-away event, a system common
message, running status after one) makes it answer None, and the careful walk reads the track,
with its repairs and refusals.
"""

from __future__ import annotations

import numpy as np

_PAD = bytes(8)  # so reads a few bytes past the chunk's end need no bounds checks
# Bytes of a channel message, status included, by the status's high nibble.
_CHANNEL_LENGTH = np.array([0] * 8 + [3, 3, 3, 3, 2, 2, 3, 0], dtype=np.int32)
_CHECKED_METAS = (0x00, 0x20, 0x51, 0x54, 0x58, 0x59)  # those the careful walk may repair
_GUESSES = 4  # rounds of correcting running-status lengths before leaving it to the careful walk


def _numbers(data: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(value, length, too long) of the variable-length number that would start at each byte."""
    more = data >= 0x80
    low = (data & 0x7F).astype(np.int32)
    value = low[:size]
    length = np.ones(size, dtype=np.int32)
    going = more[:size]
    for shift in range(1, 4):
        length += going
        value = np.where(going, (value << 7) | low[shift : shift + size], value)
        going = going & more[shift : shift + size]
    return value, length, going


def _chain(jump: np.ndarray, size: int) -> tuple[np.ndarray, int]:
    """The positions reached from 0 by following ``jump`` before reaching ``size`` or beyond,
    and where the walk ends (pointer doubling: every round doubles the events found)."""
    chain = np.zeros(1, dtype=jump.dtype)
    while chain[-1] < size:
        chain = np.concatenate((chain, jump[chain]))
        if chain[-1] < size:
            jump = jump[jump]
    ends = np.flatnonzero(chain >= size)
    return chain[: ends[0]], int(chain[ends[0]])


def _walk_clean(chunk: bytes, max_ticks: float, meta_problem) -> list[int] | None:
    """Where each event of a clean track begins, or None when the careful walk must read it."""
    size = len(chunk)
    if not size:
        return []
    data = np.frombuffer(chunk + _PAD, dtype=np.uint8)
    value, length, too_long = _numbers(data, size + 4)
    status_at = np.arange(size, dtype=np.int32) + length[:size]
    status = data[status_at]
    running = status < 0x80
    # The next event's position if one began here; size + 1 marks what the careful walk must
    # read (a damaged or cut event, a system common message). Running status is guessed to
    # carry two data bytes and corrected below where the chain of events says otherwise.
    jump = np.empty(size + 2, dtype=np.int32)
    jump[:size] = np.where(running, status_at + 2, status_at + _CHANNEL_LENGTH[status >> 4])
    system = np.flatnonzero(status >= 0xF0)
    system_status = status[system]
    at = np.minimum(status_at[system] + np.where(system_status == 0xFF, 2, 1), size + 3)
    following = at + length[at] + value[at]  # after a meta or system-exclusive message
    following[too_long[at] | ~np.isin(system_status, (0xFF, 0xF0, 0xF7))] = size + 1
    jump[system] = following
    unreadable = too_long[:size] | (jump[:size] > size)
    jump[:size][unreadable] = size + 1
    jump[size:] = (size, size + 1)
    guess = np.full(size, 2, dtype=np.int32)
    for _ in range(_GUESSES):
        starts, end = _chain(jump, size)
        real = _running_data_bytes(status[starts])
        if real is None:
            return None
        mistaken = running[starts] & (real != guess[starts])
        if not mistaken.any():
            break
        wrong = starts[mistaken]
        guess[wrong] = real[mistaken]
        jump[wrong] = np.where(too_long[wrong], size + 1, status_at[wrong] + guess[wrong])
    else:
        return None
    at = status_at[starts]
    if end != size or not _clean(data, status[starts], at, real, value[starts], max_ticks):
        return None
    # Meta and system-exclusive messages the careful walk would repair: their bodies.
    metas = at[(status[starts] == 0xFF) & np.isin(data[at + 1], _CHECKED_METAS)]
    for kind, body, count in zip(data[metas + 1].tolist(), (metas + 2 + length[metas + 2]).tolist(),
                                 value[metas + 2].tolist()):
        if meta_problem(kind, chunk[body : body + count]):
            return None
    sysex = at[(status[starts] == 0xF0) | (status[starts] == 0xF7)]
    for body, count in zip((sysex + 1 + length[sysex + 1]).tolist(), value[sysex + 1].tolist()):
        if _sysex_needs_clip(chunk[body : body + count]):
            return None
    return starts.tolist()


def _sysex_needs_clip(body: bytes | bytearray) -> bool:
    """Whether a system-exclusive body holds data bytes over 127 (mido clips them), not
    counting a leading 0xF0 or the closing 0xF7."""
    if body[:1] == b"\xf0":
        body = body[1:]
    if body[-1:] == b"\xf7":
        body = body[:-1]
    return any(byte > 127 for byte in body)


def _running_data_bytes(status: np.ndarray) -> np.ndarray | None:
    """Data bytes of each event's channel message (running status resolved); None when a running
    status follows no status or a system message."""
    setter = np.where((status >= 0x80) & (status != 0xFF), np.arange(len(status)), -1)
    last = np.maximum.accumulate(setter)
    running = status < 0x80
    if np.any(running & (last < 0)):
        return None
    resolved = np.where(running, status[np.maximum(last, 0)], status)
    if np.any(running & (resolved >= 0xF0)):
        return None
    return np.where(resolved < 0xF0, _CHANNEL_LENGTH[resolved >> 4] - 1, 0)


def _clean(data, status, status_at, data_bytes, delta, max_ticks) -> bool:
    """Whether the events found need nothing of the careful walk: no far-away event, no data
    byte over 127, no system message but system exclusive."""
    if len(status) and np.cumsum(delta, dtype=np.int64)[-1] > max_ticks:  # the last is latest
        return False
    running = status < 0x80
    channel = status < 0xF0
    first = status_at + ~running  # a running event's first data byte is its "status" byte
    if np.any(channel & (data[first] > 127)):
        return False
    if np.any(channel & (data_bytes == 2) & (data[first + 1] > 127)):
        return False
    return not np.any(~channel & (status != 0xFF) & (status != 0xF0) & (status != 0xF7))
