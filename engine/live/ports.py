"""MIDI ports over python-rtmidi: which MIDI systems work, which ports they have, opening one.

(A little long on purpose: MidiSystem's probing, pooling and JACK-death rules are read together.)

Shared by :mod:`engine.live.output` and :mod:`engine.live.midi_input`; only ``engine/live``
touches MIDI ports. Plain Python, no Qt.

``MidiSystem(rtmidi_module=None)``
    ``probe()``                  try every compiled platform API (ALSA, JACK, CoreMIDI, Windows
                                 MM); remembers which work and why the others do not
    ``available() -> (bool, reason)``
    ``output_ports()`` / ``input_ports()`` -> ``list[PortInfo]``   the current ports, listed
                                 again on every call from the APIs that worked at the last probe
    ``open(direction, port, virtual=False)`` -> ``OpenPort``   an open rtmidi object plus its
                                 ``PortInfo``; raises :class:`PortError` with a user-ready message
    ``virtual_support() -> (bool, reason)``   virtual "Segue" ports: ALSA, JACK, CoreMIDI; on
                                 Windows the reason explains loopMIDI
    ``connected(endpoint) -> bool | None``   whether an open JACK output still reaches its
                                 port (False after the receiver restarted under the same name)
    ``gone()``                   the systems that went away and no probe has found again
    ``on_lost(message)``         attribute: a MIDI system went away (called from its thread)
``default_system()`` is the process-wide system the app uses. What a port is (``PortInfo``,
``OpenPort``, ``PortError``, ``find_port``) lives in :mod:`engine.live.endpoints`.

Why probing is careful: without ``/dev/snd/seq`` ALSA cannot work, and asking it anyway prints
library noise, so ALSA is skipped there. A JACK client is tried only at a probe, not at every
listing: with no JACK server each try costs a socket round trip and libjack prints complaints
straight to file descriptor 2, which is pointed at /dev/null for that moment (the reason still
reaches the user, as ``probe()``'s answer).

Why rtmidi objects are pooled and never dropped: a python-rtmidi object holds a reference cycle
(its error handler is one of its own bound methods), so it is freed only by the cycle collector,
at an arbitrary moment in an arbitrary thread, possibly JACK's process thread. And
``MidiIn.close_port`` frees the input callback while JACK's thread may be calling it (a crash
seen here with JACK). So every rtmidi object made is kept for the life of its ``MidiSystem`` and
reused; an input object gets one permanent callback, a :class:`Relay` whose target is switched
instead, and its port is closed without cancelling that callback. A virtual port, once made,
stays open (rtmidi cannot reopen one); DAW connections to it survive switching away and back.

When the JACK server goes away, its clients must not be touched at all (closing one crashes the
process, sending blocks it; see :mod:`engine.live.jack_watch`, which notices the death at once).
Their objects are abandoned on purpose: never closed, never reused, kept forever; their ports
count as gone, ``send`` refuses with the reason, ``on_lost(message)`` tells the owner (from
libjack's thread) and JACK is off until a probe finds a server again.

Tests hand in a stand-in for the ``rtmidi`` module (``tests/fakes/live.py``) and no JACK watch
(``open_jack_watch=None``): what differs is what the constructor is given.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
from collections.abc import Callable

from segue.engine.live.endpoints import (
    OpenPort,
    PortEndpoint,
    PortError,
    PortInfo,
    Relay,
    describe_rtmidi_error,
    find_port,
    quiet_native_stderr,
)
from segue.engine.live.jack_watch import JackLife, JackWatch

try:
    import rtmidi as _rtmidi
except ImportError as exc:  # the app still runs: playback is off, export works
    _rtmidi = None
    _RTMIDI_IMPORT_ERROR = str(exc)
else:
    _RTMIDI_IMPORT_ERROR = ""

CLIENT_NAME = "Segue"
VIRTUAL_PORT_NAME = "Segue"
OUTPUT, INPUT = "output", "input"

# rtmidi API constant name -> the name users know; the order is the preference order.
_API_NAMES = (
    ("API_MACOSX_CORE", "CoreMIDI"),
    ("API_WINDOWS_MM", "Windows MM"),
    ("API_LINUX_ALSA", "ALSA"),
    ("API_UNIX_JACK", "JACK"),
)
LOOPMIDI_HINT = (
    "Windows has no virtual MIDI ports of its own: install loopMIDI "
    "(https://www.tobias-erichsen.de/software/loopmidi.html), create a port there, "
    "and choose it here and in your DAW."
)
ALSA_SEQUENCER = "/dev/snd/seq"


class MidiSystem:
    """The platform's MIDI APIs as python-rtmidi offers them (see the module docstring).

    ``rtmidi_module`` defaults to the real ``rtmidi``; tests pass a fake one.
    ``open_jack_watch`` opens the client that notices a JACK server die at once
    (:meth:`JackWatch.open`); None: no watch, a probe notices (a fake JACK has no server).
    ``platform`` and ``path_exists`` are injectable so the per-platform rules can be tested.
    Use from one thread (the GUI's); opened ports may then be used from any thread.
    """

    def __init__(
        self,
        rtmidi_module=None,
        *,
        platform: str | None = None,
        path_exists: Callable[[str], bool] = os.path.exists,
        client_name: str = CLIENT_NAME,
        open_jack_watch: Callable | None = JackWatch.open,
    ):
        self._rtmidi = rtmidi_module if rtmidi_module is not None else _rtmidi
        self._platform = platform or sys.platform
        self._path_exists = path_exists
        self.client_name = client_name
        self._listers: dict[tuple[str, str], object] = {}  # (api name, direction) -> rtmidi obj
        self._free: dict[tuple[str, str], list] = {}  # closed objects ready for reuse
        self._virtual: dict[tuple[str, str], object] = {}  # virtual ports, open for good
        self._relays: dict[int, Relay] = {}  # id(input object) -> its permanent callback
        self._kept: list = []  # every rtmidi object made, so none is ever garbage
        self._api_ids: dict[str, int] = {}
        self._problems: dict[str, str] = {}
        self._probed = False
        self._lock = threading.Lock()
        self._jack = JackLife(self._jack_lost, open_jack_watch)
        self.on_lost: Callable[[str], None] | None = None

    # --- probing ------------------------------------------------------------------------------

    def compiled_apis(self) -> list[tuple[str, int]]:
        """(name, rtmidi constant) of each platform API this python-rtmidi was built with."""
        if self._rtmidi is None:
            return []
        compiled = set(self._rtmidi.get_compiled_api())
        result = []
        for const_name, name in _API_NAMES:
            value = getattr(self._rtmidi, const_name, None)
            if value is not None and value in compiled:
                result.append((name, value))
        return result

    def probe(self) -> dict[str, str | None]:
        """Try each API again; returns {api name: None if it works, else why not}."""
        with self._lock:
            # A JACK client dies with its server, so JACK gets a fresh lister at every probe;
            # the others are reused. Old ones stay in _kept (see the module docstring).
            old_listers, self._listers = self._listers, {}
            self._api_ids.clear()
            self._problems.clear()
            for name, api in self.compiled_apis():
                problem = self._skip_reason(name)
                if problem is None and name != "JACK" and (name, OUTPUT) in old_listers:
                    for direction in (OUTPUT, INPUT):
                        self._listers[(name, direction)] = old_listers[(name, direction)]
                    self._api_ids[name] = api
                elif problem is None:
                    quiet = quiet_native_stderr() if name == "JACK" else contextlib.nullcontext()
                    try:
                        with quiet:
                            out = self._rtmidi.MidiOut(api, f"{self.client_name} ports")
                            self._kept.append(out)
                            inp = self._rtmidi.MidiIn(api, f"{self.client_name} ports")
                            self._kept.append(inp)
                            if name == "JACK":  # a server answered: is it a new one?
                                self._jack.renew(self.client_name)
                            self._adopt(name, out)
                            self._adopt(name, inp)
                    except Exception as exc:  # noqa: BLE001 - any rtmidi failure means "not usable"
                        problem = self._explain(name, exc)
                        if name == "JACK":  # no watch saw it go (or none could be opened)
                            self._jack.server_lost("no JACK server is running")
                    else:
                        self._listers[(name, OUTPUT)] = out
                        self._listers[(name, INPUT)] = inp
                        self._api_ids[name] = api
                if problem is not None:
                    self._problems[name] = problem
            for name in {"JACK"} - set(self._api_ids):  # its server is gone: so are its clients
                for direction in (OUTPUT, INPUT):
                    self._free.pop((name, direction), None)
                    self._virtual.pop((name, direction), None)
            self._probed = True
            return {name: self._problems.get(name) for name, _ in self.compiled_apis()}

    def _adopt(self, api_name: str, handle) -> None:
        if handle not in self._kept:
            self._kept.append(handle)
        if api_name == "JACK":
            self._jack.adopt(handle)

    def _jack_lost(self, reason: str) -> None:
        """The JACK server went away (libjack's thread, or a probe): tell the owner."""
        callback = self.on_lost
        if callback is not None:
            callback(f"The JACK MIDI system went away ({reason}); its ports are closed.")

    def _forget_lost_locked(self) -> None:
        """Stop listing and pooling the objects of a JACK server that went away."""
        reason = self._jack.current_lost
        if reason is None or "JACK" not in self._api_ids:
            return
        del self._api_ids["JACK"]
        self._problems["JACK"] = f"the JACK server went away ({reason})"
        for key in (("JACK", OUTPUT), ("JACK", INPUT)):
            self._listers.pop(key, None)
            self._free.pop(key, None)
            self._virtual.pop(key, None)

    def _lost_reason(self, handle) -> str | None:
        reason = self._jack.lost(handle)
        return None if reason is None else f"the JACK server went away ({reason})"

    def _skip_reason(self, name: str) -> str | None:
        if name == "ALSA" and not self._path_exists(ALSA_SEQUENCER):
            return f"no ALSA sequencer ({ALSA_SEQUENCER} is missing; is snd-seq loaded?)"
        return None

    @staticmethod
    def _explain(name: str, exc: BaseException) -> str:
        if name == "JACK":
            return "no JACK server is running"
        return f"{name} could not start ({describe_rtmidi_error(exc)})"

    def _ensure_probed(self) -> None:
        if not self._probed:
            self.probe()
        elif self._jack.current_lost is not None:
            with self._lock:
                self._forget_lost_locked()

    def available(self) -> tuple[bool, str]:
        """(True, '') when at least one MIDI API works, else (False, a sentence for the user)."""
        if self._rtmidi is None:
            return False, (
                f"MIDI is unavailable: python-rtmidi could not be loaded ({_RTMIDI_IMPORT_ERROR}). "
                "Playback is off; export to MIDI files still works."
            )
        self._ensure_probed()
        if self._api_ids:
            return True, ""
        if not self._problems:
            return False, (
                "MIDI is unavailable: python-rtmidi was built without any platform MIDI API. "
                "Playback is off; export to MIDI files still works."
            )
        reasons = "; ".join(f"{name}: {why}" for name, why in self._problems.items())
        return False, (
            f"No MIDI system found ({reasons}). Playback is off; export to MIDI files still works."
        )

    def gone(self) -> list[str]:
        """The MIDI systems that went away and have not been found again by a probe."""
        return ["JACK"] if self._jack.current_lost is not None else []

    def working_apis(self) -> list[str]:
        self._ensure_probed()
        return list(self._api_ids)

    # --- listing ------------------------------------------------------------------------------

    def output_ports(self) -> list[PortInfo]:
        return self._ports(OUTPUT)

    def input_ports(self) -> list[PortInfo]:
        return self._ports(INPUT)

    def _ports(self, direction: str) -> list[PortInfo]:
        self._ensure_probed()
        ports: list[PortInfo] = []
        with self._lock:
            for name in self._api_ids:
                lister = self._listers.get((name, direction))
                if lister is None:
                    continue
                try:
                    names = lister.get_ports()
                except Exception:  # noqa: BLE001 - an API that fails to list has no ports now
                    continue
                ports.extend(PortInfo(n, name) for n in names if n and not self._is_own(n))
        return ports

    def _is_own(self, port_name: str) -> bool:
        # Our own ports (JACK lists them with the client name, renamed "Segue-01" and so on when
        # taken) would let Segue play into its own input.
        client = re.escape(self.client_name)
        return re.match(rf"^{client}( ports)?(-\d+)?:", port_name) is not None

    # --- virtual ports ------------------------------------------------------------------------

    def virtual_support(self) -> tuple[bool, str]:
        """Whether a virtual "Segue" port can be made here, and if not, what to do instead."""
        self._ensure_probed()
        if any(name != "Windows MM" for name in self._api_ids):
            return True, ""
        if self._platform.startswith("win") or "Windows MM" in self._api_ids:
            return False, LOOPMIDI_HINT
        ok, reason = self.available()
        return False, reason

    # --- opening ------------------------------------------------------------------------------

    def open(self, direction: str, port: PortInfo | str | None, virtual: bool = False) -> OpenPort:
        """Open ``port`` (a PortInfo, a remembered name, or None for the first one) or, with
        ``virtual``, a virtual port named "Segue" that other programs connect to.

        Raises :class:`PortError` with a message naming the port and the reason.
        """
        if direction not in (OUTPUT, INPUT):
            raise ValueError(f"direction must be {OUTPUT!r} or {INPUT!r}, got {direction!r}")
        ok, reason = self.available()
        if not ok:
            raise PortError(reason)
        if virtual:
            return self._open_virtual(direction)
        ports = self._ports(direction)
        if port is None:
            if not ports:
                raise PortError(f"There is no MIDI {direction} port to open.")
            wanted = ports[0]
        else:
            name = port.name if isinstance(port, PortInfo) else str(port)
            api = port.api if isinstance(port, PortInfo) else None
            wanted = find_port(name, ports, api)
            if wanted is None:
                raise PortError(
                    f"MIDI {direction} port '{name}' is not available (was it unplugged?)."
                )
        return self._open_named(direction, wanted)

    def _take_handle(self, direction: str, api_name: str):
        """A closed rtmidi object for ``api_name`` from the pool, or a new one."""
        with self._lock:
            free = self._free.get((api_name, direction))
            if free:
                return free.pop()
        cls = self._rtmidi.MidiOut if direction == OUTPUT else self._rtmidi.MidiIn
        handle = cls(self._api_ids[api_name], self.client_name)
        with self._lock:
            self._adopt(api_name, handle)
            if direction == INPUT:
                relay = self._relays[id(handle)] = Relay()
                handle.set_callback(relay)
                if hasattr(handle, "ignore_types"):
                    handle.ignore_types(sysex=True, timing=True, active_sense=True)
        return handle

    def _give_back(self, handle, api_name: str, direction: str) -> None:
        with self._lock:
            self._free.setdefault((api_name, direction), []).append(handle)

    def _release(self, opened: OpenPort) -> None:
        if opened.port.virtual or opened.lost is not None:
            return  # stays open for good, or abandoned (see the module docstring)
        handle = opened.handle
        try:
            _close_keeping_callback(handle)
        except Exception:  # noqa: BLE001 - closing a port whose device vanished may fail
            pass
        self._give_back(handle, opened.port.api, INPUT if opened.relay else OUTPUT)

    def _opened(self, handle, port: PortInfo, direction: str) -> OpenPort:
        relay = self._relays.get(id(handle)) if direction == INPUT else None
        return OpenPort(handle, port, relay, self._release, _lost=self._lost_reason)

    def connected(self, endpoint: PortEndpoint) -> bool | None:
        """Whether an open JACK output still reaches its port: a receiver that restarts under
        the same name has dropped our connection. None where this cannot be known."""
        opened = getattr(endpoint, "_opened", None)
        if not isinstance(opened, OpenPort):
            return None
        if opened.port.api != "JACK" or opened.port.virtual or opened.relay is not None:
            return None
        if opened.lost is not None:
            return False
        connections = self._jack.connections(opened.port.name)
        if connections is None:
            return None
        own = re.compile(rf"^{re.escape(self.client_name)}(-\d+)?:{OUTPUT}$")
        return any(own.match(name) for name in connections)

    def _open_named(self, direction: str, wanted: PortInfo) -> OpenPort:
        handle = None
        try:
            handle = self._take_handle(direction, wanted.api)
            # Look the index up on the object that opens it: the list may have changed.
            names = handle.get_ports()
            if wanted.name not in names:
                raise PortError(
                    f"MIDI {direction} port '{wanted.name}' is not available (was it unplugged?)."
                )
            handle.open_port(names.index(wanted.name), direction)  # our port: "<client>:output"
        except Exception as exc:  # noqa: BLE001 - rtmidi raises several unrelated types
            if handle is not None:
                self._give_back(handle, wanted.api, direction)
            if isinstance(exc, PortError):
                raise
            reason = describe_rtmidi_error(exc)
            raise PortError(
                f"Could not open MIDI {direction} port '{wanted.name}': {reason}."
            ) from None
        return self._opened(handle, wanted, direction)

    def _open_virtual(self, direction: str) -> OpenPort:
        supported, reason = self.virtual_support()
        if not supported:
            raise PortError(f"Cannot create a virtual MIDI {direction} port: {reason}")
        api_name = next(name for name in self._api_ids if name != "Windows MM")
        port = PortInfo(VIRTUAL_PORT_NAME, api_name, virtual=True)
        handle = self._virtual.get((api_name, direction))
        if handle is None:
            try:
                handle = self._take_handle(direction, api_name)
                handle.open_virtual_port(VIRTUAL_PORT_NAME)
            except Exception as exc:  # noqa: BLE001
                raise PortError(
                    f"Could not create the virtual MIDI {direction} port '{VIRTUAL_PORT_NAME}' "
                    f"({api_name}): {describe_rtmidi_error(exc)}."
                ) from None
            self._virtual[(api_name, direction)] = handle
        return self._opened(handle, port, direction)

    # --- shutdown -----------------------------------------------------------------------------

    def close(self) -> None:
        """Forget the listing clients; the next use probes again. Objects stay in the pool."""
        with self._lock:
            self._forget_lost_locked()
            for lister in self._listers.values():
                try:
                    lister.close_port()
                except Exception:  # noqa: BLE001
                    pass
            self._listers.clear()
            self._api_ids.clear()
            self._probed = False


def _close_keeping_callback(handle) -> None:
    """Close an rtmidi port without cancelling an input's callback.

    ``rtmidi.MidiIn.close_port`` cancels the callback first, freeing it while the MIDI thread may
    be inside it; the base class's ``close_port`` only closes the port.
    """
    for cls in type(handle).__mro__[1:]:
        close = cls.__dict__.get("close_port")
        if close is not None:
            close(handle)
            return
    handle.close_port()


_default_system: MidiSystem | None = None


def default_system() -> MidiSystem:
    """The process-wide system the app uses (probed on first use)."""
    global _default_system
    if _default_system is None:
        _default_system = MidiSystem()
    return _default_system

