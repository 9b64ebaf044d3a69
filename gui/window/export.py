"""Exporting: the File > Export dialog (MIDI, ABC, MusicXML) and the drag handle that drops a
``.mid`` into a DAW.

What can be exported (:class:`ExportOptions`):

- ``piece``: every note of the piece (what is accepted; pending variations are not part of it);
- ``seed``: only the notes before the Continue marker;
- ``variation``: the current pending variation alone, or with the piece around it as it is
  heard, optionally on a track of its own so a DAW shows piece and variation apart (a Fill's
  track holds the fill, the other the piece around it).

What each choice holds is the piece's own rule (:meth:`engine.piece.Piece.export_contents`),
so an export holds exactly what playback and Accept use. The chords go with the notes
(:func:`chords_to_export`): as ABC's quoted symbols, MusicXML's ``<harmony>``, and in a MIDI
file as chord markers and the accompaniment's "Chords" track.

The file's suffix picks the format. MIDI files are written by ``engine.midi_io`` (the only
module that writes MIDI); ABC and MusicXML by ``engine.notation``, with the variation joined to the
piece (one tune, one staff: :func:`notation_melody`; the window writes them in the worker,
:mod:`gui.window.notation_jobs`). The
drag handle writes what you hear (:meth:`engine.piece.Piece.heard`: the piece, with the
current variation in place when one is pending) to a fresh temporary folder per drag, named after the piece, because a DAW may read the
file only after the drop, or keep referring to it.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl, Signal
from PySide6.QtGui import QDrag, QMouseEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QRadioButton,
    QVBoxLayout,
)

from segue.engine import file_formats
from segue.engine.chords import Chord, chords_in, cut_at
from segue.engine.melody import Melody
from segue.engine.piece import EXPORT_PIECE, EXPORT_SEED, EXPORT_VARIATION, Piece

PIECE, SEED, VARIATION = EXPORT_PIECE, EXPORT_SEED, EXPORT_VARIATION
CHOICES = (PIECE, SEED, VARIATION)
DRAG_FOLDER = "segue-drag"
DRAG_FILES_KEPT_S = 24 * 3600  # older drag files are removed when a new drag starts


@dataclass(frozen=True)
class ExportOptions:
    what: str = PIECE
    include_piece: bool = True  # for a variation: with the piece around it, as it is heard
    separate_tracks: bool = False  # for a variation with the piece: the variation on its own track

    def __post_init__(self):
        if self.what not in CHOICES:
            raise ValueError(
                f"export choice must be one of {', '.join(CHOICES)}, got {self.what!r}"
            )


def melodies_to_export(
    piece: Piece, options: ExportOptions, key: str | None = None
) -> tuple[Melody, Melody | None]:
    """(melody, continuation or None) for ``engine.midi_io.write_midi``, as ``piece`` says
    (:meth:`Piece.export_contents`); ValueError if empty. A melody without a key of its own
    gets ``key`` (its key signature in the file)."""
    melody, continuation = piece.export_contents(
        options.what, options.include_piece, options.separate_tracks
    )
    if not melody.notes and (continuation is None or not continuation.notes):
        what = {PIECE: "the piece", SEED: "the seed", VARIATION: "the variation"}[options.what]
        raise ValueError(f"{what} has no notes to export")
    if key and melody.key is None:
        melody = melody.replace(key=key)
    return melody, continuation


def chords_to_export(piece: Piece, options: ExportOptions) -> tuple[Chord, ...]:
    """The chords that go with the chosen notes: the piece's chord track; for the seed, cut at
    the marker; with a variation, the chord track Accept would keep (the variation's own chords
    in place), cut to the variation's steps when it goes alone."""
    if options.what == SEED:
        return cut_at(piece.chords, piece.marker)
    if options.what != VARIATION or piece.current_variation() is None:
        return piece.chords
    chords = piece.accepted().chords
    if options.include_piece:
        return chords
    start = piece.fill_range[0] if piece.fill_range is not None else piece.marker
    return chords_in(chords, start, max(start, piece.current_variation().end))


EXPORT_SUFFIXES = file_formats.MELODY_SUFFIXES


