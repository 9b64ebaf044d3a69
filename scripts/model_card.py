"""Write a shipped model's card (models/NAME.md) from what was measured, nothing typed by hand.

    python scripts/model_card.py NAME CORPUS EVAL_JSON BENCH_JSON "TRAINING COMMAND" [STATE_JSON]
        [--moved SAME_NOTES_JSON PREDECESSOR_MD COMMIT] [--triplets JSON]
    python scripts/model_card.py NAME --speed BENCH_JSON    (only the speed line, measured anew)

Reads models/NAME.json (config, training summary), the corpus cache on the model's grid (split
counts and skip reasons), the JSON of ``segue-cli evaluate --json`` on the test split and the
JSON of ``bench/generation.py`` (or ``-``), and optionally the run's training state
(``OUT.train.json``, whose history goes past the best epoch that the shipped weights come
from); adds the test metrics to models/NAME.json; writes models/NAME.md. ``--moved`` is for a
model fine-tuned from its own predecessor on a coarser grid: the JSON of
``scripts/same_notes.py`` becomes a section, and the predecessor's card follows, kept whole
(COMMIT: where its files are in git). ``--triplets``: the JSON of
``scripts/triplet_continuations.py`` on the test split.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from segue.engine.corpus import cache_path  # noqa: E402

DATA_NOTES = {
    "essen": (
        "The Essen Folksong Collection (Helmut Schaffrath, Essen; about 8,500 mostly German and "
        "Chinese folk songs) as shipped in music21's corpus (`corpus/essenFolksong/*.abc`).",
        "The Essen files came to music21 with permission for non-commercial use only "
        "(see music21's `corpus/essenFolksong/license.txt`). This model is derived from them: "
        "use it, and what it generates, for non-commercial purposes unless you obtain "
        "permission from the collection's rights holders.",
    ),
    "irish": (
        "O'Neill's Music of Ireland (1850 tunes, 1903) and Ryan's Mammoth Collection (1883), "
        "both as ABC transcriptions shipped in music21's corpus (`corpus/oneills1850`, "
        "`corpus/ryansMammoth`).",
        "The printed collections are out of copyright (published 1883 and 1903). The ABC "
        "encodings (O'Neill's transcribed by Norbert Paap; Ryan's contributed by several "
        "transcribers, named in each file's Z: field) are distributed with music21 with the "
        "encoders' permission (music21's `corpus/license.txt`, which notes that some corpus "
        "encodings may restrict commercial use).",
    ),
    "bach": (
        "The melodies (soprano lines) of J. S. Bach's four-part chorales as shipped in music21's "
        "corpus (`corpus/bach/bwv*.mxl`, `.xml`, `.krn`): one tune per chorale, chords keep "
        "their highest note.",
        "The music is in the public domain (Bach died in 1750). The encodings are distributed "
        "with music21 under the terms of music21's `corpus/license.txt` (which notes that some "
        "corpus encodings may restrict commercial use).",
    ),
    "nottingham": (
        "The Nottingham Music Database (about 1,000 British and American folk dance tunes: "
        "jigs, reels, hornpipes, waltzes...; collected by Eric Foxley, freely distributed), "
        "melodies with their chord symbols, from the `ABC_cleaned` folder of "
        "github.com/jukedeck/nottingham-dataset (`segue-cli corpus build nottingham --from DIR`). "
        "The tunes are not shipped with Segue.",
        "The database is freely distributed by its collector; jukedeck's cleaned edition, the "
        "one trained on, is released under the GNU GPL version 3. This model is derived from it: "
        "treat the weights as covered by those terms. No Nottingham tune ships, not even as an "
        "opening: File > New from corpus offers this model the `irish` model's openings (O'Neill's "
        "1850 tunes, public domain), dance tunes of the same family.",
    ),
}

METRIC_ROWS = (
    ("total bits/note", "total_bits_per_note", "{:.3f}"),
    ("pitch bits/note", "pitch_bits_per_note", "{:.3f}"),
    ("bits/step", "bits_per_step", "{:.4f}"),
    ("onset accuracy", "onset_accuracy", "{:.3f}"),
    ("hold accuracy", "hold_accuracy", "{:.3f}"),
    ("rest accuracy", "rest_accuracy", "{:.3f}"),
)


def corpus_meta(corpus: str, grid: int) -> dict:
    with np.load(cache_path(corpus, grid=grid), allow_pickle=False) as data:
        return json.loads(bytes(data["meta"]))


def moved_lines(name: str, init: str | None, same: dict, predecessor: str, commit: str,
                triplets: dict | None, test_tunes: int) -> list[str]:
    """The section on the move from the predecessor's grid, then the predecessor's card with
    its headings one level down."""
    old, new, locked = same["old"], same["new"], same.get("new_on_old_grid")
    rows = [(f"the predecessor, {old['grid']} steps per quarter", old),
            (f"this model, {new['grid']} steps per quarter", new)]
    if locked:
        rows.append((f"this model writing on a {old['grid']}-step piece (grid lock)", locked))
    lines = [
        f"## Moved onto {new['grid']} steps per quarter",
        "",
        (f"This model is its {old['grid']}-step predecessor (card below) fine-tuned onto "
         f"{new['grid']} steps per quarter, where triplets fit (`train --init {name} "
         f"--steps-per-quarter {new['grid']}`: the step-counting embeddings spread out, "
         "`engine/ml/grid_weights.py`)." if init == name else
         f"This model replaces a {old['grid']}-step `{name}` (its predecessor, card below); "
         f"like it, it was fine-tuned from `{init}`, now on {new['grid']} steps per quarter, "
         "where triplets fit.")
        + " It plays the pieces with triplets, where it may write them; a straight piece goes to "
        f"the predecessor, shipped beside it as `straight/{name}` (`\"straight_model\"` in "
        f"`{name}.json`, `engine/ml/grid_view.py`), in a third of the steps (on the straight "
        f"notes below: {old['total_bits_per_note']:.3f} total bits/note against this model's "
        f"{(locked or new)['total_bits_per_note']:.3f} with the grid lock). Without it (a style "
        "learned from this one) this model writes a straight piece on the piece's grid "
        "(`engine/ml/grid_lock.py`).",
        "",
        f"The same notes: the {same['corpus']} {same['split']} split as the predecessor reads it "
        f"({old['tunes']} tunes, {old['notes']} notes, no triplets), moved exactly onto "
        f"{new['grid']} steps (`python scripts/same_notes.py {old['model']} models/{name} "
        f"{same['corpus']}`; `{old['model']}` holds the predecessor's files, "
        f"`git show {commit}:models/{name}.safetensors` and `.json`):",
        "",
        "| | total bits/note | pitch bits/note |",
        "| --- | --- | --- |",
        *(f"| {label} | {m['total_bits_per_note']:.3f} | {m['pitch_bits_per_note']:.3f} |"
          for label, m in rows),
        "",
        f"Difference (this model - the predecessor): {same['difference']['total_bits_per_note']:+.3f} "
        f"total, {same['difference']['pitch_bits_per_note']:+.3f} pitch bits/note.",
        "",
    ]
    if test_tunes > old["tunes"]:
        lines += [f"On its own grid the test split holds {test_tunes} tunes, {test_tunes - old['tunes']} "
                  "more than the predecessor could read (tunes with triplets, which the 4-step corpus "
                  "snapped or skipped); the figures under \"Measured on the test split\" cover them "
                  "all. Rhythms the predecessor never heard now have a share of the probability, "
                  "which is where a higher total on straight tunes comes from.", ""]
    withheld = same.get("chords_withheld")
    if withheld:
        lines += [f"With the chords withheld: the predecessor {withheld['old']['total_bits_per_note']:.3f} "
                  f"total / {withheld['old']['pitch_bits_per_note']:.3f} pitch, this model "
                  f"{withheld['new']['total_bits_per_note']:.3f} / "
                  f"{withheld['new']['pitch_bits_per_note']:.3f}.", ""]
    if triplets:
        lines += triplet_lines(triplets)
    text = Path(predecessor).read_text()
    lines += [f"## The predecessor: the {old['grid']}-step `{name}` (its card as shipped before the move)",
              "", "Its figures were measured on the predecessor's weights, not on this model's.", ""]
    for line in text.splitlines():
        if line.startswith("# "):
            continue  # its title: the heading above says what it is
        lines.append("#" + line if line.startswith("#") else line)
    return lines


def chord_lines(report: dict) -> list[str]:
    """The card's section on hearing the chords, from ``chord_bits_report``'s JSON."""
    rows = (("with the true chords", report["with_chords"]),
            ("the same model, chords withheld", report["chords_withheld"]),
            (f"`{report['baseline']['model']}` (hears no chords), same notes", report["baseline"]))
    shares = report["continuations"]
    return [
        "## Hearing the chords (test split)",
        "",
        f"`engine.ml.chord_eval.chord_bits_report` (`segue-cli evaluate --harmony`) on the "
        f"{report['corpus']} {report['split']} split, {report['with_chords']['notes']} notes "
        "(`segue-cli evaluate` gives a chord-aware model the tunes' chords, so the LSTM column "
        "above heard them; the n-gram hears none):",
        "",
        "| | pitch bits/note | total bits/note |",
        "| --- | --- | --- |",
        *(f"| {name} | {m['pitch_bits_per_note']:.3f} | {m['total_bits_per_note']:.3f} |"
          for name, m in rows),
        "",
        f"Pitch bits/note with the chords / withheld: {report['pitch_ratio']:.3f}.",
        "",
        f"Chord tones on beats (of the beats where a note sounds under a chord): continuations "
        f"of {shares['tunes']} tunes' first 4 bars, 4 bars long over the tunes' own chords "
        f"({shares['variations']} variations each, default controls): "
        f"{shares['given_chords']['share']:.1%} ({shares['given_chords']['beats']} beats); with "
        f"the chords withheld {shares['chords_withheld']['share']:.1%}; the real continuations "
        f"{shares['real']['share']:.1%}; the real tunes over all their beats "
        f"{report['real_chord_tones']['share']:.1%}.",
        "",
    ]


def triplet_lines(report: dict) -> list[str]:
    """Triplets in continuations (``scripts/triplet_continuations.py``'s JSON)."""
    pieces, straight = report["triplet pieces"], report["straight pieces"]
    return [
        f"Continuations of {report['corpus']} {report['split']} tunes' first {report['bars']} bars "
        f"by {report['bars']} bars, 8 variations each, with the app's default settings "
        f"(`python scripts/triplet_continuations.py {report['model']} {report['corpus']}`):",
        "",
        "| seeds | variations with a triplet | notes off the sixteenths | real next bars with a triplet | real notes off the sixteenths |",
        "| --- | --- | --- | --- | --- |",
        f"| {pieces['seeds']} with triplets (12 steps) | {pieces['variations_with_triplets']:.1%} | "
        f"{pieces['notes_off_the_sixteenths']:.1%} | {pieces['real_next_bars_with_triplets']:.1%} | "
        f"{pieces['real_notes_off_the_sixteenths']:.1%} |",
        f"| {straight['seeds']} straight (4 steps) | {straight['variations_with_triplets']:.1%} | "
        f"{straight['notes_off_the_sixteenths']:.1%} | {straight['real_next_bars_with_triplets']:.1%} | "
        f"{straight['real_notes_off_the_sixteenths']:.1%} |",
        "",
    ]


def beside_folk_lines(name: str, metrics: dict) -> list[str]:
    """The section comparing the model with ``folk`` on its test notes (and, where measured by
    ``scripts/split_overlap.py``, on the test tunes whose melody no train tune shares)."""
    own, folk = metrics["test"], metrics["test_folk_same_notes"]
    unseen = metrics.get("test_unseen_melodies")
    rows = [("total bits/note", "total_bits_per_note"), ("pitch bits/note", "pitch_bits_per_note"),
            ("onset accuracy", "onset_accuracy")]
    lines = [
        "## Beside `folk` on the same notes",
        "",
        f"The same {own['tunes']} test tunes, {own['notes']} notes, scored by `folk` "
        f"(`{folk['command']}`)"
        + (f", and both models on the {unseen[name]['tunes']} test tunes whose melody no train "
           f"tune shares (`{unseen['command']}`)" if unseen else "") + ":",
        "",
        f"| figure | `{name}` | `folk` |",
        "| --- | --- | --- |",
        *(f"| {label}, all {own['tunes']} | {own[key]:.3f} | {folk[key]:.3f} |" for label, key in rows),
    ]
    if unseen:
        lines += [f"| {label}, {unseen[name]['tunes']} unseen melodies ({unseen[name]['notes']} notes) "
                  f"| {unseen[name][key]:.3f} | {unseen['folk'][key]:.3f} |"
                  for label, key in rows[:2]]
    return lines + [""]


SPEED_HEADING = "## Generation speed"


def speed_line(bench: dict) -> str:
    return "`bench/generation.py` on the 2-core CPU: " + ", ".join(
        f"{k} {v}" for k, v in bench.items() if not isinstance(v, (dict, list)))


def replace_speed(name: str, bench_path: str) -> int:
    """Rewrite the first generation-speed line of models/NAME.md (the model's own, not its
    predecessor's) from a new ``bench/generation.py`` JSON: the code got faster, not the model."""
    path = ROOT / "models" / f"{name}.md"
    text = path.read_text()
    start = text.index(SPEED_HEADING + "\n\n") + len(SPEED_HEADING) + 2
    end = text.index("\n", start)
    path.write_text(text[:start] + speed_line(json.loads(Path(bench_path).read_text())) + text[end:])
    print(f"rewrote the generation speed in models/{name}.md")
    return 0


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[1] == "--speed":
        return replace_speed(argv[0], argv[2])
    moved = triplets = None
    if "--triplets" in argv:
        at = argv.index("--triplets")
        triplets, argv = json.loads(Path(argv[at + 1]).read_text()), argv[:at] + argv[at + 2:]
    if "--moved" in argv:
        at = argv.index("--moved")
        moved, argv = argv[at + 1:at + 4], argv[:at] + argv[at + 4:]
    name, corpus, eval_path, bench_path, command, *state_path = argv
    card_path = ROOT / "models" / f"{name}.json"
    card = json.loads(card_path.read_text())
    evaluation = json.loads(Path(eval_path).read_text())
    bench = json.loads(Path(bench_path).read_text()) if bench_path != "-" else None
    training = card["training"]
    config = card["config"]
    grid = config["steps_per_quarter"]
    meta = corpus_meta(corpus, grid)
    ngram = evaluation["ngram"]

    card.setdefault("metrics", {})["test"] = {k: v for k, v in evaluation.items() if k != "ngram"}
    card["metrics"]["test_ngram_baseline"] = ngram
    card_path.write_text(json.dumps(card, indent=1) + "\n")

    counts = meta["counts"]
    skipped = meta["skipped"]
    adjusted = meta.get("adjusted", {})
    data_text, licence = DATA_NOTES[corpus]
    epochs = training["history"]
    init = training["options"].get("init")
    stopped = ""
    if state_path:  # the whole run: the shipped card stops at the best epoch
        state = json.loads(Path(state_path[0]).read_text())
        epochs = state["history"]
        options = state["options"]
        if state["stale"] >= options["patience"]:
            why = f"early stopping, no better validation in {options['patience']} epochs"
        elif len(epochs) < options["epochs"]:
            why = "time limit"
        else:
            why = "end of the schedule"
        stopped = f"stopped after {len(epochs)} epochs ({why}); "
    epoch_seconds = [e["seconds"] for e in epochs]
    lines = [
        f"# Model card: {name}",
        "",
        f"A {config['num_layers']}-layer LSTM ({config['hidden_size']} units) next-step melody "
        f"model over Segue's event encoding (pitches {config['min_pitch']}-{config['max_pitch']}, "
        f"{grid} steps per quarter" + (": triplets fit" if grid % 3 == 0 else "")
        + "), with metrical, lookback and contour "
        "input features and a relative-interval output head"
        + (", hearing the chord of each step (an input and a chord-tone output)"
           if config.get("chord_dim") else "")
        + " (see `engine/ml/model.py`). "
        f"Files: `{name}.safetensors` (weights), `{name}.json` (config, vocabulary, training "
        f"summary, metrics), `{name}.png` (curves), `{name}.openings.json` (openings for File > "
        "New from corpus, from the validation split"
        + (" of the irish corpus" if name == "nottingham" else "") + ").",
        "",
        "## Data",
        "",
        data_text,
        "",
        f"Corpus `{corpus}` built with `segue-cli corpus build {corpus}"
        + (f" --grid {grid}" if grid != 4 else "") + "`; the split is fixed by "
        "`sha1(tune id) % 10` (0 test, 1 validation, else train).",
        "",
        "| split | tunes |",
        "| --- | --- |",
        *(f"| {split} | {counts[split]} |" for split in ("train", "validation", "test")),
        "",
        f"Skipped while building: {sum(skipped.values())} tunes ("
        + "; ".join(f"{reason}: {n}" for reason, n in sorted(skipped.items())) + "). "
        + ("Kept with changes: " + "; ".join(f"{k}: {n}" for k, n in sorted(adjusted.items())) + "."
           if adjusted else ""),
        "",
        "Trained on the train split only; the validation split chose the epoch (early stopping); "
        "the test split was used once, for the figures below.",
        "",
        "## Licence of the data",
        "",
        licence + (
            "" if not init else
            f" Training started from the weights of this model's predecessor (fine-tuning, "
            f"`--init {init}`, its card below), so the terms of its data apply as well."
            if init == name else
            f" Training started from the weights of `{init}` (fine-tuning, `--init {init}`), "
            "so the terms of that model's data apply to this one as well: see its card."
        ),
        "",
        "## Training",
        "",
        "```sh",
        command,
        "```",
        "",
        f"{training['processes']} process on {training['device']}; best validation "
        f"{training['best_validation_bits_per_note']:.3f} total bits/note at epoch "
        f"{training['best_epoch']} (the weights shipped); {stopped}"
        f"{sum(epoch_seconds) / 60:.1f} minutes; "
        f"{training['steps_per_second']:.0f} training steps/s; epoch time "
        f"{min(epoch_seconds):.0f}-{max(epoch_seconds):.0f} s on a shared 2-core CPU.",
        "",
        f"![training curves]({name}.png)",
        "",
        "## Measured on the test split",
        "",
        f"`segue-cli evaluate --model models/{name} --corpus {corpus} --split test --json`: "
        f"{evaluation['tunes']} tunes, {evaluation['notes']} notes, {evaluation['steps']} steps.",
        "",
        f"| figure | LSTM | {ngram['order']}-gram Kneser-Ney (same tokens, same train split) |",
        "| --- | --- | --- |",
        *(
            f"| {label} | {fmt.format(evaluation[key])} | {fmt.format(ngram[key])} |"
            for label, key, fmt in METRIC_ROWS
        ),
        "",
    ]
    folk = card["metrics"].get("test_folk_same_notes")
    if folk:  # a model of another style beside the default one on the same notes
        lines += beside_folk_lines(name, card["metrics"])
    chords = card["metrics"].get("chords")
    if chords:  # a chord-aware model: engine.ml.chord_eval.chord_bits_report on the test split
        lines += chord_lines(chords)
    if bench:
        lines += [SPEED_HEADING, "", speed_line(bench), ""]
    if moved:
        lines += moved_lines(name, init, json.loads(Path(moved[0]).read_text()), moved[1], moved[2],
                             triplets, evaluation["tunes"])
    (ROOT / "models" / f"{name}.md").write_text("\n".join(lines))
    print(f"wrote models/{name}.md and test metrics into models/{name}.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
