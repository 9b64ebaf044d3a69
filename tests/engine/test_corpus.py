"""Corpora: the fixed split, grid rules on real music21 parses, the cache and its rebuilds."""

import hashlib
from collections import Counter

import pytest

from segue.engine import corpus, corpus_sources
from segue.engine.chords import Chord
from segue.engine.corpus import CorpusError, Tune, build_corpus, load_corpus, split_of
from segue.engine.corpus_sources import stream_to_melody
from segue.engine.melody import Melody, Note

music21 = pytest.importorskip("music21")


def parse_abc(body: str, meter: str = "4/4", length: str = "1/8"):
    text = f"X:1\nT:t\nM:{meter}\nL:{length}\nK:C\n{body}\n"
    return music21.converter.parse(text, format="abc")


def test_split_is_the_documented_hash():
    for tune_id in ["essenFolksong/han1.abc:1", "oneills1850/0001-0050.abc:7", "x.mid:0"]:
        h = int(hashlib.sha1(tune_id.encode()).hexdigest(), 16) % 10
        assert split_of(tune_id) == {0: "test", 1: "validation"}.get(h, "train")


def test_split_proportions():
    counts = Counter(split_of(f"essenFolksong/f.abc:{i}") for i in range(5000))
    assert 400 < counts["test"] < 600 and 400 < counts["validation"] < 600


def test_plain_tune_on_the_grid():
    melody, reason, _ = stream_to_melody(parse_abc("C2 D2 E2 F2 | G4 A2 B2 | c8 |"))
    assert reason is None
    assert [(n.pitch, n.start, n.length) for n in melody.notes][:5] == [
        (60, 0, 4), (62, 4, 4), (64, 8, 4), (65, 12, 4), (67, 16, 8)]
    assert melody.time_signature == (4, 4) and melody.steps_per_quarter == 4


def test_pickup_is_placed_before_a_bar_line():
    melody, reason, _ = stream_to_melody(parse_abc("G | c2 c2 d2 e2 | f8 |"))
    assert reason is None
    # The pickup eighth ends exactly at the first bar line (step 16).
    assert melody.notes[0].start == 14 and melody.notes[1].start == 16


def test_triplets_are_snapped_and_counted():
    melody, reason, adjusted = stream_to_melody(parse_abc("(3CDE F2 G2 A2 | c8 |"))
    assert reason is None
    assert [n.start for n in melody.notes][:4] == [0, 1, 3, 4]
    assert adjusted["snapped to the grid"] == 1


def test_thirty_seconds_after_dotted_sixteenths_become_sixteenths():
    melody, reason, _ = stream_to_melody(parse_abc("C3/4 D/4 E F G2 A2 B2 | c8 |", length="1/8"))
    assert reason is None
    assert [(n.start, n.length) for n in melody.notes][:2] == [(0, 1), (1, 1)]


def test_too_fine_rhythm_is_skipped():
    _, reason, _ = stream_to_melody(parse_abc("(3C/D/E/ F2 G2 A2 | c8 |"))
    assert reason == "off-grid rhythm too fine for the grid"


def test_grace_notes_dropped_and_chords_keep_the_top():
    melody, reason, adjusted = stream_to_melody(parse_abc("{A}C2 [CEG]2 E2 F2 | G8 |"))
    assert reason is None
    assert adjusted["grace notes dropped"] == 1
    assert melody.notes[1].pitch == 67


def test_meter_change_keeps_first_and_counts():
    part = music21.stream.Part()
    part.append(music21.meter.TimeSignature("4/4"))
    part.append([music21.note.Note(p, quarterLength=1) for p in ("C4", "D4", "E4", "F4")])
    part.append(music21.meter.TimeSignature("3/4"))
    part.append([music21.note.Note(p, quarterLength=1) for p in ("G4", "A4", "B4")])
    melody, reason, adjusted = stream_to_melody(part)
    assert reason is None and melody.time_signature == (4, 4)
    assert adjusted["meter changes (first meter kept)"] == 1


def test_too_short_is_skipped():
    assert stream_to_melody(parse_abc("C2 D2 |"))[1] == "too short"


