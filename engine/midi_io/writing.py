"""The export API: a melody (and its continuation) as a type-1 MIDI file, written atomically.

With ``chords``, the file also carries them as a musician's DAW shows them: a marker event with
each chord's name at its start (in the first track), and the accompaniment
(:mod:`engine.accompaniment`) as a track of its own named "Chords", on its channel with its
program (none when the accompaniment is off: the markers alone). Without chords the bytes are
what they always were.
"""

from __future__ import annotations

import io
import math
import os

import mido

from segue.engine import keys
from segue.engine.accompaniment import (
    AccompanimentSettings,
    accompaniment_part,
    performed_accompaniment,
)
from segue.engine.chords import Chord, check_chords
from segue.engine.files import ReadOnlyFileError, write_atomically, write_reason
from segue.engine.melody import Melody
from segue.engine.midi_io.results import MidiExportError
from segue.engine.performance import performed_notes

EXPORT_TICKS_PER_BEAT = 480
CHORDS_TRACK_NAME = "Chords"


def _mido_key(key: str) -> str:
    """``'G# minor'`` -> mido's spelling with the fewest accidentals, here ``'G#m'``."""
    tonic, mode = keys.parse_key(key)
    spelling = keys.key_name(tonic, mode).split()[0] + ("m" if mode == "minor" else "")
    best = None
    for name in _MIDO_KEYS:
        if name.endswith("m") != (mode == "minor"):
            continue
        if keys.parse_key(name.rstrip("m"))[0] != tonic:
            continue
        # Fewest accidentals; on a tie (F# or Gb major) the spelling of keys.key_name.
        rank = (abs(_MIDO_KEYS[name]), name != spelling)
        if best is None or rank < best[0]:
            best = (rank, name)
    return best[1]


# mido's key names and their sharps (+) or flats (-).
_MIDO_KEYS = {
    "Cb": -7, "Gb": -6, "Db": -5, "Ab": -4, "Eb": -3, "Bb": -2, "F": -1, "C": 0, "G": 1, "D": 2,
    "A": 3, "E": 4, "B": 5, "F#": 6, "C#": 7, "Abm": -7, "Ebm": -6, "Bbm": -5, "Fm": -4,
    "Cm": -3, "Gm": -2, "Dm": -1, "Am": 0, "Em": 1, "Bm": 2, "F#m": 3, "C#m": 4, "G#m": 5,
    "D#m": 6, "A#m": 7,
}


def _check_export_args(melody, continuation, track_name, program, channel) -> None:
    if not isinstance(melody, Melody):
        raise ValueError(f"melody must be a Melody, got {type(melody).__name__}")
    if continuation is not None:
        if not isinstance(continuation, Melody):
            raise ValueError(f"continuation must be a Melody, got {type(continuation).__name__}")
        if continuation.steps_per_quarter != melody.steps_per_quarter:
            raise ValueError(
                f"continuation has {continuation.steps_per_quarter} steps per quarter, "
                f"the melody {melody.steps_per_quarter}"
            )
    if not isinstance(track_name, str):
        raise ValueError(f"track name must be text, got {track_name!r}")
    for label, value, top in (("program", program, 127), ("channel", channel, 15)):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
            raise ValueError(f"{label} must be an integer 0-{top}, got {value!r}")


def _utf8_for_mido(text: str) -> str:
    """Text whose Latin-1 bytes are ``text`` in UTF-8.

    mido encodes meta text with a charset held in a module global that every load and save
    sets for its duration; writing with its default (Latin-1), as every read here does too,
    keeps a save in one thread from changing how a load in another decodes.
    """
    return text.encode("utf-8").decode("latin-1")


def _ticks(step: float, steps_per_quarter: int) -> int:
    """Exact whenever steps_per_quarter divides 480."""
    return math.floor(step * EXPORT_TICKS_PER_BEAT / steps_per_quarter + 0.5)


def _note_track(melody: Melody, name: str, program: int, channel: int, played=None):
    """A track of ``melody``'s notes where :mod:`engine.performance` plays them (swing and
    humanize offsets, at the melody's tempo), in ticks of EXPORT_TICKS_PER_BEAT; ``played``
    (performed notes) instead of the melody's when given."""

    def ticks(step: float) -> int:
        return _ticks(step, melody.steps_per_quarter)

    events = []  # (tick, note-offs before note-ons at one tick, message)
    for note in performed_notes(melody) if played is None else played:
        start, end = ticks(note.on), ticks(note.off)
        events.append((start, 1, mido.Message("note_on", channel=channel, note=note.pitch,
                                              velocity=note.velocity)))
        events.append((end, 0, mido.Message("note_off", channel=channel, note=note.pitch)))
    events.sort(key=lambda e: (e[0], e[1]))
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("track_name", name=_utf8_for_mido(name)))
    track.append(mido.Message("program_change", channel=channel, program=program))
    now = 0
    for tick, _, message in events:
        track.append(message.copy(time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=0))
    return track


