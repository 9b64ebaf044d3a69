"""The main window: piano roll in the middle, generation panel at the right, status bar below.

It builds the widgets, actions and menus and wires them together; autosave and crash recovery
and the persistent window and generation settings are here too. Every modal question goes
through ``self.dialogs`` (:class:`gui.dialogs.Dialogs`), which tests replace. The rest of its
work is in three mixins, one feature each:

- :class:`gui.window.files.FilesMixin`: New, New from Corpus, Open, Save, Save As, Import and
  Export MIDI, drag-and-drop, recent files, unsaved-changes questions.
- :class:`gui.window.models.ModelsMixin`: which model loads, the model chooser, Open Model….
- :class:`gui.window.live.TransportMixin`: live MIDI (play, record, call and response),
  the transport toolbar and the Transport menu.

Start-up is split so the window shows at once: the constructor builds widgets and puts the
demo seed on the roll; :meth:`start_up` (called by the app right after ``show``) offers crash
recovery, starts autosave and loads the model in the background.

The hooks stay public: :meth:`set_transport` docks a toolbar, :meth:`set_midi_output_state`
fills the status bar's MIDI field, :attr:`audition_requested` carries the melody to play when the
user auditions a variation, and :meth:`playback_melody` says what Play should play.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QByteArray, QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QMenu,
    QScrollArea,
    QToolBar,
    QWidget,
)

from engine.melody import Melody
from engine.session import SessionError, read_melodies
from gui import settings as prefs
from gui.dialogs import Dialogs
from gui.document import Document
from gui.generation.continuation import CallAnswerer, ContinuationController
from gui.generation.model_loader import ModelManager
from gui.generation.panel import GenerationPanel
from gui.live.playback import PlaybackBridge
from gui.window.autosave import Autosaver, orphaned_recoveries
from gui.window.export import DragHandle, what_you_hear
from gui.window.files import FilesMixin
from gui.window.live import TransportMixin, default_midi_system
from gui.window.models import NO_MODEL_TEXT, ModelsMixin
from gui.window.session_file import SessionFileError

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
DEMO_SEED = ROOT / "resources" / "demo_seed.json"
UNTITLED = "Untitled"
STATUS_FIELD_MARGIN = 6  # pixels either side of a status bar field
ZOOM_STEP = 1.25  # View > Zoom In / Zoom Out
DEFAULT_WINDOW_SIZE = (1280, 800)
SCREEN_SHARE = 0.94  # of the screen's free area, leaving room for the title bar

try:
    from gui.piano_roll.roll import PianoRoll
except ModuleNotFoundError as exc:  # the roll is built in parallel; until it lands, a placeholder
    if exc.name != "gui.piano_roll.roll":
        raise
    PianoRoll = None


def redo_shortcuts() -> list[QKeySequence]:
    """Ctrl+Shift+Z and Ctrl+Y on every platform (as in DAWs), then the platform's own keys.

    Qt's standard Redo keys differ by desktop: plain X11 has no Ctrl+Y, Windows no Ctrl+Shift+Z.
    """
    wanted = [QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")]
    wanted += QKeySequence.keyBindings(QKeySequence.StandardKey.Redo)
    unique: list[QKeySequence] = []
    for sequence in wanted:
        if not sequence.isEmpty() and sequence not in unique:
            unique.append(sequence)
    return unique


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
        return read_melodies(DEMO_SEED)[0]
    except (SessionError, IndexError) as exc:
        log.warning("demo seed unavailable: %s", exc)
        return Melody()


class MainWindow(FilesMixin, ModelsMixin, TransportMixin, QMainWindow):
    """Segue's window. ``MainWindow()`` opens with the demo seed; see the module docstring."""

    audition_requested = Signal(object)  # the Melody to play
    file_path_changed = Signal(str)

    def __init__(
        self,
        document: Document | None = None,
        dialogs: Dialogs | None = None,
        models: ModelManager | None = None,
        recovery_folder: str | Path | None = None,
        autosave_interval_ms: int | None = None,
        playback: PlaybackBridge | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setObjectName("MainWindow")
        self.dialogs = dialogs or Dialogs(self)
        if document is None:
            seed = demo_seed()
            document = Document(seed, seed.end)
        self.document = document
        document.setParent(self)
        self.path: str | None = None
        self._closing_accepted = False
        self._started = False
        self._model_choice: str | None = None  # the chooser's entry for the loaded model

        self.models = models or ModelManager(parent=self)
        self.models.setParent(self)
        self.panel = GenerationPanel()
        self.continuation = ContinuationController(
            document, self.panel, self.models, self._report_error, parent=self
        )
        self.answerer = CallAnswerer(self.panel, self.models, parent=self)
        self.playback = playback if playback is not None else PlaybackBridge(default_midi_system())
        self.playback.setParent(self)
        self._playhead_follows = False  # the playback is the piece's (not a call's answer)
        self._played: Melody | None = None  # what the transport last started playing
        self.autosaver = Autosaver(
            document,
            snapshot=self.current_session,
            original_path=lambda: self.path,
            folder=recovery_folder,
            interval_ms=autosave_interval_ms,
            parent=self,
        )

        self._build_central()
        self._build_panel_dock()
        self._build_status_bar()
        self.actions: dict[str, QAction] = {}
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_transport()
        self._connect()

        self.setAcceptDrops(True)
        self.resize(*first_window_size(self.screen().availableGeometry().size()))
        self._restore_window_settings()
        self.panel.set_settings(prefs.read_generation_settings())
        self._refresh_models()
        self._update_title()

    # --- construction ---------------------------------------------------------------------------

    def _build_central(self):
        if PianoRoll is not None:
            self.roll = PianoRoll(self.document)
            self.setCentralWidget(self.roll)
        else:
            self.roll = None
            placeholder = QLabel("The piano roll appears here.")
            placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.setCentralWidget(placeholder)

    def _build_panel_dock(self):
        scroll = QScrollArea()
        scroll.setWidget(self.panel)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # A click on the panel (a button, a label) must not pull the keyboard focus into the
        # scroll area: Qt gives a click's focus to the nearest ancestor that takes clicks.
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        scroll.setMinimumWidth(self.panel.sizeHint().width() + 24)
        self.panel_dock = QDockWidget("Generate", self)
        self.panel_dock.setObjectName("GenerateDock")
        self.panel_dock.setWidget(scroll)
        # Closable, so View > Generation Panel can hide and show it (a disabled, always-checked
        # menu item is what a fixed dock offers).
        self.panel_dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.panel_dock)
        toggle = self.panel_dock.toggleViewAction()
        toggle.setText("&Generation Panel")
        toggle.setShortcut(QKeySequence("Ctrl+Shift+P"))
        toggle.setStatusTip("Show or hide the continuation controls.")

    def _build_status_bar(self):
        bar = self.statusBar()
        self.model_label = QLabel(NO_MODEL_TEXT)
        self.device_label = QLabel("")
        self.device_label.hide()  # until a model has loaded
        self.call_response_label = QLabel("")
        self.call_response_label.hide()
        self.midi_label = QLabel("MIDI out: off")
        for label, tip in (
            (self.model_label, "The model that writes continuations."),
            (self.device_label, "Where the model runs: the graphics card (GPU) or the processor (CPU)."),
            (self.call_response_label, "What call and response is doing."),
            (self.midi_label, "Where auditions and playback are sent."),
        ):
            label.setToolTip(tip)
            bar.addPermanentWidget(label)
        # A little air and a rule between the fields: "Model: folk | CPU | MIDI: off". (The
        # style sheet's palette() colours draw no border here, hence the colour's name.)
        rule = self.palette().color(QPalette.ColorRole.Mid).name()
        self.model_label.setStyleSheet(f"QLabel {{ padding: 0 {STATUS_FIELD_MARGIN}px; }}")
        for label in (self.device_label, self.call_response_label, self.midi_label):
            label.setStyleSheet(
                f"QLabel {{ border: none; border-left: 1px solid {rule}; "
                f"padding: 0 {STATUS_FIELD_MARGIN}px; }}"
            )

    def _action(
        self, key: str, text: str, slot, shortcut=None, tip: str = "", enabled: bool = True, scope=None
    ) -> QAction:
        """A menu action; ``scope`` limits its shortcut to that widget (and its children)."""
        action = QAction(text, self)
        if shortcut is not None:
            sequences = shortcut if isinstance(shortcut, list) else [shortcut]
            action.setShortcuts([QKeySequence(s) for s in sequences])
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.setEnabled(enabled)
        action.triggered.connect(lambda _checked=False: slot())
        self.actions[key] = action
        if scope is None:
            self.addAction(action)  # shortcuts work even while the menu bar is hidden
        else:
            # Note editing keys (arrows, Delete, Ctrl+C) belong to the roll: in a spin box of
            # the panel they must keep their usual meaning.
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            scope.addAction(action)
        return action

    def _build_actions(self):
        keys = QKeySequence.StandardKey
        a = self._action
        a("new", "&New", self.new_piece, keys.New, "Start an empty piece.")
        a("new_from_corpus", "New from &Corpus", self.new_from_corpus, "Ctrl+Shift+N",
          "Start from a random opening phrase of the model's style.")
        a("open", "&Open…", self.open_dialog, keys.Open, "Open a Segue session or a MIDI file.")
        a("save", "&Save", self.save, keys.Save, "Save the session.")
        a("save_as", "Save &As…", self.save_as, keys.SaveAs, "Save the session under a new name.")
        a("import", "&Import MIDI…", self.import_dialog, "Ctrl+I",
          "Replace the piece with a melody from a MIDI file (undoable).")
        a("export", "&Export MIDI…", self.export_dialog, "Ctrl+E",
          "Write the piece, the seed or the current variation as a MIDI file.")
        # Some platforms bind no key to Quit (Qt's table is empty there): Ctrl+Q everywhere.
        a("quit", "&Quit", self.close, QKeySequence.keyBindings(keys.Quit) or "Ctrl+Q")

        undo = self.document.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcuts(QKeySequence.StandardKey.Undo)
        redo = self.document.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcuts(redo_shortcuts())
        self.actions["undo"], self.actions["redo"] = undo, redo
        self.addAction(undo)
        self.addAction(redo)
        if self.roll is not None:
            roll = self.roll
            a("cut", "Cu&t", roll.cut, keys.Cut, scope=roll)
            a("copy", "&Copy", roll.copy, keys.Copy, scope=roll)
            a("paste", "&Paste", roll.paste, keys.Paste, scope=roll)
            a("duplicate", "D&uplicate", roll.duplicate, "Ctrl+D", scope=roll)
            a("delete", "&Delete", roll.delete_selection, [QKeySequence(keys.Delete), QKeySequence("Backspace")],
              scope=roll)
            a("select_all", "Select &All", roll.select_all, keys.SelectAll, scope=roll)
            a("quantize", "&Quantize", roll.quantize_selection, "Ctrl+U", "Snap the selected notes to the grid.",
              scope=roll)
            # Plain arrows nudge the selection inside the roll; Ctrl+arrows transpose (the whole
            # melody when nothing is selected).
            a("transpose_up", "Transpose Up a Semitone", lambda: roll.transpose_selection(1), "Ctrl+Up", scope=roll)
            a("transpose_down", "Transpose Down a Semitone", lambda: roll.transpose_selection(-1), "Ctrl+Down",
              scope=roll)
            a("octave_up", "Transpose Up an Octave", lambda: roll.transpose_selection(12), "Ctrl+Shift+Up",
              scope=roll)
            a("octave_down", "Transpose Down an Octave", lambda: roll.transpose_selection(-12), "Ctrl+Shift+Down",
              scope=roll)
            a("zoom_to_fit", "Zoom to &Fit", roll.zoom_to_fit, "Ctrl+0", "Show the whole piece.")
            a("zoom_in", "Zoom &In", lambda: roll.zoom_time(ZOOM_STEP), ["Ctrl+=", "Ctrl++"],
              "Zoom in on time (Ctrl+wheel over the roll does the same).")
            a("zoom_out", "Zoom &Out", lambda: roll.zoom_time(1 / ZOOM_STEP), "Ctrl+-",
              "Zoom out on time.")

        c = self.continuation
        a("continue", "&Continue", c.continue_, "Ctrl+G", "Write a continuation after the marker.")
        a("cancel", "Cancel", c.cancel, "Esc", "Stop the continuation being written.", enabled=False)
        a("previous_variation", "&Previous Variation", c.previous, "Alt+Left", enabled=False)
        a("next_variation", "&Next Variation", c.next, "Alt+Right", enabled=False)
        a("accept", "&Accept Variation", c.accept, ["Ctrl+Return", "Ctrl+Enter"],
          "Keep the current variation (one undo step).", enabled=False)
        a("regenerate", "&Regenerate", c.regenerate, "Ctrl+Shift+G",
          "Write new variations with the current settings.", enabled=False)
        a("discard", "&Discard Variations", c.discard, "Ctrl+Backspace", enabled=False)
        a("audition", "A&udition Variation", self.audition_variation, "Ctrl+Shift+Space", enabled=False)
        for number in range(1, 9):
            a(f"variation_{number}", f"Variation {number}",
              lambda n=number: self.document.select_variation(n - 1) if len(self.document.variations) >= n else None,
              f"Alt+{number}")
        a("open_model", "Open &Model…", self.open_model_dialog, None, "Load a model file (.safetensors).")

    def _build_menus(self):
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        for key in ("new", "new_from_corpus", "open"):
            file_menu.addAction(self.actions[key])
        self.recent_menu = QMenu("Open &Recent", self)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addMenu(self.recent_menu)
        file_menu.addSeparator()
        for key in ("save", "save_as"):
            file_menu.addAction(self.actions[key])
        file_menu.addSeparator()
        for key in ("import", "export"):
            file_menu.addAction(self.actions[key])
        file_menu.addSeparator()
        file_menu.addAction(self.actions["quit"])

        edit_menu = menu.addMenu("&Edit")
        edit_menu.addAction(self.actions["undo"])
        edit_menu.addAction(self.actions["redo"])
        if self.roll is not None:
            edit_menu.addSeparator()
            for key in ("cut", "copy", "paste", "duplicate", "delete", "select_all"):
                edit_menu.addAction(self.actions[key])
            edit_menu.addSeparator()
            for key in ("quantize", "transpose_up", "transpose_down", "octave_up", "octave_down"):
                edit_menu.addAction(self.actions[key])
            self.view_menu = menu.addMenu("&View")
            for key in ("zoom_in", "zoom_out", "zoom_to_fit"):
                self.view_menu.addAction(self.actions[key])
            self.view_menu.addSeparator()
        else:
            self.view_menu = menu.addMenu("&View")
        self.view_menu.addAction(self.panel_dock.toggleViewAction())

        generate_menu = menu.addMenu("&Generate")
        for key in ("continue", "cancel"):
            generate_menu.addAction(self.actions[key])
        generate_menu.addSeparator()
        for key in ("previous_variation", "next_variation", "audition", "accept", "regenerate", "discard"):
            generate_menu.addAction(self.actions[key])
        generate_menu.addSeparator()
        generate_menu.addAction(self.actions["open_model"])

        self.transport_menu = menu.addMenu("&Transport")  # filled by _build_transport

        help_menu = menu.addMenu("&Help")
        about = QAction("&About Segue", self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    def _build_toolbar(self):
        self.piece_toolbar = QToolBar("Piece", self)
        self.piece_toolbar.setObjectName("PieceToolbar")
        self.piece_toolbar.setMovable(False)
        self.drag_handle = DragHandle(lambda: what_you_hear(self.document), self.document_title)
        self.drag_handle.failed.connect(lambda message: self.statusBar().showMessage(message, 6000))
        self.piece_toolbar.addAction(self.actions["continue"])
        self.piece_toolbar.addSeparator()
        self.piece_toolbar.addWidget(self.drag_handle)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.piece_toolbar)

    def _connect(self):
        doc = self.document
        doc.modified_changed.connect(lambda _modified: self._update_title())
        doc.variations_changed.connect(self._update_variation_actions)
        doc.melody_changed.connect(self._show_auto_key)
        doc.marker_changed.connect(self._show_auto_key)
        self._show_auto_key()
        self.continuation.status_message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.continuation.busy_changed.connect(self._busy_changed)
        self.panel.settings_changed.connect(self._settings_changed)
        self.panel.model_chosen.connect(self.load_model)
        self.panel.open_model_requested.connect(self.open_model_dialog)
        self.panel.audition_requested.connect(self.audition_variation)
        self.models.loading.connect(self._model_loading)
        self.models.loaded.connect(self._model_loaded)
        self.models.failed.connect(self._model_failed)
        self.autosaver.failed.connect(lambda text: self.statusBar().showMessage(text, 8000))
        if self.roll is not None:
            self.roll.status_message.connect(lambda text: self.statusBar().showMessage(text, 5000))
        self._update_variation_actions()
        self._connect_transport()

    # --- start-up ---------------------------------------------------------------------------------

    def start_up(self, load_model: bool = True) -> None:
        """After ``show``: load the model in the background, offer crash recovery, start autosave.

        The model starts loading first, so it loads while the recovery question is open; a
        restored session that wants another model supersedes that load (never loads it twice).
        """
        if self._started:
            return
        self._started = True
        if load_model:
            self.load_model(self._initial_model())
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
            except SessionFileError as exc:
                self._report_error("Could not restore", str(exc))
                recovery.discard()
                continue
            self._show_session(session, recovery.original_path, load_model=load_model)
            self.document.mark_unsaved()
            recovery.discard()
            self.statusBar().showMessage("Restored the autosaved piece. Save it to keep it.", 10000)
            return True
        return False

    # --- document state shown -----------------------------------------------------------------

    def document_title(self) -> str:
        return Path(self.path).stem if self.path else UNTITLED

    def _update_title(self):
        # The app sets no application display name: Qt would append it to this title on X11
        # and Windows, which showed "Segue — tune — Segue".
        self.setWindowTitle(f"Segue — {self.document_title()}[*]")
        self.setWindowModified(self.document.is_modified())

    def _set_path(self, path: str | None):
        self.path = path
        self._update_title()
        self.file_path_changed.emit(path or "")

    def _busy_changed(self, busy: bool):
        self.actions["cancel"].setEnabled(busy)
        self.actions["continue"].setEnabled(not busy)
        self._update_variation_actions()

    def _update_variation_actions(self):
        count = len(self.document.variations)
        busy = self.continuation.is_running
        for key in ("previous_variation", "next_variation"):
            self.actions[key].setEnabled(count > 1 and not busy)
        for key in ("accept", "regenerate", "discard", "audition"):
            self.actions[key].setEnabled(count > 0 and not busy)

    def _settings_changed(self, settings):
        prefs.write_generation_settings(settings)

    def _show_auto_key(self, *_args) -> None:
        """Key lock 'Auto' names the key it stands for now: the seed's."""
        seed = self.document.seed()
        self.panel.set_auto_key(seed.resolved_key("auto"))

    def _report_error(self, title: str, text: str) -> None:
        self.dialogs.error(title, text)

    # --- closing ------------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent):  # noqa: N802
        if not self._closing_accepted and not self.maybe_save():
            event.ignore()
            return
        self._closing_accepted = True
        self._save_window_settings()
        self.playback.close()  # every sounding note is released
        self.continuation.shutdown()
        self.answerer.shutdown()
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

    def _about(self):
        import engine

        self.dialogs.info(
            "About Segue",
            f"Segue {engine.__version__}: sketch a melody, and an LSTM continues it.",
        )
