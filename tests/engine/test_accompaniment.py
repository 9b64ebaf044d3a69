"""The accompaniment: settings refused when wrong, each style's hits on the beats, voice
leading, cuts at a chord's end, silence for N.C., and no pitch ever overlapping itself."""

import pytest

from segue.engine.accompaniment import (
    AccompanimentNote,
    AccompanimentSettings,
    accompaniment_notes,
    accompaniment_part,
    performed_accompaniment,
    style_for,
)
from segue.engine.chords import Chord, bass_note, voicing
from segue.engine.melody import Melody

FOUR = Melody()  # 4/4, 4 steps a quarter: a bar is 16 steps
C_TRIAD = voicing(Chord(0, 1, "C"))


def hits(notes):
    """{start: sorted pitches}"""
    found = {}
    for note in notes:
        found.setdefault(note.start, []).append(note.pitch)
    return {start: sorted(pitches) for start, pitches in found.items()}


def play(chords, meter=FOUR, **settings):
    return accompaniment_notes(chords, meter, AccompanimentSettings(**settings))


# --- settings ---------------------------------------------------------------------------------


def test_defaults_are_on_auto_on_channel_two():
    settings = AccompanimentSettings()
    assert (settings.on, settings.style, settings.channel, settings.midi_channel) == (
        True, "auto", 2, 1)
    assert 0 <= settings.program <= 127 and 0 < settings.volume <= 127


@pytest.mark.parametrize("changes, words", [
    ({"style": "polka"}, "style 'polka'"),
    ({"style": None}, "style None"),
    ({"program": 128}, "program must be an integer 0-127"),
    ({"program": True}, "program"),
    ({"volume": -1}, "volume"),
    ({"volume": 64.0}, "volume"),
    ({"channel": 0}, "channel must be an integer 1-16"),
    ({"channel": 17}, "channel"),
    ({"on": "yes"}, "on must be true or false"),
])
def test_bad_settings_are_refused_with_their_name(changes, words):
    with pytest.raises(ValueError, match=words):
        AccompanimentSettings(**changes)


def test_settings_round_trip_a_dict_and_take_defaults_for_what_is_missing():
    settings = AccompanimentSettings(on=False, style="jig", program=0, volume=100, channel=5)
    assert AccompanimentSettings.from_dict(settings.to_dict()) == settings
    assert AccompanimentSettings.from_dict({"style": "waltz", "later": 1}) == (
        AccompanimentSettings(style="waltz"))
    with pytest.raises(ValueError, match="not a table"):
        AccompanimentSettings.from_dict(["block"])
    with pytest.raises(ValueError, match="channel"):
        AccompanimentSettings.from_dict({"channel": "2"})


@pytest.mark.parametrize("meter, style", [
    ((2, 4), "boom-chick"), ((4, 4), "boom-chick"), ((3, 4), "waltz"), ((6, 8), "jig"),
    ((5, 4), "block"), ((9, 8), "block"),
])
def test_auto_picks_the_style_by_the_meter(meter, style):
    assert style_for("auto", meter) == style
    assert style_for("arpeggio", meter) == "arpeggio"


# --- styles -----------------------------------------------------------------------------------


def test_block_strikes_the_chord_with_its_bass_at_its_start_and_each_bar_line():
    notes = play([Chord(0, 32, "C")], style="block")
    assert hits(notes) == {0: [36, *C_TRIAD], 16: [36, *C_TRIAD]}
    assert {n.length for n in notes} == {16}
    assert bass_note(Chord(0, 1, "C")) == 36


def test_boom_chick_in_4_4_is_bass_chord_fifth_chord():
    notes = play([Chord(0, 16, "C")])  # auto: boom-chick
    assert hits(notes) == {0: [36], 4: list(C_TRIAD), 8: [43], 12: list(C_TRIAD)}
    assert {n.length for n in notes} == {4}


def test_boom_chick_in_2_4_is_bass_then_chord():
    two = Melody(time_signature=(2, 4))
    assert hits(play([Chord(0, 16, "C")], two)) == {
        0: [36], 4: list(C_TRIAD), 8: [36], 12: list(C_TRIAD)}  # each bar: its root first


def test_waltz_is_bass_on_one_chord_on_two_and_three():
    waltz = Melody(time_signature=(3, 4))
    assert hits(play([Chord(0, 12, "C")], waltz)) == {0: [36], 4: list(C_TRIAD),
                                                       8: list(C_TRIAD)}


