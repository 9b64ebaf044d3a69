"""Render Segue's icon, ``resources/segue.svg`` (drawn by hand), to ``resources/segue.png``.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/make_icon.py [--size 256]

The PNG is what the window, the desktop entry and platforms without SVG icons use; run this
after changing the SVG and commit both.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def render(svg: Path, png: Path, size: int) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg} is not a valid SVG image")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    if not image.save(str(png), "PNG"):
        raise SystemExit(f"could not write {png}")
    print(f"{png} written ({size}x{size})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    render(ROOT / "resources" / "segue.svg", ROOT / "resources" / "segue.png", args.size)


if __name__ == "__main__":
    main()
