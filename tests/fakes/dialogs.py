"""Scripted answers for the window's questions (tests, benchmarks, automation).

``ScriptedDialogs(**answers)`` has the methods of :class:`segue.gui.dialogs.Dialogs`, answers
from a script instead of asking and records every question, so no test blocks on a modal dialog.
"""

from __future__ import annotations

from segue.gui.dialogs import CANCEL, CONTINUE_AFTER


class ScriptedDialogs:
    """Answers from a script instead of asking, and records every question (tests, automation).

    ``answers`` maps a question to its answer: ``save_changes`` (SAVE/DISCARD/CANCEL),
    ``restore`` (bool), ``open_path`` / ``save_path`` (a path or None), ``track`` (an index,
    None, or a callable taking the tracks), ``export`` (ExportOptions or None),
    ``notes_after_marker`` (CONTINUE_AFTER, the default, WRITE_OVER or CANCEL), ``open_folder``
    (a folder or None), ``replace_model`` (bool). A list answers
    successive questions in turn. ``asked`` holds ``(kind, *details)`` tuples in order.
    """

    DEFAULTS = {
        "save_changes": CANCEL,
        "restore": False,
        "open_path": None,
        "save_path": None,
        "track": None,
        "export": None,
        "notes_after_marker": CONTINUE_AFTER,  # the real question's default: the notes stay
        "open_folder": None,
        "replace_model": False,
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

    def open_folder(self, title: str, directory: str = "") -> str | None:
        self.asked.append(("open_folder", title))
        return self._answer("open_folder")

    def ask_replace_model(self, name: str) -> bool:
        self.asked.append(("replace_model", name))
        return bool(self._answer("replace_model"))

    def choose_track(self, file_name: str, tracks: list) -> int | None:
        self.asked.append(("track", file_name, tracks))
        answer = self._answer("track")
        return answer(tracks) if callable(answer) else answer

    def export_options(self, has_variation: bool, has_seed: bool):
        self.asked.append(("export", has_variation, has_seed))
        return self._answer("export")

    def ask_notes_after_marker(self, count: int, where: str) -> str:
        self.asked.append(("notes_after_marker", count, where))
        return self._answer("notes_after_marker")
