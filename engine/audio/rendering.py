"""Offline rendering: a melody, or MIDI messages with times, to samples, faster than real time.

``melody_events(melody, program=0, tempo=None, channel=0, accompaniment=None)``   the melody
    as (seconds, message) pairs: a program change, then each note's on and off (the melody's
    tempo unless given); with ``accompaniment`` (:class:`engine.accompaniment.AccompanimentPart`)
    its program change and notes too, on its channel, swung as the melody is
``stream_render(events, synth, write, max_tail=4.0)``   a generator: calls ``write(block)`` with
    each next block of the sound (float32, shape (frames, 2), at most ``BLOCK_FRAMES`` frames;
    the array is reused once ``write`` returns), yields progress (0-1) about every second of
    audio and returns the number of frames written; stop iterating to abandon it. Its memory
    does not grow with the piece: an audio file is written as it is rendered.
``iter_render(events, synth, max_tail=4.0)``   the same, collected: returns a :class:`Rendering`
``frames_at_most(events, rate, max_tail=4.0)``   an upper bound of the frames rendered
``render(events, synth, max_tail=4.0, progress=None) -> Rendering``   the same, all at once,
    calling ``progress(fraction)`` if given
``render_melody(melody, program=0, tempo=None, soundfont=None, rate=44100) -> Rendering``

Events apply at their exact frame (``round(seconds * rate)``), so a note starts where the grid
says, however the audio is cut into blocks. After the last event the sound rings on until it
falls silent (a note's release), at most ``max_tail`` seconds (then a short fade avoids a
click), and ``TAIL_PADDING`` seconds of silence end the file.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from segue.engine.audio.soundfont import SoundFontSynth, check_rate
from segue.engine.live.messages import check_data, note_off, note_on, program_change
from segue.engine.melody import Melody, check_tempo
from segue.engine.performance import performed_events

if TYPE_CHECKING:
    from segue.engine.accompaniment import AccompanimentPart

BLOCK_FRAMES = 4096  # between events; large blocks keep the per-call overhead small
SILENCE = 10 ** (-90 / 20)  # -90 dBFS: below 16-bit resolution
TAIL_PADDING = 0.1
FADE_SECONDS = 0.05
PROGRESS_SECONDS = 1.0


class Rendering(NamedTuple):
    """Stereo float32 samples, shape (frames, 2), at ``rate`` Hz."""

    samples: np.ndarray
    rate: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate


def melody_events(
    melody: Melody, program: int = 0, tempo: float | None = None, channel: int = 0,
    accompaniment: AccompanimentPart | None = None,
) -> list[tuple[float, list[int]]]:
    """(seconds, MIDI message) for ``melody`` played with GM ``program`` from time 0, each
    note where :mod:`engine.performance` plays it (swing, humanize offsets), and its
    ``accompaniment``."""
    check_data("program", program)
    events = [(0.0, program_change(channel, program))]
    if accompaniment is not None:
        events.append((0.0, program_change(accompaniment.channel, accompaniment.program)))
    for seconds, is_on, pitch, velocity in performed_events(melody, tempo):
        message = note_on(channel, pitch, velocity) if is_on else note_off(channel, pitch)
        events.append((seconds, message))
    if accompaniment is not None:
        # Here, not at the top: the render child imports this module and nothing more.
        from segue.engine.accompaniment import performed_accompaniment  # noqa: PLC0415

        seconds_per_step = 60.0 / check_tempo(melody.tempo if tempo is None else tempo) / (
            melody.steps_per_quarter)
        backing = accompaniment.channel
        for note in performed_accompaniment(accompaniment.notes, melody):
            events.append((note.on * seconds_per_step, note_on(backing, note.pitch, note.velocity)))
            events.append((note.off * seconds_per_step, note_off(backing, note.pitch)))
    return events


def _frames(events: Iterable[tuple[float, Sequence[int]]], rate: int) -> list[tuple[int, list[int]]]:
    """Events as (frame, message), in time order; at one frame, offs before ons, as a player
    sends them (a repeated pitch is released, then struck again)."""
    timed = []
    for order, (seconds, message) in enumerate(events):
        if not seconds >= 0:  # also refuses NaN
            raise ValueError(f"event time {seconds!r} s is negative")
        if seconds == float("inf"):
            raise ValueError("event time inf s is not a time")
        is_on = (message[0] & 0xF0) == 0x90 and len(message) > 2 and message[2] > 0
        timed.append((round(seconds * rate), is_on, order, list(message)))
    timed.sort(key=lambda event: event[:3])
    return [(frame, message) for frame, _, _, message in timed]


def stream_render(
    events: Iterable[tuple[float, Sequence[int]]],
    synth: SoundFontSynth,
    write: Callable[[np.ndarray], object],
    max_tail: float = 4.0,
) -> Generator[float, None, int]:
    """See the module docstring."""
    if not 0 <= max_tail <= 60:
        raise ValueError(f"release tail {max_tail!r} s is outside 0-60")
    rate = synth.rate
    timed = _frames(events, rate)
    last = timed[-1][0] if timed else 0
    tail_frames, fade = round(max_tail * rate), round(FADE_SECONDS * rate)
    # Where the sound ends is known only after the last event (how long the release rings, and
    # a fade that may reach back before it): the last frames before it and the tail wait in
    # ``ending``, of a size set by the tail alone; everything earlier is written as it comes.
    held = min(fade, last)
    hold_from = last - held
    ending = np.zeros((held + tail_frames + round(TAIL_PADDING * rate), 2), dtype=np.float32)
    scratch = np.empty((BLOCK_FRAMES, 2), dtype=np.float32)
    position, next_report = 0, round(PROGRESS_SECONDS * rate)
    for frame, message in timed:
        while position < frame:  # the sound up to this event, in blocks
            end = min(frame, position + BLOCK_FRAMES)
            block = scratch[:end - position]
            synth.render_into(block)
            now = min(len(block), max(0, hold_from - position))  # what is final already
            if now:
                write(block[:now])
            ending[position + now - hold_from:end - hold_from] = block[now:]
            position = end
            if position >= next_report:
                next_report += round(PROGRESS_SECONDS * rate)
                yield position / max(1, last)
        synth.handle(message)
    sounding_until = _render_tail(synth, ending, held, held + tail_frames)
    if sounding_until >= held + tail_frames:  # still sounding when the tail ends: fade, no click
        fade = min(fade, last + tail_frames)
        ending[held + tail_frames - fade:held + tail_frames] *= np.linspace(
            1, 0, fade, dtype=np.float32)[:, None]
    end = sounding_until + round(TAIL_PADDING * rate)
    for start in range(0, end, BLOCK_FRAMES):
        write(ending[start:min(end, start + BLOCK_FRAMES)])
    yield 1.0
    return hold_from + end


def frames_at_most(
    events: Iterable[tuple[float, Sequence[int]]], rate: int, max_tail: float = 4.0
) -> int:
    """The most frames :func:`stream_render` writes for ``events``: to the last one, the whole
    tail and the padding (an audio file's size is checked against it before rendering)."""
    timed = _frames(events, rate)  # ValueError for a time that is not one
    return (timed[-1][0] if timed else 0) + round(max_tail * rate) + round(TAIL_PADDING * rate)


def iter_render(
    events: Iterable[tuple[float, Sequence[int]]], synth: SoundFontSynth, max_tail: float = 4.0
) -> Generator[float, None, Rendering]:
    """See the module docstring."""
    blocks: list[np.ndarray] = []
    yield from stream_render(events, synth, lambda block: blocks.append(block.copy()), max_tail)
    samples = np.concatenate(blocks) if blocks else np.zeros((0, 2), dtype=np.float32)
    return Rendering(samples, synth.rate)


def _render_tail(synth: SoundFontSynth, out: np.ndarray, position: int, max_frames: int) -> int:
    """Render after the last event until a whole block is silent (a waveform crosses zero, so
    one quiet sample means nothing); the frame where the sound ends, zeros after it."""
    sounding_until = position
    while position < max_frames:
        end = min(max_frames, position + BLOCK_FRAMES)
        synth.render_into(out[position:end])
        loud = np.flatnonzero(np.abs(out[position:end]).max(axis=1) > SILENCE)
        if len(loud) == 0:
            break
        sounding_until = position + loud[-1] + 1
        position = end
    out[sounding_until:] = 0
    return sounding_until


def render(
    events: Iterable[tuple[float, Sequence[int]]],
    synth: SoundFontSynth,
    max_tail: float = 4.0,
    progress: Callable[[float], None] | None = None,
) -> Rendering:
    """Render all at once (see :func:`iter_render`), calling ``progress(fraction)`` meanwhile."""
    steps = iter_render(events, synth, max_tail)
    while True:
        try:
            fraction = next(steps)
        except StopIteration as done:
            return done.value
        if progress is not None:
            progress(fraction)


def render_melody(
    melody: Melody, program: int = 0, tempo: float | None = None, soundfont=None,
    rate: int = 44100,
) -> Rendering:
    """``melody`` with GM ``program`` through ``soundfont`` (None: the built-in bank), at an
    export rate (44100 or 48000 Hz)."""
    synth = SoundFontSynth(soundfont, check_rate(rate))
    return render(melody_events(melody, program, tempo), synth)
