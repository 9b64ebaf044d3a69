"""segue-cli: every command end to end on tiny data, and errors as one clear line."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import segue.engine.corpus
from segue.engine.cli import main
from segue.engine.corpus import BuildReport, CorpusError
from segue.engine.melody import Melody, Note
from segue.engine.midi_io import read_midi, write_midi
from tests.engine.ml.test_training import synthetic_tunes

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parents[2]
SEED = Melody([Note(60, 0, 4), Note(62, 4, 4), Note(64, 8, 4), Note(65, 12, 4), Note(67, 16, 8)])


@pytest.fixture
def tiny_model(tmp_path, capsys):
    assert main(["init-model", str(tmp_path / "tiny"), "--hidden-size", "16"]) == 0
    capsys.readouterr()
    return tmp_path / "tiny"


@pytest.fixture
def seed_file(tmp_path):
    path = tmp_path / "seed.mid"
    write_midi(SEED, path)
    return path


@pytest.fixture
def fake_corpus(monkeypatch):
    splits = {
        "train": synthetic_tunes(32, seed=1),
        "validation": synthetic_tunes(8, seed=2),
        "test": synthetic_tunes(8, seed=3),
    }

    def load_corpus(name, split=None, cache_dir=None, grid=4):
        if name != "tiny" or grid != 4:
            raise CorpusError(f"corpus {name!r} is not built: run 'segue-cli corpus build {name}'")
        return splits[split]

    monkeypatch.setattr(segue.engine.corpus, "load_corpus", load_corpus)
    return splits


def test_generate_writes_one_file_per_variation(tmp_path, tiny_model, seed_file, capsys):
    out = tmp_path / "out.mid"
    args = ["generate", "--seed", str(seed_file), "--out", str(out), "--model", str(tiny_model),
            "--bars", "2", "--temperature", "0.9", "--rest-weight", "0.8", "--variations", "3",
            "--rng-seed", "7", "--key", "auto"]
    assert main(args) == 0
    files = [tmp_path / f"out-{i}.mid" for i in (1, 2, 3)]
    assert all(f.is_file() for f in files)
    assert "new notes" in capsys.readouterr().out
    first = read_midi(files[0])
    assert first.notes[: len(SEED.notes)] == SEED.notes  # the seed, then its continuation
    assert len(first.notes) > len(SEED.notes)
    assert first.end <= SEED.end + 32
    before = [f.read_bytes() for f in files]
    assert main(args) == 0
    assert [f.read_bytes() for f in files] == before


def test_generate_can_write_only_the_continuation(tmp_path, tiny_model, seed_file):
    out = tmp_path / "only.mid"
    assert main(["generate", "--seed", str(seed_file), "--out", str(out), "--model", str(tiny_model),
                 "--steps", "16", "--rng-seed", "1", "--continuation-only", "--rest-weight", "0"]) == 0
    melody = read_midi(out)
    assert melody.notes[0].start == SEED.end and melody.end == SEED.end + 16


def test_evaluate_prints_json_with_the_ngram_beside(tiny_model, fake_corpus, capsys):
    assert main(["evaluate", "--model", str(tiny_model), "--corpus", "tiny", "--split", "test",
                 "--json", "--max-order", "3"]) == 0
    result = json.loads(capsys.readouterr().out)
    for key in ("total_bits_per_note", "pitch_bits_per_note", "bits_per_step", "onset_accuracy",
                "hold_accuracy", "rest_accuracy", "tunes", "notes", "steps"):
        assert key in result and key in result["ngram"]
    assert result["tunes"] == 8 and result["split"] == "test"


def test_evaluate_prints_a_table(tiny_model, fake_corpus, capsys):
    assert main(["evaluate", "--model", str(tiny_model), "--corpus", "tiny", "--no-baseline"]) == 0
    assert "total bits/note" in capsys.readouterr().out


def test_train_then_resume(tmp_path, fake_corpus, capsys):
    out = tmp_path / "run"
    common = ["train", "--corpus", "tiny", "--out", str(out), "--hidden-size", "16", "--token-dim", "8",
              "--batch-size", "8", "--warmup-steps", "2", "--quiet", "--threads", "1"]
    assert main([*common, "--epochs", "1"]) == 0
    assert "best validation" in capsys.readouterr().out
    assert main([*common, "--epochs", "2", "--resume"]) == 0
    card = json.loads((tmp_path / "run.json").read_text())
    assert card["training"]["epochs_run"] in (1, 2)
    assert json.loads((tmp_path / "run.train.json").read_text())["epoch"] == 1


def test_corpus_build_prints_the_report(monkeypatch, capsys):
    calls = []

    def build_corpus(name, cache_dir=None, workers=None, progress=True, grid=4):
        calls.append((name, cache_dir, workers, progress, grid))
        return BuildReport(name=name, counts={"train": 8, "validation": 1, "test": 1},
                           path="/x/essen.npz", grid=grid)

    monkeypatch.setattr(segue.engine.corpus, "build_corpus", build_corpus)
    assert main(["corpus", "build", "essen", "--cache-dir", "/x", "--workers", "3"]) == 0
    assert calls == [("essen", "/x", 3, True, 4)]
    assert "corpus essen: 10 tunes" in capsys.readouterr().out
    assert main(["corpus", "build", "essen", "--grid", "12", "--quiet"]) == 0
    assert calls[-1] == ("essen", None, None, False, 12)
    assert "corpus essen (on 12 steps per quarter): 10 tunes" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["corpus", "build", "essen", "--grid", "8"])


@pytest.mark.parametrize("words", [
    ["corpus", "nottingham", "--from", "/data/ABC_cleaned"],
    ["corpus", "build", "nottingham", "--from", "/data/ABC_cleaned"],
])
def test_the_nottingham_corpus_is_built_from_its_folder(monkeypatch, capsys, words):
    calls = []

    def build_corpus(name, cache_dir=None, workers=None, progress=True, source=None, grid=4):
        calls.append((name, source))
        return BuildReport(name=name, counts={"train": 1}, path="/x/nottingham.npz")

    monkeypatch.setattr(segue.engine.corpus, "build_corpus", build_corpus)
    assert main([*words, "--quiet"]) == 0
    assert calls == [("nottingham", "/data/ABC_cleaned")]
    assert "corpus nottingham: 1 tunes" in capsys.readouterr().out


@pytest.mark.parametrize(
    "make_args, expected",
    [
        (lambda t, m, s: ["generate", "--seed", str(t / "missing.mid"), "--out", str(t / "o.mid"),
                          "--model", str(m)], "missing.mid"),
        (lambda t, m, s: ["generate", "--seed", str(s), "--out", str(t / "o.mid"),
                          "--model", str(t / "absent")], "absent.json"),
        (lambda t, m, s: ["generate", "--seed", str(s), "--out", str(t / "o.mid"), "--model", str(m),
                          "--temperature", "0"], "temperature"),
        (lambda t, m, s: ["generate", "--seed", str(s), "--out", str(t / "o.mid"), "--model", str(m),
                          "--pitch-range", "high"], "pitch-range"),
        (lambda t, m, s: ["evaluate", "--model", str(m), "--corpus", "nowhere"], "not built"),
    ],
    ids=["missing-seed", "missing-model", "bad-temperature", "bad-range", "unbuilt-corpus"],
)
def test_errors_are_one_line_without_traceback(tmp_path, tiny_model, seed_file, fake_corpus, capsys,
                                               make_args, expected):
    assert main(make_args(tmp_path, tiny_model, seed_file)) == 1
    err = capsys.readouterr().err
    assert err.startswith("segue-cli: error: ") and expected in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_a_seed_the_model_cannot_take_is_named(tmp_path, tiny_model, capsys):
    wide = tmp_path / "wide.mid"
    write_midi(Melody([Note(20, 0, 4), Note(110, 4, 4)]), wide)
    assert main(["generate", "--seed", str(wide), "--out", str(tmp_path / "o.mid"), "--model", str(tiny_model)]) == 1
    err = capsys.readouterr().err
    assert "wide.mid" in err and "spans" in err


def test_a_pickle_model_is_refused_from_the_command_line(tmp_path, seed_file, capsys):
    torch.save({"weights": torch.zeros(2)}, tmp_path / "model.pt")
    assert main(["generate", "--seed", str(seed_file), "--out", str(tmp_path / "o.mid"),
                 "--model", str(tmp_path / "model.pt")]) == 1
    assert "pickle" in capsys.readouterr().err


def test_the_module_runs_as_a_program_without_tracebacks(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "segue.engine.cli", "generate", "--seed", str(tmp_path / "none.mid"),
         "--out", str(tmp_path / "o.mid")],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 1
    assert "none.mid" in result.stderr and "Traceback" not in result.stderr


def test_train_defaults_come_from_the_dataclasses_and_the_help_tells_them(monkeypatch, capsys):
    import re
    from dataclasses import replace

    import segue.engine.ml.training
    from segue.engine.cli import build_parser
    from segue.engine.ml.model import ModelConfig
    from segue.engine.ml.training import TrainOptions

    captured = {}

    def fake_train(options, out, **kwargs):
        captured["options"] = options
        raise ValueError("stop here")

    monkeypatch.setattr(segue.engine.ml.training, "train", fake_train)
    assert main(["train", "--out", "x"]) == 1
    assert captured["options"] == TrainOptions(corpus="essen", model=ModelConfig())
    assert main(["train", "--out", "x", "--lr", "0.01", "--layers", "2", "--no-layer-norm"]) == 1
    assert captured["options"].learning_rate == 0.01
    assert captured["options"].model == ModelConfig(num_layers=2, layer_norm=False)
    # fine-tuning: the shape comes from the starting model, a given flag still changes it
    from segue.engine.ml.checkpoint import load_model

    assert main(["train", "--out", "x", "--init", "folk", "--dropout", "0.4"]) == 1
    assert captured["options"].init == "folk"
    assert captured["options"].model == replace(load_model("folk").config, dropout=0.4)
    # onto the triplet grid: the same shape on 12 steps per quarter
    assert main(["train", "--out", "x", "--init", "folk", "--steps-per-quarter", "12"]) == 1
    assert captured["options"].model == load_model("folk").config.on_grid(12)
    assert captured["options"].model.bar_rows == 16 * 12  # its step tables span 16 quarters
    capsys.readouterr()

    parser = build_parser()
    train = parser._subparsers._group_actions[0].choices["train"]
    defaults = {**TrainOptions().to_json(), **ModelConfig().to_json(), "lr": TrainOptions().learning_rate,
                "layers": ModelConfig().num_layers}
    for action in train._actions:
        found = re.search(r"\(default ([0-9.]+)\)", action.help or "")
        name = action.dest
        if found and name in defaults:
            assert float(found.group(1)) == float(defaults[name]), name



def _subcommand(parser, name):
    return parser._subparsers._group_actions[0].choices[name]


def test_help_defaults_are_read_from_the_dataclasses_not_copied(monkeypatch):
    import dataclasses

    from segue.engine.cli import build_parser
    from segue.engine.ml import model_config, options, train_options

    # Changed defaults show up in the help and in the parsed arguments: nothing is a copy.
    def with_defaults(cls, **defaults):
        fields = [(name, type(value), value) for name, value in defaults.items()]
        frozen = cls.__dataclass_params__.frozen
        return dataclasses.make_dataclass(cls.__name__, fields, bases=(cls,), frozen=frozen)

    monkeypatch.setattr(train_options, "TrainOptions",
                        with_defaults(train_options.TrainOptions, epochs=7, corpus="irish"))
    monkeypatch.setattr(model_config, "ModelConfig",
                        with_defaults(model_config.ModelConfig, hidden_size=48, min_pitch=40))
    monkeypatch.setattr(options, "TEMPERATURE", dataclasses.replace(options.TEMPERATURE, default=0.7))
    monkeypatch.setattr(options, "BARS", dataclasses.replace(options.BARS, default=6))
    parser = build_parser()
    helps = {
        (command, action.dest): action.help or ""
        for command in ("train", "generate")
        for action in _subcommand(parser, command)._actions
    }
    assert helps["train", "epochs"].endswith("(default 7)")
    assert helps["train", "corpus"].endswith("(default irish)")
    assert helps["train", "hidden_size"].endswith("(default 48)")
    assert helps["train", "min_pitch"].endswith("(default 40)")
    assert helps["generate", "temperature"].endswith("(default 0.7)")
    assert helps["generate", "bars"].endswith("(default 6)")
    generate = parser.parse_args(["generate", "--seed", "s.mid", "--out", "o.mid"])
    assert (generate.temperature, generate.bars) == (0.7, 6)
    assert parser.parse_args(["train", "--out", "x"]).corpus == "irish"


def test_openings_writes_validation_openings_the_app_can_read(tmp_path, monkeypatch, capsys):
    from segue.engine.session import read_melodies

    validation = [t for t in synthetic_tunes(200, seed=4) if t.split == "validation"]
    monkeypatch.setattr(segue.engine.corpus, "load_corpus",
                        lambda name, split=None, cache_dir=None, grid=4: validation)
    out = tmp_path / "tiny.openings.json"
    assert main(["openings", "--corpus", "tiny", "--out", str(out), "--count", "5"]) == 0
    openings = read_melodies(out)
    assert len(openings) == 5
    assert all(o.start >= 0 and o.end <= 5 * o.steps_per_bar for o in openings)
    assert "5 openings" in capsys.readouterr().out


# --- convert ---------------------------------------------------------------------------------------


def test_convert_goes_through_every_format_and_back(tmp_path, seed_file, capsys):
    chain = ["seed.abc", "seed.musicxml", "seed.mxl", "seed.segue", "back.mid"]
    source = seed_file
    for name in chain:
        assert main(["convert", str(source), str(tmp_path / name)]) == 0
        assert f"Wrote '{name}'" in capsys.readouterr().out
        source = tmp_path / name
    assert read_midi(tmp_path / "back.mid").notes == SEED.notes
    assert (tmp_path / "seed.abc").read_text().startswith("X:1\nT:seed\n")


def test_convert_takes_the_chosen_abc_tune(tmp_path, capsys):
    tunes = tmp_path / "book.abc"
    tunes.write_text("X:1\nT:One\nL:1/8\nK:G\nGABc|\n\nX:2\nT:Two\nL:1/8\nK:D\ndefg|\n")
    assert main(["convert", str(tunes), str(tmp_path / "two.mid"), "--part", "2"]) == 0
    assert "tune 2 'Two'" in capsys.readouterr().out
    assert [n.pitch for n in read_midi(tmp_path / "two.mid").notes] == [74, 76, 78, 79]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("broken.abc", "just some words\n", "broken.abc': it holds no ABC tune"),
        ("broken.musicxml", "<score-partwise><part", "broken.musicxml': it is not valid MusicXML"),
        ("broken.mxl", "not a zip", "broken.mxl': it is not valid MusicXML"),
        ("notes.txt", "X:1\nK:C\nC|\n", "convert reads and writes"),
    ],
)
def test_convert_reports_a_broken_file_in_one_line(tmp_path, capsys, name, content, message):
    source = tmp_path / name
    source.write_text(content)
    assert main(["convert", str(source), str(tmp_path / "out.mid")]) == 1
    error = capsys.readouterr().err
    assert message in error and error.count("\n") == 1 and "Traceback" not in error
    assert not (tmp_path / "out.mid").exists()


# --- generate --chords -----------------------------------------------------------------------


def test_chords_text_lays_one_chord_a_bar_or_the_beats_given():
    from segue.engine.chords import Chord
    from segue.engine.cli_generate import chords_from_text

    # The seed ends in its second bar: the chords start at that bar's line.
    assert chords_from_text("G D Em C", SEED, SEED.end) == (
        Chord(16, 16, "G"), Chord(32, 16, "D"), Chord(48, 16, "Em"), Chord(64, 16, "C"))
    assert chords_from_text("G:2 D7:2 C", SEED, 32) == (
        Chord(32, 8, "G"), Chord(40, 8, "D7"), Chord(48, 16, "C"))
    waltz = SEED.replace(time_signature=(6, 8))
    assert chords_from_text("Am:1 E", waltz, 12) == (Chord(12, 6, "Am"), Chord(18, 12, "E"))


@pytest.mark.parametrize("text, named", [
    ("G H C", "'H' is not a chord symbol"), ("G Dxyz", "'Dxyz' is not a chord symbol"),
    ("G:0 C", "'G:0' must give its length"), ("G:two", "'G:two' must give its length"),
    ("  ", "at least one chord"),
])
def test_a_bad_chord_is_one_clear_error_naming_it(tmp_path, tiny_model, seed_file, capsys, text, named):
    assert main(["generate", "--seed", str(seed_file), "--out", str(tmp_path / "o.mid"),
                 "--model", str(tiny_model), "--chords", text]) == 1
    err = capsys.readouterr().err
    assert named in err and "--chords" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_generate_over_chords_says_which_chords_each_variation_has(tmp_path, tiny_model, seed_file, capsys):
    out = tmp_path / "out.mid"
    assert main(["generate", "--seed", str(seed_file), "--out", str(out), "--model", str(tiny_model),
                 "--steps", "24", "--variations", "2", "--rng-seed", "3", "--chords", "G D"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and all(line.endswith("new notes over G D") for line in lines)
    from segue.engine.midi_io import import_midi

    written = import_midi(tmp_path / "out-1.mid").chords  # the file carries them: markers
    assert [c.symbol for c in written if not c.is_no_chord] == ["G", "D"]
    assert "--chords" in subprocess.run(
        [sys.executable, "-m", "segue.engine.cli", "generate", "--help"], capture_output=True, text=True,
        cwd=ROOT).stdout
