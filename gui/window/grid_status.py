"""The status bar's grid field: which grid the piece is on, shown only when it is not the plain
1/16 grid every straight piece has ("Grid: 1/16 with triplets" once a triplet snap or an
import with triplets put it on 12 steps per quarter)."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QMainWindow

from segue.engine.grid import STRAIGHT_STEPS_PER_QUARTER
from segue.gui.document import Document
from segue.gui.window.layout import STATUS_FIELD_MARGIN

GRID_TIP = ("The piece's grid: the shortest note it holds. With triplets, 1/8T and 1/16T notes "
            "sit beside the straight ones; the models hear the piece on a straight 1/16 grid.")


def grid_text(steps_per_quarter: int) -> str:
    """'Grid: 1/16 with triplets' for 12 steps per quarter, 'Grid: 1/32' for 8, '' for 4."""
    if steps_per_quarter == STRAIGHT_STEPS_PER_QUARTER:
        return ""
    straight = steps_per_quarter // 3 if steps_per_quarter % 3 == 0 else steps_per_quarter
    if straight & (straight - 1):  # not a power of two: no note value names it
        return f"Grid: {steps_per_quarter} steps per quarter"
    triplets = " with triplets" if straight != steps_per_quarter else ""
    return f"Grid: 1/{4 * straight}{triplets}"


class GridStatus(QObject):
    """The grid field of ``window``'s status bar, following ``document``'s piece."""

    def __init__(self, window: QMainWindow, document: Document):
        super().__init__(window)
        self._document = document
        self.label = QLabel("")
        self.label.setToolTip(GRID_TIP)
        rule = window.palette().color(QPalette.ColorRole.Mid).name()
        self.label.setStyleSheet(f"QLabel {{ border: none; border-left: 1px solid {rule}; "
                                 f"padding: 0 {STATUS_FIELD_MARGIN}px; }}")
        window.statusBar().addPermanentWidget(self.label)
        document.melody_changed.connect(self.show_grid)
        self.show_grid()

    def show_grid(self) -> None:
        text = grid_text(self._document.melody.steps_per_quarter)
        self.label.setText(text)
        self.label.setVisible(bool(text))  # no empty field between two rules
