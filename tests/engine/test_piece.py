"""The piece with a pending variation: seed, what you hear, and what Accept keeps."""

import dataclasses

import pytest

from segue.engine import limits
from segue.engine.chords import Chord
from segue.engine.melody import Melody, Note
from segue.engine.pending_chords import ChordSuggestion
from segue.engine.piece import (
    EDITED,
    LOOP,
    PENDING,
    Piece,
    accept,
    accepted_marker,
    crop_to_seed,
    fill_range_of,
    outside_range,
    seed_of,
    with_variation,
)

PIECE = Melody([Note(60, 0, 4), Note(62, 4, 4), Note(64, 8, 6), Note(65, 14, 4), Note(67, 18, 8)])
VARIATION = Melody([Note(69, 12, 2), Note(71, 14, 2), Note(72, 16, 8)])


def test_the_seed_is_the_notes_before_the_marker_cut_at_it():
    assert seed_of(PIECE, 12).notes == (Note(60, 0, 4), Note(62, 4, 4), Note(64, 8, 4))
    assert seed_of(PIECE, 0).notes == ()
    assert seed_of(PIECE, 100) == PIECE


def test_what_you_hear_puts_the_variation_in_place_of_what_follows_the_marker():
    heard = with_variation(PIECE, 12, VARIATION)
    assert heard.notes == (Note(60, 0, 4), Note(62, 4, 4), Note(64, 8, 4)) + VARIATION.notes
    assert with_variation(PIECE, 12, None) is PIECE


@pytest.mark.parametrize("marker", [0, 3, 12, 16, 26])
@pytest.mark.parametrize("variation", [VARIATION, Melody([Note(50, 26, 4)]), Melody()])
def test_what_you_hear_is_what_accept_keeps(marker, variation):
    kept, _ = accept(PIECE, marker, variation)
    assert kept == with_variation(PIECE, marker, variation)


def test_the_marker_moves_to_the_end_of_the_phrase():
    assert accepted_marker(PIECE, 12, VARIATION, phrase_end=12 + 32) == 44  # as asked
    assert accepted_marker(PIECE, 12, VARIATION) == 28  # the next whole bar after the marker
    assert accepted_marker(PIECE, 12, Melody()) == 12  # only rests: the marker stays
    assert accept(PIECE, 12, VARIATION, 44)[1] == 44


FILL = Melody([Note(70, 8, 2), Note(72, 10, 4), Note(74, 14, 6)])  # the last note sounds past 16


def test_a_fill_replaces_only_its_range():
    heard = with_variation(PIECE, 4, FILL, fill_range=(6, 16))
    # 62 sounds into the range: cut at 6; 64 and 65 start inside: replaced; 67 from 18 stays.
    assert heard.notes == (Note(60, 0, 4), Note(62, 4, 2), Note(70, 8, 2), Note(72, 10, 4),
                           Note(74, 14, 2), Note(67, 18, 8))


@pytest.mark.parametrize("fill_range", [(0, 8), (6, 16), (8, 26), (20, 40)])
@pytest.mark.parametrize("variation", [FILL, Melody()])
def test_what_you_hear_of_a_fill_is_what_accept_keeps_and_the_marker_stays(fill_range, variation):
    kept, marker = accept(PIECE, 12, variation, phrase_end=44, fill_range=fill_range)
    assert kept == with_variation(PIECE, 12, variation, fill_range)
    assert marker == 12
    start, end = fill_range
    assert [n for n in kept.notes if n.start >= end] == [n for n in PIECE.notes if n.start >= end]


def test_the_fill_range_is_the_selection_in_whole_bars_else_the_loop():
    assert fill_range_of(PIECE, [Note(62, 20, 4), Note(64, 36, 8)], (0, 64)) == (16, 48)
    assert fill_range_of(PIECE, [Note(62, 16, 16)], None) == (16, 32)
    assert fill_range_of(PIECE, [], (8, 24)) == (8, 24)
    assert fill_range_of(PIECE, [], None) is None


# --- the piece as one value ----------------------------------------------------------------------


def pending(**fields):
    return Piece(PIECE, 12, variations=(VARIATION, VARIATION.transpose(2)), **fields)


