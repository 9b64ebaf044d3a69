"""Training corpora: turn a collection of tunes into a cached, compact dataset of melodies.

The sources and the grid rules that turn their files into melodies are in
:mod:`engine.corpus_sources`; this module builds, splits and caches the result.
The split is fixed by the tune id and never changes: see :func:`split_of`.
The cache (``<cache_dir>/<name>.npz``) is rebuilt only when the source files change, and is
written atomically. A tune's chords (the ``nottingham`` corpus has them) are kept in the cache's
tune list as ``[start, length, symbol]``; a cache without them loads with no chords.
A corpus built on the 12-step grid (``grid=12``: triplets kept, see
:mod:`engine.corpus_sources`) has a cache of its own, ``<name>-12.npz``, beside the 4-step one.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import time
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from segue.engine.chords import Chord
from segue.engine.corpus_sources import (
    MUSIC21_SOURCES,
    NOTTINGHAM,
    STEPS_PER_QUARTER,
    CorpusError,
    check_grid,
    parser_for,
    source_files,
)
from segue.engine.files import write_atomically
from segue.engine.grid import regrid, regrid_chords
from segue.engine.melody import Melody, Note

CACHE_FORMAT = 1
SPLITS = ("train", "validation", "test")
def split_of(tune_id: str) -> str:
    """The fixed split of a tune: sha1 of its id mod 10; 0 is test, 1 validation, else train."""
    h = int(hashlib.sha1(tune_id.encode()).hexdigest(), 16) % 10
    return "test" if h == 0 else "validation" if h == 1 else "train"


@dataclass(frozen=True)
class Tune:
    """One tune of a corpus: a stable id, its melody and its chords (in order; often none)."""

    id: str
    melody: Melody
    chords: tuple[Chord, ...] = ()

    @property
    def split(self) -> str:
        return split_of(self.id)

    def on_grid(self, steps_per_quarter: int) -> Tune:
        """The tune, melody and chords, on ``steps_per_quarter`` (:mod:`engine.grid`'s rule:
        exact onto a multiple of its grid); itself when already there."""
        old = self.melody.steps_per_quarter
        if old == steps_per_quarter:
            return self
        return Tune(self.id, regrid(self.melody, steps_per_quarter),
                    regrid_chords(self.chords, old, steps_per_quarter))


@dataclass
class BuildReport:
    name: str
    counts: dict = field(default_factory=dict)  # split -> tunes kept
    skipped: dict = field(default_factory=dict)  # reason -> tunes skipped
    adjusted: dict = field(default_factory=dict)  # what was changed but kept -> count
    chords: dict = field(default_factory=dict)  # tunes with chords, chords, beat share; or {}
    seconds: float = 0.0
    cached: bool = False  # True when the cache was up to date and nothing was parsed
    path: str = ""
    grid: int = STEPS_PER_QUARTER  # steps per quarter of the cache's melodies

    def summary(self) -> str:
        total = sum(self.counts.values())
        on_grid = f" (on {self.grid} steps per quarter)" if self.grid != STEPS_PER_QUARTER else ""
        lines = [
            f"corpus {self.name}{on_grid}: {total} tunes "
            + ", ".join(f"{split} {self.counts.get(split, 0)}" for split in SPLITS),
            f"  skipped {sum(self.skipped.values())}"
            + "".join(f"; {reason}: {n}" for reason, n in sorted(self.skipped.items())),
        ]
        if self.adjusted:
            lines.append("  kept with changes: " + "; ".join(f"{k}: {n}" for k, n in sorted(self.adjusted.items())))
        if self.chords.get("chords"):
            with_chords = self.chords["tunes with chords"]
            lines.append(
                f"  chords: {self.chords['chords']} in {with_chords} tunes "
                f"({self.chords['chords'] / max(1, with_chords):.1f} a tune); "
                f"{self.chords['beat share']:.1%} of beats under a chord"
            )
        lines.append(
            f"  {'cache up to date' if self.cached else f'built in {self.seconds:.1f} s'}: {self.path}"
        )
        return "\n".join(lines)


def default_cache_dir() -> Path:
    env = os.environ.get("SEGUE_CACHE_DIR")
    base = Path(env) if env else Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "segue"
    return base / "corpora"


def cache_path(
    name: str, cache_dir: str | os.PathLike | None = None, grid: int = STEPS_PER_QUARTER
) -> Path:
    return Path(cache_dir or default_cache_dir()) / f"{cache_name(name, grid)}.npz"


def cache_name(name: str, grid: int = STEPS_PER_QUARTER) -> str:
    """The cache's file name without suffix; ``-12`` marks one on the 12-step grid."""
    suffix = "" if check_grid(grid) == STEPS_PER_QUARTER else f"-{grid}"
    if name in MUSIC21_SOURCES or name == NOTTINGHAM:
        return name + suffix
    folder = Path(name).expanduser().resolve()
    return f"folder-{folder.name}-{hashlib.sha1(str(folder).encode()).hexdigest()[:8]}{suffix}"


