"""Segue installs like an application: the wheel carries the models and resources it needs,
found through importlib.resources wherever it is installed; the Linux desktop entry."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from setuptools import find_packages

from segue.engine import data_files
from segue.engine.ml.catalog import DEFAULT_MODEL
from segue.gui import desktop

tomllib = pytest.importorskip("tomllib")
ROOT = Path(__file__).resolve().parent.parent
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
NEEDED = [
    f"segue/models/{DEFAULT_MODEL}.safetensors",
    f"segue/models/{DEFAULT_MODEL}.json",
    f"segue/models/{DEFAULT_MODEL}.openings.json",
    "segue/models/harmony/nottingham.safetensors",  # the harmonizer (engine.harmony)
    "segue/models/harmony/nottingham.json",
    "segue/models/harmony/nottingham-hmm.json",
    "segue/resources/demo_seed.json",
    "segue/resources/sf_GMbank.sf2",
    "segue/resources/SOUNDFONT-LICENSE.txt",
    "segue/resources/segue.png",
    "segue/resources/segue.svg",
]


def test_every_package_of_the_tree_is_in_the_wheels_list():
    listed = set(SETUPTOOLS["packages"])
    found = find_packages(str(ROOT), include=["engine*", "gui*"])
    missing = {f"segue.{name}" for name in found} - listed
    assert not missing, f"add {sorted(missing)} to [tool.setuptools] packages in pyproject.toml"


def test_the_shipped_data_installs_from_the_top_level_folders():
    assert SETUPTOOLS["package-dir"] == {
        "segue": "segue", "segue.engine": "engine", "segue.gui": "gui",
        data_files.MODELS_PACKAGE: "models", data_files.RESOURCES_PACKAGE: "resources",
    }
    assert data_files.shipped_models_dir().resolve() == ROOT / "models"
    for path in (data_files.demo_seed(), data_files.soundfont(), data_files.icon(),
                 data_files.icon_svg()):
        assert path.is_file() and path.resolve().parent == ROOT / "resources", path


def _copy_sources(target: Path) -> None:
    for name in ("segue", "engine", "gui", "models", "resources"):
        shutil.copytree(ROOT / name, target / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", "LICENSE", "MANIFEST.in"):
        shutil.copy(ROOT / name, target / name)


@pytest.mark.slow
def test_the_wheel_carries_what_the_app_needs_and_finds_it_where_installed(tmp_path):
    source, dist, site = tmp_path / "src", tmp_path / "dist", tmp_path / "site"
    _copy_sources(source)
    build = "import sys; from setuptools import build_meta as b; print(b.build_wheel(sys.argv[1]))"
    result = subprocess.run([sys.executable, "-c", build, str(dist)], cwd=source,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    wheel = dist / result.stdout.strip().splitlines()[-1]
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(site)
    assert set(NEEDED) <= names, sorted(set(NEEDED) - names)
    tops = {name.split("/")[0] for name in names}
    assert {top for top in tops if not top.startswith("segue-")} == {"segue"}, tops  # one name

    # Installed (unpacked on the path), run from another folder: found inside the install.
    check = (
        "from segue.engine import data_files; from segue.engine.ml.catalog import model_path, available_models\n"
        "print(data_files.demo_seed(), data_files.soundfont(), model_path('folk'))\n"
        "print(available_models()[0])\n"
    )
    env = {"PYTHONPATH": str(site), "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", check], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    paths, default = result.stdout.split("\n")[:2]
    assert all(Path(p).is_relative_to(site) for p in paths.split()), paths
    assert default == DEFAULT_MODEL


def test_exec_arguments_are_quoted_as_the_desktop_entry_spec_says():
    assert desktop.exec_quote("/usr/bin/segue") == "/usr/bin/segue"
    assert desktop.exec_quote("/opt/my apps/segue") == '"/opt/my apps/segue"'
    assert desktop.exec_quote('/a "b"$') == '"/a \\\\"b\\\\"\\\\$"'


def test_the_desktop_starts_the_segue_that_installed_it(tmp_path):
    assert desktop.launch_command(str(tmp_path / "bin" / "segue")) == [str(tmp_path / "bin" / "segue")]
    assert desktop.launch_command(str(tmp_path / "main.py"), python="/py") == [
        "/py", str(tmp_path / "main.py")
    ]


def test_install_desktop_writes_the_entry_icon_and_session_type_and_uninstall_removes_them(tmp_path):
    written = desktop.install(home=tmp_path, command=["/opt/my apps/segue"])
    files = desktop.installed_files(tmp_path)
    assert sorted(written) == sorted(files.values()) and all(p.is_file() for p in written)
    entry = files["entry"].read_text()
    assert 'Exec="/opt/my apps/segue" %f\n' in entry
    assert f"Icon={files['icon']}\n" in entry
    assert "MimeType=application/x-segue;audio/midi;audio/x-midi;\n" in entry
    assert files["icon"].read_bytes() == data_files.icon().read_bytes()
    mime = ElementTree.parse(files["mime"]).getroot()
    namespace = "{http://www.freedesktop.org/standards/shared-mime-info}"
    kind = mime.find(f"{namespace}mime-type")
    assert kind.get("type") == "application/x-segue"
    assert kind.find(f"{namespace}glob").get("pattern") == "*.segue"

    assert sorted(desktop.uninstall(home=tmp_path)) == sorted(written)
    assert not any(p.exists() for p in written)
