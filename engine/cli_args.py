"""What every ``segue-cli`` command shares: the one-line error, argument types, help text for
a default, and torch's thread count."""

from __future__ import annotations

import argparse
import math


class CliError(Exception):
    """A problem to report to the user in one line."""


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {value}")
    return value


def default_text(value) -> str:
    """``(default 0.003)``: a dataclass default as help text."""
    return f"(default {value:g})" if isinstance(value, float) else f"(default {value})"


def set_threads(threads: int | None) -> None:
    import torch  # noqa: PLC0415

    if threads:
        torch.set_num_threads(threads)


def json_safe(value):
    """``value`` with NaN and infinities as None: JSON holds none of them."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    return value