def fake_source(tmp_path, monkeypatch, tunes):
    folder = tmp_path / "songs"
    folder.mkdir(exist_ok=True)
    (folder / "a.mid").write_bytes(b"MThd")
    calls = []

    def parse(task):
        calls.append(task)
        records = [corpus_sources.melody_record(tune.id, tune.melody) for tune in tunes]
        return records, Counter({"too short": 1}), Counter()

    monkeypatch.setattr(corpus, "parser_for", lambda name, grid=4: parse)
    return folder, calls


def test_cache_round_trip_and_rebuild_only_on_change(tmp_path, monkeypatch):
    tunes = [
        Tune(f"a.mid:{i}", Melody([Note(60 + i, 2, 2), Note(62, 4, 4)], time_signature=(3, 4), key="G major"))
        for i in range(30)
    ]
    folder, calls = fake_source(tmp_path, monkeypatch, tunes)
    cache = tmp_path / "cache"
    report = build_corpus(str(folder), cache_dir=cache, workers=1, progress=False)
    assert not report.cached and sum(report.counts.values()) == 30
    assert report.skipped == {"too short": 1}
    assert "30 tunes" in report.summary()
    loaded = load_corpus(str(folder), cache_dir=cache)
    assert loaded == sorted(tunes, key=lambda t: t.id)
    assert {t.id for t in load_corpus(str(folder), "test", cache_dir=cache)} == {
        t.id for t in tunes if t.split == "test"}

    again = build_corpus(str(folder), cache_dir=cache, workers=1, progress=False)
    assert again.cached and len(calls) == 1
    (folder / "b.mid").write_bytes(b"MThd")
    changed = build_corpus(str(folder), cache_dir=cache, workers=1, progress=False)
    assert not changed.cached and len(calls) == 3


