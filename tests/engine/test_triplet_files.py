"""Triplets in files: MIDI, ABC and MusicXML import keep them on the 12-step grid, export
writes them as triplets, and conversion between the formats keeps them."""

from __future__ import annotations

import mido
import pytest

from segue.engine import midi_io
from segue.engine.chords import Chord
from segue.engine.melody import Melody, Note
from segue.engine.midi_io import melody_to_midi_bytes
from segue.engine.notation import (
    convert,
    import_notation,
    melody_to_abc,
    parse_abc_text,
    write_notation,
)
from segue.engine.notation.abc_tuplets import Piece, render_bar

PPQ = 480


def _midi_file(path, notes, markers=(), ppq=PPQ):
    """A type-0 file of ``(pitch, start, length)`` notes in ticks, and marker texts."""
    events = [(tick, 1, mido.MetaMessage("marker", text=text)) for tick, text in markers]
    for pitch, start, length in notes:
        events.append((start, 2, mido.Message("note_on", note=pitch, velocity=90)))
        events.append((start + length, 0, mido.Message("note_off", note=pitch)))
    track, now = mido.MidiTrack(), 0
    for tick, _, message in sorted(events, key=lambda e: (e[0], e[1])):
        track.append(message.copy(time=tick - now))
        now = tick
    song = mido.MidiFile(type=0, ticks_per_beat=ppq)
    song.tracks.append(track)
    song.save(path)
    return path


def _rhythm(melody):
    return [(n.pitch, n.start, n.length) for n in melody.notes]


# Triplet eighths, a quarter, triplet sixteenths and sixteenths, in ticks at 480.
TRIPLET_EIGHTHS = [(60, 0, 160), (62, 160, 160), (64, 320, 160), (65, 480, 480)]
TRIPLET_SIXTEENTHS = [(67, 960, 80), (69, 1040, 80), (71, 1120, 80), (72, 1200, 120),
                      (74, 1320, 120), (76, 1440, 480)]


def test_midi_triplet_eighths_import_exactly_on_twelve_steps(tmp_path):
    path = _midi_file(tmp_path / "eighths.mid", TRIPLET_EIGHTHS, markers=[(0, "C"), (480, "G7")])
    result = midi_io.import_midi(path)
    assert result.melody.steps_per_quarter == 12
    assert _rhythm(result.melody) == [(60, 0, 4), (62, 4, 4), (64, 8, 4), (65, 12, 12)]
    assert result.report.moved == 0 and result.report.triplet_notes == 3
    assert "Kept 3 triplet note(s) on a 12-steps-per-quarter grid" in result.report.summary
    # The chord markers land on the same grid.
    assert result.chords == (Chord(0, 12, "C"), Chord(12, 36, "G7"))


def test_midi_triplet_sixteenths_import_exactly(tmp_path):
    path = _midi_file(tmp_path / "sixteenths.mid", TRIPLET_SIXTEENTHS)
    melody = midi_io.read_midi(path)
    assert melody.steps_per_quarter == 12
    assert _rhythm(melody) == [(67, 24, 2), (69, 26, 2), (71, 28, 2), (72, 30, 3), (74, 33, 3),
                               (76, 36, 12)]


def test_a_resolution_that_does_not_divide_by_three_still_finds_the_triplets(tmp_path):
    notes = [(60, 0, 33), (62, 33, 33), (64, 67, 33), (65, 100, 100)]  # 100 ticks a quarter
    melody = midi_io.read_midi(_midi_file(tmp_path / "odd.mid", notes, ppq=100))
    assert melody.steps_per_quarter == 12
    assert _rhythm(melody) == [(60, 0, 4), (62, 4, 4), (64, 8, 4), (65, 12, 12)]


def test_straight_files_and_forced_grids_keep_four_steps(tmp_path):
    straight = [(60, 0, 120), (62, 120, 120), (64, 240, 240), (65, 480, 480)]
    melody = midi_io.read_midi(_midi_file(tmp_path / "straight.mid", straight))
    assert melody.steps_per_quarter == 4
    assert _rhythm(melody) == [(60, 0, 1), (62, 1, 1), (64, 2, 2), (65, 4, 4)]
    # An explicit grid still forces it (the models' 4): triplets are snapped as before.
    forced = midi_io.import_midi(_midi_file(tmp_path / "t.mid", TRIPLET_EIGHTHS), None, 4)
    assert forced.melody.steps_per_quarter == 4 and forced.report.moved == 3
    assert "triplet" not in forced.report.summary


