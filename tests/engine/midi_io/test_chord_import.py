"""Chords from a MIDI file (engine.midi_io.chord_track): named in its meta events, else heard in
a part that accompanies the melody; a file without chords imports as before."""

import mido
import pytest

from segue.engine.chords import Chord
from segue.engine.melody import Melody, Note
from segue.engine.midi_io import import_midi, melody_to_midi_bytes, write_midi

# Twelve notes over four bars of 4/4 (steps of a 16th): G, C, D7, G underneath.
TUNE = [(67, 0, 1), (69, 1, 1), (71, 2, 2), (72, 4, 1), (71, 5, 1), (69, 6, 2), (66, 8, 1),
        (67, 9, 1), (69, 10, 2), (71, 12, 1), (69, 13, 1), (67, 14, 2)]
G, C, D7 = (55, 59, 62), (55, 60, 64), (54, 57, 60, 62)
PLAYED = (Chord(0, 16, "G"), Chord(16, 16, "C"), Chord(32, 16, "D7"), Chord(48, 16, "G"))


def track(name, notes=(), channel=0, metas=()):
    """A track of ``notes`` ``(pitch, start, length)`` in beats, with ``metas`` ``(beat, meta)``."""
    events = []
    for pitch, start, length in notes:
        events.append((round(start * 480), 1, mido.Message("note_on", channel=channel, note=pitch,
                                                           velocity=80)))
        events.append((round((start + length) * 480), 0,
                       mido.Message("note_off", channel=channel, note=pitch)))
    events += [(round(beat * 480), 2, meta) for beat, meta in metas]
    events.sort(key=lambda e: (e[0], e[1]))
    result = mido.MidiTrack([mido.MetaMessage("track_name", name=name)])
    now = 0
    for tick, _, message in events:
        result.append(message.copy(time=tick - now))
        now = tick
    return result


def save(path, *tracks):
    midi = mido.MidiFile(type=1, ticks_per_beat=480)
    midi.tracks.extend(tracks)
    midi.save(path)
    return path


def block(chords, beats=4):
    return [(p, bar * beats, beats) for bar, chord in enumerate(chords) for p in chord]


def test_a_block_chord_track_gives_the_chords_and_the_melody_as_before(tmp_path):
    with_chords = save(tmp_path / "block.mid", track("Melody", TUNE),
                       track("Piano", block([G, C, D7, G]), channel=1))
    alone = save(tmp_path / "alone.mid", track("Melody", TUNE))
    result = import_midi(with_chords)
    assert result.chords == PLAYED
    assert result.melody == import_midi(alone).melody
    assert result.report.part.name == "Melody"
    assert result.report.chords_read == 4
    assert "4 chord(s) heard in part(s) 2 'Piano'." in result.report.summary


def test_a_boom_chick_accompaniment_with_its_bass_gives_the_chords(tmp_path):
    figure = []
    for bar, (root, fifth, chord) in enumerate([(43, 50, G), (48, 43, C), (50, 45, D7[:3]),
                                                (43, 50, G)]):
        start = bar * 4
        figure += [(root, start, 1), (fifth, start + 2, 1)]
        figure += [(p, start + beat, 1) for beat in (1, 3) for p in chord if p != root + 12]
    path = save(tmp_path / "boom.mid", track("Melody", TUNE),
                track("Accomp", figure, channel=1))
    assert [(c.start, c.symbol) for c in import_midi(path).chords] == [
        (0, "G"), (16, "C"), (32, "D7"), (48, "G"),
    ]


def test_a_bass_part_under_a_guitar_gives_the_slash_bass(tmp_path):
    guitar = block([C, C], beats=4)
    bass = [(40, 0, 4), (40, 4, 4)]  # E under C: C/E
    path = save(tmp_path / "slash.mid", track("Melody", TUNE[:6]),  # two bars
                track("Guitar", guitar, channel=1), track("Bass", bass, channel=2))
    assert import_midi(path).chords == (Chord(0, 32, "C/E"),)


