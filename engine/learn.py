"""The material for learning a style (``segue-cli learn``, Generate > Learn a Style…): the
user's own files read into melodies, a tenth of them held out, and where the new model goes.

- Every MIDI, ABC and MusicXML file in the folder and its subfolders is read; the melody is
  the part import chooses (:mod:`engine.part_choice`); each tune of an ABC tune book is a
  piece of its own (``book.abc:3``). A piece needs :data:`MIN_NOTES` notes.
- A file that cannot be read is counted and named with the reason in the report; it never
  stops the others. A folder with no usable melody is one :class:`LearnError`.
- Held out: a tenth of the pieces (at least one, and at least one left to learn from), those
  with the lowest sha1 of their names, so the same folder always holds out the same pieces.
  Pieces given apart (the open piece) are always learnt from, never held out.
- Where the model goes: ``NAME`` in the user's models folder (the folder the model chooser
  lists last), or a path the user gives. A shipped model's name is refused (the shipped one
  would hide it); an existing model is replaced only when the caller says so.

Reading yields progress (files done, files in all), so a window shows it and can stop it.
No torch here: the learning itself is :mod:`engine.ml.style_learning`.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from pathlib import Path

from segue.engine.file_formats import is_melody_path, is_midi_path, kind_of
from segue.engine.melody import DEFAULT_STEPS_PER_QUARTER, Melody
from segue.engine.ml.catalog import model_folders, model_paths, shipped_models

MIN_NOTES = 4  # as the corpora (engine.corpus_sources.MIN_NOTES)
MAX_FILES = 20_000  # a folder of more is surely not one style (and would take hours)
HELD_OUT_SHARE = 0.1
SHOWN_NAMES = 10  # unreadable files the one-paragraph summary names (the report names all)
_NAME = re.compile(r"^[\w][\w .()+-]{0,79}$")


class LearnError(ValueError):
    """The folder, the name or the destination cannot be used; the message says why."""


@dataclass(frozen=True)
class Piece:
    """One melody to learn from: ``id`` is its file's path in the folder (``:N`` for the N-th
    tune of an ABC book)."""

    id: str
    melody: Melody


@dataclass(frozen=True)
class StyleMaterial:
    """What a learning run reads: the pieces learnt from, those held out, and what failed."""

    source: str  # the folder, as the user gave it
    train: tuple[Piece, ...]
    held_out: tuple[Piece, ...]
    files: int  # melody files found (readable or not)
    unreadable: tuple[tuple[str, str], ...] = ()  # (file, reason): could not be read
    unusable: tuple[tuple[str, str], ...] = ()  # (piece, reason): read, but no melody to use

    @property
    def pieces(self) -> int:
        return len(self.train) + len(self.held_out)

    def summary(self) -> str:
        """One paragraph: pieces, files, held out, and the files that failed (named)."""
        text = (
            f"{self.pieces} pieces from {self.files} files in {self.source}: "
            f"{len(self.train)} to learn from, {len(self.held_out)} held out to measure."
        ) if self.files else (
            f"{self.source}: {', '.join(p.id for p in self.train)} to learn from, "
            f"{', '.join(p.id for p in self.held_out)} held out to measure."
        )
        if self.unreadable:
            names = [f"{name} ({reason})" for name, reason in self.unreadable[:SHOWN_NAMES]]
            more = len(self.unreadable) - SHOWN_NAMES
            text += (f" {len(self.unreadable)} file(s) could not be read: {'; '.join(names)}"
                     + (f"; and {more} more" if more > 0 else "") + ".")
        if self.unusable:
            text += f" {len(self.unusable)} piece(s) left out (too short or empty)."
        return text

    def report_lines(self) -> list[str]:
        """Every unreadable file and every piece left out, one line each (the command line)."""
        lines = [f"  could not read {name}: {reason}" for name, reason in self.unreadable]
        return lines + [f"  left out {name}: {reason}" for name, reason in self.unusable]


# --- the held-out tenth ----------------------------------------------------------------------


def _hash(piece_id: str) -> str:
    return hashlib.sha1(piece_id.encode("utf-8")).hexdigest()


def split_pieces(
    pieces: Sequence[Piece], learnt_apart: int = 0
) -> tuple[tuple[Piece, ...], tuple[Piece, ...]]:
    """(learnt from, held out): the tenth (at least one) with the lowest hash of their ids
    held out, and at least one piece learnt from, counting ``learnt_apart`` pieces given
    apart; LearnError when that cannot be."""
    if not pieces or len(pieces) + learnt_apart < 2:
        raise LearnError(
            f"learning needs at least 2 pieces (one is held out to measure the model); "
            f"found {len(pieces) + learnt_apart}"
        )
    count = max(1, round(len(pieces) * HELD_OUT_SHARE))
    count = min(count, len(pieces) - (0 if learnt_apart else 1))
    held = {p.id for p in sorted(pieces, key=lambda p: _hash(p.id))[:count]}
    return (tuple(p for p in pieces if p.id not in held), tuple(p for p in pieces if p.id in held))


# --- reading a folder ------------------------------------------------------------------------


def melody_files(folder: str | os.PathLike) -> list[Path]:
    """The MIDI, ABC and MusicXML files in ``folder`` and below, sorted; LearnError when the
    folder is missing, holds none, or holds more than :data:`MAX_FILES`."""
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise LearnError(f"{str(root)!r} is not a folder")
    files = []
    for path in sorted(root.rglob("*")):
        if is_melody_path(path) and path.is_file() and not path.name.startswith("."):
            files.append(path)
            if len(files) > MAX_FILES:
                raise LearnError(f"{str(root)!r} holds more than {MAX_FILES:,} music files; "
                                 "choose a folder of one style")
    if not files:
        raise LearnError(f"{str(root)!r} holds no MIDI, ABC or MusicXML files "
                         "(.mid, .midi, .abc, .musicxml, .xml, .mxl)")
    return files


def read_file(path: Path, steps_per_quarter: int = DEFAULT_STEPS_PER_QUARTER) -> list[Melody]:
    """The melodies of one file: its melody part, or every tune of an ABC book. Raises the
    import's own errors (``FileProblem``) for a file that cannot be read."""
    if is_midi_path(path):
        from segue.engine.midi_io import import_midi  # noqa: PLC0415

        return [import_midi(path, None, steps_per_quarter).melody]
    from segue.engine.notation import parse_notation  # noqa: PLC0415 - loads music21 once

    parsed = parse_notation(path)
    if kind_of(path) == "abc" and parsed.parts and parsed.parts[0].kind == "tune":
        return [parsed.import_part(part.index, steps_per_quarter).melody for part in parsed.parts]
    return [parsed.import_part(None, steps_per_quarter).melody]


