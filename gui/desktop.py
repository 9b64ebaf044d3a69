"""``segue --install-desktop``: Segue in the Linux desktop's menus, with its icon, opening
``.segue`` sessions and MIDI files (freedesktop.org desktop entry, icon theme and
shared-mime-info specifications). ``--uninstall-desktop`` removes what it wrote.

Everything goes to the user's own data folder (``$XDG_DATA_HOME``, ~/.local/share): no root
needed, nothing outside the home changed. No Qt here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from segue.engine import data_files

APP_ID = "segue"
SESSION_MIME = "application/x-segue"
MIDI_MIMES = ("audio/midi", "audio/x-midi")
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")

MIME_XML = f"""<?xml version="1.0" encoding="UTF-8"?>
<mime-info xmlns="http://www.freedesktop.org/standards/shared-mime-info">
  <mime-type type="{SESSION_MIME}">
    <comment>Segue session</comment>
    <sub-class-of type="application/json"/>
    <icon name="{APP_ID}"/>
    <glob pattern="*.segue"/>
  </mime-type>
</mime-info>
"""


def data_home() -> Path:
    configured = os.environ.get("XDG_DATA_HOME")
    return Path(configured) if configured else Path.home() / ".local" / "share"


def installed_files(home: Path | None = None) -> dict[str, Path]:
    """What ``install`` writes, by role."""
    home = home or data_home()
    icons = home / "icons" / "hicolor"
    return {
        "entry": home / "applications" / f"{APP_ID}.desktop",
        "icon": icons / "256x256" / "apps" / f"{APP_ID}.png",
        "icon_svg": icons / "scalable" / "apps" / f"{APP_ID}.svg",
        "mime": home / "mime" / "packages" / f"{APP_ID}.xml",
    }


def exec_quote(argument: str) -> str:
    """One argument of an ``Exec`` key (desktop entry spec: quoting, then string escapes)."""
    if argument and not _RESERVED & set(argument):
        return argument
    quoted = "".join("\\" + c if c in '"`$\\' else c for c in argument)
    return '"' + quoted.replace("\\", "\\\\") + '"'


def launch_command(argv0: str | None = None, python: str | None = None) -> list[str]:
    """How the desktop starts this Segue: the ``segue`` command that is running, or this
    Python with the script it runs (``python main.py`` in a checkout)."""
    script = Path(argv0 if argv0 is not None else sys.argv[0]).resolve()
    if script.suffix == ".py":
        return [python or sys.executable, str(script)]
    return [str(script)]


def desktop_entry(command: list[str], icon: Path) -> str:
    mimes = ";".join((SESSION_MIME, *MIDI_MIMES))
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=Segue\n"
        "GenericName=Composer's Assistant\n"
        "Comment=Sketch a melody; an LSTM continues it\n"
        f"Exec={' '.join(exec_quote(part) for part in command)} %f\n"
        f"Icon={icon}\n"
        "Terminal=false\n"
        "Categories=AudioVideo;Audio;Midi;\n"
        "Keywords=MIDI;melody;composer;piano roll;continuation;\n"
        f"MimeType={mimes};\n"
        "StartupNotify=true\n"
    )


def _refresh_caches(home: Path) -> None:
    """Tell the desktop (when its tools are installed; harmless without them)."""
    for tool, folder in (("update-mime-database", home / "mime"),
                         ("update-desktop-database", home / "applications")):
        if shutil.which(tool) and folder.is_dir():
            subprocess.run([tool, str(folder)], capture_output=True, check=False)


def install(home: Path | None = None, command: list[str] | None = None) -> list[Path]:
    """Write the desktop entry, the icons and the ``.segue`` MIME type; the files written."""
    home = home or data_home()
    files = installed_files(home)
    for path in files.values():
        path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(data_files.icon(), files["icon"])
    shutil.copyfile(data_files.icon_svg(), files["icon_svg"])
    files["mime"].write_text(MIME_XML, encoding="utf-8")
    files["entry"].write_text(desktop_entry(command or launch_command(), files["icon"]),
                              encoding="utf-8")
    _refresh_caches(home)
    return list(files.values())


def uninstall(home: Path | None = None) -> list[Path]:
    """Remove what :func:`install` wrote; the files removed."""
    home = home or data_home()
    removed = []
    for path in installed_files(home).values():
        if path.exists():
            path.unlink()
            removed.append(path)
    _refresh_caches(home)
    return removed


def run(remove: bool = False) -> int:
    """The command line's ``--install-desktop`` / ``--uninstall-desktop``; an exit status."""
    if not sys.platform.startswith("linux"):
        print("Desktop integration is for Linux desktops; elsewhere, start Segue with `segue`.")
        return 0
    try:
        files = uninstall() if remove else install()
    except OSError as exc:
        print(f"Could not {'remove' if remove else 'install'} the desktop entry: {exc}",
              file=sys.stderr)
        return 1
    done = "Removed" if remove else "Installed"
    print(f"{done}: " + (", ".join(str(path) for path in files) or "nothing was installed"))
    return 0
