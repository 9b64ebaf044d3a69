"""What an import or export hands back: errors, part descriptions, reports, and GM names."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from segue.engine.files import FileProblem
from segue.engine.grid import TRIPLET_STEPS_PER_QUARTER
from segue.engine.melody import Melody

DRUM_CHANNEL = 9  # channel 10 in musicians' numbering

GM_PROGRAM_NAMES = (
    "Acoustic Grand Piano", "Bright Acoustic Piano", "Electric Grand Piano", "Honky-tonk Piano",
    "Electric Piano 1", "Electric Piano 2", "Harpsichord", "Clavinet",
    "Celesta", "Glockenspiel", "Music Box", "Vibraphone",
    "Marimba", "Xylophone", "Tubular Bells", "Dulcimer",
    "Drawbar Organ", "Percussive Organ", "Rock Organ", "Church Organ",
    "Reed Organ", "Accordion", "Harmonica", "Tango Accordion",
    "Acoustic Guitar (nylon)", "Acoustic Guitar (steel)", "Electric Guitar (jazz)",
    "Electric Guitar (clean)", "Electric Guitar (muted)", "Overdriven Guitar",
    "Distortion Guitar", "Guitar Harmonics",
    "Acoustic Bass", "Electric Bass (finger)", "Electric Bass (pick)", "Fretless Bass",
    "Slap Bass 1", "Slap Bass 2", "Synth Bass 1", "Synth Bass 2",
    "Violin", "Viola", "Cello", "Contrabass",
    "Tremolo Strings", "Pizzicato Strings", "Orchestral Harp", "Timpani",
    "String Ensemble 1", "String Ensemble 2", "Synth Strings 1", "Synth Strings 2",
    "Choir Aahs", "Voice Oohs", "Synth Voice", "Orchestra Hit",
    "Trumpet", "Trombone", "Tuba", "Muted Trumpet",
    "French Horn", "Brass Section", "Synth Brass 1", "Synth Brass 2",
    "Soprano Sax", "Alto Sax", "Tenor Sax", "Baritone Sax",
    "Oboe", "English Horn", "Bassoon", "Clarinet",
    "Piccolo", "Flute", "Recorder", "Pan Flute",
    "Blown Bottle", "Shakuhachi", "Whistle", "Ocarina",
    "Lead 1 (square)", "Lead 2 (sawtooth)", "Lead 3 (calliope)", "Lead 4 (chiff)",
    "Lead 5 (charang)", "Lead 6 (voice)", "Lead 7 (fifths)", "Lead 8 (bass + lead)",
    "Pad 1 (new age)", "Pad 2 (warm)", "Pad 3 (polysynth)", "Pad 4 (choir)",
    "Pad 5 (bowed)", "Pad 6 (metallic)", "Pad 7 (halo)", "Pad 8 (sweep)",
    "FX 1 (rain)", "FX 2 (soundtrack)", "FX 3 (crystal)", "FX 4 (atmosphere)",
    "FX 5 (brightness)", "FX 6 (goblins)", "FX 7 (echoes)", "FX 8 (sci-fi)",
    "Sitar", "Banjo", "Shamisen", "Koto",
    "Kalimba", "Bagpipe", "Fiddle", "Shanai",
    "Tinkle Bell", "Agogo", "Steel Drums", "Woodblock",
    "Taiko Drum", "Melodic Tom", "Synth Drum", "Reverse Cymbal",
    "Guitar Fret Noise", "Breath Noise", "Seashore", "Bird Tweet",
    "Telephone Ring", "Helicopter", "Applause", "Gunshot",
)
DRUM_KIT_NAME = "Drum Kit"


class MidiImportError(FileProblem):
    """A MIDI file that cannot be imported: ``.path`` and ``.reason`` in a musician's words."""

    action = "import"


class MidiExportError(FileProblem):
    """A MIDI file that cannot be written; an existing file at ``.path`` is left as it was."""

    action = "save"

    def __reduce__(self):
        return (type(self), (self.path, self.reason))


