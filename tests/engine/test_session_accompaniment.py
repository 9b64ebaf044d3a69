"""Sessions keep how the chords are played: round trip, older sessions load with the defaults,
hostile accompaniment blocks are refused whole."""

import json

import pytest

from segue.engine.accompaniment import AccompanimentSettings
from segue.engine.chords import Chord
from segue.engine.melody import Melody, Note
from segue.engine.piece import Piece
from segue.engine.session import (
    Session,
    SessionError,
    SessionFileError,
    dumps,
    loads,
    read_session,
    write_session,
)

PIECE = Piece.of(Melody([Note(60, 0, 16)])).with_chords((Chord(0, 16, "Am"),))
CUSTOM = AccompanimentSettings(on=False, style="arpeggio", program=0, volume=99, channel=7)


def test_accompaniment_round_trips_through_a_file(tmp_path):
    path = tmp_path / "tune.segue"
    write_session(path, PIECE, accompaniment=CUSTOM)
    session = read_session(path)
    assert session.accompaniment == CUSTOM
    assert session.piece.chords == PIECE.chords
    assert loads(dumps(Session(PIECE, accompaniment=CUSTOM))).accompaniment == CUSTOM


def test_a_session_without_an_accompaniment_loads_with_the_defaults():
    data = json.loads(dumps(Session(PIECE)))
    del data["accompaniment"]
    assert loads(json.dumps(data)).accompaniment == AccompanimentSettings()
    data["accompaniment"] = {"style": "waltz", "added_later": [1, 2]}  # unknown: ignored
    assert loads(json.dumps(data)).accompaniment == AccompanimentSettings(style="waltz")


@pytest.mark.parametrize("block, words", [
    ([], "not a table"),
    (None, "not a table"),
    ("block", "not a table"),
    ({"channel": 0}, "channel must be an integer 1-16"),
    ({"channel": 1e9}, "channel"),
    ({"program": -1}, "program"),
    ({"volume": "loud"}, "volume"),
    ({"on": 1}, "on must be true or false"),
    ({"style": "x" * 10_000}, "style"),
    ({"style": ["block"]}, "style"),
])
def test_hostile_accompaniment_blocks_are_refused(block, words, tmp_path):
    data = json.loads(dumps(Session(PIECE)))
    data["accompaniment"] = block
    with pytest.raises(SessionError, match=words) as refused:
        loads(json.dumps(data))
    assert len(str(refused.value)) < 300  # a long value is not quoted whole
    path = tmp_path / "hostile.segue"
    path.write_text(json.dumps(data))
    with pytest.raises(SessionFileError, match="hostile.segue"):
        read_session(path)


def test_a_session_refuses_what_is_not_accompaniment_settings():
    with pytest.raises(ValueError, match="accompaniment settings"):
        Session(PIECE, accompaniment={"on": True})
