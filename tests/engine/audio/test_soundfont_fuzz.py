"""Damaged SoundFonts never crash Segue: the checker reads a user's file in a child process, and a
child's death becomes "it is damaged". Seeded mutants of the shipped bank (bytes flipped, chunk
sizes changed, files cut short) are made from their seeds here; no binary mutant is committed.
``bench/soundfont_fuzz.py --count 300`` runs the same probe at scale."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

import segue.engine.audio.soundfont_check as soundfont_check
from segue.engine.audio.soundfont import BUILT_IN_SOUNDFONT, SoundFontError
from segue.engine.audio.soundfont_check import DAMAGED, check_soundfont
from tests.engine.audio.soundfont_mutants import (
    CRASHING_SEEDS,
    built_in_bytes,
    chunk_size_fields,
    write_mutant,
)

FUZZ_SEEDS = range(36)  # a few dozen, each kind of damage a third of them

LOAD_IN_A_PLAIN_CHILD = (
    "import sys; from pathlib import Path; "
    "from segue.engine.audio.soundfont import _load; _load(Path(sys.argv[1]))"
)


def test_mutants_come_from_their_seeds_and_damage_the_riff_structure(tmp_path):
    data = built_in_bytes()
    assert len(chunk_size_fields(data)) > 10  # RIFF, three LISTs and the chunks inside them
    (tmp_path / "again").mkdir()
    first, again = write_mutant(tmp_path, 5), write_mutant(tmp_path / "again", 5)
    assert first.read_bytes() == again.read_bytes() != data


@pytest.mark.synth
@pytest.mark.parametrize("seed", CRASHING_SEEDS)
def test_the_crashing_mutants_do_crash_a_process_that_parses_them(tmp_path, seed):
    # What the checker guards against: parsed in a process, this file kills it.
    path = write_mutant(tmp_path, seed)
    done = subprocess.run([sys.executable, "-c", LOAD_IN_A_PLAIN_CHILD, str(path)],
                          capture_output=True, check=False)
    assert done.returncode == -signal.SIGSEGV


@pytest.mark.synth
@pytest.mark.parametrize("seed", CRASHING_SEEDS)
def test_a_soundfont_that_crashes_the_parser_is_named_as_damaged(tmp_path, seed):
    path = write_mutant(tmp_path, seed)
    with pytest.raises(SoundFontError) as caught:
        check_soundfont(path)
    assert str(caught.value) == f"Cannot use the SoundFont 'mutant-{seed}.sf2': {DAMAGED}."
    assert caught.value.path == str(path)


@pytest.mark.synth
def test_seeded_mutants_are_ok_or_refused_naming_the_file_and_never_crash_this_process(tmp_path):
    outcomes = {"ok": 0, "refused": 0, "crashed the checker": 0}
    for seed in FUZZ_SEEDS:
        path = write_mutant(tmp_path, seed)
        try:
            check_soundfont(path)
        except SoundFontError as error:
            assert str(error).startswith(f"Cannot use the SoundFont 'mutant-{seed}.sf2': it is")
            outcomes["crashed the checker" if error.reason == DAMAGED else "refused"] += 1
        else:
            outcomes["ok"] += 1
    # This process is still here; and the probe covered every outcome, crashes included.
    assert all(outcomes.values()), outcomes


@pytest.mark.synth
def test_the_shipped_bank_passes_the_check():
    assert check_soundfont(BUILT_IN_SOUNDFONT) is None


def test_a_checker_killed_by_a_signal_means_the_file_is_damaged(tmp_path, monkeypatch):
    # Without the synthesizer too: any death of the child is the file's fault, and only the
    # child's. (The stand-in child kills itself as a segmentation fault would.)
    crash = "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"
    monkeypatch.setattr(soundfont_check, "child_command",
                        lambda module, *args: [sys.executable, "-c", crash])
    with pytest.raises(SoundFontError) as caught:
        check_soundfont(tmp_path / "x.sf2")
    assert str(caught.value) == "Cannot use the SoundFont 'x.sf2': it is damaged."


def test_a_checker_that_never_answers_is_stopped_and_the_file_refused(tmp_path, monkeypatch):
    hang = "import time; time.sleep(600)"
    monkeypatch.setattr(soundfont_check, "child_command",
                        lambda module, *args: [sys.executable, "-c", hang])
    with pytest.raises(SoundFontError, match="it is damaged \\(reading it did not finish\\)"):
        check_soundfont(tmp_path / "x.sf2", timeout=0.5)


@pytest.mark.synth
def test_a_file_the_library_refuses_keeps_its_own_reason(tmp_path):
    path = tmp_path / "Mine.sf2"
    path.write_bytes(b"MThd\x00\x00\x00\x06")
    with pytest.raises(SoundFontError, match="'Mine.sf2': it is not an SF2/SF3 SoundFont"):
        check_soundfont(path)
    with pytest.raises(SoundFontError, match="'gone.sf2': no such file"):
        check_soundfont(tmp_path / "gone.sf2")


def test_a_checker_failing_without_a_crash_does_not_call_the_file_damaged(tmp_path, monkeypatch):
    # Python itself failing (a broken installation) is no verdict on the file.
    broken = "import sys; sys.exit('ImportError: no module named tinysoundfont')"
    monkeypatch.setattr(soundfont_check, "child_command",
                        lambda module, *args: [sys.executable, "-c", broken])
    with pytest.raises(SoundFontError) as caught:
        check_soundfont(tmp_path / "x.sf2")
    assert caught.value.reason == (
        "it could not be checked (ImportError: no module named tinysoundfont)")
