"""The main window: piano roll in the middle, generation panel at the right, status bar below.

It wires the pieces together and owns the file workflow: New, New from Corpus, Open, Save,
Save As, Import and Export MIDI, drag-and-drop, recent files, unsaved-changes questions,
autosave and crash recovery, and the persistent window and generation settings. Every modal
question goes through ``self.dialogs`` (:class:`gui.dialogs.Dialogs`), which tests replace.

Start-up is split so the window shows at once: the constructor builds widgets and puts the
demo seed on the roll; :meth:`start_up` (called by the app right after ``show``) offers crash
recovery, starts autosave and loads the model in the background.

Live MIDI: the window owns a :class:`gui.playback.PlaybackBridge` (``self.playback``) and its
:class:`gui.transport.Transport` toolbar (``self.transport``, also in the Transport menu), and
wires them to the piece:

- Play plays :meth:`playback_melody` (the piece, with the pending variation in place) from the
  playhead; the playhead stays where Stop left it, Return to Start (Home) puts it back, and a
  playhead at or past the end starts from the beginning. Auditioning a variation plays from two
  bars before the continue-from marker. Edits made while playing are heard at once.
- The transport's tempo box edits the piece's tempo (one undo step per stream of changes; the
  roll header's own tempo box is hidden); the piece's tempo and meter are the template for
  recording and call and response.
- A recorded take is merged into the piece as ONE undo step ("Record Take"), quantized to the
  roll's snap.
- Call and response: when the player pauses, :class:`gui.generation_panel.CallAnswerer`
  continues the call with the current generation settings and the bridge plays the answer.
- The roll's keyboard clicks audition on the output; closing the window releases every note.
- Without any MIDI system the app runs as before: Play is disabled, the status bar says why,
  export still works. Under the test suite (``$SEGUE_TESTING``) the default MIDI system is a
  fake with no ports, so tests never reach a real synthesizer.

The hooks stay public: :meth:`set_transport` docks a toolbar, :meth:`set_midi_output_state`
fills the status bar's MIDI field, :attr:`audition_requested` carries the melody to play when the
user auditions a variation, and :meth:`playback_melody` says what Play should play.
"""

from __future__ import annotations

import logging
import math
import os
import re
from pathlib import Path

from PySide6.QtCore import QByteArray, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
    QPalette,
)
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QDockWidget,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QScrollArea,
    QStyle,
    QToolBar,
    QWidget,
)

from engine.call_response import ANSWERING, HEARING, LISTENING, THINKING
from engine.melody import Melody
from engine.midi_input import merge_take
from engine.midi_ports import FakeRtmidi, MidiSystem, default_system
from engine.playback import PLAYING
from engine.session import FILE_SUFFIX, SessionError, read_melodies
from gui import dialogs as dialog_names
from gui import settings as prefs
from gui.autosave import Autosaver, orphaned_recoveries
from gui.dialogs import Dialogs
from gui.document import MERGE_TEMPO, Document, PieceState
from gui.export import DragHandle, ExportOptions, export_midi, suggested_file_name, what_you_hear
from gui.generation_panel import CallAnswerer, ContinuationController, GenerationPanel
from gui.import_dialog import import_midi_file, is_midi_path
from gui.model_loader import (
    LoadedModel,
    ModelManager,
    display_name,
    is_model_file,
    model_path,
    random_opening,
    shipped_models,
)
from gui.playback import PlaybackBridge
from gui.session_file import SessionFileError, load_into, load_session, save_session, session_of
from gui.tooltips import rich_tip
from gui.transport import SpaceStillPlays, Transport

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
DEMO_SEED = ROOT / "resources" / "demo_seed.json"
UNTITLED = "Untitled"
NO_MODEL_TEXT = "Model: none"
STATUS_FIELD_MARGIN = 6  # pixels either side of a status bar field
ZOOM_STEP = 1.25  # View > Zoom In / Zoom Out
DEFAULT_WINDOW_SIZE = (1280, 800)
SCREEN_SHARE = 0.94  # of the screen's free area, leaving room for the title bar
PORT_COMBO_MAX_WIDTH = 135  # pixels
PROGRAM_COMBO_MAX_WIDTH = 150
AUDITION_PRE_ROLL_BARS = 2  # an audition starts this many bars before the continue-from marker
CALL_RESPONSE_TEXT = {
    LISTENING: "Call & response: listening",
    HEARING: "Call & response: hearing you",
    THINKING: "Call & response: thinking",
    ANSWERING: "Call & response: answering",
}

