"""Where the files Segue ships and the files a user adds are, wherever Segue is installed.

The shipped models (``models/``) and resources (``resources/``) sit at the top of a checkout and
install as the packages ``segue.models`` and ``segue.resources`` (see
pyproject.toml), so they are found through :mod:`importlib.resources` the same way from a
checkout with an editable install and from a wheel; never relative to the current folder.

``shipped_models_dir()``   the folder of the models that come with Segue
``user_models_dir()``      the per-user folder for models the user trains or adds
``demo_seed()``, ``soundfont()``, ``icon()``, ``icon_svg()``   single shipped files
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

MODELS_PACKAGE = "segue.models"
RESOURCES_PACKAGE = "segue.resources"
APP_NAME = "Segue"  # the data folder's name (~/.local/share/Segue on Linux)
DEMO_SEED = "demo_seed.json"
SOUNDFONT = "sf_GMbank.sf2"
ICON_PNG = "segue.png"
ICON_SVG = "segue.svg"


def _package_dir(package: str) -> Path:
    """The folder of a shipped data package; its files are plain files on disk (wheels and
    editable installs both unpack them, and a zip import would not suit a 4 MB SoundFont)."""
    try:
        return Path(str(resources.files(package)))
    except ModuleNotFoundError:
        # Run from a checkout that was never installed (``python main.py``): the folder beside
        # the packages. ``scripts/dev`` installs, so this is only a fallback.
        return Path(__file__).resolve().parent.parent / package.rsplit(".", 1)[1]


def shipped_models_dir() -> Path:
    return _package_dir(MODELS_PACKAGE)


def resource(name: str) -> Path:
    """A file shipped in ``resources/`` (it may be missing in a damaged install)."""
    return _package_dir(RESOURCES_PACKAGE) / name


def demo_seed() -> Path:
    return resource(DEMO_SEED)


def soundfont() -> Path:
    return resource(SOUNDFONT)


def icon() -> Path:
    return resource(ICON_PNG)


def icon_svg() -> Path:
    return resource(ICON_SVG)


def user_data_dir() -> Path:
    """Segue's per-user data folder (platformdirs: ~/.local/share/Segue on Linux)."""
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def user_models_dir() -> Path:
    """Where models the user trains or adds live: ``models`` in the per-user data folder (it
    need not exist yet)."""
    return user_data_dir() / "models"
