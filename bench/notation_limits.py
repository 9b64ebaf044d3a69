"""Hostile notation, each in a child process: seconds and peak memory until it is imported or
refused. Prints figures; asserts nothing (tests/engine/notation/test_notation_fuzz.py checks
what each raises). Goal (issue 22): every case ends within 5 s and 500 MB.

    .venv/bin/python bench/notation_limits.py

Peak memory is the child's maximum resident size, including Python and music21 themselves
(about 70 MB before anything is read).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.engine.notation.test_notation_fuzz import long_tune  # noqa: E402

CHILD = """
import sys
from segue.engine.notation import NotationExportError, NotationImportError, import_notation
from segue.engine.notation import parse_abc_text, write_notation
kind, arg = sys.argv[1], sys.argv[2]
try:
    if kind == "file":
        result = import_notation(arg)
        print("imported", len(result.melody.notes), "notes")
    elif kind == "last":
        from segue.engine.notation import parse_notation
        parsed = parse_notation(arg)
        result = parsed.import_part(len(parsed.parts) - 1)
        print("listed", len(parsed.parts), "tunes; imported", len(result.melody.notes), "notes")
    elif kind == "text":
        parsed = parse_abc_text(open(arg, encoding="utf-8").read())
        result = parsed.import_part(len(parsed.parts) - 1)
        print("listed", len(parsed.parts), "tunes; imported", len(result.melody.notes), "notes")
    else:
        from segue.engine.melody import Melody, Note
        length = int(kind.split(":")[1])
        write_notation(Melody([Note(60, 0, length)]), arg)
        print("exported")
except (NotationImportError, NotationExportError) as error:
    print("refused:", error)
"""


def _xml(beats=4, octave=4, duration=1) -> str:
    return (
        '<?xml version="1.0"?><score-partwise><part-list><score-part id="P1"><part-name>M'
        '</part-name></score-part></part-list><part id="P1"><measure number="1"><attributes>'
        f"<divisions>1</divisions><time><beats>{beats}</beats><beat-type>4</beat-type></time>"
        f"</attributes><note><pitch><step>C</step><octave>{octave}</octave></pitch>"
        f"<duration>{duration}</duration></note></measure></part></score-partwise>"
    )


def write_book(path: Path, megabytes: int) -> str:
    """An ABC book of many short tunes, written a megabyte at a time (this process stays small,
    so the children it starts do not inherit a large peak)."""
    with open(path, "w", encoding="utf-8") as file:
        number = 0
        while file.tell() < megabytes * 1024 * 1024:
            chunk = []
            for _ in range(10_000):
                number += 1
                chunk.append(f"X:{number}\nT:Tune {number}\nM:6/8\nL:1/8\nK:G\n"
                             "GAG GAB | ABA ABd | GAG GAB | dBG A3 |\n\n")
            file.write("".join(chunk))
    return str(path)


def cases(folder: Path):
    def write(name, data):
        path = folder / name
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        return str(path)

    yield "ABC M:9999/1 (33 bytes)", "file", write("m9999.abc", "X:1\nM:9999/1\nK:C\nCDEF|\n")
    yield "ABC M:999999/1", "file", write("m999999.abc", "X:1\nM:999999/1\nK:C\nCDEF|\n")
    yield "ABC C99999999", "file", write("long.abc", "X:1\nT:x\nM:4/4\nL:1/4\nK:C\nC99999999\n")
    yield "ABC bar of 999 quarters", "file", write(
        "bar.abc", "X:1\nM:4/4\nL:1/4\nK:C\nC C C C | C999 | C C C C |]\n")
    yield "ABC tuplet (3:2:9999", "file", write("tuplet.abc", "X:1\nL:1/8\nK:C\n(3:2:9999CDE|\n")
    yield "ABC 16 KB single tune", "file", write("t16.abc", long_tune(9_600))
    yield "ABC 64 KB single tune", "file", write("t64.abc", long_tune(39_000))
    yield "ABC tune at the note limit (5,000)", "file", write("t5000.abc", long_tune(5_000))
    book = write_book(folder / "book.abc", 19)
    yield "ABC book of 19 MB (the last tune)", "last", book
    yield "clipboard of 19 MB (the last tune)", "text", book
    yield "clipboard of 40 MB (over the cap)", "text", write_book(folder / "clip40.txt", 40)
    yield "MusicXML <beats>9999</beats>", "file", write("beats.musicxml", _xml(beats=9999))
    yield "MusicXML octave 994", "file", write("octave.musicxml", _xml(octave=994))
    yield "MusicXML note ending at step 3.97e9", "file", write(
        "far.musicxml", _xml(duration=992_500_000))
    bomb = folder / "bomb.mxl"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("score.musicxml", "w", force_zip64=True) as member:
            member.write(b"<score-partwise>")
            block = b" " * (1 << 20)
            for _ in range(2048):
                member.write(block)
    yield f".mxl of {bomb.stat().st_size / 2**20:.1f} MB unpacking to 2 GiB", "file", str(bomb)
    yield "MusicXML export, a 10-hour note", "export:288000", str(folder / "ten.musicxml")
    yield "MusicXML export, a note in bar 62,500", "export:999996", str(folder / "far.musicxml")


def run(kind: str, arg: str) -> tuple[float, float, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT.parent) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, kind, arg], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        cwd=ROOT, env=env,
    )
    output = child.stdout.read().decode(errors="replace").strip().splitlines()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    return seconds, usage.ru_maxrss / 1024, (output[-1] if output else f"exit {child.returncode}")


def main() -> None:
    print(f"{'case':44} {'s':>6} {'MB':>6}  outcome")
    with tempfile.TemporaryDirectory() as folder:
        for name, kind, arg in cases(Path(folder)):
            seconds, megabytes, outcome = run(kind, arg)
            print(f"{name:44} {seconds:6.2f} {megabytes:6.0f}  {outcome[:110]}")


if __name__ == "__main__":
    main()
