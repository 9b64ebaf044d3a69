"""Fuzzing the MIDI import: mutated and truncated real files may only raise MidiImportError.

Seeds are the fixtures in tests/data/midi (files shaped like DAW and notation-program output)
plus every crasher found so far (tests/data/midi/crashers). About 12,000 hypothesis inputs run
across the tests below, derandomized so CI always sees the same ones. How long the slowest input
takes is a figure, not an assertion: ``bench/midi_import.py --fuzz`` prints it (the goal is 2 s).
``SEGUE_FUZZ_EXAMPLES=50000`` runs more, with fresh randomness, to hunt for new crashers: save
any it finds in tests/data/midi/crashers/ so they stay tested.
"""

from __future__ import annotations

import os
import struct
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segue.engine import midi_io
from segue.engine.midi_io import MidiImportError

DATA = Path(__file__).resolve().parent.parent / "data" / "midi"
SEED_FILES = sorted(DATA.glob("*.mid")) + sorted((DATA / "crashers").glob("*.mid"))
SEEDS = [path.read_bytes() for path in SEED_FILES]

_EXAMPLES = int(os.environ.get("SEGUE_FUZZ_EXAMPLES", "0"))
_EXPLORING = _EXAMPLES > 0
FUZZ = settings(
    max_examples=_EXAMPLES or 3000,
    deadline=None,  # speed is bench/midi_import.py's job, not a test's
    derandomize=not _EXPLORING,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
INTERESTING_BYTES = (0x00, 0x01, 0x7F, 0x80, 0x81, 0xF0, 0xF7, 0xFF, 0x90, 0x2F, 0x51, 0x59)


@pytest.fixture(scope="module")
def scratch():
    with tempfile.TemporaryDirectory() as folder:
        yield Path(folder) / "fuzzed.mid"


def check(path: Path, data: bytes) -> None:
    """Import ``data``: only MidiImportError may escape, and the report adds up."""
    path.write_bytes(data)
    try:
        result = midi_io.import_midi(path)
        assert result.report.notes_read == (
            result.report.notes_kept + result.report.merged + result.report.dropped
        )
        midi_io.list_tracks(path)
    except MidiImportError as error:
        assert error.reason and str(error).startswith("Cannot import 'fuzzed.mid': ")


def test_there_are_seeds_of_every_kind():
    names = {path.name for path in SEED_FILES}
    assert {"daw_type1.mid", "format0_multichannel.mid", "notation_keysig.mid",
            "piano_chords.mid"} <= names
    for path in SEED_FILES:
        if path.parent == DATA:
            assert midi_io.read_midi(path).notes, path


def test_every_truncation_of_every_seed(scratch):
    for seed in SEEDS:
        for length in range(len(seed)):
            check(scratch, seed[:length])


@st.composite
def byte_mutations(draw):
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        position = draw(st.integers(0, len(data) - 1))
        data[position] = draw(st.integers(0, 255) | st.sampled_from(INTERESTING_BYTES))
    return bytes(data)


@st.composite
def truncated_mutations(draw):
    data = bytearray(draw(byte_mutations()))
    return bytes(data[: draw(st.integers(0, len(data)))])


@st.composite
def structural_mutations(draw):
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(data)))
        end = min(len(data), start + draw(st.integers(0, 64)))
        action = draw(st.sampled_from(["insert", "delete", "duplicate", "zero", "repeat"]))
        if action == "insert":
            data[start:start] = draw(st.binary(min_size=1, max_size=16))
        elif action == "delete":
            del data[start:end]
        elif action == "duplicate":
            data[start:start] = data[start:end]
        elif action == "zero":
            data[start:end] = bytes(end - start)
        else:  # a long run of one byte: endless variable-length numbers, huge lengths
            data[start:start] = bytes([draw(st.sampled_from(INTERESTING_BYTES))]) * 64
    return bytes(data)


@st.composite
def header_mutations(draw):
    """Lie in the header and the chunk lengths, where parsers trust the file most."""
    data = bytearray(draw(st.sampled_from(SEEDS)))
    field = draw(st.sampled_from(["format", "tracks", "division", "header_size", "chunk_size"]))
    value = draw(st.sampled_from([0, 1, 2, 3, 0x7FFF, 0x8000, 0xE728, 0xFFFF]) | st.integers(0, 0xFFFF))
    offsets = {"format": 8, "tracks": 10, "division": 12}
    if field in offsets:
        struct.pack_into(">H", data, offsets[field], value)
    elif field == "header_size":
        struct.pack_into(">L", data, 4, draw(st.sampled_from([0, 5, 7, 100, 0xFFFFFFFF])))
    else:
        chunks = [i for i in range(14, len(data) - 8) if data[i : i + 4] == b"MTrk"]
        if chunks:
            size = draw(st.sampled_from([0, 1, 3, 0x7FFFFFFF, 0xFFFFFFFF]) | st.integers(0, 4096))
            struct.pack_into(">L", data, draw(st.sampled_from(chunks)) + 4, size)
    return bytes(data)


@FUZZ
@given(data=byte_mutations())
def test_byte_mutations(scratch, data):
    check(scratch, data)


@FUZZ
@given(data=truncated_mutations())
def test_truncated_mutations(scratch, data):
    check(scratch, data)


@FUZZ
@given(data=structural_mutations())
def test_structural_mutations(scratch, data):
    check(scratch, data)


@FUZZ
@given(data=header_mutations())
def test_header_mutations(scratch, data):
    check(scratch, data)
