"""The computer's audio output devices, for choosing the one the built-in instrument plays on.
No Qt.

Segue's own process never loads PortAudio (see :mod:`engine.audio.system`: a JACK server that
goes away under a process that loaded it hangs or crashes that process at its exit), so the
devices are listed by a short-lived child Python that loads ``sounddevice``, prints them as one
JSON line and leaves without PortAudio's clean-up. PortAudio starts anew in each child, so a
device that appeared since the last look is listed.

``output_devices(timeout=LIST_TIMEOUT, run=subprocess.run) -> DeviceList``
    ``.devices``: :class:`OutputDevice` values (``name``, ``api``: the host API such as "ALSA"
    or "JACK Audio Connection Kit", ``is_default``); ``.problem``: '' or why none could be
    listed, in a musician's words.
``OutputDevice.setting``   what the instrument is given (``AudioSystem.device``) and the settings
    keep: "name, host API", which sounddevice matches exactly even where names repeat;
    :data:`SYSTEM_DEFAULT` ('') is the system's default output.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass

from segue.engine.audio.host import child_code

LIST_TIMEOUT = 15.0  # seconds; a PortAudio that hangs (a dying JACK server) counts as no answer
SYSTEM_DEFAULT = ""  # the setting for "whatever the system's default output is"
_CHILD = child_code("segue.engine.audio.devices", "list_in_child")


@dataclass(frozen=True)
class OutputDevice:
    name: str
    api: str
    is_default: bool = False

    @property
    def setting(self) -> str:
        return f"{self.name}, {self.api}"

    @property
    def label(self) -> str:
        return f"{self.name} ({self.api})" + (" – the system's default" if self.is_default else "")


@dataclass(frozen=True)
class DeviceList:
    devices: tuple[OutputDevice, ...] = ()
    problem: str = ""


def output_devices(timeout: float = LIST_TIMEOUT, run=subprocess.run) -> DeviceList:
    """The output devices PortAudio lists, asked of a child process; see the module docstring."""
    try:
        done = run(
            [sys.executable, "-c", _CHILD], stdin=subprocess.DEVNULL, capture_output=True,
            text=True, timeout=timeout, creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
        )
    except subprocess.TimeoutExpired:
        return DeviceList(problem=f"looking for audio devices took over {timeout:g} seconds")
    except OSError as error:
        return DeviceList(problem=f"looking for audio devices could not start ({error})")
    return parse_answer(done.stdout)


def parse_answer(text: str) -> DeviceList:
    """The child's JSON line as a :class:`DeviceList` (anything else: a problem, never raised)."""
    try:
        answer = json.loads((text or "").strip().splitlines()[-1])
        if "problem" in answer:
            return DeviceList(problem=str(answer["problem"]))
        devices = tuple(
            OutputDevice(str(d["name"]), str(d["api"]), bool(d.get("default", False)))
            for d in answer["devices"]
        )
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return DeviceList(problem="looking for audio devices gave no answer")
    return DeviceList(devices)


def list_in_child() -> None:
    """The child's side: print the output devices (or why there are none) as one JSON line,
    then leave at once: PortAudio's clean-up can hang when a JACK server is going away."""
    try:
        import sounddevice  # noqa: PLC0415 - only in this short-lived process

        apis = sounddevice.query_hostapis()
        try:
            default = sounddevice.default.device[1]
        except (AttributeError, IndexError, TypeError):
            default = -1
        answer = {"devices": [
            {"name": device["name"], "api": apis[device["hostapi"]]["name"],
             "default": index == default}
            for index, device in enumerate(sounddevice.query_devices())
            if device["max_output_channels"] > 0
        ]}
    except OSError:  # sounddevice is there, the PortAudio library is not
        answer = {"problem": "the PortAudio library is not installed"}
    except ImportError as error:
        answer = {"problem": f"the sounddevice package could not be loaded ({error})"}
    except Exception as error:  # noqa: BLE001 - PortAudioError and the like: said, not raised
        answer = {"problem": f"PortAudio could not list the devices ({error})"}
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()
    os._exit(0)
