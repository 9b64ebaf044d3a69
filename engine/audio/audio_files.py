"""Audio files: a :class:`~engine.audio.rendering.Rendering` as 16-bit WAV, or FLAC.

``audio_formats() -> dict[str, str]``   suffix -> format name for what can be written here:
    '.wav' always (the standard library's ``wave``), '.flac' when ``soundfile`` is installed
``encode_audio(rendering, suffix) -> bytes``
``write_audio(path, rendering)``   the format from the suffix; through
    :func:`engine.files.write_atomically`, so a failed write keeps the old file. Raises
    :class:`AudioExportError` naming the file and the reason.
"""

from __future__ import annotations

import io
import os
import wave
from pathlib import Path

import numpy as np

from segue.engine import file_formats
from segue.engine.audio.rendering import Rendering
from segue.engine.files import FileProblem, write_atomically, write_reason

WAV, FLAC = file_formats.WAV.suffix, file_formats.FLAC.suffix


class AudioExportError(FileProblem):
    """An audio file that cannot be written; an existing file at ``.path`` is left as it was."""

    action = "write"


def _soundfile():
    try:
        import soundfile  # noqa: PLC0415 - optional: FLAC needs libsndfile, which it ships
    except (ImportError, OSError):
        return None
    return soundfile


def audio_formats() -> dict[str, str]:
    formats = {WAV: "WAV"}
    if _soundfile() is not None:
        formats[FLAC] = "FLAC"
    return formats


def to_pcm16(samples: np.ndarray) -> np.ndarray:
    """Float samples (-1..1) as 16-bit integers, clipped; rounding keeps it deterministic."""
    return np.round(np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2")


def encode_audio(rendering: Rendering, suffix: str) -> bytes:
    """The bytes of a 16-bit stereo file in the format named by ``suffix``; ValueError for a
    format that cannot be written here."""
    pcm = to_pcm16(rendering.samples)
    buffer = io.BytesIO()
    suffix = suffix.lower()
    if suffix == WAV:
        with wave.open(buffer, "wb") as file:
            file.setnchannels(pcm.shape[1])
            file.setsampwidth(2)
            file.setframerate(rendering.rate)
            file.writeframes(pcm.tobytes())
    elif suffix == FLAC and (soundfile := _soundfile()) is not None:
        soundfile.write(buffer, pcm, rendering.rate, format="FLAC", subtype="PCM_16")
    else:
        known = " or ".join(audio_formats())
        raise ValueError(f"'{suffix or 'no suffix'}' is not an audio format Segue writes ({known})")
    return buffer.getvalue()


def write_audio(path: str | os.PathLike, rendering: Rendering) -> None:
    """Write ``rendering`` to ``path`` (.wav, or .flac with soundfile); see the module docstring."""
    path = Path(path)
    try:
        data = encode_audio(rendering, path.suffix)
    except ValueError as error:
        raise AudioExportError(path, str(error)) from None
    if not path.absolute().parent.is_dir():
        raise AudioExportError(path, "folder does not exist")
    if path.is_dir():
        raise AudioExportError(path, "a folder of that name exists")
    try:
        write_atomically(path, data)
    except OSError as error:
        raise AudioExportError(path, write_reason(error)) from None  # one wording for all saves
