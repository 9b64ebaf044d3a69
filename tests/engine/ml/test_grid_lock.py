"""A triplet (12-step) model on a straight (4-step) piece writes straight notes: every note it
writes starts and ends on the piece's grid, so the results come back onto it exactly. On a
triplet piece it writes triplets; a model on the piece's own grid draws as it always did."""

import dataclasses

import pytest
import torch

import segue.engine.ml.sampling as sampling
from segue.engine.chords import Chord
from segue.engine.cli import main
from segue.engine.encoding import FIRST_PITCH_TOKEN, HOLD, REST
from segue.engine.grid import holds_triplets, regrid, regrid_with_report
from segue.engine.melody import Melody, Note
from segue.engine.midi_io import import_midi, read_midi, write_midi
from segue.engine.ml.checkpoint import save_model
from segue.engine.ml.grid_lock import GridLock, grid_lock_for
from segue.engine.ml.grid_view import on_model_grid
from segue.engine.ml.model import ModelConfig, create_model
from segue.engine.ml.options import GenerationOptions
from segue.engine.ml.request import ContinuationRequest, GenerationSettings
from segue.engine.ml.sampling import generate, iter_generate
from segue.engine.piece import Piece, outside_range

torch.set_num_threads(1)

TINY = ModelConfig(hidden_size=16, token_dim=8, pitch_dim=4, contour_dim=4, meter_dim=4,
                   lookback_dim=4)
TRIPLET_TINY = dataclasses.replace(TINY, steps_per_quarter=12)
BAR = 16  # 4/4 on the straight grid
STRAIGHT = Melody([Note(60, 0, 4), Note(62, 4, 2), Note(64, 6, 2), Note(65, 8, 4), Note(67, 12, 4),
                   Note(69, 16, 8), Note(67, 24, 8)])
SETTINGS = GenerationSettings(bars=2, variations=4, rng_seed=3, seed_locked=True)
# A bar of triplet eighths and a bar of sixteenths, on 12 steps a quarter.
TRIPLET_SEED = Melody([Note(60 + 2 * (i % 5), 4 * i, 4) for i in range(12)]
                      + [Note(64 + (i % 3), 48 + 3 * i, 3) for i in range(16)], steps_per_quarter=12)
CHORDS = (Chord(0, BAR, "C"), Chord(BAR, BAR, "G"), Chord(2 * BAR, BAR, "F"), Chord(3 * BAR, BAR, "C"))


def eager(config=TRIPLET_TINY, seed=4, strength=4.0):
    """A random model rigged to prefer a note-on at every step: unconstrained it plays notes
    off any coarser grid almost everywhere."""
    model = create_model(config, seed=seed)
    with torch.no_grad():
        model.head.bias[FIRST_PITCH_TOKEN:model.vocab_size] += strength
    return model.eval()


class Recorded:
    """A run of the sampler on the model's grid that keeps what it wrote there."""

    def __init__(self, model, fill=False):
        self.model, self.fill, self.melodies, self.heard = model, fill, None, None

    def __call__(self, model, heard):
        from segue.engine.ml.fill import iter_fill  # noqa: PLC0415

        assert model is self.model
        self.heard = heard
        if self.fill:
            updates = iter_fill(self.model, heard.seed, heard.start, heard.phrase_end,
                                heard.options, chords=heard.chords)
        else:
            updates = iter_generate(self.model, heard.seed, heard.steps, heard.options,
                                    start=heard.start, chords=heard.chords)
        for update in updates:
            if update.melodies is not None:
                self.melodies = update.melodies
            yield update


def new_notes(melody, request):
    return [n for n in melody.notes if request.start <= n.start < request.phrase_end]


def assert_on_piece_grid(written, results, ratio=3):
    """Every note the model wrote starts and ends on the piece's grid, and the results are
    those notes moved onto it: none moved, none dropped."""
    notes = [n for m in written for n in m.notes]
    assert notes, "the model wrote nothing: the test would prove nothing"
    assert all(n.start % ratio == 0 and n.end % ratio == 0 for n in notes)
    for model_melody, piece_melody in zip(written, results):
        report = regrid_with_report(model_melody, piece_melody.steps_per_quarter)
        assert (report.moved, report.dropped) == (0, 0)
        assert report.melody == piece_melody


