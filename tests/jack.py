"""Start and stop a private JACK server (Debian's jackd2, dummy backend) for real-port tests.

``JackServer(period=256, rate=48000)`` is a context manager: it starts ``jackd -n <unique name>
-d dummy -r <rate> -p <period>``, waits until clients can connect, points this process at it
through ``JACK_DEFAULT_SERVER`` (libjack reads it at every client open) and, on exit, stops it
and restores the variable. A unique server name keeps parallel runs apart.
``kill()`` ends it with SIGKILL, as a crash would (its clients are not told); ``start()`` then
brings a new server up under the same name. A killed server leaves its slot in libjack's
per-user registry (eight slots in all; a full registry makes every later jackd fail with "Too
many servers already active"); only a server of the same name reclaims it, so ``stop()`` after
a ``kill()`` starts one briefly and stops it cleanly; ``reclaim(name)`` does that for a server
killed in a process that crashed.
``jackd_path()`` is None when jackd is not installed, so callers can skip;
``jack_test_marks(rtmidi)`` is the ``pytestmark`` of a real-JACK test module.
Also used by ``bench/playback_timing.py``.
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid


class JackStartError(RuntimeError):
    """jackd is installed but did not come up; the message carries its output."""


def jackd_path() -> str | None:
    return shutil.which("jackd")


def jack_test_marks(rtmidi) -> list:
    """The ``pytestmark`` of a test module that needs jackd and python-rtmidi's JACK API."""
    import pytest

    return [
        pytest.mark.jack,
        pytest.mark.skipif(jackd_path() is None, reason="jackd (Debian's jackd2) is not installed"),
        pytest.mark.skipif(
            rtmidi.API_UNIX_JACK not in rtmidi.get_compiled_api(),
            reason="python-rtmidi was built without JACK",
        ),
    ]


def _die_with_parent() -> None:
    """In the child: ask Linux to stop jackd if the test process dies (a crash skips stop())."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class JackServer:
    def __init__(
        self, period: int = 256, rate: int = 48000, timeout: float = 10.0, name: str | None = None
    ):
        self.period, self.rate, self.timeout = period, rate, timeout
        self.name = name or f"segue-test-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self._process: subprocess.Popen | None = None
        self._log = None
        self._saved_env: str | None = None
        self._env_saved = False
        self._killed = False

    @property
    def period_ms(self) -> float:
        return 1000.0 * self.period / self.rate

    def start(self) -> JackServer:
        path = jackd_path()
        if path is None:
            raise JackStartError("jackd is not installed")
        reclaim_stale_test_servers()
        env = dict(os.environ, JACK_NO_AUDIO_RESERVATION="1", JACK_NO_START_SERVER="1")
        if self._log is not None:  # a killed server's
            self._log.close()
        # A file, not a pipe: a full pipe would block the server.
        self._log = tempfile.TemporaryFile(mode="w+")
        self._process = subprocess.Popen(
            [path, "-n", self.name, "-d", "dummy", "-r", str(self.rate), "-p", str(self.period)],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
        if not self._env_saved:
            self._saved_env = os.environ.get("JACK_DEFAULT_SERVER")
            self._env_saved = True
        os.environ["JACK_DEFAULT_SERVER"] = self.name
        if not self._wait_ready():
            output = self.stop()
            raise JackStartError(f"jackd did not start within {self.timeout:g} s:\n{output}")
        self._killed = False
        return self

    def kill(self) -> None:
        """End the server at once with SIGKILL; ``start()`` brings up a new one of that name."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None
            self._killed = True

    def _wait_ready(self) -> bool:
        lsp = shutil.which("jack_lsp")
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                return False
            if lsp is not None:
                probe = subprocess.run(
                    [lsp, "-s", self.name], capture_output=True, text=True, timeout=self.timeout
                )
                if probe.returncode == 0 and "system:" in probe.stdout:
                    return True
            else:  # no jack_lsp: try a client through rtmidi
                try:
                    import rtmidi

                    rtmidi.MidiOut(rtmidi.API_UNIX_JACK, "segue-probe").get_ports()
                    return True
                except Exception:  # noqa: BLE001 - not up yet
                    pass
            time.sleep(0.1)
        return False

    def output_so_far(self) -> str:
        """What the server has printed up to now (it keeps running)."""
        if self._log is None:
            return ""
        self._log.flush()
        position = self._log.tell()
        self._log.seek(0)
        text = self._log.read()
        self._log.seek(position)
        return text

    def stop(self) -> str:
        """Stop the server; returns what it printed."""
        output = ""
        if self._killed and self._process is None:
            self._reclaim_slot()
        if self._process is not None:
            if self._process.poll() is None:
                self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        self._remove_leftovers()
        if self._log is not None:
            self._log.seek(0)
            output = self._log.read()
            self._log.close()
            self._log = None
        if self._env_saved:
            if self._saved_env is None:
                os.environ.pop("JACK_DEFAULT_SERVER", None)
            else:
                os.environ["JACK_DEFAULT_SERVER"] = self._saved_env
            self._env_saved = False
        return output or ""

    def _reclaim_slot(self) -> None:
        """Start a server under the killed one's name (it takes over the registry slot); the
        stop that follows frees the slot."""
        self._killed = False
        try:
            self.start()
        except JackStartError:
            pass  # stop() has run inside start(): nothing more can be done

    def _remove_leftovers(self) -> None:
        """Clients still open when the server stops leave semaphores in /dev/shm; they carry
        our unique server name, so they are ours to delete."""
        shm = "/dev/shm"
        if not os.path.isdir(shm):
            return
        for entry in os.listdir(shm):
            if f"_{self.name}_" in entry or entry.endswith(f"_{self.name}"):
                try:
                    os.remove(os.path.join(shm, entry))
                except OSError:
                    pass

    @classmethod
    def reclaim(cls, name: str) -> None:
        """Free the registry slot of a server called ``name`` that was killed elsewhere."""
        server = cls(name=name)
        server._killed = True
        server.stop()

    def __enter__(self) -> JackServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


REGISTRY = "/dev/shm/jack-shm-registry"  # libjack's per-machine list of servers (Linux)
_TEST_SERVER = re.compile(rb"jack-\d+:(segue-test-(\d+)-[0-9a-f]+):")
_reclaimed_once = False


def reclaim_stale_test_servers() -> list[str]:
    """Free the registry slots of test servers whose test process is gone (a run killed in the
    middle, on this machine or a musician's): their slots would otherwise stay taken for good,
    and after eight every jackd fails with "Too many servers already active". Only names this
    module makes (``segue-test-<pid>-...``) whose pid is not alive are touched; once a process."""
    global _reclaimed_once
    if _reclaimed_once:
        return []
    _reclaimed_once = True
    try:
        with open(REGISTRY, "rb") as registry:
            names = {(m.group(1).decode(), int(m.group(2))) for m in _TEST_SERVER.finditer(registry.read())}
    except OSError:
        return []
    freed = []
    for name, pid in sorted(names):
        if pid == os.getpid() or _alive(pid):
            continue
        JackServer.reclaim(name)
        freed.append(name)
    return freed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
