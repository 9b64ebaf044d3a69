"""Following the seed: the short-term model, its combination with the LSTM, and its use in
scoring and generation."""

import math

import numpy as np
import pytest
import torch

from segue.engine.encoding import FIRST_PITCH_TOKEN, HOLD, REST, EventEncoding
from segue.engine.melody import Melody, Note
from segue.engine.ml import follow
from segue.engine.ml.checkpoint import load_model
from segue.engine.ml.continuation_eval import continuation_stats
from segue.engine.ml.echo import FREE_NOTE, BarEcho, echo_predictions
from segue.engine.ml.evaluation import score
from segue.engine.ml.follow import MatchModel, match_rows, mix
from segue.engine.ml.model import ModelConfig, create_model
from segue.engine.ml.sampling import generate
from segue.engine.openings import read_openings

torch.set_num_threads(1)

TINY = ModelConfig(hidden_size=16, token_dim=8, pitch_dim=4, contour_dim=4, meter_dim=4, lookback_dim=4)
BAR = [(67, 0, 4), (69, 4, 2), (71, 6, 2), (72, 8, 4), (74, 12, 4)]


def repeated(bars: int, pattern=BAR) -> Melody:
    """One 4/4 bar played ``bars`` times."""
    return Melody([Note(p, 16 * b + s, length) for b in range(bars) for p, s, length in pattern],
                  time_signature=(4, 4))


@pytest.fixture(scope="module")
def model():
    return create_model(TINY, seed=3)


def test_a_match_predicts_what_followed_the_same_steps_before():
    tokens = [5, 1, 1, 1, 7, 1, 0, 9] * 2 + [5, 1, 1, 1, 7, 1, 0]
    model = MatchModel(steps_per_bar=8).learn_all(tokens)
    token, cell = model.prediction()
    assert token == 9  # what came after these steps last time
    assert cell == follow._cell(15, True, 9) and follow.CONFIDENCE[cell] > 0.5  # long, a bar back
    assert MatchModel(8).learn_all(tokens[:10]).prediction() is None  # too short to match
    unaligned = MatchModel(steps_per_bar=5).learn_all(tokens).prediction()
    assert unaligned[1] == follow._cell(15, False, 9)


def test_on_a_finer_grid_a_match_counts_the_same_lengths_in_quarters():
    tokens = [5, 1, 1, 1, 7, 1, 0, 9] * 2 + [5, 1, 1, 1, 7, 1, 0]
    on_12 = [step for t in tokens for step in ((t, HOLD, HOLD) if t >= FIRST_PITCH_TOKEN else (t,) * 3)]
    model = MatchModel(steps_per_bar=24, steps_per_quarter=12).learn_all(on_12)
    assert model.min_match == 3 * follow.MIN_MATCH
    assert model.prediction() == (9, follow._cell(15, True, 9))  # as on 4 steps: 15 of them
    assert MatchModel(24, 12).learn_all(on_12[:3 * 10]).prediction() is None  # too short


def test_a_fork_learns_on_its_own_and_leaves_its_parent_alone():
    parent = MatchModel(8).learn_all([5, 1, 1, 1, 7, 1, 0, 9] * 2 + [5, 1, 1])
    child = parent.fork()
    child.learn_all([3, 3, 3])
    assert parent.prediction()[0] == 1 and child.prediction() is None
    assert parent.fork().prediction() == parent.prediction()


def test_match_rows_only_know_the_steps_before_them():
    tokens = [5, 1, 1, 1, 7, 1, 0, 9] * 3
    rows = match_rows(tokens, 8)
    assert rows.shape == (len(tokens) - 1, 2)
    assert (rows[:15] == -1).all() and rows[15, 0] == tokens[16]  # a whole window repeats
    changed = tokens[:-1] + [3]  # a different last token changes no row (the last predicts it)
    assert np.array_equal(match_rows(changed, 8), rows)
    primed = match_rows(tokens, 8, primer=tokens)
    assert primed[0, 0] == tokens[1]


