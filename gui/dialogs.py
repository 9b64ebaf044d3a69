"""Every modal question and message the app shows, behind one replaceable object.

The main window never calls ``QMessageBox`` or ``QFileDialog`` itself; it asks its
:class:`Dialogs`. Tests hand the window a scripted stand-in with the same methods, so no test
ever blocks on a modal dialog.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

SESSION_FILTER = "Segue sessions (*.segue)"
MIDI_FILTER = "MIDI files (*.mid *.midi)"
ABC_FILTER = "ABC tunes (*.abc)"
MUSICXML_FILTER = "MusicXML (*.musicxml *.xml *.mxl)"
IMPORT_FILTER = (
    "Melodies (*.mid *.midi *.abc *.musicxml *.xml *.mxl);;"
    + ";;".join((MIDI_FILTER, ABC_FILTER, MUSICXML_FILTER))
)
# The save dialog's first filter is the default; the typed suffix picks the format.
EXPORT_FILTER = ";;".join((
    "MIDI file (*.mid)", ABC_FILTER, "MusicXML (*.musicxml)", "Compressed MusicXML (*.mxl)"
))
MODEL_FILTER = "Segue models (*.safetensors)"
OPEN_FILTER = (
    "Segue sessions and melodies (*.segue *.mid *.midi *.abc *.musicxml *.xml *.mxl);;"
    + SESSION_FILTER + ";;" + IMPORT_FILTER.split(";;", 1)[1]
)

SAVE, DISCARD, CANCEL = "save", "discard", "cancel"


class Dialogs:
    """The real, modal dialogs, parented to ``parent``."""

    def __init__(self, parent: QWidget | None = None):
        self.parent = parent

    # --- messages ---------------------------------------------------------------------------

    def error(self, title: str, text: str) -> None:
        QMessageBox.warning(self.parent, title, text)

    def info(self, title: str, text: str) -> None:
        QMessageBox.information(self.parent, title, text)

    def ask_save_changes(self, document_name: str) -> str:
        """SAVE, DISCARD or CANCEL for a piece with unsaved changes."""
        box = QMessageBox(self.parent)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Unsaved changes")
        box.setText(f"Save the changes to {document_name}?")
        box.setInformativeText("Your changes will be lost if you don't save them.")
        buttons = QMessageBox.StandardButton
        box.setStandardButtons(buttons.Save | buttons.Discard | buttons.Cancel)
        box.setDefaultButton(buttons.Save)
        answer = box.exec()
        return {buttons.Save: SAVE, buttons.Discard: DISCARD}.get(buttons(answer), CANCEL)

    def ask_restore(self, description: str) -> bool:
        """True to restore a recovery file described as ``description``."""
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self.parent,
            "Restore unsaved work?",
            f"Segue did not close properly last time. Restore {description}?\n\n"
            "If you choose No, the recovered piece is deleted.",
            buttons.Yes | buttons.No,
            buttons.Yes,
        )
        return answer == buttons.Yes

    # --- files ------------------------------------------------------------------------------

    def open_path(self, title: str, file_filter: str, directory: str = "") -> str | None:
        path, _ = QFileDialog.getOpenFileName(self.parent, title, directory, file_filter)
        return path or None

    def save_path(self, title: str, file_filter: str, suggested: str = "") -> str | None:
        path, _ = QFileDialog.getSaveFileName(self.parent, title, suggested, file_filter)
        return path or None

    # --- choosers (their widgets live in their own modules) ----------------------------------

    def choose_track(self, file_name: str, tracks: list) -> int | None:
        """The index of the track to import from ``tracks`` (TrackInfo, or NotationPart for an
        ABC file's tunes and a score's parts), or None if cancelled."""
        from segue.gui.window.import_dialog import TrackChooserDialog

        dialog = TrackChooserDialog(file_name, tracks, self.parent)
        return dialog.chosen_track() if dialog.exec() else None

    def export_options(self, has_variation: bool, has_seed: bool):
        """The user's :class:`gui.window.export.ExportOptions`, or None if cancelled.

        The dialog opens on the choice made last time (musicians export the same way again and
        again); it is remembered in the app's settings.
        """
        from segue.gui import settings as prefs
        from segue.gui.window.export import CHOICES, PIECE, ExportDialog, ExportOptions

        last = prefs.read(prefs.EXPORT_CHOICE)
        initial = ExportOptions(
            last if last in CHOICES else PIECE,
            separate_tracks=prefs.read(prefs.EXPORT_SEPARATE_TRACKS),
        )
        dialog = ExportDialog(
            has_variation=has_variation, has_seed=has_seed, initial=initial, parent=self.parent
        )
        if not dialog.exec():
            return None
        options = dialog.options()
        prefs.write(prefs.EXPORT_CHOICE, options.what)
        prefs.write(prefs.EXPORT_SEPARATE_TRACKS, options.separate_tracks)
        return options


class ScriptedDialogs:
    """Answers from a script instead of asking, and records every question (tests, automation).

    ``answers`` maps a question to its answer: ``save_changes`` (SAVE/DISCARD/CANCEL),
    ``restore`` (bool), ``open_path`` / ``save_path`` (a path or None), ``track`` (an index,
    None, or a callable taking the tracks), ``export`` (ExportOptions or None). A list answers
    successive questions in turn. ``asked`` holds ``(kind, *details)`` tuples in order.
    """

    DEFAULTS = {
        "save_changes": CANCEL,
        "restore": False,
        "open_path": None,
        "save_path": None,
        "track": None,
        "export": None,
    }

    def __init__(self, **answers):
        unknown = set(answers) - set(self.DEFAULTS)
        if unknown:
            raise ValueError(f"unknown scripted answers: {', '.join(sorted(unknown))}")
        self.answers = {**self.DEFAULTS, **answers}
        self.asked: list[tuple] = []

    def _answer(self, key: str):
        value = self.answers[key]
        if isinstance(value, list):
            return value.pop(0) if value else None
        return value

    def kinds(self) -> list[str]:
        return [entry[0] for entry in self.asked]

    def messages(self, kind: str = "error") -> list[str]:
        return [entry[2] for entry in self.asked if entry[0] == kind]

    def error(self, title: str, text: str) -> None:
        self.asked.append(("error", title, text))

    def info(self, title: str, text: str) -> None:
        self.asked.append(("info", title, text))

    def ask_save_changes(self, document_name: str) -> str:
        self.asked.append(("save_changes", document_name))
        return self._answer("save_changes")

    def ask_restore(self, description: str) -> bool:
        self.asked.append(("restore", description))
        return bool(self._answer("restore"))

    def open_path(self, title: str, file_filter: str, directory: str = "") -> str | None:
        self.asked.append(("open_path", title, file_filter))
        return self._answer("open_path")

    def save_path(self, title: str, file_filter: str, suggested: str = "") -> str | None:
        self.asked.append(("save_path", title, suggested))
        return self._answer("save_path")

    def choose_track(self, file_name: str, tracks: list) -> int | None:
        self.asked.append(("track", file_name, tracks))
        answer = self._answer("track")
        return answer(tracks) if callable(answer) else answer

    def export_options(self, has_variation: bool, has_seed: bool):
        self.asked.append(("export", has_variation, has_seed))
        return self._answer("export")