def test_a_played_take_off_both_grids_snaps_to_sixteenths(tmp_path):
    played = [(60, 0, 100), (62, 131, 97), (64, 247, 230), (65, 497, 400)]
    melody = midi_io.read_midi(_midi_file(tmp_path / "played.mid", played))
    assert melody.steps_per_quarter == 4


def test_triplets_stay_when_a_few_notes_fit_neither_grid(tmp_path):
    # A score's export: the triplets above, then a quintuplet (96 ticks apart) four of whose
    # notes fit neither grid; the triplet grid keeps the triplets and moves those four least.
    quintuplet = [(60 + k, 1920 + 96 * k, 96) for k in range(5)] + [(72, 2400, 480)]
    result = midi_io.import_midi(_midi_file(tmp_path / "mixed.mid",
                                            TRIPLET_EIGHTHS + TRIPLET_SIXTEENTHS + quintuplet))
    assert result.melody.steps_per_quarter == 12
    assert _rhythm(result.melody)[:4] == [(60, 0, 4), (62, 4, 4), (64, 8, 4), (65, 12, 12)]
    assert [n.start for n in result.melody.notes[10:15]] == [48, 50, 53, 55, 58]
    assert result.report.moved == 5 and len(result.melody.notes) == 16  # (the first ends off both)
    abc = parse_abc_text("X:1\nM:4/4\nL:1/8\nK:G\n(3GAB (3cBA G2 (5ABcde | d2 (3BAG A4 |]\n")
    assert abc.import_part(None).melody.steps_per_quarter == 12


def test_midi_export_writes_triplet_ticks():
    melody = Melody([Note(60, 0, 4), Note(62, 4, 4), Note(64, 8, 4), Note(65, 14, 2)],
                    steps_per_quarter=12)
    song = mido.MidiFile(file=__import__("io").BytesIO(melody_to_midi_bytes(melody)))
    ticks, now = [], 0
    for message in song.tracks[-1]:
        now += message.time
        if message.type == "note_on" and message.velocity:
            ticks.append(now)
    assert ticks == [0, 160, 320, 560]


ABC_TRIPLETS = """X:1
T:Triplets
M:4/4
L:1/8
K:G
"G"(3ABc d2 (3A/B/c/ d3 | "D7"(3A2B2c2 B4 |]
"""
# Mostly triplet eighths, so the tune is written with L:1/8 again.
ABC_EIGHTHS = '"G"(3ABc (3dcB A2 (3A/B/c/d | "D7"(3A2B2c2 B4 |]'



def test_abc_triplets_import_on_twelve_steps_with_their_chords():
    result = parse_abc_text(ABC_TRIPLETS).import_part()
    melody = result.melody
    assert melody.steps_per_quarter == 12
    assert _rhythm(melody)[:8] == [(69, 0, 4), (71, 4, 4), (72, 8, 4), (74, 12, 12),
                                   (69, 24, 2), (71, 26, 2), (72, 28, 2), (74, 30, 18)]
    assert _rhythm(melody)[8:] == [(69, 48, 8), (71, 56, 8), (72, 64, 8), (71, 72, 24)]
    assert result.chords == (Chord(0, 48, "G"), Chord(48, 48, "D7"))
    assert result.report.triplet_notes == 9


@pytest.mark.parametrize("tune", [ABC_TRIPLETS, ABC_TRIPLETS.replace(
    '"G"(3ABc d2 (3A/B/c/ d3 | "D7"(3A2B2c2 B4 |]', ABC_EIGHTHS)])
def test_abc_export_writes_triplets_and_reads_back_the_same(tune):
    result = parse_abc_text(tune).import_part()
    text = melody_to_abc(result.melody, "Triplets", chords=result.chords)
    assert text.count("(3") == (3 if tune == ABC_TRIPLETS else 4)
    if tune != ABC_TRIPLETS:
        assert "L:1/8" in text and ABC_EIGHTHS in text
    back = parse_abc_text(text).import_part()
    assert back.melody == result.melody and back.chords == result.chords


