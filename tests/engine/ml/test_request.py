"""What to generate: a request from the panel's settings, and running it (no Qt involved)."""

import random

import pytest

from segue.engine.melody import Melody, Note
from segue.engine.ml.model import ModelConfig, create_model
from segue.engine.ml.options import FOLLOW_SEED, RNG_SEED, GenerationOptions
from segue.engine.ml.request import (
    ContinuationRequest,
    GenerationSettings,
    iter_continuations,
    iter_fills,
    stand_in_continuation,
)

SEED = Melody([Note(62, 0, 4), Note(66, 4, 4), Note(69, 8, 4), Note(67, 12, 4)], key="D major",
              time_signature=(3, 4))


def test_a_request_carries_the_settings_in_the_seeds_meter():
    settings = GenerationSettings(temperature=0.5, rest_weight=0.25, bars=3, variations=5,
                                  rng_seed=11, pitch_low=48, pitch_high=72)
    request = ContinuationRequest.build(SEED, 20, settings, model_range=(36, 96))
    options = GenerationOptions(temperature=0.5, rest_weight=0.25, variations=5, rng_seed=11,
                                pitch_range=(48, 72), follow_seed=FOLLOW_SEED.default)
    assert request == ContinuationRequest(SEED, 20, 3 * 12, options)
    assert request.phrase_end == 20 + 36 and request.fill_range is None


def test_auto_key_becomes_the_seeds_key_and_a_named_key_stays():
    auto = ContinuationRequest.build(SEED, 16, GenerationSettings(key_lock="auto"))
    assert auto.options.key == "D major"
    named = ContinuationRequest.build(SEED, 16, GenerationSettings(key_lock="A minor"))
    assert named.options.key == "A minor"


@pytest.mark.parametrize(
    "low, high, model_range, expected",
    [(36, 96, (36, 96), None), (30, 100, (36, 96), None), (37, 96, (36, 96), (37, 96)),
     (36, 96, None, (36, 96))],
)
def test_a_pitch_range_covering_the_models_is_left_out(low, high, model_range, expected):
    settings = GenerationSettings(pitch_low=low, pitch_high=high)
    assert ContinuationRequest.build(SEED, 16, settings, model_range).options.pitch_range == expected


def test_running_a_request_gives_its_variations_from_the_start():
    pytest.importorskip("torch")
    model = create_model(ModelConfig(hidden_size=16, token_dim=8, pitch_dim=4, contour_dim=4,
                                     meter_dim=4, lookback_dim=4), seed=2)
    request = ContinuationRequest.build(SEED, 16, GenerationSettings(bars=2, variations=3, rng_seed=4))
    updates = list(iter_continuations(model, request, lambda: False))
    melodies = updates[-1].melodies
    assert len(melodies) == 3 and updates[-1].fraction == 1.0
    assert all(n.start >= 16 and n.end <= 16 + 24 for m in melodies for n in m.notes)


def test_the_stand_in_echoes_the_last_bar_differently_in_each_variation():
    request = ContinuationRequest.build(SEED, 16, GenerationSettings(bars=2, variations=3))
    variations = stand_in_continuation(request)
    assert len(variations) == 3
    assert len({tuple(n.pitch for n in v.notes) for v in variations}) == 3
    assert all(16 <= n.start < 16 + 24 for v in variations for n in v.notes)


def test_a_request_carries_follow_seed_from_the_settings():
    request = ContinuationRequest.build(SEED, 16, GenerationSettings(follow_seed=0.75))
    assert request.options.follow_seed == 0.75
    default = ContinuationRequest.build(SEED, 16, GenerationSettings()).options.follow_seed
    assert default == FOLLOW_SEED.default > 0


def test_an_unlocked_seed_is_drawn_fresh_for_the_request_and_a_locked_one_kept():
    unlocked = GenerationSettings(rng_seed=5)
    first = ContinuationRequest.build(SEED, 16, unlocked, rng=random.Random(1))
    assert first.rng_seed == random.Random(1).randrange(RNG_SEED.high)
    assert ContinuationRequest.build(SEED, 16, unlocked).rng_seed == 5  # no rng: the settings'
    locked = unlocked.replace(seed_locked=True)
    assert ContinuationRequest.build(SEED, 16, locked, rng=random.Random(1)).rng_seed == 5


