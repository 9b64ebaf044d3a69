"""The melody JSON format, Qt-free: one melody as a dict, a list of melodies as JSON text, and
the checks every value meets before a melody is built (the ``.segue`` session format in
:mod:`engine.session` stores its melodies this way).

A melody is stored as (``melody_to_dict`` / ``melody_from_dict``)::

    {"steps_per_quarter": 4, "time_signature": [4, 4], "tempo": 120.0, "key": "D major",
     "notes": [{"pitch": 62, "start": 0, "length": 2, "velocity": 100}, ...]}

``key`` and each note's ``velocity`` may be left out (no key; velocity 100). Performance timing
(:mod:`engine.performance`) is written only where there is some: ``"swing": 0.6,
"swing_unit": 1`` on the melody, ``"offset_ms": -12.5`` on a note (left out: straight, on the
grid). The same format is
used by ``resources/demo_seed.json`` (one melody) and by each model's ``NAME.openings.json`` (a
JSON list of melodies, see :func:`melodies_from_json`). Every problem is a
:class:`SessionError` whose message says what is wrong in a musician's words.

Readers trust nothing: every value is checked for its type and its range, and steps (note
starts and lengths) stop at :data:`MAX_STEPS`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from segue.engine import limits
from segue.engine.files import read_regular
from segue.engine.melody import (
    DEFAULT_STEPS_PER_QUARTER,
    DEFAULT_TEMPO,
    DEFAULT_VELOCITY,
    STEPS_PER_QUARTER_RANGE,
    STRAIGHT,
    Melody,
    Note,
)

# The latest step a file may name: the longest piece Segue keeps (see engine.limits).
MAX_STEPS = limits.MAX_STEPS
MAX_MELODY_FILE_BYTES = 16 * 1024 * 1024  # a melody list (a model's openings) read from a file


class SessionError(ValueError):
    """A session or melody document cannot be read; the message says why."""


# --- melodies ---------------------------------------------------------------------------------


def melody_to_dict(melody: Melody) -> dict:
    """A JSON-ready dict for ``melody`` (the format in the module docstring)."""
    data = {
        "steps_per_quarter": melody.steps_per_quarter,
        "time_signature": list(melody.time_signature),
        "tempo": melody.tempo,
        "key": melody.key,
        "notes": [_note_to_dict(n) for n in melody.notes],
    }
    if melody.swing != STRAIGHT:
        data.update(swing=melody.swing, swing_unit=melody.swing_unit)
    return data


def _note_to_dict(note: Note) -> dict:
    data = {"pitch": note.pitch, "start": note.start, "length": note.length,
            "velocity": note.velocity}
    if note.offset_ms:
        data["offset_ms"] = note.offset_ms
    return data


def melody_from_dict(data: object, what: str = "the melody") -> Melody:
    """The melody stored in ``data``; SessionError naming ``what`` and the problem otherwise."""
    if not isinstance(data, dict):
        raise SessionError(f"{what} is not a melody description")
    raw_notes = data.get("notes", [])
    if not isinstance(raw_notes, list):
        raise SessionError(f"{what}: 'notes' must be a list")
    try:  # before a note is built: a hostile file may list millions
        limits.check_note_count(len(raw_notes), what)
    except ValueError as exc:
        raise SessionError(str(exc)) from None
    time_signature = data.get("time_signature", (4, 4))
    if not isinstance(time_signature, (list, tuple)) or len(time_signature) != 2:
        raise SessionError(f"{what}: the time signature must be two numbers such as [3, 4]")
    tempo, key = data.get("tempo", DEFAULT_TEMPO), data.get("key")
    swing, swing_unit = data.get("swing", STRAIGHT), data.get("swing_unit", 1)
    if isinstance(swing, bool) or not isinstance(swing, (int, float)):
        raise SessionError(f"{what}: swing must be a number, got {shown(swing)}")
    if isinstance(tempo, bool) or not isinstance(tempo, (int, float)):
        raise SessionError(f"{what}: tempo must be a number, got {shown(tempo)}")
    if isinstance(tempo, int) and tempo.bit_length() > 64:  # float() of it would overflow
        raise SessionError(f"{what}: tempo {shown(tempo)} is outside 10-400 BPM")
    if key is not None and not isinstance(key, str):
        raise SessionError(f"{what}: the key must be a name such as 'C major', got {shown(key)}")
    try:
        grid = Melody(
            steps_per_quarter=_whole(
                data.get("steps_per_quarter", DEFAULT_STEPS_PER_QUARTER), "steps per quarter",
                *STEPS_PER_QUARTER_RANGE,
            ),
            time_signature=tuple(
                _whole(v, "the time signature", 1, 64) for v in time_signature
            ),
            tempo=tempo,
            key=key,
            swing=swing,
            swing_unit=_integer(swing_unit),
        )
    except ValueError as exc:
        raise SessionError(f"{what}: {exc}") from None
    notes = []
    for i, raw in enumerate(raw_notes):
        if not isinstance(raw, dict):
            raise SessionError(f"{what}: note {i + 1} is not a note description")
        try:
            notes.append(_note_from_dict(raw, grid))
        except KeyError as exc:
            raise SessionError(f"{what}: note {i + 1} has no {exc.args[0]}") from None
        except ValueError as exc:
            raise SessionError(f"{what}: note {i + 1}: {exc}") from None
    return grid.replace(notes=notes)


def _note_from_dict(raw: dict, grid: Melody) -> Note:
    pitch, start, length = raw["pitch"], raw["start"], raw["length"]
    start = _step(start, "note start", 0, grid)
    length = _step(length, "note length", 1, grid)
    _step(start + length, "note end", 1, grid)
    return Note(
        _whole(pitch, "note pitch", 0, 127),
        start,
        length,
        _whole(raw.get("velocity", DEFAULT_VELOCITY), "note velocity", 1, 127),
        raw.get("offset_ms", 0.0),  # Note checks it: a number within +-1000 ms
    )


def _integer(value: object) -> int:
    # JSON writers (and hand edits) may write 4.0 for 4; anything else is refused by the caller.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value  # type: ignore[return-value]


def _whole(value: object, name: str, low: int, high: int) -> int:
    """``value`` (4.0 read as 4) as an int in ``low``-``high``; ValueError otherwise."""
    return check_int(name, _integer(value), low, high)


def check_int(name: str, value: object, low: int, high: int) -> int:
    """``value`` if it is an int in ``low``-``high``; ValueError saying which and why otherwise."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number, got {shown(value)}")
    if not low <= value <= high:
        raise ValueError(f"{name} {shown(value)} is outside {low}-{high}")
    return value