def test_missing_and_damaged_caches_say_so(tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        load_corpus("essen", cache_dir=tmp_path)
    (tmp_path / "essen.npz").write_bytes(b"not a zip")
    with pytest.raises(CorpusError, match="damaged"):
        load_corpus("essen", cache_dir=tmp_path)
    with pytest.raises(ValueError, match="split"):
        load_corpus("essen", "training", cache_dir=tmp_path)


def test_unknown_source_is_refused(tmp_path):
    with pytest.raises(CorpusError, match="unknown corpus"):
        build_corpus("nowhere-at-all", cache_dir=tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CorpusError, match="no .mid"):
        build_corpus(str(empty), cache_dir=tmp_path)


def test_music21_sources_are_found():
    files = corpus_sources.source_files("essen")
    assert len(files) > 20 and all(p.suffix == ".abc" for _, p in files)
    assert {c for c, _ in corpus_sources.source_files("irish")} == {"oneills1850", "ryansMammoth"}


def test_chorale_soprano_is_found_by_name():
    score = music21.stream.Score()
    for name, pitch in (("Horn", "C3"), ("Soprano", "E5")):
        part = music21.stream.Part()
        part.partName = name
        part.append([music21.note.Note(pitch, quarterLength=1) for _ in range(4)])
        score.insert(0, part)
    assert corpus_sources._soprano(score).partName == "Soprano"


NOTTINGHAM_JIGS = """X: 1
T:First Jig
% Nottingham Music Database
M:6/8
K:G
D|"G"G2B d2B|"D7"A2F "G"G3:|
|:"Em"E2G "Xyz"B2G|"Am"A3 "D/f+"d3|"G"G3 G2||


X: 2
T:Second Jig
M:6/8
K:D
"D"d2f a2f|"A"e2c A3|"D"d6|
"""
NOTTINGHAM_WALTZ = """X: 5
T:A Waltz
M:3/4
K:F
"F"A2 c2 f2|"C7"e4 g2|"Gm/bb"B6|"F"A6|
"""


def nottingham_folder(tmp_path):
    folder = tmp_path / "ABC_cleaned"
    folder.mkdir()
    (folder / "jigs.abc").write_text(NOTTINGHAM_JIGS)
    (folder / "waltzes.abc").write_text(NOTTINGHAM_WALTZ)
    (folder / "notes.txt").write_text("not a tune")
    return folder


def test_nottingham_builds_from_its_folder_with_chords(tmp_path):
    folder = nottingham_folder(tmp_path)
    report = build_corpus("nottingham", cache_dir=tmp_path, workers=1, progress=False,
                          source=folder)
    ids = ["nottingham/jigs.abc:1", "nottingham/jigs.abc:2", "nottingham/waltzes.abc:5"]
    assert report.counts == dict(Counter(split_of(i) for i in ids)) | {
        s: 0 for s in corpus.SPLITS if s not in {split_of(i) for i in ids}}
    assert report.path.endswith("nottingham.npz")
    assert report.adjusted['unreadable chord symbol "Xyz" (left out)'] == 1
    assert report.chords["tunes with chords"] == 3 and report.chords["chords"] == 14
    assert "14 in 3 tunes" in report.summary() and "of beats under a chord" in report.summary()

    tunes = {tune.id: tune for tune in load_corpus("nottingham", cache_dir=tmp_path)}
    assert sorted(tunes) == ids
    first = tunes["nottingham/jigs.abc:1"]
    assert first.melody.notes[0].start == 10  # the pickup D, before bar 1 at step 12
    assert [(c.start, c.length, c.symbol) for c in first.chords][:4] == [
        (12, 12, "G"), (24, 6, "D7"), (30, 6, "G"), (36, 6, "Em")]
    assert "D/F#" in [c.symbol for c in first.chords]
    assert [c.symbol for c in tunes["nottingham/waltzes.abc:5"].chords] == ["F", "C7", "Gm/Bb", "F"]
    for split in corpus.SPLITS:
        assert {t.id for t in load_corpus("nottingham", split, cache_dir=tmp_path)} == {
            i for i in ids if split_of(i) == split}

    again = build_corpus("nottingham", cache_dir=tmp_path, workers=1, progress=False,
                         source=folder)
    assert again.cached and again.chords == report.chords


def test_nottingham_needs_its_folder(tmp_path):
    with pytest.raises(CorpusError, match="--from DIR"):
        build_corpus("nottingham", cache_dir=tmp_path, progress=False)
    with pytest.raises(CorpusError, match="no .abc"):
        build_corpus("nottingham", cache_dir=tmp_path, progress=False, source=tmp_path)
    with pytest.raises(CorpusError, match="only the nottingham corpus"):
        build_corpus("essen", cache_dir=tmp_path, progress=False, source=tmp_path)


def test_cache_round_trip_keeps_chords_and_reads_caches_without_them(tmp_path, monkeypatch):
    with_chords = Tune("a.mid:0", Melody([Note(60, 0, 4), Note(62, 4, 4)]),
                       (Chord(0, 4, "C"), Chord(4, 12, "G7")))
    without = Tune("a.mid:1", Melody([Note(64, 0, 8)]))

    def parse(task):
        return [corpus_sources.melody_record(t.id, t.melody, t.chords)
                for t in (with_chords, without)], Counter(), Counter()

    folder, _ = fake_source(tmp_path, monkeypatch, [])
    monkeypatch.setattr(corpus, "parser_for", lambda name, grid=4: parse)
    build_corpus(str(folder), cache_dir=tmp_path, workers=1, progress=False)
    assert load_corpus(str(folder), cache_dir=tmp_path) == [with_chords, without]


# --- the 12-step grid (triplets kept) -------------------------------------------------------


def test_on_12_steps_a_triplet_tune_is_kept_exactly_and_counted():
    melody, reason, adjusted = stream_to_melody(parse_abc("(3CDE F2 G2 A2 | c8 |"), grid=12)
    assert reason is None and melody.steps_per_quarter == 12
    assert [(n.start, n.length) for n in melody.notes][:6] == [
        (0, 4), (4, 4), (8, 4), (12, 12), (24, 12), (36, 12)]
    assert adjusted[corpus_sources.TRIPLETS_KEPT] == 1 and not adjusted["snapped to the grid"]
    _, reason, _ = stream_to_melody(parse_abc("(3C/D/E/ F2 G2 A2 | c8 |"), grid=12)
    assert reason is None  # triplet sixteenths: too fine for 4 steps, on 12 exact


def test_on_12_steps_a_straight_tune_is_the_4_step_one_x3():
    abc = "G | c2 c2 d2 e2 | f3/2 e/ d2 c4 |"
    on_4, _, _ = stream_to_melody(parse_abc(abc))
    on_12, reason, adjusted = stream_to_melody(parse_abc(abc), grid=12)
    assert reason is None and on_12.steps_per_quarter == 12 and not adjusted
    assert [(n.pitch, n.start, n.length) for n in on_12.notes] == [
        (n.pitch, 3 * n.start, 3 * n.length) for n in on_4.notes]


def test_a_corpus_is_built_only_on_4_or_12_steps(tmp_path):
    with pytest.raises(CorpusError, match="4 or 12 steps per quarter"):
        build_corpus("essen", cache_dir=tmp_path, progress=False, grid=8)


NOTTINGHAM_TRIPLETS = """X: 7
T:A Hornpipe
M:4/4
K:G
"G"(3GAB c2 d2 B2|"D"A4 "G"G4|
"""


def test_a_corpus_at_12_has_its_own_cache_and_the_4_step_one_is_unchanged(tmp_path):
    folder = nottingham_folder(tmp_path)
    (folder / "hornpipes.abc").write_text(NOTTINGHAM_TRIPLETS)
    straight = tmp_path / "straight"
    straight.mkdir()
    (straight / "jigs.abc").write_text(NOTTINGHAM_JIGS)
    (straight / "waltzes.abc").write_text(NOTTINGHAM_WALTZ)
    plain = build_corpus("nottingham", cache_dir=tmp_path / "plain", workers=1, progress=False,
                         source=straight)
    on_4 = build_corpus("nottingham", cache_dir=tmp_path, workers=1, progress=False,
                        source=folder)
    on_12 = build_corpus("nottingham", cache_dir=tmp_path, workers=1, progress=False,
                         source=folder, grid=12)
    assert on_4.path.endswith("nottingham.npz") and on_12.path.endswith("nottingham-12.npz")
    assert "on 12 steps per quarter" in on_12.summary() and "steps per" not in on_4.summary()
    assert on_4.adjusted[corpus_sources.TRIPLETS_SNAPPED] == 1
    assert on_12.adjusted[corpus_sources.TRIPLETS_KEPT] == 1
    tunes_4 = {t.id: t for t in load_corpus("nottingham", cache_dir=tmp_path)}
    tunes_12 = {t.id: t for t in load_corpus("nottingham", cache_dir=tmp_path, grid=12)}
    assert sorted(tunes_4) == sorted(tunes_12)
    # The 4-step cache holds what it held before the grid option: the straight tunes as built
    # from a folder without the triplet tune, and the triplet tune snapped.
    assert {t.id: t for t in load_corpus("nottingham", cache_dir=tmp_path / "plain")} == {
        i: t for i, t in tunes_4.items() if "hornpipes" not in i}
    assert sum(plain.counts.values()) == 3
    hornpipe = tunes_12["nottingham/hornpipes.abc:7"]
    assert hornpipe.melody.steps_per_quarter == 12
    assert [(n.pitch, n.start, n.length) for n in hornpipe.melody.notes][:5] == [
        (67, 0, 4), (69, 4, 4), (71, 8, 4), (72, 12, 12), (74, 24, 12)]
    assert [(c.start, c.symbol) for c in hornpipe.chords] == [(0, "G"), (48, "D"), (72, "G")]
    assert [n.start for n in tunes_4["nottingham/hornpipes.abc:7"].melody.notes][:4] == [0, 1, 3, 4]
    for tune_id, tune in tunes_4.items():
        if "hornpipes" in tune_id:
            continue
        assert [(n.pitch, n.start, n.length) for n in tunes_12[tune_id].melody.notes] == [
            (n.pitch, 3 * n.start, 3 * n.length) for n in tune.melody.notes]
        assert [(c.start, c.length, c.symbol) for c in tunes_12[tune_id].chords] == [
            (3 * c.start, 3 * c.length, c.symbol) for c in tune.chords]
    with pytest.raises(CorpusError, match="nottingham-12.npz.*--grid 12"):
        load_corpus("nottingham", cache_dir=tmp_path / "plain", grid=12)


def test_a_tune_moves_onto_a_finer_grid_with_its_chords():
    tune = Tune("a.abc:1", Melody([Note(60, 0, 2), Note(62, 2, 6)]), (Chord(0, 4, "C"), Chord(4, 4, "G")))
    moved = tune.on_grid(12)
    assert moved.id == tune.id and moved.melody.steps_per_quarter == 12
    assert [(n.start, n.length) for n in moved.melody.notes] == [(0, 6), (6, 18)]
    assert [(c.start, c.length, c.symbol) for c in moved.chords] == [(0, 12, "C"), (12, 12, "G")]
    assert tune.on_grid(4) is tune
