"""The meter kept from a file's time signatures, and the move that puts its bar lines on
Segue's (a pickup written as a bar of its own meter)."""

from fractions import Fraction

import mido

from segue.engine import midi_io
from segue.engine.chords import Chord
from segue.engine.midi_io.meter import MeterChoice, choose_meter, meter_warning

PPQ = 480


def quarters(ticks):
    return ticks / PPQ


def choose(signatures):
    return choose_meter([(int(q * PPQ), n, d) for q, n, d in signatures], quarters)


def test_one_signature_is_kept_as_it_is():
    assert choose([(0, 3, 4)]) == MeterChoice((3, 4))
    assert choose([]) == MeterChoice(None)
    assert meter_warning(choose([(0, 3, 4), (12, 3, 4)])) is None  # repeated, not changed


def test_a_pickup_bar_of_its_own_meter_moves_the_notes_to_the_end_of_bar_one():
    choice = choose([(0, 1, 4), (1, 4, 4)])
    assert choice == MeterChoice((4, 4), Fraction(3), 1, (1, 4))
    assert "opens in 1/4 before its 4/4" in meter_warning(choice)
    assert "3 quarter(s) later" in meter_warning(choice)
    # An eighth before 6/8: 2.5 quarters later.
    assert choose([(0, 1, 8), (0.5, 6, 8)]).shift_quarters == Fraction(5, 2)


def test_the_meter_the_music_opens_in_is_kept():
    # 8 bars of 4/4, 2 of 3/4, 8 of 4/4.
    choice = choose([(0, 4, 4), (32, 3, 4), (38, 4, 4)])
    assert choice == MeterChoice((4, 4), Fraction(0), 2)
    assert "changes 2 time(s); Segue keeps 4/4, the meter of the first full bars" in meter_warning(choice)
    # Two bars of 3/4 before many of 4/4 are more than a pickup: the first bars are the seed's.
    assert choose([(0, 3, 4), (6, 4, 4)]) == MeterChoice((3, 4), Fraction(0), 1)
    # Before a file's first signature MIDI's 4/4 holds; a moment of it is no pickup to move by.
    assert choose([(16, 3, 4)]) == MeterChoice((4, 4), Fraction(0), 1)
    assert choose([(1 / PPQ, 3, 4)]) == MeterChoice((3, 4), Fraction(0), 1)
    # Meters alternating bar by bar: no pickup, the first meter.
    assert choose([(0, 2, 4), (2, 3, 4), (5, 2, 4), (7, 3, 4), (10, 2, 4)]) == MeterChoice(
        (2, 4), Fraction(0), 4)


def test_a_move_off_the_sixteenths_is_not_made():
    choice = choose([(0, 1, 32), (0.125, 4, 4)])
    assert choice.time_signature == (4, 4) and choice.shift_quarters == 0


def test_an_exported_score_with_a_pickup_imports_on_its_bar_lines(tmp_path):
    track = mido.MidiTrack()
    events = [(0, 0, mido.MetaMessage("time_signature", numerator=1, denominator=4)),
              (PPQ, 0, mido.MetaMessage("time_signature", numerator=4, denominator=4)),
              (PPQ, 0, mido.MetaMessage("marker", text="C"))]
    for pitch, start in [(67, 0)] + [(60 + 2 * k, PPQ * (k + 1)) for k in range(4)]:
        events.append((start, 2, mido.Message("note_on", note=pitch, velocity=90)))
        events.append((start + PPQ, 1, mido.Message("note_off", note=pitch)))
    now = 0
    for tick, _, message in sorted(events, key=lambda e: (e[0], e[1])):
        track.append(message.copy(time=tick - now))
        now = tick
    song = mido.MidiFile(type=0, ticks_per_beat=PPQ)
    song.tracks.append(track)
    song.save(tmp_path / "pickup.mid")
    result = midi_io.import_midi(tmp_path / "pickup.mid")
    assert result.melody.time_signature == (4, 4)
    assert [(n.pitch, n.start) for n in result.melody.notes] == [
        (67, 12), (60, 16), (62, 20), (64, 24), (66, 28)]
    assert result.chords == (Chord(16, 16, "C"),)  # the marker moves with the notes
    assert any("opens in 1/4 before its 4/4" in w for w in result.report.warnings)