def _fingerprint(files: list[tuple[str, Path]], grid: int = STEPS_PER_QUARTER) -> str:
    on_grid = "" if grid == STEPS_PER_QUARTER else f" grid {grid}"  # the 4-step one as before
    h = hashlib.sha1(f"format {CACHE_FORMAT}{on_grid}".encode())
    for collection, path in files:
        stat = path.stat()
        h.update(f"{collection}|{path.name}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return h.hexdigest()


# --- building and loading ---------------------------------------------------------------------


def build_corpus(
    name: str,
    cache_dir: str | os.PathLike | None = None,
    workers: int | None = None,
    progress: bool = True,
    force: bool = False,
    source: str | os.PathLike | None = None,
    grid: int = STEPS_PER_QUARTER,
) -> BuildReport:
    """Parse a source into ``<cache_dir>/<name>.npz`` unless the cache is up to date;
    ``source`` is the folder the ``nottingham`` corpus is built from; ``grid`` 12 builds the
    12-step cache (``<name>-12.npz``, module docstring)."""
    started = time.perf_counter()
    grid = check_grid(grid)
    files = source_files(name, source)
    fingerprint = _fingerprint(files, grid)
    path = cache_path(name, cache_dir, grid)
    report = BuildReport(name=name, path=str(path), grid=grid)
    if not force and path.exists():
        try:
            meta = _read_meta(path)
        except CorpusError:
            meta = {}
        if meta.get("fingerprint") == fingerprint:
            report.counts, report.skipped = meta["counts"], meta["skipped"]
            report.adjusted, report.cached = meta.get("adjusted", {}), True
            report.chords = meta.get("chords", {})
            report.seconds = time.perf_counter() - started
            return report

    parse = parser_for(name, grid)
    # Largest files first so the last worker does not finish alone with a big one.
    tasks = sorted(((c, str(p)) for c, p in files), key=lambda t: -os.path.getsize(t[1]))
    workers = workers or os.cpu_count() or 1
    records, skipped, adjusted = [], Counter(), Counter()
    bar = _progress_bar(len(tasks), f"parsing {name}", progress)
    if workers == 1:
        results: Iterable = map(parse, tasks)
        pool = None
    else:
        pool = ProcessPoolExecutor(max_workers=workers)
        results = pool.map(parse, tasks, chunksize=1)
    try:
        for file_records, file_skipped, file_adjusted in results:
            records += file_records
            skipped.update(file_skipped)
            adjusted.update(file_adjusted)
            bar.update(1)
    finally:
        bar.close()
        if pool:
            pool.shutdown(cancel_futures=True)

    records.sort(key=lambda r: r[0])
    records = _drop_duplicate_ids(records, skipped)
    report.counts = dict(Counter(split_of(r[0]) for r in records))
    report.counts = {split: report.counts.get(split, 0) for split in SPLITS}
    report.skipped, report.adjusted = dict(skipped), dict(adjusted)
    report.chords = _chord_counts(records)
    _write_cache(path, records, {
        "format": CACHE_FORMAT,
        "name": name,
        "fingerprint": fingerprint,
        "counts": report.counts,
        "skipped": report.skipped,
        "adjusted": report.adjusted,
        "chords": report.chords,
    } | ({"grid": grid} if grid != STEPS_PER_QUARTER else {}))
    report.seconds = time.perf_counter() - started
    return report


def _chord_counts(records: list) -> dict:
    """Tunes with chords, chords, and the share of all tunes' beats (to each tune's last bar
    line) that a chord sounds on; {} for a corpus without chords."""
    with_chords = sum(1 for r in records if len(r) > 6 and r[6])
    if not with_chords:
        return {}
    beats = covered = 0
    for record in records:
        grid = Melody(steps_per_quarter=record[2], time_signature=tuple(record[3]))
        beat = grid.steps_per_beat
        end = grid.bar_end(max((row[1] + row[2] for row in record[1]), default=0))
        beats += end // beat
        chords = record[6] if len(record) > 6 else ()
        covered += sum(
            1 for step in range(0, end, beat)
            if any(start <= step < start + length for start, length, _ in chords)
        )
    return {
        "tunes with chords": with_chords,
        "chords": sum(len(r[6]) for r in records if len(r) > 6),
        "beat share": covered / max(1, beats),
    }


def _drop_duplicate_ids(records: list, skipped: Counter) -> list:
    unique, seen = [], set()
    for record in records:
        if record[0] in seen:
            skipped["duplicate id"] += 1
            continue
        seen.add(record[0])
        unique.append(record)
    return unique


def _progress_bar(total: int, description: str, enabled: bool):
    if enabled:
        from tqdm import tqdm  # noqa: PLC0415

        return tqdm(total=total, desc=description, unit="file")

    class _Silent:
        def update(self, n):
            pass

        def close(self):
            pass

    return _Silent()


def _write_cache(path: Path, records: list, meta: dict) -> None:
    notes = [note for record in records for note in record[1]]
    offsets = np.cumsum([0] + [len(record[1]) for record in records]).astype(np.int64)
    tunes = [
        {"id": r[0], "spq": r[2], "ts": list(r[3]), "tempo": r[4], "key": r[5]}
        | ({"chords": [list(c) for c in r[6]]} if len(r) > 6 and r[6] else {})
        for r in records
    ]
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        notes=np.asarray(notes, dtype=np.int32).reshape(-1, 4),
        offsets=offsets,
        tunes=np.frombuffer(json.dumps(tunes).encode(), dtype=np.uint8),
        meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, buffer.getvalue())


