"""The chord-aware melody model: its chord input, stepping, generation over given chords, the
chords each variation carries, fill and scoring with chords, training's chords."""

import dataclasses
import json
import random

import numpy as np
import pytest
import torch

import segue.engine.ml.chord_continuation as chord_continuation
import segue.engine.ml.sampling as sampling
from segue.engine.chords import QUALITIES, Chord, chords_in
from segue.engine.melody import Melody, Note
from segue.engine.ml.catalog import model_path
from segue.engine.ml.checkpoint import load_model, save_model
from segue.engine.ml.chord_features import (
    NO_CHORD_INDEX,
    chord_index,
    chord_indices,
    gaps,
    transpose_indices,
)
from segue.engine.ml.evaluation import EncodedTune, score
from segue.engine.ml.fill import following_log_probs, iter_fill
from segue.engine.ml.model import ModelConfig, create_model, meter_of, meter_tensor
from segue.engine.ml.model_config import OPTIONAL_FIELDS
from segue.engine.ml.sampling import generate, iter_generate
from segue.engine.ml.stepper import Stepper
from segue.engine.ml.training import (
    TrainOptions,
    _load_initial_weights,
    _transpose_window,
    epoch_batches,
)
from tests.engine.ml.test_model import SMALL, random_tokens

torch.set_num_threads(1)

CHORDED = dataclasses.replace(SMALL, chord_dim=6)
SEED = Melody([Note(60, 0, 4), Note(62, 4, 4), Note(64, 8, 4), Note(65, 12, 4), Note(67, 16, 16)])


def rigged(config=CHORDED, strength=30.0):
    """A tiny chord-aware model whose chord output makes every non-chord tone all but
    impossible: generation that hears the chords must play only chord tones."""
    model = create_model(config, seed=3)
    with torch.no_grad():
        model.chord_bias.fill_(-strength)
        for family, quality in enumerate(QUALITIES):
            tones = {"maj": (0, 4, 7), "min": (0, 3, 7), "dim": (0, 3, 6), "aug": (0, 4, 8),
                     "sus": (0, 5, 7)}[quality]
            model.chord_bias[:, family, list(tones)] = strength
    return model


def final(updates):
    last = None
    for update in updates:
        last = update
    return last


# --- features and config --------------------------------------------------------------------


def test_chord_indices_name_root_and_family_in_the_models_frame():
    chords = (Chord(0, 16, "C"), Chord(16, 8, "Am7"), Chord(24, 8, "N.C."))
    indices = chord_indices(chords, -2, 40, shift=2)
    assert list(indices[:2]) == [NO_CHORD_INDEX] * 2  # before step 0
    assert indices[2] == chord_index(Chord(0, 1, "D"))  # C moved up a tone
    assert indices[18] == chord_index(Chord(0, 1, "Bm"))
    assert indices[26] == NO_CHORD_INDEX and indices[-1] == NO_CHORD_INDEX
    assert list(transpose_indices(chord_indices(chords, 0, 32), 2)) == list(indices[2:34])
    assert gaps(chords_in(chords, 8, 40), 8, 40) == [(32, 40)]


def test_a_card_without_the_chord_field_loads_as_a_chordless_model(tmp_path):
    data = SMALL.to_json()
    assert "chord_dim" not in data  # a chordless card is written as before
    assert ModelConfig.from_json(data).chord_dim == 0
    assert OPTIONAL_FIELDS == {"chord_dim", "bar_rows", "beat_phase_rows", "since_rows"}
    with pytest.raises(ValueError, match="lacks fields: hidden_size"):
        ModelConfig.from_json({k: v for k, v in data.items() if k != "hidden_size"})
    assert ModelConfig.from_json(CHORDED.to_json()) == CHORDED
    path = save_model(create_model(SMALL), tmp_path / "old")
    card = json.loads(path.read_text())
    assert "chord_dim" not in card["config"]
    assert load_model(tmp_path / "old", device="cpu").config.chord_dim == 0
    assert load_model("folk", device="cpu").config.chord_dim == 0


def test_a_chord_aware_model_saves_and_loads(tmp_path):
    model = rigged()
    save_model(model, tmp_path / "chorded")
    loaded = load_model(tmp_path / "chorded", device="cpu")
    assert loaded.config.chord_dim == 6
    assert torch.equal(loaded.chord_bias, model.chord_bias)


def test_scores_differ_with_and_without_chords_and_chordless_models_ignore_them():
    melody = Melody([Note(60 + (i * 7) % 12, 4 * i, 4) for i in range(16)])
    chords = [Chord(0, 32, "C"), Chord(32, 32, "G")]
    model = rigged(strength=3.0)
    with_chords, without = score(model, melody, chords=chords), score(model, melody)
    assert with_chords["pitch_bits"] != pytest.approx(without["pitch_bits"])
    assert score(model, melody, chords=[]) == without
    plain = create_model(SMALL)
    assert score(plain, melody, chords=chords) == score(plain, melody)