def test_a_piece_is_an_immutable_value_that_checks_itself():
    piece = Piece.of(PIECE)
    assert piece.marker == PIECE.end and piece.chords == () and piece.variations == ()
    assert (piece.tempo, piece.time_signature, piece.steps_per_bar) == (120.0, (4, 4), 16)
    with pytest.raises(dataclasses.FrozenInstanceError):
        piece.marker = 3
    for bad, message in (
        (dict(marker=-1), "continue marker"),
        (dict(marker=True), "continue marker"),
        (dict(current=1), "current variation 2 is chosen but none is pending"),
        (dict(fill_range=(0, 16)), "fill range or phrase end is set but no variation"),
        (dict(phrase_end=16), "fill range or phrase end is set but no variation"),
        (dict(loop_region=(8, 8)), "loop region must be two steps"),
        (dict(loop_region=5), "loop region must be two steps"),
        (dict(loop_on="yes"), "loop on must be true or false"),
        (dict(variations=(Melody(steps_per_quarter=8),)), "grid of 8 steps per quarter"),
        (dict(variations=("tune",)), "pending variation 1 is not a melody"),
    ):
        with pytest.raises(ValueError, match=message):
            Piece(PIECE, **{"marker": 12, **bad})
    with pytest.raises(ValueError, match="current variation 3 is not one of 1-2"):
        pending(current=2)


def test_the_piece_answers_seed_heard_and_accepted_with_the_one_rule():
    piece = pending(current=1, phrase_end=44)
    chosen = VARIATION.transpose(2)
    assert piece.seed() == seed_of(PIECE, 12) and piece.current_variation() == chosen
    assert piece.heard() == with_variation(PIECE, 12, chosen)
    accepted = piece.accepted()
    assert accepted.melody == piece.heard() and accepted.marker == 44  # where it was asked to end
    assert accepted.variations == () and accepted.phrase_end is None
    assert pending().accepted().marker == 28  # no phrase end: the next whole bar
    assert Piece.of(PIECE).accepted() == Piece.of(PIECE)  # nothing pending: nothing changes


def test_pending_variations_flip_clamp_and_discard():
    piece = Piece.of(PIECE, 12).with_variations([VARIATION, VARIATION], current=7, phrase_end=44)
    assert piece.current == 1 and piece.phrase_end == 44
    assert piece.selecting(2).current == 0  # wraps round
    assert piece.discarded() == Piece.of(PIECE, 12)
    fill = Piece.of(PIECE, 12).with_variations([FILL], fill_range=(6, 16), phrase_end=44)
    assert fill.fill_range == (6, 16) and fill.phrase_end is None  # a fill keeps its marker
    assert fill.accepted().marker == 12 and fill.accepted().melody == fill.heard()
    assert Piece.of(PIECE).with_variations([], fill_range=(6, 16)).fill_range is None


def test_taking_copies_only_the_named_parts():
    edited = Piece.of(PIECE.transpose(1), 4)
    looped = pending(loop_region=(0, 16), loop_on=True)
    taken = looped.taking(edited, EDITED)
    assert (taken.melody, taken.marker) == (PIECE.transpose(1), 4)
    assert taken.variations == looped.variations and taken.loop_region == (0, 16)
    assert Piece.of(PIECE).taking(looped, LOOP).loop_on is True
    assert Piece.of(PIECE).taking(looped, PENDING).variations == looped.variations


@pytest.mark.parametrize("fill_range", [None, (6, 16), (16, 32)])
@pytest.mark.parametrize("include_piece, separate", [(True, False), (True, True), (False, False)])
def test_every_export_choice_holds_what_playback_and_accept_use(fill_range, include_piece, separate):
    variation = FILL if fill_range else VARIATION
    piece = Piece(PIECE, 12, variations=(variation,), fill_range=fill_range)
    assert piece.export_contents("piece") == (PIECE, None)
    assert piece.export_contents("seed") == (piece.seed(), None)
    melody, second = piece.export_contents("variation", include_piece, separate)
    if not include_piece:
        assert (melody, second) == (variation, None)
    elif not separate:
        assert (melody, second) == (piece.heard(), None)
    else:  # two tracks that together are exactly what is heard (and what Accept keeps)
        assert second is not None and melody.add(*second.notes) == piece.heard()
        assert melody.add(*second.notes) == piece.accepted().melody


