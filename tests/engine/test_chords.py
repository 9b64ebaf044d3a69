"""Chords: the lead-sheet grammar, roots, basses and families, voicings, MajMin, chords in time."""

import dataclasses
import subprocess
import sys

import pytest

from segue.engine.chords import (
    NO_CHORD,
    QUALITIES,
    Chord,
    bass_note,
    check_chords,
    chords_in,
    cut_at,
    majmin,
    music21_figure,
    parse_symbol,
    voicing,
)

# symbol as written -> (canonical symbol, root, bass, quality)
TABLE = {
    "C": ("C", 0, 0, "maj"),
    "Am": ("Am", 9, 9, "min"),
    "G7": ("G7", 7, 7, "maj"),
    "F#m7b5": ("F#m7b5", 6, 6, "dim"),
    "Bb/D": ("Bb/D", 10, 2, "maj"),
    "N.C.": (NO_CHORD, None, None, None),
    "NC": (NO_CHORD, None, None, None),
    "C/E": ("C/E", 0, 4, "maj"),
    "Cm": ("Cm", 0, 0, "min"),
    "Cmin": ("Cm", 0, 0, "min"),
    "C-": ("Cm", 0, 0, "min"),
    "Cmaj7": ("Cmaj7", 0, 0, "maj"),
    "CM7": ("Cmaj7", 0, 0, "maj"),
    "CΔ7": ("Cmaj7", 0, 0, "maj"),
    "D7": ("D7", 2, 2, "maj"),
    "Am7": ("Am7", 9, 9, "min"),
    "Bm7b5": ("Bm7b5", 11, 11, "dim"),
    "Bø": ("Bm7b5", 11, 11, "dim"),
    "Bø7": ("Bm7b5", 11, 11, "dim"),
    "C9": ("C9", 0, 0, "maj"),
    "C11": ("C11", 0, 0, "maj"),
    "C13": ("C13", 0, 0, "maj"),
    "C6": ("C6", 0, 0, "maj"),
    "C69": ("C69", 0, 0, "maj"),
    "C6/9": ("C69", 0, 0, "maj"),
    "Cm6": ("Cm6", 0, 0, "min"),
    "Cm7": ("Cm7", 0, 0, "min"),
    "CmM7": ("CmM7", 0, 0, "min"),
    "Cmmaj7": ("CmM7", 0, 0, "min"),
    "Cm(maj7)": ("CmM7", 0, 0, "min"),
    "Cdim": ("Cdim", 0, 0, "dim"),
    "Cdim7": ("Cdim7", 0, 0, "dim"),
    "Co": ("Cdim", 0, 0, "dim"),
    "Co7": ("Cdim7", 0, 0, "dim"),
    "Caug": ("Caug", 0, 0, "aug"),
    "C+": ("Caug", 0, 0, "aug"),
    "C7#5": ("C7#5", 0, 0, "aug"),
    "Csus": ("Csus4", 0, 0, "sus"),
    "Csus2": ("Csus2", 0, 0, "sus"),
    "Csus4": ("Csus4", 0, 0, "sus"),
    "C7sus4": ("C7sus4", 0, 0, "sus"),
    "C9sus4": ("C9sus4", 0, 0, "sus"),
    "Cadd9": ("Cadd9", 0, 0, "maj"),
    "C5": ("C5", 0, 0, "maj"),  # a power chord is "maj" (the module's docstring)
    "C7b9": ("C7b9", 0, 0, "maj"),
    "C7#9": ("C7#9", 0, 0, "maj"),  # the major third decides, not the #9
    "C7#11": ("C7#11", 0, 0, "maj"),
    "C7b5": ("C7b5", 0, 0, "maj"),
    "G7(b9,#11)": ("G7b9#11", 7, 7, "maj"),
    "Dm7(b9)": ("Dm7b9", 2, 2, "min"),
    "Ebmaj7": ("Ebmaj7", 3, 3, "maj"),
    "Gb7": ("Gb7", 6, 6, "maj"),
    "Db/Ab": ("Db/Ab", 1, 8, "maj"),
    "Cb": ("Cb", 11, 11, "maj"),
    "E#m": ("E#m", 5, 5, "min"),
    "C♯m": ("C#m", 1, 1, "min"),
    "B♭7": ("Bb7", 10, 10, "maj"),
    "C6/9/E": ("C69/E", 0, 4, "maj"),
    "C/C": ("C", 0, 0, "maj"),  # a bass that is the root is no slash chord
    " Am ": ("Am", 9, 9, "min"),
}