def test_mixing_leaves_the_lstm_alone_at_zero_and_keeps_impossible_tokens_impossible():
    logits = torch.randn(3, 6, dtype=torch.float64)
    logits[1, HOLD] = -math.inf
    long = torch.log_softmax(logits, -1)
    strong = follow._cell(64, True, HOLD)
    rows = np.array([[HOLD, strong], [HOLD, strong], [-1, -1]])
    assert torch.allclose(mix(long, rows, 0.0), long)
    mixed = mix(long, rows, 1.0)
    assert torch.allclose(mixed.exp().sum(-1), torch.ones(3, dtype=torch.float64))
    weight = follow.CONFIDENCE[strong]
    assert float(mixed[0, HOLD].exp()) == pytest.approx(weight + (1 - weight) * float(long[0, HOLD].exp()))
    assert mixed[1, HOLD] == -math.inf and torch.allclose(mixed[1:], long[1:])


def test_a_generation_step_is_mixed_as_scoring_mixes_the_same_row():
    # Generation mixes 8 rows a step (SeedFollower.adjust), scoring a whole tune at once
    # (follow_log_probs): the same numbers either way, matches and echoes both at work.
    bar = [6, 1, 1, 1, 8, 1, 9, 1, 11, 1, 1, 1, 0, 0, 13, 1]
    seed = bar * 2
    continuation = bar[:10] + [16, 1, 1, 1] + bar * 2 + [6, 0, 0, 7]
    logits = torch.randn(len(continuation) - 1, 20, generator=torch.Generator().manual_seed(5))
    logits[3, HOLD] = -math.inf
    expected = follow.follow_log_probs(torch.log_softmax(logits.double(), -1), continuation, 16, 0.7,
                                       primer=seed, first_step=4 + len(seed))
    follower = follow.SeedFollower(seed, 1, 16, 0.7, first_step=4)
    mixed = []
    for step, token in enumerate(continuation[:-1]):
        follower.learn([token])
        # (a step with nothing to mix keeps its logits: the same distribution)
        mixed.append(torch.log_softmax(follower.adjust(logits[step:step + 1].clone())[0], -1))
    assert torch.allclose(torch.stack(mixed), expected.float(), atol=1e-6)
    assert not torch.allclose(expected.float(), torch.log_softmax(logits, -1), atol=0.01)
    assert mixed[3][HOLD] == -math.inf


def test_fitting_finds_the_weight_that_predicts_best():
    vocab, steps = 6, 400
    long = torch.log_softmax(torch.zeros(steps, vocab, dtype=torch.float64), -1)
    cell = follow._cell(20, True, 4)
    rows = np.tile([4, cell], (steps, 1))
    targets = torch.tensor([4] * 300 + [2] * 100)  # the match is right three times in four
    fitted = follow.fit_confidence([(long, targets, rows)])
    assert fitted[cell] == pytest.approx(0.7, abs=0.02)  # 0.75 = c + (1 - c) / 6
    assert fitted.sum() == fitted[cell]
    assert follow.fit_confidence([(long[:10], targets[:10], rows[:10])])[cell] == 0  # too few


@pytest.mark.parametrize("bad", [1.5, -0.1, True, "strong", math.nan])
def test_bad_strengths_are_refused(model, bad):
    with pytest.raises(ValueError, match="follow seed must be a number from 0 to 1"):
        follow.check_strength(bad)
    with pytest.raises(ValueError, match="follow seed"):
        generate(model, repeated(2), 16, rng_seed=1, follow_seed=bad)
    with pytest.raises(ValueError, match="follow seed"):
        score(model, repeated(2), follow_seed=bad)


def test_scores_follow_a_repetitive_tune_honestly(model):
    tune = repeated(6)
    plain = score(model, tune)
    assert score(model, tune, follow_seed=0.0) == plain
    following = score(model, tune, follow_seed=1.0)
    assert following["notes"] == plain["notes"] and following["steps"] == plain["steps"]
    assert following["total_bits"] < 0.5 * plain["total_bits"]  # the tune repeats its bar
    # Honest: a changed last note changes no earlier note's surprise.
    changed = tune.with_notes(tune.notes[:-1] + (tune.notes[-1].with_pitch(60),))
    a = score(model, tune, follow_seed=1.0, per_note=True)["note_bits"]
    b = score(model, changed, follow_seed=1.0, per_note=True)["note_bits"]
    assert a[:-1] == b[:-1] and a[-1] != b[-1]


