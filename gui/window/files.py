"""The main window's files: New, New from Corpus, Open, Save, Save As, Import and Export MIDI,
drag-and-drop, recent files and the unsaved-changes question.

Every modal question goes through the window's ``dialogs`` (:class:`gui.dialogs.Dialogs`), which
tests replace. A file that cannot be read or written becomes one message; the piece stays as it
was. Importing into the open piece is one undo step; opening or importing as a new piece
replaces it after asking to save.
"""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QDragEnterEvent, QDropEvent

from engine.melody import Melody
from engine.session import FILE_SUFFIX, SessionError
from gui import dialogs as dialog_names
from gui import settings as prefs
from gui.document import PieceState
from gui.generation.model_loader import display_name, random_opening, shipped_models
from gui.window.export import ExportOptions, export_midi, suggested_file_name
from gui.window.import_dialog import import_midi_file, is_midi_path
from gui.window.session_file import (
    SessionFileError,
    load_into,
    load_session,
    save_session,
    session_of,
)


class FilesMixin:
    """File handling for :class:`gui.window.main_window.MainWindow`; a mixin before ``QMainWindow``.

    It relies on the window's ``document``, ``dialogs``, ``panel``, ``models``, ``continuation``,
    ``autosaver``, ``roll`` (None without a piano roll), ``path``, ``drag_handle``,
    ``recent_menu``, ``_started``, ``document_title``, ``_set_path`` and ``_report_error``; on
    ``_refresh_models``, ``_loadable_model`` and ``load_model``
    (:class:`gui.window.models.ModelsMixin`) and ``_stop_playback``
    (:class:`gui.window.live.TransportMixin`); and on ``QMainWindow`` (``statusBar``, and
    the drag-and-drop events it overrides, which need ``setAcceptDrops(True)``).
    """

    # --- new, open and save -----------------------------------------------------------------------

    def maybe_save(self) -> bool:
        """Before the piece is replaced: True when it may go (saved, discarded or unchanged)."""
        if not self.document.is_modified():
            return True
        answer = self.dialogs.ask_save_changes(self.document_title())
        if answer == dialog_names.SAVE:
            return self.save()
        return answer == dialog_names.DISCARD

    def current_session(self):
        region = getattr(self.roll, "loop_region", None)
        transport = getattr(self, "transport", None)
        loop_on = bool(transport is not None and transport.loop_action.isChecked())
        return session_of(self.document, self.panel.settings(), region, loop_on)

    def _show_loop(self, region, on: bool) -> None:
        """The piece's loop on the ruler and the transport (set after the region, which turns it on)."""
        if self.roll is not None and hasattr(self.roll, "set_loop_region"):
            self.roll.set_loop_region(region)
        transport = getattr(self, "transport", None)
        if transport is not None:
            transport.loop_action.setChecked(on)

    def _show_session(self, session, path: str | None, load_model: bool = True):
        self.continuation.cancel()
        self.continuation.wait()
        self._stop_playback()
        load_into(self.document, session)
        self._show_loop(session.loop_region, session.loop_on)
        self._set_path(path)
        self.panel.set_settings(session.generation)
        self._refresh_models()
        wanted = self._loadable_model(session.generation.model)
        if load_model and self._started and wanted and wanted != self.models.requested:
            self.load_model(wanted)
        if self.roll is not None and hasattr(self.roll, "zoom_to_fit"):
            self.roll.zoom_to_fit()

    def new_piece(self) -> bool:
        if not self.maybe_save():
            return False
        self.continuation.cancel()
        self.continuation.wait()
        self._stop_playback()
        seed = self.document.melody
        empty = Melody(
            steps_per_quarter=seed.steps_per_quarter, time_signature=seed.time_signature, tempo=seed.tempo
        )
        self.document.load(empty, 0)
        self._show_loop(None, False)
        self._set_path(None)
        return True

    def new_from_corpus(self) -> bool:
        """A random opening phrase (2-4 bars) of the current model's style as a fresh seed."""
        model = self.panel.settings().model
        candidates = [model] + [m for m in shipped_models() if m != model]
        problem = None
        for candidate in candidates:
            try:
                opening = random_opening(candidate)
                break
            except SessionError as exc:
                problem = problem or str(exc)
        else:
            self._report_error("No openings", f"Could not start from the corpus: {problem or 'no model is installed'}.")
            return False
        if not self.maybe_save():
            return False
        self.continuation.cancel()
        self.continuation.wait()
        self._stop_playback()
        # The phrase runs to its closing bar line, even when its last note ends before it.
        bar = opening.steps_per_bar
        self.document.load(opening, math.ceil(opening.end / bar) * bar)
        self._show_loop(None, False)
        self._set_path(None)
        self.statusBar().showMessage(
            f"A new opening from the {display_name(candidate)} corpus: press Continue to carry it on.", 8000
        )
        if self.roll is not None and hasattr(self.roll, "zoom_to_fit"):
            self.roll.zoom_to_fit()
        return True

    def open_dialog(self) -> bool:
        path = self.dialogs.open_path("Open", dialog_names.OPEN_FILTER, self._last_directory())
        return self.open_path(path) if path else False

    def open_path(self, path: str) -> bool:
        """Open a ``.segue`` session, or a MIDI file as a new untitled piece."""
        path = str(path)
        if is_midi_path(path):
            if not self.maybe_save():
                return False
            return self.import_path(path, as_new=True)
        try:
            session = load_session(path)
        except SessionFileError as exc:
            self._report_error("Could not open", str(exc))
            if not Path(path).exists():
                prefs.remove_recent_file(str(Path(path).resolve()))
            return False
        if not self.maybe_save():
            return False
        self._show_session(session, str(Path(path).resolve()))
        self._remember_file(path)
        self.statusBar().showMessage(f"Opened {Path(path).name}.", 5000)
        return True

    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self.save_to(self.path)

    def save_as(self) -> bool:
        suggested = self.path or str(Path(self._last_directory()) / f"{self.document_title()}{FILE_SUFFIX}")
        path = self.dialogs.save_path("Save Session", dialog_names.SESSION_FILTER, suggested)
        if not path:
            return False
        if not path.lower().endswith(FILE_SUFFIX):
            path += FILE_SUFFIX
        return self.save_to(path)

    def save_to(self, path: str) -> bool:
        try:
            save_session(path, self.current_session())
        except SessionFileError as exc:
            self._report_error("Could not save", str(exc))
            return False
        self.document.mark_saved()
        self._set_path(str(Path(path).resolve()))
        self._remember_file(path)
        self.autosaver.save_now()  # nothing unsaved now: removes the recovery file
        self.statusBar().showMessage(f"Saved {Path(path).name}.", 5000)
        return True

    # --- MIDI import and export -------------------------------------------------------------------

    def import_dialog(self) -> bool:
        path = self.dialogs.open_path("Import MIDI", dialog_names.MIDI_FILTER, self._last_directory())
        return self.import_path(path) if path else False

    def import_path(self, path: str, as_new: bool = False) -> bool:
        """Read a melody from a MIDI file: as one undoable replacement of the piece, or (``as_new``)
        as a new untitled piece. Errors leave the piece exactly as it was."""
        from engine.midi_io import MidiImportError

        try:
            result = import_midi_file(path, self.dialogs.choose_track)
        except MidiImportError as exc:
            self._report_error("Could not import", str(exc))
            return False
        if result is None:
            return False  # the user cancelled the track choice
        melody = result.melody
        self.continuation.cancel()
        self.continuation.wait()
        if as_new:
            self._stop_playback()
            self.document.load(melody, melody.end)
            self._set_path(None)
        else:
            self.document.discard_variations()
            self.document.set_state(PieceState(melody, melody.end), f"Import {Path(path).name}")
        self._remember_directory(path)
        summary = result.report.summary.splitlines()[0] if result.report is not None else f"Imported {Path(path).name}."
        self.statusBar().showMessage(summary, 10000)
        if self.roll is not None and hasattr(self.roll, "zoom_to_fit"):
            self.roll.zoom_to_fit()
        return True

    def export_dialog(self) -> bool:
        options = self.dialogs.export_options(
            has_variation=self.document.current_variation() is not None,
            has_seed=bool(self.document.seed().notes),
        )
        if options is None:
            return False
        suggested = str(
            Path(self._last_directory())
            / suggested_file_name(self.document_title(), options, self.document.current_index + 1)
        )
        path = self.dialogs.save_path("Export MIDI", dialog_names.MIDI_FILTER, suggested)
        if not path:
            return False
        if not is_midi_path(path):
            path += ".mid"
        return self.export_to(path, options)

    def export_to(self, path: str, options: ExportOptions) -> bool:
        from engine.midi_io import MidiExportError

        try:
            export_midi(path, self.document, options, track_name=self.document_title())
        except ValueError as exc:
            self._report_error("Nothing to export", f"Could not export {Path(path).name}: {exc}.")
            return False
        except MidiExportError as exc:
            self._report_error("Could not export", str(exc))
            return False
        self._remember_directory(path)
        self.statusBar().showMessage(f"Exported {Path(path).name}.", 5000)
        return True

    # --- recent files and folders -----------------------------------------------------------------

    def _remember_file(self, path: str):
        prefs.add_recent_file(str(Path(path).resolve()))
        self._remember_directory(path)

    def _remember_directory(self, path: str):
        prefs.write(prefs.LAST_DIRECTORY, str(Path(path).resolve().parent))

    def _last_directory(self) -> str:
        directory = prefs.read(prefs.LAST_DIRECTORY)
        return directory if directory and Path(directory).is_dir() else str(Path.home())

    def _fill_recent_menu(self):
        self.recent_menu.clear()
        files = prefs.recent_files()
        for path in files:
            action = self.recent_menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.setStatusTip(path)
            action.triggered.connect(lambda _checked=False, p=path: self.open_path(p))
        if not files:
            self.recent_menu.addAction("No recent files").setEnabled(False)

    # --- drag and drop ----------------------------------------------------------------------------

    @staticmethod
    def _dropped_file(mime) -> str | None:
        for url in mime.urls() if mime.hasUrls() else []:
            if url.isLocalFile():
                local = url.toLocalFile()
                if is_midi_path(local) or local.lower().endswith(FILE_SUFFIX):
                    return local
        return None

    def dragEnterEvent(self, event: QDragEnterEvent):  # noqa: N802 - Qt's name
        if self._dropped_file(event.mimeData()) and event.source() is not self.drag_handle:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event):  # noqa: N802
        self.dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent):  # noqa: N802
        path = self._dropped_file(event.mimeData())
        if not path:
            event.ignore()
            return
        event.acceptProposedAction()
        # Open after the drop returns: a modal question inside a drop blocks the source app.
        QTimer.singleShot(0, lambda: self.import_path(path) if is_midi_path(path) else self.open_path(path))
