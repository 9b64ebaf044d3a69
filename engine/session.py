"""The ``.segue`` session format, Qt-free: a :class:`engine.piece.Piece` and its generation
settings, and the one pair that reads and writes the files (:func:`read_session`,
:func:`write_session`, raising :class:`SessionFileError`, a
:class:`engine.files.FileProblem`). The GUI's session files, autosave and ``segue-cli
convert`` all use that pair.

(Long on purpose: the format and the type and range check of every value in it are one job,
read together; a hostile file must meet all of them before anything is built.)

Melodies are stored in the melody JSON format of :mod:`engine.melody_json` (its names are
importable from here too). A session (``session_to_dict`` / ``session_from_dict``, ``dumps`` /
``loads``) is::

    {"format": "segue-session", "schema_version": 1, "app_version": "0.1.0",
     "melody": {...}, "chords": [], "marker": 16, "generation": {...GenerationSettings...},
     "variations": [{...melody...}, ...], "current_variation": 0, "phrase_end": 32,
     "loop_region": [0, 16], "loop_on": true, "fill_range": null,
     "accompaniment": {"on": true, "style": "auto", "program": 24, "volume": 80, "channel": 2}}

``loop_region`` (start and end step, or null for the whole piece) and ``loop_on`` are the
transport's loop, kept with the piece as a DAW keeps it with the project; both may be left out.
Pending variations hold only the continuation's notes, at absolute steps from the marker on;
with ``fill_range`` [start, end) they are fills of those steps (Generate > Fill) instead.
``phrase_end`` is where pending continuations were asked to end (Accept moves the marker
there); ``chords`` is the chord track, ``[{"start": 0, "length": 16, "symbol": "Am7"}, ...]``
(lead-sheet symbols, :mod:`engine.chords`), in order, never overlapping, none past the piece's
end (:attr:`engine.piece.Piece.end`: a save leaves out what lies past it, as
:meth:`~engine.piece.Piece.with_chords` cuts). Both may be left out. ``accompaniment`` is how
the chords are played (:class:`engine.accompaniment.AccompanimentSettings`); a session without
it (an older one) plays them with the defaults, and an entry it does not know is ignored.
Readers accept any ``schema_version`` up to :data:`SCHEMA_VERSION` and refuse newer ones with a
message saying so; unknown generation settings are ignored so that small additions within one
schema version stay readable. Every problem in the text is a :class:`SessionError` whose message
says what is wrong in a musician's words; :func:`read_session` adds the file name.

Readers trust nothing in the file: every value is checked for its type and its range before any
object is built, so a hostile or damaged file is refused whole (nothing half-read replaces the
open piece). Steps (note starts and lengths, the marker, the loop) stop at :data:`MAX_STEPS`,
notes and pending variations at :mod:`engine.limits`' counts, and the text at
:data:`MAX_SESSION_CHARS`. A :class:`Session` meets the same limits when it is built, so a save
refuses (:class:`SessionSaveError`) any piece a load would refuse: Segue never writes a session
it cannot open again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from segue.engine import file_formats, limits
from segue.engine.accompaniment import AccompanimentSettings
from segue.engine.chords import Chord
from segue.engine.files import FileProblem, read_regular, write_atomically, write_reason
from segue.engine.melody_json import (  # noqa: F401 - the melody format's names, read here too
    MAX_STEPS,
    SessionError,
    _integer,
    _os_reason,
    _parse_json,
    _step,
    check_int,
    melodies_from_json,
    melodies_to_json,
    melody_from_dict,
    melody_to_dict,
    read_melodies,
    shown,
)
from segue.engine.ml.request import GenerationSettings
from segue.engine.pending_chords import suggestion_from_dict, suggestion_to_dict
from segue.engine.piece import Piece

FORMAT_NAME = "segue-session"
SCHEMA_VERSION = 1
FILE_SUFFIX = file_formats.SESSION.suffix
# Above the largest session the limits allow (a piece and 8 variations of 100,000 notes each,
# on the finest grid near the last step, is about 84 MB), so every file Segue writes opens again.
MAX_SESSION_CHARS = 128 * 1024 * 1024


# --- sessions ---------------------------------------------------------------------------------


class SessionFileError(FileProblem):
    """A ``.segue`` file cannot be opened: ``.path``, ``.reason`` and the message
    ``Cannot open '<name>': <reason>.``"""

    action = "open"


class SessionSaveError(SessionFileError):
    """A ``.segue`` file cannot be saved (the disk, or a piece beyond what a file keeps)."""

    action = "save"


@dataclass(frozen=True)
class Session:
    """Everything a ``.segue`` file holds: the piece, how its continuations are made and how
    its chords are played."""

    piece: Piece
    generation: GenerationSettings = field(default_factory=GenerationSettings)
    accompaniment: AccompanimentSettings = field(default_factory=AccompanimentSettings)

    def __post_init__(self):
        if not isinstance(self.piece, Piece):
            raise ValueError(f"a session holds a piece, got {shown(self.piece)}")
        if not isinstance(self.generation, GenerationSettings):
            raise ValueError(f"a session holds generation settings, got {shown(self.generation)}")
        if self.accompaniment is None:  # as write_session takes it: the defaults
            object.__setattr__(self, "accompaniment", AccompanimentSettings())
        if not isinstance(self.accompaniment, AccompanimentSettings):
            raise ValueError(f"a session holds accompaniment settings, got "
                             f"{shown(self.accompaniment)}")
        # One key lock: the settings save it, the piece answers with it.
        object.__setattr__(self, "piece", self.piece.replace(key_lock=self.generation.key_lock))
        # Chords past the piece's end (the melody shortened after they were set) are not kept.
        object.__setattr__(self, "piece", self.piece.with_chords(self.piece.chords))
        piece = self.piece
        for chords in (piece.chords, *piece.variation_chords):
            limits.check_chord_count(len(chords))
        # The limits every way in meets (engine.limits): checked here, so a save refuses what
        # a load would refuse, and a load builds nothing beyond them.
        limits.check_melody(piece.melody, "the piece")
        limits.check_variations(len(piece.variations))
        for i, variation in enumerate(piece.variations):
            limits.check_melody(variation, f"pending variation {i + 1}")
        check_int("the continue marker", piece.marker, 0, MAX_STEPS)
        if piece.phrase_end is not None:
            check_int("the phrase end", piece.phrase_end, 0, MAX_STEPS)
        for label, region in (("the loop region", piece.loop_region),
                              ("the fill range", piece.fill_range)):
            if region is not None:
                _step_range(region, label)


def _step_range(value, label: str) -> tuple[int, int]:
    region = tuple(value)
    if (
        len(region) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in region)
        or not 0 <= region[0] < region[1] <= MAX_STEPS
    ):
        raise ValueError(
            f"{label} must be two steps 0 <= start < end <= {MAX_STEPS:,}, "
            f"got {', '.join(shown(v) for v in region[:3])}"
        )
    return region


def session_to_dict(session: Session) -> dict:
    from segue.engine import __version__

    piece = session.piece
    return {
        "format": FORMAT_NAME,
        "schema_version": SCHEMA_VERSION,
        "app_version": __version__,
        "melody": melody_to_dict(piece.melody),
        "chords": _chords_to_list(piece.chords),
        "marker": piece.marker,
        "generation": session.generation.to_dict(),
        "variations": [melody_to_dict(v) for v in piece.variations],
        "variation_chords": [_chords_to_list(chords) for chords in piece.variation_chords],
        "chord_suggestion": (None if piece.chord_suggestion is None
                             else suggestion_to_dict(piece.chord_suggestion)),
        "current_variation": piece.current,
        "phrase_end": piece.phrase_end,
        "loop_region": list(piece.loop_region) if piece.loop_region else None,
        "fill_range": list(piece.fill_range) if piece.fill_range else None,
        "loop_on": piece.loop_on,
        "accompaniment": session.accompaniment.to_dict(),
    }


def session_from_dict(data: object) -> Session:
    """The session in ``data``; SessionError for a foreign, newer or damaged document."""
    if not isinstance(data, dict) or data.get("format") != FORMAT_NAME:
        raise SessionError("it is not a Segue session")
    version = data.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise SessionError(f"its schema version {shown(version)} is damaged")
    if version > SCHEMA_VERSION:
        made_by = data.get("app_version")
        by = f" (Segue {made_by})" if isinstance(made_by, str) else ""
        raise SessionError(
            f"it was saved by a newer Segue{by} in schema {version}; this version reads schema "
            f"{SCHEMA_VERSION} and older. Please update Segue to open it"
        )
    raw_variations = data.get("variations", [])
    if not isinstance(raw_variations, list):
        raise SessionError("the pending variations are not a list")
    try:  # before any melody is built: a hostile file may list a million
        limits.check_variations(len(raw_variations))
    except ValueError as exc:
        raise SessionError(str(exc)) from None
    melody = melody_from_dict(data.get("melody"), "the melody")
    variations = tuple(
        melody_from_dict(v, f"pending variation {i + 1}") for i, v in enumerate(raw_variations)
    )
    chords = _chords_from_list(data.get("chords", []), melody)
    raw_variation_chords = data.get("variation_chords", [])
    if not isinstance(raw_variation_chords, list) or (
            raw_variation_chords and len(raw_variation_chords) != len(variations)):
        raise SessionError("the pending variations' chords are not one list per variation")
    variation_chords = tuple(
        _chords_from_list(raw, melody, f"pending variation {i + 1}'s chord")
        for i, raw in enumerate(raw_variation_chords)
    )
    try:
        generation = GenerationSettings.from_dict(data.get("generation", {}))
        accompaniment = AccompanimentSettings.from_dict(data.get("accompaniment", {}))
    except ValueError as exc:
        raise SessionError(str(exc)) from None
    loop_region, fill_range = (
        _raw_range(data.get(key), label)
        for key, label in (("loop_region", "the loop region"), ("fill_range", "the fill range"))
    )
    try:
        current = _current_variation(_integer(data.get("current_variation", 0)), len(variations))
        phrase_end = data.get("phrase_end")
        piece = Piece(
            melody,
            marker=_step(data.get("marker", melody.end), "the continue marker", 0, melody),
            variations=variations,
            current=current,
            fill_range=None if fill_range is None else _step_range(fill_range, "the fill range"),
            phrase_end=None if phrase_end is None else _step(phrase_end, "the phrase end", 0, melody),
            loop_region=None if loop_region is None else _step_range(loop_region, "the loop region"),
            loop_on=_flag(data.get("loop_on", False), "loop on"),
            key_lock=generation.key_lock,  # saved with the generation settings, as the panel shows it
            chords=chords,
            variation_chords=variation_chords,
            chord_suggestion=None if data.get("chord_suggestion") is None else suggestion_from_dict(
                data["chord_suggestion"], MAX_STEPS),
        )
        return Session(piece, generation, accompaniment)
    except ValueError as exc:
        raise SessionError(str(exc)) from None


def _chords_to_list(chords) -> list[dict]:
    return [{"start": c.start, "length": c.length, "symbol": c.symbol} for c in chords]


def _chords_from_list(raw: object, grid, label: str = "chord") -> tuple[Chord, ...]:
    """A chord track of a session: each entry checked for its type and range first."""
    if not isinstance(raw, list):
        raise SessionError(f"the {label}s are not a list")
    try:  # before any chord is built: a hostile file may list millions
        limits.check_chord_count(len(raw))
    except ValueError as exc:
        raise SessionError(str(exc)) from None
    chords = []
    for i, entry in enumerate(raw):
        what = f"{label} {i + 1}"
        try:
            if not isinstance(entry, dict):
                raise ValueError(f"it is not a chord entry, got {shown(entry)}")
            symbol = entry.get("symbol")
            if not isinstance(symbol, str):
                raise ValueError(f"its symbol must be text, got {shown(symbol)}")
            chords.append(Chord(
                _step(entry.get("start"), "its start", 0, grid),
                _step(entry.get("length"), "its length", 1, grid),
                symbol,
            ))
        except ValueError as exc:
            raise SessionError(f"{what}: {exc}") from None
    return tuple(chords)


def _current_variation(current: object, count: int) -> int:
    if isinstance(current, bool) or not isinstance(current, int):
        raise ValueError(f"the current variation must be a whole number, got {shown(current)}")
    if count and not 0 <= current < count:
        raise ValueError(f"current variation {shown(current + 1)} is not one of 1-{count}")
    if not count and current != 0:
        raise ValueError(
            f"current variation {shown(current + 1)} is chosen but no variation is pending"
        )
    return current


def _flag(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be true or false, got {shown(value)}")
    return value


def _raw_range(value, label: str) -> tuple | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise SessionError(f"{label} is not a pair of steps")
    return tuple(_integer(v) for v in value[:3])


def read_session(path: str | Path) -> Session:
    """The session in the file ``path``; :class:`SessionFileError` naming it and the reason."""
    path = Path(path)
    # A regular file within the cap only: no FIFO, device or link to one (engine.files).
    data = read_regular(path, MAX_SESSION_CHARS, SessionFileError, "a Segue session")
    try:
        return loads(data)
    except SessionError as exc:
        raise SessionFileError(path, str(exc)) from None


def write_session(
    path: str | Path, piece: Piece, generation: GenerationSettings | None = None,
    extra: dict | None = None, accompaniment: AccompanimentSettings | None = None,
) -> None:
    """Write ``piece`` (with ``generation`` and ``accompaniment``, the defaults when None) to
    ``path`` atomically (``extra`` adds top-level entries that never replace the session's);
    :class:`SessionSaveError` naming the file."""
    path = Path(path)
    try:
        generation = generation or GenerationSettings(key_lock=piece.key_lock)
        accompaniment = accompaniment or AccompanimentSettings()
        data = session_to_dict(Session(piece, generation, accompaniment))
    except ValueError as exc:  # a piece beyond what a session keeps (engine.limits)
        raise SessionSaveError(path, str(exc)) from None
    data.update({k: v for k, v in (extra or {}).items() if k not in data})
    text = (json.dumps(data, indent=1) + "\n").encode("utf-8")
    if len(text) > MAX_SESSION_CHARS:  # never write what read_session refuses
        raise SessionSaveError(path, f"it would be over {limits.size_words(MAX_SESSION_CHARS)}, "
                                     "more than a Segue session holds")
    try:
        write_atomically(path, text)
    except OSError as exc:
        raise SessionSaveError(path, write_reason(exc)) from None


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
