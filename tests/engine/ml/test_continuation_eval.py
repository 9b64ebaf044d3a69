"""The continuation evaluation: cutting tunes, the statistics, the report and its command."""

import json

import pytest
import torch

from segue.engine.cli import main
from segue.engine.corpus import Tune
from segue.engine.melody import Melody, Note
from segue.engine.ml.continuation_eval import continuation_report, continuation_stats, examples
from segue.engine.ml.model import ModelConfig, create_model
from tests.engine.test_cli import fake_corpus, tiny_model  # noqa: F401 (fixtures)

torch.set_num_threads(1)

TINY = ModelConfig(hidden_size=16, token_dim=8, pitch_dim=4, contour_dim=4, meter_dim=4, lookback_dim=4)
BAR_A = [(60, 0, 4), (62, 4, 4), (64, 8, 8)]
BAR_B = [(67, 0, 8), (65, 8, 4), (64, 12, 4)]


def tune(*bars, pickup=0) -> Melody:
    notes = [Note(p, pickup + 16 * b + s, length) for b, bar in enumerate(bars) for p, s, length in bar]
    return Melody(notes, time_signature=(4, 4))


def test_tunes_are_cut_at_bar_n_from_the_bar_of_their_first_note():
    long = Tune("a", tune(BAR_A, BAR_B, BAR_A, BAR_B, BAR_A).shift(32))
    short = Tune("b", tune(BAR_A, BAR_B, BAR_A))
    cut = examples([long, short], 2, 4)
    assert [e.id for e in cut] == ["a"]
    assert cut[0].boundary == 32 and cut[0].melody.start == 0 and cut[0].melody.end == 64
    assert [n.start for n in cut[0].seed.notes] == [0, 4, 8, 16, 24, 28]
    assert cut[0].real.notes[0].start == 32


def test_statistics_count_repeated_and_transposed_bars_rests_and_new_pitch_classes():
    seed = tune(BAR_A, BAR_B)
    moved_b = [(p + 2, s, length) for p, s, length in BAR_B]
    continuation = tune(BAR_A, moved_b, [(61, 0, 4)], []).slice(0, 64).shift(32)
    continuation = continuation.with_notes(n for n in continuation.notes if n.start >= 32)
    stats = continuation_stats(seed, continuation, 32, 4)
    assert stats["repeated_bars"] == 0.25  # bar A again
    assert stats["repeated_or_transposed_bars"] == 0.5  # and bar B a tone up
    assert stats["notes_per_bar"] == 7 / 4
    assert stats["rest_fraction"] == pytest.approx(1 - 36 / 64)  # after 61: 28 steps of rest
    assert stats["outside_seed_pitch_classes"] == pytest.approx(3 / 7)  # 69, 66 and 61
    assert stats["range"] == 69 - 60
    assert stats["intervals"][:3] == [60 - 64, 2, 2]  # from the seed's last note on
    assert stats["copies_whole_seed"] == 0


def test_a_continuation_that_copies_the_whole_seed_bar_for_bar_is_counted():
    seed = tune(BAR_A, BAR_B)
    again = tune(BAR_A, BAR_B).shift(32)
    assert continuation_stats(seed, again, 32, 2)["copies_whole_seed"] == 1
    swapped = tune(BAR_B, BAR_A).shift(32)  # every bar a seed bar, but not the seed
    stats = continuation_stats(seed, swapped, 32, 2)
    assert stats["copies_whole_seed"] == 0 and stats["repeated_bars"] == 1
    moved = again.transpose(2)  # the seed's shape a tone up: echoes, not a copy
    stats = continuation_stats(seed, moved, 32, 2)
    assert stats["copies_whole_seed"] == 0 and stats["repeated_or_transposed_bars"] == 1


def test_the_report_compares_generated_with_real_continuations(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    model = create_model(TINY, seed=1)
    tunes = [Tune(str(k), tune(BAR_A, BAR_B, BAR_A, BAR_B).transpose(k)) for k in range(4)]
    plot = tmp_path / "intervals.png"
    result = continuation_report(model, "x", "test", 2, tunes=tunes, follow_seed=1.0, plot=plot)
    assert result["tunes"] == 4 and result["real"]["repeated_bars"] == 1.0
    assert set(result["bits"]) == {"lstm", "following"}
    assert result["bits"]["following"]["notes"] == result["bits"]["lstm"]["notes"] == 4 * 6
    assert 0 <= result["interval_distance"] <= 1
    assert plot.read_bytes().startswith(b"\x89PNG")
    table = capsys.readouterr().out
    assert "bars repeating a seed bar" in table and "bars 3-4 given bars 1-2" in table
    with pytest.raises(ValueError, match="has 8 bars"):
        continuation_report(model, "x", "test", 4, tunes=tunes, quiet=True)


def test_evaluate_prime_bars_adds_the_continuation_figures_to_the_json(tiny_model, fake_corpus, capsys):  # noqa: F811
    assert main(["evaluate", "--model", str(tiny_model), "--corpus", "tiny", "--no-baseline",
                 "--json", "--prime-bars", "1", "--follow-seed", "0.5"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["continuation"]["prime_bars"] == 1 and result["continuation"]["tunes"] > 0
    assert result["model_following"]["notes"] == result["notes"] and result["follow_seed"] == 0.5
    assert main(["evaluate", "--model", str(tiny_model), "--corpus", "tiny", "--follow-seed", "2"]) == 1
    assert "follow seed must be a number from 0 to 1" in capsys.readouterr().err
