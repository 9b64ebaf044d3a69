"""How long one full repaint of the piano roll takes with a 5,000-note melody (goal: < 16 ms).

Runs offscreen (no display needed) and prints one JSON object: milliseconds per repaint
(median and 95th percentile) for

* ``zoomed``: the default zoom, a few bars in view (background cached, as during playback);
* ``fit``: zoomed to fit, all 5,000 notes in view (the worst case for notes);
* ``fit_all_panes``: the same plus ruler, keyboard and velocity lane (the whole widget);
* ``drag_preview``: one mouse move of a note drag at fit zoom (preview melody and repaint);
* ``scrolling``: scrolled a little before every repaint, so the grid background is redrawn too.

Usage: ``python bench/piano_roll_paint.py [--notes 5000] [--repeats 30] [--width 1600 --height 900]``
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

GOAL_MS = 16.0


def make_melody(count: int, seed: int = 7):
    from segue.engine.melody import Melody, Note

    rng = random.Random(seed)
    notes, step, pitch = [], 0, 64
    for _ in range(count):
        length = rng.choice((1, 2, 2, 3, 4))
        pitch = min(84, max(48, pitch + rng.choice((-3, -2, -1, 0, 1, 2, 3))))
        notes.append(Note(pitch, step, length, rng.randint(40, 127)))
        step += length + rng.choice((0, 0, 0, 1))
    return Melody(notes)


def timed(action, repeats: int) -> dict:
    action()  # warm caches
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "median_ms": round(statistics.median(samples), 3),
        "p95_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.95))], 3),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--width", type=int, default=1600)
    parser.add_argument("--height", type=int, default=900)
    args = parser.parse_args(argv)

    from PySide6 import __version__ as pyside_version
    from PySide6.QtWidgets import QApplication

    from segue.gui.document import Document
    from segue.gui.piano_roll.roll import PianoRoll

    app = QApplication.instance() or QApplication([])
    melody = make_melody(args.notes)
    document = Document(melody)
    roll = PianoRoll(document)
    roll.resize(args.width, args.height)
    roll.show()
    app.processEvents()
    editor = roll.editor
    editor.select_all()  # half the notes in the selected colour would be typical; all is worst
    editor.clear_selection()
    grid = roll.note_grid

    results = {"notes": len(melody.notes), "view": [grid.width(), grid.height()]}
    results["zoomed"] = timed(grid.repaint, args.repeats)
    results["zoomed"]["painted_notes"] = grid.painted_notes

    roll.zoom_to_fit()
    app.processEvents()
    results["fit"] = timed(grid.repaint, args.repeats)
    results["fit"]["painted_notes"] = grid.painted_notes
    results["fit_all_panes"] = timed(roll.repaint, args.repeats)

    # One mouse move of a note drag at fit zoom: preview melody, new rectangles, repaint.
    from segue.gui.piano_roll.tools import MoveGesture, Pointer

    note = melody.notes[len(melody.notes) // 2]
    geometry = roll.roll_geometry
    x, y, w, h = geometry.note_rect(note)
    press = Pointer.at(geometry, x + w / 2, y + h / 2)
    editor.begin_gesture(MoveGesture(editor.context(), press, note))
    rows = iter(range(1, 10**6))

    def drag_and_paint():
        editor.update_gesture(Pointer.at(geometry, press.x, press.y - h * (next(rows) % 5 + 1)))
        grid.repaint()

    results["drag_preview"] = timed(drag_and_paint, args.repeats)
    editor.cancel_gesture()

    roll.set_view(step_width=roll.roll_geometry.step_width * 8, scroll_x=0)
    offsets = iter(range(1, 10**6))

    def scroll_and_paint():
        roll.roll_geometry.scroll_x = float(next(offsets) * 3)
        grid.repaint()

    results["scrolling"] = timed(scroll_and_paint, args.repeats)
    results["goal_ms"] = GOAL_MS
    results["meets_goal"] = results["fit_all_panes"]["median_ms"] < GOAL_MS
    results["pyside6"] = pyside_version
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
