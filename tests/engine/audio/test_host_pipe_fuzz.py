"""The pipe to the built-in instrument's own process under damage: torn records, noise, flipped
bits, and whole records the child must refuse. The framing (``engine.audio.host_pipe``) finds
every whole record after the damage; the child releases every note when it skipped something,
and says what it cannot play as the instrument's failure, never by dying."""

import math
import random

import pytest

from segue.engine.audio import host_pipe
from segue.engine.audio.host_pipe import (
    MESSAGE,
    REPORT,
    SKIPPED,
    VOLUME,
    RecordReader,
    pack,
    problem,
)
from segue.engine.audio.instrument import InstrumentError
from tests.engine.audio.test_host import host

NOTES_OFF = [[0xB0 | channel, 123, 0] for channel in range(16)]


def random_record(rng: random.Random) -> tuple[bytes, float, bytes]:
    kind = rng.choice([MESSAGE, MESSAGE, MESSAGE, VOLUME])
    if kind == VOLUME:
        return kind, rng.random(), b""
    data = bytes([0x90 | rng.randrange(16), rng.randrange(128), rng.randrange(128)])
    return kind, rng.choice([math.nan, rng.uniform(0, 1e6)]), data


def damage(rng: random.Random, record: bytes) -> bytes:
    """A torn record (a prefix), noise, or the record with bits flipped."""
    choice = rng.randrange(3)
    if choice == 0:
        return record[:rng.randrange(len(record))]
    if choice == 1:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40)))
    flipped = bytearray(record)
    for _ in range(rng.randrange(1, 4)):
        flipped[rng.randrange(len(flipped))] ^= 1 << rng.randrange(8)
    return bytes(flipped)


def same(records, expected) -> bool:
    """Records equal, NaN times included."""
    return len(records) == len(expected) and all(
        kind == k and data == d and (number == n or (math.isnan(number) and math.isnan(n)))
        for (kind, number, data), (k, n, d) in zip(records, expected))


@pytest.mark.parametrize("seed", range(40))
def test_every_whole_record_after_any_damage_is_found_in_any_chunking(seed):
    rng = random.Random(seed)
    stream, intact, damaged = b"", [], 0
    for _ in range(200):
        record = random_record(rng)
        packed = pack(*record)
        hurt = damage(rng, packed) if rng.random() < 0.2 else packed
        stream += hurt
        if hurt == packed:  # (bits flipped twice may leave it whole)
            intact.append(record)
        else:
            damaged += 1
    reader, found, position = RecordReader(), [], 0
    while position < len(stream):
        size = rng.randrange(1, 64)
        found += reader.feed(stream[position:position + size])
        position += size
    assert same([record for record in found if record is not SKIPPED], intact)
    assert (reader.dropped > 0) == (damaged > 0)


def test_a_record_split_anywhere_is_read_once_whole():
    record = pack(MESSAGE, 1.5, b"\x90\x3c\x64")
    for cut in range(len(record) + 1):
        reader = RecordReader()
        assert reader.feed(record[:cut]) + reader.feed(record[cut:]) == [
            (MESSAGE, 1.5, b"\x90\x3c\x64")]
        assert reader.dropped == 0


def test_noise_without_a_record_is_not_kept_without_bound():
    reader = RecordReader()
    for _ in range(100):
        assert set(reader.feed(host_pipe.MAGIC + bytes(2000))) <= {SKIPPED}
    assert len(reader._buffer) <= host_pipe.MAX_BUFFERED
    assert reader.feed(pack(VOLUME, 0.5))[-1] == (VOLUME, 0.5, b"")


@pytest.mark.parametrize("record, reason", [
    ((VOLUME, 2.0, b""), "volume 2.0 is outside 0-1"),
    ((VOLUME, math.nan, b""), "volume nan is outside 0-1"),
    ((MESSAGE, math.nan, b""), "is not a MIDI channel message"),
    ((MESSAGE, math.nan, b"\x3c\x64"), "is not a MIDI channel message"),
    ((MESSAGE, math.nan, b"\xf8"), "is not a MIDI channel message"),
    ((MESSAGE, math.nan, b"\x90\x3c"), "wrong length"),
    ((MESSAGE, math.nan, b"\x90\x3c\xff"), "data byte over 127"),
    ((MESSAGE, math.inf, b"\x90\x3c\x64"), "infinite"),
    ((b"X", 0.0, b""), "unknown"),
    ((REPORT, -1.0, b""), "not a count"),
])
def test_a_whole_record_that_cannot_be_played_is_named(record, reason):
    assert reason in problem(*record)


def test_fine_records_have_no_problem():
    for record in [(MESSAGE, math.nan, b"\x90\x3c\x64"), (MESSAGE, 3.5, b"\xc0\x07"),
                   (VOLUME, 0.0, b""), (VOLUME, 1.0, b""), (REPORT, 7.0, b"")]:
        assert problem(*record) == ""


def write_raw(instrument, data: bytes) -> None:
    with instrument._write_lock:
        instrument._process.stdin.write(data)


def test_a_torn_record_in_the_real_pipe_releases_every_note_and_later_ones_play():
    instrument = host()
    try:
        instrument.send([0x90, 60, 100])
        torn = pack(MESSAGE, math.nan, bytes([0x80, 60, 0]))[:7]  # the note-off, cut short
        write_raw(instrument, torn)
        instrument.send([0x90, 62, 100])
        report = instrument.report()
        assert instrument._process.poll() is None and instrument.present_in([])
    finally:
        instrument.close()
    sent = [message for message, _when in report["sent"]]
    assert sent == [[0x90, 60, 100], *NOTES_OFF, [0x90, 62, 100]]
    assert instrument.dropped >= len(torn)


@pytest.mark.parametrize("seed", range(3))
def test_random_damage_in_the_real_pipe_never_ends_the_child_and_whole_records_play(seed):
    rng = random.Random(seed)
    instrument = host()
    expected = []
    try:
        for _ in range(60):
            note = [0x90, rng.randrange(4, 128), rng.randrange(1, 128)]
            if rng.random() < 0.3:
                write_raw(instrument, damage(rng, pack(MESSAGE, math.nan, bytes(note))))
            else:
                instrument.send(note)
                expected.append(note)
        report = instrument.report()
        assert instrument._process.poll() is None and instrument.present_in([])
    finally:
        instrument.close()
    played = [message for message, _when in report["sent"] if message not in NOTES_OFF]
    assert played == expected


def test_a_volume_out_of_range_is_the_instruments_error_and_the_child_lives_on():
    instrument = host()
    try:
        write_raw(instrument, pack(VOLUME, 7.0))  # the old child died of an uncaught ValueError
        instrument.report()
        assert instrument._process.poll() is None
        assert not instrument.present_in([])
        assert instrument.missing_message() == ("The built-in instrument stopped working (it "
                                                "was sent what it cannot play: volume 7.0 is "
                                                "outside 0-1).")
        with pytest.raises(InstrumentError, match="volume 7.0"):
            instrument.send([0x90, 60, 100])
    finally:
        instrument.close()