def test_per_note_surprise_comes_in_note_order_and_adds_up(model):
    tune = repeated(3).transpose(-36)  # fitted an octave or more up, reported in its own pitches
    result = score(model, tune, follow_seed=0.5, per_note=True)
    assert len(result["note_bits"]) == len(tune.notes) == len(result["expected"])
    assert result["note_bits"][0] is None and result["expected"][0] is None
    assert sum(result["note_pitch_bits"][1:]) == pytest.approx(result["pitch_bits"])
    assert sum(result["note_bits"][1:]) < result["total_bits"]  # holds and rests cost bits too
    expected = result["expected"][5]
    assert len(expected) == 3 and expected[0][1] >= expected[1][1] >= expected[2][1]
    encoding = EventEncoding()
    assert all(encoding.min_pitch - 36 <= pitch <= encoding.max_pitch for pitch, _ in expected)
    plain = score(model, tune, per_note=True)
    assert plain["total_bits"] == pytest.approx(score(model, tune)["total_bits"])


def share_like_the_seed(melodies, seed_bar) -> float:
    """The share of generated notes that start where and as the seed's bar has one."""
    shape = {(n.start % 16, n.pitch) for n in seed_bar.notes}
    notes = [n for m in melodies for n in m.notes]
    return sum((n.start % 16, n.pitch) in shape for n in notes) / len(notes)


@pytest.fixture(scope="module")
def flat_model():
    """A model that finds every token equally likely: what following adds stands out."""
    flat = create_model(TINY, seed=3)
    with torch.no_grad():
        flat.head.weight.zero_()
        flat.head.bias.zero_()
    return flat


def test_following_brings_the_seeds_bar_back_and_off_changes_nothing(flat_model):
    model, seed = flat_model, repeated(4)
    plain = generate(model, seed, 64, variations=8, rng_seed=5)
    assert generate(model, seed, 64, variations=8, rng_seed=5, follow_seed=0.0) == plain
    followed = generate(model, seed, 64, variations=8, rng_seed=5, follow_seed=1.0)
    assert followed == generate(model, seed, 64, variations=8, rng_seed=5, follow_seed=1.0)
    half = generate(model, seed, 64, variations=8, rng_seed=5, follow_seed=0.5)
    one_bar = repeated(1)
    shares = [share_like_the_seed(m, one_bar) for m in (plain, half, followed)]
    assert shares[0] < shares[1] < shares[2] and shares[2] > shares[0] + 0.05, shares
    # The first bar after the seed begins as every seed bar does, in most variations.
    assert sum(m.notes[0].pitch == 67 and m.notes[0].length == 4 for m in followed) >= 6


def test_following_works_with_beam_search_and_masks(model):
    seed = repeated(2)
    beams = generate(model, seed, 32, variations=3, beam_width=4, follow_seed=1.0, key="G major")
    assert len(beams) == 3 and len({m.notes for m in beams}) == 3
    scale = {7, 9, 11, 0, 2, 4, 6}
    assert all(n.pitch % 12 in scale for m in beams for n in m.notes)
    no_rests = generate(model, seed, 32, variations=4, rng_seed=2, rest_weight=0, follow_seed=1.0)
    for melody in no_rests:  # rest weight 0: notes cover every step after the seed
        covered = sum(n.length for n in melody.notes)
        assert covered == 32 and melody.notes[0].start == seed.end
    assert REST != HOLD


# --- bar echoes ------------------------------------------------------------------------------

NOTE = follow.FIRST_PITCH_TOKEN  # the lowest pitch's token


def test_at_a_bar_line_every_earlier_bar_is_a_hypothesis_and_a_wrong_step_ends_one():
    a = [NOTE + 5, HOLD, NOTE + 7, HOLD, HOLD, HOLD]  # a bar of 6 steps: two notes a tone apart
    b = [NOTE + 9, HOLD, HOLD, REST, REST, REST]
    echo = BarEcho(6).learn_all(a + b)
    found = dict(echo.prediction())
    # Both bars begin with a note: any pitch (the LSTM's), half of it on each bar's own pitch.
    assert found == pytest.approx({FREE_NOTE: 0.5, NOTE + 5: 0.25, NOTE + 9: 0.25})
    echo.learn(NOTE + 10)  # a fifth above bar a's first note, a semitone above b's
    assert dict(echo.prediction()) == {HOLD: 1.0}
    echo.learn(HOLD)
    # Bar a goes on a tone up from where this bar began; bar b holds.
    assert dict(echo.prediction()) == pytest.approx({NOTE + 12: 0.5, HOLD: 0.5})
    echo.learn(NOTE + 12)  # bar a, moved up a fifth: bar b is out
    assert dict(echo.prediction()) == {HOLD: 1.0}
    echo.learn(NOTE + 1)  # neither: nothing is predicted until the next bar line
    assert echo.prediction() is None
    assert len(dict(BarEcho(6).learn_all(a + b + [NOTE] * 6).prediction())) == 4  # three bars now


