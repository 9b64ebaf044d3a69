"""Rendering to an audio file in a child process: the SoundFont is parsed there (native code that
a damaged file can crash), and the sound streams into the file block by block as it is rendered.

``render_to_file(events, path, soundfont=None, rate=44100, program=0, max_tail=4.0,
fallback=False)``   a generator: yields progress (a fraction, or None for "still working"),
    returns a :class:`RenderedFile`. The child writes a temporary file beside ``path``; only a
    finished file replaces ``path``, so a failure, a crash or closing the generator (a cancel:
    the child is killed) leaves the old file as it was and nothing else behind. Raises
    ``AudioExportError`` (the target), ``SoundFontError`` (a SoundFont refused, or "it is
    damaged" when the child died reading or playing it) or ValueError (bad events). With
    ``fallback``, a user's SoundFont that cannot be used is named in ``warning`` and the
    built-in bank plays instead.

The child is this module run with ``python -m``: it reads one JSON request on stdin and answers
with JSON lines on stdout (``loaded``, ``progress``, ``done`` or ``error``).
"""

from __future__ import annotations

import json
import logging
import os
import selectors
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Generator, Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

from segue.engine.audio.audio_files import (
    AudioExportError,
    check_length,
    check_target,
    remove_quietly,
    replace_with,
    temporary_beside,
)
from segue.engine.audio.rendering import frames_at_most
from segue.engine.audio.soundfont import BUILT_IN_SOUNDFONT, SoundFontError, check_rate
from segue.engine.audio.soundfont_check import (
    DAMAGED,
    child_command,
    child_env,
    crashed,
    death_words,
)

log = logging.getLogger(__name__)

MODULE = "segue.engine.audio.render_process"
POLL_S = 0.1  # how often a silent child lets the caller see a cancel


class RenderedFile(NamedTuple):
    path: Path
    frames: int
    rate: int
    soundfont: Path  # the bank that played
    preset: str | None  # the bank's name for the program, e.g. 'Flute'
    warning: str = ""  # why a chosen SoundFont did not play ('' when it did)

    @property
    def seconds(self) -> float:
        return self.frames / self.rate


def render_to_file(
    events: Iterable[tuple[float, Sequence[int]]],
    path: str | os.PathLike,
    soundfont: str | os.PathLike | None = None,
    rate: int = 44100,
    program: int = 0,
    max_tail: float = 4.0,
    fallback: bool = False,
) -> Generator[float | None, None, RenderedFile]:
    """See the module docstring."""
    path = check_target(path)
    events = [[float(seconds), [int(byte) for byte in message]] for seconds, message in events]
    rate = check_rate(rate)
    most = frames_at_most(events, rate, max_tail)  # ValueError for a bad event time
    try:
        check_length(path.suffix, most)
    except ValueError as error:
        raise AudioExportError(path, str(error)) from None
    request = {
        "events": events, "rate": rate, "program": int(program), "max_tail": float(max_tail),
        "suffix": path.suffix.lower(), "target": os.fspath(path),
        "soundfont": None if soundfont is None else os.fspath(soundfont),
    }
    try:
        return (yield from _render_in_child(request, path))
    except SoundFontError as error:
        if not fallback or soundfont is None:
            raise
        request["soundfont"] = None
        rendered = yield from _render_in_child(request, path)
        return rendered._replace(warning=f"{error} The built-in bank played instead.")


def _render_in_child(request: dict, path: Path) -> Generator[float | None, None, RenderedFile]:
    soundfont = Path(request["soundfont"]) if request["soundfont"] else BUILT_IN_SOUNDFONT
    temporary = temporary_beside(path)
    request = {**request, "temporary": os.fspath(temporary)}
    finished = False
    with tempfile.TemporaryFile() as errors:  # a file, not a pipe: a chatty child never blocks
        child = subprocess.Popen(
            child_command(MODULE), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors,
            env=child_env(),
        )
        try:
            _send(child, request)
            answers = yield from _answers(child)
            done = answers.get("done")
            child.wait()
            if done is None:
                _raise_failure(answers, child.returncode, soundfont, path, errors)
            replace_with(temporary, path)
            finished = True
            return RenderedFile(path, int(done["frames"]), request["rate"], soundfont,
                                answers.get("preset"))
        finally:
            if child.poll() is None:  # cancelled or failed: the child goes at once
                child.kill()
                child.wait()
            for stream in (child.stdin, child.stdout):
                if stream is not None and not stream.closed:
                    stream.close()
            if not finished:
                remove_quietly(temporary)


def _send(child: subprocess.Popen, request: dict) -> None:
    try:
        child.stdin.write(json.dumps(request).encode("utf-8"))
        child.stdin.close()
    except OSError:  # it died before reading: its exit status tells why
        pass


