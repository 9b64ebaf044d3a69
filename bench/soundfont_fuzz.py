"""Damaged SoundFonts never crash Segue: seeded mutants of the shipped bank through the checker
and through ``segue-cli render``.

Each mutant (``tests/engine/audio/soundfont_mutants.py``: bytes flipped, a RIFF/LIST chunk's
size changed, or the file cut short; the same seed always gives the same file) goes through
``engine.audio.soundfont_check.check_soundfont``, the check Preferences and Transport >
Instrument SoundFont make, in this process. Counted: ok (it plays), refused (the library's own
reason), crashed the checker (the child died: "it is damaged") and did not finish. With
``--cli``, each mutant is also rendered by ``segue-cli render --soundfont`` (a process of its
own, as a user runs it): its exit status must be 0 or 1, never a signal. This process reaching
its summary line is the proof that no mutant crashed the caller.

    python bench/soundfont_fuzz.py [--count 300] [--first 0] [--cli] [--json]
"""

from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from segue.engine.audio.soundfont import SoundFontError  # noqa: E402
from segue.engine.audio.soundfont_check import DAMAGED, check_soundfont  # noqa: E402
from tests.engine.audio.soundfont_mutants import KINDS, write_mutant  # noqa: E402

MIDI = ROOT / "tests" / "data" / "midi" / "daw_type1.mid"


def outcome(path: Path) -> str:
    try:
        check_soundfont(path)
    except SoundFontError as error:
        if error.reason == DAMAGED:
            return "crashed the checker"
        if error.reason.endswith("(reading it did not finish)"):
            return "did not finish"
        return "refused"
    return "ok"


def cli_outcome(path: Path, folder: Path) -> str:
    """'ok', 'refused' (exit 1 with one line naming the SoundFont) or what went wrong."""
    out = folder / "out.wav"
    done = subprocess.run(
        [sys.executable, "-m", "segue.engine.cli", "render", str(MIDI), str(out),
         "--soundfont", str(path)], capture_output=True, text=True, check=False,
    )
    out.unlink(missing_ok=True)
    lines = done.stderr.strip().splitlines()
    if done.returncode == 0:
        return "ok"
    if done.returncode == 1 and len(lines) == 1 and f"'{path.name}'" in lines[0]:
        return "refused"
    return f"CLI CRASHED ({done.returncode}: {lines[-1:]})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--first", type=int, default=0, help="the first seed")
    parser.add_argument("--cli", action="store_true", help="also run segue-cli render on each")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args()
    checker, cli = collections.Counter(), collections.Counter()
    by_kind = collections.Counter()
    crashers: list[int] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as folder:
        for seed in range(args.first, args.first + args.count):
            path = write_mutant(Path(folder), seed)
            result = outcome(path)
            checker[result] += 1
            by_kind[(KINDS[seed % len(KINDS)], result)] += 1
            if result == "crashed the checker":
                crashers.append(seed)
            if args.cli:
                cli[cli_outcome(path, Path(folder))] += 1
            path.unlink()
    summary = {
        "mutants": args.count, "checker": dict(checker),
        "by_kind": {f"{kind} {result}": n for (kind, result), n in sorted(by_kind.items())},
        "seeds_that_crash_the_library": crashers,
        "cli": dict(cli) if args.cli else None,
        "caller_crashes": 0,  # this line runs only if none did
        "seconds": round(time.monotonic() - started, 1),
    }
    if args.json:
        print(json.dumps(summary))
        return 0
    print(f"{args.count} mutants of the shipped bank (seeds {args.first}-"
          f"{args.first + args.count - 1}), {summary['seconds']} s")
    print("checker: " + ", ".join(f"{n} {name}" for name, n in checker.most_common()))
    print("by kind: " + ", ".join(f"{k}: {n}" for k, n in summary["by_kind"].items()))
    print(f"seeds that crash tinysoundfont (in the checker's child): {crashers}")
    if args.cli:
        print("segue-cli render: " + ", ".join(f"{n} {name}" for name, n in cli.most_common()))
    print("crashes of the caller: 0")
    cli_crashes = sum(n for name, n in cli.items() if name.startswith("CLI CRASHED"))
    return 1 if cli_crashes else 0


if __name__ == "__main__":
    sys.exit(main())