def test_exporting_a_pending_fill_on_two_tracks_writes_the_fill_not_seed_and_variation():
    piece = Piece(PIECE, 4, variations=(FILL,), fill_range=(6, 16))
    around, fill = piece.export_contents("variation", True, True)
    assert around == outside_range(PIECE, 6, 16)  # the bars after the fill are kept
    assert Note(67, 18, 8) in around.notes
    assert fill.notes == (Note(70, 8, 2), Note(72, 10, 4), Note(74, 14, 2))  # cut at the range
    with pytest.raises(ValueError, match="no pending variation"):
        Piece.of(PIECE).export_contents("variation")
    with pytest.raises(ValueError, match="export choice"):
        piece.export_contents("everything")


def test_an_auto_key_is_read_from_the_seed_else_the_whole_piece():
    minor = Melody([Note(57, 0, 8), Note(60, 8, 4), Note(64, 12, 4)])
    major = Melody([Note(67, 16, 8), Note(71, 24, 4), Note(74, 28, 4), Note(62, 32, 8)])
    both = minor.add(*major.notes)
    piece = Piece(both, 16)
    assert piece.key_melody() == piece.seed()
    assert piece.resolved_key("auto") == piece.seed().detect_key()
    assert Piece(both, 0).key_melody() == both  # nothing before the marker: the whole piece
    assert piece.resolved_key("off") is None and piece.resolved_key(None) is None
    assert piece.resolved_key("e minor") == "E minor"
    assert Piece(both.replace(key="D major"), 16).resolved_key("auto") == "D major"


def test_an_audition_starts_two_bars_before_the_marker_or_the_fill():
    assert Piece.of(PIECE, 40).audition_start() == 0  # bar 3 (32) minus two bars: clamped
    assert Piece(PIECE, 60, variations=(VARIATION,)).audition_start() == 16  # bar of 60 is 48
    fill = Piece(PIECE, 100, variations=(FILL,), fill_range=(64, 80))
    assert fill.audition_start() == 32 and fill.audition_start(pre_roll_bars=1) == 48


def test_use_selection_as_seed_and_the_fill_range_come_from_the_piece():
    cropped = Piece.of(PIECE, 0).cropped_to_seed(18, 26)
    assert (cropped.melody, cropped.marker) == crop_to_seed(PIECE, 18, 26)
    looped = Piece.of(PIECE).replace(loop_region=(8, 24))
    assert looped.fill_range_for([]) == (8, 24)
    assert looped.fill_range_for([Note(62, 20, 4)]) == (16, 32)
    assert Piece.of(PIECE).fill_range_for([]) is None


def test_the_key_lock_is_part_of_the_piece_and_answers_its_key():
    minor = Melody([Note(57, 0, 8), Note(60, 8, 4), Note(64, 12, 4)])
    piece = Piece(minor, 16)
    assert piece.key_lock == "off" and piece.resolved_key() is None
    assert piece.replace(key_lock="auto").resolved_key() == minor.detect_key()
    assert piece.replace(key_lock="f# MAJOR").key_lock == "F# major"  # one spelling kept
    assert piece.replace(key_lock="e minor").resolved_key() == "E minor"
    for wrong in ("H major", "", 7, None):
        with pytest.raises(ValueError, match="key lock must be"):
            piece.replace(key_lock=wrong)


# --- chords -------------------------------------------------------------------------------------


def test_the_chords_of_a_piece_are_chords_in_order_that_never_overlap():
    track = (Chord(0, 16, "C"), Chord(16, 16, "G7"))
    assert Piece(PIECE, 12, chords=list(track)).chords == track  # any sequence, kept as a tuple
    assert "chords" in EDITED  # an edit's undo restores them
    for bad, message in (
        (("C",), "chord 1 is not a chord"),
        ((Chord(0, 8, "C"), Chord(4, 8, "F")), "chord 2 .F at step 4. starts before chord 1"),
        ((Chord(16, 8, "C"), Chord(0, 8, "F")), "chord 2 .F at step 0. starts before chord 1"),
        (Chord(0, 8, "C"), "must be a list of chords"),
        ("C", "must be a list of chords"),
    ):
        with pytest.raises(ValueError, match=message):
            Piece(PIECE, 12, chords=bad)


def test_the_pieces_end_is_the_melody_the_marker_or_the_chords_rounded_up_to_a_bar():
    assert PIECE.end == 26 and Piece(PIECE, 12).end == 32  # 4/4 at 4 steps a quarter: 16
    assert Piece(PIECE, 40).end == 48  # the marker leads: chords for what comes next
    assert Piece(Melody([Note(60, 0, 16)]), 16).end == 16  # on a bar line: that bar line
    assert Piece().end == 16  # an empty piece still holds its first bar's chords
    assert Piece(Melody(time_signature=(3, 4))).end == 12
    assert Piece(PIECE, 12, chords=(Chord(32, 20, "G"),)).end == 64  # chords lead the melody


