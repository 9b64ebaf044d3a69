"""The house rules as folder rules: which folder may touch ports, files, torch and threads.

Each rule reads the sources (the ``ast`` of every module), so a new module that breaks a rule
fails here by name, before anyone notices the app starting slowly or a port opened twice.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("engine", "gui")


def modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(), str(path))


def imports(tree: ast.AST, top_level_only: bool = False):
    """(imported module, line) for every import; only the module's own level if asked."""
    nodes = tree.body if top_level_only else ast.walk(tree)
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module, node.lineno


def calls(tree: ast.AST):
    """(called name, line): ``f(...)`` gives ``f``, ``mido.f(...)`` gives ``mido.f``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute):
                owner = func.value.id if isinstance(func.value, ast.Name) else ""
                yield (f"{owner}.{func.attr}" if owner else func.attr), node.lineno
            elif isinstance(func, ast.Name):
                yield func.id, node.lineno


def called(name: str) -> str:
    """The function's own name, without the object it was called on."""
    return name.rsplit(".", 1)[-1]


def offenders(allowed_prefix: str, predicate) -> list[str]:
    found = []
    for path, tree in modules():
        if path.startswith(allowed_prefix):
            continue
        found += [f"{path}:{line} {what}" for what, line in predicate(tree)]
    return found


def test_only_engine_live_touches_midi_ports():
    def port_use(tree):
        for name, line in imports(tree):
            if name.split(".")[0] == "rtmidi":
                yield name, line
        for name, line in calls(tree):
            if name.startswith("mido.") and called(name).startswith(("open_", "get_")):
                yield name, line

    assert offenders("engine/live/", port_use) == []


def test_only_engine_audio_touches_audio_devices():
    def device_use(tree):
        for name, line in imports(tree):
            if name.split(".")[0] in {"sounddevice", "pyaudio"}:
                yield name, line

    assert offenders("engine/audio/", device_use) == []


def test_only_engine_midi_io_reads_or_writes_midi_files():
    def file_use(tree):
        for name, line in calls(tree):
            if called(name) in {"MidiFile", "PrettyMIDI"}:
                yield name, line

    assert offenders("engine/midi_io/", file_use) == []


def test_torch_is_imported_at_module_level_only_inside_engine_ml():
    def eager_torch(tree):
        for name, line in imports(tree, top_level_only=True):
            if name.split(".")[0] == "torch":
                yield name, line

    # Only engine/ml imports torch eagerly; the test below checks nothing reaches it indirectly.
    assert offenders("engine/ml/", eager_torch) == []


def test_importing_every_module_outside_engine_ml_loads_no_torch():
    code = (
        "import importlib, pkgutil, sys\n"
        "from segue import engine, gui\n"
        "for package in (engine, gui):\n"
        "    for info in pkgutil.walk_packages(package.__path__, package.__name__ + '.'):\n"
        "        if not info.name.startswith('segue.engine.ml'):\n"
        "            importlib.import_module(info.name)\n"
        "            assert 'torch' not in sys.modules, info.name\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_only_the_worker_starts_threads_for_the_gui():
    def thread_use(tree):
        for name, line in calls(tree):
            if called(name) in {"Thread", "QThread", "QThreadPool", "ThreadPoolExecutor",
                                "start_new_thread", "Timer"}:
                yield name, line
        for name, line in imports(tree):
            if name in {"concurrent.futures", "_thread"}:
                yield name, line

    found = [hit for hit in offenders("gui/worker.py", thread_use) if hit.startswith("gui/")]
    assert found == []


def fake_imports(tree: ast.AST):
    """(what, line) for every import of the tests package or of a fake (a module or a name that
    says so): fakes live in ``tests/fakes`` and reach the product through constructors."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules_named = [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules_named = [(node.module, node.lineno)]
            modules_named += [(f"{node.module}.{alias.name}", node.lineno) for alias in node.names]
        else:
            continue
        for name, line in modules_named:
            parts = name.split(".")
            if parts[0] == "tests" or any(
                part.lower().startswith(("fake", "scripted")) or part == "testing" for part in parts
            ):
                yield name, line


def test_the_product_imports_no_fakes():
    assert offenders("tests/", fake_imports) == []


def test_the_fake_rule_can_fail():
    tree = ast.parse(
        "from tests.fakes.live import FakeRtmidi\nimport segue.engine.live.testing\n"
        "from segue.gui.dialogs import ScriptedDialogs\nfrom segue.engine.live import ports\n"
    )
    assert sorted({line for _, line in fake_imports(tree)}) == [1, 2, 3]


def test_the_checks_above_can_fail():
    # A rule that finds nothing because it reads nothing would pass forever.
    tree = ast.parse("import torch\nimport rtmidi\nmido.MidiFile('x')\nthreading.Thread()\n")
    assert [name for name, _ in imports(tree, top_level_only=True)] == ["torch", "rtmidi"]
    assert list(calls(tree)) == [("mido.MidiFile", 3), ("threading.Thread", 4)]
    assert sum(1 for _ in modules()) > 50


def test_code_reaches_engine_and_gui_only_under_the_segue_name():
    """Installed, the packages are segue.engine and segue.gui; a bare ``import engine`` works in a
    checkout only, and would load a second copy of every module beside segue's."""
    def bare(tree):
        for name, line in imports(tree):
            if name.split(".")[0] in PACKAGES:
                yield name, line

    found = []
    for folder in (*PACKAGES, "tests", "bench", "scripts"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(), str(path))
            found += [f"{path.relative_to(ROOT)}:{line} {name}" for name, line in bare(tree)]
    found += [f"main.py:{line} {name}" for name, line in bare(ast.parse((ROOT / "main.py").read_text()))]
    assert found == []
