"""A General MIDI SoundFont synthesizer driven by MIDI byte messages. No ports, no threads.

``SoundFontSynth(soundfont=None, rate=44100, gain_db=0.0)``   loads ``soundfont`` (a path to an
    ``.sf2``/``.sf3`` file; None: the bank shipped in ``resources/``), or raises
    :class:`SoundFontError` naming the file and the reason; any device rate 8-192 kHz
``check_rate(rate)``   the rates audio files are exported at: 44100 or 48000 Hz
``handle(message)``   a note on/off, control change, program change or pitch bend, as the
    bytes a MIDI port would get (channel 10 plays the GM drum kit)
``render_into(buffer)``   fill a C-contiguous float32 array of shape (frames, 2) with the next
    frames of sound; ``render(frames)`` returns a new one
``preset_name(program)``   the bank's name for a GM program ('Flute'), or None

Synthesis is TinySoundFont (``tinysoundfont`` on PyPI: MIT, reads sf2/sf3, no system library).
Its rendering is deterministic: the same messages at the same frames give the same samples.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from segue.engine import data_files
from segue.engine.files import FileProblem, read_regular
from segue.engine.limits import MAX_SOUNDFONT_BYTES

BUILT_IN_SOUNDFONT = data_files.soundfont()  # resources/sf_GMbank.sf2, wherever installed
RATES = (44100, 48000)
DRUM_CHANNEL = 9  # General MIDI percussion (channel 10)
DRUM_BANK = 128  # SoundFont banks: 128 holds the drum kits
MAX_VOICES = 64  # a melody, the metronome and thru notes need few; a cap bounds the callback's work
CHANNELS = 16


class SoundFontError(FileProblem):
    """A SoundFont that cannot be used: ``.path`` and ``.reason``; the message names the file."""

    action = "use the SoundFont"


def check_rate(rate: object) -> int:
    """``rate`` if it is a supported sample rate (44100 or 48000 Hz); ValueError otherwise."""
    if isinstance(rate, bool) or rate not in RATES:
        raise ValueError(f"sample rate {rate!r} is not one of {', '.join(map(str, RATES))} Hz")
    return int(rate)


def _load(path: Path):
    """The library's SoundFont object for ``path``; SoundFontError when it cannot be read.

    The library's parser is native code: a damaged file can crash the process that reads it.
    Only a child process calls this for a user's file (``soundfont_check``, ``render_process``
    and the instrument's own process), never the app or the command line itself."""
    try:
        from tinysoundfont import _tinysoundfont  # noqa: PLC0415 - the extension, not its player
    except ImportError as error:
        raise SoundFontError(path, f"the synthesizer library could not be loaded ({error})") from None
    if not path.is_file():
        raise SoundFontError(path, "no such file" if not path.exists() else "it is not a file")
    data = read_regular(path, MAX_SOUNDFONT_BYTES, SoundFontError, "a SoundFont")
    if data[:4] != b"RIFF" or data[8:12] != b"sfbk":
        raise SoundFontError(path, "it is not an SF2/SF3 SoundFont")
    try:
        soundfont = _tinysoundfont.SoundFont(data)
    except Exception:  # noqa: BLE001 - the library raises several types for bad data
        raise SoundFontError(path, "it is damaged (its instruments cannot be read)") from None
    if soundfont.get_preset_count() == 0:
        raise SoundFontError(path, "it has no instruments")
    return soundfont


class SoundFontSynth:
    """See the module docstring."""

    def __init__(self, soundfont: str | os.PathLike | None = None, rate: int = 44100,
                 gain_db: float = 0.0):
        self.path = Path(soundfont) if soundfont is not None else BUILT_IN_SOUNDFONT
        if isinstance(rate, bool) or not isinstance(rate, int) or not 8000 <= rate <= 192000:
            raise ValueError(f"sample rate {rate!r} is outside 8000-192000 Hz")
        self.rate = rate
        self._font = _load(self.path)
        from tinysoundfont import _tinysoundfont  # noqa: PLC0415

        self._font.set_output(_tinysoundfont.OutputMode.StereoInterleaved, self.rate, gain_db)
        self._font.set_max_voices(MAX_VOICES)
        for channel in range(CHANNELS):
            self._select(channel, 0)

    def preset_name(self, program: int) -> str | None:
        bank = 0
        index = self._font.get_preset_index(bank, program)
        return self._font.get_preset_name(index) if index >= 0 else None

    def _select(self, channel: int, program: int) -> None:
        """Program ``program`` on ``channel`` (the drum kit of that number on channel 10); a
        program the bank lacks falls back to its first of the bank, as GM players do."""
        bank = DRUM_BANK if channel == DRUM_CHANNEL else 0
        for candidate in (program, 0):
            if self._font.get_preset_index(bank, candidate) >= 0:
                self._font.channel_set_bank(channel, bank)
                self._font.channel_set_preset_number(channel, candidate, channel == DRUM_CHANNEL)
                return

    def handle(self, message: Sequence[int]) -> None:
        """Apply one MIDI channel message; anything else (system messages) is ignored."""
        if not message:
            return
        kind, channel = message[0] & 0xF0, message[0] & 0x0F
        data = list(message[1:3]) + [0, 0]
        font = self._font
        if kind == 0x90 and data[1] > 0:
            font.channel_note_on(channel, data[0], data[1] / 127.0)
        elif kind in (0x80, 0x90):
            font.channel_note_off(channel, data[0])
        elif kind == 0xB0:
            font.channel_midi_control(channel, data[0], data[1])
        elif kind == 0xC0:
            self._select(channel, data[0])
        elif kind == 0xE0:
            font.channel_set_pitch_wheel(channel, data[0] | (data[1] << 7))

    def render_into(self, buffer: np.ndarray) -> None:
        """Fill ``buffer`` (float32, shape (frames, 2), C-contiguous) with the next frames."""
        if len(buffer):
            self._font.render(memoryview(buffer).cast("B"), False)

    def render(self, frames: int) -> np.ndarray:
        buffer = np.empty((frames, 2), dtype=np.float32)
        self.render_into(buffer)
        return buffer
