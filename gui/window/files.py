"""The piece's files: New, New from Corpus, Open, Save, Save As, Import (MIDI, ABC, MusicXML, ABC
text on the clipboard) and Export, recent files, files dropped on the window, the unsaved-changes
question, and choosing which bars of an imported piece are the seed.

:class:`FilesController` needs no window: it works on the document, the dialogs
(:class:`gui.dialogs.Dialogs`, which tests replace) and the generation panel it is given, and
tells the window what happened through signals. A file that cannot be read or written becomes
one message; the piece stays as it was. Importing into the open piece is one undo step; opening
or importing as a new piece replaces it after asking to save. ABC and MusicXML (and ABC text
from the clipboard) are read and written in the worker, with progress and Cancel
(:class:`gui.window.notation_jobs.NotationJobs`, ``notation``): the window never waits on music21.
"""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import QMenu

from segue.engine import file_formats, limits
from segue.engine.melody import Melody
from segue.engine.ml.catalog import display_name, shipped_models
from segue.engine.openings import random_opening
from segue.engine.piece import LOOP, Piece
from segue.engine.session import (
    FILE_SUFFIX,
    Session,
    SessionError,
    SessionFileError,
    read_session,
    write_session,
)
from segue.gui import dialogs as dialog_names
from segue.gui import settings as prefs
from segue.gui.dialogs import Dialogs
from segue.gui.document import Document
from segue.gui.generation.continuation import ContinuationController
from segue.gui.generation.panel import GenerationPanel
from segue.gui.window.export import (
    EXPORT_SUFFIXES,
    ExportOptions,
    chords_to_export,
    export_file,
    notation_export_job,
    notation_melody,
    suggested_file_name,
)
from segue.gui.window.import_dialog import import_midi_file, import_summary
from segue.gui.window.notation_jobs import NotationJobs

UNTITLED = "Untitled"


