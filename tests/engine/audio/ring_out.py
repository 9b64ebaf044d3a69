"""Knowing when the last note has rung out, from the samples: for the real-device audio test.

``RingOut(synth)`` wraps a synthesizer: once ``armed`` (every note-off sent), ``silent`` is set
when a whole block renders silent, so a test closes the instrument on an event, not a guessed
time. ``RingOutInstrument(soundfont, buffer_frames=0)``: the built-in instrument on such a synth
at 48 kHz, for :class:`engine.audio.host.InstrumentHost`'s ``instrument=``: its ``report()``
arms it and answers ``{"silent": True}`` once the sound has rung out.
"""

from __future__ import annotations

import threading

import numpy as np

from segue.engine.audio.instrument import BuiltInInstrument
from segue.engine.audio.soundfont import SoundFontSynth


class RingOut:

    def __init__(self, synth):
        self._synth, self.armed, self.silent = synth, False, threading.Event()

    def handle(self, message):
        self._synth.handle(message)

    def render_into(self, out):
        self._synth.render_into(out)
        if self.armed and len(out) >= 64 and not np.any(out):
            self.silent.set()


class RingOutInstrument(BuiltInInstrument):

    def __init__(self, soundfont=None, buffer_frames=0):
        self.ring_out = RingOut(SoundFontSynth(soundfont, 48000))
        super().__init__(rate=48000, synth=self.ring_out, buffer_frames=buffer_frames)

    def report(self) -> dict:
        """Arm, then answer once a block has rendered silent (or after 10 s)."""
        self.ring_out.armed = True
        return {"silent": self.ring_out.silent.wait(10)}