def test_markers_name_the_chords_before_any_accompaniment(tmp_path):
    markers = [(0, mido.MetaMessage("marker", text="G")), (4, mido.MetaMessage("marker", text="Am7")),
               (8, mido.MetaMessage("marker", text="D7/F#")), (12, mido.MetaMessage("marker", text="G"))]
    path = save(tmp_path / "markers.mid", track("Melody", TUNE, metas=markers),
                track("Piano", block([C, C, C, C]), channel=1))  # markers win over what it plays
    result = import_midi(path)
    assert [(c.start, c.length, c.symbol) for c in result.chords] == [
        (0, 16, "G"), (16, 16, "Am7"), (32, 16, "D7/F#"), (48, 16, "G"),
    ]
    assert "named in the file's markers" in result.report.summary


def test_an_unreadable_chord_name_keeps_the_melody_and_is_named(tmp_path):
    texts = [(0, mido.MetaMessage("text", text="G")), (4, mido.MetaMessage("text", text="Cxyz7")),
             (8, mido.MetaMessage("text", text="Verse")), (12, mido.MetaMessage("text", text="G"))]
    path = save(tmp_path / "odd.mid", track("Melody", TUNE, metas=texts))
    result = import_midi(path)
    # "Cxyz7" sounds no chord until the next name; "Verse" is a word, not a chord
    assert [(c.start, c.length, c.symbol) for c in result.chords] == [(0, 16, "G"), (48, 16, "G")]
    assert result.report.unreadable_chords == ("Cxyz7",)
    assert '1 chord symbol(s) Segue cannot read, left out (the melody is kept): "Cxyz7".' in (
        result.report.warnings
    )
    assert len(result.melody.notes) == len(TUNE)


def test_lyrics_are_not_chord_names(tmp_path):
    words = ["A", "love", "song", "for", "you"]
    lyrics = [(i, mido.MetaMessage("lyrics", text=word)) for i, word in enumerate(words)]
    path = save(tmp_path / "song.mid", track("Vocal", TUNE, metas=lyrics))
    result = import_midi(path)
    assert result.chords == () and result.report.unreadable_chords == ()


@pytest.mark.parametrize("accompaniment", [
    None,  # the defaults: markers and a "Chords" track
    pytest.param("off", id="markers-only"),
])
def test_segue_to_segue_keeps_the_chords_exactly(tmp_path, accompaniment):
    from segue.engine.accompaniment import AccompanimentSettings

    melody = Melody([Note(p, 4 * s, 4 * n) for p, s, n in TUNE], key="G major")
    chords = (Chord(0, 16, "G"), Chord(16, 8, "Em"), Chord(24, 8, "Bb/D"), Chord(32, 16, "D7sus4"),
              Chord(48, 8, "N.C."), Chord(56, 8, "G"))
    settings = AccompanimentSettings(on=False) if accompaniment == "off" else None
    path = tmp_path / "segue.mid"
    write_midi(melody, path, chords=chords, accompaniment=settings)
    result = import_midi(path)
    assert result.chords == chords
    assert result.melody.notes == melody.notes


def test_a_file_without_chords_imports_exactly_as_before(tmp_path):
    melody = Melody([Note(p, 4 * s, 4 * n) for p, s, n in TUNE])
    path = tmp_path / "plain.mid"
    path.write_bytes(melody_to_midi_bytes(melody))
    result = import_midi(path)
    assert result.chords == () and result.report.chords_read == 0
    assert result.melody.notes == melody.notes
    assert "chord" not in result.report.summary


def test_a_melody_alone_with_a_bass_line_has_no_chords(tmp_path):
    bass = [(43, 0, 4), (48, 4, 4), (50, 8, 4), (43, 12, 4)]
    path = save(tmp_path / "duo.mid", track("Melody", TUNE), track("Bass", bass, channel=1))
    assert import_midi(path).chords == ()
