"""``segue-cli render``: a MIDI file's melody to an audio file, as the app's export would.

``render_midi_file(midi_path, out_path, program=0, soundfont=None, rate=44100, tempo=None,
progress=None, accompaniment=None) -> str``   reads the part import would choose
(:func:`engine.midi_io.import_midi`) and the file's chords (its chord markers, else the chords
heard in its accompanying part), renders the melody with GM ``program`` and the chords as the
accompaniment would play them (``accompaniment``: its settings, the defaults when None; off
renders the melody alone) through ``soundfont`` (None: the built-in bank) and writes
``out_path`` (.wav, or .flac with soundfile); returns a one-line summary. The SoundFont is read
and played in a child process (``render_process``), which streams the file as it renders: a
damaged SoundFont cannot crash this process, and memory does not grow with the piece. Only a
finished file replaces ``out_path``. ``progress(fraction)`` is called as the rendering goes on.
Errors are the engine's own: ``MidiImportError``, :class:`SoundFontError` (a damaged file is
"it is damaged"), :class:`AudioExportError`, ``ValueError``.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from segue.engine.accompaniment import AccompanimentSettings, accompaniment_part
from segue.engine.audio.audio_files import check_target
from segue.engine.audio.render_process import render_to_file
from segue.engine.audio.rendering import melody_events
from segue.engine.audio.soundfont import check_rate


def render_midi_file(
    midi_path: str | os.PathLike,
    out_path: str | os.PathLike,
    program: int = 0,
    soundfont: str | os.PathLike | None = None,
    rate: int = 44100,
    tempo: float | None = None,
    progress: Callable[[float], None] | None = None,
    accompaniment: AccompanimentSettings | None = None,
) -> str:
    """See the module docstring."""
    from segue.engine.midi_io import import_midi  # noqa: PLC0415 - the MIDI stack when needed

    out_path = check_target(out_path)  # before any work is done
    rate = check_rate(rate)
    imported = import_midi(midi_path)
    melody = imported.melody
    part = accompaniment_part(imported.chords, melody, accompaniment or AccompanimentSettings())
    steps = render_to_file(melody_events(melody, program, tempo, accompaniment=part), out_path,
                           soundfont, rate, program)
    while True:
        try:
            fraction = next(steps)
        except StopIteration as done:
            rendered = done.value
            break
        if progress is not None and fraction is not None:
            progress(fraction)
    instrument = rendered.preset or f"program {program}"
    chords = len([c for c in imported.chords if not c.is_no_chord])
    backing = f", {chords} chord{'s' if chords != 1 else ''} accompanied" if part else ""
    return (
        f"{out_path}: {rendered.seconds:.1f} s at {rate} Hz, {len(melody.notes)} notes{backing}, "
        f"{instrument} ({rendered.soundfont.name})"
    )
