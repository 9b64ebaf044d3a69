"""Build the MIDI fixtures of this folder: small files shaped like what DAWs and notation
programs write. They seed the fuzz test and the import tests; run this script to rebuild them
(the output is deterministic): ``.venv/bin/python tests/data/midi/make_fixtures.py``.
"""

from __future__ import annotations

import random
import struct
from pathlib import Path

import mido
from mido import Message, MetaMessage

HERE = Path(__file__).resolve().parent


def _track(events, name=None, charset_name=None):
    """A track from (absolute tick, message) pairs; note-offs sort before note-ons at one tick."""
    track = mido.MidiTrack()
    if name is not None:
        track.append(MetaMessage("track_name", name=name))
    order = {"note_off": 0, "note_on": 1}
    now = 0
    for tick, message in sorted(events, key=lambda e: (e[0], order.get(e[1].type, -1))):
        track.append(message.copy(time=tick - now))
        now = tick
    track.append(MetaMessage("end_of_track", time=0))
    return track


def _notes(notes, channel, ticks_per_beat, velocity_zero_off=False, jitter=0, rng=None):
    """(pitch, start beat, length beats) -> note events; optional humanising jitter in ticks."""
    events = []
    for pitch, start, length in notes:
        on = round(start * ticks_per_beat)
        off = round((start + length) * ticks_per_beat)
        if jitter:
            on = max(0, on + rng.randint(-jitter, jitter))
            off = max(on + 1, off + rng.randint(-jitter, jitter))
        events.append((on, Message("note_on", channel=channel, note=pitch, velocity=96)))
        if velocity_zero_off:
            events.append((off, Message("note_on", channel=channel, note=pitch, velocity=0)))
        else:
            events.append((off, Message("note_off", channel=channel, note=pitch, velocity=64)))
    return events


LEAD = [(72, 0, 1), (74, 1, 0.5), (76, 1.5, 0.5), (77, 2, 1), (79, 3, 1),
        (81, 4, 1.5), (79, 5.5, 0.5), (77, 6, 1), (76, 7, 1), (74, 8, 2), (72, 10, 2)]
BASS = [(36, b, 1) for b in range(12)]
CHORDS = [(p, bar * 4, 4) for bar, chord in enumerate([(60, 64, 67), (57, 60, 64), (53, 57, 60)])
          for p in chord]
DRUMS = [(36, b, 0.25) for b in range(12)] + [(42, b + 0.5, 0.25) for b in range(12)]


def daw_type1(rng):
    """Like Ableton/Reaper: conductor track, UTF-8 names, 960 ticks, humanised lead, drums."""
    tpb = 960
    conductor = _track([
        (0, MetaMessage("time_signature", numerator=4, denominator=4)),
        (0, MetaMessage("set_tempo", tempo=mido.bpm2tempo(124))),
        (0, MetaMessage("marker", text="Verse")),
    ], name="My Song")
    bass = _notes(BASS, 0, tpb) + [(0, Message("program_change", channel=0, program=33))]
    lead = _notes(LEAD, 1, tpb, jitter=20, rng=rng) + [
        (0, Message("program_change", channel=1, program=81)),
        (tpb, Message("pitchwheel", channel=1, pitch=1200)),
        (tpb * 2, Message("control_change", channel=1, control=1, value=64)),
    ]
    pads = _notes(CHORDS, 2, tpb) + [(0, Message("program_change", channel=2, program=89))]
    drums = _notes(DRUMS, 9, tpb)
    midi = mido.MidiFile(type=1, ticks_per_beat=tpb, charset="utf-8")
    midi.tracks = [conductor, _track(bass, "Bass"), _track(lead, "Lead – Synth ♪"),
                   _track(drums, "Drums"), _track(pads, "Pads")]
    return midi


def format0_multichannel(rng):
    """One track, three channels (flute melody, piano chords, drums), 96 ticks, running status
    and velocity-0 note-offs, as old sequencers and General MIDI files have them."""
    tpb = 96
    events = [
        (0, MetaMessage("set_tempo", tempo=mido.bpm2tempo(100))),
        (0, MetaMessage("time_signature", numerator=4, denominator=4)),
        (0, Message("program_change", channel=0, program=73)),
        (0, Message("program_change", channel=1, program=0)),
    ]
    events += _notes(LEAD, 0, tpb, velocity_zero_off=True)
    events += _notes(CHORDS, 1, tpb, velocity_zero_off=True)
    events += _notes(DRUMS, 9, tpb, velocity_zero_off=True)
    midi = mido.MidiFile(type=0, ticks_per_beat=tpb)
    midi.tracks = [_track(events, "General MIDI song")]
    return midi


