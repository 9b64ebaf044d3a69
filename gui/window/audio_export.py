"""File > Export Audio…: the piece, the seed or the current variation as a WAV file (or FLAC
where ``soundfile`` is installed), played by the built-in instrument's synthesizer.

The sound is rendered offline by ``engine.audio.render_process`` (faster than real time, in a
child process that streams the file as it renders), watched by a :class:`gui.worker.Worker` with
a progress bar that can cancel (the child is killed, nothing is left behind); a new worker for
each export. It plays at 44.1 or 48 kHz, with the chosen General MIDI program (the transport's,
unless changed) and tempo (the piece's), ending in the notes' release tail. Only a finished file
replaces the target: an unwritable target gives one clear message and the file that was there
stays as it was. A SoundFont chosen for the built-in instrument (``prefs.SOUNDFONT``) plays here
too; one that cannot be used (damaged ones included: they can only crash the child) is named
and the built-in bank plays.

``AudioExporter(document, dialogs, title_source, program_source, parent=None, *, ask=None)``
    ``action`` (File > Export Audio…), ``export_dialog()``, ``export_to(path, options)`` (starts
    the render; ``finished(path)`` or ``failed(message)`` follows), ``status_message(str, int)``,
    ``shutdown()`` (cancel and wait, when the window closes).
    ``ask(has_variation, has_seed, initial) -> AudioExportOptions | None`` is the options dialog
    (tests pass their own).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QProgressDialog

from segue.engine import file_formats
from segue.engine.accompaniment import accompaniment_part
from segue.engine.audio.audio_files import AudioExportError, audio_formats
from segue.engine.audio.render_process import render_to_file
from segue.engine.audio.rendering import melody_events
from segue.engine.audio.soundfont import RATES, SoundFontError
from segue.engine.chords import cut_at
from segue.engine.melody import Melody
from segue.gui import settings as prefs
from segue.gui.document import Document
from segue.gui.live.transport import general_midi_names
from segue.gui.window.export import CHOICES, PIECE, ExportDialog, ExportOptions, melodies_to_export
from segue.gui.window.export import suggested_file_name as midi_file_name
from segue.gui.worker import Worker

PROGRESS_DELAY_MS = 400  # a short render finishes before a progress bar would flash up


@dataclass(frozen=True)
class AudioExportOptions:
    what: str = PIECE
    rate: int = 44100
    program: int = 0  # General MIDI, 0-127
    suffix: str = file_formats.WAV.suffix


def read_last_options(program: int) -> AudioExportOptions:
    """The choices made last time (what, rate, format), with ``program``."""
    try:
        last = json.loads(prefs.read(prefs.AUDIO_EXPORT) or "{}")
        options = AudioExportOptions(**{**last, "program": program})
    except (TypeError, ValueError):
        return AudioExportOptions(program=program)
    ok = options.what in CHOICES and options.rate in RATES and options.suffix in audio_formats()
    return options if ok else AudioExportOptions(program=program)


class AudioExportDialog(ExportDialog):
    """The MIDI export's choice of notes, plus the sample rate, the instrument and the format."""

    def __init__(self, has_variation: bool, has_seed: bool, initial: AudioExportOptions,
                 parent=None):
        super().__init__(has_variation, has_seed, ExportOptions(initial.what), parent)
        self.setWindowTitle("Export Audio")
        self.findChild(QLabel).setText("Export which notes as an audio file?")
        for option in (self.include_piece, self.separate_tracks):
            option.hide()  # the variation is heard in the piece, as Play plays it
        self.rate, self.program, self.format = QComboBox(), QComboBox(), QComboBox()
        for rate in RATES:
            self.rate.addItem(f"{rate / 1000:g} kHz", rate)
        for number, name in enumerate(general_midi_names()):
            self.program.addItem(f"{number + 1} {name}", number)
        for suffix, name in audio_formats().items():
            self.format.addItem(name, suffix)
        for combo, value in ((self.rate, initial.rate), (self.program, initial.program),
                             (self.format, initial.suffix)):
            combo.setCurrentIndex(max(0, combo.findData(value)))
        form = QFormLayout()
        form.addRow("Instrument:", self.program)
        form.addRow("Sample rate:", self.rate)
        form.addRow("Format:", self.format)
        self.layout().insertLayout(self.layout().count() - 1, form)

    def audio_options(self) -> AudioExportOptions:
        return AudioExportOptions(self.options().what, self.rate.currentData(),
                                  self.program.currentData(), self.format.currentData())


def ask_options(parent, has_variation: bool, has_seed: bool, initial: AudioExportOptions):
    dialog = AudioExportDialog(has_variation, has_seed, initial, parent)
    return dialog.audio_options() if dialog.exec() else None


