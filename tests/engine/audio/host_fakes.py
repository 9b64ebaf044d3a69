"""Instruments for :class:`engine.audio.host.InstrumentHost`'s child in tests: no audio device.

``EchoInstrument(soundfont, buffer_frames=0)`` keeps what it is sent; its ``report()`` says
what it got. Its SoundFont argument picks a failure: "bad.sf2" (a SoundFontError), "no-device"
(an InstrumentError), "crash.sf2" (the child dies while loading it, as a native parser can).
Messages that act on the child: note on of key 0 (the stream fails, with 3 underruns), key 1
(the child process dies at once), key 2 (every later report hangs for 30 s), key 3 (send raises
a RuntimeError, an instrument's bug).
"""

from __future__ import annotations

import os
import time

from segue.engine.audio.instrument import InstrumentError
from segue.engine.audio.soundfont import SoundFontError

NO_DEVICE = "The built-in instrument is unavailable: no audio output device was found."


class EchoInstrument:

    def __init__(self, soundfont=None, buffer_frames=0):
        if soundfont == "bad.sf2":
            raise SoundFontError(soundfont, "it is not an SF2/SF3 SoundFont")
        if soundfont == "no-device":
            raise InstrumentError(NO_DEVICE)
        if soundfont == "crash.sf2":
            os._exit(3)
        self.soundfont, self.buffer_frames = soundfont, buffer_frames
        self.rate, self.block_frames, self.underruns, self._failure = 44100, 512, 0, ""
        self.volume, self.sent, self.closed, self.hang = 1.0, [], False, False

    def send(self, message, when=None):
        message = list(message)
        if message[:2] == [0x90, 0]:
            self._failure, self.underruns = "the audio device stopped", 3
        elif message[:2] == [0x90, 1]:
            os._exit(1)
        elif message[:2] == [0x90, 2]:
            self.hang = True
        elif message[:2] == [0x90, 3]:
            raise RuntimeError("a bug")
        self.sent.append([message, when])

    def report(self):
        if self.hang:
            time.sleep(30)
        return {"sent": self.sent, "volume": self.volume, "soundfont": self.soundfont,
                "buffer_frames": self.buffer_frames}

    def close(self):
        self.closed = True
