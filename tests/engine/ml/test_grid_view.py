"""Generation on a triplet piece with a straight model: what the model is asked (its grid) and
what the piece gets back (its grid, the notes around a fill untouched). A fake run stands in
for the sampler: no torch."""

from dataclasses import dataclass
from types import SimpleNamespace

import pytest

from segue.engine.chords import Chord
from segue.engine.grid import regrid
from segue.engine.melody import Melody, Note
from segue.engine.ml.grid_view import model_grid, on_model_grid, request_on_grid
from segue.engine.ml.request import ContinuationRequest, GenerationSettings
from segue.engine.piece import Piece, outside_range

STRAIGHT_MODEL = SimpleNamespace(config=SimpleNamespace(steps_per_quarter=4))
BAR = 48  # 4/4 on 12 steps a quarter
# Triplet eighths, a quarter and a half, then a bar of straight notes and one triplet quarter pair.
TRIPLETS = Melody(
    [Note(62, 0, 4), Note(66, 4, 4), Note(69, 8, 4), Note(67, 12, 12), Note(64, 24, 24),
     Note(60, 48, 12), Note(62, 60, 12), Note(64, 72, 24), Note(65, 96, 16), Note(67, 112, 16)],
    steps_per_quarter=12)
CHORDS = (Chord(0, BAR, "D"), Chord(BAR, BAR, "G"), Chord(2 * BAR, BAR, "A7"))
SETTINGS = GenerationSettings(bars=1, variations=2, rng_seed=5, seed_locked=True)


@dataclass(frozen=True)
class GenerationUpdate:
    """The fields of engine.ml.sampling's update (which imports torch) that the view reads."""

    fraction: float
    melodies: list | None = None
    rng_seed: int | None = None
    chords: list | None = None


class FakeRun:
    """Records the request it is given; writes one straight quarter note a beat from its start,
    with a chord, on the request's own grid (whole melodies for a fill, as the engine does)."""

    def __init__(self):
        self.requests, self.models = [], []

    def __call__(self, model, request):
        self.requests.append(request)
        self.models.append(model)
        spq, start = request.seed.steps_per_quarter, request.start
        new = [Note(70, s, spq) for s in range(start, request.phrase_end - spq + 1, spq)]
        melody = request.seed.with_notes(new)
        if request.fill:
            melody = outside_range(request.seed, start, request.phrase_end).add(*new)
        yield GenerationUpdate(0.5)
        yield GenerationUpdate(1.0, [melody, melody.transpose(2)], 5,
                               [(Chord(start, spq * 4, "C"),)] * 2)


def test_the_models_grid_is_its_configs():
    assert model_grid(STRAIGHT_MODEL) == 4 and model_grid(object()) is None


def test_a_request_on_the_models_grid_runs_untouched():
    straight = regrid(TRIPLETS, 4)
    request = ContinuationRequest.for_piece(Piece.of(straight), SETTINGS)
    run = FakeRun()
    updates = list(on_model_grid(STRAIGHT_MODEL, request, run))
    assert run.requests == [request] and run.requests[0] is request
    assert updates[-1].melodies[0].steps_per_quarter == 4


def test_a_straight_piece_goes_to_the_styles_model_for_straight_pieces_untouched():
    triplet_model = SimpleNamespace(config=SimpleNamespace(steps_per_quarter=12),
                                    straight_model=STRAIGHT_MODEL)
    straight = regrid(TRIPLETS, 4)
    request = ContinuationRequest.for_piece(Piece.of(straight), SETTINGS)
    run = FakeRun()
    list(on_model_grid(triplet_model, request, run))
    assert run.models == [STRAIGHT_MODEL] and run.requests == [request]
    # A piece with triplets is the triplet model's, on its own grid.
    request = ContinuationRequest.for_piece(Piece.of(TRIPLETS), SETTINGS)
    list(on_model_grid(triplet_model, request, run))
    assert run.models[1] is triplet_model and run.requests[1] is request
    # Without one, the triplet model hears the straight piece on its grid (the grid lock).
    alone = SimpleNamespace(config=SimpleNamespace(steps_per_quarter=12))
    request = ContinuationRequest.for_piece(Piece.of(straight), SETTINGS)
    list(on_model_grid(alone, request, run))
    assert run.models[2] is alone and run.requests[2].seed.steps_per_quarter == 12
    assert run.requests[2].options.note_grid == 4


def test_a_continuation_is_heard_on_the_models_grid_and_written_back_exactly():
    piece = Piece.of(TRIPLETS).with_chords(CHORDS)
    request = ContinuationRequest.for_piece(piece, SETTINGS)
    assert (request.start, request.steps) == (128, BAR)
    run = FakeRun()
    updates = list(on_model_grid(STRAIGHT_MODEL, request, run))
    heard = run.requests[0]
    assert heard.seed == regrid(TRIPLETS, 4) and heard.seed.steps_per_quarter == 4
    assert (heard.start, heard.steps) == (43, 16 - 1)  # 128/3 -> 43 (at or after), 176/3 -> 58
    assert heard.chords == (Chord(0, 16, "D"), Chord(16, 16, "G"), Chord(32, 16, "A7"))
    assert heard.options == request.options  # key lock, pitch range, follow: not steps
    assert [u.fraction for u in updates] == [0.5, 1.0]
    melodies, chords = updates[-1].melodies, updates[-1].chords
    assert all(m.steps_per_quarter == 12 for m in melodies)
    assert [(n.start, n.length) for n in melodies[0].notes] == [(129, 12), (141, 12), (153, 12)]
    assert all(request.start <= n.start and n.end <= request.phrase_end for n in melodies[0].notes)
    assert chords == [(Chord(129, 48, "C"),)] * 2


def test_a_fill_keeps_every_note_around_its_range_as_it_was():
    piece = Piece.of(TRIPLETS)
    request = ContinuationRequest.fill_of_piece(piece, (BAR, 2 * BAR), SETTINGS)
    run = FakeRun()
    filled = list(on_model_grid(STRAIGHT_MODEL, request, run))[-1].melodies
    heard = run.requests[0]
    assert heard.fill and (heard.start, heard.phrase_end) == (16, 32)
    # The model hears the piece around the range (the triplets snapped): not the notes it rewrites.
    assert heard.seed == regrid(outside_range(TRIPLETS, BAR, 2 * BAR), 4)
    around = outside_range(TRIPLETS, BAR, 2 * BAR)
    for whole in filled:
        assert whole.steps_per_quarter == 12
        assert [n for n in whole.notes if not BAR <= n.start < 2 * BAR] == list(around.notes)
        assert [n.start for n in whole.notes if BAR <= n.start < 2 * BAR] == [48, 60, 72, 84]


def test_a_fill_range_that_holds_no_step_of_the_models_grid_is_refused():
    request = ContinuationRequest.fill_of_piece(Piece.of(TRIPLETS), (49, 50), SETTINGS)
    with pytest.raises(ValueError, match="hold no step of the model's grid"):
        request_on_grid(request, 4)


def test_the_new_music_starts_after_every_seed_note_on_the_models_grid():
    # A triplet note at step 2 of 12 lands on step 1 of 4: a continuation from step 3 (1 of 4)
    # must start after it, at 2.
    seed = Melody([Note(60, 0, 2), Note(62, 2, 1)], steps_per_quarter=12)
    request = ContinuationRequest.for_piece(Piece.of(seed, 3), SETTINGS)
    heard = request_on_grid(request, 4)
    assert [n.start for n in heard.seed.notes] == [0, 1] and heard.start == 2
