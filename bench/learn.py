"""Learn a Style on a style Segue ships no model for: held-out bits/note, time and memory.

    .venv/bin/python bench/learn.py [--json] [--minutes 5] [--files 60] [--base folk]
                                    [--folder DIR] [--threads N]

Builds a folder of ``--files`` MIDI files itself: the top voice (cantus) of movements of
Palestrina's masses from music21's corpus, spread evenly over it (no shipped model knows this
style: folk is Essen, irish O'Neill's and Ryan's, bach the chorales, nottingham dance tunes).
Then runs ``segue-cli learn FOLDER --from BASE --minutes M`` in a child process, as a user
would, and prints the base model's and the learnt model's held-out total bits/note, their ratio
(goal at most 0.80), the wall time (goal: within the 5 minutes, plus reading and writing) and
the peak memory of the process that trained (``resource.getrusage`` of the child; goal under
1.5 GB). Then it learns for ``--gui-seconds`` in the Learn a Style dialog (offscreen) and
prints the longest the window's event loop stalled meanwhile (the window stays responsive).
``--folder`` keeps the built folder there (it is reused when it holds the files).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL_RATIO = 0.80
GOAL_PEAK_MB = 1536


def _mean_pitch(part) -> float:
    pitches = [p.midi for n in part.recurse().notes for p in getattr(n, "pitches", ())]
    return sum(pitches) / len(pitches) if pitches else -1.0


def build_folder(folder: Path, count: int) -> int:
    """``count`` MIDI files of Palestrina mass movements' top voices in ``folder``; returns
    how many were written (files that already exist are kept)."""
    import music21  # noqa: PLC0415
    from music21 import converter  # noqa: PLC0415

    from segue.engine.corpus_sources import stream_to_melody  # noqa: PLC0415
    from segue.engine.midi_io import write_midi  # noqa: PLC0415

    folder.mkdir(parents=True, exist_ok=True)
    existing = sorted(folder.glob("*.mid"))
    if len(existing) >= count:
        return len(existing)
    sources = sorted((Path(music21.__file__).parent / "corpus" / "palestrina").glob("*.krn"))
    if not sources:
        raise SystemExit("music21's corpus has no Palestrina files")
    written, stride = 0, max(1, len(sources) // count)
    for source in sources[::stride] + sources:  # evenly spread; the rest if some fail
        target = folder / f"{source.stem}.mid"
        if written >= count:
            break
        if target.exists():
            written += 1
            continue
        try:
            score = converter.parse(str(source))
            top = max(score.parts, key=_mean_pitch)  # the cantus
            melody, reason, _ = stream_to_melody(top)
        except Exception:  # noqa: BLE001 - a file music21 cannot read is passed over
            continue
        if melody is None:
            continue
        write_midi(melody, target)
        written += 1
    return written


def gui_stalls(folder: Path, base: str, seconds: float) -> dict:
    """Learn a Style in the window's dialog for ``seconds`` (offscreen), then Stop: the
    longest the event loop went without running a 10 ms timer, in all and once learning has
    begun (the start loads torch and the base model in the worker)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer  # noqa: PLC0415
    from PySide6.QtWidgets import QApplication  # noqa: PLC0415

    from segue.engine.ml.catalog import model_paths  # noqa: PLC0415
    from segue.engine.ml.checkpoint import find_model  # noqa: PLC0415
    from segue.gui.window.learn_dialog import LearnDialog  # noqa: PLC0415
    from tests.fakes.dialogs import ScriptedDialogs  # noqa: PLC0415

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory(prefix="segue-learn-gui-") as models:
        for path in model_paths(find_model(base)):  # the base, in a models folder of its own
            (Path(models) / path.name).write_bytes(path.read_bytes())
        os.environ["SEGUE_MODELS_DIR"] = models
        dialog = LearnDialog(ScriptedDialogs(), [base], base)
        dialog.set_folder(str(folder))
        dialog.show()
        clock, gaps, learning, last = QElapsedTimer(), [], [], [0]
        clock.start()

        def tick():  # every gap; and those once the model learns (torch loaded, folder read)
            now = clock.elapsed()
            gaps.append(now - last[0])
            if dialog.state.latest is not None:
                learning.append(now - last[0])
            last[0] = now

        timer = QTimer(interval=10, timeout=tick)
        timer.start()
        dialog.learn_button.click()
        loop = QEventLoop()
        QTimer.singleShot(round(seconds * 1000), loop.quit)
        loop.exec()
        measured = dialog.state.measured is not None
        dialog.stop()
        while dialog.is_running():
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        timer.stop()
        del os.environ["SEGUE_MODELS_DIR"]
    gaps, learning = sorted(gaps[1:]), sorted(learning[1:])
    return {
        "gui_seconds": seconds,
        "gui_max_stall_ms": gaps[-1] if gaps else None,
        "gui_max_stall_while_learning_ms": learning[-1] if learning else None,
        "gui_p99_stall_while_learning_ms": learning[int(0.99 * (len(learning) - 1))] if learning else None,
        "gui_figure_shown": measured,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="one JSON object")
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--files", type=int, default=60)
    parser.add_argument("--base", default="folk")
    parser.add_argument("--folder", help="where the style folder is built and kept")
    parser.add_argument("--threads", type=int, help="torch CPU threads of the learning")
    parser.add_argument("--gui-seconds", type=float, default=30.0,
                        help="then learn this long in the dialog, timing the event loop (0: no)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="segue-learn-bench-") as temporary:
        folder = Path(args.folder) if args.folder else Path(temporary) / "palestrina"
        built = time.perf_counter()
        files = build_folder(folder, args.files)
        built = time.perf_counter() - built
        out = Path(temporary) / "learnt" / "palestrina"
        command = [sys.executable, "-m", "segue.engine.cli", "learn", str(folder), "--from",
                   args.base, "--minutes", str(args.minutes), "--out", str(out), "--json"]
        if args.threads:
            command += ["--threads", str(args.threads)]
        started = time.perf_counter()
        finished = subprocess.run(command, capture_output=True, text=True, cwd=ROOT,
                                  env={**os.environ, "PYTHONPATH": str(ROOT.parent)})
        wall = time.perf_counter() - started
        if finished.returncode != 0:
            raise SystemExit(f"learn failed: {finished.stderr.strip()}")
        result = json.loads(finished.stdout.strip().splitlines()[-1])
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # kB on Linux
        gui = gui_stalls(folder, args.base, args.gui_seconds) if args.gui_seconds > 0 else {}
    report = {
        "style": "Palestrina masses, top voice (music21 corpus)",
        "files": files,
        "build_folder_seconds": round(built, 1),
        "base_model": args.base,
        "minutes": args.minutes,
        "pieces": result["pieces"],
        "held_out_pieces": result["held_out"],
        "base_held_out_bits_per_note": round(result["base_bits"], 3),
        "learnt_held_out_bits_per_note": round(result["best_bits"], 3),
        "ratio": round(result["ratio"], 3),
        "goal_ratio": GOAL_RATIO,
        "epochs": result["epochs"],
        "stopped": result["stopped"],
        "learn_seconds": result["seconds"],
        "wall_seconds": round(wall, 1),
        "peak_rss_mb": round(peak_mb),
        "goal_peak_rss_mb": GOAL_PEAK_MB,
        "cpus": os.cpu_count(),
        **gui,
    }
    if args.json:
        print(json.dumps(report))
    else:
        for key, value in report.items():
            print(f"{key:32} {value}")


if __name__ == "__main__":
    main()