@pytest.mark.parametrize("written", sorted(TABLE))
def test_every_spelling_reads_with_its_root_bass_and_family(written):
    canonical, root, bass, quality = TABLE[written]
    chord = Chord(0, 16, written)
    assert (chord.symbol, chord.root, chord.bass, chord.quality) == (canonical, root, bass, quality)
    assert Chord(0, 16, canonical) == chord  # the canonical spelling reads as itself
    assert quality is None or quality in QUALITIES


def test_pitch_classes_are_the_chord_tones_root_first_and_a_foreign_bass_last():
    assert Chord(0, 4, "C").pitch_classes == (0, 4, 7)
    assert Chord(0, 4, "Am7").pitch_classes == (9, 0, 4, 7)
    assert Chord(0, 4, "G7b9").pitch_classes == (7, 11, 2, 5, 8)
    assert Chord(0, 4, "C7#5").pitch_classes == (0, 4, 10, 8)
    assert Chord(0, 4, "C/E").pitch_classes == (0, 4, 7)
    assert Chord(0, 4, "C/D").pitch_classes == (0, 4, 7, 2)
    assert Chord(0, 4, "N.C.").pitch_classes == ()


@pytest.mark.parametrize(
    "symbol",
    ["H", "Cx", "", " ", "C/H", "Am7b5b5", "c", "am", "C(", "C7(b9", "C)", "Caug#5", "C#5#5",
     "C7b9b9", "Cm#9", "Cmaj7#11#11", "C9sus4sus", "Cbb", "C##", "C/", "/E", "N.C.C", "X7",
     "C7 b9", "Cdim7b5", "C13b13b13", "Ab/Hb", "C" * 40],
)
def test_a_symbol_that_is_no_chord_raises_value_error_naming_it(symbol):
    with pytest.raises(ValueError, match="is not a chord symbol") as caught:
        Chord(0, 4, symbol)
    assert repr(symbol[:32]) in str(caught.value) or "..." in str(caught.value)
    assert len(str(caught.value)) < 200


@pytest.mark.parametrize("symbol", [None, 7, b"C", ["C"]])
def test_a_symbol_that_is_not_text_raises_value_error(symbol):
    with pytest.raises(ValueError, match="is not a chord symbol .it is not text"):
        Chord(0, 4, symbol)


def test_a_chord_is_an_immutable_value_on_steps_like_a_note():
    chord = Chord(4, 8, "Am")
    assert chord.end == 12
    assert chord.with_start(0) == Chord(0, 8, "Am")
    assert chord.with_length(1) == Chord(4, 1, "Am")
    assert chord.with_symbol("Dm7").symbol == "Dm7"
    assert chord.replace(start=8, symbol="Amin") == Chord(8, 8, "Am")
    with pytest.raises(dataclasses.FrozenInstanceError):
        chord.start = 3
    assert Chord(0, 1, "C").length == 1  # the edges that hold
    for start, length, message in ((-1, 4, "start -1 is negative"), (0, 0, "length 0 must be"),
                                   (0, -3, "length -3 must be"), (True, 4, "start must be an"),
                                   (0, 4.0, "length must be an"), ("0", 4, "start must be an")):
        with pytest.raises(ValueError, match=message):
            Chord(start, length, "C")


def test_majmin_is_root_and_the_third_named_once_per_pitch_class():
    assert [majmin(Chord(0, 4, s)) for s in ("C", "Am", "G7", "Bm7b5", "Caug", "Db", "C#m")] == [
        "C:maj", "A:min", "G:maj", "B:min", "C:maj", "C#:maj", "C#:min"]
    assert majmin(Chord(0, 4, "Bb/D")) == "A#:maj"  # the root, not the bass
    assert majmin(Chord(0, 4, "N.C.")) == "N" and majmin(None) == "N"
    assert majmin(Chord(0, 4, "Csus4")) == "X"  # no third: outside MajMin


def test_music21_figures_spell_flats_with_a_dash_and_use_music21s_names():
    assert music21_figure(Chord(0, 4, "Bb/D")) == "B-/D"
    assert music21_figure("Ebmaj9") == "E-M9"
    assert music21_figure("C6/9") == "C6add9"
    assert music21_figure("G9sus4") == "G7sus4add9"
    assert music21_figure("F#m7b5") == "F#m7b5"
    assert music21_figure("N.C.") == "N.C."


def moved(before, after):
    """How far each voice moves, voices paired low to high."""
    return [abs(a - b) for a, b in zip(before, after, strict=True)]


