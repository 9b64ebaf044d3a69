"""How long a musician waits after launching Segue: prints figures, asserts nothing.

    .venv/bin/python bench/startup.py [--runs 5] [--json] [--command segue]

Starts the real app (``main.py``, or ``--command``) offscreen with ``--startup-report`` and
measures, from just before the process starts (seconds):
- ``window_shown``: to the window's first paint;
- ``model_ready``: to the default model loaded and ready to continue;
- ``cpu``: the CPU seconds the whole start took (user + system, to the exit): what the start
  costs on an idle machine, whatever else the machine is doing while it is measured.
``first`` is a first start (a fresh, empty user profile: no settings, no caches); ``second``
starts again with the profile the first one left. Each figure is the median of ``--runs``.
Goal on a 2-core machine: window under 1.0 s, model ready under 2.0 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ("window_shown", "model_ready")
FIGURES = (*EVENTS, "cpu")
TIMEOUT_S = 120


def profile_env(home: Path) -> dict[str, str]:
    """The environment of a user whose home (settings, data, caches) is ``home``."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(home))
    for name, sub in (("XDG_CONFIG_HOME", ".config"), ("XDG_DATA_HOME", ".local/share"),
                      ("XDG_CACHE_HOME", ".cache"), ("SEGUE_LOG_DIR", "log")):
        env[name] = str(home / sub)
    env.pop("SEGUE_MODELS_DIR", None)  # the default model as a user gets it
    return env


def start_once(command: list[str], env: dict[str, str]) -> dict[str, float]:
    """Seconds from launch to each reported event of one start."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    launched = time.time()
    result = subprocess.run(
        [*command, "--startup-report"], env=env, cwd=env["HOME"], capture_output=True,
        text=True, timeout=TIMEOUT_S,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    times = {"cpu": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime}
    for line in result.stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "startup":
            times[parts[1]] = float(parts[2]) - launched
    if "model_failed" in times or not all(event in times for event in EVENTS):
        raise SystemExit(
            f"the app did not report {', '.join(EVENTS)} (exit {result.returncode}):\n"
            f"{result.stdout}\n{result.stderr[-2000:]}"
        )
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--command", help="how to start the app (default: this Python, main.py)")
    args = parser.parse_args()
    command = shlex.split(args.command) if args.command else [sys.executable, str(ROOT / "main.py")]
    runs: dict[str, list[dict[str, float]]] = {"first": [], "second": []}
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="segue-startup-") as home:
            env = profile_env(Path(home))
            runs["first"].append(start_once(command, env))
            runs["second"].append(start_once(command, env))
    figures = {
        f"{event}_{start}_s": round(statistics.median(r[event] for r in runs[start]), 3)
        for start in runs
        for event in FIGURES
    }
    figures["runs"] = args.runs
    figures["load_average_1min"] = round(os.getloadavg()[0], 2)  # others' work inflates wall time
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for name, value in figures.items():
            print(f"{name:26} {value}")


if __name__ == "__main__":
    main()
