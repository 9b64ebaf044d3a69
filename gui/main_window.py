"""The main window: piano roll in the middle, status bar below."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QMainWindow


class MainWindow(QMainWindow):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Segue")
        self.resize(1200, 760)
        placeholder = QLabel("piano roll")
        self.setCentralWidget(placeholder)
        self.statusBar().showMessage("Ready")
