"""Application entry point: command line, QApplication, main window, last-resort error handling.

``python main.py [--version] [--screenshot PATH] [--startup-report] [FILE]``
``segue --install-desktop`` / ``--uninstall-desktop``: the Linux desktop entry (``gui.desktop``)

- ``FILE``: a ``.segue`` session or a MIDI file to open.
- ``--screenshot PATH``: render the window with the demo seed and a pending continuation to a
  PNG and exit (works offscreen: ``QT_QPA_PLATFORM=offscreen``). The continuation comes from
  the default model when one is installed, else from a clearly labelled stand-in.

After start-up, and again after each model load, ``gc.freeze()`` moves the long-lived objects
out of the cycle collector's reach, so a collection cannot stall the playback thread.

An unexpected exception never shows a traceback: :func:`install_excepthook` logs it to
``segue.log`` (in ``log`` in the app's data folder, or ``$SEGUE_LOG_DIR``), autosaves the piece, and
shows one short message.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
import threading
import traceback
from pathlib import Path

from segue import engine

log = logging.getLogger("segue")

LOG_DIR_ENV = "SEGUE_LOG_DIR"
LOG_NAME = "segue.log"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="segue", description="Segue, a composer's assistant.")
    parser.add_argument("--version", action="version", version=f"Segue {engine.__version__}")
    parser.add_argument(
        "--screenshot",
        metavar="PATH",
        help="render the window with the demo seed and a pending continuation to a PNG, then exit",
    )
    parser.add_argument(
        "--startup-report",
        action="store_true",
        help="print when the window was first painted and the model was ready "
        "(wall-clock seconds), then quit (bench/startup.py)",
    )
    desktop = parser.add_mutually_exclusive_group()
    desktop.add_argument(
        "--install-desktop",
        action="store_true",
        help="add Segue to the Linux desktop's menus, with its icon, as the app for .segue "
        "sessions (in ~/.local/share), then exit",
    )
    desktop.add_argument(
        "--uninstall-desktop", action="store_true", help="remove what --install-desktop added"
    )
    parser.add_argument("file", nargs="?", help="a .segue session or a MIDI file to open")
    return parser.parse_args(argv)


def log_path() -> Path:
    """``$SEGUE_LOG_DIR/segue.log``, else ``log/segue.log`` in Segue's data folder (one folder
    with ``models`` and ``recovery``: ``~/.local/share/Segue`` on Linux)."""
    configured = os.environ.get(LOG_DIR_ENV)
    if configured:
        return Path(configured) / LOG_NAME
    from segue.engine.data_files import user_data_dir

    return user_data_dir() / "log" / LOG_NAME


def set_up_logging() -> Path | None:
    """Warnings and errors go to the log file (and stderr); returns the file, None if unwritable."""
    path = log_path()
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(path, encoding="utf-8"))
    except OSError:
        path = None
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s", handlers=handlers
    )
    return path


def install_excepthook(window_getter, log_file: Path | None) -> None:
    """Unexpected errors: log the traceback, autosave, show one short message (never a traceback)."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    showing = []

    def hook(exc_type, exc, tb):
        if issubclass(exc_type, KeyboardInterrupt):
            QApplication.quit()
            return
        log.error("unexpected error:\n%s", "".join(traceback.format_exception(exc_type, exc, tb)))
        window = window_getter()
        if window is not None:
            try:
                window.autosaver.save_now()
            except Exception:  # noqa: BLE001 - the hook itself must never fail
                log.exception("autosave after an error failed")
        if showing or QApplication.instance() is None:
            return  # one message at a time; errors while it shows are only logged
        where = f"\n\nDetails were written to {log_file}." if log_file else ""
        first_line = (str(exc).strip().splitlines() or [exc_type.__name__])[0]
        showing.append(True)
        try:
            QMessageBox.warning(
                window,
                "Something went wrong",
                f"Segue ran into an unexpected problem: {first_line}\n\n"
                f"Your piece is kept (and autosaved); you can go on working or save it.{where}",
            )
        finally:
            showing.clear()

    sys.excepthook = hook

    def thread_hook(args):
        # Other threads (the playback scheduler) only log: a dialog belongs to the GUI thread.
        log.error(
            "unexpected error in thread %s:\n%s",
            getattr(args.thread, "name", "?"),
            "".join(traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback)),
        )

    threading.excepthook = thread_hook


