"""The window's shortcuts work while a number box has the keyboard focus.

A spin box's text field claims every key it has a meaning for before any shortcut sees it (Qt's
ShortcutOverride), and on Linux desktops that includes Emacs keys such as Ctrl+E (end of line):
Export did nothing while the tempo or a generation setting had the focus. In a number box the
only keys with modifiers worth keeping are the clipboard, undo and select-all ones; every other
Ctrl or Alt combination goes to the window's shortcuts (and, when none has it, on to the box as
usual). Plain keys (digits, arrows, Home, End, Backspace) stay the box's.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractSpinBox, QLineEdit, QWidget

# What a number box's text field keeps even with Ctrl held.
BOX_KEYS = (
    QKeySequence.StandardKey.Copy,
    QKeySequence.StandardKey.Cut,
    QKeySequence.StandardKey.Paste,
    QKeySequence.StandardKey.Undo,
    QKeySequence.StandardKey.Redo,
    QKeySequence.StandardKey.SelectAll,
)
COMMAND_MODIFIERS = (
    Qt.KeyboardModifier.ControlModifier
    | Qt.KeyboardModifier.AltModifier
    | Qt.KeyboardModifier.MetaModifier
)


def is_window_key(event: QKeyEvent) -> bool:
    """True for a key with Ctrl, Alt or Meta that a number box has no use for."""
    if not event.modifiers() & COMMAND_MODIFIERS:
        return False
    return not any(event.matches(key) for key in BOX_KEYS)


class WindowKeysFirst(QObject):
    """Event filter for number boxes: see the module docstring."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and is_window_key(event)
        ):
            event.ignore()  # not the box's: the shortcut map tries the window's shortcuts
            return True
        return False


def window_keys_work_in_number_boxes(window: QWidget) -> WindowKeysFirst:
    """Install :class:`WindowKeysFirst` on every spin box of ``window`` and its text field."""
    keys_first = WindowKeysFirst(window)
    for box in window.findChildren(QAbstractSpinBox):
        box.installEventFilter(keys_first)
        edit = box.findChild(QLineEdit)
        if edit is not None:
            edit.installEventFilter(keys_first)
    return keys_first