def test_echoes_know_where_the_bar_lines_are_and_skip_empty_bars():
    bar = [NOTE + 5, HOLD, NOTE + 7, HOLD]
    # Starting mid-bar (step 2): the first two tokens are no complete bar.
    echo = BarEcho(4, first_step=2).learn_all([NOTE + 1, HOLD] + bar)
    assert dict(echo.prediction())[NOTE + 5] == pytest.approx(0.5)
    assert BarEcho(4).learn_all([REST] * 4).prediction() is None  # silence is no shape to echo
    rows = echo_predictions([NOTE + 1, HOLD] + bar + [NOTE + 2], 4, first_step=2)
    assert rows[:5] == [None] * 5 and dict(rows[5])[NOTE + 5] == pytest.approx(0.5)


def test_an_echo_fork_learns_on_its_own():
    parent = BarEcho(4).learn_all([NOTE + 5, HOLD, NOTE + 7, HOLD])
    child = parent.fork()
    child.learn(REST)
    assert child.prediction() is None and parent.prediction() is not None


def test_a_free_first_note_takes_the_pitches_as_the_lstm_has_them():
    probs = torch.tensor([[0.1, 0.1, 0.2, 0.6]], dtype=torch.float64)
    predictions = [[(FREE_NOTE, 1.0)]]
    mixed = follow.mix_echo(probs.log(), predictions, 1.0).exp()[0]
    weight = follow.echo_weight(1.0)
    notes = torch.tensor([0.0, 0.0, 0.25, 0.75], dtype=torch.float64)
    assert torch.allclose(mixed, (1 - weight) * probs[0] + weight * notes)
    assert torch.allclose(follow.mix_echo(probs.log(), [None], 1.0), probs.log())
    assert follow.echo_weight(0.0) == 0 and follow.echo_weight(1.0) > 0.9


def reel_seeds(count: int) -> list[Melody]:
    """The first four bars of the shipped Irish model's openings in 4/4 or 2/2 (reels)."""
    seeds = []
    for opening in read_openings("irish"):
        bar = opening.steps_per_bar
        first = opening.bar_start(opening.start)
        if opening.time_signature in ((4, 4), (2, 2)) and opening.end >= first + 4 * bar:
            seeds.append(opening.slice(first, first + 4 * bar))
    return seeds[:count]


@pytest.fixture(scope="module")
def irish():
    return load_model("irish")


def test_with_the_seed_locked_follow_0_and_1_give_different_variations(irish):
    [seed] = reel_seeds(1)
    kept = dict(variations=16, rng_seed=7)
    plain = generate(irish, seed, 4 * seed.steps_per_bar, follow_seed=0.0, **kept)
    assert plain == generate(irish, seed, 4 * seed.steps_per_bar, **kept)  # 0 is the model alone
    followed = generate(irish, seed, 4 * seed.steps_per_bar, follow_seed=1.0, **kept)
    assert sum(a != b for a, b in zip(plain, followed)) >= 12  # the match model alone: 4 of 16


def test_at_the_top_a_reels_continuation_echoes_its_seed_without_copying_it_whole(irish):
    bars, echoes, exact, whole, count = 4, {}, 0, 0, 0
    for strength in (0.0, 1.0):
        shares = []
        for number, seed in enumerate(reel_seeds(4)):
            boundary = seed.start // seed.steps_per_bar * seed.steps_per_bar + bars * seed.steps_per_bar
            made = generate(irish, seed, bars * seed.steps_per_bar, start=boundary, variations=8,
                            rng_seed=number, follow_seed=strength)
            for melody in made:
                stats = continuation_stats(seed, melody, boundary, bars)
                shares.append(stats["repeated_or_transposed_bars"])
                if strength == 1.0:
                    exact += stats["repeated_bars"]
                    whole += stats["copies_whole_seed"]
                    count += 1
        echoes[strength] = sum(shares) / len(shares)
    assert echoes[1.0] >= 0.5 > echoes[0.0], echoes  # at least half the bars echo a seed bar
    assert whole == 0 and exact / count < echoes[1.0]  # answering and varying, not copying
