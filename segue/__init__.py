"""Segue, under one name: ``segue.engine`` (what the music is and what comes next, no Qt),
``segue.gui`` (what the user sees and touches), ``segue.models`` and ``segue.resources`` (the
files Segue ships).

Installed, those are folders inside this package, so a wheel puts nothing at the top of
site-packages but ``segue``. In a checkout they stay at the top of the repository, as the design
card lays it out, and this package reaches them by adding the repository to its own path.
"""

from pathlib import Path as _Path

_HERE = _Path(__file__).resolve().parent
_CHECKOUT = _HERE.parent
if not (_HERE / "engine").is_dir() and (_CHECKOUT / "engine" / "__init__.py").is_file():
    __path__.append(str(_CHECKOUT))  # noqa: F821 (a package's own __path__)