def test_jig_is_bass_on_one_and_four_and_the_chord_on_the_off_beat_eighths():
    jig = Melody(time_signature=(6, 8))  # a bar: 12 steps, eighths of 2 steps
    notes = play([Chord(0, 12, "C")], jig)
    assert hits(notes) == {0: [36], 4: list(C_TRIAD), 6: [36], 10: list(C_TRIAD)}
    assert [(n.start, n.length) for n in notes if n.pitch == 36] == [(0, 4), (6, 4)]


def test_arpeggio_breaks_the_chord_in_eighths_up_and_down():
    notes = play([Chord(0, 16, "C")], style="arpeggio")
    low, middle, high = C_TRIAD
    assert [(n.start, n.pitch) for n in notes] == [
        (0, 36), (2, low), (4, middle), (6, high), (8, middle), (10, low), (12, middle),
        (14, high)]
    assert {n.length for n in notes} == {2}


def test_a_change_mid_bar_is_heard_at_once_with_its_root():
    notes = play([Chord(0, 8, "C"), Chord(8, 8, "G")])  # boom-chick: beat 3 would be a fifth
    assert hits(notes)[8] == [43]  # G's root, not C's alternating fifth
    notes = play([Chord(0, 4, "C"), Chord(4, 12, "F")])  # a change on the "chick" beat
    assert hits(notes)[4][0] == 41  # F2 under the chord


def test_a_short_chord_is_cut_at_its_end_and_no_chord_is_silence():
    notes = play([Chord(0, 6, "C"), Chord(6, 10, "N.C."), Chord(16, 4, "G")], style="waltz")
    assert all(n.end <= 6 for n in notes if n.start < 6)
    assert not [n for n in notes if 6 <= n.start < 16]
    assert max(n.end for n in notes) == 20


def test_voicings_lead_smoothly_around_middle_c():
    chords = [Chord(0, 16, "C"), Chord(16, 16, "F"), Chord(32, 16, "G7")]
    notes = play(chords, style="block")
    previous = None
    for chord in chords:
        expected = voicing(chord, previous)
        got = sorted(n.pitch for n in notes if n.start == chord.start)[1:]  # the bass first
        assert tuple(got) == expected
        assert all(48 <= p <= 72 for p in got)
        previous = expected


def test_velocity_is_the_volume_and_off_or_silent_plays_nothing():
    assert {n.velocity for n in play([Chord(0, 16, "C")], volume=55)} == {55}
    assert play([Chord(0, 16, "C")], on=False) == ()
    assert play([Chord(0, 16, "C")], volume=0) == ()
    assert accompaniment_part([Chord(0, 16, "C")], FOUR, AccompanimentSettings(on=False)) is None


@pytest.mark.parametrize("style", ["block", "boom-chick", "waltz", "jig", "arpeggio"])
@pytest.mark.parametrize("meter", [(4, 4), (3, 4), (6, 8), (5, 8), (7, 4)])
def test_no_pitch_ever_overlaps_itself(style, meter):
    melody = Melody(time_signature=meter)
    chords = [Chord(0, 5, "C"), Chord(5, 3, "Am"), Chord(8, 27, "Dm7"), Chord(40, 13, "G7b9")]
    notes = play(chords, melody, style=style)
    assert notes
    by_pitch = {}
    for note in notes:
        by_pitch.setdefault(note.pitch, []).append(note)
    for same in by_pitch.values():
        for first, second in zip(same, same[1:]):
            assert first.end <= second.start
    assert all(n.length >= 1 and 0 <= n.pitch <= 127 for n in notes)
    assert list(notes) == sorted(notes, key=lambda n: (n.start, n.pitch))


def test_the_part_carries_the_midi_channel_and_program():
    part = accompaniment_part([Chord(0, 16, "C")], FOUR,
                              AccompanimentSettings(channel=3, program=0))
    assert (part.channel, part.program) == (2, 0)
    assert part.notes == play([Chord(0, 16, "C")])


def test_swing_moves_the_off_beats_as_it_moves_the_melody():
    swung = Melody(swing=2 / 3, swing_unit=2)
    played = performed_accompaniment([AccompanimentNote(2, 2, 60, 80)], swung)
    assert played[0].on == pytest.approx(8 / 3) and played[0].off == pytest.approx(4)
