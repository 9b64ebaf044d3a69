"""The ``.segue`` session format and the melody JSON format, Qt-free.

(Long on purpose: the format and the type and range check of every value in it are one job,
read together; a hostile file must meet all of them before anything is built.)

A melody is stored as (``melody_to_dict`` / ``melody_from_dict``)::

    {"steps_per_quarter": 4, "time_signature": [4, 4], "tempo": 120.0, "key": "D major",
     "notes": [{"pitch": 62, "start": 0, "length": 2, "velocity": 100}, ...]}

``key`` and each note's ``velocity`` may be left out (no key; velocity 100). The same format is
used by ``resources/demo_seed.json`` (one melody) and by each model's ``NAME.openings.json`` (a
JSON list of melodies, see :func:`melodies_from_json`).

A session (``session_to_dict`` / ``session_from_dict``, ``dumps`` / ``loads``) is::

    {"format": "segue-session", "schema_version": 1, "app_version": "0.1.0",
     "melody": {...}, "marker": 16, "generation": {...GenerationSettings...},
     "variations": [{...melody...}, ...], "current_variation": 0,
     "loop_region": [0, 16], "loop_on": true, "fill_range": null}

``loop_region`` (start and end step, or null for the whole piece) and ``loop_on`` are the
transport's loop, kept with the piece as a DAW keeps it with the project; both may be left out.
Pending variations hold only the continuation's notes, at absolute steps from the marker on;
with ``fill_range`` [start, end) they are fills of those steps (Generate > Fill) instead.
Readers accept any ``schema_version`` up to :data:`SCHEMA_VERSION` and refuse newer ones with a
message saying so; unknown generation settings are ignored so that small additions within one
schema version stay readable. Every problem is a :class:`SessionError` whose message says what is
wrong in a musician's words; callers add the file name.

Readers trust nothing in the file: every value is checked for its type and its range before any
object is built, so a hostile or damaged file is refused whole (nothing half-read replaces the
open piece). Steps (note starts and lengths, the marker, the loop) stop at :data:`MAX_STEPS`,
and the text at :data:`MAX_SESSION_CHARS`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from segue.engine import keys
from segue.engine.melody import DEFAULT_VELOCITY, Melody, Note
from segue.engine.ml.catalog import DEFAULT_MODEL

FORMAT_NAME = "segue-session"
SCHEMA_VERSION = 1
FILE_SUFFIX = ".segue"

KEY_LOCK_OFF = "off"
KEY_LOCK_AUTO = "auto"
TEMPERATURE_RANGE = (0.1, 2.0)
REST_WEIGHT_RANGE = (0.0, 2.0)
BARS_RANGE = (1, 32)
VARIATIONS_RANGE = (1, 8)
RNG_SEED_RANGE = (0, 2**31 - 1)
# The latest step a file may name: 62,500 bars of 4/4 at 4 steps per quarter, beyond the longest
# MIDI import (midi_io.MAX_BEATS quarters, a start plus a length), and small enough that the
# roll's scroll range stays within Qt's int at any zoom.
MAX_STEPS = 1_000_000
MAX_SESSION_CHARS = 64 * 1024 * 1024  # far above any real piece (a million notes is ~60 MB)
MAX_MODEL_NAME_CHARS = 4096  # a model is a name or a path


class SessionError(ValueError):
    """A session or melody document cannot be read; the message says why."""


# --- melodies ---------------------------------------------------------------------------------


def melody_to_dict(melody: Melody) -> dict:
    """A JSON-ready dict for ``melody`` (the format in the module docstring)."""
    return {
        "steps_per_quarter": melody.steps_per_quarter,
        "time_signature": list(melody.time_signature),
        "tempo": melody.tempo,
        "key": melody.key,
        "notes": [
            {"pitch": n.pitch, "start": n.start, "length": n.length, "velocity": n.velocity}
            for n in melody.notes
        ],
    }


def melody_from_dict(data: object, what: str = "the melody") -> Melody:
    """The melody stored in ``data``; SessionError naming ``what`` and the problem otherwise."""
    if not isinstance(data, dict):
        raise SessionError(f"{what} is not a melody description")
    raw_notes = data.get("notes", [])
    if not isinstance(raw_notes, list):
        raise SessionError(f"{what}: 'notes' must be a list")
    time_signature = data.get("time_signature", (4, 4))
    if not isinstance(time_signature, (list, tuple)) or len(time_signature) != 2:
        raise SessionError(f"{what}: the time signature must be two numbers such as [3, 4]")
    tempo, key = data.get("tempo", 120.0), data.get("key")
    if isinstance(tempo, bool) or not isinstance(tempo, (int, float)):
        raise SessionError(f"{what}: tempo must be a number, got {_shown(tempo)}")
    if isinstance(tempo, int) and tempo.bit_length() > 64:  # float() of it would overflow
        raise SessionError(f"{what}: tempo {_shown(tempo)} is outside 10-400 BPM")
    if key is not None and not isinstance(key, str):
        raise SessionError(f"{what}: the key must be a name such as 'C major', got {_shown(key)}")
    try:
        grid = Melody(
            steps_per_quarter=_whole(data.get("steps_per_quarter", 4), "steps per quarter", 1, 96),
            time_signature=tuple(
                _whole(v, "the time signature", 1, 64) for v in time_signature
            ),
            tempo=tempo,
            key=key,
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
    )


def _integer(value: object) -> int:
    # JSON writers (and hand edits) may write 4.0 for 4; anything else is refused by the caller.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value  # type: ignore[return-value]


def _whole(value: object, name: str, low: int, high: int) -> int:
    """``value`` as an int in ``low``-``high``; ValueError saying which and why otherwise."""
    value = _integer(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number, got {_shown(value)}")
    if not low <= value <= high:
        raise ValueError(f"{name} {_shown(value)} is outside {low}-{high}")
    return value


def _step(value: object, name: str, low: int, grid: Melody | None = None) -> int:
    """A step (position or length) in ``low``-MAX_STEPS, the limit said in bars of ``grid``."""
    value = _integer(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number of steps, got {_shown(value)}")
    if value < low:
        raise ValueError(f"{name} {value} is below {low}")
    if value > MAX_STEPS:
        bars = f"{MAX_STEPS // grid.steps_per_bar:,} bars of this meter" if grid is not None else "steps"
        raise ValueError(
            f"{name} {_shown(value)} is past step {MAX_STEPS:,}, the end of the longest piece "
            f"Segue opens ({bars})"
        )
    return value


def _shown(value: object) -> str:
    """``repr(value)`` cut short: a hostile file must not make a message huge (or unprintable:
    Python refuses to turn an int of over 4,300 digits into text)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}" if value.bit_length() <= 64 else "a number far too large"
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
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SessionError(f"{path.name} could not be read: {_os_reason(exc)}") from None
    return melodies_from_json(text, path.name)


