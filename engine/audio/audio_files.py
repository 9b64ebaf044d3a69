"""Audio files: 16-bit WAV, or FLAC, written block by block as the sound is rendered.

``audio_formats() -> dict[str, str]``   suffix -> format name for what can be written here:
    '.wav' always (the standard library's ``wave``), '.flac' when ``soundfile`` is installed
``AudioStream(file, suffix, rate)``   an audio file written into the open binary ``file`` a
    block at a time (``write(samples)``, ``finish()``): memory does not grow with its length.
    A WAV's sizes are written into its header at the end; FLAC is soundfile's streaming writer.
``check_length(suffix, frames)``   ValueError when ``frames`` are more than the format can hold
    (a WAV file is at most 4 GB: about 6.7 hours at 44.1 kHz; FLAC has no such limit)
``encode_audio(rendering, suffix) -> bytes``
``write_audio(path, rendering)``   the format from the suffix; through
    :func:`engine.files.write_atomically`, so a failed write keeps the old file. Raises
    :class:`AudioExportError` naming the file and the reason.

A file streamed by another process (``render_process``) is saved the way ``write_atomically``
saves: ``check_target(path)`` first, the stream goes to ``temporary_beside(path)``, and
``replace_with(temporary, path)`` puts it in place in one rename (the old file survives
anything before it); ``remove_quietly(temporary)`` after a failure or a cancel.
"""

from __future__ import annotations

import io
import os
import wave
from pathlib import Path
from typing import BinaryIO

import numpy as np

from segue.engine import file_formats, files
from segue.engine.audio.rendering import Rendering
from segue.engine.files import FileProblem, check_writable, write_atomically, write_reason

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


WAV_MAX_DATA_BYTES = 2**32 - 1 - 36  # a RIFF size is 32 bits and counts the header after it


def check_length(suffix: str, frames: int, channels: int = 2) -> None:
    """See the module docstring."""
    if suffix.lower() == WAV and frames * channels * 2 > WAV_MAX_DATA_BYTES:
        raise ValueError("the sound is over 4 GB, more than a WAV file can hold; choose FLAC")


def _unknown_format(suffix: str) -> ValueError:
    known = " or ".join(audio_formats())
    return ValueError(f"'{suffix or 'no suffix'}' is not an audio format Segue writes ({known})")


class AudioStream:
    """See the module docstring. ``file`` must be seekable for WAV (its header is patched)."""

    def __init__(self, file: BinaryIO, suffix: str, rate: int, channels: int = 2):
        self._file, self.suffix = file, suffix.lower()
        self.frames = 0
        if self.suffix == WAV:
            self._wav = wave.open(file, "wb")  # noqa: SIM115 - closed by finish()
            self._wav.setnchannels(channels)
            self._wav.setsampwidth(2)
            self._wav.setframerate(rate)
            self._flac = None
        elif self.suffix == FLAC and (soundfile := _soundfile()) is not None:
            self._wav = None
            self._flac = soundfile.SoundFile(file, "w", rate, channels, "PCM_16", format="FLAC")
        else:
            raise _unknown_format(suffix)

    def write(self, samples: np.ndarray) -> None:
        """Append float samples (-1..1), shape (frames, channels)."""
        pcm = to_pcm16(samples)
        if self._wav is not None:
            self._wav.writeframesraw(pcm.tobytes())  # the header's sizes come in finish()
        else:
            self._flac.write(pcm)
        self.frames += len(pcm)

    def finish(self) -> None:
        """Complete the file (a WAV's header sizes, FLAC's last frame) and flush it."""
        if self._wav is not None:
            self._wav.close()  # patches the header; the file itself stays open
        else:
            self._flac.close()
        self._file.flush()


def encode_audio(rendering: Rendering, suffix: str) -> bytes:
    """The bytes of a 16-bit stereo file in the format named by ``suffix``; ValueError for a
    format that cannot be written here."""
    buffer = io.BytesIO()
    check_length(suffix, len(rendering.samples), rendering.samples.shape[1])
    stream = AudioStream(buffer, suffix, rendering.rate, rendering.samples.shape[1])
    stream.write(rendering.samples)
    stream.finish()
    return buffer.getvalue()


def check_target(path: str | os.PathLike) -> Path:
    """``path`` as a Path if an audio file can be written there (a known suffix, its folder, no
    folder or read-only file in the way); AudioExportError naming it otherwise."""
    path = Path(path)
    if path.suffix.lower() not in audio_formats():
        raise AudioExportError(path, str(_unknown_format(path.suffix)))
    if not path.absolute().parent.is_dir():
        raise AudioExportError(path, "folder does not exist")
    if path.is_dir():
        raise AudioExportError(path, "a folder of that name exists")
    try:
        check_writable(path)
    except OSError as error:
        raise AudioExportError(path, write_reason(error)) from None
    return path


def temporary_beside(path: str | os.PathLike) -> Path:
    """A fresh hidden name in ``path``'s folder (:func:`engine.files.temporary_beside`)."""
    return Path(files.temporary_beside(path))


def open_new(temporary: str | os.PathLike) -> BinaryIO:
    """``temporary`` created for writing and reading back (FLAC may); never through a link."""
    return files.open_new(temporary, "w+b")


def replace_with(temporary: str | os.PathLike, path: str | os.PathLike) -> None:
    """Put the finished ``temporary`` in ``path``'s place, keeping the mode of a file replaced;
    AudioExportError (the temporary file removed) when that fails."""
    try:
        files.replace_keeping_mode(temporary, path)
    except OSError as error:
        remove_quietly(temporary)
        raise AudioExportError(path, write_reason(error)) from None


def remove_quietly(path: str | os.PathLike) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


def write_audio(path: str | os.PathLike, rendering: Rendering) -> None:
    """Write ``rendering`` to ``path`` (.wav, or .flac with soundfile); see the module docstring."""
    path = Path(path)
    try:
        data = encode_audio(rendering, path.suffix)
    except ValueError as error:
        raise AudioExportError(path, str(error)) from None
    check_target(path)
    try:
        write_atomically(path, data)
    except OSError as error:
        raise AudioExportError(path, write_reason(error)) from None  # one wording for all saves