@pytest.mark.parametrize("offset", [0, 5])
def test_stepping_with_chords_gives_the_full_sequence_logits(offset):
    model = rigged(strength=2.0)
    with torch.no_grad():  # on and between the beats differently
        model.chord_bias.copy_(torch.randn(model.chord_bias.shape, generator=torch.Generator().manual_seed(2)))
    meter = meter_of((3, 4))
    tokens = random_tokens(50, random.Random(offset))
    chords = [random.Random(i).randrange(NO_CHORD_INDEX + 1) for i in range(len(tokens) + 1)]
    with torch.inference_mode():
        full = model(torch.tensor([tokens]), torch.tensor([offset]), meter_tensor([meter]),
                     chords=torch.tensor([chords[1:]]))[0]
        stepper = Stepper(model, 2, offset, meter, chords)
        primed = stepper.prime(tokens[:10])
        stepped = [primed[1]] + [stepper.feed([t, t])[1].clone() for t in tokens[10:]]
    stepped = torch.stack(stepped)
    finite = torch.isfinite(full[9:])
    assert torch.allclose(full[9:][finite], stepped[finite], atol=1e-4)


# --- generation -----------------------------------------------------------------------------


def chord_tone_share(melody, chords):
    hits = [n.pitch % 12 in c.pitch_classes for n in melody.notes for c in chords
            if c.start <= n.start < c.end]
    return sum(hits) / len(hits)


@pytest.mark.parametrize("key, symbols", [(None, ("C", "G")), ("Eb major", ("Eb", "Bb"))])
def test_generation_plays_the_given_chords(key, symbols):
    """Over I then V (with a key lock, chords in the locked key, while the model hears the
    seed in its own key), a model that hears them plays their tones; without chords not."""
    model = rigged()
    chords = [Chord(32, 16, symbols[0]), Chord(48, 16, symbols[1])]
    options = dict(variations=4, rng_seed=5, key=key, rest_weight=0.0)
    heard = generate(model, SEED, 32, chords=chords, **options)
    assert all(v.notes for v in heard)
    assert all(chord_tone_share(v, chords) == 1.0 for v in heard)
    unheard = generate(model, SEED, 32, **options)
    assert min(chord_tone_share(v, chords) for v in unheard) < 1.0


@pytest.mark.parametrize("controls", [
    dict(follow_seed=0.5, temperature=0.5), dict(beam_width=4), dict(rest_weight=2.0, top_p=0.9),
    dict(pitch_range=(55, 79), adaptive_temperature=True),
])
def test_the_controls_keep_working_over_chords(controls):
    chords = [Chord(32, 16, "F"), Chord(48, 16, "C")]
    melodies = generate(rigged(), SEED, 32, chords=chords, variations=3, rng_seed=8, **controls)
    notes = [n for m in melodies for n in m.notes]
    assert notes and all(n.start >= 32 for n in notes)
    if "pitch_range" in controls:
        assert all(55 <= n.pitch <= 79 for n in notes)
    unheard = generate(rigged(), SEED, 32, variations=3, rng_seed=8, **controls)

    def share(variations):
        return sum(chord_tone_share(m, chords) for m in variations if m.notes) / len(variations)

    assert share(melodies) > share(unheard)


def test_the_stepper_hears_the_chords_of_seed_and_continuation(monkeypatch):
    seen = []

    class Recording(Stepper):
        def __init__(self, model, batch, offset, meter, chords=None):
            super().__init__(model, batch, offset, meter, chords)
            seen.append((offset, chords))

    monkeypatch.setattr(sampling, "Stepper", Recording)
    chords = [Chord(0, 16, "F"), Chord(16, 16, "Dm"), Chord(32, 16, "G")]
    generate(rigged(), SEED, 16, chords=chords, rng_seed=1)
    offset, heard = seen[-1]
    assert offset == 0 and len(heard) == SEED.end + 16 + 1  # the seed's steps, then the new ones
    assert heard[0] == chord_index(chords[0]) and heard[20] == chord_index(chords[1])
    assert heard[32] == heard[47] == chord_index(chords[2]) and heard[48] == NO_CHORD_INDEX
    generate(create_model(SMALL), SEED, 16, chords=chords, rng_seed=1)
    assert seen[-1][1] is None  # a chordless model hears none


def test_each_variation_carries_the_given_chords_and_proposals_in_the_gaps(monkeypatch):
    heard = []

    def harmonize(melody):  # a fake harmonizer: one chord a bar, named by the bar's first note
        heard.append(melody)
        return [Chord(bar, 16, "A" if any(n.start >= 32 for n in melody.notes) else "E")
                for bar in range(0, melody.end + 16, 16)]

    monkeypatch.setattr(chord_continuation, "propose_chords", harmonize)
    model = rigged()
    given = [Chord(16, 24, "C")]  # covers the seed's second bar and half the continuation's first
    update = final(iter_generate(model, SEED, 32, sampling.GenerationOptions(variations=3, rng_seed=2),
                                 chords=given))
    assert len(update.chords) == 3 == len(update.melodies)
    for chords in update.chords:
        assert chords[0] == Chord(32, 8, "C")  # the given chord, cut to the continuation
        assert [(c.start, c.end) for c in chords[1:]] == [(40, 48), (48, 64)]
        assert all(c.symbol == "A" for c in chords[1:])
    assert len(heard) == 3
    assert heard[0].notes[:len(SEED.notes)] == SEED.notes and heard[0].end > SEED.end
    options = sampling.GenerationOptions(rng_seed=2)
    covered = final(iter_generate(model, SEED, 32, options, chords=[Chord(32, 32, "G")]))
    assert covered.chords == [(Chord(32, 32, "G"),)] * len(covered.melodies)
    assert len(heard) == 3  # nothing to propose
    assert final(iter_generate(model, SEED, 32, options)).chords is None


