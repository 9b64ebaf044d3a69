"""An open MIDI output port (see :mod:`engine.live.ports` for listing and opening ports).

``open_output(port=None, virtual=False, system=None) -> MidiOutput``   a port by PortInfo or
remembered name, or a virtual output "Segue" for a DAW to record; :class:`PortError` with a
message naming the port and the reason when that fails. ``MidiOutput.send`` raises
:class:`PortError` when the port stops working or its MIDI system went away.
"""

from __future__ import annotations

from collections.abc import Sequence

from segue.engine.live.endpoints import (
    PortEndpoint,
    PortError,
    PortInfo,
    describe_rtmidi_error,
    missing_output_message,
)
from segue.engine.live.ports import OUTPUT, MidiSystem, default_system


class MidiOutput(PortEndpoint):
    """An open MIDI output port. ``send`` raises :class:`PortError` when the port fails."""

    timed = False  # sends at once; only the built-in instrument places messages in time

    def missing_message(self) -> str:
        return missing_output_message(self.name, self.lost_reason)

    def send(self, message: Sequence[int]) -> None:
        handle = self._opened.handle
        if handle is None:
            raise PortError(f"MIDI output '{self.name}' is closed.")
        lost = self._opened.lost
        if lost is not None:  # its object must not be touched (see engine.live.ports)
            raise PortError(f"MIDI output '{self.name}' is gone: {lost}.")
        try:
            handle.send_message(list(message))
        except Exception as exc:  # noqa: BLE001 - rtmidi raises several types for a dead port
            raise PortError(
                f"MIDI output '{self.name}' stopped working ({describe_rtmidi_error(exc)})."
            ) from None

    def close(self) -> None:
        self._opened.close()


def open_output(
    port: PortInfo | str | None = None, virtual: bool = False, system: MidiSystem | None = None
) -> MidiOutput:
    """Open an output port (see :meth:`engine.live.ports.MidiSystem.open`)."""
    system = system or default_system()
    return MidiOutput(system.open(OUTPUT, port, virtual=virtual))