def notation_keysig(rng):
    """Like MuseScore/Sibelius: key signature, 3/4 with a pickup, lyrics, Latin-1 names,
    a ritardando (tempo changes) and a meter change."""
    tpb = 480
    conductor = _track([
        (0, MetaMessage("key_signature", key="Eb")),
        (0, MetaMessage("time_signature", numerator=3, denominator=4)),
        (0, MetaMessage("set_tempo", tempo=mido.bpm2tempo(90))),
        (0, MetaMessage("copyright", text="© 2024 Compositeur")),
        (tpb * 9, MetaMessage("set_tempo", tempo=mido.bpm2tempo(80))),
        (tpb * 10, MetaMessage("set_tempo", tempo=mido.bpm2tempo(70))),
        (tpb * 12, MetaMessage("time_signature", numerator=2, denominator=4)),
    ], name="Chanson")
    tune = [(67, 2, 1), (70, 3, 1.5), (72, 4.5, 0.5), (70, 5, 1), (68, 6, 2), (67, 8, 1),
            (65, 9, 1), (63, 10, 2), (63, 12, 2)]
    voice = _notes(tune, 0, tpb) + [
        (0, MetaMessage("instrument_name", name="Flûte")),
        (0, Message("program_change", channel=0, program=73)),
        (tpb * 2, MetaMessage("lyrics", text="Frè-")),
        (tpb * 3, MetaMessage("lyrics", text="re")),
        (tpb * 2, MetaMessage("text", text="dolce")),
    ]
    midi = mido.MidiFile(type=1, ticks_per_beat=tpb)  # Latin-1, as older notation programs
    midi.tracks = [conductor, _track(voice, "Flûte à bec")]
    return midi


def piano_chords(rng):
    """One piano track, melody on top of chords, sustain pedal, 384 ticks, played feel."""
    tpb = 384
    notes = [(p, s, 1) for p, s, _ in LEAD[:8]]
    for bar in range(3):
        for beat in range(4):
            start = bar * 4 + beat
            notes += [(48 + bar * 2, start, 0.9), (55 + bar * 2, start, 0.9), (60 + bar, start, 0.9)]
    events = _notes(notes, 0, tpb, jitter=8, rng=rng)
    events += [(0, Message("control_change", channel=0, control=64, value=127)),
               (tpb * 11, Message("control_change", channel=0, control=64, value=0))]
    midi = mido.MidiFile(type=1, ticks_per_beat=tpb)
    midi.tracks = [_track([(0, MetaMessage("set_tempo", tempo=mido.bpm2tempo(72)))]),
                   _track(events, "Piano")]
    return midi


def smpte_timed(rng):
    """SMPTE time division: 25 frames per second, 40 ticks per frame (1000 ticks a second)."""
    ticks_per_second = 1000
    beat = ticks_per_second * 60 // 150  # 150 BPM: 400 ticks a beat
    events = [(0, MetaMessage("set_tempo", tempo=mido.bpm2tempo(150)))]
    events += _notes(LEAD, 0, beat)
    midi = mido.MidiFile(type=0, ticks_per_beat=-(25 << 8) + 40)  # bytes 0xE7 0x28
    midi.tracks = [_track(events, "Timecode")]
    return midi


def format2_patterns(rng):
    """Format 2: independent sequences (patterns), each with its own tempo."""
    tpb = 120
    first = _track(_notes(LEAD[:5], 0, tpb) + [(0, MetaMessage("set_tempo", tempo=600000))],
                   "Pattern A")
    second = _track(_notes(BASS[:4], 0, tpb), "Pattern B")
    midi = mido.MidiFile(type=2, ticks_per_beat=tpb)
    midi.tracks = [first, second]
    return midi


FIXTURES = {
    "daw_type1.mid": daw_type1,
    "format0_multichannel.mid": format0_multichannel,
    "notation_keysig.mid": notation_keysig,
    "piano_chords.mid": piano_chords,
    "smpte_timed.mid": smpte_timed,
    "format2_patterns.mid": format2_patterns,
}


def _raw_file(*events: str) -> bytes:
    """A type-0 file at 480 ticks from hex events (no end-of-track needed)."""
    body = bytes.fromhex(" ".join(events) + " 00 FF 2F 00")
    return (b"MThd" + struct.pack(">LHHH", 6, 0, 1, 480)
            + b"MTrk" + struct.pack(">L", len(body)) + body)


NOTES = "00 90 3C 64 83 60 80 3C 40 00 90 3E 64 83 60 80 3E 40"
# Files on which mido's own reader raises (KeySignatureError, IndexError, ValueError, OSError):
# the import reads them, ignoring or clipping the damaged bytes with a warning.
MIDO_CRASHERS = {
    "mido_key_signature.mid": _raw_file("00 FF 59 02 0B 03", NOTES),
    "mido_short_tempo.mid": _raw_file("00 FF 51 01 07", NOTES),
    "mido_time_signature.mid": _raw_file("00 FF 58 04 04 1D 18 08", NOTES),
    "mido_smpte_offset.mid": _raw_file("00 FF 54 05 60 3C 00 00 00", NOTES),
    "mido_data_byte.mid": _raw_file("00 90 3C E4 83 60 80 3C 40", NOTES),
    "mido_sysex_byte.mid": _raw_file("00 F0 04 7E 7F C9 F7", NOTES),
}


def main():
    for name, build in FIXTURES.items():
        build(random.Random(name)).save(HERE / name)
        print(name, (HERE / name).stat().st_size, "bytes")
    for name, data in MIDO_CRASHERS.items():
        (HERE / "crashers" / name).write_bytes(data)
        print("crashers/" + name, len(data), "bytes")


if __name__ == "__main__":
    main()
