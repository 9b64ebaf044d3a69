"""The velocity lane's line gesture: Shift- or Alt-drag draws a straight line, and the notes it
spans take their velocities from it (a crescendo or a fade), as in Ableton's and Cubase's
velocity lanes. The selected notes only, when there is a selection; one undo step."""

from __future__ import annotations

from segue.engine import transforms
from segue.gui.piano_roll.tools import Gesture, Outcome, Pointer, RollContext

GRAB_PX = 5.0  # pixels beyond each end of the line whose stems it still takes in


class VelocityLineGesture(Gesture):
    cursor = "velocity"
    text = "Velocity Ramp"

    def __init__(self, context: RollContext, pointer: Pointer):
        super().__init__()
        self._context = context
        self._press = pointer
        self.line: tuple[float, float, float, float] | None = None  # lane pixels, to paint
        self.move(pointer)

    def move(self, pointer: Pointer) -> None:
        press = self._press
        if press.velocity is None or pointer.velocity is None:
            return
        self.line = (press.x, press.y, pointer.x, pointer.y)
        # A stem is a few pixels wide: a line begun or ended on one takes its note in.
        reach = GRAB_PX / self._context.geometry.step_width
        if pointer.step < press.step:
            reach = -reach
        self.result = transforms.velocity_line(
            self._context.melody,
            self._context.selection or None,
            press.step - reach,
            press.velocity,
            pointer.step + reach,
            pointer.velocity,
        )
        self.selection = self.result.selection or self._context.selection

    def release(self, pointer: Pointer) -> Outcome:
        self.move(pointer)
        if self.result is None or self.result.melody == self._context.melody:
            return Outcome(selection=self._context.selection)
        return Outcome(self.text, result=self.result)
