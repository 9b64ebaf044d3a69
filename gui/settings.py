"""The app's persistent preferences, read from QSettings at the point of use.

Each preference is a :class:`Setting` (key, default, type), so every reader agrees on what a
missing or damaged value means: it falls back to the default instead of raising. Values are
never cached; ``read`` asks QSettings each time, so a test (or the user) changing a value is
seen at the next use.

Tests isolate QSettings by calling :func:`use_private_store` with a temporary folder (the test
suite's ``tests/conftest.py`` does so for every test session).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QByteArray, QCoreApplication, QSettings

from segue.engine import file_formats
from segue.engine.ml.catalog import DEFAULT_MODEL
from segue.engine.session import GenerationSettings

ORGANIZATION = "Segue"
APPLICATION = "Segue"
MAX_RECENT_FILES = 10


@dataclass(frozen=True)
class Setting:
    """One preference: where it lives, what it is when unset, and its Python type."""

    key: str
    default: Any
    type: type

    def read(self) -> Any:
        return read(self)

    def write(self, value: Any) -> None:
        write(self, value)


WINDOW_GEOMETRY = Setting("window/geometry", QByteArray(), QByteArray)
WINDOW_STATE = Setting("window/state", QByteArray(), QByteArray)
LAST_MODEL = Setting("generation/model", DEFAULT_MODEL, str)
GENERATION = Setting("generation/settings", "", str)  # GenerationSettings as JSON
MIDI_OUTPUT_PORT = Setting("midi/output_port", "", str)
MIDI_INPUT_PORT = Setting("midi/input_port", "", str)
RECENT_FILES = Setting("files/recent", [], list)
LAST_DIRECTORY = Setting("files/last_directory", "", str)
EXPORT_CHOICE = Setting("export/what", "piece", str)
EXPORT_SEPARATE_TRACKS = Setting("export/separate_tracks", False, bool)
EXPORT_SUFFIX = Setting("export/suffix", file_formats.MIDI.suffix, str)  # the format chosen last
RECORD_COUNT_IN = Setting("midi/count_in", False, bool)  # one bar of clicks before recording
FOLD_TO_SCALE = Setting("roll/fold_to_scale", False, bool)  # show only the key's scale rows
SNAP_TO_SCALE = Setting("roll/snap_to_scale", False, bool)  # draw and drag onto the scale
INSTRUMENT_VOLUME = Setting("instrument/volume", 80, int)  # the built-in instrument, 0-100 %
SOUNDFONT = Setting("instrument/soundfont", "", str)  # '' : the built-in General MIDI bank
AUDIO_BUFFER = Setting("instrument/buffer_frames", 0, int)  # 0: the device's low-latency size
AUDIO_DEVICE = Setting("instrument/device", "", str)  # '' : the system's default audio output
NOTE_PREVIEW = Setting("view/note_preview", True, bool)  # editing a note sounds it
AUDIO_EXPORT = Setting("export/audio", "", str)  # the last Export Audio choices, as JSON
SURPRISE_LANE = Setting("view/surprise_lane", False, bool)  # the lane of bits under the roll
SURPRISE_TINT = Setting("view/surprise_tint", False, bool)  # notes coloured by surprise


def store() -> QSettings:
    """The app's QSettings: an INI file per user on every platform (easy to inspect and reset),
    or the private folder given to :func:`use_private_store` (tests, screenshots)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


def read(setting: Setting) -> Any:
    """The stored value converted to ``setting.type``, or the default when unset or damaged."""
    settings = store()
    if not settings.contains(setting.key):
        return setting.default
    try:
        if setting.type is QByteArray:
            value = settings.value(setting.key)
            return value if isinstance(value, QByteArray) else setting.default
        if setting.type is list:
            value = settings.value(setting.key, [], type=list)
            return [str(v) for v in value] if isinstance(value, list) else setting.default
        value = settings.value(setting.key, setting.default, type=setting.type)
    except (TypeError, ValueError, RuntimeError):
        return setting.default
    return value if isinstance(value, setting.type) else setting.default


def write(setting: Setting, value: Any) -> None:
    if not isinstance(value, setting.type):
        raise ValueError(f"setting {setting.key} needs a {setting.type.__name__}, got {value!r}")
    store().setValue(setting.key, value)


def read_generation_settings() -> GenerationSettings:
    """The last generation controls; defaults when unset or no longer valid."""
    import json

    text = read(GENERATION)
    if not text:
        return GenerationSettings(model=read(LAST_MODEL) or DEFAULT_MODEL)
    try:
        return GenerationSettings.from_dict(json.loads(text))
    except ValueError:  # SessionError and JSONDecodeError are ValueErrors
        return GenerationSettings()


def write_generation_settings(generation: GenerationSettings) -> None:
    import json

    write(GENERATION, json.dumps(generation.to_dict()))
    write(LAST_MODEL, generation.model)


def recent_files() -> list[str]:
    return read(RECENT_FILES)


def add_recent_file(path: str) -> list[str]:
    """Put ``path`` first in the recent files list (at most MAX_RECENT_FILES) and return it."""
    files = [path] + [p for p in recent_files() if p != path]
    files = files[:MAX_RECENT_FILES]
    write(RECENT_FILES, files)
    return files


def remove_recent_file(path: str) -> list[str]:
    files = [p for p in recent_files() if p != path]
    write(RECENT_FILES, files)
    return files


def use_private_store(folder: str, organization: str = "SegueTest") -> None:
    """Keep all settings in INI files under ``folder`` (tests, portable installs)."""
    global ORGANIZATION
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, folder)
    ORGANIZATION = organization
    QCoreApplication.setOrganizationName(organization)
