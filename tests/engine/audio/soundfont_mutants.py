"""Damaged copies of the shipped SoundFont, made from a seed: bytes flipped, a RIFF/LIST chunk's
size changed, or the file cut short. The same seed always gives the same bytes, so a test or a
bench names a damaged file by its seed and no binary mutant is ever committed.

``chunk_size_fields(data)``   the offsets of every chunk's 32-bit size in a RIFF file
``mutant(data, seed) -> (kind, bytes)``   one damaged copy: kind is 'flip', 'size' or 'cut'
``write_mutant(folder, seed) -> Path``   the mutant of the shipped bank for ``seed``, as a file
"""

from __future__ import annotations

import random
import struct
from functools import cache
from pathlib import Path

from segue.engine.audio.soundfont import BUILT_IN_SOUNDFONT

KINDS = ("flip", "size", "cut")
# Seeds whose mutant crashes tinysoundfont 0.14's parser with SIGSEGV (bench/soundfont_fuzz.py
# lists them; should a fixed library stop crashing on these, take others from its list).
CRASHING_SEEDS = (12, 24, 75)
CONTAINERS = (b"RIFF", b"LIST")


def chunk_size_fields(data: bytes) -> list[int]:
    """Offsets of the size field of every chunk, the containers' and those inside them."""
    fields = []

    def walk(start: int, end: int) -> None:
        position = start
        while position + 8 <= end:
            chunk_id = data[position:position + 4]
            size = struct.unpack_from("<I", data, position + 4)[0]
            fields.append(position + 4)
            body = position + 8
            if chunk_id in CONTAINERS:
                walk(body + 4, min(end, body + size))  # after the form type ('sfbk', 'pdta')
            position = body + size + (size & 1)

    walk(0, len(data))
    return fields


@cache
def built_in_bytes() -> bytes:
    return BUILT_IN_SOUNDFONT.read_bytes()


def mutant(data: bytes, seed: int) -> tuple[str, bytes]:
    """One damaged copy of ``data`` for ``seed`` (see the module docstring)."""
    rng = random.Random(seed)
    kind = KINDS[seed % len(KINDS)]
    damaged = bytearray(data)
    if kind == "flip":
        for _ in range(rng.choice((1, 4, 16, 64))):
            # Half the flips land in the first and last 64 KB, where the headers and the
            # preset tables are; a flip in the samples only changes the sound.
            if rng.random() < 0.5:
                position = rng.randrange(min(len(data), 65536))
            else:
                position = rng.randrange(max(0, len(data) - 65536), len(data))
            damaged[position] ^= rng.randrange(1, 256)
    elif kind == "size":
        field = rng.choice(chunk_size_fields(data))
        old = struct.unpack_from("<I", data, field)[0]
        new = rng.choice((0, 1, old - 1, old + 1, old // 2, old * 2, rng.randrange(2**32),
                          0xFFFFFFFF, 0x7FFFFFFF))
        struct.pack_into("<I", damaged, field, new % 2**32)
    else:
        cut = rng.choice((rng.randrange(12, 4096), rng.randrange(len(data)),
                          len(data) - rng.randrange(1, 65536)))
        del damaged[max(12, cut):]
    return kind, bytes(damaged)


def write_mutant(folder: Path, seed: int) -> Path:
    """The mutant of the shipped bank for ``seed``, written as ``folder/mutant-SEED.sf2``."""
    path = Path(folder) / f"mutant-{seed}.sf2"
    path.write_bytes(mutant(built_in_bytes(), seed)[1])
    return path