def test_a_fill_request_is_the_whole_piece_with_its_range_and_the_key_before_it():
    piece = SEED.add(Note(74, 20, 4))
    settings = GenerationSettings(key_lock="auto", variations=2, rng_seed=3)
    request = ContinuationRequest.build_fill(piece, (12, 20), settings)
    assert request.seed == piece and request.fill and request.fill_range == (12, 20)
    assert (request.start, request.steps, request.phrase_end) == (12, 8, 20)
    assert request.options.key == SEED.slice(0, 12).resolved_key("auto")
    assert request.options == ContinuationRequest.build(SEED.slice(0, 12), 12, settings).options


def test_running_a_fill_request_rewrites_only_its_range():
    pytest.importorskip("torch")
    model = create_model(ModelConfig(hidden_size=16, token_dim=8, pitch_dim=4, contour_dim=4,
                                     meter_dim=4, lookback_dim=4), seed=2)
    piece = SEED.add(Note(74, 24, 4))
    request = ContinuationRequest.build_fill(piece, (12, 24), GenerationSettings(variations=2, rng_seed=4))
    wholes = list(iter_fills(model, request, lambda: False))[-1].melodies
    assert len(wholes) == 2
    for whole in wholes:
        assert [n for n in whole.notes if n.start < 12] == list(SEED.slice(0, 12).notes)
        assert [n for n in whole.notes if n.start >= 24] == [Note(74, 24, 4)]


def test_a_request_for_a_piece_takes_the_key_its_key_lock_stands_for():
    from segue.engine.piece import Piece

    minor = Melody([Note(57, 0, 8), Note(60, 8, 4), Note(64, 12, 4)])
    later = Melody([Note(67, 16, 8), Note(71, 24, 4), Note(74, 28, 4)])
    piece = Piece(minor.add(*later.notes), 16, key_lock="auto")
    settings = GenerationSettings(key_lock="off", variations=1)  # the panel's copy: the piece wins
    request = ContinuationRequest.for_piece(piece, settings)
    assert (request.seed, request.start) == (piece.seed(), 16)
    assert request.options.key == piece.resolved_key() == minor.detect_key()
    assert ContinuationRequest.for_piece(piece.replace(key_lock="off"), settings).options.key is None
    # A fill is locked to the same key as a continuation of the same piece.
    fill = ContinuationRequest.fill_of_piece(piece.replace(key_lock="G major"), (16, 32), settings)
    assert fill.fill and fill.options.key == "G major" and fill.fill_range == (16, 32)


def test_a_request_for_a_piece_carries_its_chords_to_the_model(monkeypatch):
    from segue.engine.chords import Chord
    from segue.engine.ml import fill as fill_module
    from segue.engine.ml import sampling
    from segue.engine.piece import Piece

    chords = (Chord(0, 12, "D"), Chord(12, 12, "A7"), Chord(24, 12, "G"))
    piece = Piece(SEED, 16).with_chords(chords)
    settings = GenerationSettings(bars=1, variations=1, rng_seed=3)
    request = ContinuationRequest.for_piece(piece, settings)
    fill = ContinuationRequest.fill_of_piece(piece, (4, 12), settings)
    assert request.chords == fill.chords == piece.chords == chords
    assert ContinuationRequest.for_piece(Piece(SEED, 16), settings).chords is None  # none asked for
    given = []
    monkeypatch.setattr(sampling, "iter_generate", lambda *a, **k: given.append(k["chords"]) or iter(()))
    monkeypatch.setattr(fill_module, "iter_fill", lambda *a, **k: given.append(k["chords"]) or iter(()))
    model = create_model(ModelConfig(hidden_size=8), seed=1)
    list(iter_continuations(model, request, lambda: False))
    list(iter_fills(model, fill, lambda: False))
    assert given == [chords, chords]
