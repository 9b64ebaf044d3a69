"""The strip above the piano roll: tool, snap, snap to scale, zoom to fit, follow playhead, tempo
and meter.

It only calls the editor's and the view's public methods and mirrors their state, so the main
window can hide it and drive the roll from its own toolbar instead.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QWidget,
)

from segue.gui.piano_roll.editor import RollEditor
from segue.gui.piano_roll.meter import MeterControls
from segue.gui.piano_roll.snap import SNAP_CHOICES
from segue.gui.piano_roll.view import RollView


class RollHeader(QWidget):
    def __init__(self, editor: RollEditor, view: RollView):
        super().__init__()
        self._editor = editor
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 3, 6, 3)
        layout.setSpacing(6)

        self.tool_buttons: dict[str, QToolButton] = {}
        self._tool_group = QButtonGroup(self)
        for name, label, tip in (
            ("draw", "Draw", "Draw tool: click or drag on empty grid to add notes"),
            (
                "select",
                "Select",
                "Select tool: drag a rectangle to select; double-click adds a note",
            ),
        ):
            button = QToolButton()
            button.setText(label)
            button.setCheckable(True)
            button.setToolTip(tip)
            button.clicked.connect(lambda _=False, n=name: editor.set_tool(n))
            self._tool_group.addButton(button)
            self.tool_buttons[name] = button
            layout.addWidget(button)

        layout.addSpacing(10)
        layout.addWidget(QLabel("Snap"))
        self.snap = QComboBox()
        self.snap.addItems(list(SNAP_CHOICES))
        self.snap.setToolTip("Grid for drawing, moving and resizing; hold Alt to bypass. "
                             "1/8T, 1/16T: triplets (the piece goes onto a triplet grid)")
        self.snap.currentTextChanged.connect(editor.set_snap)
        layout.addWidget(self.snap)

        self.scale_snap = QToolButton()
        self.scale_snap.setText("Scale")
        self.scale_snap.setCheckable(True)
        self.scale_snap.setToolTip(
            "Snap to scale: drawn and dragged notes land on the notes of the key shown on the "
            "roll (hold Alt to bypass)"
        )
        self.scale_snap.toggled.connect(lambda on: editor.set_scale_options(snap=on))
        layout.addWidget(self.scale_snap)

        self.fit = QToolButton()
        self.fit.setText("Fit")
        self.fit.setToolTip("Zoom to fit the whole melody")
        self.fit.clicked.connect(view.zoom_to_fit)
        layout.addWidget(self.fit)

        self.follow = QCheckBox("Follow")
        self.follow.setToolTip("Scroll to keep the playhead in view during playback")
        self.follow.setChecked(view.follow)
        self.follow.toggled.connect(lambda on: setattr(view, "follow", on))
        layout.addWidget(self.follow)

        # Choosing a tool or a snap with the mouse leaves the keyboard focus on the notes, so
        # the arrows go on moving notes (a focused snap box would take them and change the snap).
        for widget in (
            *self.tool_buttons.values(), self.snap, self.scale_snap, self.fit, self.follow
        ):
            widget.setFocusPolicy(Qt.FocusPolicy.TabFocus)

        layout.addStretch(1)
        self.meter = MeterControls(editor.document)
        self.meter.status_message.connect(editor.status_message)
        layout.addWidget(self.meter)
        self.show_state()
        editor.settings_changed.connect(self.show_state)

    def show_state(self) -> None:
        """Mirror the editor's tool and snap without echoing them back."""
        self.tool_buttons[self._editor.tool].setChecked(True)
        self.snap.blockSignals(True)
        self.snap.setCurrentText(self._editor.snap)
        self.snap.blockSignals(False)
        self.scale_snap.blockSignals(True)
        self.scale_snap.setChecked(self._editor.scale.snap)
        self.scale_snap.blockSignals(False)
