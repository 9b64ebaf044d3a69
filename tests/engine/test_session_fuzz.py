"""Fuzzing ``.segue`` text: whatever a file holds, reading it gives a sound Session or a
SessionError, never another exception, and a Session it gives is safe to show and to save."""

import json
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segue.engine import session as fmt
from segue.engine.melody import Melody, Note
from segue.engine.piece import Piece
from segue.engine.session import GenerationSettings, Session, SessionError

VALID = fmt.session_to_dict(
    Session(
        Piece(
            Melody([Note(60, 0, 4), Note(62, 4, 2)], tempo=96.0, time_signature=(3, 4), key="C major"),
            marker=6,
            variations=(Melody([Note(65, 6, 4)]), Melody([Note(67, 6, 2)])),
            current=1,
            phrase_end=18,
            loop_region=(0, 12),
            loop_on=True,
        ),
        GenerationSettings(key_lock="auto"),
    )
)

# A 5,000-digit integer, written into the text after json.dumps (which, like repr, refuses it).
HUGE = "@huge@"
# The values a probe found troublesome, beside ordinary ones of every JSON type.
nasty_numbers = st.sampled_from(
    [-1, 0, 1, 2, 10**18, -(10**18), 2**63, HUGE, 1e300, -1e300, 0.5, 1e-300,
     float("nan"), float("inf"), True, False]
)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), nasty_numbers,
    st.text(max_size=8), st.sampled_from(["120", "C major", "auto", "segue-session", ""]),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)


def paths(value, prefix=()):
    """Every place in a JSON tree a value can be put."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, (*prefix, index))


ALL_PATHS = list(paths(VALID))[1:]


def replaced(data, path, value):
    data = json.loads(json.dumps(data))
    target = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return data


def check_sound(session: Session):
    """What the window relies on once a session is read."""
    piece = session.piece
    assert isinstance(piece.current, int)
    assert 0 <= piece.current < max(1, len(piece.variations))
    assert 0 <= piece.marker <= fmt.MAX_STEPS
    for melody in (piece.melody, *piece.variations):
        assert melody.end <= fmt.MAX_STEPS and math.isfinite(melody.tempo)
    for region in (piece.loop_region, piece.fill_range):
        if region is not None:
            assert 0 <= region[0] < region[1] <= fmt.MAX_STEPS
    assert piece.phrase_end is None or 0 <= piece.phrase_end <= fmt.MAX_STEPS
    assert piece.heard() is not None and piece.accepted() is not None  # the piece answers
    assert fmt.loads(fmt.dumps(session)) == session


def read(text):
    if isinstance(text, str):
        text = text.replace(f'"{HUGE}"', "9" * 5000)
    try:
        session = fmt.loads(text)
    except SessionError as exc:
        assert str(exc) and len(str(exc)) < 400
        return
    check_sound(session)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(ALL_PATHS), json_values)
def test_one_value_replaced_anywhere(path, value):
    read(json.dumps(replaced(VALID, path, value)))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(ALL_PATHS), nasty_numbers), min_size=1, max_size=4))
def test_several_nasty_numbers_at_once(changes):
    data = VALID
    for path, value in changes:
        try:
            data = replaced(data, path, value)
        except (KeyError, IndexError, TypeError):
            pass  # an earlier change removed the place
    read(json.dumps(data))


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(list(VALID)), json_values, max_size=8))
def test_any_top_level_entries(entries):
    read(json.dumps({"format": "segue-session", "schema_version": 1, **entries}))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=200))
def test_any_bytes_or_text(data):
    read(data)