def test_fill_hears_the_chords_drawing_and_ranking(monkeypatch):
    model = rigged()
    melody = SEED.add(Note(72, 48, 8), Note(71, 56, 8))
    chords = [Chord(32, 16, "C"), Chord(48, 16, "G")]
    seen = []
    original = sampling.iter_generate

    def recording(*args, **kwargs):
        seen.append(kwargs.get("chords"))
        return original(*args, **kwargs)

    monkeypatch.setattr("segue.engine.ml.fill.iter_generate", recording)
    update = final(iter_fill(model, melody, 32, 48, sampling.GenerationOptions(variations=2, rng_seed=4),
                             chords=chords))
    assert seen == [tuple(chords)]
    assert update.chords == [(Chord(32, 16, "C"),)] * 2
    assert all(chord_tone_share(m.slice(32, 48).transpose(0), [Chord(0, 16, "C")]) == 1.0
               for m in update.melodies)
    wholes = [melody, melody.add(Note(64, 32, 16))]
    ranked = following_log_probs(model, wholes, 32, 48, 64, chords=chords)
    plain = following_log_probs(model, wholes, 32, 48, 64)
    assert ranked != plain


# --- training --------------------------------------------------------------------------------


def test_training_windows_move_the_chords_with_the_tokens_and_withhold_some():
    tokens = np.array([20, 1, 1, 1, 22, 1, 0, 0] * 8, dtype=np.int64)
    chords = chord_indices([Chord(0, 32, "C"), Chord(32, 32, "Am")], 0, len(tokens))
    tune = EncodedTune("t", tokens, 0, meter_of((4, 4)), chords)
    moved = _transpose_window(tune, 3, 8, 32, np.random.default_rng(0))
    assert moved.tokens[0] == 23
    assert list(_transpose_window(tune, 3, 8, 32).chords) == list(transpose_indices(chords[8:40], 3))
    options = TrainOptions(corpus="x", model=CHORDED, max_length=32, batch_size=4, seed=1, transpose=3)
    windows = [w for batch in epoch_batches([tune] * 200, options, 0, CHORDED.encoding.num_pitches)
               for w in batch]
    withheld = sum(w.chords is None for w in windows)
    assert 0.3 < withheld / len(windows) < 0.5
    spans = sum(w.chords is not None and NO_CHORD_INDEX in w.chords for w in windows)
    assert spans > 0.2 * len(windows)
    for w in windows:
        if w.chords is not None:
            shift = None
            for token, original in zip(w.tokens, tokens[w.offset:w.offset + 32]):
                if token >= 2:
                    shift = int(token - original)
                    break
            heard = w.chords[w.chords != NO_CHORD_INDEX]
            expected = transpose_indices(chords[w.offset:w.offset + 32], shift)
            assert set(heard) <= set(expected)


def test_fine_tuning_a_chordless_model_starts_where_it_was(tmp_path, monkeypatch):
    save_model(create_model(SMALL, seed=4), tmp_path / "plain")
    model = create_model(CHORDED, seed=9)
    _load_initial_weights(model, str(tmp_path / "plain"))
    plain = load_model(tmp_path / "plain", device="cpu")
    tokens = torch.tensor([random_tokens(40, random.Random(1))])
    meters = meter_tensor([meter_of((4, 4))])
    heard = torch.from_numpy(chord_indices([Chord(0, 40, "G")], 1, 40)).unsqueeze(0)
    with torch.inference_mode():
        assert torch.allclose(model(tokens, torch.tensor([0]), meters, chords=heard),
                              plain(tokens, torch.tensor([0]), meters), atol=1e-5)


def test_nottingham_is_shipped_hearing_chords_and_its_card_carries_the_chord_figures():
    model = load_model("nottingham", device="cpu")
    assert model.config.chord_dim > 0
    chords = json.loads(model_path("nottingham").with_suffix(".json").read_text())["metrics"]["chords"]
    assert chords["split"] == "test" and chords["baseline"]["model"] == "folk"
    assert chords["baseline"]["notes"] == chords["with_chords"]["notes"] == chords["chords_withheld"]["notes"]
    assert chords["pitch_ratio"] <= 0.9
    assert chords["with_chords"]["pitch_bits_per_note"] <= chords["baseline"]["pitch_bits_per_note"]
    assert chords["continuations"]["given_chords"]["share"] >= 0.7