# --- generation settings ----------------------------------------------------------------------


@dataclass(frozen=True)
class GenerationSettings:
    """How a continuation is made; saved with the session and in the app's settings.

    ``key_lock`` is ``'off'``, ``'auto'`` (the seed's key) or a key name such as ``'A minor'``.
    ``pitch_low``/``pitch_high`` bound the continuation's notes (MIDI numbers, both included).
    ``rng_seed`` with ``seed_locked`` set makes the same settings give the same result.
    ``follow_seed`` (0-1) is how strongly the continuation follows the seed's own motifs.
    """

    model: str = DEFAULT_MODEL
    temperature: float = 1.0
    rest_weight: float = 1.0
    bars: int = 4
    variations: int = 4
    key_lock: str = KEY_LOCK_OFF
    pitch_low: int = 36
    pitch_high: int = 96
    rng_seed: int = 0
    seed_locked: bool = False
    follow_seed: float = 0.0

    def __post_init__(self):
        if not isinstance(self.model, str) or not 0 < len(self.model) <= MAX_MODEL_NAME_CHARS:
            raise ValueError(f"model must be a name or path, got {_shown(self.model)}")
        _check_number("temperature", self.temperature, *TEMPERATURE_RANGE)
        _check_number("rest weight", self.rest_weight, *REST_WEIGHT_RANGE)
        _check_number("follow seed", self.follow_seed, 0, 1)
        _check_int("length in bars", self.bars, *BARS_RANGE)
        _check_int("number of variations", self.variations, *VARIATIONS_RANGE)
        _check_int("lowest pitch", self.pitch_low, 0, 127)
        _check_int("highest pitch", self.pitch_high, 0, 127)
        if self.pitch_low > self.pitch_high:
            raise ValueError(f"lowest pitch {self.pitch_low} is above highest pitch {self.pitch_high}")
        _check_int("random seed", self.rng_seed, *RNG_SEED_RANGE)
        if not isinstance(self.seed_locked, bool):
            raise ValueError(f"seed lock must be true or false, got {_shown(self.seed_locked)}")
        if self.key_lock not in (KEY_LOCK_OFF, KEY_LOCK_AUTO):
            try:
                canonical = keys.key_name(*keys.parse_key(self.key_lock))
            except ValueError:
                raise ValueError(
                    "key lock must be 'off', 'auto' or a key such as 'A minor', "
                    f"got {_shown(self.key_lock)}"
                ) from None
            object.__setattr__(self, "key_lock", canonical)
        object.__setattr__(self, "temperature", float(self.temperature))
        object.__setattr__(self, "rest_weight", float(self.rest_weight))
        object.__setattr__(self, "follow_seed", float(self.follow_seed))

    def replace(self, **changes) -> GenerationSettings:
        values = asdict(self)
        unknown = set(changes) - set(values)
        if unknown:
            raise ValueError(f"unknown generation settings: {', '.join(sorted(unknown))}")
        values.update(changes)
        return GenerationSettings(**values)

    def resolved_key(self, seed: Melody) -> str | None:
        """The key to lock to for ``seed``: None when off, the seed's key when auto."""
        return None if self.key_lock == KEY_LOCK_OFF else seed.resolved_key(self.key_lock)

    def steps(self, melody: Melody) -> int:
        """The continuation's length in grid steps for ``melody``'s meter."""
        return self.bars * melody.steps_per_bar

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: object) -> GenerationSettings:
        """Settings from a dict; missing entries take defaults, unknown ones are ignored."""
        if not isinstance(data, dict):
            raise SessionError("the generation settings are not a settings description")
        known = {f.name for f in fields(cls)}
        try:
            return cls(**{k: v for k, v in data.items() if k in known})
        except (TypeError, ValueError) as exc:
            raise SessionError(f"generation settings: {exc}") from None


