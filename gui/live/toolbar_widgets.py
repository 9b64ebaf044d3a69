"""Small pieces the toolbars share: filling a toolbar, port lists that show whole names, and
Space that still plays from a number box."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import QComboBox, QToolBar

LIST_PADDING = 48  # pixels beside the widest name in a port list (margins, scroll bar)


def place(bar: QToolBar, items) -> None:
    """Add actions and widgets to ``bar`` in order; None is a separator."""
    for item in items:
        if item is None:
            bar.addSeparator()
        elif isinstance(item, QAction):
            bar.addAction(item)
        else:
            bar.addWidget(item)


def show_full_names(combo: QComboBox, tip: str) -> None:
    """A port list elides long names in its box ("midi-monitor:inpu…"): its open list is made
    wide enough for the longest, each item's tip is its whole name (unless it already says why
    it is disabled), and the box's tip names the current choice in full."""
    metrics = combo.view().fontMetrics()
    widest = 0
    for index in range(combo.count()):
        text = combo.itemText(index)
        widest = max(widest, metrics.horizontalAdvance(text))
        if not combo.itemData(index, Qt.ItemDataRole.ToolTipRole):
            combo.setItemData(index, text, Qt.ItemDataRole.ToolTipRole)
    combo.view().setMinimumWidth(widest + LIST_PADDING)
    combo.setToolTip(f"{tip}: {combo.currentText()}" if combo.currentText() else tip)


class SpaceStillPlays(QObject):
    """Event filter for the toolbar's number boxes: a space typed there would do nothing, so it
    goes to the Play shortcut instead (DAW users press Space right after changing the tempo)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Space
            and event.modifiers() == Qt.KeyboardModifier.NoModifier
        ):
            event.ignore()
            return True
        return False