def _open_cache(path: Path):
    if not path.exists():
        raise CorpusError(f"corpus cache {str(path)!r} does not exist: run 'segue-cli corpus build'")
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise CorpusError(f"corpus cache {str(path)!r} is damaged ({exc}): build it again") from None


def _read_meta(path: Path) -> dict:
    with _open_cache(path) as data:
        try:
            return json.loads(bytes(data["meta"]))
        except (KeyError, ValueError):
            raise CorpusError(f"corpus cache {str(path)!r} is damaged: build it again") from None


def load_corpus(
    name: str, split: str | None = None, cache_dir: str | os.PathLike | None = None,
    grid: int = STEPS_PER_QUARTER,
) -> list[Tune]:
    """The tunes of a built corpus, all or one split ('train', 'validation', 'test'), from
    its cache on ``grid`` steps per quarter."""
    if split is not None and split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, got {split!r}")
    path = cache_path(name, cache_dir, grid)
    if grid != STEPS_PER_QUARTER and not path.exists():
        raise CorpusError(f"corpus cache {str(path)!r} does not exist: run 'segue-cli corpus "
                          f"build {name} --grid {grid}'")
    with _open_cache(path) as data:
        try:
            meta = json.loads(bytes(data["meta"]))
            tunes_meta = json.loads(bytes(data["tunes"]))
            notes, offsets = data["notes"], data["offsets"]
        except (KeyError, ValueError):
            raise CorpusError(f"corpus cache {str(path)!r} is damaged: build it again") from None
    if meta.get("format") != CACHE_FORMAT:
        raise CorpusError(f"corpus cache {str(path)!r} is from another Segue version: build it again")
    tunes = []
    for i, info in enumerate(tunes_meta):
        if split is not None and split_of(info["id"]) != split:
            continue
        rows = notes[offsets[i]:offsets[i + 1]].tolist()
        melody = Melody(
            [Note(*row) for row in rows], info["spq"], tuple(info["ts"]), info["tempo"], info["key"]
        )
        try:
            chords = tuple(Chord(*chord) for chord in info.get("chords", ()))
        except (TypeError, ValueError):
            raise CorpusError(f"corpus cache {str(path)!r} is damaged: build it again") from None
        tunes.append(Tune(info["id"], melody, chords))
    return tunes
