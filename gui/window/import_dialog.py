"""Importing a MIDI, ABC or MusicXML file (or ABC text from the clipboard): choose the part or
tune to take when there are several, then read it.

:func:`import_midi_file` parses the file once (``engine.midi_io.parse_midi``) and lists its parts;
drum parts and empty parts are never candidates. With one candidate it is taken; with several the caller's
``choose`` is asked (the app shows :class:`TrackChooserDialog`: name, instrument, channel, note
count and range, the engine's suggested melody preselected and why). Notation (``engine.notation``)
is read in the worker (``gui.window.notation_jobs``), and an ABC file's tunes or a MusicXML
score's parts are listed in the same chooser. Errors are the engine's ``MidiImportError`` or
``NotationImportError``, whose text already names the file and the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

COLUMNS = ("Part", "Name", "Instrument", "Channel", "Notes", "Range", "")
TUNE_COLUMNS = ("Tune", "Title", "Key and meter", "Notes", "")
SCORE_COLUMNS = ("Part", "Name", "Instrument", "Notes", "Range", "")


def candidate_tracks(tracks: list) -> list:
    """The parts a melody may come from: not drums, with notes."""
    return [t for t in tracks if not t.is_drum and t.note_count > 0]


def _range_text(pitch_range) -> str:
    from segue.gui.generation.controls import note_name

    if not pitch_range:
        return ""
    low, high = pitch_range
    return f"{note_name(low)}–{note_name(high)}"


def melody_suggestion(tracks: list):
    """The engine's suggestion of the part holding the melody, with its reason
    (:func:`engine.part_choice.choose_melody_part`: the top voice unless another part is clearly
    more melodic; names count first); None for a tune book or when nothing fits."""
    from segue.engine.part_choice import choose_melody_part

    if not tracks or getattr(tracks[0], "kind", "") == "tune":
        return None
    return choose_melody_part(tracks)


def best_melody_track(tracks: list) -> int | None:
    """The index of the part most likely to hold the melody (the chooser's preselection)."""
    choice = melody_suggestion(tracks)
    return None if choice is None else choice.index


def import_summary(report) -> str:
    """The status line of an import: what happened to the notes, how many chords came with
    them, and the chord symbols Segue could not read (named)."""
    from segue.engine.midi_io.results import unreadable_chords_warning

    lines = report.summary.splitlines()
    text = lines[0]
    if report.chords_read:
        text += " " + lines[1]  # the summary's chord line
    if report.unreadable_chords:
        text += " " + unreadable_chords_warning(report.unreadable_chords)
    return text


def import_midi_file(path: str | Path, choose: Callable[[str, list], int | None]):
    """The engine's ImportResult for ``path``, or None when the user cancels the choice.

    Raises ``engine.midi_io.MidiImportError`` for a file that cannot be imported.
    """
    from segue.engine import midi_io

    path = Path(path)
    parsed = midi_io.parse_midi(path)  # once: a big file takes seconds to parse
    candidates = candidate_tracks(parsed.tracks)
    track = None
    if len(candidates) > 1:
        track = choose(path.name, candidates)
        if track is None:
            return None
    elif len(candidates) == 1:
        track = candidates[0].index
    # No candidate: the engine's read explains why (no notes, only drums...).
    return parsed.import_part(track)


def _columns(tracks: list) -> tuple[str, ...]:
    if tracks and getattr(tracks[0], "channel", 0) is None:  # notation: no channels
        return TUNE_COLUMNS if tracks[0].kind == "tune" else SCORE_COLUMNS
    return COLUMNS


def _cells(track, columns: tuple[str, ...]) -> list[str]:
    values = {
        "Part": str(track.index + 1),
        "Tune": str(track.index + 1),
        "Name": track.name or "(unnamed)",
        "Title": track.name or "(untitled)",
        "Instrument": track.program_name,
        "Key and meter": track.program_name,
        "Channel": str(track.channel + 1) if track.channel is not None else "",
        "Notes": str(track.note_count),
        "Range": _range_text(track.pitch_range),
        "": "chords" if track.is_polyphonic else "",
    }
    return [values[column] for column in columns]


def _suggestion_text(tracks: list) -> str:
    choice = melody_suggestion(tracks)
    if choice is None:
        return ""
    track = next(t for t in tracks if t.index == choice.index)
    name = f", {track.name}" if track.name else ""
    return f"Suggested: part {track.index + 1}{name} ({choice.reason})."


class TrackChooserDialog(QDialog):
    """Lists a MIDI file's candidate parts; the chosen part's ``index`` is the answer."""

    def __init__(self, file_name: str, tracks: list, parent=None, preselect: int | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"Import {file_name}")
        self._tracks = list(tracks)
        kind = getattr(self._tracks[0], "kind", "part") if self._tracks else "part"
        noun = "tunes" if kind == "tune" else "parts that could hold a melody"
        intro = QLabel(
            f"<b>{file_name}</b> has {len(self._tracks)} {noun}. "
            "Choose the one to import; chords are reduced to their top line."
        )
        intro.setWordWrap(True)
        # Why the preselected part: "Suggested: part 1, Violin I (named as a melody)."
        self.suggestion = QLabel(_suggestion_text(self._tracks))
        self.suggestion.setWordWrap(True)
        self.suggestion.setVisible(bool(self.suggestion.text()))
        columns = _columns(self._tracks)
        self.table = QTableWidget(len(self._tracks), len(columns))
        self.table.setHorizontalHeaderLabels(columns)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for row, track in enumerate(self._tracks):
            cells = _cells(track, columns)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if columns[column] in ("Part", "Tune", "Channel", "Notes"):
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(row, column, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(self.accept)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Import")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.suggestion)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(640, 320)
        self.select(preselect if preselect is not None else self._best_guess())

    def _best_guess(self) -> int | None:
        if self._tracks and getattr(self._tracks[0], "kind", "") == "tune":
            return self._tracks[0].index  # a tune book: its first tune, not the busiest
        return best_melody_track(self._tracks)

    def select(self, index: int | None) -> None:
        for row, track in enumerate(self._tracks):
            if track.index == index:
                self.table.selectRow(row)
                return
        if self._tracks:
            self.table.selectRow(0)

    def chosen_track(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return self._tracks[rows[0].row()].index if rows else None