def export_file(
    path: str | Path, piece: Piece, options: ExportOptions, title: str = "Segue",
    key: str | None = None, accompaniment=None,
) -> None:
    """Write the chosen notes and their chords to ``path`` in the format of its suffix:
    ValueError (nothing to export), MidiExportError or NotationExportError. ``key`` is the key
    signature written when the piece has no key of its own (the key the musician locked
    continuations to); ``accompaniment`` the settings a MIDI file's "Chords" track is played
    with (None: the defaults)."""
    if file_formats.is_midi_path(path):
        export_midi(path, piece, options, track_name=title, key=key, accompaniment=accompaniment)
        return
    from segue.engine.notation import write_notation

    write_notation(notation_melody(piece, options, key), Path(path), title=title,
                   chords=chords_to_export(piece, options))


def notation_export_job(melody: Melody, path: str | Path, title: str = "Segue", chords=()):
    """A worker job (a generator) writing ``melody`` as ABC or MusicXML to ``path``: music21
    builds the file, then a yield lets a Cancel end the job before anything reaches the disk.
    ``chords`` are written with it. NotationExportError names the file and the reason; an
    existing file stays as it was."""
    from segue.engine.files import write_atomically, write_reason
    from segue.engine.notation import NotationExportError, notation_bytes
    from segue.engine.notation.results import require_music21

    path = Path(path)
    if not melody.notes:
        raise NotationExportError(path, "there are no notes to write")
    if path.suffix.lower() in file_formats.MUSICXML.suffixes:
        require_music21(path, NotationExportError)
    try:
        data = notation_bytes(melody, path.suffix, title, chords)
    except ValueError as exc:
        raise NotationExportError(path, str(exc)) from None
    yield 1.0  # built: a Cancel pressed meanwhile ends the job here, and nothing is written
    try:
        write_atomically(path, data)
    except OSError as exc:
        raise NotationExportError(path, write_reason(exc)) from None


def notation_melody(piece: Piece, options: ExportOptions, key: str | None = None) -> Melody:
    """The one melody an ABC or MusicXML export writes (one tune, one staff: a variation joined
    to the piece); ValueError when there is nothing to export."""
    melody, continuation = melodies_to_export(piece, options, key)
    return melody if continuation is None else melody.add(*continuation.notes)


def export_midi(
    path: str | Path, piece: Piece, options: ExportOptions, track_name: str = "Segue",
    key: str | None = None, accompaniment=None,
) -> None:
    """Write the chosen notes and their chords (markers and the accompaniment played with
    ``accompaniment``'s settings) to ``path``; ValueError (nothing to export) or
    MidiExportError."""
    from segue.engine.midi_io import write_midi

    melody, continuation = melodies_to_export(piece, options, key)
    write_midi(
        melody,
        Path(path),
        continuation=continuation,
        separate_tracks=continuation is not None,
        track_name=track_name,
        chords=chords_to_export(piece, options),
        accompaniment=accompaniment,
    )


def suggested_file_name(
    title: str, options: ExportOptions, variation_number: int = 1, suffix: str = file_formats.MIDI.suffix
) -> str:
    stem = Path(title).stem or "Segue"
    if options.what == SEED:
        stem += " seed"
    elif options.what == VARIATION:
        stem += f" variation {variation_number}"
    return stem + suffix


class ExportDialog(QDialog):
    """Asks what to export; the file name is asked next by a file dialog."""

    def __init__(
        self,
        has_variation: bool,
        has_seed: bool = True,
        initial: ExportOptions | None = None,
        parent=None,
    ):
        super().__init__(parent)
        self.setWindowTitle("Export")
        initial = initial or ExportOptions()
        # With a variation pending, say plainly that "the piece" is what has been accepted.
        self.piece = QRadioButton(
            "The whole piece (without the pending variation)" if has_variation else "The whole piece"
        )
        self.seed = QRadioButton("The seed only (the notes before the Continue marker)")
        self.variation = QRadioButton("The current variation")
        self.include_piece = QCheckBox("Start with the piece before the marker")
        self.separate_tracks = QCheckBox("Put the variation on a track of its own")
        self.seed.setEnabled(has_seed)
        self.variation.setEnabled(has_variation)
        for option in (self.include_piece, self.separate_tracks):
            option.setContentsMargins(24, 0, 0, 0)
        self.include_piece.setChecked(initial.include_piece)
        self.separate_tracks.setChecked(initial.separate_tracks)
        choice = {PIECE: self.piece, SEED: self.seed, VARIATION: self.variation}[initial.what]
        (choice if choice.isEnabled() else self.piece).setChecked(True)
        for button in (self.piece, self.seed, self.variation, self.include_piece):
            button.toggled.connect(self._update)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export…")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Export which notes? (MIDI, ABC or MusicXML: the file name's "
                                "ending picks the format)"))
        for widget in (
            self.piece,
            self.seed,
            self.variation,
            self.include_piece,
            self.separate_tracks,
        ):
            layout.addWidget(widget)
        layout.addWidget(buttons)
        self._update()

    def _update(self, *_):
        on_variation = self.variation.isChecked()
        self.include_piece.setEnabled(on_variation)
        self.separate_tracks.setEnabled(on_variation and self.include_piece.isChecked())

    def options(self) -> ExportOptions:
        what = VARIATION if self.variation.isChecked() else SEED if self.seed.isChecked() else PIECE
        return ExportOptions(what, self.include_piece.isChecked(), self.separate_tracks.isChecked())


