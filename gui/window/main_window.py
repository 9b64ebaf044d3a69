"""The main window: piano roll in the middle, generation panel at the right, status bar below.

The window is composed, not mixed: it builds the widgets, the actions and the menus, and wires
controllers that each do one job and need no window (each takes its collaborators in its
constructor and reports through signals):

- :class:`gui.generation.continuation.ContinuationController`: Continue, Accept, flipping…;
  its :class:`~gui.generation.actions.GenerationActions` are the Generate menu and the panel's
  buttons alike.
- :class:`gui.window.files.FilesController`: New, Open, Save, Import and Export MIDI, recent
  files, dropped files, the unsaved-changes question.
- :class:`gui.window.models.ModelsController`: which model loads, the chooser, Open Model….
- :class:`gui.window.live.LiveController`: live MIDI (play, record, call and response) and the
  transport toolbar.
- :class:`gui.window.autosave.Autosaver`: recovery files.

Every modal question goes through ``dialogs`` (:class:`gui.dialogs.Dialogs`), which tests
replace. What the window touches outside itself comes in through its constructor: the MIDI
system (or a ready playback bridge) and the recovery folder; ``gui.app`` passes the real ones.

Start-up is split so the window shows at once: the constructor builds widgets and puts the
demo seed on the roll; :meth:`start_up` (called by the app right after ``show``) offers crash
recovery, starts autosave and loads the model in the background.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QByteArray, QSize, Qt
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QIcon,
)
from PySide6.QtWidgets import QMainWindow, QToolBar, QWidget

from segue.engine import data_files
from segue.engine.live.ports import MidiSystem
from segue.engine.melody import Melody
from segue.engine.session import SessionError, SessionFileError, read_melodies
from segue.gui import settings as prefs
from segue.gui.dialogs import Dialogs
from segue.gui.document import Document
from segue.gui.generation.chord_suggestion import ChordSuggestionController
from segue.gui.generation.continuation import CallAnswerer, ContinuationController
from segue.gui.generation.model_loader import ModelManager
from segue.gui.generation.panel import GenerationPanel
from segue.gui.generation.surprise import SurpriseController
from segue.gui.live.playback import PlaybackBridge
from segue.gui.piano_roll.roll import PianoRoll
from segue.gui.window.audio_export import AudioExporter
from segue.gui.window.autosave import Autosaver, orphaned_recoveries
from segue.gui.window.export import DragHandle
from segue.gui.window.files import FileDrops, FilesController
from segue.gui.window.grid_status import GridStatus
from segue.gui.window.layout import (
    NoSoundNotice,
    StatusFields,
    ToolbarRows,
    add_panel_dock,
    keep_space_for_play,
)
from segue.gui.window.live import LiveController
from segue.gui.window.menus import build_actions, build_menus
from segue.gui.window.models import ModelsController
from segue.gui.window.soundfont import SoundFontChooser
from segue.gui.window.transform_menu import TransformMenu
from segue.gui.window.window_keys import window_keys_work_in_number_boxes

log = logging.getLogger(__name__)

DEFAULT_WINDOW_SIZE = (1280, 800)
SCREEN_SHARE = 0.94  # of the screen's free area, leaving room for the title bar


def first_window_size(available: QSize) -> tuple[int, int]:
    """The window's size on a first start: 1280x800, or less on a screen with less room (a
    1280x800 laptop loses a panel and the title bar: the window must not run off it)."""
    width, height = DEFAULT_WINDOW_SIZE
    if available.width() > 0 and available.height() > 0:
        width = min(width, round(available.width() * SCREEN_SHARE))
        height = min(height, round(available.height() * SCREEN_SHARE))
    return width, height


def demo_seed() -> Melody:
    """The short melody a first start shows; an empty 4/4 piece if the resource is missing."""
    try:
        return read_melodies(data_files.demo_seed())[0]
    except (SessionError, IndexError) as exc:
        log.warning("demo seed unavailable: %s", exc)
        return Melody()


class MainWindow(QMainWindow):
    """Segue's window; see the module docstring. Without a ``playback`` bridge one is made on
    ``midi_system`` (the machine's own when None)."""

    def __init__(
        self,
        document: Document | None = None,
        dialogs: Dialogs | None = None,
        models: ModelManager | None = None,
        *,
        midi_system: MidiSystem | None = None,
        playback: PlaybackBridge | None = None,
        audio=None,  # the built-in instrument's AudioSystem (tests: a fake)
        recovery_folder: str | Path | None = None,
        autosave_interval_ms: int | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setObjectName("MainWindow")
        self.setWindowIcon(QIcon(str(data_files.icon())))
        self.dialogs = dialogs or Dialogs(self)
        if document is None:
            seed = demo_seed()
            document = Document(seed, seed.end)
        self.document = document
        document.setParent(self)
        self._closing_accepted = False
        self._started = False

        self.models = models or ModelManager(parent=self)
        self.models.setParent(self)
        self.panel = GenerationPanel()
        self.continuation = ContinuationController(
            document, self.panel, self.models, self.dialogs.error, parent=self,
            ask_notes_after_marker=self.dialogs.ask_notes_after_marker,
        )
        self.answerer = CallAnswerer(self.panel, self.models, parent=self)
        if playback is None:
            from segue.engine.live.ports import default_system
            from segue.gui.window.preferences import chosen_audio_system

            audio = audio if audio is not None else chosen_audio_system()  # the device chosen
            playback = PlaybackBridge(midi_system or default_system(), audio=audio)
        self.playback = playback
        self.playback.setParent(self)
        self.roll = PianoRoll(document)
        self.setCentralWidget(self.roll)
        self.chord_suggestion = ChordSuggestionController(  # Generate > Suggest Chords
            document, self.roll.editor.selected_notes, self.roll.chord_lane, parent=self)
        self.surprise = SurpriseController(document, self.models, self.panel, self.roll, parent=self)
        self.live = LiveController(
            document, self.playback, self.roll, self.answerer, self, parent=self
        )
        self.transport = self.live.transport
        self.files = FilesController(
            document, self.dialogs, self.panel, self.continuation, self
        )
        self.model_control = ModelsController(self.models, self.panel, self.dialogs, parent=self)
        self.audio_export = AudioExporter(document, self.dialogs, self.files.title,
                                          self.transport.program_combo.currentData, self,
                                          accompaniment_source=self.live.accompaniment)
        self.soundfont = SoundFontChooser(self.playback, self.dialogs, self)
        self.autosaver = Autosaver(
            document,
            snapshot=self.files.current_session,
            original_path=lambda: self.files.path,
            folder=recovery_folder,
            interval_ms=autosave_interval_ms,
            parent=self,
        )

        self.panel_dock = add_panel_dock(self, self.panel)
        self.status = StatusFields(self)
        self.grid_status = GridStatus(self, document)  # "Grid: 1/16 with triplets"
        self.actions: dict[str, QAction] = {}
        build_actions(self)
        build_menus(self)
        self.transforms = TransformMenu(self)  # Edit > Transform, scale on the roll
        self._build_toolbars()
        self._connect()
        window_keys_work_in_number_boxes(self)  # Ctrl+E exports from the tempo box too

        self.resize(*first_window_size(self.screen().availableGeometry().size()))
        self._restore_window_settings()
        self.panel.set_settings(prefs.read_generation_settings())
        self.model_control.refresh()
        self._update_title()

    # --- construction ---------------------------------------------------------------------------

    def _build_toolbars(self):
        self.piece_toolbar = QToolBar("Piece", self)
        self.piece_toolbar.setObjectName("PieceToolbar")
        self.piece_toolbar.setMovable(False)
        self.drag_handle = DragHandle(
            self.document.heard, self.files.title,  # what Accept would keep, its chords too
            chords_source=lambda: self.document.piece.accepted().chords,
            accompaniment_source=self.live.accompaniment)
        self.drag_handle.failed.connect(lambda message: self.statusBar().showMessage(message, 6000))
        self.piece_toolbar.addAction(self.actions["continue"])
        self.piece_toolbar.addSeparator()
        self.piece_toolbar.addWidget(self.drag_handle)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.piece_toolbar)
        self.set_transport(self.transport)
        keep_space_for_play(self.panel, self)
        self.setAcceptDrops(True)
        self._drops = FileDrops(self.files, self.drag_handle)

    def _connect(self):
        doc, bar, status = self.document, self.statusBar(), self.status
        doc.modified_changed.connect(lambda _modified: self._update_title())
        doc.melody_changed.connect(self._show_auto_key)
        doc.marker_changed.connect(self._show_auto_key)
        self._show_auto_key()
        self.continuation.status_message.connect(lambda text: bar.showMessage(text, 8000))
        for controller in (self.files, self.model_control, self.live, self.audio_export,
                           self.soundfont, self.chord_suggestion):
            controller.status_message.connect(bar.showMessage)
        self.panel.settings_changed.connect(prefs.write_generation_settings)
        self.panel.message.connect(lambda text: bar.showMessage(text, 8000))
        self.model_control.model_shown.connect(status.show_model)
        self.live.output_shown.connect(status.show_output)
        self.live.call_response_shown.connect(status.show_call_response)
        self.files.path_changed.connect(lambda _path: self._update_title())
        self.files.replacing.connect(self.live.stop_playback)
        self.files.generation_loaded.connect(self.model_control.use_settings)
        self.files.accompaniment_source = self.live.accompaniment
        self.files.accompaniment_loaded.connect(self.live.set_accompaniment)
        self.files.piece_opened.connect(self.roll.zoom_to_fit)
        self.files.saved.connect(self.autosaver.save_now)  # nothing unsaved: no recovery file
        self.autosaver.failed.connect(lambda text: bar.showMessage(text, 8000))
        self.roll.status_message.connect(lambda text: bar.showMessage(text, 5000))
        doc.history_message.connect(lambda text: bar.showMessage(text, 4000))  # not a stale one
        self.no_sound = NoSoundNotice.under_toolbars(self, self.live)  # why nothing can sound
        self.live.show_state()

    # --- start-up ---------------------------------------------------------------------------------

    def start_up(self, load_model: bool = True) -> None:
        """After ``show``: load the model in the background, offer crash recovery, start autosave.

        The model starts loading first, so it loads while the recovery question is open; a
        restored session that wants another model supersedes that load (never loads it twice).
        """
        if self._started:
            return
        self._started = True
        self.model_control.start(load=load_model)
        self.offer_recovery(load_model=load_model)
        self.autosaver.start()

    def offer_recovery(self, load_model: bool = True) -> bool:
        """Ask to restore each orphaned recovery file (newest first); True if one was restored."""
        for recovery in orphaned_recoveries(self.autosaver.folder):
            if not self.dialogs.ask_restore(recovery.description()):
                recovery.discard()
                continue
            try:
                session = recovery.load()
            except SessionFileError as exc:  # kept aside, never deleted unread
                self.dialogs.error("Could not restore", recovery.set_aside(str(exc)))
                continue
            self.files.show_session(session, recovery.original_path, load_model=load_model)
            self.document.mark_unsaved()
            recovery.discard()
            self.statusBar().showMessage("Restored the autosaved piece. Save it to keep it.", 10000)
            return True
        return False

    # --- what the window shows ------------------------------------------------------------------

    def set_transport(self, toolbar: QWidget) -> None:
        """Dock a transport toolbar (or wrap a plain widget in one) and its ports toolbar above
        the roll, after the piece's toolbar, wrapping onto more rows where the window is narrow."""
        if not isinstance(toolbar, QToolBar):
            widget, toolbar = toolbar, QToolBar("Transport", self)
            toolbar.setObjectName("TransportToolbar")
            toolbar.addWidget(widget)
        bars = [toolbar] + [getattr(toolbar, name) for name in ("ports_bar", "accompaniment_bar")
                            if getattr(toolbar, name, None) is not None]
        for bar in bars:
            bar.setMovable(False)
            self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        if getattr(self, "toolbar_rows", None) is None:
            self.toolbar_rows = ToolbarRows(self, [self.piece_toolbar])
        self.toolbar_rows.add(bars)

    def _update_title(self):
        # The app sets no application display name: Qt would append it to this title on X11
        # and Windows, which showed "Segue — tune — Segue".
        self.setWindowTitle(f"Segue — {self.files.title()}[*]")
        self.setWindowModified(self.document.is_modified())

    def _show_auto_key(self, *_args) -> None:
        """Key lock 'Auto' names the key it stands for now: the seed's."""
        self.panel.set_auto_key(self.document.piece.resolved_key("auto"))

    def dragEnterEvent(self, event: QDragEnterEvent):  # noqa: N802 - Qt's names
        self._drops.enter(event)

    def dragMoveEvent(self, event: QDragMoveEvent):  # noqa: N802
        self._drops.enter(event)

    def dropEvent(self, event: QDropEvent):  # noqa: N802
        self._drops.drop(event)

    # --- closing ------------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent):  # noqa: N802
        if not self._closing_accepted and not self.files.maybe_save():
            event.ignore()
            return
        self._closing_accepted = True
        self._save_window_settings()
        self.playback.close()  # every sounding note is released
        self.continuation.shutdown()
        self.chord_suggestion.shutdown()
        self.files.shutdown()  # notation still being read or written
        self.answerer.shutdown()
        self.surprise.shutdown()
        self.audio_export.shutdown()
        self.soundfont.shutdown()  # a SoundFont being checked: its child is killed
        self.models.wait()
        self.autosaver.stop()
        event.accept()

    def _save_window_settings(self):
        prefs.write(prefs.WINDOW_GEOMETRY, self.saveGeometry())
        prefs.write(prefs.WINDOW_STATE, self.saveState())
        prefs.write_generation_settings(self.panel.settings())

    def _restore_window_settings(self):
        geometry = prefs.read(prefs.WINDOW_GEOMETRY)
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        state = prefs.read(prefs.WINDOW_STATE)
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)

    def about(self):
        from segue import engine

        self.dialogs.info(
            "About Segue",
            f"Segue {engine.__version__}: sketch a melody, and an LSTM continues it.",
        )
