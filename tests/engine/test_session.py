"""The .segue session format and the melody JSON format: round trips, versions, damage."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segue.engine import limits
from segue.engine import session as fmt
from segue.engine.chords import Chord
from segue.engine.melody import Melody, Note
from segue.engine.ml.options import FOLLOW_SEED
from segue.engine.piece import Piece
from segue.engine.session import GenerationSettings, Session, SessionError


def melody(*triples, **fields):
    return Melody([Note(pitch, start, length) for pitch, start, length in triples], **fields)


SEED = melody((60, 0, 4), (62, 4, 2), (64, 6, 2), tempo=96.0, time_signature=(3, 4), key="C major")


def test_melody_round_trips_with_every_field():
    original = Melody([Note(60, 0, 4, 90), Note(67, 8, 3, 1)], 4, (6, 8), 133.5, "F# minor")
    assert fmt.melody_from_dict(fmt.melody_to_dict(original)) == original


def test_melody_dict_is_plain_json_with_named_note_fields():
    data = fmt.melody_to_dict(SEED)
    assert json.loads(json.dumps(data)) == data
    assert data["notes"][0] == {"pitch": 60, "start": 0, "length": 4, "velocity": 100}
    assert data["time_signature"] == [3, 4]


def test_melody_dict_defaults_for_missing_key_and_velocity():
    loaded = fmt.melody_from_dict({"notes": [{"pitch": 60, "start": 0, "length": 2}]})
    assert loaded == Melody([Note(60, 0, 2)])
    assert loaded.key is None and loaded.tempo == 120.0


def test_melody_dict_accepts_whole_floats_but_not_fractions():
    assert fmt.melody_from_dict({"notes": [{"pitch": 60.0, "start": 0, "length": 2.0}]}).notes[0].length == 2
    with pytest.raises(SessionError, match="note 1"):
        fmt.melody_from_dict({"notes": [{"pitch": 60, "start": 0.5, "length": 2}]})


@pytest.mark.parametrize(
    "data, message",
    [
        ([], "not a melody description"),
        ({"notes": {}}, "'notes' must be a list"),
        ({"notes": [5]}, "note 1 is not a note description"),
        ({"notes": [{"pitch": 60, "start": 0}]}, "note 1 has no length"),
        ({"notes": [{"pitch": 200, "start": 0, "length": 1}]}, "pitch 200"),
        ({"notes": [], "tempo": 1000}, "tempo 1000"),
        ({"notes": [], "time_signature": 4}, "time signature"),
        ({"notes": [], "key": "H major"}, "key"),
    ],
)
def test_broken_melody_dicts_say_what_is_wrong(data, message):
    with pytest.raises(SessionError, match=message):
        fmt.melody_from_dict(data, "the seed")


def test_melody_list_json_round_trips_and_accepts_a_single_melody():
    melodies = [SEED, melody((70, 0, 8))]
    assert fmt.melodies_from_json(fmt.melodies_to_json(melodies)) == melodies
    assert fmt.melodies_from_json(json.dumps(fmt.melody_to_dict(SEED))) == [SEED]
    with pytest.raises(SessionError, match="openings.json, melody 2: note 1"):
        fmt.melodies_from_json('[{"notes": []}, {"notes": [1]}]', "openings.json")


def test_read_melodies_names_the_file(tmp_path):
    path = tmp_path / "seed.json"
    path.write_text("{nope")
    with pytest.raises(SessionError, match=r"seed\.json is damaged or not JSON \(line 1"):
        fmt.read_melodies(path)
    with pytest.raises(SessionError, match="missing.json could not be read"):
        fmt.read_melodies(tmp_path / "missing.json")


def test_shipped_demo_seed_is_a_valid_short_melody():
    from pathlib import Path

    demo = fmt.read_melodies(Path(__file__).resolve().parents[2] / "resources" / "demo_seed.json")
    assert len(demo) == 1
    assert 6 <= len(demo[0].notes) <= 32
    assert demo[0].end <= 4 * demo[0].steps_per_bar


def test_generation_settings_validate_with_clear_messages():
    assert GenerationSettings().temperature == 1.0
    with pytest.raises(ValueError, match="temperature 3 is outside 0.1-2"):
        GenerationSettings(temperature=3)
    with pytest.raises(ValueError, match="rest weight"):
        GenerationSettings(rest_weight=-0.5)
    with pytest.raises(ValueError, match="length in bars 0"):
        GenerationSettings(bars=0)
    with pytest.raises(ValueError, match="number of variations 9"):
        GenerationSettings(variations=9)
    with pytest.raises(ValueError, match="lowest pitch 80 is above highest pitch 60"):
        GenerationSettings(pitch_low=80, pitch_high=60)
    with pytest.raises(ValueError, match="key lock"):
        GenerationSettings(key_lock="sideways")
    with pytest.raises(ValueError, match="whole number"):
        GenerationSettings(bars=True)
    assert GenerationSettings(key_lock="bb minor").key_lock == "Bb minor"


def test_generation_settings_resolve_key_and_steps():
    seed = melody((57, 0, 4), (60, 4, 4), (64, 8, 4), (57, 12, 4), time_signature=(3, 4))
    assert GenerationSettings(key_lock="off").resolved_key(seed) is None
    assert GenerationSettings(key_lock="auto").resolved_key(seed) == seed.detect_key()
    assert GenerationSettings(key_lock="auto").resolved_key(seed.replace(key="G major")) == "G major"
    assert GenerationSettings(key_lock="E minor").resolved_key(seed) == "E minor"
    assert GenerationSettings(bars=3).steps(seed) == 3 * 12


def test_generation_settings_from_dict_ignores_unknown_and_fills_defaults():
    loaded = GenerationSettings.from_dict({"temperature": 0.5, "future_knob": 3})
    assert loaded == GenerationSettings(temperature=0.5)
    with pytest.raises(ValueError, match="generation settings: temperature"):
        GenerationSettings.from_dict({"temperature": "hot"})
    hot = fmt.session_to_dict(Session(Piece(SEED)))
    hot["generation"]["temperature"] = "hot"
    with pytest.raises(SessionError, match="generation settings: temperature"):
        fmt.session_from_dict(hot)
    with pytest.raises(ValueError, match="unknown generation settings: nope"):
        GenerationSettings().replace(nope=1)


def full_session():
    variations = (melody((65, 12, 4), (67, 16, 4)), melody((69, 12, 8)))
    generation = GenerationSettings(
        model="irish", temperature=0.7, rest_weight=1.5, bars=8, variations=2, key_lock="auto",
        pitch_low=48, pitch_high=84, rng_seed=1234, seed_locked=True,
    )
    piece = Piece(SEED, marker=12, variations=variations, current=1, phrase_end=28,
                  loop_region=(4, 20), loop_on=True)
    return Session(piece, generation)


def test_session_round_trips_through_text():
    original = full_session()
    text = fmt.dumps(original)
    data = json.loads(text)
    assert data["format"] == "segue-session" and data["schema_version"] == fmt.SCHEMA_VERSION
    assert fmt.loads(text) == original
    assert fmt.loads(text.encode()) == original
    assert data["loop_region"] == [4, 20] and data["loop_on"] is True
    assert data["phrase_end"] == 28 and data["chords"] == []  # a place for chords, empty


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 127), st.integers(0, 200), st.integers(1, 16), st.integers(1, 127)), max_size=20),
    st.integers(0, 300),
    st.floats(10, 400, allow_nan=False),
)
def test_any_session_round_trips(notes, marker, tempo):
    piece = Melody([Note(*n) for n in notes], tempo=tempo)
    original = Session(Piece(piece, marker=marker))
    assert fmt.loads(fmt.dumps(original)) == original


def test_a_piece_on_the_triplet_grid_round_trips_and_a_straight_one_stays_on_four(tmp_path):
    straight = Piece(SEED, marker=8, chords=(Chord(0, 12, "C"),), loop_region=(0, 12)).with_variations(
        [melody((67, 8, 4))], phrase_end=20)
    triplets = straight.regridded(12)
    assert triplets.melody.steps_per_quarter == 12 and triplets.marker == 24
    for piece in (straight, triplets):
        path = tmp_path / f"{piece.melody.steps_per_quarter}.segue"
        fmt.write_session(path, piece)
        assert fmt.read_session(path).piece == piece
    assert fmt.read_session(tmp_path / "4.segue").piece.melody.steps_per_quarter == 4


def test_newer_schema_is_refused_with_a_reason():
    data = fmt.session_to_dict(full_session())
    data["schema_version"] = fmt.SCHEMA_VERSION + 1
    data["app_version"] = "9.0"
    with pytest.raises(SessionError, match=r"newer Segue \(Segue 9.0\) in schema 2.*update Segue"):
        fmt.session_from_dict(data)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.pop("format"), "not a Segue session"),
        (lambda d: d.update(schema_version="one"), "schema version 'one' is damaged"),
        (lambda d: d.update(schema_version=0), "schema version 0 is damaged"),
        (lambda d: d.update(melody=[]), "the melody is not a melody description"),
        (lambda d: d.update(variations={}), "pending variations are not a list"),
        (lambda d: d["variations"][1]["notes"].append({"pitch": 1}), "pending variation 2: note 2 has no start"),
        (lambda d: d.update(marker=-4), "continue marker"),
        (lambda d: d.update(current_variation=5), "current variation 6 is not one of 1-2"),
        (lambda d: d.update(generation=[]), "generation settings are not"),
        (lambda d: d.update(loop_region=4), "loop region is not a pair"),
        (lambda d: d.update(loop_region=[8, 8]), "loop region must be two steps"),
        (lambda d: d.update(loop_region=[1, 2, 3]), "loop region must be two steps"),
        (lambda d: d.update(loop_region=[0.5, 2]), "loop region must be two steps"),
        (lambda d: d.update(loop_on="yes"), "loop on must be true or false"),
        (lambda d: d.update(phrase_end="end"), "phrase end must be a whole number"),
        (lambda d: d.update(phrase_end=-1), "phrase end -1 is below 0"),
        (lambda d: d.update(variations=[], current_variation=0), "phrase end is set but no"),
        (lambda d: d.update(chords={}), "the chords are not a list"),
        (lambda d: d.update(chords=[{"root": "C"}]), "chord 1: its symbol must be text"),
    ],
)
def test_damaged_sessions_say_what_is_wrong(change, message):
    data = fmt.session_to_dict(full_session())
    change(data)
    with pytest.raises(SessionError, match=message):
        fmt.session_from_dict(data)


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "damaged or not JSON"),
        ('{"format": "segue-session", ', "damaged or not JSON"),
        (b"\xff\xfe\x00", "not text"),
        ("[1, 2]", "not a Segue session"),
        ("[" * 100000, "nested too deeply|damaged or not JSON"),
    ],
)
def test_text_that_is_no_session_is_refused(text, message):
    with pytest.raises(SessionError, match=message):
        fmt.loads(text)


def test_session_without_variations_or_settings_gets_defaults():
    data = {"format": "segue-session", "schema_version": 1, "melody": fmt.melody_to_dict(SEED)}
    loaded = fmt.session_from_dict(data)
    assert loaded == Session(Piece(SEED, marker=SEED.end))
    assert loaded.piece.loop_region is None and loaded.piece.loop_on is False
    assert loaded.piece.phrase_end is None and loaded.piece.chords == ()


# --- hostile files: every value is checked for type and range; only SessionError escapes -------


def hostile(change):
    data = fmt.session_to_dict(full_session())
    change(data)
    return data


def no_variations(d, current):
    d.update(variations=[], current_variation=current)


BIG = 10**18
HUGE_INT_TEXT = "1" * 5000


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.update(current_variation="2"), "current variation must be a whole number"),
        (lambda d: d.update(current_variation=None), "current variation must be a whole number"),
        (lambda d: d.update(current_variation=-1), "current variation 0 is not one of 1-2"),
        (lambda d: no_variations(d, "1"), "current variation must be a whole number"),
        (lambda d: no_variations(d, -1), "current variation 0 is chosen but no variation is pending"),
        (lambda d: no_variations(d, 3), "current variation 4 is chosen but no variation is pending"),
        (lambda d: d["melody"]["notes"][0].update(start=BIG), "note start .* past step 1,000,000"),
        (lambda d: d["melody"]["notes"][0].update(start=1e300), "note start a number far too large"),
        (lambda d: d["melody"]["notes"][0].update(length=BIG), "note length .* past step 1,000,000"),
        (lambda d: d["melody"]["notes"][0].update(length=999_999, start=5), "note end 1,000,004"),
        (lambda d: d["variations"][0]["notes"][0].update(start=1e300), "pending variation 1: note 1"),
        (lambda d: d["melody"]["notes"][0].update(pitch="60"), "note pitch must be a whole number"),
        (lambda d: d["melody"]["notes"][0].update(velocity=True), "note velocity must be"),
        (lambda d: d["melody"]["notes"][0].update(start=float("inf")), "note start must be"),
        (lambda d: d.update(marker=BIG), "continue marker .* past step 1,000,000"),
        (lambda d: d.update(marker=1e300), "continue marker a number far too large"),
        (lambda d: d.update(marker="12"), "continue marker must be a whole number"),
        (lambda d: d.update(loop_region=[0, 1e300]), "loop region must be two steps"),
        (lambda d: d.update(loop_region=[0, 10**5000]), "a number far too large"),
        (lambda d: d["melody"].update(tempo="120"), "tempo must be a number, got '120'"),
        (lambda d: d["melody"].update(tempo=10**5000), "tempo a number far too large"),
        (lambda d: d["melody"].update(tempo=float("nan")), "tempo"),
        (lambda d: d["melody"].update(key=7), "key must be a name"),
        (lambda d: d["melody"].update(time_signature=["3", 4]), "time signature must be a whole"),
        (lambda d: d["melody"].update(time_signature=[3, 10**5000]), "far too large"),
        (lambda d: d["melody"].update(steps_per_quarter=BIG), "steps per quarter .* outside 1-96"),
        (lambda d: d["variations"][0].update(steps_per_quarter=8), "grid of 8 steps per quarter"),
        (lambda d: d["generation"].update(rng_seed=10**5000), "random seed a number far too large"),
        (lambda d: d["generation"].update(temperature=10**400), "temperature a number far too"),
        (lambda d: d["generation"].update(model="x" * 5000), "model must be a name or path"),
        (lambda d: d["generation"].update(key_lock=["C"]), "key lock must be"),
    ],
)
def test_hostile_values_are_refused_with_a_reason(change, message):
    with pytest.raises(SessionError, match=message) as caught:
        fmt.session_from_dict(hostile(change))
    assert len(str(caught.value)) < 200  # a hostile value never makes the message huge


@pytest.mark.parametrize(
    "text, message",
    [
        ('{"format": "segue-session", "marker": ' + HUGE_INT_TEXT + "}", "thousands of digits"),
        ('{"format": "segue-session", "marker": NaN}', "NaN is not a number"),
        ('{"format": "segue-session", "marker": -Infinity}', "-Infinity is not a number"),
    ],
)
def test_numbers_json_allows_but_segue_cannot_keep_are_refused(text, message):
    with pytest.raises(SessionError, match=message):
        fmt.loads(text)


def test_text_over_the_size_cap_is_refused_before_parsing(monkeypatch):
    monkeypatch.setattr(fmt, "MAX_SESSION_CHARS", 100)
    text = fmt.dumps(full_session())
    with pytest.raises(SessionError, match="too large to be a Segue session"):
        fmt.loads(text)
    with pytest.raises(SessionError, match="too large"):
        fmt.loads(text.encode())


def test_the_longest_piece_segue_opens_still_opens():
    last = fmt.MAX_STEPS - 4
    piece = Session(Piece(melody((60, last, 4)), marker=fmt.MAX_STEPS, loop_region=(0, fmt.MAX_STEPS)))
    assert fmt.loads(fmt.dumps(piece)) == piece


def test_follow_seed_is_validated_saved_and_defaults_to_the_span_for_older_files():
    assert GenerationSettings().follow_seed == FOLLOW_SEED.default > 0  # on by default
    assert GenerationSettings(follow_seed=1).follow_seed == 1.0
    for bad, message in ((1.5, "follow seed 1.5 is outside 0-1"), (-0.1, "follow seed"),
                         (float("nan"), "follow seed"), ("high", "follow seed must be a number")):
        with pytest.raises(ValueError, match=message):
            GenerationSettings(follow_seed=bad)
    kept = GenerationSettings(follow_seed=0.6)
    assert GenerationSettings.from_dict(kept.to_dict()).follow_seed == 0.6
    older = GenerationSettings().to_dict()
    del older["follow_seed"]  # a session saved before the option existed: the default
    assert GenerationSettings.from_dict(older).follow_seed == FOLLOW_SEED.default
    session = Session(Piece(SEED, marker=12), kept)
    assert fmt.loads(fmt.dumps(session)).generation.follow_seed == 0.6


def test_a_pending_fill_keeps_its_range_through_a_save():
    melody = Melody([Note(60, 0, 4), Note(62, 16, 4), Note(64, 32, 4)])
    fill = Melody([Note(67, 16, 8)])
    session = Session(Piece(melody, marker=48, variations=(fill,), fill_range=(16, 32)))
    again = fmt.loads(fmt.dumps(session)).piece
    assert again.fill_range == (16, 32) and again.variations == (fill,)
    assert fmt.loads(fmt.dumps(Session(Piece(melody)))).piece.fill_range is None
    with pytest.raises(ValueError, match="fill range"):
        Piece(melody, fill_range=(16, 32))  # no pending variation to fill with
    with pytest.raises(ValueError, match="fill range"):
        Piece(melody, variations=(fill,), fill_range=(32, 16))


def test_a_piece_beyond_what_a_file_keeps_is_refused_before_writing():
    with pytest.raises(ValueError, match="continue marker"):
        Session(Piece(SEED, marker=fmt.MAX_STEPS + 1))
    with pytest.raises(ValueError, match="loop region"):
        Session(Piece(SEED, loop_region=(0, fmt.MAX_STEPS + 1)))


# --- files: read_session and write_session, the one pair every .segue goes through --------------


def test_write_and_read_session_round_trip(tmp_path):
    path = tmp_path / "piece.segue"
    session = full_session()
    fmt.write_session(path, session.piece, session.generation)
    assert fmt.read_session(path) == session
    assert json.loads(path.read_text())["schema_version"] == fmt.SCHEMA_VERSION
    fmt.write_session(path, Piece(SEED, 4))  # the generation settings default
    assert fmt.read_session(path) == Session(Piece(SEED, 4))


def test_extra_entries_are_kept_but_never_replace_the_session(tmp_path):
    path = tmp_path / "piece.segue"
    fmt.write_session(path, Piece(SEED, 12), extra={"recovery": {"pid": 1}, "marker": 999})
    data = json.loads(path.read_text())
    assert data["recovery"] == {"pid": 1} and data["marker"] == 12


def test_a_session_file_problem_is_a_file_problem_naming_the_file(tmp_path):
    from segue.engine.files import FileProblem

    broken = tmp_path / "broken.segue"
    broken.write_text('{"format": "something-else"}')
    with pytest.raises(fmt.SessionFileError, match=r"^Cannot open 'broken\.segue': it is not a Segue"):
        fmt.read_session(broken)
    with pytest.raises(FileProblem, match=r"^Cannot open 'gone\.segue': file not found") as caught:
        fmt.read_session(tmp_path / "gone.segue")
    assert caught.value.path == str(tmp_path / "gone.segue")
    with pytest.raises(fmt.SessionSaveError, match=r"^Cannot save 'far\.segue': the continue marker"):
        fmt.write_session(tmp_path / "far.segue", Piece(SEED, fmt.MAX_STEPS + 1))
    assert not (tmp_path / "far.segue").exists()
    with pytest.raises(fmt.SessionSaveError, match=r"^Cannot save 'x\.segue': folder does not exist"):
        fmt.write_session(tmp_path / "no" / "x.segue", Piece(SEED))


def test_a_file_too_large_is_refused_before_it_is_read(tmp_path, monkeypatch):
    path = tmp_path / "big.segue"
    fmt.write_session(path, Piece(SEED))
    monkeypatch.setattr(fmt, "MAX_SESSION_CHARS", 10)
    with pytest.raises(fmt.SessionFileError, match="too large for a Segue session"):
        fmt.read_session(path)


def test_a_session_keeps_one_key_lock_for_the_piece_and_its_settings(tmp_path):
    melody = Melody([Note(57, 0, 8), Note(60, 8, 4)])
    session = Session(Piece(melody, 8, key_lock="off"), GenerationSettings(key_lock="d minor"))
    assert session.piece.key_lock == "D minor"  # the settings save it, the piece answers with it
    path = tmp_path / "locked.segue"
    fmt.write_session(path, Piece(melody, 8, key_lock="G major"))  # no settings: the piece's lock
    reread = fmt.read_session(path)
    assert reread.piece.key_lock == reread.generation.key_lock == "G major"


# --- chords -------------------------------------------------------------------------------------

# full_session's piece ends at step 12: its marker, in 3/4 bars of 12 steps.
CHORDS = (Chord(0, 6, "C"), Chord(6, 3, "Bb/D"), Chord(9, 2, "F#m7b5"), Chord(11, 1, "N.C."))


def chord_session():
    return Session(full_session().piece.replace(chords=CHORDS), full_session().generation)


def test_chords_round_trip_in_their_canonical_spelling(tmp_path):
    original = chord_session()
    assert original.piece.chords == CHORDS
    data = json.loads(fmt.dumps(original))
    assert data["chords"][:2] == [{"start": 0, "length": 6, "symbol": "C"},
                                  {"start": 6, "length": 3, "symbol": "Bb/D"}]
    assert fmt.loads(fmt.dumps(original)) == original
    data["chords"][0]["symbol"] = "Cmaj"  # any spelling reads, the canonical one is kept
    assert fmt.session_from_dict(data).piece.chords[0] == Chord(0, 6, "C")
    fmt.write_session(tmp_path / "chords.segue", original.piece, original.generation)
    assert fmt.read_session(tmp_path / "chords.segue").piece.chords == CHORDS


def test_chords_running_ahead_of_the_melody_are_saved_and_extend_the_piece(tmp_path):
    track = (Chord(0, 12, "C"), Chord(12, 12, "G"), Chord(24, 6, "F"))
    piece = Piece(SEED, 12, chords=track)
    assert piece.end == 36  # 3/4 bars of 12 steps; the melody ends at 8, the last chord at 30
    fmt.write_session(tmp_path / "ahead.segue", piece)
    assert fmt.read_session(tmp_path / "ahead.segue").piece.chords == track


def test_a_session_from_before_chords_still_opens():
    data = fmt.session_to_dict(full_session())
    del data["chords"]
    assert fmt.session_from_dict(data) == full_session()


def chord_entries(*entries):
    return lambda d: d.update(chords=list(entries))


GOOD = {"start": 0, "length": 4, "symbol": "C"}


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.update(chords="C G Am F"), "the chords are not a list"),
        (lambda d: d.update(chords=None), "the chords are not a list"),
        (lambda d: d.update(chords={"0": GOOD}), "the chords are not a list"),
        (lambda d: d.update(chords=7), "the chords are not a list"),
        (chord_entries("C"), "chord 1: it is not a chord entry, got 'C'"),
        (chord_entries(None), "chord 1: it is not a chord entry"),
        (chord_entries([0, 4, "C"]), "chord 1: it is not a chord entry, got list"),
        (chord_entries(GOOD, 12), "chord 2: it is not a chord entry"),
        (chord_entries({**GOOD, "symbol": "H"}), "chord 1: 'H' is not a chord symbol"),
        (chord_entries({**GOOD, "symbol": ""}), "chord 1: '' is not a chord symbol"),
        (chord_entries({**GOOD, "symbol": "Am7b5b5"}), "chord 1: 'Am7b5b5' is not a chord"),
        (chord_entries({**GOOD, "symbol": "C/H"}), "chord 1: 'C/H' is not a chord symbol"),
        (chord_entries({**GOOD, "symbol": "Cx"}), "chord 1: 'Cx' is not a chord symbol"),
        (chord_entries({**GOOD, "symbol": "C" * 5000}), "chord 1: 'CCCC.*over 32 characters"),
        (chord_entries({**GOOD, "symbol": "\x00"}), "chord 1: .* is not a chord symbol"),
        (chord_entries({**GOOD, "symbol": 7}), "chord 1: its symbol must be text, got 7"),
        (chord_entries({**GOOD, "symbol": None}), "chord 1: its symbol must be text"),
        (chord_entries({**GOOD, "symbol": ["C"]}), "chord 1: its symbol must be text, got list"),
        (chord_entries({"start": 0, "length": 4}), "chord 1: its symbol must be text, got None"),
        (chord_entries({"length": 4, "symbol": "C"}), "chord 1: its start must be a whole"),
        (chord_entries({"start": 0, "symbol": "C"}), "chord 1: its length must be a whole"),
        (chord_entries({**GOOD, "start": -1}), "chord 1: its start -1 is below 0"),
        (chord_entries({**GOOD, "length": 0}), "chord 1: its length 0 is below 1"),
        (chord_entries({**GOOD, "length": -4}), "chord 1: its length -4 is below 1"),
        (chord_entries({**GOOD, "start": "0"}), "chord 1: its start must be a whole number"),
        (chord_entries({**GOOD, "start": 0.5}), "chord 1: its start must be a whole number"),
        (chord_entries({**GOOD, "start": True}), "chord 1: its start must be a whole number"),
        (chord_entries({**GOOD, "length": float("nan")}), "chord 1: its length must be a whole"),
        (chord_entries({**GOOD, "start": BIG}), "chord 1: its start .* past step 1,000,000"),
        (chord_entries({**GOOD, "start": 10**5000}), "chord 1: its start a number far too"),
        (chord_entries({**GOOD, "length": 1e300}), "chord 1: its length a number far too"),
        (chord_entries({**GOOD, "length": -1e167}), "chord 1: its length a number far below zero"),
        (chord_entries(GOOD, {**GOOD, "start": 2}), "chord 2 .C at step 2. starts before"),
        (chord_entries({**GOOD, "start": 8}, GOOD), "chord 2 .C at step 0. starts before"),
        (chord_entries(GOOD, GOOD), "chord 2 .C at step 0. starts before"),
        (chord_entries({**GOOD, "start": 999_999, "length": 2}), "the chord track runs to bar"),
    ],
)
def test_hostile_chord_entries_are_refused_with_a_reason(change, message):
    data = hostile(change)
    data["marker"] = 12  # the piece ends at step 12: 3/4 bars of 12 steps
    with pytest.raises(SessionError, match=message) as caught:
        fmt.session_from_dict(data)
    assert len(str(caught.value)) < 200  # a hostile value never makes the message huge


def test_too_many_chords_are_refused_before_any_is_built(monkeypatch):
    data = fmt.session_to_dict(full_session())
    data["chords"] = ["not even a chord"] * (limits.MAX_CHORDS + 1)
    with pytest.raises(SessionError, match="has 100,001 chords, more than the 100,000"):
        fmt.session_from_dict(data)
    monkeypatch.setattr(limits, "MAX_CHORDS", 2)
    with pytest.raises(ValueError, match="3 chords, more than the 2 Segue keeps"):
        Session(Piece(SEED, 12, chords=(Chord(0, 4, "C"), Chord(4, 4, "F"), Chord(8, 4, "G"))))


chord_values = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 20), st.floats(), st.text(max_size=6),
    st.sampled_from(["C", "Am7", "Bb/D", "N.C.", "G7(b9", "H", 10**30, 1e300]),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(chord_values, st.dictionaries(
    st.sampled_from(["start", "length", "symbol", "root"]), chord_values)), max_size=6))
def test_any_chord_list_reads_as_sound_chords_or_a_session_error(entries):
    data = fmt.session_to_dict(full_session())
    data["chords"] = entries
    try:
        session = fmt.session_from_dict(data)
    except SessionError as exc:
        assert len(str(exc)) < 200
        return
    chords = session.piece.chords
    assert all(isinstance(c, Chord) for c in chords)
    assert not chords or chords[-1].end <= session.piece.end <= limits.MAX_STEPS
    assert fmt.loads(fmt.dumps(session)) == session  # what opens saves and opens again


def test_the_chords_each_pending_variation_proposes_are_saved_with_it(tmp_path):
    session = full_session()
    count = len(session.piece.variations)
    proposed = tuple((Chord(12, 12, "G"),) if i % 2 else () for i in range(count))
    piece = session.piece.replace(variation_chords=proposed)
    fmt.write_session(tmp_path / "pending.segue", piece, session.generation)
    assert fmt.read_session(tmp_path / "pending.segue").piece.variation_chords == proposed
    data = fmt.session_to_dict(Session(piece, session.generation))
    data["variation_chords"] = data["variation_chords"][:-1]
    with pytest.raises(SessionError, match="not one list per variation"):
        fmt.session_from_dict(data)
    data["variation_chords"] = [[{"start": 0, "length": 4, "symbol": "Xyz"}]] * count
    with pytest.raises(SessionError, match="pending variation 1's chord 1: .*Xyz"):
        fmt.session_from_dict(data)


def test_a_pending_chord_suggestion_is_saved_with_its_alternatives_and_choices(tmp_path):
    from segue.engine.chords import SuggestedChord
    from segue.engine.pending_chords import ChordSuggestion

    suggested = (SuggestedChord(0, 6, "C", 0.6, (("Am", 0.3), ("F", 0.1))),
                 SuggestedChord(6, 6, "G7", 0.9))
    suggestion = ChordSuggestion(suggested, (0, 12), (1, 0))  # the first shows Am
    session = full_session()
    piece = session.piece.replace(chord_suggestion=suggestion)
    fmt.write_session(tmp_path / "suggested.segue", piece, session.generation)
    reread = fmt.read_session(tmp_path / "suggested.segue").piece.chord_suggestion
    assert reread == suggestion and [c.symbol for c in reread.shown()] == ["Am", "G7"]
    data = fmt.session_to_dict(Session(piece, session.generation))
    for change, message in (
        (lambda d: d.update(choices=[5, 0]), "offers 3 symbols, not choice 5"),
        (lambda d: d["chords"][0].update(probability=2), "probability 2 is outside 0-1"),
        (lambda d: d["chords"][0].update(alternatives=[["Xyz", 0.1]]), "Xyz"),
        (lambda d: d["chords"][0].update(alternatives=[["Am", 0.1]] * 99), "up to 16"),
        (lambda d: d.update(span=[0, 10**6 + 1]), "span 1,000,001 is outside"),
        (lambda d: d.update(chords="C"), "is not a suggestion"),
    ):
        hostile = json.loads(json.dumps(data))
        change(hostile["chord_suggestion"])
        with pytest.raises(SessionError, match=message):
            fmt.session_from_dict(hostile)