@dataclass(frozen=True)
class TrackInfo:
    """One part of a MIDI file: the notes of one channel in one track."""

    index: int  # what read_midi(track=...) takes
    name: str
    channel: int  # 0-15; drums are 9 (channel 10 to musicians)
    program: int  # 0-127, General MIDI numbering from 0
    program_name: str
    note_count: int
    pitch_range: tuple[int, int] | None
    is_drum: bool
    is_polyphonic: bool
    track: int = 0  # the track chunk of the file the part comes from
    # What choosing the melody asks (engine.part_choice): where the part sounds, how much of
    # it is chords, how much its top line moves by step.
    median_pitch: float = 0.0
    chord_share: float = 0.0  # notes sounding over another note, 0-1
    step_share: float = 0.0  # moves of the top line by one or two semitones, 0-1


@dataclass(frozen=True)
class ImportReport:
    """What an import did: ``notes_read == notes_kept + merged + dropped``."""

    path: str
    part: TrackInfo
    steps_per_quarter: int
    notes_read: int
    notes_kept: int
    moved: int
    merged: int
    dropped: int
    warnings: tuple[str, ...] = ()
    chords_read: int = 0  # chords kept (ABC's quoted "G", MusicXML's harmony, MIDI's names)
    unreadable_chords: tuple[str, ...] = ()  # symbols left out, as written, once per use
    chords_source: str = ""  # where a MIDI file's chords came from ("named in its markers")
    triplet_notes: int = 0  # kept notes off the sixteenth grid: triplets, on a 12-step grid

    def grid_lines(self) -> list[str]:
        """The line on the triplets kept, when the melody holds any."""
        if not self.triplet_notes:
            return []
        return [
            f"Kept {self.triplet_notes} triplet note(s) on a {self.steps_per_quarter}-steps-per-"
            "quarter grid."
        ]

    @property
    def summary(self) -> str:
        """One line on the notes, a line on the chords when there are any, then one line per
        warning."""
        part = self.part
        name = f" '{part.name}'" if part.name else ""
        lines = [
            f"Imported {self.notes_kept} of {self.notes_read} notes from "
            f"'{Path(self.path).name}', part {part.index + 1}{name} (channel {part.channel + 1}): "
            f"{self.moved} moved onto the {grid_name(self.steps_per_quarter)} grid, "
            f"{self.merged} merged, {self.dropped} dropped."
        ]
        lines.extend(self.grid_lines())
        if self.chords_read:
            lines.append(f"{self.chords_read} chord(s) {self.chords_source or 'read'}.")
        lines.extend(self.warnings)
        return "\n".join(lines)


def unreadable_chords_warning(unreadable) -> str:
    """The report's line naming chord symbols Segue cannot read (each once, as written)."""
    names = ", ".join(f'"{name}"' for name in dict.fromkeys(unreadable))
    return (
        f"{len(unreadable)} chord symbol(s) Segue cannot read, left out (the melody is kept): "
        f"{names}."
    )


@dataclass(frozen=True)
class ImportResult:
    melody: Melody
    report: ImportReport
    # engine.chords.Chord values in order: an ABC tune's chord symbols, a score's harmony, a
    # MIDI file's chord names or its accompaniment's chords
    chords: tuple = ()


def grid_name(steps_per_quarter: int) -> str:
    """``4`` -> ``'1/16'``, ``3`` -> ``'1/8 triplet'``, ``12`` -> ``'1/16 with triplets'`` (the
    grid of a piece with triplets, engine.grid); other grids by their steps."""
    if steps_per_quarter == TRIPLET_STEPS_PER_QUARTER:
        return "1/16 with triplets"
    division = 4 * steps_per_quarter
    if division & (division - 1) == 0:
        return f"1/{division}"
    if steps_per_quarter % 3 == 0:
        triplet = 8 * steps_per_quarter // 3
        if triplet & (triplet - 1) == 0:
            return f"1/{triplet} triplet"
    return f"{steps_per_quarter}-steps-per-quarter"
