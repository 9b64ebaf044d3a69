"""The small dialog that asks a transform's parameters (semitones, inversion pitch, quantize
strength and swing, humanize bounds and seed, ramp velocities).

A transform describes what it needs as :class:`Field` values; :func:`ask_parameters` shows them
in a form and returns ``{name: value}`` or None when cancelled. Percent fields come back as
fractions (0-1). Tests replace the asking function, so no test blocks on a modal dialog.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QWidget

from segue.gui.generation.controls import NoteSpinBox
from segue.gui.number_box import NumberBox

KINDS = ("int", "percent", "pitch")


@dataclass(frozen=True)
class Field:
    """One parameter: ``kind`` 'int', 'percent' (shown in % within ``minimum``-``maximum``, at
    most 0-100, given as a fraction) or 'pitch'."""

    name: str
    label: str
    default: int | float
    minimum: int = 0
    maximum: int = 127
    kind: str = "int"
    suffix: str = ""
    tip: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"field kind must be one of {', '.join(KINDS)}; got {self.kind!r}")


def defaults(fields: list[Field]) -> dict:
    return {field.name: field.default for field in fields}


class TransformDialog(QDialog):
    def __init__(self, title: str, fields: list[Field], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self._fields = fields
        self.boxes: dict[str, NumberBox] = {}
        form = QFormLayout(self)
        for field in fields:
            box = NoteSpinBox(name=field.label) if field.kind == "pitch" else NumberBox(field.label)
            if field.kind == "percent":
                box.setRange(max(0, field.minimum), min(100, field.maximum))
                box.setSuffix(" %")
                box.setValue(round(field.default * 100))
            else:
                box.setRange(field.minimum, field.maximum)
                box.setSuffix(field.suffix)
                box.setValue(int(field.default))
            box.setToolTip(field.tip)
            self.boxes[field.name] = box
            form.addRow(field.label, box)
        # A number typed past a limit is set to the limit; this line says so (no status bar here).
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.hide()
        for box in self.boxes.values():
            box.out_of_range.connect(self._show_note)
        form.addRow(self.note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _show_note(self, text: str) -> None:
        self.note.setText(text)
        self.note.show()

    def values(self) -> dict:
        values = {}
        for field in self._fields:
            value = self.boxes[field.name].value()
            values[field.name] = value / 100 if field.kind == "percent" else value
        return values


def ask_parameters(parent: QWidget | None, title: str, fields: list[Field]) -> dict | None:
    """Show the fields in a modal dialog; their values, or None when cancelled."""
    dialog = TransformDialog(title, fields, parent)
    return dialog.values() if dialog.exec() == QDialog.DialogCode.Accepted else None
