"""Stand-ins for MIDI hardware and for time, for tests, benchmarks and scripts.

``FakeRtmidi(outputs=(), inputs=(), apis=("ALSA",), failing_apis=())``   looks like the
    ``rtmidi`` module to :class:`segue.engine.live.ports.MidiSystem`, with ports you control
``fake_system(fake=None, **kwargs) -> MidiSystem``   a MIDI system over a FakeRtmidi (no
    ports unless given), with the ALSA sequencer taken as present and no JACK watch (a fake
    JACK server has no libjack client to watch it)
``FakeOutput(clock, name)``   an output that records what is sent, with times
``FakeClock(start)``   a clock that moves only when slept on, so the player runs exactly

Never imported by the product (``tests/test_folders.py`` checks): the app and its tests are
handed these through constructors.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence

from segue.engine.live.endpoints import PortError, PortInfo, missing_output_message
from segue.engine.live.messages import parse_note
from segue.engine.live.ports import INPUT, OUTPUT, MidiSystem


class FakeRtmidi:
    """Looks like the ``rtmidi`` module to :class:`MidiSystem`, with ports you control.

    ``FakeRtmidi(outputs=['Synth'], inputs=['Keys'], apis=('ALSA',), failing_apis=())``.
    Ports of the first API are listed unless a name is given as ``(name, api)``. Opened fake
    outputs append ``(port name, message)`` to ``sent``; :meth:`deliver` sends a message to the
    callback of every fake input opened on that port name. ``unplug(name)`` removes a port, after
    which sending to it raises ``SystemError`` as ALSA and CoreMIDI do. ``stop_api('JACK')``
    plays a JACK server that went away, ``start_api('JACK')`` a new one.
    """

    API_UNSPECIFIED, API_MACOSX_CORE, API_LINUX_ALSA, API_UNIX_JACK, API_WINDOWS_MM = range(5)

    class RtMidiError(Exception):
        pass

    class SystemError(RtMidiError, OSError):  # same name as rtmidi's
        pass

    _NAMES = {1: "CoreMIDI", 2: "ALSA", 3: "JACK", 4: "Windows MM"}

    def __init__(self, outputs=(), inputs=(), apis=("ALSA",), failing_apis=()):
        by_name = {v: k for k, v in self._NAMES.items()}
        self._apis = [by_name[a] for a in apis]
        self._failing = {by_name[a] for a in failing_apis}
        default = self._apis[0] if self._apis else 2
        self.outputs: list[tuple[str, int]] = [self._entry(p, default, by_name) for p in outputs]
        self.inputs: list[tuple[str, int]] = [self._entry(p, default, by_name) for p in inputs]
        self.sent: list[tuple[str, list[int]]] = []
        self.opened_inputs: list[FakeRtmidi._Port] = []
        self.virtual: list[tuple[str, str]] = []  # (direction, name)
        self.lock = threading.Lock()
        fake = self

        class _Port:
            direction = OUTPUT

            def __init__(self, api=0, name=""):
                if api in fake._failing:
                    raise fake.SystemError(
                        f"Fake{fake._NAMES.get(api, '')}::initialize: cannot start"
                    )
                self.api, self.client, self.port_name, self.callback = api, name, None, None

            def _table(self):
                return fake.outputs if self.direction == OUTPUT else fake.inputs

            def get_ports(self):
                with fake.lock:
                    return [n for n, a in self._table() if a == self.api]

            def open_port(self, index=0, name=None):
                ports = self.get_ports()
                if not 0 <= index < len(ports):
                    raise fake.RtMidiError(f"port number {index} is invalid.")
                self.port_name = ports[index]
                if self.direction == INPUT:
                    fake.opened_inputs.append(self)

            def open_virtual_port(self, name=None):
                self.port_name = name
                fake.virtual.append((self.direction, name))
                if self.direction == INPUT:
                    fake.opened_inputs.append(self)

            def close_port(self):
                if self in fake.opened_inputs:
                    fake.opened_inputs.remove(self)
                self.port_name = None

            def get_current_api(self):
                return self.api

        class MidiOut(_Port):
            direction = OUTPUT

            def send_message(self, message):
                with fake.lock:
                    present = any(n == self.port_name for n, _ in fake.outputs)
                    virtual = (OUTPUT, self.port_name) in fake.virtual
                if self.port_name is None or not (present or virtual):
                    raise fake.SystemError(
                        "MidiOutAlsa::sendMessage: error sending MIDI message to port."
                    )
                fake.sent.append((self.port_name, list(message)))

        class MidiIn(_Port):
            direction = INPUT

            def set_callback(self, func, data=None):
                self.callback = (func, data)

            def cancel_callback(self):
                self.callback = None

            def ignore_types(self, sysex=True, timing=True, active_sense=True):
                pass

        self._Port, self.MidiOut, self.MidiIn = _Port, MidiOut, MidiIn

    @staticmethod
    def _entry(port, default, by_name):
        if isinstance(port, tuple):
            return port[0], by_name[port[1]]
        return port, default

    def get_compiled_api(self):
        return list(self._apis)

    def stop_api(self, api: str) -> None:
        """From now on ``api`` cannot start (its server went away): probes find it gone."""
        self._failing.add({v: k for k, v in self._NAMES.items()}[api])

    def start_api(self, api: str) -> None:
        """``api`` starts again (a new server)."""
        self._failing.discard({v: k for k, v in self._NAMES.items()}[api])

    def unplug(self, name: str) -> None:
        with self.lock:
            self.outputs = [(n, a) for n, a in self.outputs if n != name]
            self.inputs = [(n, a) for n, a in self.inputs if n != name]

    def plug(self, name: str, direction: str = OUTPUT, api: str = "ALSA") -> None:
        api_id = {v: k for k, v in self._NAMES.items()}[api]
        with self.lock:
            (self.outputs if direction == OUTPUT else self.inputs).append((name, api_id))

    def deliver(self, port_name: str, message, delta: float = 0.0) -> int:
        """Call the callback of every fake input open on ``port_name``; returns how many."""
        count = 0
        for port in list(self.opened_inputs):
            if port.port_name == port_name and port.callback is not None:
                func, data = port.callback
                func((list(message), delta), data)
                count += 1
        return count


class FakeOutput:
    """An output that records ``(clock(), message)`` in ``sent``; for tests and benchmarks.

    ``fail()`` makes every later send raise :class:`PortError`, as an unplugged port does.
    ``wait_until(predicate)`` waits for sends (from the player's thread) until it holds.
    """

    def __init__(self, clock: Callable[[], float] = time.perf_counter, name: str = "Fake output"):
        self._clock = clock
        self.port = PortInfo(name, "Fake")
        self.sent: list[tuple[float, list[int]]] = []
        self._sent_more = threading.Condition()
        self.closed = False
        self._failing = False

    @property
    def name(self) -> str:
        return self.port.name

    virtual = False
    timed = False
    lost_reason: str | None = None  # set it to play a MIDI system that went away

    def missing_message(self) -> str:
        return missing_output_message(self.name, self.lost_reason)

    @property
    def messages(self) -> list[list[int]]:
        return [message for _, message in self.sent]

    def notes(self) -> list[tuple[str, int, int]]:
        """Sent note messages as ('on'|'off', channel, pitch), for readable assertions."""
        result = []
        for message in self.messages:
            parsed = parse_note(message)
            if parsed is not None:
                result.append(("on" if parsed[0] else "off", parsed[1], parsed[2]))
        return result

    def fail(self) -> None:
        self._failing = True

    def send(self, message: Sequence[int]) -> None:
        if self._failing or self.closed:
            raise PortError(f"MIDI output '{self.name}' stopped working (device removed).")
        self.sent.append((self._clock(), list(message)))
        with self._sent_more:
            self._sent_more.notify_all()

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
        """Wait until ``predicate()`` holds, checked after each send; the timeout only guards
        against hanging forever."""
        with self._sent_more:
            return self._sent_more.wait_for(predicate, timeout)

    def close(self) -> None:
        self.closed = True

    def present_in(self, ports: Iterable[PortInfo]) -> bool:
        return not self._failing


class FakeClock:
    """A clock that moves only when slept on, for deterministic player tests.

    ``hold_at(t)`` makes the sleep that would pass ``t`` stop there and block until
    ``release()``; ``wait_held()`` lets the test wait for that moment, act (say, stop the player
    in mid-note) and release. ``run_to(t)`` moves such a hold on to ``t``.
    """

    def __init__(self, start: float = 100.0):
        self._now = start
        self._lock = threading.Lock()
        self._hold: float | None = None
        self._held = threading.Event()
        self._released = threading.Event()

    def now(self) -> float:
        with self._lock:
            return self._now

    __call__ = now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            target = self._now + max(0.0, seconds)
            hold = self._hold
            if hold is not None and target >= hold:
                self._now = max(self._now, hold)
                self._hold = None
            else:
                self._now = target
                hold = None
        if hold is not None:
            self._held.set()
            self._released.wait(10)
            self._released.clear()

    def hold_at(self, when: float) -> None:
        with self._lock:
            self._hold = when
        self._held.clear()

    def wait_held(self, timeout: float = 5.0) -> bool:
        return self._held.wait(timeout)

    def release(self) -> None:
        self._held.clear()
        self._released.set()

    def run_to(self, when: float, timeout: float = 5.0) -> bool:
        """Let the thread sleeping on this clock run it on to ``when`` and hold it there (the
        hold it is at, if any, is released); True once it is held there. The thread must have
        something to wait for (a playing player always has: its position updates)."""
        held = self._held.is_set()
        self.hold_at(when)
        if held:
            self.release()
        return self.wait_held(timeout)


def fake_system(fake: FakeRtmidi | None = None, **kwargs) -> MidiSystem:
    """A :class:`MidiSystem` over ``fake`` (default: one without ports); ``kwargs`` go to it."""
    kwargs.setdefault("path_exists", lambda _path: True)
    kwargs.setdefault("open_jack_watch", None)
    return MidiSystem(fake if fake is not None else FakeRtmidi(), **kwargs)
