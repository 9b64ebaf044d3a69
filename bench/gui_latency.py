"""What the musician waits for, in the real window (offscreen): prints figures, asserts nothing.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/gui_latency.py [--runs 5] [--json]

Figures (milliseconds; "first" is the first of its kind in this session, "warm" the median of
``--runs`` more):
- ``continue_BxV``: from triggering Continue (B bars x V variations, the shipped default model)
  to the ghost notes painted on the roll;
- ``accept``: from triggering Accept to the accepted notes painted;
- ``switch_model``: from choosing another shipped model in the panel to it being ready
  (``first`` loads it from disk for the first time);
- ``cancel``: from triggering Cancel during a long continuation to the cancelled signal;
- ``event_loop_gap_max``: the longest gap between 5 ms timer ticks while 16 bars x 8
  variations are written (a stall the app causes shows here).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

TIMEOUT_MS = 60_000


class PaintWatch:
    """Counts finished paints of the roll's note grid (wrapping its paintEvent)."""

    def __init__(self, grid_class):
        self.count = 0
        original = grid_class.paintEvent
        watch = self

        def paint_event(widget, event):
            original(widget, event)
            watch.count += 1

        grid_class.paintEvent = paint_event


def wait_until(app: QApplication, done, timeout_ms: int = TIMEOUT_MS) -> None:
    """Run the event loop, as the app does (``exec``), until ``done()``, checked every 2 ms.

    Not a ``processEvents`` poll: PySide6 keeps the GIL while processEvents waits, which
    starves the worker thread and times the bench instead of the app.
    """
    if done():
        return
    loop = QEventLoop()
    check = QTimer()
    check.setInterval(2)
    check.timeout.connect(lambda: done() and loop.quit())
    give_up = QTimer()
    give_up.setSingleShot(True)
    give_up.timeout.connect(loop.quit)
    check.start()
    give_up.start(timeout_ms)
    loop.exec()
    check.stop()
    if not done():
        raise TimeoutError("the window did not get there in time")


def timed(app, trigger, done) -> float:
    start = time.perf_counter()
    trigger()
    try:
        wait_until(app, done)
    except TimeoutError:
        window = next(w for w in app.topLevelWidgets() if w.objectName() == "MainWindow")
        print("asked:", window.dialogs.asked, "status:", window.statusBar().currentMessage(),
              file=sys.stderr)
        raise
    return (time.perf_counter() - start) * 1000


def continue_ms(app, window, paints: PaintWatch) -> float:
    document = window.document
    document.discard_variations()
    # The last run's worker reports done after its results: Continue is enabled again then.
    wait_until(app, lambda: window.actions["continue"].isEnabled())
    painted: list[int] = []  # the paint count when the ghosts arrived: the next paint shows them

    def arrived():
        if document.variations and not painted:
            painted.append(paints.count)

    document.variations_changed.connect(arrived)
    try:
        return timed(app, window.actions["continue"].trigger,
                     lambda: bool(painted) and paints.count > painted[0])
    finally:
        document.variations_changed.disconnect(arrived)


def accept_ms(app, window, paints: PaintWatch) -> float:
    wait_until(app, lambda: window.actions["accept"].isEnabled())
    before = paints.count
    ms = timed(app, window.actions["accept"].trigger, lambda: paints.count > before)
    window.document.undo_stack.undo()  # the same piece again for the next run
    window.document.discard_variations()
    return ms


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)

    app = QApplication.instance() or QApplication([])
    from segue.engine.live.ports import MidiSystem
    from segue.engine.ml.catalog import DEFAULT_MODEL, shipped_models
    from segue.gui import settings as prefs
    from segue.gui.piano_roll.grid import NoteGrid
    from segue.gui.window.main_window import MainWindow
    from tests.fakes.dialogs import ScriptedDialogs
    from tests.fakes.live import FakeRtmidi

    folder = tempfile.mkdtemp(prefix="segue-bench-")
    prefs.use_private_store(folder)
    paints = PaintWatch(NoteGrid)
    window = MainWindow(
        dialogs=ScriptedDialogs(),
        midi_system=MidiSystem(FakeRtmidi(), path_exists=lambda _p: True),
        recovery_folder=Path(folder) / "recovery",
    )
    window.resize(1280, 800)
    window.show()
    models = shipped_models()
    if DEFAULT_MODEL not in models:
        print(f"bench/gui_latency.py needs the shipped model {DEFAULT_MODEL} in models/", file=sys.stderr)
        return 1
    panel = window.panel
    panel.set_settings(panel.settings().replace(model=DEFAULT_MODEL, seed_locked=False))
    window.start_up()
    wait_until(app, lambda: window.models.current is not None and window.actions["continue"].isEnabled())

    figures: dict[str, dict[str, float] | float] = {}
    for bars, variations in ((4, 4), (8, 8)):
        panel.set_settings(panel.settings().replace(bars=bars, variations=variations))
        first = continue_ms(app, window, paints)
        warm = [continue_ms(app, window, paints) for _ in range(args.runs)]
        figures[f"continue_{bars}x{variations}"] = {"first": first, "warm": statistics.median(warm)}
        accepts = []
        for _ in range(args.runs + 1):
            continue_ms(app, window, paints)
            accepts.append(accept_ms(app, window, paints))
        figures[f"accept_{bars}x{variations}"] = {
            "first": accepts[0], "warm": statistics.median(accepts[1:])
        }

    other = next((m for m in models if m != DEFAULT_MODEL), None)
    if other is not None:
        def switch(name):
            return timed(
                app,
                lambda: window.model_control.load(name),
                lambda: window.models.current is not None and window.models.current.name == name
                and not window.models.is_loading,
            )

        first = switch(other)
        warm = []
        for _ in range(args.runs):
            warm.append(switch(DEFAULT_MODEL))
            warm.append(switch(other))
        switch(DEFAULT_MODEL)
        figures["switch_model"] = {"first": first, "warm": statistics.median(warm)}

    # Cancel: from the action to the cancelled signal, during a long continuation.
    panel.set_settings(panel.settings().replace(bars=32, variations=8))
    cancels = []
    for _ in range(args.runs):
        window.actions["continue"].trigger()
        wait_until(app, lambda: panel.progress.value() > 0)
        cancels.append(timed(app, window.actions["cancel"].trigger,
                             lambda: not window.continuation.is_running))
    figures["cancel"] = {"warm": statistics.median(cancels), "worst": max(cancels)}

    # The event loop during a 16 x 8 continuation: the longest gap between 5 ms ticks.
    panel.set_settings(panel.settings().replace(bars=16, variations=8))
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    continue_ms(app, window, paints)
    timer.stop()
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    figures["event_loop_gap_max"] = max(gaps) * 1000 if gaps else float("nan")

    window.document.mark_saved()
    window.close()
    if args.json:
        print(json.dumps({k: v if isinstance(v, float) else {n: round(x, 1) for n, x in v.items()}
                          for k, v in figures.items()}))
    else:
        for name, value in figures.items():
            if isinstance(value, float):
                print(f"{name:24s} {value:8.1f} ms")
            else:
                print(f"{name:24s} " + "  ".join(f"{n} {x:8.1f} ms" for n, x in value.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