def test_abc_uneven_groups_and_long_notes_from_a_triplet_step_round_trip():
    # A triplet quarter and eighth, a rest in a group, a long note from a triplet step tied on,
    # and a pickup starting on a triplet.
    melody = Melody(
        [Note(67, 44, 4), Note(60, 48, 8), Note(62, 56, 4), Note(64, 60, 4), Note(65, 68, 20),
         Note(67, 88, 8), Note(69, 96, 48), Note(71, 144, 12), Note(72, 156, 36)],
        steps_per_quarter=12, key="C major",
    )
    text = melody_to_abc(melody)
    assert "(3:2:2" in text
    assert parse_abc_text(text).import_part().melody == melody


def test_a_group_of_many_pieces_is_marked_in_chunks_music21_reads():
    # Every boundary off the sixteenths up to the bar line: one group of 33 pieces, marked
    # (3:2:9 three times and (3:2:6 (music21 reads one digit of r).
    bounds = [0, *(b for b in range(1, 48) if b % 3), 48]
    pieces = [Piece(a, b, "", "C") for a, b in zip(bounds, bounds[1:])]
    text = render_bar(pieces, 6, 3, 48)
    assert text.count("(3:2:9") == 3 and text.count("(3:2:6") == 1


def test_musicxml_keeps_triplets_exactly(tmp_path):
    melody = parse_abc_text(ABC_TRIPLETS).import_part().melody
    chords = (Chord(0, 48, "G"), Chord(48, 48, "D7"))
    path = tmp_path / "triplets.musicxml"
    write_notation(melody, path, "Triplets", chords=chords)
    assert b"<time-modification>" in path.read_bytes()
    back = import_notation(path)
    assert back.melody == melody and back.chords == chords


def test_convert_midi_abc_musicxml_midi_keeps_triplets(tmp_path):
    source = _midi_file(tmp_path / "in.mid", TRIPLET_EIGHTHS + TRIPLET_SIXTEENTHS,
                        markers=[(0, "C"), (960, "G")])
    first = midi_io.import_midi(source)
    abc, xml, out = tmp_path / "a.abc", tmp_path / "b.musicxml", tmp_path / "out.mid"
    convert(source, abc)
    assert "(3" in abc.read_text()
    convert(abc, xml)
    convert(xml, out)
    last = midi_io.import_midi(out)
    assert last.melody.steps_per_quarter == 12
    assert _rhythm(last.melody) == _rhythm(first.melody)
    assert last.chords == first.chords


def test_straight_abc_still_imports_on_four_steps():
    text = "X:1\nT:Straight\nM:4/4\nL:1/8\nK:D\nABcd efga | b8 |]\n"
    melody = parse_abc_text(text).import_part().melody
    assert melody.steps_per_quarter == 4
    assert "(3" not in melody_to_abc(melody)


@pytest.mark.parametrize("steps_per_quarter", [5, 7])
def test_abc_export_refuses_grids_it_cannot_write(steps_per_quarter):
    with pytest.raises(ValueError, match="MusicXML can hold it"):
        melody_to_abc(Melody([Note(60, 0, 1)], steps_per_quarter=steps_per_quarter))


def test_musicxml_keeps_odd_lengths_on_the_triplet_grid(tmp_path):
    # 5, 7 and 11 steps of a 12-step quarter: music21 writes them as 24:16 tuplets, which
    # Segue's reader must take back (its tuplet limit guards against thousands, not these).
    notes = ((69, 0, 2), (62, 2, 2), (66, 4, 3), (60, 7, 11), (64, 18, 3), (70, 21, 11),
             (61, 32, 1), (67, 33, 1), (65, 34, 3), (67, 37, 11), (61, 48, 3), (66, 51, 5),
             (64, 57, 2), (69, 59, 3), (66, 62, 3), (64, 65, 3), (64, 68, 11), (67, 79, 5),
             (67, 84, 2), (61, 86, 5), (63, 92, 1), (62, 95, 11))
    melody = Melody([Note(*note) for note in notes], steps_per_quarter=12)
    path = tmp_path / "odd.musicxml"
    write_notation(melody, path, "Odd")
    back = import_notation(path).melody
    assert back.steps_per_quarter == 12
    assert [(n.pitch, n.start, n.length) for n in back.notes] == [
        (n.pitch, n.start, n.length) for n in melody.notes]
