"""The project's skeleton: engine stays Qt-free, the app starts and reports its version."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_engine_pulls_in_no_qt():
    code = (
        "import sys\nfrom segue import engine\nimport segue.engine.melody, segue.engine.encoding, segue.engine.corpus\n"
        "import pkgutil, importlib\n"
        "for m in pkgutil.iter_modules(engine.__path__):\n"
        "    importlib.import_module('segue.engine.' + m.name)\n"
        "qt = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'PyQt')))\n"
        "print(','.join(qt))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_engine_sources_never_import_qt():
    for path in (ROOT / "engine").rglob("*.py"):
        text = path.read_text()
        assert "PySide6" not in text and "shiboken6" not in text, path


def test_every_name_in_the_engine_api_map_resolves():
    from segue import engine

    for name in engine.__all__:
        assert getattr(engine, name) is not None, name
        if name != "__version__":
            assert name in engine.__doc__, f"{name} is exported but not in the API map"


def test_version_prints_without_a_window():
    result = subprocess.run(
        [sys.executable, "main.py", "--version"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert result.stdout.strip().startswith("Segue ")
    assert "PySide6" not in result.stderr


def test_install_desktop_needs_no_window(tmp_path):
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path), "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "main.py", "--install-desktop"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    entry = (tmp_path / "applications" / "segue.desktop").read_text()
    assert f"Exec={sys.executable} {ROOT / 'main.py'} %f" in entry


def test_main_window_is_titled_segue(main_window):
    window = main_window()
    window.show()
    assert window.windowTitle().startswith("Segue")
    assert window.statusBar() is not None
    assert not window.windowIcon().isNull()
    window.close()