@pytest.mark.parametrize("chords", [None, CHORDS], ids=["plain", "chords"])
def test_a_triplet_model_continues_a_straight_piece_with_straight_notes(chords):
    config = TRIPLET_TINY if chords is None else dataclasses.replace(TRIPLET_TINY, chord_dim=4)
    model = eager(config)
    piece = Piece.of(STRAIGHT).with_chords(chords or ())
    request = ContinuationRequest.for_piece(piece, SETTINGS)
    run = Recorded(model)
    final = list(on_model_grid(model, request, run))[-1]
    assert run.heard.options.note_grid == 4 and run.heard.seed.steps_per_quarter == 12
    assert all(m.steps_per_quarter == 4 for m in final.melodies)
    assert_on_piece_grid(run.melodies, final.melodies)
    assert all(request.start <= n.start and n.end <= request.phrase_end
               for m in final.melodies for n in m.notes)
    if chords is not None:
        assert final.chords is not None and all(c for c in final.chords)


def test_a_triplet_model_fills_a_straight_piece_with_straight_notes():
    model = eager()
    request = ContinuationRequest.fill_of_piece(Piece.of(STRAIGHT), (4, 16), SETTINGS)
    run = Recorded(model, fill=True)
    filled = list(on_model_grid(model, request, run))[-1].melodies
    around = outside_range(STRAIGHT, 4, 16)
    inside = [[n for n in m.notes if 12 <= n.start < 48] for m in run.melodies]
    assert any(inside) and all(n.start % 3 == 0 and n.end % 3 == 0 for ns in inside for n in ns)
    for whole, written in zip(filled, inside):
        assert whole.steps_per_quarter == 4
        assert [n for n in whole.notes if not 4 <= n.start < 16] == list(around.notes)
        assert [n for n in whole.notes if 4 <= n.start < 16] == [
            dataclasses.replace(n, start=n.start // 3, length=n.length // 3) for n in written]


@pytest.mark.parametrize("controls", [
    dict(beam_width=4), dict(key="D major", rest_weight=0.0), dict(top_p=0.9, temperature=2.0),
    dict(follow_seed=1.0, adaptive_temperature=True),
], ids=["beam", "key-no-rests", "top-p", "follow-adaptive"])
def test_every_control_keeps_to_the_note_grid(controls):
    model = eager(strength=2.0)
    seed = regrid(STRAIGHT, 12)
    made = generate(model, seed, 96, GenerationOptions(variations=4, rng_seed=9, note_grid=4,
                                                      **controls))
    notes = [n for m in made for n in m.notes]
    assert notes and all(n.start % 3 == 0 and n.end % 3 == 0 for n in notes)


def test_a_triplet_model_on_a_triplet_piece_writes_triplets():
    # The same rigged model, on a piece already on its grid: no lock, so it plays off the
    # straight grid (what the lock stops on a straight piece).
    model = eager()
    triplets = regrid(STRAIGHT, 12).add(Note(71, 96, 4), Note(72, 100, 4))
    request = ContinuationRequest.for_piece(Piece.of(triplets), SETTINGS)
    run = Recorded(model)
    final = list(on_model_grid(model, request, run))[-1]
    assert run.heard.options.note_grid is None
    assert any(holds_triplets(m) for m in final.melodies)


def test_generate_continues_a_seed_on_the_seeds_own_grid():
    # engine.generate with a straight seed and a 12-step model: steps and notes are the seed's.
    made = generate(eager(), STRAIGHT, 2 * BAR, variations=4, rng_seed=9)
    notes = [n for m in made for n in m.notes]
    assert notes and all(m.steps_per_quarter == 4 for m in made)
    assert all(STRAIGHT.end <= n.start and n.end <= STRAIGHT.end + 2 * BAR for n in notes)


def test_without_the_note_grid_the_rigged_model_plays_off_it():
    # What makes the tests above able to fail: the same straight seed, no lock.
    made = generate(eager(), regrid(STRAIGHT, 12), 96, variations=4, rng_seed=9)
    assert any(n.start % 3 for m in made for n in m.notes)


def test_a_model_on_the_pieces_grid_draws_exactly_as_without_the_lock(monkeypatch):
    model = create_model(TINY, seed=2)
    options = GenerationOptions(variations=3, rng_seed=11, follow_seed=0.4, key="C major")
    plain = generate(model, STRAIGHT, 64, options)
    assert generate(model, STRAIGHT, 64, options.replace(note_grid=4)) == plain
    beam = generate(model, STRAIGHT, 32, options.replace(beam_width=3))
    # The lock's code path run on every step, each of them on the grid: the same draws.
    used = []

    def every_step(note_grid, model_grid, start, batch, device):
        used.append(GridLock({0}, 1, start, batch, device))
        return used[-1]

    monkeypatch.setattr(sampling, "grid_lock_for", every_step)
    assert generate(model, STRAIGHT, 64, options) == plain
    assert generate(model, STRAIGHT, 32, options.replace(beam_width=3)) == beam
    assert used and used[0].step == STRAIGHT.end + 64


def test_the_lock_allows_only_what_continues_between_grid_steps():
    lock = GridLock({0}, 3, 6, 2, "cpu")
    scores = torch.zeros(2, 6)
    assert lock(scores) is scores  # step 6: on the grid
    lock.played([FIRST_PITCH_TOKEN, REST])
    forced = lock(scores)  # step 7: row 0 sounds, row 1 rests
    assert forced[0].argmax() == HOLD and forced[1].argmax() == REST
    assert torch.isinf(forced).sum() == 2 * 5


def test_a_straight_grid_needs_no_lock_and_a_triplet_grid_holds_the_steps_no_snap_reaches():
    assert grid_lock_for(None, 4, 0, 1, "cpu") is None and grid_lock_for(4, 4, 0, 1, "cpu") is None
    assert grid_lock_for(4, 12, 0, 1, "cpu").positions == {0, 3, 6, 9}
    triplets = grid_lock_for(None, 12, 0, 1, "cpu")
    assert triplets.positions == grid_lock_for(12, 12, 0, 1, "cpu").positions == {0, 2, 3, 4, 6, 8, 9, 10}
    assert triplets.draws(12) == 8 and triplets.draws(24) == 16 and triplets.draws(5) == 4
    triplets.step = 5
    assert not triplets.on_grid and len(triplets.forced(10)) == 1 and triplets.on_grid  # to 6
    assert triplets.forced(10) == [] and triplets.draws(3) == 2  # 6, 7 held, 8
    with pytest.raises(ValueError, match="positions"):
        GridLock({12}, 12, 0, 1, "cpu")


def test_a_triplet_piece_is_continued_on_its_snaps_only():
    # The rigged model plays a note on most steps: it would start notes between the snaps.
    made = generate(eager(), TRIPLET_SEED, 96, variations=4, rng_seed=9)
    notes = [n for m in made for n in m.notes]
    assert len(notes) > 40
    assert {n.start % 12 for n in notes} | {n.end % 12 for n in notes} <= {0, 2, 3, 4, 6, 8, 9, 10}
    assert {n.start % 12 for n in notes} & {2, 4, 8, 10}  # triplet positions are open


def test_a_note_grid_the_models_is_not_a_multiple_of_is_refused():
    with pytest.raises(ValueError, match="multiple"):
        grid_lock_for(8, 12, 0, 1, "cpu")
    with pytest.raises(ValueError, match="steps per quarter"):
        GenerationOptions(note_grid=0)


def test_the_cli_continues_a_straight_seed_with_straight_notes(tmp_path, capsys):
    model_path = tmp_path / "triplet"
    save_model(eager(), model_path)
    seed = tmp_path / "seed.mid"
    write_midi(STRAIGHT, seed)
    out = tmp_path / "out.mid"
    assert main(["generate", "--seed", str(seed), "--out", str(out), "--model", str(model_path),
                 "--bars", "2", "--rng-seed", "5", "--continuation-only"]) == 0
    capsys.readouterr()
    written = import_midi(out, steps_per_quarter=12).melody
    assert written.notes and not holds_triplets(written)
    assert read_midi(out).steps_per_quarter == 4
