"""Sessions within the limits: Segue never writes a session it would refuse to open.

Every piece the limits allow (``engine.limits``) saves and reopens equal; every piece beyond them
is refused by the save, naming what is over, and the file on disk stays as it was. A file over
the limits is refused before the notes or variations it lists are built.
"""

import errno
import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segue.engine import limits
from segue.engine import session as fmt
from segue.engine.keys import ALL_KEYS
from segue.engine.melody import STEPS_PER_QUARTER_RANGE, Melody, Note
from segue.engine.melody_json import melody_to_dict
from segue.engine.piece import Piece

SEED = Melody([Note(60, 0, 4), Note(62, 4, 4), Note(64, 8, 4)])
LAST = limits.MAX_STEPS


@st.composite
def notes_up_to(draw, end: int, max_notes: int = 12):
    """Monophonic notes ending by ``end``, anywhere up to it (the last often right at it)."""
    count = draw(st.integers(0, max_notes))
    starts = sorted(draw(st.lists(st.integers(0, end - 1), min_size=count, max_size=count,
                                  unique=True)))
    notes = []
    for i, start in enumerate(starts):
        room = (starts[i + 1] if i + 1 < len(starts) else end) - start
        length = draw(st.one_of(st.just(room), st.integers(1, room)))
        notes.append(Note(draw(st.integers(0, 127)), start, length, draw(st.integers(1, 127))))
    return notes


@st.composite
def pieces(draw):
    """Any piece the editor and the limits allow: its grid, meter, tempo and key, notes up to
    the last step, up to the most pending variations (continuations or a fill), the marker,
    the loop and the key lock."""
    denominator = draw(st.sampled_from(limits.METER_DENOMINATORS))
    # A bar is a whole number of steps: 1/32 needs 8 steps per quarter or a multiple of it.
    unit = max(1, denominator // 4)
    grid = Melody(
        steps_per_quarter=unit * draw(st.integers(1, STEPS_PER_QUARTER_RANGE[1] // unit)),
        time_signature=(draw(st.integers(1, 64)), denominator),
        tempo=draw(st.floats(10.0, 400.0, allow_nan=False)),
        key=draw(st.none() | st.sampled_from(ALL_KEYS)),
    )
    melody = grid.replace(notes=draw(notes_up_to(LAST)))
    count = draw(st.integers(0, limits.MAX_PENDING_VARIATIONS))
    variations = tuple(grid.replace(notes=draw(notes_up_to(LAST, 4))) for _ in range(count))
    region = st.tuples(st.integers(0, LAST - 1), st.integers(1, LAST)).filter(
        lambda r: r[0] < r[1])
    return Piece(
        melody,
        marker=draw(st.integers(0, LAST)),
        variations=variations,
        current=draw(st.integers(0, count - 1)) if count else 0,
        fill_range=draw(st.none() | region) if count else None,
        phrase_end=draw(st.none() | st.integers(0, LAST)) if count else None,
        loop_region=draw(st.none() | region),
        loop_on=draw(st.booleans()),
        key_lock=draw(st.sampled_from(("off", "auto", *ALL_KEYS))),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(piece=pieces())
def test_every_piece_the_limits_allow_saves_and_reopens_equal(tmp_path, piece):
    path = tmp_path / "any.segue"
    fmt.write_session(path, piece)
    assert fmt.read_session(path).piece == piece


def far(melody: Melody) -> Melody:
    return melody.add(Note(60, LAST - 2, 3))  # ends one step past the last


@pytest.mark.parametrize(
    ("piece", "message"),
    [
        (Piece(far(SEED), 12), r"the piece runs to bar 62,501, past step 1,000,000"),
        (Piece(SEED, 12, variations=(far(Melody()),)), r"pending variation 1 runs to bar"),
        (Piece(SEED, 12, variations=(Melody([Note(70, 12, 4)]),) * 9),
         r"the piece holds 9 pending variations, more than the 8 Segue offers"),
        (Piece(Melody([Note(60, i, 1) for i in range(limits.MAX_NOTES + 1)])),
         r"the piece has 100,001 notes, more than the 100,000"),
    ],
    ids=["past the last step", "a variation past it", "too many variations", "too many notes"],
)
def test_a_piece_beyond_the_limits_is_refused_by_the_save_and_the_old_file_stays(
    tmp_path, piece, message
):
    path = tmp_path / "kept.segue"
    fmt.write_session(path, Piece(SEED, 12))
    before = path.read_bytes()
    with pytest.raises(fmt.SessionSaveError, match=r"^Cannot save 'kept\.segue': " + message):
        fmt.write_session(path, piece)
    assert path.read_bytes() == before
    assert fmt.read_session(path).piece == Piece(SEED, 12)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.segue"]  # no temporary left


def session_text(**changes) -> str:
    data = fmt.session_to_dict(fmt.Session(Piece(SEED, 12)))
    data.update(changes)
    return json.dumps(data)


def test_a_file_listing_a_million_variations_is_refused_before_any_is_read(monkeypatch):
    built = []
    monkeypatch.setattr(fmt, "melody_from_dict", lambda *args: built.append(args))
    text = session_text(variations=[{}] * 1_000_000)
    with pytest.raises(fmt.SessionError, match="holds 1,000,000 pending variations, more than the 8"):
        fmt.loads(text)
    assert built == []


def test_a_melody_listing_too_many_notes_is_refused_before_any_is_built():
    melody = melody_to_dict(SEED)
    melody["notes"] = [None] * (limits.MAX_NOTES + 1)  # a note each would be refused; none is read
    with pytest.raises(fmt.SessionError, match="the melody has 100,001 notes, more than the 100,000"):
        fmt.loads(session_text(melody=melody))


def test_the_largest_session_the_limits_allow_fits_what_a_load_reads():
    # 100,000 notes at the last steps with the widest values, nested as deep as a variation's.
    notes = [Note(127, LAST - 10 * (i + 1), 10, 127) for i in reversed(range(limits.MAX_NOTES))]
    widest = Melody(notes, STEPS_PER_QUARTER_RANGE[1], (64, 32), 123.456789012345, "C# minor")
    one = len(json.dumps({"variations": [melody_to_dict(widest)]}, indent=1))
    assert (1 + limits.MAX_PENDING_VARIATIONS) * one + 10_000 < fmt.MAX_SESSION_CHARS


def test_a_full_disk_is_said_in_the_one_wording(tmp_path, monkeypatch):
    def full(path, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(fmt, "write_atomically", full)
    with pytest.raises(fmt.SessionSaveError, match=r"^Cannot save 'x\.segue': disk is full\.$"):
        fmt.write_session(tmp_path / "x.segue", Piece(SEED))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_pipe_named_like_a_session_is_refused_without_waiting(tmp_path):
    pipe = tmp_path / "pipe.segue"
    os.mkfifo(pipe)
    with pytest.raises(fmt.SessionFileError, match="not a regular file"):
        fmt.read_session(pipe)
