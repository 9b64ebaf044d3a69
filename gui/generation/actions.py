"""The generation commands as actions: one QAction per command, shared by the Generate menu,
the window's shortcuts and the generation panel's buttons (``QToolButton.setDefaultAction``),
so whether a command is available is decided once, in :meth:`GenerationActions.update`.

The texts of the buttons are the actions' icon texts ("Accept"); the menus show the full texts
("&Accept Variation"). Tooltips are the musician's-words tips of the panel.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence

from segue.gui.generation.tooltips import rich_tip

TIPS = {
    "continue": "Write a continuation after the marker from the notes before it.",
    "fill": "Rewrite the selected bars (or the loop region when nothing is selected) with music "
    "that leads on from the bars before and into the bars after; notes outside them stay as they "
    "are. Flip, Accept and Undo work as for Continue.",
    "cancel": "Stop the continuation being written; your piece stays as it was.",
    "previous_variation": "Show the previous variation.",
    "next_variation": "Show the next variation.",
    "accept": "Keep this variation: it becomes part of the piece in place of any notes after the "
    "marker (one undo step; Undo brings the variations back), and the marker moves to the end of "
    "the new phrase so the next Continue goes on from there.",
    "regenerate": "Throw these variations away and write new ones with the current settings.",
    "discard": "Throw the variations away; the piece stays as it was.",
    "audition": "Play the piece with this variation through the MIDI output.",
}

# key: (menu text, button text, shortcuts, status tip)
COMMANDS = {
    "continue": ("&Continue", "Continue", ["Ctrl+G"], "Write a continuation after the marker."),
    "fill": ("&Fill", "Fill", ["Ctrl+Shift+F"],
             "Rewrite the selected bars (or the loop region) to fit the music around them."),
    "cancel": ("Cancel", "Cancel", ["Esc"], "Stop the continuation being written."),
    "previous_variation": ("&Previous Variation", "Previous", ["Alt+Left"], ""),
    "next_variation": ("&Next Variation", "Next", ["Alt+Right"], ""),
    "accept": ("&Accept Variation", "Accept", ["Ctrl+Return", "Ctrl+Enter"],
               "Keep the current variation (one undo step)."),
    "regenerate": ("&Regenerate", "Regenerate", ["Ctrl+Shift+G"],
                   "Write new variations with the current settings."),
    "discard": ("&Discard Variations", "Discard", ["Ctrl+Backspace"], ""),
    "audition": ("A&udition Variation", "Audition", ["Ctrl+Shift+Space"], ""),
}


class GenerationActions(QObject):
    """The actions, by key (``actions["accept"]``); :meth:`update` enables them."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._actions: dict[str, QAction] = {}
        for key, (text, button_text, shortcuts, status) in COMMANDS.items():
            action = QAction(text, self)
            action.setIconText(button_text)
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
            action.setToolTip(rich_tip(TIPS[key]))
            if status:
                action.setStatusTip(status)
            self._actions[key] = action
        self.update(busy=False, variations=0)

    def __getitem__(self, key: str) -> QAction:
        return self._actions[key]

    def items(self):
        return self._actions.items()

    def update(self, busy: bool, variations: int) -> None:
        """Continue and Fill while idle, Cancel while busy; flipping needs two variations, the rest one."""
        self["continue"].setEnabled(not busy)
        self["fill"].setEnabled(not busy)
        self["cancel"].setEnabled(busy)
        for key in ("previous_variation", "next_variation"):
            self[key].setEnabled(variations > 1 and not busy)
        for key in ("accept", "regenerate", "discard", "audition"):
            self[key].setEnabled(variations > 0 and not busy)