def test_voicings_move_smoothly_and_stay_around_middle_c():
    previous, voicings = None, []
    for symbol in ("C", "F", "G", "C", "Am", "Dm", "G7", "C"):
        pitches = voicing(Chord(0, 4, symbol), previous)
        assert sorted(pitches) == list(pitches) and pitches[-1] - pitches[0] < 12  # close
        assert {p % 12 for p in pitches} <= set(Chord(0, 4, symbol).pitch_classes)
        assert abs((pitches[0] + pitches[-1]) / 2 - 60) <= 7
        voicings.append(pitches)
        previous = pitches
    c, f, g, back = voicings[:4]
    for before, after in ((c, f), (f, g), (g, back)):
        assert max(moved(before, after)) <= 3  # the nearest inversion: common tones stay
    assert set(c) & set(f) and set(g) & set(back)  # C-F keeps its C, G-C its G


def test_a_voicing_without_previous_is_centred_on_around_and_no_chord_is_silent():
    for around in (48, 60, 72):
        pitches = voicing(Chord(0, 4, "Am"), around=around)
        assert abs((pitches[0] + pitches[-1]) / 2 - around) <= 4
    assert len(voicing(Chord(0, 4, "C13"))) == 4  # extensions push out the fifth, then root
    assert voicing(Chord(0, 4, "N.C.")) == ()


def test_the_bass_note_is_the_slash_bass_in_the_octave_from_low():
    assert bass_note(Chord(0, 4, "C")) == 36
    assert bass_note(Chord(0, 4, "Bb/D")) == 38
    assert bass_note(Chord(0, 4, "B")) == 47
    assert bass_note(Chord(0, 4, "Am"), low=40) == 45
    assert bass_note(Chord(0, 4, "N.C.")) is None


def test_chords_in_a_range_are_cut_to_it_and_cut_at_drops_what_starts_after():
    track = (Chord(0, 8, "C"), Chord(8, 8, "F"), Chord(16, 16, "G"))
    assert chords_in(track, 4, 20) == (Chord(4, 4, "C"), Chord(8, 8, "F"), Chord(16, 4, "G"))
    assert chords_in(track, 32, 40) == ()
    assert cut_at(track, 16) == track[:2]  # one starting at the end is dropped
    assert cut_at(track, 17) == (*track[:2], Chord(16, 1, "G"))  # one crossing it is shortened
    assert cut_at(track, 100) == track and cut_at((), 10) == ()


def test_a_chord_track_is_in_order_without_overlaps():
    assert check_chords([Chord(0, 4, "C"), Chord(4, 4, "G")]) == (Chord(0, 4, "C"), Chord(4, 4, "G"))
    with pytest.raises(ValueError, match="chord 2 .G at step 3. starts before chord 1"):
        check_chords([Chord(0, 4, "C"), Chord(3, 4, "G")])
    with pytest.raises(ValueError, match="chord 2 .C at step 0. starts before chord 1"):
        check_chords([Chord(4, 4, "G"), Chord(0, 4, "C")])
    with pytest.raises(ValueError, match="chord 1 is not a chord, got 'C'"):
        check_chords(["C"])
    with pytest.raises(ValueError, match="must be a list of chords"):
        check_chords("C")


def test_the_chord_module_loads_no_music21():
    code = "import sys, segue.engine.chords; assert 'music21' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_music21_reads_every_canonical_symbol_with_the_same_root_and_bass():
    harmony = pytest.importorskip("music21.harmony")
    canonical = {c for c, *_ in TABLE.values() if c != NO_CHORD}
    for symbol in sorted(canonical | {"G7#5b9", "C7#9b13", "Cmaj7#11", "C13b9", "Cm11", "Cm69"}):
        chord = Chord(0, 4, symbol)
        read = harmony.ChordSymbol(music21_figure(chord))
        assert (read.root().pitchClass, read.bass().pitchClass) == (chord.root, chord.bass), symbol
        if symbol == "C13b9":  # music21 keeps the 13th's natural 9 and drops the b9
            continue
        # music21 voices 11ths and 13ths fully: it may hold more tones, never fewer
        assert {p.pitchClass for p in read.pitches} >= set(chord.pitch_classes) - {chord.bass}, symbol
    assert harmony.NoChord(music21_figure(Chord(0, 4, "NC"))).root() is None


def test_parsing_is_shared_between_equal_symbols():
    assert parse_symbol("Am7") is parse_symbol("Am7")