def _reason(error: Exception) -> str:
    reason = getattr(error, "reason", None)  # a FileProblem's reason, without the file name
    if isinstance(reason, str) and reason:
        return reason
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text[:200]


def iter_read_folder(
    folder: str | os.PathLike,
    *,
    steps_per_quarter: int = DEFAULT_STEPS_PER_QUARTER,
    extra: Sequence[Piece] = (),
    should_stop: Callable[[], bool] = lambda: False,
) -> Generator[tuple[int, int], None, StyleMaterial]:
    """Read the folder, yielding (files done, files in all); returns the material.

    ``extra`` pieces (the open piece) are learnt from and never held out. LearnError when the
    folder holds no usable melody (the message counts and names what failed) or when
    ``should_stop`` says so.
    """
    root = Path(folder).expanduser()
    files = melody_files(root)
    pieces: list[Piece] = []
    unreadable: list[tuple[str, str]] = []
    unusable: list[tuple[str, str]] = []
    for done, path in enumerate(files):
        yield done, len(files)
        if should_stop():
            raise LearnError("stopped while reading the folder")
        name = path.relative_to(root).as_posix()
        try:
            melodies = read_file(path, steps_per_quarter)
        except Exception as error:  # noqa: BLE001 - a bad file is named, never fatal
            unreadable.append((name, _reason(error)))
            continue
        for number, melody in enumerate(melodies, 1):
            piece_id = name if len(melodies) == 1 else f"{name}:{number}"
            if len(melody.notes) < MIN_NOTES:
                unusable.append((piece_id, f"{len(melody.notes)} notes, fewer than {MIN_NOTES}"))
            else:
                pieces.append(Piece(piece_id, melody))
    yield len(files), len(files)
    if not pieces:
        details = []
        if unreadable:
            named = "; ".join(f"{n} ({why})" for n, why in unreadable[:SHOWN_NAMES])
            details.append(f"{len(unreadable)} could not be read: {named}")
        if unusable:
            details.append(f"{len(unusable)} too short")
        raise LearnError(f"no usable melody in the {len(files)} file(s) of {str(folder)!r}"
                         + (f" ({'; '.join(details)})" if details else ""))
    train, held_out = split_pieces(pieces, len(extra))
    return StyleMaterial(str(folder), (*extra, *train), held_out, len(files),
                         tuple(unreadable), tuple(unusable))