try:
    from gui.piano_roll import PianoRoll
except ModuleNotFoundError as exc:  # the roll is built in parallel; until it lands, a placeholder
    if exc.name != "gui.piano_roll":
        raise
    PianoRoll = None


def default_midi_system() -> MidiSystem:
    """The machine's MIDI system; under the test suite a fake one without ports, so no test
    ever opens the developer's real synthesizer."""
    if os.environ.get("SEGUE_TESTING"):
        return MidiSystem(FakeRtmidi(), path_exists=lambda _path: True)
    return default_system()


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


def without_details(text: str) -> str:
    """``text`` without its bracketed asides: 'No MIDI system found (ALSA: ...). Playback is off.'
    -> 'No MIDI system found. Playback is off.' (brackets may nest)."""
    kept, depth = [], 0
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        elif not depth:
            kept.append(char)
    short = re.sub(r"\s+([.,;:!?])", r"\1", "".join(kept))
    return re.sub(r"\s{2,}", " ", short).strip()


def demo_seed() -> Melody:
    """The short melody a first start shows; an empty 4/4 piece if the resource is missing."""
    try:
        return read_melodies(DEMO_SEED)[0]
    except (SessionError, IndexError) as exc:
        log.warning("demo seed unavailable: %s", exc)
        return Melody()