def _chord_markers(conductor, chords: tuple[Chord, ...], steps_per_quarter: int) -> None:
    """A marker with each chord's name at its start, before the conductor's end of track."""
    end = conductor.pop()
    now = 0
    for chord in chords:
        tick = _ticks(chord.start, steps_per_quarter)
        conductor.append(mido.MetaMessage("marker", text=_utf8_for_mido(chord.symbol),
                                          time=tick - now))
        now = tick
    conductor.append(end)


def _chords_track(melody: Melody, chords, accompaniment):
    """The accompaniment's track, or None when it plays nothing."""
    if accompaniment is None:
        accompaniment = AccompanimentSettings()
    if not isinstance(accompaniment, AccompanimentSettings):
        raise ValueError(f"accompaniment must be AccompanimentSettings, got "
                         f"{type(accompaniment).__name__}")
    part = accompaniment_part(chords, melody, accompaniment)
    if part is None:
        return None
    played = performed_accompaniment(part.notes, melody)
    return _note_track(melody, CHORDS_TRACK_NAME, part.program, part.channel, played)


def melody_to_midi_bytes(
    melody: Melody,
    *,
    continuation: Melody | None = None,
    separate_tracks: bool = False,
    track_name: str = "Segue",
    program: int = 0,
    channel: int = 0,
    chords=(),
    accompaniment: AccompanimentSettings | None = None,
) -> bytes:
    """The type-1 Standard MIDI File :func:`write_midi` writes, as bytes."""
    _check_export_args(melody, continuation, track_name, program, channel)
    chords = check_chords(chords)
    midi = mido.MidiFile(type=1, ticks_per_beat=EXPORT_TICKS_PER_BEAT)
    conductor = mido.MidiTrack()
    conductor.append(mido.MetaMessage("track_name", name=_utf8_for_mido(track_name)))
    numerator, denominator = melody.time_signature
    conductor.append(mido.MetaMessage("time_signature", numerator=numerator,
                                      denominator=denominator))
    conductor.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(melody.tempo)))
    if melody.key is not None:
        conductor.append(mido.MetaMessage("key_signature", key=_mido_key(melody.key)))
    conductor.append(mido.MetaMessage("end_of_track", time=0))
    midi.tracks.append(conductor)
    if continuation is None:
        midi.tracks.append(_note_track(melody, track_name, program, channel))
    elif separate_tracks:  # the continuation played with the melody's tempo and swing
        midi.tracks.append(_note_track(melody, f"{track_name} (seed)", program, channel))
        midi.tracks.append(_note_track(melody.with_notes(continuation.notes),
                                       f"{track_name} (continuation)", program, channel))
    else:
        joined = melody.add(*continuation.notes)
        midi.tracks.append(_note_track(joined, track_name, program, channel))
    if chords:
        _chord_markers(conductor, chords, melody.steps_per_quarter)
        backing = _chords_track(melody, chords, accompaniment)
        if backing is not None:
            midi.tracks.append(backing)
    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()


def write_midi(
    melody: Melody,
    path,
    *,
    continuation: Melody | None = None,
    separate_tracks: bool = False,
    track_name: str = "Segue",
    program: int = 0,
    channel: int = 0,
    chords=(),
    accompaniment: AccompanimentSettings | None = None,
) -> None:
    """Write ``melody`` (and ``continuation``) as a type-1 MIDI file, atomically; with
    ``chords`` (on the melody's steps), their markers and the accompaniment's "Chords" track
    (``accompaniment``: its settings, the defaults when None; see the module docstring).

    The file is written to a temporary file in the same folder and renamed over ``path``, so a
    failure (MidiExportError) leaves any existing file as it was; a read-only file is refused.
    """
    data = melody_to_midi_bytes(
        melody, continuation=continuation, separate_tracks=separate_tracks,
        track_name=track_name, program=program, channel=channel, chords=chords,
        accompaniment=accompaniment,
    )
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise MidiExportError(path, "folder does not exist")
    if os.path.isdir(path):
        raise MidiExportError(path, "a folder of that name exists")
    try:
        write_atomically(path, data)
    except ReadOnlyFileError as error:
        raise MidiExportError(path, "file is read-only") from error
    except OSError as error:
        raise MidiExportError(path, write_reason(error)) from error