def _step(value: object, name: str, low: int, grid: Melody | None = None) -> int:
    """A step (position or length) in ``low``-MAX_STEPS, the limit said in bars of ``grid``."""
    value = _integer(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number of steps, got {shown(value)}")
    if value < low:
        raise ValueError(f"{name} {shown(value)} is below {low}")
    if value > MAX_STEPS:
        bars = f"{MAX_STEPS // grid.steps_per_bar:,} bars of this meter" if grid is not None else "steps"
        raise ValueError(
            f"{name} {shown(value)} is past step {MAX_STEPS:,}, the end of the longest piece "
            f"Segue opens ({bars})"
        )
    return value


def shown(value: object) -> str:
    """``repr(value)`` cut short: a hostile file must not make a message huge (or unprintable:
    Python refuses to turn an int of over 4,300 digits into text)."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value.bit_length() <= 64:
            return f"{value:,}"
        return "a number far too large" if value > 0 else "a number far below zero"
    text = repr(value) if isinstance(value, (str, int, float, bool, type(None))) else type(value).__name__
    return text if len(text) <= 40 else text[:37] + "..."


def melodies_from_json(text: str, what: str = "the melody list") -> list[Melody]:
    """Melodies from a JSON list of melody dicts (a model's ``NAME.openings.json``)."""
    data = _parse_json(text, what)
    if isinstance(data, dict) and "notes" in data:
        data = [data]
    if not isinstance(data, list):
        raise SessionError(f"{what} is not a list of melodies")
    return [melody_from_dict(item, f"{what}, melody {i + 1}") for i, item in enumerate(data)]


def melodies_to_json(melodies: Sequence[Melody]) -> str:
    """The JSON text :func:`melodies_from_json` reads back."""
    return json.dumps([melody_to_dict(m) for m in melodies], indent=1)


def read_melodies(path: str | Path) -> list[Melody]:
    """Melodies from a melody JSON file (one melody or a list); SessionError naming the file."""
    path = Path(path)

    def problem(_path, reason: str) -> SessionError:
        return SessionError(f"{path.name} could not be read: {reason}")

    data = read_regular(path, MAX_MELODY_FILE_BYTES, problem, "a melody file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise problem(path, _os_reason(exc)) from None
    return melodies_from_json(text, path.name)


def _parse_json(text: str | bytes, what: str) -> object:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise SessionError(f"{what} is not text (is it a Segue file?)") from None
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise SessionError(
            f"{what} is damaged or not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except RecursionError:
        raise SessionError(f"{what} is nested too deeply to be a Segue file") from None
    except _NotANumber as exc:
        raise SessionError(f"{what} is damaged: {exc}") from None
    except ValueError:  # Python refuses integers of over 4,300 digits
        raise SessionError(f"{what} is damaged: a number in it has thousands of digits") from None


class _NotANumber(ValueError):
    pass


def _refuse_constant(name: str):
    raise _NotANumber(f"{name} is not a number")


def _os_reason(exc: BaseException) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "it is not UTF-8 text"
    return getattr(exc, "strerror", None) or str(exc)
