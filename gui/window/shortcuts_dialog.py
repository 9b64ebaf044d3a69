"""Help > Keyboard Shortcuts: every key the window answers, searchable.

The list is read from the actions themselves (so it cannot drift from what the keys do), plus
the piano roll's own keys, which are handled in :meth:`gui.piano_roll.editor.RollEditor.handle_key`
and the roll's mouse gestures rather than by actions. Typing in the filter box keeps the rows
whose command, keys or place contain the text, as in Reaper's action list.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

WINDOW = "Window"
ROLL = "Piano roll"
# The roll's keys that no action carries: (command, keys).
ROLL_KEYS = (
    ("Move the selected notes a grid step / a semitone", "Left, Right, Up, Down"),
    ("Move the selected notes a bar / an octave", "Shift+Left, Shift+Right, Shift+Up, Shift+Down"),
    ("Clear the selection (during a drag: cancel it)", "Esc"),
    ("Draw or drag off the grid (bypass snap)", "hold Alt"),
    ("Scroll pitch / time", "Wheel, Shift+Wheel"),
    ("Zoom time / pitch", "Ctrl+Wheel, Ctrl+Shift+Wheel"),
)


def command_name(action: QAction) -> str:
    """The action's text as a reader sees it: '&Continue' -> 'Continue', 'Call && Response' ->
    'Call & Response', no trailing ellipsis."""
    text = action.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
    return text.removesuffix("…").removesuffix("...").strip()


def shortcut_text(action: QAction) -> str:
    """The action's keys in the platform's spelling, several joined by ', '."""
    return ", ".join(
        sequence.toString(QKeySequence.SequenceFormat.NativeText)
        for sequence in action.shortcuts()
        if not sequence.isEmpty()
    )


def window_shortcuts(actions: Iterable[QAction]) -> list[tuple[str, str, str]]:
    """(command, keys, where) for every action with a key, then the roll's own keys."""
    rows, seen = [], set()
    for action in actions:
        keys = shortcut_text(action)
        name = command_name(action)
        if keys and name and (name, keys) not in seen:
            seen.add((name, keys))
            rows.append((name, keys, WINDOW))
    rows.sort(key=lambda row: row[0].lower())
    return rows + [(name, keys, ROLL) for name, keys in ROLL_KEYS]


def all_actions(window: QWidget) -> list[QAction]:
    """The window's actions: its named commands first, then every other action it owns (the
    transport's Play, the dock's toggle, the undo stack's)."""
    named = list(getattr(window, "actions", {}).values())
    return named + [a for a in window.findChildren(QAction) if a not in named]


class ShortcutsDialog(QDialog):
    """The shortcut list with a filter box; ``rows()`` are the rows now shown."""

    def __init__(self, actions: Iterable[QAction], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Keyboard Shortcuts")
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText("Search commands and keys…")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._filter)
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Command", "Keys", "Where"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        for row in window_shortcuts(actions):
            self.tree.addTopLevelItem(QTreeWidgetItem(list(row)))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.tree)
        layout.addWidget(buttons)
        self.resize(620, 520)
        self.filter_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def rows(self) -> list[tuple[str, str, str]]:
        """(command, keys, where) of the rows the filter leaves showing."""
        shown = []
        for index in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(index)
            if not item.isHidden():
                shown.append((item.text(0), item.text(1), item.text(2)))
        return shown

    def _filter(self, text: str) -> None:
        words = text.lower().split()
        for index in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(index)
            haystack = " ".join(item.text(column) for column in range(3)).lower()
            item.setHidden(not all(word in haystack for word in words))


def show_shortcuts(window: QWidget) -> ShortcutsDialog:
    """Help > Keyboard Shortcuts: a fresh list (actions may have changed), not modal."""
    dialog = ShortcutsDialog(all_actions(window), window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
