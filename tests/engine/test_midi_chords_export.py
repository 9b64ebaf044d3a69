"""MIDI export with chords: a marker with each chord's name at its start and the accompaniment
as a track named "Chords" on its channel with its program; without chords, the same bytes as
before chords existed."""

import hashlib
import io

import mido
import pytest

from segue.engine.accompaniment import AccompanimentSettings, accompaniment_notes
from segue.engine.chords import Chord
from segue.engine.melody import Melody, Note
from segue.engine.midi_io.writing import melody_to_midi_bytes, write_midi

MELODY = Melody([Note(60, 0, 4), Note(64, 4, 4, velocity=90), Note(67, 8, 8)], key="G major",
                tempo=100, time_signature=(3, 4))
CHORDS = (Chord(0, 12, "C"), Chord(12, 6, "N.C."), Chord(18, 6, "G7"))
TICKS_PER_STEP = 120  # 480 ticks a quarter, 4 steps a quarter


def absolute(track):
    now, timed = 0, []
    for message in track:
        now += message.time
        timed.append((now, message))
    return timed


def test_without_chords_the_bytes_are_what_they_were_before_chords():
    # sha256 of the export written by the code before chords existed (same melody, same args)
    assert hashlib.sha256(melody_to_midi_bytes(MELODY)).hexdigest() == (
        "f0aa9393a013a9eb2233850790eec4fda0e1ae415d27773adbdb195427ca808f")
    joined = melody_to_midi_bytes(MELODY, continuation=Melody([Note(72, 16, 4)]),
                                  separate_tracks=True, track_name="Tune", program=5, channel=3,
                                  chords=())
    assert hashlib.sha256(joined).hexdigest() == (
        "c3db6841409c0235c28f6d98fddc8a0c83cba0ad0adbc76a8916a15be9354e17")


def test_chords_become_markers_and_a_chords_track(tmp_path):
    path = tmp_path / "tune.mid"
    settings = AccompanimentSettings(program=0, channel=3, volume=70)
    write_midi(MELODY, path, chords=CHORDS, accompaniment=settings)
    midi = mido.MidiFile(path)
    markers = [(t, m.text) for t, m in absolute(midi.tracks[0]) if m.type == "marker"]
    assert markers == [(0, "C"), (12 * TICKS_PER_STEP, "N.C."), (18 * TICKS_PER_STEP, "G7")]
    names = [next(m.name for m in track if m.type == "track_name") for track in midi.tracks]
    assert names == ["Segue", "Segue", "Chords"]
    chords = midi.tracks[2]
    programs = [m for m in chords if m.type == "program_change"]
    assert [(m.channel, m.program) for m in programs] == [(2, 0)]
    ons = [(t, m.note, m.velocity, m.channel) for t, m in absolute(chords)
           if m.type == "note_on" and m.velocity > 0]
    expected = accompaniment_notes(CHORDS, MELODY, settings)
    assert ons == [(n.start * TICKS_PER_STEP, n.pitch, 70, 2) for n in expected]
    assert not [t for t, *_ in ons if 12 * TICKS_PER_STEP <= t < 18 * TICKS_PER_STEP]  # N.C.
    offs = [m for m in chords if m.type == "note_off"]
    assert len(offs) == len(ons)


def test_an_accompaniment_that_is_off_leaves_the_markers_alone():
    data = melody_to_midi_bytes(MELODY, chords=CHORDS,
                                accompaniment=AccompanimentSettings(on=False))
    midi = mido.MidiFile(file=io.BytesIO(data))
    assert len(midi.tracks) == 2
    assert sum(m.type == "marker" for m in midi.tracks[0]) == 3


def test_default_accompaniment_is_played_when_chords_come_alone():
    midi = mido.MidiFile(file=io.BytesIO(melody_to_midi_bytes(MELODY, chords=CHORDS)))
    channels = {m.channel for m in midi.tracks[2] if m.type == "note_on"}
    assert channels == {AccompanimentSettings().midi_channel}


def test_bad_chords_or_settings_are_refused():
    with pytest.raises(ValueError, match="never overlap"):
        melody_to_midi_bytes(MELODY, chords=(Chord(0, 8, "C"), Chord(4, 8, "G")))
    with pytest.raises(ValueError, match="AccompanimentSettings"):
        melody_to_midi_bytes(MELODY, chords=CHORDS, accompaniment={"style": "jig"})