def test_with_chords_keeps_chords_ahead_of_the_melody_up_to_the_longest_piece():
    piece = Piece(PIECE, 12)  # ends at step 32
    track = [Chord(0, 16, "C"), Chord(16, 24, "G7"), Chord(40, 8, "C"), Chord(48, 4, "F")]
    assert piece.with_chords(track).chords == tuple(track)
    assert piece.with_chords(track).end == 64
    with pytest.raises(ValueError, match="the chord track runs to bar"):
        piece.with_chords([Chord(limits.MAX_STEPS, 4, "C")])
    assert piece.with_chords([]).chords == ()
    assert piece.with_chords(track[:1]).chords == (Chord(0, 16, "C"),)  # within: unchanged
    with pytest.raises(ValueError, match="starts before chord 1"):
        piece.with_chords([Chord(0, 8, "C"), Chord(4, 8, "F")])
    assert piece.with_chords(track[:1]).accepted().chords == (Chord(0, 16, "C"),)


# --- chords proposed beside the piece -----------------------------------------------------------

try:  # the harmonizer's chord (helper K1); the same shape where it has not landed yet
    from segue.engine.chords import SuggestedChord
except ImportError:
    @dataclasses.dataclass(frozen=True)
    class SuggestedChord(Chord):
        probability: float = 1.0
        alternatives: tuple[tuple[str, float], ...] = ()


def suggested(start, length, symbol, *alternatives, probability=0.6):
    return SuggestedChord(start, length, symbol, probability=probability,
                          alternatives=tuple(alternatives))


def test_a_chord_suggestion_offers_each_chords_symbols_and_accept_rewrites_only_its_span():
    lane = (Chord(0, 16, "C"), Chord(16, 16, "G7"))
    ghosts = (suggested(8, 8, "Am", ("F", 0.3), ("C", 0.1)), suggested(16, 8, "Dm"))
    piece = Piece(PIECE, 12, chords=lane).with_chord_suggestion(ChordSuggestion(ghosts, (8, 24)))
    suggestion = piece.chord_suggestion
    assert suggestion.options(0) == (("Am", 0.6), ("F", 0.3), ("C", 0.1))
    assert suggestion.shown() == (Chord(8, 8, "Am"), Chord(16, 8, "Dm"))
    assert piece.chords == lane  # a proposal: nothing kept yet
    flipped = piece.with_chord_suggestion(suggestion.flipping(0))
    assert flipped.chord_suggestion.shown()[0] == Chord(8, 8, "F")
    assert suggestion.flipping(0, -1).shown()[0].symbol == "C"  # wraps round
    assert suggestion.flipping(1).choices == (0, 0)  # one option: flipping stays
    kept = flipped.suggestion_accepted()
    # C is cut at the span's start, G7 keeps the steps after it; all plain chords.
    assert kept.chords == (Chord(0, 8, "C"), Chord(8, 8, "F"), Chord(16, 8, "Dm"),
                           Chord(24, 8, "G7"))
    assert all(type(chord) is Chord for chord in kept.chords)
    assert kept.chord_suggestion is None and kept.melody == piece.melody
    assert piece.with_chord_suggestion(None) == Piece(PIECE, 12, chords=lane)
    assert piece.replace(chord_suggestion=None).suggestion_accepted().chords == lane
    for bad, message in (
        (dict(span=(8, 8)), "0 <= start < end"),
        (dict(choices=(0,)), "1 choices for 2 suggested chords"),
        (dict(choices=(3, 0)), "offers 3 symbols, not choice 3"),
        (dict(chords=(Chord(8, 8, "C"), Chord(12, 8, "F"))), "starts before chord 1"),
    ):
        with pytest.raises(ValueError, match=message):
            ChordSuggestion(**{"chords": ghosts, "span": (8, 24), **bad})


