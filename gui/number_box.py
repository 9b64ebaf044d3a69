"""Number boxes that keep what was typed: a value out of range is set to the nearest limit, with
a word saying so, instead of being cut short digit by digit.

Qt's own spin boxes refuse a keystroke that would take the number past the maximum, so typing
9999 into a tempo box that goes up to 400 leaves "99" (and 99 BPM). :class:`NumberBox` (whole
numbers) and :class:`DecimalNumberBox` accept every digit while typing; when the edit ends (Enter,
leaving the box) a number past a limit becomes that limit, and ``out_of_range`` carries the
sentence for the status bar: "Tempo 9999 is above the highest, 400 BPM: set to 400 BPM."
"""

from __future__ import annotations

import re

from PySide6.QtCore import Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QDoubleSpinBox, QSpinBox

SHOWN_DIGITS = 12  # a typed number longer than this is shown cut short in the message


class _KeepsTypedDigits:
    """What both boxes share: every digit stays while typing; at the end of the edit a number
    past a limit is clamped (``fixup``) and the sentence saying so goes out once."""

    def validate(self, text: str, pos: int):
        if _beyond_limits(self, self.typed_number(text)):
            return QValidator.State.Intermediate, text, pos  # more digits stay; clamped at the end
        return super().validate(text, pos)

    def fixup(self, text: str) -> str:
        return _clamped_text(self, text) or super().fixup(text)

    def _tell(self) -> None:
        note, self._note = self._note, ""
        if note:
            self.out_of_range.emit(note)


class NumberBox(_KeepsTypedDigits, QSpinBox):
    """A whole-number spin box named ``name`` (for its messages, e.g. "Length")."""

    out_of_range = Signal(str)  # the sentence saying which limit a typed number was set to

    def __init__(self, name: str = "", parent=None):
        super().__init__(parent)
        self.name = name
        self._note = ""
        self.editingFinished.connect(self._tell)

    def typed_number(self, text: str) -> float | None:
        """The number in ``text`` (the box's whole text), or None if it is not a number."""
        return _plain_number(self, text, "")

    def shown_value(self, value: float) -> str:
        """A value as the message shows it, with the box's suffix ("32 bars")."""
        return f"{self.textFromValue(int(value))}{self.suffix()}".strip()


class DecimalNumberBox(_KeepsTypedDigits, QDoubleSpinBox):
    """A spin box for a number with decimals (a tempo) named ``name`` (for its messages)."""

    out_of_range = Signal(str)

    def __init__(self, name: str = "", parent=None):
        super().__init__(parent)
        self.name = name
        self._note = ""
        self.editingFinished.connect(self._tell)

    def typed_number(self, text: str) -> float | None:
        decimal_point = self.locale().decimalPoint() if self.decimals() > 0 else ""
        return _plain_number(self, text, decimal_point)

    def shown_value(self, value: float) -> str:
        return f"{value:g}{self.suffix()}".strip()


def _plain_number(box, text: str, decimal_point: str) -> float | None:
    """Digits (and one decimal point) between the box's prefix and suffix, as a number; a minus
    sign only where the box goes below zero. None for anything else (Qt's validator judges it)."""
    body = text
    if box.prefix() and body.startswith(box.prefix()):
        body = body[len(box.prefix()):]
    if box.suffix() and body.endswith(box.suffix()):
        body = body[: -len(box.suffix())]
    body = body.strip()
    sign = "-?" if box.minimum() < 0 else ""
    point = f"(?:{re.escape(decimal_point)}\\d*)?" if decimal_point else ""
    if not re.fullmatch(f"{sign}\\d+{point}", body):
        return None
    return float(body.replace(decimal_point, ".") if decimal_point else body)  # inf if huge


def _beyond_limits(box, number: float | None) -> bool:
    return number is not None and not box.minimum() <= number <= box.maximum()


def _clamped_text(box, text: str) -> str | None:
    """The text of the nearest limit when ``text`` is a number beyond one (and the note saying
    so kept for the end of the edit); None otherwise."""
    number = box.typed_number(text)
    if not _beyond_limits(box, number):
        return None
    above = number > box.maximum()
    limit = box.maximum() if above else box.minimum()
    typed = _typed_digits(box, text)
    limit_text = box.shown_value(limit)
    side = "above the highest" if above else "below the lowest"
    box._note = f"{box.name or 'The value'} {typed} is {side}, {limit_text}: set to {limit_text}."
    return f"{box.prefix()}{box.textFromValue(limit)}{box.suffix()}"


def _typed_digits(box, text: str) -> str:
    body = text.removeprefix(box.prefix()).removesuffix(box.suffix()).strip()
    return body if len(body) <= SHOWN_DIGITS else body[:SHOWN_DIGITS] + "…"
