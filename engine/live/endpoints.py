"""What a MIDI port is, for the ports module and its users: names, open ports, errors.

``PortInfo`` (a port as its API names it), ``OpenPort`` (an open rtmidi object and its port),
``PortEndpoint`` (what an open output and input share), ``Relay`` (an input's one callback),
``PortError`` (a message ready for the user), ``find_port`` (a remembered name, ignoring ALSA's
client numbers), ``describe_rtmidi_error``. No rtmidi import here: the objects are handed in.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field


class PortError(Exception):
    """A MIDI port could not be listed, opened or used. The message is ready for the user."""


@dataclass(frozen=True)
class PortInfo:
    """One port as its platform API names it; ``virtual`` marks Segue's own virtual port."""

    name: str
    api: str
    virtual: bool = False

    @property
    def label(self) -> str:
        return f"{self.name} ({self.api})"


class Relay:
    """The one callback an rtmidi input object ever gets; forwards to ``target`` if set."""

    def __init__(self):
        self.target: Callable | None = None

    def __call__(self, event, data=None) -> None:
        target = self.target
        if target is not None:
            target(event, data)


@dataclass
class OpenPort:
    """An open rtmidi ``MidiOut``/``MidiIn`` and the port it is connected to (or offers).

    ``relay`` (inputs only) is where incoming messages go: set ``relay.target``.
    """

    handle: object
    port: PortInfo
    relay: Relay | None = None
    _release: Callable[[OpenPort], None] | None = field(default=None, repr=False)
    _closed: bool = field(default=False, repr=False)
    _lost: Callable[[object], str | None] | None = field(default=None, repr=False)

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def lost(self) -> str | None:
        """Why its MIDI system went away (its object must not be touched), or None."""
        return self._lost(self.handle) if self._lost is not None else None

    def close(self) -> None:
        """Close the port (its rtmidi object goes back to the pool); safe to call twice.
        Errors from a vanished device are ignored."""
        if self._closed:
            return
        self._closed = True
        if self.relay is not None:
            self.relay.target = None
        if self._release is not None:
            self._release(self)


class PortEndpoint:
    """What an open output and an open input share: the port, its name, and whether a fresh
    port list still has it (a virtual port is ours, so always)."""

    def __init__(self, opened: OpenPort):
        self._opened = opened
        self.port: PortInfo = opened.port

    @property
    def name(self) -> str:
        return self.port.name

    @property
    def virtual(self) -> bool:
        return self.port.virtual

    @property
    def lost_reason(self) -> str | None:
        """Why its MIDI system went away, or None."""
        return self._opened.lost

    def present_in(self, ports: Iterable[PortInfo]) -> bool:
        if self.lost_reason is not None:
            return False
        return self.virtual or any(p.name == self.name and p.api == self.port.api for p in ports)


@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Send what C libraries write to file descriptor 2 to /dev/null while inside."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):
        yield  # no usable stderr: nothing to quieten
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def strip_alsa_numbers(name: str) -> str:
    """``'Keystation:Keystation MIDI 1 24:0'`` -> ``'Keystation:Keystation MIDI 1'``."""
    return re.sub(r"\s+\d+:\d+$", "", name)


def find_port(name: str, ports: list[PortInfo], api: str | None = None) -> PortInfo | None:
    """The port called ``name`` (exactly, else ignoring ALSA client:port numbers), or None."""
    candidates = [p for p in ports if api is None or p.api == api]
    for port in candidates:
        if port.name == name:
            return port
    wanted = strip_alsa_numbers(name)
    for port in candidates:
        if strip_alsa_numbers(port.name) == wanted:
            return port
    return None


def missing_output_message(name: str, lost: str | None = None) -> str:
    """What the player says when an output is no longer listed (``lost``: why its MIDI system
    went away, if it did)."""
    if lost is not None:
        return f"MIDI output '{name}' is gone: {lost}."
    return f"MIDI output '{name}' disappeared (was it unplugged?)."


def describe_rtmidi_error(exc: BaseException) -> str:
    """The first line of an rtmidi error, without its C++ function prefix."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return re.sub(r"^\w+::\w+:\s*", "", text)
