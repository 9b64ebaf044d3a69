"""Noticing at once that the JACK server went away, and asking JACK what a port is connected to.

RtMidi's JACK clients are never told that their server died: sends go on into a ring buffer that
nothing drains (once it is full, ``send_message`` blocks for good while holding the GIL, which
freezes the whole app), and closing or freeing such a client crashes the process once libjack
has torn down its shared state (a failed attempt to open a new client does that). So the MIDI
system must know of a death before it touches anything again, not find out by touching.

``JackWatch.open(client_name, on_shutdown) -> JackWatch | None`` opens one small client of our
own through ctypes, on the libjack that python-rtmidi loaded (its wheel ships a private copy),
and registers ``jack_on_shutdown`` with libc's ``sem_post`` on a semaphore of its own as the
callback: the moment the server goes, libjack's thread posts it, and a thread of ours waiting
on it calls ``on_shutdown(reason)``. No Python runs on libjack's thread: with a ctypes callback
there, the app froze after about one server death in six (a gdb dump: both of its threads
waiting for the GIL's mutex, and no libjack thread left, so one had ended inside the callback
holding it). None when libjack cannot be loaded or no server answers.
``watch.alive``; ``watch.connections(port_name) -> list[str] | None`` (None: unknown).

A watch of a dead server is never closed or freed either (same crash), so every watch and its
ctypes callback stay in ``_KEPT`` for the life of the process. Linux and other platforms with
libjack; elsewhere ``open`` answers None and the MIDI system learns of a death at its next probe.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

JACK_NO_START_SERVER = 0x01
SHUTDOWN_REASON = "the JACK server stopped"
_SEMAPHORE_WORDS = 8  # sem_t is 32 bytes on 64-bit Linux; room to spare, word-aligned
_KEPT: list = []  # every watch ever opened: a dead client must never be closed or freed
_lib: ctypes.CDLL | None = None
_libc: ctypes.CDLL | None = None
_lib_tried = False


def _loaded_libjack_path() -> str | None:
    """The libjack this process already mapped (python-rtmidi's own copy), on Linux."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            for line in maps:
                path = line.split()[-1] if line.strip() else ""
                if "libjack" in path.rsplit("/", 1)[-1] and path.startswith("/"):
                    return path
    except OSError:
        pass
    return None


def libjack() -> ctypes.CDLL | None:
    """The libjack rtmidi uses (else the system's), with the few functions we call; or None."""
    global _lib, _libc, _lib_tried
    if _lib_tried:
        return _lib
    _lib_tried = True
    path = _loaded_libjack_path() or ctypes.util.find_library("jack")
    if path is None:
        return None
    try:
        libc = ctypes.CDLL(None)  # the process's own libc: sem_* (glibc 2.34+ has them in libc)
        for name in ("sem_init", "sem_post", "sem_wait"):
            getattr(libc, name).restype = ctypes.c_int
            getattr(libc, name).argtypes = [ctypes.c_void_p] + (
                [ctypes.c_int, ctypes.c_uint] if name == "sem_init" else [])
        lib = ctypes.CDLL(path)
        lib.jack_client_open.restype = ctypes.c_void_p
        lib.jack_client_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_void_p]
        lib.jack_on_shutdown.restype = None
        # The callback is a C function's address (libc's sem_post), not a ctypes callback.
        lib.jack_on_shutdown.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
        lib.jack_port_by_name.restype = ctypes.c_void_p
        lib.jack_port_by_name.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        lib.jack_port_get_all_connections.restype = ctypes.POINTER(ctypes.c_char_p)
        lib.jack_port_get_all_connections.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        lib.jack_free.restype = None
        lib.jack_free.argtypes = [ctypes.c_void_p]
    except (OSError, AttributeError):
        log.debug("libjack could not be loaded from %s", path, exc_info=True)
        return None
    _lib, _libc = lib, libc
    return lib