MIN_OPEN_PIECE_BARS = 4  # three bars to learn from, one held out to measure


def open_piece_material(melody: Melody, name: str = "the open piece") -> StyleMaterial:
    """The open piece alone as material: its last tenth of bars (at least one bar) held out to
    measure, the bars before learnt from; LearnError when it is too short for that."""
    bars = melody.bar_end(melody.end) // melody.steps_per_bar
    if bars < MIN_OPEN_PIECE_BARS or len(melody.notes) < 2 * MIN_NOTES:
        raise LearnError(
            f"{name} is too short to learn from alone ({bars} bars, {len(melody.notes)} notes): "
            f"learning holds out its last bars to measure, so it needs {MIN_OPEN_PIECE_BARS} bars "
            f"and {2 * MIN_NOTES} notes; choose a folder of pieces as well"
        )
    cut = (bars - max(1, round(bars * HELD_OUT_SHARE))) * melody.steps_per_bar
    learnt, held = melody.slice(0, cut), melody.slice(cut, melody.bar_end(melody.end))
    if len(learnt.notes) < MIN_NOTES or len(held.notes) < MIN_NOTES:
        raise LearnError(f"{name} has too few notes in its first or its last bars to learn from "
                         "alone; choose a folder of pieces as well")
    last_bar = bars - round(bars * HELD_OUT_SHARE) or 1
    return StyleMaterial(name, (Piece(f"{name}, bars 1-{last_bar}", learnt),),
                         (Piece(f"{name}, bars {last_bar + 1}-{bars}", held),), 0)


def read_folder(folder: str | os.PathLike, **kwargs) -> StyleMaterial:
    """:func:`iter_read_folder` to the end."""
    reading = iter_read_folder(folder, **kwargs)
    try:
        while True:
            next(reading)
    except StopIteration as stop:
        return stop.value


# --- the name and the destination ------------------------------------------------------------


def check_model_name(name: str) -> str:
    """``name`` stripped, if it can be a model's file name; LearnError otherwise."""
    name = (name or "").strip()
    if not _NAME.match(name) or name.lower().endswith((".json", ".safetensors", ".md")):
        raise LearnError(
            f"{name!r} cannot be a model's name: use letters, digits, spaces, '-', '_' or '.', "
            "up to 80 characters"
        )
    return name


def default_name(folder: str | os.PathLike) -> str:
    """The folder's own name, made fit for a model's name (``style`` when nothing is left)."""
    cleaned = re.sub(r"[^\w .()+-]", "-", Path(folder).expanduser().resolve().name).strip(" .-")
    return cleaned[:80] or "style"


def learned_models_dir() -> Path:
    """Where learnt models go: the last folder models are looked up in (the user's models
    folder, or ``$SEGUE_MODELS_DIR`` when set), so the chooser lists them."""
    return model_folders()[-1]


def destination(name: str | None = None, out: str | os.PathLike | None = None) -> Path:
    """The new model's path without suffix: ``out`` when given, else ``name`` in
    :func:`learned_models_dir`; LearnError for a bad name or a shipped model's name."""
    if out is not None:
        path = Path(out).expanduser()
        return path.with_suffix("") if path.suffix.lower() in (".json", ".safetensors") else path
    name = check_model_name(name or "")
    folders = model_folders()
    shipped = shipped_models(folders[0]) if len(folders) > 1 else []
    if name in shipped:
        raise LearnError(f"{name!r} is a model that comes with Segue; choose another name")
    return learned_models_dir() / name


def model_exists(path: str | os.PathLike) -> bool:
    """Whether a model (its card or its weights) is already at ``path``."""
    return any(p.exists() for p in model_paths(path))