def _check_number(name: str, value: object, low: float, high: float):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number, got {_shown(value)}")
    if not low <= value <= high:  # also refuses NaN; exact for ints of any size
        raise ValueError(f"{name} {_shown(value)} is outside {low:g}-{high:g}")


def _check_int(name: str, value: object, low: int, high: int):
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number, got {_shown(value)}")
    if not low <= value <= high:
        raise ValueError(f"{name} {_shown(value)} is outside {low}-{high}")


# --- sessions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Session:
    """Everything a ``.segue`` file holds."""

    melody: Melody
    marker: int = 0
    generation: GenerationSettings = field(default_factory=GenerationSettings)
    variations: tuple[Melody, ...] = ()
    current_variation: int = 0
    loop_region: tuple[int, int] | None = None  # (start, end) steps; None loops the whole piece
    fill_range: tuple[int, int] | None = None  # the pending variations fill these steps
    loop_on: bool = False

    def __post_init__(self):
        if not isinstance(self.melody, Melody):
            raise ValueError(f"the piece must be a melody, got {_shown(self.melody)}")
        _check_int("the continue marker", self.marker, 0, MAX_STEPS)
        object.__setattr__(self, "variations", tuple(self.variations))
        for i, variation in enumerate(self.variations):
            if not isinstance(variation, Melody):
                raise ValueError(f"pending variation {i + 1} is not a melody")
            if variation.steps_per_quarter != self.melody.steps_per_quarter:
                raise ValueError(
                    f"pending variation {i + 1} is on a grid of {variation.steps_per_quarter} "
                    f"steps per quarter, the piece on {self.melody.steps_per_quarter}"
                )
        count, current = len(self.variations), self.current_variation
        if isinstance(current, bool) or not isinstance(current, int):
            raise ValueError(f"the current variation must be a whole number, got {_shown(current)}")
        if count and not 0 <= current < count:
            raise ValueError(f"current variation {_shown(current + 1)} is not one of 1-{count}")
        if not count and current != 0:
            raise ValueError(
                f"current variation {_shown(current + 1)} is chosen but no variation is pending"
            )
        for name, label in (("loop_region", "the loop region"), ("fill_range", "the fill range")):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, _step_range(getattr(self, name), label))
        if self.fill_range is not None and not count:
            raise ValueError("a fill range is set but no variation is pending")
        if not isinstance(self.loop_on, bool):
            raise ValueError(f"loop on must be true or false, got {_shown(self.loop_on)}")


