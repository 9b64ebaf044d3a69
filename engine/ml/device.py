"""Which torch device runs the model: CUDA, then Apple MPS, then CPU, unless told otherwise.

The choice can be forced with an argument (``'cpu'``, ``'cuda'``, ``'cuda:1'``, ``'mps'``,
``'auto'``) or the ``SEGUE_DEVICE`` environment variable; an argument wins over the variable.
"""

from __future__ import annotations

import os

import torch

DEVICE_ENV = "SEGUE_DEVICE"
INTERACTIVE_CPU_THREADS = 1


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def choose_device(preference: str | torch.device | None = None) -> torch.device:
    """The device to use: ``preference``, else ``$SEGUE_DEVICE``, else the best available.

    Raises ValueError naming the device when the one asked for does not exist here.
    """
    if isinstance(preference, torch.device):
        preference = str(preference)
    if preference is None:
        preference = os.environ.get(DEVICE_ENV) or "auto"
    name = preference.strip().lower()
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(name)
    except (RuntimeError, ValueError):
        raise ValueError(
            f"unknown device {preference!r}: use auto, cpu, cuda, cuda:N or mps"
        ) from None
    if device.type == "cpu":
        return device
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device {preference!r} was asked for but CUDA is not available here")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise ValueError(
                f"device {preference!r} was asked for but only "
                f"{torch.cuda.device_count()} CUDA device(s) exist"
            )
        return device
    if device.type == "mps":
        if not _mps_available():
            raise ValueError(f"device {preference!r} was asked for but Apple MPS is not available here")
        return device
    raise ValueError(f"unsupported device {preference!r}: use auto, cpu, cuda, cuda:N or mps")


def use_interactive_threads(device: torch.device) -> None:
    """Set torch's CPU threads for interactive continuation on ``device``.

    A continuation steps a batch of a few tokens: too small to share between cores, and a
    second thread only spins against the GUI thread (4 bars x 4 variations in a fresh worker
    thread on a 2-core machine: 21-27 ms with two threads, 10 ms with one). Training and
    evaluation keep their own ``--threads``.
    """
    if torch.device(device).type == "cpu":
        torch.set_num_threads(INTERACTIVE_CPU_THREADS)
