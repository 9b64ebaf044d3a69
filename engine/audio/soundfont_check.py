"""Checking a user's SoundFont where a crash costs nothing: in a short-lived child process.

TinySoundFont's parser is native code, and some damaged files crash the process that reads them
(a segmentation fault no ``try`` can catch), some only once a preset plays. So the app and
``segue-cli`` never parse a user's SoundFont themselves: a child does (this module run with
``python -m``: it loads the file and plays a short chord on every program and drum kit), and its
death becomes "Cannot use the SoundFont 'NAME': it is damaged." The bank in use stays meanwhile.

``check_soundfont(path)``   None when the file can be played; :class:`SoundFontError` naming it
    and the reason otherwise (the library's own refusal, or "it is damaged" when the child
    crashed or did not finish)
``child_command(module, *args)``, ``child_env()``   how this module and ``render_process``
    start their children
``limit_memory(soundfont_bytes)``   called in a child before parsing: an address-space cap, so a
    chunk size that claims gigabytes fails there instead of exhausting the machine

    python -m segue.engine.audio.soundfont_check PATH   (prints one JSON line: the answer)
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from segue.engine.audio.soundfont import SoundFontError

log = logging.getLogger(__name__)

MODULE = "segue.engine.audio.soundfont_check"
DAMAGED = "it is damaged"
CHECK_TIMEOUT_S = 120.0  # a 1 GB bank from a slow disk; a parser stuck in a loop ends here
# The child's address space: the interpreter and numpy, plus room for a bank's decoded samples
# (an .sf3's Ogg samples unpack to about ten times their size).
BASE_MEMORY_BYTES = 4 * 1024 ** 3
MEMORY_PER_SOUNDFONT_BYTE = 16
CHECK_PITCHES = (36, 60, 84)  # low, middle, high: a preset's zones split by key


def child_command(module: str, *args: str) -> list[str]:
    """The command that runs ``module`` in a fresh interpreter (this one's, so the same
    environment and the same Segue)."""
    return [sys.executable, "-m", module, *args]


def child_env() -> dict[str, str]:
    """The child's environment: one BLAS thread (it renders, it does no linear algebra, and
    each thread reserves address space under the memory cap)."""
    return {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


def limit_memory(soundfont_bytes: int) -> None:
    """Cap this process's address space (see the module docstring); where the platform has no
    such limit, nothing happens."""
    try:
        import resource  # noqa: PLC0415 - POSIX only
    except ImportError:
        return
    cap = BASE_MEMORY_BYTES + MEMORY_PER_SOUNDFONT_BYTE * max(0, soundfont_bytes)
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    if soft == resource.RLIM_INFINITY or soft > cap:
        try:
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
        except (ValueError, OSError):
            pass


def crashed(returncode: int) -> bool:
    """True when a child's exit status says it crashed (a signal on POSIX; an exception code
    such as an access violation, 0xC0000005, on Windows), not that Python ended it."""
    return returncode < 0 or returncode >= 0xC0000000


def death_words(returncode: int) -> str:
    """'signal 11 (SIGSEGV)' or 'exit status 3', for the log."""
    if returncode < 0:
        try:
            return f"signal {-returncode} ({signal.Signals(-returncode).name})"
        except ValueError:
            return f"signal {-returncode}"
    return f"exit status {returncode}"


def check_soundfont(path: str | os.PathLike, timeout: float = CHECK_TIMEOUT_S) -> None:
    """See the module docstring."""
    for _ in iter_check_soundfont(path, timeout):
        pass


def iter_check_soundfont(
    path: str | os.PathLike, timeout: float = CHECK_TIMEOUT_S, poll_s: float = 0.1
):
    """:func:`check_soundfont` as a worker's job: yields None every ``poll_s`` while the child
    reads the file, so the GUI never waits on it and a cancel (closing the generator) kills the
    child; raises :class:`SoundFontError` as :func:`check_soundfont` does."""
    path = Path(path)
    try:
        child = subprocess.Popen(
            child_command(MODULE, os.fspath(path)), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=child_env(),
        )
    except OSError as error:
        raise SoundFontError(path, f"it could not be checked ({error.strerror or error})") from None
    started = time.monotonic()
    try:
        while True:
            try:
                stdout, stderr = child.communicate(timeout=poll_s)
                break
            except subprocess.TimeoutExpired:
                if time.monotonic() - started > timeout:
                    log.info("checking the SoundFont %s did not finish in %.0f s", path, timeout)
                    raise SoundFontError(path, f"{DAMAGED} (reading it did not finish)") from None
                yield None
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    _judge(path, child.returncode, stdout, stderr)


def _judge(path: Path, returncode: int, stdout: bytes, stderr: bytes) -> None:
    answer = _answer(stdout)
    if returncode == 0 and answer is not None:
        if answer.get("reason"):
            raise SoundFontError(path, str(answer["reason"]))
        return
    last_line = "".join(stderr.decode("utf-8", "replace").strip().splitlines()[-1:])
    log.info("checking the SoundFont %s: the checker ended (%s) %s", path,
             death_words(returncode), last_line)
    if crashed(returncode):
        raise SoundFontError(path, DAMAGED)
    # Python itself failed (a broken installation, say): the file is not to blame, nor known good.
    reason = last_line or death_words(returncode)
    raise SoundFontError(path, f"it could not be checked ({reason})")


def _answer(stdout: bytes) -> dict | None:
    """The child's answer, its last line of output; None when there is none."""
    lines = stdout.decode("utf-8", "replace").strip().splitlines()
    try:
        answer = json.loads(lines[-1]) if lines else None
    except ValueError:
        return None
    return answer if isinstance(answer, dict) else None


def play_every_program(synth) -> None:
    """A short chord on every General MIDI program and drum kit: some damage shows only when a
    preset is chosen or its samples play, so the check does what playing would."""
    import numpy as np  # noqa: PLC0415

    from segue.engine.audio.soundfont import DRUM_CHANNEL  # noqa: PLC0415

    block = np.empty((256, 2), dtype=np.float32)
    for program in range(128):
        for channel in (0, DRUM_CHANNEL):
            synth.handle([0xC0 | channel, program])
            for pitch in CHECK_PITCHES:
                synth.handle([0x90 | channel, pitch, 100])
            synth.render_into(block)
            for pitch in CHECK_PITCHES:
                synth.handle([0x80 | channel, pitch, 0])
    synth.render_into(block)


def main(argv: list[str]) -> int:
    """The child: load the file and play it, print ``{"ok": true}`` or ``{"reason": ...}``."""
    from segue.engine.audio.soundfont import SoundFontSynth  # noqa: PLC0415

    if len(argv) != 1:
        print("usage: python -m segue.engine.audio.soundfont_check PATH", file=sys.stderr)
        return 2
    path = Path(argv[0])
    try:
        limit_memory(path.stat().st_size if path.is_file() else 0)
        play_every_program(SoundFontSynth(path))
    except SoundFontError as error:
        answer = {"reason": error.reason}
    except MemoryError:
        answer = {"reason": f"{DAMAGED} (it asks for more memory than the file could need)"}
    else:
        answer = {"ok": True}
    print(json.dumps(answer), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