def _answers(child: subprocess.Popen) -> Generator[float | None, None, dict]:
    """Read the child's lines until it closes its output, yielding progress meanwhile; the
    answers that matter ('loaded', 'preset', 'done', 'error'), merged."""
    answers: dict = {}
    reader = _LineReader(child.stdout)
    while (lines := (yield from reader.next_lines())) is not None:
        for line in lines:
            answer = _parse(line)
            if "progress" in answer:
                yield float(answer["progress"])
            else:
                answers.update(answer)
    return answers


class _LineReader:
    """Whole lines from a pipe, waiting in steps of ``POLL_S`` seconds that yield None, so the
    caller may close the generator (a cancel) while the child is quiet. Windows cannot wait on
    a pipe with a timeout: there a read blocks, and a cancel waits for the child's next line."""

    def __init__(self, stream):
        self._stream, self._pending = stream, b""

    def next_lines(self) -> Generator[None, None, list[bytes] | None]:
        """The lines that came next (at least one waited for); None at the end of the output."""
        if os.name == "nt":
            line = self._stream.readline()
            return [line] if line else None
        with selectors.DefaultSelector() as selector:
            selector.register(self._stream, selectors.EVENT_READ)
            while not selector.select(POLL_S):
                yield None
        chunk = os.read(self._stream.fileno(), 65536)
        if not chunk:
            return None  # a last line without its newline is not a whole answer
        *lines, self._pending = (self._pending + chunk).split(b"\n")
        return lines


def _parse(line: bytes) -> dict:
    """One answer; {} for a line that is not one (a library printing to stdout)."""
    try:
        answer = json.loads(line)
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def _raise_failure(answers: dict, returncode: int, soundfont: Path, path: Path, errors) -> None:
    """The child ended without a file: say why, in the error of what was at fault."""
    error = answers.get("error")
    if error is not None:
        kind, reason = error["kind"], error["reason"]
        if kind == "soundfont":
            raise SoundFontError(soundfont, reason)
        if kind == "write":
            raise AudioExportError(path, reason)
        if kind == "value":
            raise ValueError(reason)
        raise RuntimeError(f"the audio renderer failed: {reason}")
    errors.seek(0)
    last = "".join(errors.read().decode("utf-8", "replace").strip().splitlines()[-1:])
    log.info("rendering with %s: the renderer ended (%s) %s", soundfont, death_words(returncode),
             last)
    if crashed(returncode) and soundfont != BUILT_IN_SOUNDFONT:  # a user's file crashed it
        reason = DAMAGED if not answers.get("loaded") else f"{DAMAGED} (playing it failed)"
        raise SoundFontError(soundfont, reason)
    details = f": {last}" if last and not crashed(returncode) else ""
    raise RuntimeError(f"the audio renderer stopped unexpectedly ({death_words(returncode)})"
                       f"{details}")


# --- the child ----------------------------------------------------------------------------------


def _say(**answer) -> None:
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()


def _fail(kind: str, reason: str) -> int:
    """Tell the parent why there is no file: 'soundfont', 'write', 'value' or 'bug'."""
    _say(error={"kind": kind, "reason": reason})
    return 0 if kind != "bug" else 1


def child_main() -> int:
    """Render the request on stdin into its temporary file (see the module docstring)."""
    from segue.engine.audio.audio_files import AudioStream, open_new  # noqa: PLC0415
    from segue.engine.audio.rendering import stream_render  # noqa: PLC0415
    from segue.engine.audio.soundfont import SoundFontSynth  # noqa: PLC0415
    from segue.engine.audio.soundfont_check import limit_memory  # noqa: PLC0415
    from segue.engine.files import write_reason  # noqa: PLC0415

    request = json.loads(sys.stdin.buffer.read())
    soundfont = Path(request["soundfont"] or BUILT_IN_SOUNDFONT)
    try:
        limit_memory(soundfont.stat().st_size if soundfont.is_file() else 0)
        synth = SoundFontSynth(request["soundfont"], request["rate"])
    except SoundFontError as error:
        return _fail("soundfont", error.reason)
    except MemoryError:
        return _fail("soundfont", f"{DAMAGED} (it asks for more memory than the file could need)")
    _say(loaded=True, preset=synth.preset_name(request["program"]))
    events = [(seconds, message) for seconds, message in request["events"]]
    try:
        with open_new(request["temporary"]) as file:
            stream = AudioStream(file, request["suffix"], synth.rate)
            steps = stream_render(events, synth, stream.write, request["max_tail"])
            for fraction in steps:
                _say(progress=round(fraction, 4))
            stream.finish()
            os.fsync(file.fileno())
    except OSError as error:
        return _fail("write", write_reason(error))
    except ValueError as error:
        return _fail("value", str(error))
    _say(done={"frames": stream.frames})
    return 0


def main() -> int:
    try:
        return child_main()
    except Exception:  # noqa: BLE001 - a bug: its traceback goes to the parent's log
        traceback.print_exc()
        return _fail("bug", traceback.format_exc(limit=-1).strip())


if __name__ == "__main__":
    sys.exit(main())