class FilesController(QObject):
    """Files for one document; see the module docstring. A save keeps the document's piece
    (its loop too) with the panel's generation settings."""

    path_changed = Signal(str)  # '' for an untitled piece
    status_message = Signal(str, int)  # text, milliseconds
    replacing = Signal()  # a new piece is about to replace this one: stop playing it
    generation_loaded = Signal(object, bool)  # a session's GenerationSettings; load its model?
    accompaniment_loaded = Signal(object)  # a session's AccompanimentSettings
    piece_opened = Signal()  # a piece came from a file or the corpus: show all of it
    saved = Signal()  # the piece is on disk (nothing is left to recover)

    def __init__(
        self,
        document: Document,
        dialogs: Dialogs,
        panel: GenerationPanel,
        continuation: ContinuationController,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.document, self.dialogs, self.panel = document, dialogs, panel
        self._continuation = continuation
        self.path: str | None = None
        # The part chooser is asked through self.dialogs at the time (tests replace it).
        self.notation = NotationJobs(lambda name, parts: self.dialogs.choose_track(name, parts),
                                     self)
        self.notation.failed.connect(lambda title, text: self.dialogs.error(title, text))
        self.notation.status_message.connect(self.status_message)
        self.imported_title = ""  # an imported tune's title names the piece until it is saved
        self.accompaniment_source = lambda: None  # the AccompanimentSettings saved (None: defaults)

    def title(self) -> str:
        return Path(self.path).stem if self.path else (self.imported_title or UNTITLED)

    def _set_path(self, path: str | None) -> None:
        self.path, self.imported_title = path, ""
        self.path_changed.emit(path or "")

    def _stop_generating(self) -> None:
        self.notation.cancel()  # an import still being read must not land on the new piece
        self._continuation.cancel()
        self._continuation.wait()

    def shutdown(self) -> None:
        """Before the window goes: stop reading or writing notation (threads end first)."""
        self.notation.shutdown()

    def _replace(self, melody: Melody, marker: int) -> None:
        """A new untitled piece in place of this one (after the save question)."""
        self._stop_generating()
        self.replacing.emit()
        self.document.load(Piece.of(melody, marker))  # no loop, nothing pending
        self._set_path(None)

    # --- new, open and save -----------------------------------------------------------------------

    def maybe_save(self) -> bool:
        """Before the piece is replaced: True when it may go (saved, discarded or unchanged)."""
        if not self.document.is_modified():
            return True
        answer = self.dialogs.ask_save_changes(self.title())
        if answer == dialog_names.SAVE:
            return self.save()
        return answer == dialog_names.DISCARD

    def current_session(self) -> Session:
        """What a save holds: the piece, the panel's generation settings, the accompaniment."""
        return Session(self.document.piece, self.panel.settings(), self.accompaniment_source())

    def show_session(self, session: Session, path: str | None, load_model: bool = True) -> None:
        """Make ``session`` the piece (opened, or restored after a crash)."""
        self._stop_generating()
        self.replacing.emit()
        self.document.load(session.piece)  # its loop and pending variations too
        self._set_path(path)
        self.generation_loaded.emit(session.generation, load_model)
        self.accompaniment_loaded.emit(session.accompaniment)
        self.piece_opened.emit()

    def new_piece(self) -> bool:
        if not self.maybe_save():
            return False
        seed = self.document.melody
        self._replace(
            Melody(
                steps_per_quarter=seed.steps_per_quarter,
                time_signature=seed.time_signature,
                tempo=seed.tempo,
            ),
            0,
        )
        return True

    def new_from_corpus(self) -> bool:
        """A random opening phrase (2-4 bars) of the current model's style as a fresh seed."""
        model = self.panel.settings().model
        problem = None
        for candidate in [model] + [m for m in shipped_models() if m != model]:
            try:
                opening = random_opening(candidate)
                break
            except SessionError as exc:
                problem = problem or str(exc)
        else:
            self.dialogs.error(
                "No openings",
                f"Could not start from the corpus: {problem or 'no model is installed'}.",
            )
            return False
        if not self.maybe_save():
            return False
        # The phrase runs to its closing bar line, even when its last note ends before it.
        self._replace(opening, opening.bar_end(opening.end))
        self.status_message.emit(
            f"A new opening from the {display_name(candidate)} corpus: "
            "press Continue to carry it on.",
            8000,
        )
        self.piece_opened.emit()
        return True

    def open_dialog(self) -> bool:
        path = self.dialogs.open_path("Open", file_formats.OPEN_FILTER, last_directory())
        return self.open_path(path) if path else False

    def open_path(self, path: str) -> bool:
        """Open a ``.segue`` session, or a MIDI or notation file as a new untitled piece."""
        path = str(path)
        if file_formats.is_melody_path(path):
            if not self.maybe_save():
                return False
            return self.import_path(path, as_new=True)
        try:
            session = read_session(path)
        except SessionFileError as exc:
            self.dialogs.error("Could not open", str(exc))
            if not Path(path).exists():
                prefs.remove_recent_file(str(Path(path).resolve()))
            return False
        if not self.maybe_save():
            return False
        self.show_session(session, str(Path(path).resolve()))
        remember_file(path)
        self.status_message.emit(f"Opened {Path(path).name}.", 5000)
        return True

    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self.save_to(self.path)

    def save_as(self) -> bool:
        suggested = self.path or str(Path(last_directory()) / f"{self.title()}{FILE_SUFFIX}")
        path = self.dialogs.save_path("Save Session", file_formats.SESSION_FILTER, suggested)
        if not path:
            return False
        if not path.lower().endswith(FILE_SUFFIX):
            path += FILE_SUFFIX
        return self.save_to(path)

    def save_to(self, path: str) -> bool:
        try:
            write_session(path, self.document.piece, self.panel.settings(),
                          accompaniment=self.accompaniment_source())
        except SessionFileError as exc:
            self.dialogs.error("Could not save", str(exc))
            return False
        self.document.mark_saved()
        self._set_path(str(Path(path).resolve()))
        remember_file(path)
        self.saved.emit()
        self.status_message.emit(f"Saved {Path(path).name}.", 5000)
        return True

    # --- import and export ------------------------------------------------------------------------

    def import_dialog(self) -> bool:
        path = self.dialogs.open_path("Import", file_formats.IMPORT_FILTER, last_directory())
        return self.import_path(path) if path else False

    def import_path(self, path: str, as_new: bool = False) -> bool:
        """Read a melody from a MIDI, ABC or MusicXML file: as one undoable replacement of the
        piece (undo also brings back the variations it discarded), or (``as_new``) as a new
        untitled piece. Errors leave the piece exactly as it was.

        A MIDI file is read at once. ABC and MusicXML are read in the worker: True then says
        the import started, and ``notation.done`` says how it ended."""
        from segue.engine.midi_io import MidiImportError

        path = str(path)
        if file_formats.is_notation_path(path):
            from segue.engine.notation import parse_notation  # noqa: PLC0415 - no music21 yet

            def take(result) -> None:
                self._take_import(result, Path(path).name, as_new)
                remember_directory(path)

            return self.notation.read(Path(path).name, lambda: parse_notation(path), take)
        try:
            result = import_midi_file(path, self.dialogs.choose_track)
        except MidiImportError as exc:
            self.dialogs.error("Could not import", str(exc))
            return False
        if result is None:
            return False  # the user cancelled the track choice
        self._take_import(result, Path(path).name, as_new)
        remember_directory(path)
        return True

    def import_clipboard(self) -> bool:
        """ABC text on the clipboard (a tune copied from a web page) becomes the piece, read in
        the worker as a file is (True: started; ``notation.done`` says how it ended). The
        clipboard has the size cap of a notation file."""
        from segue.engine.notation import looks_like_abc, parse_abc_text

        text = QGuiApplication.clipboard().text()
        try:
            limits.check_size(len(text), limits.MAX_CLIPBOARD_CHARS, "ABC text")
        except ValueError as exc:  # before anything scans it
            self.dialogs.error("Could not import", f"The clipboard cannot be imported: {exc}.")
            return False
        if not looks_like_abc(text):
            self.dialogs.error(
                "Nothing to import",
                "The clipboard holds no ABC tune. Copy a tune's ABC text, from its X: line to "
                "its last bar (it needs a K: line), then try again.",
            )
            return False
        return self.notation.read(
            "the clipboard", lambda: parse_abc_text(text),
            lambda result: self._take_import(result, "the clipboard", as_new=False),
        )

    def _take_import(self, result, source: str, as_new: bool) -> None:
        melody = result.melody
        imported = Piece.of(melody).with_chords(result.chords)  # the file's chords come along
        self._stop_generating()
        replaced_notes = not as_new and bool(self.document.melody.notes)
        if as_new:
            self.replacing.emit()
            # A new piece, as before the loop moved into it: the transport's loop stays.
            self.document.load(imported.taking(self.document.piece, LOOP))
            self._set_path(None)
        else:
            self.document.replace_piece(imported, f"Import {source}")
        self.imported_title = getattr(result.report, "title", "") or ""  # T: of an ABC export
        summary = import_summary(result.report) if result.report else f"Imported {source}."
        if replaced_notes:  # the import replaced notes the user had: say how to get them back
            summary += " Undo brings the old piece back."
        bars = math.ceil(melody.end / melody.steps_per_bar)
        if bars > 8:
            summary += f" {bars} bars: select some and use Edit > Use Selection as Seed to pick."
        self.status_message.emit(summary, 10000)
        self.piece_opened.emit()

    def use_selection_as_seed(self, notes) -> bool:
        """The selected notes' span becomes the seed: the piece starts at the bar of the first,
        the Continue marker goes after the last (one undo step; notes after it stay)."""
        if not notes:
            self.status_message.emit("Select the notes of the seed first.", 5000)
            return False
        bar = self.document.melody.steps_per_bar
        start, end = min(n.start for n in notes), max(n.end for n in notes)
        self.document.set_piece(self.document.piece.cropped_to_seed(start, end), "Use Selection as Seed")
        cut = start // bar
        before = f" (the {cut} bar(s) before it were cut: Undo brings them back)" if cut else ""
        self.status_message.emit(
            f"The seed is now bars {cut + 1}-{math.ceil(end / bar)}{before}.", 8000
        )
        return True

    def export_dialog(self) -> bool:
        options = self.dialogs.export_options(
            has_variation=self.document.current_variation() is not None,
            has_seed=bool(self.document.seed().notes),
        )
        if options is None:
            return False
        suffix = prefs.read(prefs.EXPORT_SUFFIX)
        if suffix not in EXPORT_SUFFIXES:
            suffix = file_formats.MIDI.suffix
        name = suggested_file_name(
            self.title(), options, self.document.current_index + 1, suffix=suffix
        )
        path = self.dialogs.save_path(
            "Export", file_formats.EXPORT_FILTER, str(Path(last_directory()) / name)
        )
        if not path:
            return False
        if Path(path).suffix.lower() not in EXPORT_SUFFIXES:
            path += file_formats.MIDI.suffix
        return self.export_to(path, options)

    def export_to(self, path: str, options: ExportOptions) -> bool:
        """Write the chosen notes as MIDI, ABC or MusicXML, by the suffix of ``path``. MIDI is
        written at once; ABC and MusicXML in the worker (True: started; ``notation.done`` says
        how it ended)."""
        from segue.engine.midi_io import MidiExportError

        path, title = str(path), self.title()
        notation = file_formats.is_notation_path(path)
        try:
            # A piece without a key of its own gets the key the continuations are locked to.
            piece = self.document.piece
            key = piece.resolved_key()
            if notation:
                melody, chords = notation_melody(piece, options, key), chords_to_export(piece, options)
            else:
                export_file(path, piece, options, title, key, self.accompaniment_source())
        except ValueError as exc:
            self.dialogs.error("Nothing to export", f"Could not export {Path(path).name}: {exc}.")
            return False
        except MidiExportError as exc:
            self.dialogs.error("Could not export", str(exc))
            return False
        if notation:
            return self.notation.write(
                Path(path).name, lambda: notation_export_job(melody, path, title, chords),
                lambda: self._exported(path),
            )
        self._exported(path)
        return True

    def _exported(self, path: str) -> None:
        remember_directory(path)
        prefs.write(prefs.EXPORT_SUFFIX, Path(path).suffix.lower())
        self.status_message.emit(f"Exported {Path(path).name}.", 5000)

    # --- recent files and dropped files -----------------------------------------------------------

    def fill_recent_menu(self, menu: QMenu) -> None:
        menu.clear()
        files = prefs.recent_files()
        for path in files:
            action = menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.setStatusTip(path)
            action.triggered.connect(lambda _checked=False, p=path: self.open_path(p))
        if not files:
            menu.addAction("No recent files").setEnabled(False)

    def open_dropped(self, path: str) -> bool:
        """A file dropped on the window: a MIDI or notation file is imported, a session opened."""
        return self.import_path(path) if file_formats.is_melody_path(path) else self.open_path(path)


def remember_file(path: str) -> None:
    prefs.add_recent_file(str(Path(path).resolve()))
    remember_directory(path)


def remember_directory(path: str) -> None:
    prefs.write(prefs.LAST_DIRECTORY, str(Path(path).resolve().parent))


def last_directory() -> str:
    directory = prefs.read(prefs.LAST_DIRECTORY)
    return directory if directory and Path(directory).is_dir() else str(Path.home())


def dropped_file(mime) -> str | None:
    """The first local MIDI, notation or session file among dropped ``mime`` data, else None."""
    for url in mime.urls() if mime.hasUrls() else []:
        if url.isLocalFile():
            local = url.toLocalFile()
            if file_formats.is_melody_path(local) or local.lower().endswith(FILE_SUFFIX):
                return local
    return None


class FileDrops:
    """What the window does with a drag over it: a session or MIDI file dropped on it opens
    (the drag handle's own drags are not taken back)."""

    def __init__(self, files: FilesController, own_source: QObject | None = None):
        self._files, self._own_source = files, own_source

    def enter(self, event: QDragEnterEvent | QDragMoveEvent) -> None:
        if dropped_file(event.mimeData()) and event.source() is not self._own_source:
            event.acceptProposedAction()
        else:
            event.ignore()

    def drop(self, event: QDropEvent) -> None:
        path = dropped_file(event.mimeData())
        if not path:
            event.ignore()
            return
        event.acceptProposedAction()
        # Open after the drop returns: a modal question inside a drop blocks the source app.
        QTimer.singleShot(0, lambda: self._files.open_dropped(path))