def _drag_root() -> Path:
    return Path(tempfile.gettempdir()) / DRAG_FOLDER


def _remove_old_drag_folders(root: Path) -> None:
    if not root.is_dir():
        return
    limit = time.time() - DRAG_FILES_KEPT_S
    for folder in root.iterdir():
        try:
            if folder.is_dir() and folder.stat().st_mtime < limit:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            pass


def write_drag_file(
    melody: Melody, title: str, root: Path | None = None, chords=(), accompaniment=None
) -> Path:
    """Write ``melody`` (with ``chords`` as markers and a "Chords" track played as
    ``accompaniment`` says) to ``<tmp>/segue-drag/<unique>/<title>.mid``; MidiExportError on
    failure."""
    from segue.engine.midi_io import write_midi

    root = root or _drag_root()
    root.mkdir(parents=True, exist_ok=True)
    _remove_old_drag_folders(root)
    folder = Path(tempfile.mkdtemp(prefix="drag-", dir=root))
    stem = (
        "".join(c for c in (Path(title).stem or "Segue") if c not in '\\/:*?"<>|').strip()
        or "Segue"
    )
    path = folder / (stem + file_formats.MIDI.suffix)
    write_midi(melody, path, track_name=stem, chords=chords, accompaniment=accompaniment)
    return path


class DragHandle(QLabel):
    """Drag this into a DAW or a file manager to drop the piece there as a ``.mid`` file."""

    failed = Signal(str)  # message for the user (nothing to drag, or the file could not be written)

    def __init__(
        self, melody_source: Callable[[], Melody], title_source: Callable[[], str], parent=None,
        chords_source: Callable[[], tuple] = tuple, accompaniment_source: Callable = lambda: None,
    ):
        super().__init__("⠿ Drag MIDI", parent)
        self._melody_source, self._title_source = melody_source, title_source
        self._chords_source, self._accompaniment_source = chords_source, accompaniment_source
        self._press: QPoint | None = None
        self.setObjectName("DragHandle")
        self.setToolTip(
            "Drag from here into your DAW or a folder to drop the piece as a MIDI file "
            "(with the current variation in place when one is pending)."
        )
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self.setMargin(4)
        self.setFrameShape(QLabel.Shape.StyledPanel)

    def mime_data(self) -> QMimeData:
        """The drag's payload: a file URL to a freshly written ``.mid`` (ValueError if empty)."""
        melody = self._melody_source()
        if not melody.notes:
            raise ValueError("the piece has no notes to drag")
        path = write_drag_file(melody, self._title_source(), chords=self._chords_source(),
                               accompaniment=self._accompaniment_source())
        data = QMimeData()
        data.setUrls([QUrl.fromLocalFile(str(path))])
        return data

    def mousePressEvent(self, event: QMouseEvent):  # noqa: N802 - Qt's name
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent):  # noqa: N802
        if self._press is None or not event.buttons() & Qt.MouseButton.LeftButton:
            return
        if (
            event.position().toPoint() - self._press
        ).manhattanLength() < QApplication.startDragDistance():
            return
        self._press = None
        try:
            data = self.mime_data()
        except Exception as exc:  # noqa: BLE001 - ValueError or MidiExportError: tell the user
            self.failed.emit(f"Nothing was dragged: {exc}")
            return
        drag = QDrag(self)
        drag.setMimeData(data)
        drag.exec(Qt.DropAction.CopyAction)

    def mouseReleaseEvent(self, event: QMouseEvent):  # noqa: N802
        self._press = None
        super().mouseReleaseEvent(event)