def take_screenshot(window, path: str) -> int:
    """Demo seed with chords suggested for it, plus a pending continuation (with the chords it
    proposes), grabbed to ``path``; 0 on success."""
    from PySide6.QtWidgets import QApplication

    from segue.engine.ml.catalog import available_models
    from segue.engine.ml.request import ContinuationRequest, stand_in_continuation
    from segue.gui.generation.model_loader import load_model_job
    from segue.gui.generation.variation_chords import continuation_job
    from segue.gui.worker import run_sync

    document = window.document
    settings = window.panel.settings().replace(bars=2, variations=3, seed_locked=True, rng_seed=7)
    window.panel.set_settings(settings)
    models = available_models()
    if "nottingham" in models:  # the model that hears the chords
        settings = settings.replace(model="nottingham")
        window.panel.set_settings(settings)
    note = ""
    try:
        from segue.engine.harmony import harmonize
        from segue.engine.pending_chords import plain

        document.set_chords([plain(c) for c in harmonize(document.piece.seed())], "Chords")
    except Exception:  # noqa: BLE001 - without the harmonizer the lane stays empty
        pass
    try:
        if not models:
            raise LookupError("no model installed")
        loaded = load_model_job(settings.model if settings.model in models else models[0])
        window.models.current = loaded
        window.model_control.show_loaded(loaded)
        request = ContinuationRequest.for_piece(document.piece, settings, loaded.pitch_limits())
        variations = run_sync(lambda: continuation_job(loaded.model, request, lambda: False))
    except Exception as exc:  # noqa: BLE001 - a screenshot still shows the workflow
        request = ContinuationRequest.for_piece(document.piece, settings)
        variations = stand_in_continuation(request)
        note = f"Stand-in continuation ({exc}): the installed models are missing."
        window.model_control.show_no_model(f"No usable model ({exc}): the ghost notes are a stand-in.")
    from segue.gui.generation.variation_chords import split_results

    variations, chords = split_results(variations)
    document.set_variations(variations, chords=chords)
    window.roll.zoom_to_fit()
    QApplication.processEvents()  # start-up notices first (no MIDI system...): the hint wins
    window.no_sound.dismiss()  # the picture shows the workflow, not this machine's missing sound card
    window.statusBar().showMessage(
        note or f"{len(variations)} variations ready: flip with Alt+Left/Right, keep one with Accept."
    )
    for _ in range(5):
        QApplication.processEvents()
    image = window.grab()
    if not image.save(path, "PNG"):
        print(f"Could not write the screenshot to {path}.", file=sys.stderr)
        return 1
    source = "a stand-in" if note else f"the model {window.models.current.name}"
    print(
        f"Screenshot written to {path} ({image.width()}x{image.height()}): "
        f"{len(document.melody.notes)} seed notes continued by {source}."
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.install_desktop or args.uninstall_desktop:
        from segue.gui import desktop

        return desktop.run(remove=args.uninstall_desktop)
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication  # after argparse: --version needs no Qt

    from segue.engine.live.ports import default_system
    from segue.gui import desktop
    from segue.gui import settings as prefs
    from segue.gui.window.autosave import recovery_dir
    from segue.gui.window.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(prefs.APPLICATION)
    app.setOrganizationName(prefs.ORGANIZATION)
    app.setDesktopFileName(desktop.APP_ID)  # Wayland finds the icon through the desktop entry
    # No setApplicationDisplayName: Qt appends a display name to every window title, which
    # doubled the window's own "Segue — tune" into "Segue — tune — Segue".
    log_file = set_up_logging()
    if args.screenshot:
        import atexit
        import shutil
        import tempfile

        # A screenshot must neither read nor change the user's preferences.
        folder = tempfile.mkdtemp(prefix="segue-screenshot-")
        atexit.register(shutil.rmtree, folder, True)
        prefs.use_private_store(folder)
    # The real collaborators: the machine's MIDI system and the user's recovery folder.
    window = MainWindow(midi_system=default_system(), recovery_folder=recovery_dir())
    app.setWindowIcon(window.windowIcon())  # dialogs too
    if args.screenshot:
        window.resize(1400, 820)
        window.show()
        return take_screenshot(window, args.screenshot)
    install_excepthook(lambda: window, log_file)
    if args.startup_report:
        from segue.gui.startup_report import StartupReport

        StartupReport(window)
    window.show()
    # The playback thread shares the GIL with the cycle collector: with torch loaded a full
    # collection holds it ~0.1 s (bench/playback_timing.py), an audible hiccup. Freezing what
    # start-up (and each model load) allocated keeps those long-lived objects out of every scan.
    gc.freeze()
    window.models.loaded.connect(lambda _loaded: gc.freeze())

    def start():
        window.start_up()
        if args.file:
            window.open_path(args.file)

    QTimer.singleShot(0, start)  # after the first paint: the window shows before anything slow
    return app.exec()
