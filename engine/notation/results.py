"""What notation import and export hand back: errors, the parts (or tunes) of a file, reports."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from segue.engine.files import FileProblem
from segue.engine.midi_io.results import ImportReport, grid_name


class NotationImportError(FileProblem):
    """An ABC or MusicXML file (or text) that cannot be imported."""

    action = "import"


class NotationExportError(FileProblem):
    """A notation file that cannot be written; an existing file at ``.path`` is left as it was."""

    action = "save"


@dataclass(frozen=True)
class NotationPart:
    """One tune of an ABC file or one part of a MusicXML score, as the part chooser lists it.

    It has the attributes of :class:`engine.midi_io.TrackInfo` that the chooser shows, with
    ``channel`` None (notation has no channels) and ``kind`` ``'tune'`` or ``'part'``.
    """

    index: int
    name: str
    program_name: str  # the instrument, or for an ABC tune its key and meter
    note_count: int
    pitch_range: tuple[int, int] | None
    is_polyphonic: bool
    kind: str = "part"
    channel: None = None
    program: int = -1  # no General MIDI program
    is_drum: bool = False
    median_pitch: float = 0.0  # these three: what choosing the melody asks (engine.part_choice)
    chord_share: float = 0.0
    step_share: float = 0.0


@dataclass(frozen=True)
class NotationImportReport(ImportReport):
    """An :class:`ImportReport` whose summary names the tune or part instead of a channel."""

    title: str = ""

    @property
    def summary(self) -> str:
        part = self.part
        name = f" '{part.name}'" if part.name else ""
        lines = [
            f"Imported {self.notes_kept} of {self.notes_read} notes from "
            f"'{Path(self.path).name}', {part.kind} {part.index + 1}{name}: "
            f"{self.moved} moved onto the {grid_name(self.steps_per_quarter)} grid, "
            f"{self.merged} merged, {self.dropped} dropped."
        ]
        lines.extend(self.grid_lines())
        if self.chords_read:
            lines.append(f"{self.chords_read} chord symbol(s) read.")
        lines.extend(self.warnings)
        return "\n".join(lines)


MUSIC21_HINT = "reading ABC and MusicXML and writing MusicXML need music21: pip install music21"


def require_music21(path, error_type) -> None:
    """Raise ``error_type(path, hint)`` when music21 is not installed (it is a dependency, but an
    installation may lack it)."""
    try:
        import music21  # noqa: F401, PLC0415
    except ImportError:
        raise error_type(path, MUSIC21_HINT) from None
