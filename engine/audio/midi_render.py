"""``segue-cli render``: a MIDI file's melody to an audio file, as the app's export would.

``render_midi_file(midi_path, out_path, program=0, soundfont=None, rate=44100, tempo=None,
progress=None) -> str``   reads the part import would choose (:func:`engine.midi_io.read_midi`),
renders it with GM ``program`` through ``soundfont`` (None: the built-in bank) and writes
``out_path`` (.wav, or .flac with soundfile) atomically; returns a one-line summary.
``progress(fraction)`` is called as the rendering goes on. Errors are the engine's own:
``MidiImportError``, :class:`SoundFontError`, :class:`AudioExportError`, ``ValueError``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from segue.engine.audio.audio_files import AudioExportError, audio_formats, write_audio
from segue.engine.audio.rendering import melody_events, render
from segue.engine.audio.soundfont import SoundFontSynth, check_rate


def render_midi_file(
    midi_path: str | os.PathLike,
    out_path: str | os.PathLike,
    program: int = 0,
    soundfont: str | os.PathLike | None = None,
    rate: int = 44100,
    tempo: float | None = None,
    progress: Callable[[float], None] | None = None,
) -> str:
    """See the module docstring."""
    from segue.engine.midi_io import read_midi  # noqa: PLC0415 - the MIDI stack only when needed

    out_path = Path(out_path)
    if out_path.suffix.lower() not in audio_formats():  # before any work is done
        known = " or ".join(audio_formats())
        raise AudioExportError(out_path, f"the name should end in {known}")
    rate = check_rate(rate)
    melody = read_midi(midi_path)
    synth = SoundFontSynth(soundfont, rate)
    events = melody_events(melody, program, tempo)
    rendering = render(events, synth, progress=progress)
    write_audio(out_path, rendering)
    instrument = synth.preset_name(program) or f"program {program}"
    return (
        f"{out_path}: {rendering.seconds:.1f} s at {rate} Hz, {len(melody.notes)} notes, "
        f"{instrument} ({synth.path.name})"
    )
