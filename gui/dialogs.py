"""Every modal question and message the app shows, behind one replaceable object.

The main window never calls ``QMessageBox`` or ``QFileDialog`` itself; it asks its
:class:`Dialogs`. Tests hand the window a scripted stand-in with the same methods
(``tests/fakes/dialogs.py``), so no test ever blocks on a modal dialog.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

SAVE, DISCARD, CANCEL = "save", "discard", "cancel"
CONTINUE_AFTER, WRITE_OVER = "continue_after", "write_over"  # notes after the continue marker


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

    def ask_notes_after_marker(self, count: int, where: str) -> str:
        """CONTINUE_AFTER (the default: the notes stay), WRITE_OVER or CANCEL, when Continue
        finds ``count`` notes at or after the continue marker (``where``: "in bar 3")."""
        notes = "1 note" if count == 1 else f"{count} notes"
        box = QMessageBox(self.parent)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Notes after the marker")
        box.setText(f"There {'is' if count == 1 else 'are'} {notes} after the continue marker "
                    f"({where}).")
        box.setInformativeText(
            "Continue after them (the marker moves past them), or write over them (Accept "
            "then replaces them; Undo brings them back)?"
        )
        after = box.addButton("Continue After Them", QMessageBox.ButtonRole.AcceptRole)
        over = box.addButton("Write Over Them", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(after)
        box.exec()
        return {id(after): CONTINUE_AFTER, id(over): WRITE_OVER}.get(id(box.clickedButton()), CANCEL)

    def ask_replace_model(self, name: str) -> bool:
        """True to replace the model ``name`` the user already has (Learn a Style)."""
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self.parent,
            "Replace the model?",
            f"You already have a model named {name}. Replace it with the one being learnt?",
            buttons.Yes | buttons.No,
            buttons.No,
        )
        return answer == buttons.Yes

    # --- files ------------------------------------------------------------------------------

    def open_path(self, title: str, file_filter: str, directory: str = "") -> str | None:
        path, _ = QFileDialog.getOpenFileName(self.parent, title, directory, file_filter)
        return path or None

    def open_folder(self, title: str, directory: str = "") -> str | None:
        path = QFileDialog.getExistingDirectory(self.parent, title, directory)
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
