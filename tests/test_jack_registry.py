"""tests/jack.py frees the registry slots of test servers left by a killed run, and only those."""

import os
import subprocess
import sys

from tests import jack


def test_stale_test_servers_are_reclaimed_and_live_or_foreign_ones_are_left(tmp_path, monkeypatch):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(dead.stdout)  # that process has ended
    registry = tmp_path / "jack-shm-registry"
    registry.write_bytes(
        b"\0jack-0:default:\0"
        + f"jack-0:segue-test-{dead_pid}-abc123:\0".encode()
        + f"jack-0:segue-test-{os.getpid()}-def456:\0".encode()  # this run's own: alive
        + b"jack-0:someone-elses-server:\0"
    )
    reclaimed = []
    monkeypatch.setattr(jack, "REGISTRY", str(registry))
    monkeypatch.setattr(jack, "_reclaimed_once", False)
    monkeypatch.setattr(jack.JackServer, "reclaim", classmethod(lambda cls, name: reclaimed.append(name)))
    assert jack.reclaim_stale_test_servers() == [f"segue-test-{dead_pid}-abc123"]
    assert reclaimed == [f"segue-test-{dead_pid}-abc123"]
    assert jack.reclaim_stale_test_servers() == []  # once a process