def test_each_variation_proposes_its_chords_and_accept_keeps_the_current_ones():
    lane = (Chord(0, 16, "C"), Chord(16, 16, "G7"))
    piece = Piece(PIECE, 12, chords=lane).with_variations(
        [VARIATION, VARIATION.add(Note(74, 24, 4))], 1, phrase_end=28,
        chords=[(Chord(12, 16, "F"),), (suggested(12, 4, "C"), suggested(16, 12, "Am"))])
    assert piece.current_variation_chords() == (Chord(12, 4, "C"), Chord(16, 12, "Am"))
    assert "variation_chords" in PENDING  # undoing an Accept brings them back with the notes
    accepted = piece.accepted()
    assert accepted.marker == 28 and accepted.variation_chords == ()
    # The new phrase (12-28) takes the variation's chords; the lane's before and after stay.
    assert accepted.chords == (Chord(0, 12, "C"), Chord(12, 4, "C"), Chord(16, 12, "Am"),
                               Chord(28, 4, "G7"))
    assert piece.discarded().variation_chords == () and piece.discarded().chords == lane
    assert piece.selecting(0).accepted().chords[1] == Chord(12, 16, "F")
    without = Piece(PIECE, 12, chords=lane).with_variations([VARIATION], phrase_end=28)
    assert without.variation_chords == () and without.accepted().chords == lane
    fill = Piece(PIECE, 26, chords=lane).with_variations(
        [FILL], fill_range=(8, 16), chords=[(Chord(0, 32, "Em"),)])
    assert fill.accepted().chords == (Chord(0, 8, "C"), Chord(8, 8, "Em"), Chord(16, 16, "G7"))
    with pytest.raises(ValueError, match="2 variations' chords for 1 pending"):
        Piece(PIECE, 12).replace(variations=(VARIATION,), variation_chords=((), ()))


# --- the whole piece on another grid (a triplet snap: 4 -> 12 steps per quarter) -------------


def _pending_piece() -> Piece:
    chords = (Chord(0, 16, "C"), Chord(16, 16, "G7"))
    suggestion = ChordSuggestion((Chord(0, 8, "Am"), Chord(8, 8, "F")), (0, 16))
    return Piece(PIECE, 12, chords, loop_region=(4, 20), loop_on=True, key_lock="C major",
                 chord_suggestion=suggestion).with_variations(
        [VARIATION, VARIATION.transpose(2)], 1, phrase_end=28,
        chords=[(Chord(12, 4, "Am"),), (Chord(12, 4, "F"),)])


def test_regridding_up_moves_every_step_of_the_piece_exactly():
    piece = _pending_piece()
    up = piece.regridded(12)
    assert up.melody.steps_per_quarter == 12 and up.melody.tempo == PIECE.tempo
    assert up.melody.notes == tuple(
        dataclasses.replace(n, start=3 * n.start, length=3 * n.length) for n in PIECE.notes)
    assert (up.marker, up.loop_region, up.loop_on, up.phrase_end) == (36, (12, 60), True, 84)
    assert up.chords == (Chord(0, 48, "C"), Chord(48, 48, "G7"))
    assert [v.notes[0] for v in up.variations] == [Note(69, 36, 6), Note(71, 36, 6)]
    assert up.current == 1 and up.key_lock == "C major"
    assert up.variation_chords == ((Chord(36, 12, "Am"),), (Chord(36, 12, "F"),))
    assert up.chord_suggestion.span == (0, 48) and up.chord_suggestion.chords[1].start == 24
    assert up.heard().notes == tuple(
        dataclasses.replace(n, start=3 * n.start, length=3 * n.length) for n in piece.heard().notes)
    assert up.regridded(4) == piece  # and back, exactly: nothing moved in time
    assert piece.regridded(4) is piece


def test_regridding_a_fill_scales_its_range_and_down_snaps_triplets():
    piece = Piece(PIECE, 0).with_variations([VARIATION], 0, fill_range=(12, 24))
    assert piece.regridded(12).fill_range == (36, 72)
    triplets = Melody([Note(60, 0, 4), Note(62, 4, 4), Note(64, 8, 4), Note(65, 12, 12)],
                      steps_per_quarter=12)
    down = Piece(triplets, 13, loop_region=(2, 3)).regridded(4)
    # 1/8T notes snap to sixteenths (step 4 of 12 is 1.33 of 4); the marker and loop round too
    assert [(n.start, n.length) for n in down.melody.notes] == [(0, 1), (1, 2), (3, 1), (4, 4)]
    assert down.marker == 4 and down.loop_region is None  # a loop shorter than a step goes


def test_a_piece_too_long_for_the_finer_grid_is_refused():
    long = Melody([Note(60, limits.MAX_STEPS - 4, 4)])
    with pytest.raises(ValueError):
        Piece(long).regridded(12)