def render_job(melody: Melody, options: AudioExportOptions, path: str, soundfont: str | None,
               accompaniment=None):
    """The worker's job: render to the file (with the ``accompaniment`` part, if any); returns
    (path, warning), or (None, the error)."""
    try:
        rendered = yield from render_to_file(
            melody_events(melody, options.program, accompaniment=accompaniment), path, soundfont,
            options.rate,
            options.program, fallback=True,
        )
    except (AudioExportError, SoundFontError) as error:
        return None, str(error)
    return path, f" {rendered.warning}" if rendered.warning else ""


class AudioExporter(QObject):
    """See the module docstring."""

    status_message = Signal(str, int)
    finished = Signal(str)  # the file written
    failed = Signal(str)  # the message shown

    def __init__(self, document: Document, dialogs, title_source: Callable[[], str],
                 program_source: Callable[[], int | None], parent=None, *, ask=None,
                 accompaniment_source=lambda: None):
        super().__init__(parent)
        self.document, self.dialogs = document, dialogs
        self._accompaniment = accompaniment_source  # its AccompanimentSettings (None: defaults)
        self._title, self._program = title_source, program_source
        self._ask = ask or (lambda *args: ask_options(parent, *args))
        self.action = QAction("Export &Audio…", self)
        self.action.setStatusTip("Render the piece, the seed or the current variation to WAV.")
        self.action.triggered.connect(lambda _checked=False: self.export_dialog())
        self.worker: Worker | None = None  # the export running or last run; one per export
        self.progress_dialog = QProgressDialog("Rendering audio…", "Cancel", 0, 100, parent)
        self.progress_dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.progress_dialog.setMinimumDuration(PROGRESS_DELAY_MS)
        self.progress_dialog.canceled.connect(lambda: self.worker and self.worker.cancel())
        self.progress_dialog.reset()  # a QProgressDialog shows itself unless reset

    def _new_worker(self) -> Worker:
        """A worker for one export (a Worker runs one job in its life)."""
        worker = Worker(self)
        worker.progress.connect(lambda value: self.progress_dialog.setValue(round(value * 100)))
        worker.finished.connect(self._written)
        worker.errored.connect(self._failed)
        worker.cancelled.connect(lambda: self.status_message.emit("Audio export cancelled.", 5000))
        worker.done.connect(lambda: self.progress_dialog.reset())
        worker.done.connect(lambda: self._done(worker))
        return worker

    def _done(self, worker: Worker) -> None:
        if worker is self.worker:
            self.worker = None
        worker.deleteLater()

    def shutdown(self, milliseconds: int = 5000) -> None:
        """Cancel an export in progress and wait for it (the window is closing): its child is
        killed and its temporary file removed; the file that was there stays."""
        if self.worker is not None:
            self.worker.cancel()
            self.worker.wait(milliseconds)

    def export_dialog(self) -> bool:
        doc = self.document
        initial = read_last_options(self._program() or 0)
        options = self._ask(doc.current_variation() is not None, bool(doc.seed().notes), initial)
        if options is None:
            return False
        prefs.write(prefs.AUDIO_EXPORT, json.dumps(
            {k: v for k, v in asdict(options).items() if k != "program"}
        ))
        stem = Path(midi_file_name(self._title(), ExportOptions(options.what),
                                   doc.current_index + 1)).stem
        formats = ";;".join(
            file_formats.dialog_filter(f"{name} files", [suffix])
            for suffix, name in audio_formats().items()
        )
        path = self.dialogs.save_path("Export Audio", formats, stem + options.suffix)
        if not path:
            return False
        if Path(path).suffix.lower() not in audio_formats():
            path += options.suffix
        return self.export_to(path, options)

    def export_to(self, path: str, options: AudioExportOptions) -> bool:
        """Start rendering ``options`` to ``path``; False (with a message) when it cannot."""
        if self.worker is not None and self.worker.is_running():
            self.status_message.emit("An audio export is already running.", 5000)
            return False
        try:
            melody, _ = melodies_to_export(self.document.piece, ExportOptions(options.what))
        except ValueError as exc:
            self.dialogs.error("Nothing to export", f"Could not export {Path(path).name}: {exc}.")
            return False
        soundfont = prefs.read(prefs.SOUNDFONT) or None
        chords = cut_at(self.document.piece.chords, melody.bar_end(melody.end))
        part = accompaniment_part(chords, melody, self._accompaniment())
        self.progress_dialog.setValue(0)
        self.worker = self._new_worker()
        self.worker.start(lambda: render_job(melody, options, path, soundfont, part))
        return True

    def _written(self, outcome) -> None:
        path, text = outcome
        if path is None:
            self._failed(text)
            return
        self.status_message.emit(f"Exported {Path(path).name}.{text}", 8000)
        self.finished.emit(path)

    def _failed(self, message: str) -> None:
        self.dialogs.error("Could not export audio", message)
        self.failed.emit(message)
