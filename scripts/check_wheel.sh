#!/usr/bin/env bash
# Segue as a user installs it: build the sdist, build the wheel from that sdist, install the wheel
# into a fresh virtual environment outside the repository, and run `segue` and `segue-cli` from
# an empty temporary folder with an empty home. Fails unless the default model, the demo seed,
# the icon and the SoundFont come with the install. Called by .ci/run after the tests.
#   scripts/check_wheel.sh            (needs .venv from scripts/dev, and the package index)
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
BUILD_PY=${BUILD_PY:-.venv/bin/python}
# The interpreter .venv was made from: a fresh environment of the same Python.
BASE_PY=$("$BUILD_PY" -c 'import sys; print(sys._base_executable)')
WORK=$(mktemp -d "${TMPDIR:-/tmp}/segue-wheel-check.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
step() { echo "check_wheel: $*" >&2; }
fail() { echo "check_wheel: FAILED: $*" >&2; exit 1; }

step "building the sdist, then the wheel from it"
"$BUILD_PY" -c 'import sys; from setuptools import build_meta as b; b.build_sdist(sys.argv[1])' \
    "$WORK/dist" >/dev/null
"$BUILD_PY" -m pip wheel --quiet --no-deps -w "$WORK/dist" "$WORK"/dist/segue-*.tar.gz
WHEEL=$(ls "$WORK"/dist/segue-*.whl)

step "installing $(basename "$WHEEL") into a fresh environment"
"$BASE_PY" -m venv "$WORK/venv"
PIP=("$WORK/venv/bin/python" -m pip install --quiet -c "$REPO/constraints.txt")
"${PIP[@]}" torch  # pinned first: a loose requirement would fetch a CUDA build of several GB
"${PIP[@]}" --no-deps tinysoundfont  # without PyAudio, as scripts/dev does
"${PIP[@]}" "$WHEEL"

step "the wheel installs nothing at the top of site-packages but segue and its metadata"
# -I: the checkout's own segue.egg-info must not answer for the installed distribution.
"$WORK/venv/bin/python" -I - <<'EOF2' || fail "the wheel installs more than segue at the top"
from importlib.metadata import distribution

files = distribution("segue").files
tops = {f.parts[0] for f in files if f.parts[0] != ".." and not f.parts[0].endswith(".dist-info")}
print(f"top-level entries: {sorted(tops)}")
assert tops == {"segue"}, tops
EOF2

# A new user: empty home and data folders, started from an empty folder outside the repository.
mkdir -p "$WORK/home" "$WORK/cwd"
cd "$WORK/cwd"
export HOME="$WORK/home" XDG_CONFIG_HOME="$WORK/home/.config" XDG_DATA_HOME="$WORK/home/.local/share"
export XDG_CACHE_HOME="$WORK/home/.cache" QT_QPA_PLATFORM=offscreen
unset SEGUE_MODELS_DIR SEGUE_LOG_DIR PYTHONPATH
BIN="$WORK/venv/bin"

step "the installed files"
"$BIN/python" - "$REPO" <<'EOF'
import sys
from pathlib import Path

from segue import engine
from segue.engine import data_files
from segue.engine.ml.catalog import DEFAULT_MODEL, available_models, model_paths, model_path

repo = Path(sys.argv[1]).resolve()
assert repo not in Path(engine.__file__).resolve().parents, f"engine came from {engine.__file__}"
for path in (data_files.demo_seed(), data_files.soundfont(), data_files.icon(),
             data_files.icon_svg(), *model_paths(model_path(DEFAULT_MODEL))):
    assert path.is_file() and repo not in path.resolve().parents, f"missing or not installed: {path}"
assert available_models()[0] == DEFAULT_MODEL, available_models()
print(f"models {', '.join(available_models())} in {data_files.shipped_models_dir()}")
EOF

step "segue --screenshot"
"$BIN/segue" --version
"$BIN/segue" --screenshot shot.png | tee screenshot.txt
grep -q "continued by the model" screenshot.txt || fail "the screenshot used no installed model"
[ -s shot.png ] || fail "no screenshot written"

step "segue-cli generate"
"$BIN/python" -c '
from segue.engine import data_files
from segue.engine.midi_io import write_midi
from segue.engine.session import read_melodies
write_midi(read_melodies(data_files.demo_seed())[0], "seed.mid")'
"$BIN/segue-cli" generate --seed seed.mid --out continued.mid --bars 2 --rng-seed 1
[ -s continued.mid ] || fail "segue-cli generate wrote nothing"

step "the built-in instrument's own process starts from the install"
"$BIN/python" -c '
from segue.engine.audio.host import InstrumentHost
from segue.engine.audio.instrument import InstrumentError
try:
    InstrumentHost().close()  # a machine with sound: it played silence
    print("the audio process opened the device")
except InstrumentError as error:  # none (CI): the child ran, and says why it cannot sound
    assert "unavailable" in str(error), error
    print(f"the audio process answered: {error}")'

step "segue --install-desktop"
"$BIN/segue" --install-desktop
[ -f "$XDG_DATA_HOME/applications/segue.desktop" ] || fail "no desktop entry"
[ -f "$XDG_DATA_HOME/mime/packages/segue.xml" ] || fail "no MIME type for .segue"
step "passed"
