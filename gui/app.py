"""Application entry point: parse the command line, build the QApplication and main window."""

from __future__ import annotations

import argparse
import sys

import engine


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="segue", description="Segue, a composer's assistant.")
    parser.add_argument("--version", action="version", version=f"Segue {engine.__version__}")
    parser.add_argument("file", nargs="?", help="a .segue session or a MIDI file to open")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from PySide6.QtWidgets import QApplication  # after argparse: --version needs no Qt

    from gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Segue")
    app.setOrganizationName("Segue")
    window = MainWindow()
    window.show()
    return app.exec()