def _step_range(value, label: str) -> tuple[int, int]:
    region = tuple(value)
    if (
        len(region) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in region)
        or not 0 <= region[0] < region[1] <= MAX_STEPS
    ):
        raise ValueError(
            f"{label} must be two steps 0 <= start < end <= {MAX_STEPS:,}, "
            f"got {', '.join(_shown(v) for v in region[:3])}"
        )
    return region


def session_to_dict(session: Session) -> dict:
    from segue.engine import __version__

    return {
        "format": FORMAT_NAME,
        "schema_version": SCHEMA_VERSION,
        "app_version": __version__,
        "melody": melody_to_dict(session.melody),
        "marker": session.marker,
        "generation": session.generation.to_dict(),
        "variations": [melody_to_dict(v) for v in session.variations],
        "current_variation": session.current_variation,
        "loop_region": list(session.loop_region) if session.loop_region else None,
        "fill_range": list(session.fill_range) if session.fill_range else None,
        "loop_on": session.loop_on,
    }


def session_from_dict(data: object) -> Session:
    """The session in ``data``; SessionError for a foreign, newer or damaged document."""
    if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
        raise SessionError("it is not a Segue session")
    version = data.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise SessionError(f"its schema version {_shown(version)} is damaged")
    if version > SCHEMA_VERSION:
        made_by = data.get("app_version")
        by = f" (Segue {made_by})" if isinstance(made_by, str) else ""
        raise SessionError(
            f"it was saved by a newer Segue{by} in schema {version}; this version reads schema "
            f"{SCHEMA_VERSION} and older. Please update Segue to open it"
        )
    melody = melody_from_dict(data.get("melody"), "the melody")
    raw_variations = data.get("variations", [])
    if not isinstance(raw_variations, list):
        raise SessionError("the pending variations are not a list")
    variations = tuple(
        melody_from_dict(v, f"pending variation {i + 1}") for i, v in enumerate(raw_variations)
    )
    generation = GenerationSettings.from_dict(data.get("generation", {}))
    loop_region, fill_range = (
        _raw_range(data.get(key), label)
        for key, label in (("loop_region", "the loop region"), ("fill_range", "the fill range"))
    )
    try:
        return Session(
            melody,
            marker=_step(data.get("marker", melody.end), "the continue marker", 0, melody),
            generation=generation,
            variations=variations,
            current_variation=_integer(data.get("current_variation", 0)),
            loop_region=loop_region,
            loop_on=data.get("loop_on", False),
            fill_range=fill_range,
        )
    except ValueError as exc:
        raise SessionError(str(exc)) from None


def _raw_range(value, label: str) -> tuple | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise SessionError(f"{label} is not a pair of steps")
    return tuple(_integer(v) for v in value[:3])


def dumps(session: Session) -> str:
    """The ``.segue`` JSON text for ``session``."""
    return json.dumps(session_to_dict(session), indent=1) + "\n"


def loads(text: str | bytes) -> Session:
    """The session in ``.segue`` JSON text; SessionError (without the file name) otherwise."""
    if len(text) > MAX_SESSION_CHARS:
        raise SessionError(
            f"the file is over {MAX_SESSION_CHARS // 1024 // 1024} MB, too large to be a Segue session"
        )
    return session_from_dict(_parse_json(text, "the file"))


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