class JackWatch:
    """One client of our own on the current JACK server; see the module docstring."""

    def __init__(self, lib: ctypes.CDLL, client: int, on_shutdown: Callable[[str], None]):
        self._lib = lib
        self._client = client
        self._on_shutdown = on_shutdown
        self._alive = threading.Event()
        self._alive.set()
        self._semaphore = (ctypes.c_long * _SEMAPHORE_WORDS)()  # kept: libjack posts it

    @classmethod
    def open(cls, client_name: str, on_shutdown: Callable[[str], None]) -> JackWatch | None:
        lib = libjack()
        if lib is None:
            return None
        client = lib.jack_client_open(client_name.encode(), JACK_NO_START_SERVER, None)
        if not client:
            return None
        watch = cls(lib, client, on_shutdown)
        _KEPT.append(watch)
        if _libc.sem_init(watch._semaphore, 0, 0) != 0:
            log.debug("no semaphore for the JACK watch: deaths are noticed at the next probe")
            return watch
        post = ctypes.cast(_libc.sem_post, ctypes.c_void_p)
        lib.jack_on_shutdown(client, post, ctypes.addressof(watch._semaphore))
        threading.Thread(target=watch._wait, name=f"{client_name} (JACK shutdown)",
                         daemon=True).start()
        return watch

    @property
    def alive(self) -> bool:
        return self._alive.is_set()

    def _wait(self) -> None:
        """Our thread: wait (GIL released, in C) for libjack's thread to post the semaphore,
        then tell the owner. Until the server goes it waits for the life of the process."""
        while _libc.sem_wait(self._semaphore) != 0:
            pass  # interrupted by a signal: wait on
        self._alive.clear()
        try:
            self._on_shutdown(SHUTDOWN_REASON)
        except Exception:  # noqa: BLE001 - a daemon thread has no one to raise to
            log.exception("handling the JACK server's shutdown failed")

    def connections(self, port_name: str) -> list[str] | None:
        """The ports connected to ``port_name`` now ([] if none); None if it is unknown here
        (the server is gone, or no such port)."""
        if not self.alive:
            return None
        port = self._lib.jack_port_by_name(self._client, port_name.encode())
        if not port:
            return None
        names = self._lib.jack_port_get_all_connections(self._client, port)
        if not names:
            return []
        try:
            result = []
            for index in range(1024):
                name = names[index]
                if name is None:
                    break
                result.append(name.decode("utf-8", "replace"))
            return result
        finally:
            self._lib.jack_free(ctypes.cast(names, ctypes.c_void_p))


class JackLife:
    """Which rtmidi JACK objects belong to a server that went away.

    Each JACK server the MIDI system meets is a generation: ``renew(client_name)`` (at every
    probe that reached JACK) opens a watch with ``open_watch`` when there is no live one and starts
    a new generation;
    ``adopt(handle)`` records an rtmidi object as the current generation's; ``lost(handle)`` is
    the reason its server went away, or None. ``server_lost(reason)`` marks the current
    generation lost by hand (a probe found no server, where no watch could be opened).
    ``on_lost(reason)`` is called once per lost generation, from libjack's thread (or the
    probing one).
    """

    def __init__(
        self,
        on_lost: Callable[[str], None],
        open_watch: Callable[..., JackWatch | None] | None = JackWatch.open,
    ):
        self._on_lost = on_lost
        self._open_watch = open_watch  # None: no watch (fake rtmidi), probes notice deaths
        self._watch: JackWatch | None = None
        self._generation = 0  # 0: no server met yet
        self._of: dict[int, int] = {}  # id(rtmidi object) -> generation (objects live forever)
        self._lost: dict[int, str] = {}  # generation -> why it went away
        self._used: set[int] = set()  # generations with objects: only those can be lost
        self._lock = threading.Lock()

    @property
    def current_lost(self) -> str | None:
        """Why the current server went away, or None while it is there (or never was)."""
        return self._lost.get(self._generation)

    def renew(self, client_name: str) -> None:
        """A probe reached a JACK server: a new generation if the last server went away."""
        same_server = self._watch is None or self._watch.alive
        if self._generation and self.current_lost is None and same_server:
            return  # the same server (or, without a watch, no way to tell it apart)
        generation = self._generation + 1
        watch = None
        if self._open_watch is not None:
            watch = self._open_watch(
                f"{client_name} watch", lambda reason: self._mark(generation, reason)
            )
        self._generation, self._watch = generation, watch

    def adopt(self, handle) -> None:
        self._of[id(handle)] = self._generation
        self._used.add(self._generation)

    def lost(self, handle) -> str | None:
        generation = self._of.get(id(handle))
        return None if generation is None else self._lost.get(generation)

    def server_lost(self, reason: str) -> None:
        self._mark(self._generation, reason)

    def connections(self, port_name: str) -> list[str] | None:
        watch = self._watch
        return None if watch is None or self.current_lost else watch.connections(port_name)

    def _mark(self, generation: int, reason: str) -> None:
        with self._lock:
            if generation in self._lost or generation not in self._used:
                return
            self._lost[generation] = reason or "the JACK server stopped"
        self._on_lost(self._lost[generation])