class MainWindow(QMainWindow):
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

    def _build_transport(self):
        """The transport toolbar beside the piece's toolbar, and the Transport menu."""
        self.transport = Transport(
            self.playback, self, melody_source=self._melody_to_play, start_source=self._play_start
        )
        self.set_transport(self.transport)
        # Space plays from the generation panel's number boxes and lists too, as in a DAW.
        self._space_filter = SpaceStillPlays(self)
        for box in self.panel.findChildren(QAbstractSpinBox):
            box.installEventFilter(self._space_filter)
            box.findChild(QLineEdit).installEventFilter(self._space_filter)
        for combo in self.panel.findChildren(QComboBox):
            if not combo.isEditable():
                combo.installEventFilter(self._space_filter)
        if self.roll is not None:
            # One tempo box is enough: the transport's, where DAW users look for it.
            self.roll.header.meter.tempo.hide()
        # Long ALSA/JACK port names are elided (the full name is in the list and the status
        # bar), so the whole transport fits one row beside the piece's toolbar.
        for combo, width in (
            (self.transport.output_combo, PORT_COMBO_MAX_WIDTH),
            (self.transport.input_combo, PORT_COMBO_MAX_WIDTH),
            (self.transport.program_combo, PROGRAM_COMBO_MAX_WIDTH),
        ):
            combo.setMaximumWidth(width)
        # The silence length only matters to call and response: shown while it is on.
        silence = next(
            (a for a in self.transport.actions() if self.transport.widgetForAction(a) is self.transport.silence_spin),
            None,
        )
        if silence is not None:
            silence.setVisible(self.transport.call_response_action.isChecked())
            self.transport.call_response_action.toggled.connect(silence.setVisible)
        style = self.style()
        rewind = QAction(style.standardIcon(QStyle.StandardPixmap.SP_MediaSkipBackward), "Return to Start", self)
        rewind.setShortcut(QKeySequence(Qt.Key.Key_Home))
        rewind.setToolTip("Return to start (Home)")
        rewind.setStatusTip("Put the playhead back at the start of the piece.")
        rewind.triggered.connect(lambda _checked=False: self.return_to_start())
        self.actions["return_to_start"] = rewind
        self.transport.insertAction(self.transport.play_action, rewind)
        t = self.transport
        for action in (t.play_action, rewind, t.loop_action):
            self.transport_menu.addAction(action)
        self.transport_menu.addSeparator()
        for action in (t.record_action, t.metronome_action, t.call_response_action):
            self.transport_menu.addAction(action)
        self.transport_menu.addSeparator()
        for action in (t.refresh_action, t.panic_action):
            self.transport_menu.addAction(action)

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

    def _connect_transport(self):
        doc, playback, transport = self.document, self.playback, self.transport
        transport.message.connect(self._transport_message)
        transport.output_state_changed.connect(self._output_state_changed)
        transport.tempo_changed.connect(self._tempo_edited)
        doc.melody_changed.connect(self._piece_changed)
        doc.variations_changed.connect(self._replay_if_changed)
        playback.position_changed.connect(self._playback_position)
        playback.state_changed.connect(self._playback_state)
        playback.take_finished.connect(self._take_recorded)
        playback.answer_requested.connect(self.answerer.answer)
        playback.answer_started.connect(self._answer_started)
        playback.call_response_state.connect(self._call_response_state)
        self.answerer.answered.connect(playback.deliver_answer)
        self.answerer.status_message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.audition_requested.connect(self._play_audition)
        if self.roll is not None:
            self.roll.audition_requested.connect(playback.audition)
            self.roll.loop_region_changed.connect(self._loop_region_changed)
            transport.loop_action.toggled.connect(self.roll.set_loop_enabled)
            self.roll.set_loop_enabled(transport.loop_action.isChecked())
        self._piece_changed()
        self._output_state_changed("")  # the transport reported its first state before we listened

    def _loop_region_changed(self, region) -> None:
        """A region set on the ruler is looped at once, as in a DAW; clearing it loops the piece."""
        self.playback.set_loop_region(region)
        if region is not None and not self.transport.loop_action.isChecked():
            self.transport.loop_action.setChecked(True)

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

    def _initial_model(self) -> str | None:
        return self._loadable_model(self.panel.settings().model)

    @staticmethod
    def _loadable_model(wanted: str) -> str | None:
        """``wanted`` if it is a shipped model or an existing model file, else the default."""
        available = shipped_models()
        if wanted in available or (is_model_file(wanted) and model_path(wanted).with_suffix(".json").is_file()):
            return wanted
        return available[0] if available else None

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

    # --- models -------------------------------------------------------------------------------------

    def _refresh_models(self):
        current = self.panel.settings().model
        extra = (current,) if current not in shipped_models() and is_model_file(current) else ()
        self.panel.set_models(shipped_models(), current, extra)
        if not shipped_models() and not extra:
            self._show_no_model("No model found in the models folder.")

    def load_model(self, name_or_path: str | None) -> None:
        if not name_or_path:
            self._show_no_model("No model found in the models folder.")
            return
        self.models.load(name_or_path)

    def _show_no_model(self, reason: str):
        self.model_label.setText(NO_MODEL_TEXT)
        self.model_label.setToolTip(rich_tip(reason))
        self.device_label.setText("")
        self.device_label.hide()  # no empty field between two rules
        self.panel.set_model_state(f"{reason} Use Generate > Open Model… to load one.")

    def _model_loading(self, name: str):
        self.model_label.setText(f"Loading {name}…")
        self.panel.set_model_state(f"Loading model {name}…")

    def _model_loaded(self, loaded: LoadedModel):
        self._model_choice = self.models.requested  # what the chooser calls the working model
        self._show_model(loaded)
        low, high = loaded.pitch_limits()
        self.statusBar().showMessage(f"Model {loaded.name} ready on {loaded.device}.", 5000)
        # Keep the pitch range inside what the model can play.
        settings = self.panel.settings()
        new_low = min(max(low, settings.pitch_low), high)
        new_high = max(min(high, settings.pitch_high), new_low)
        if (new_low, new_high) != (settings.pitch_low, settings.pitch_high):
            self.panel.set_settings(settings.replace(pitch_low=new_low, pitch_high=new_high))

    def _model_failed(self, name: str, message: str):
        working = self.models.current
        requested = self.models.requested
        chosen_file = bool(requested) and is_model_file(requested)
        # The message names the file the user chose (the engine's may name its .json card).
        text = f"Could not load {Path(requested).name if chosen_file else name}: {message}"
        if working is None:
            self._show_no_model(f"Model {name} could not be loaded: {message}")
            if self._started and chosen_file:
                self._report_error("Could not load the model", text)
            return
        # The model in use stays loaded and in charge: the status bar and the chooser go on
        # saying so, and the rejected file leaves the chooser (and the saved settings), all
        # before the message shows, so the window behind it already tells the truth.
        self._show_model(working)
        choice = self._model_choice or working.name
        self.panel.set_settings(self.panel.settings().replace(model=choice))
        self._refresh_models()
        self.statusBar().showMessage(
            f"Model {name} could not be loaded; still using {working.name}.", 8000
        )
        self._report_error(
            "Could not load the model", f"{text}\n\nSegue goes on with the model {working.name}."
        )

    def _show_model(self, loaded: LoadedModel) -> None:
        self.model_label.setText(f"Model: {loaded.name}")
        self.model_label.setToolTip(loaded.path)
        self.device_label.setText(loaded.device)
        self.device_label.show()
        self.panel.set_model_state("")

    def open_model_dialog(self) -> None:
        path = self.dialogs.open_path("Open Model", dialog_names.MODEL_FILTER, prefs.read(prefs.LAST_DIRECTORY))
        if not path:
            return
        self.panel.add_model_path(path)
        self.load_model(path)

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

    def set_midi_output_state(self, text: str) -> None:
        """The transport reports the MIDI output here ('MIDI out: FluidSynth', 'MIDI out: off')."""
        self.midi_label.setText(text)

    def set_transport(self, toolbar: QWidget) -> None:
        """Dock the transport's toolbar (or wrap a plain widget in one) above the roll, after
        the piece's toolbar on the same row."""
        if not isinstance(toolbar, QToolBar):
            widget, toolbar = toolbar, QToolBar("Transport", self)
            toolbar.setObjectName("TransportToolbar")
            toolbar.addWidget(widget)
        toolbar.setMovable(False)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)

    def playback_melody(self) -> Melody:
        """What Play plays: the piece, with the current variation in place when one is pending."""
        return what_you_hear(self.document)

    # --- transport ------------------------------------------------------------------------------

    def _melody_to_play(self) -> Melody:
        """Play was pressed: what to play (and recording quantizes to the roll's snap)."""
        if self.roll is not None:
            self.playback.set_record_grid(self.roll.grid())
        self._playhead_follows = True
        self._played = self.playback_melody()
        return self._played

    def _play_start(self) -> float:
        """Where Play starts: the playhead, or the start when it is past the end (or hidden)."""
        playhead = self.roll.playhead if self.roll is not None else None
        if playhead is None or playhead < 0:
            return 0.0
        if playhead >= self.playback_melody().end and not self.playback.record_armed:
            return 0.0
        return playhead

    def return_to_start(self) -> None:
        """Home: the playhead goes back to the start (and playback jumps there)."""
        if self.playback.state == PLAYING and self._playhead_follows:
            self.playback.seek(0)
        if self.roll is not None:
            self.roll.set_playhead(0.0)
            self.roll.hbar.setValue(0)

    def _play_audition(self, melody: Melody) -> None:
        """Audition a variation: from a little before the marker, so the seed leads into it."""
        bar = melody.steps_per_bar
        marker_bar = self.document.marker // bar * bar
        start = max(0, marker_bar - AUDITION_PRE_ROLL_BARS * bar)
        self._playhead_follows = True
        self._played = melody
        self.playback.play(melody, start_step=start)

    def _playback_position(self, step: float) -> None:
        if self._playhead_follows and self.roll is not None:
            self.roll.set_playhead(step)

    def _playback_state(self, state: str) -> None:
        if state != PLAYING:
            self._played = None

    def _replay_if_changed(self) -> None:
        """An edit while the piece plays: play the new version on from where the playhead is
        (not while recording: a restart would end the take)."""
        played = self._played
        if (
            played is None
            or not self._playhead_follows
            or self.playback.state != PLAYING
            or self.playback.recording
        ):
            return
        melody = self.playback_melody()
        same = (
            melody.notes == played.notes
            and melody.time_signature == played.time_signature
            and melody.steps_per_quarter == played.steps_per_quarter
        )
        if not same:  # a tempo change alone needs no restart: the player follows it live
            self._played = melody
            self.playback.play(melody, start_step=self.playback.player.position)

    def _show_auto_key(self, *_args) -> None:
        """Key lock 'Auto' names the key it stands for now: the seed's."""
        seed = self.document.seed()
        self.panel.set_auto_key(seed.key or seed.detect_key())

    def _piece_changed(self) -> None:
        melody = self.document.melody
        self.playback.set_template(melody)
        if self.transport.tempo_spin.value() != melody.tempo:
            self.transport.set_tempo(melody.tempo)
        self._replay_if_changed()

    def _tempo_edited(self, bpm: float) -> None:
        melody = self.document.melody
        try:
            changed = melody.replace(tempo=bpm)
        except ValueError as exc:
            self.statusBar().showMessage(f"Tempo {bpm:g} refused: {exc}", 8000)
            self.transport.set_tempo(melody.tempo)
            return
        self.document.set_melody(changed, "Change Tempo", merge_id=MERGE_TEMPO)

    def _take_recorded(self, take: Melody) -> None:
        """A recorded take joins the piece as one undo step."""
        try:
            merged = merge_take(self.document.melody, take)
        except ValueError as exc:
            self.statusBar().showMessage(f"The take was not kept: {exc}.", 10000)
            return
        if self.document.set_melody(merged, "Record Take"):
            count = len(take.notes)
            self.statusBar().showMessage(
                f"Recorded {count} note{'s' if count != 1 else ''}; Undo removes the take.", 8000
            )

    def _answer_started(self, _answer: Melody) -> None:
        self._playhead_follows = False  # the answer is not the piece: leave the playhead alone
        self._played = None

    def _call_response_state(self, state: str) -> None:
        text = CALL_RESPONSE_TEXT.get(state)
        self.call_response_label.setText(text or "")
        self.call_response_label.setVisible(text is not None)
        if text is None:
            self.answerer.cancel()

    def _transport_message(self, text: str) -> None:
        """The transport's notices in the status bar; "no MIDI system" without its technical
        details, which would run off the bar (they stay in the MIDI field's tooltip)."""
        available, reason = self.playback.available()
        if not available and text == reason:
            text = without_details(text)
        self.statusBar().showMessage(text, 8000)

    def _output_state_changed(self, text: str) -> None:
        available, reason = self.playback.available()
        if not available:
            self.set_midi_output_state("MIDI: unavailable")
            self.midi_label.setToolTip(rich_tip(reason))
            return
        port = self.playback.output_port
        if port is None:
            text = "MIDI out: off"
        elif not text:
            text = "MIDI out: Segue (virtual)" if port.virtual else f"MIDI out: {port.name}"
        self.set_midi_output_state(text)
        self.midi_label.setToolTip("Where auditions and playback are sent.")

    def _stop_playback(self) -> None:
        """Before the piece is replaced: playback stops and the playhead goes."""
        self.playback.stop()
        self._played = None
        if self.roll is not None:
            self.roll.set_playhead(None)

    def audition_variation(self) -> None:
        if self.document.current_variation() is not None:
            count = len(self.document.variations)
            self.statusBar().showMessage(f"Auditioning variation {self.document.current_index + 1} of {count}.", 4000)
            self.audition_requested.emit(self.playback_melody())

    def current_session(self):
        return session_of(self.document, self.panel.settings())

    def _report_error(self, title: str, text: str) -> None:
        self.dialogs.error(title, text)

    # --- files ----------------------------------------------------------------------------------

    def maybe_save(self) -> bool:
        """Before the piece is replaced: True when it may go (saved, discarded or unchanged)."""
        if not self.document.is_modified():
            return True
        answer = self.dialogs.ask_save_changes(self.document_title())
        if answer == dialog_names.SAVE:
            return self.save()
        return answer == dialog_names.DISCARD

    def _show_session(self, session, path: str | None, load_model: bool = True):
        self.continuation.cancel()
        self.continuation.wait()
        self._stop_playback()
        load_into(self.document, session)
        self._set_path(path)
        self.panel.set_settings(session.generation)
        self._refresh_models()
        wanted = self._loadable_model(session.generation.model)
        if load_model and self._started and wanted and wanted != self.models.requested:
            self.load_model(wanted)
        if self.roll is not None and hasattr(self.roll, "zoom_to_fit"):
            self.roll.zoom_to_fit()

    def new_piece(self) -> bool:
        if not self.maybe_save():
            return False
        self.continuation.cancel()
        self.continuation.wait()
        self._stop_playback()
        seed = self.document.melody
        empty = Melody(
            steps_per_quarter=seed.steps_per_quarter, time_signature=seed.time_signature, tempo=seed.tempo
        )
        self.document.load(empty, 0)
        self._set_path(None)
        return True

    def new_from_corpus(self) -> bool:
        """A random opening phrase (2-4 bars) of the current model's style as a fresh seed."""
        model = self.panel.settings().model
        candidates = [model] + [m for m in shipped_models() if m != model]
        problem = None
        for candidate in candidates:
            try:
                opening = random_opening(candidate)
                break
            except SessionError as exc:
                problem = problem or str(exc)
        else:
            self._report_error("No openings", f"Could not start from the corpus: {problem or 'no model is installed'}.")
            return False
        if not self.maybe_save():
            return False
        self.continuation.cancel()
        self.continuation.wait()
        self._stop_playback()
        # The phrase runs to its closing bar line, even when its last note ends before it.
        bar = opening.steps_per_bar
        self.document.load(opening, math.ceil(opening.end / bar) * bar)
        self._set_path(None)
        self.statusBar().showMessage(
            f"A new opening from the {display_name(candidate)} corpus: press Continue to carry it on.", 8000
        )
        if self.roll is not None and hasattr(self.roll, "zoom_to_fit"):
            self.roll.zoom_to_fit()
        return True

    def open_dialog(self) -> bool:
        path = self.dialogs.open_path("Open", dialog_names.OPEN_FILTER, self._last_directory())
        return self.open_path(path) if path else False

    def open_path(self, path: str) -> bool:
        """Open a ``.segue`` session, or a MIDI file as a new untitled piece."""
        path = str(path)
        if is_midi_path(path):
            if not self.maybe_save():
                return False
            return self.import_path(path, as_new=True)
        try:
            session = load_session(path)
        except SessionFileError as exc:
            self._report_error("Could not open", str(exc))
            if not Path(path).exists():
                prefs.remove_recent_file(str(Path(path).resolve()))
            return False
        if not self.maybe_save():
            return False
        self._show_session(session, str(Path(path).resolve()))
        self._remember_file(path)
        self.statusBar().showMessage(f"Opened {Path(path).name}.", 5000)
        return True

    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self.save_to(self.path)

    def save_as(self) -> bool:
        suggested = self.path or str(Path(self._last_directory()) / f"{self.document_title()}{FILE_SUFFIX}")
        path = self.dialogs.save_path("Save Session", dialog_names.SESSION_FILTER, suggested)
        if not path:
            return False
        if not path.lower().endswith(FILE_SUFFIX):
            path += FILE_SUFFIX
        return self.save_to(path)

    def save_to(self, path: str) -> bool:
        try:
            save_session(path, self.current_session())
        except SessionFileError as exc:
            self._report_error("Could not save", str(exc))
            return False
        self.document.mark_saved()
        self._set_path(str(Path(path).resolve()))
        self._remember_file(path)
        self.autosaver.save_now()  # nothing unsaved now: removes the recovery file
        self.statusBar().showMessage(f"Saved {Path(path).name}.", 5000)
        return True

    def import_dialog(self) -> bool:
        path = self.dialogs.open_path("Import MIDI", dialog_names.MIDI_FILTER, self._last_directory())
        return self.import_path(path) if path else False

    def import_path(self, path: str, as_new: bool = False) -> bool:
        """Read a melody from a MIDI file: as one undoable replacement of the piece, or (``as_new``)
        as a new untitled piece. Errors leave the piece exactly as it was."""
        from engine.midi_io import MidiImportError

        try:
            result = import_midi_file(path, self.dialogs.choose_track)
        except MidiImportError as exc:
            self._report_error("Could not import", str(exc))
            return False
        if result is None:
            return False  # the user cancelled the track choice
        melody = result.melody
        self.continuation.cancel()
        self.continuation.wait()
        if as_new:
            self._stop_playback()
            self.document.load(melody, melody.end)
            self._set_path(None)
        else:
            self.document.discard_variations()
            self.document.set_state(PieceState(melody, melody.end), f"Import {Path(path).name}")
        self._remember_directory(path)
        summary = result.report.summary.splitlines()[0] if result.report is not None else f"Imported {Path(path).name}."
        self.statusBar().showMessage(summary, 10000)
        if self.roll is not None and hasattr(self.roll, "zoom_to_fit"):
            self.roll.zoom_to_fit()
        return True

    def export_dialog(self) -> bool:
        options = self.dialogs.export_options(
            has_variation=self.document.current_variation() is not None,
            has_seed=bool(self.document.seed().notes),
        )
        if options is None:
            return False
        suggested = str(
            Path(self._last_directory())
            / suggested_file_name(self.document_title(), options, self.document.current_index + 1)
        )
        path = self.dialogs.save_path("Export MIDI", dialog_names.MIDI_FILTER, suggested)
        if not path:
            return False
        if not is_midi_path(path):
            path += ".mid"
        return self.export_to(path, options)

    def export_to(self, path: str, options: ExportOptions) -> bool:
        from engine.midi_io import MidiExportError

        try:
            export_midi(path, self.document, options, track_name=self.document_title())
        except ValueError as exc:
            self._report_error("Nothing to export", f"Could not export {Path(path).name}: {exc}.")
            return False
        except MidiExportError as exc:
            self._report_error("Could not export", str(exc))
            return False
        self._remember_directory(path)
        self.statusBar().showMessage(f"Exported {Path(path).name}.", 5000)
        return True

    def _remember_file(self, path: str):
        prefs.add_recent_file(str(Path(path).resolve()))
        self._remember_directory(path)

    def _remember_directory(self, path: str):
        prefs.write(prefs.LAST_DIRECTORY, str(Path(path).resolve().parent))

    def _last_directory(self) -> str:
        directory = prefs.read(prefs.LAST_DIRECTORY)
        return directory if directory and Path(directory).is_dir() else str(Path.home())

    def _fill_recent_menu(self):
        self.recent_menu.clear()
        files = prefs.recent_files()
        for path in files:
            action = self.recent_menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.setStatusTip(path)
            action.triggered.connect(lambda _checked=False, p=path: self.open_path(p))
        if not files:
            self.recent_menu.addAction("No recent files").setEnabled(False)

    # --- drag and drop ----------------------------------------------------------------------------

    @staticmethod
    def _dropped_file(mime) -> str | None:
        for url in mime.urls() if mime.hasUrls() else []:
            if url.isLocalFile():
                local = url.toLocalFile()
                if is_midi_path(local) or local.lower().endswith(FILE_SUFFIX):
                    return local
        return None

    def dragEnterEvent(self, event: QDragEnterEvent):  # noqa: N802 - Qt's name
        if self._dropped_file(event.mimeData()) and event.source() is not self.drag_handle:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event):  # noqa: N802
        self.dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent):  # noqa: N802
        path = self._dropped_file(event.mimeData())
        if not path:
            event.ignore()
            return
        event.acceptProposedAction()
        # Open after the drop returns: a modal question inside a drop blocks the source app.
        QTimer.singleShot(0, lambda: self.import_path(path) if is_midi_path(path) else self.open_path(path))

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
