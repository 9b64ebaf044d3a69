"""The main window's furniture: the generation panel's dock, the status bar's fields, and the
notice that says why nothing can sound."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeySequence, QPalette
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolBar,
    QWidget,
)

from segue.gui.live.toolbar_widgets import SpaceStillPlays
from segue.gui.window.models import NO_MODEL_TEXT

STATUS_FIELD_MARGIN = 6  # pixels either side of a status bar field


def add_panel_dock(window: QMainWindow, panel: QWidget) -> QDockWidget:
    """The generation panel in a scrollable dock at the right; View > Generation Panel hides it."""
    scroll = QScrollArea()
    scroll.setWidget(panel)
    scroll.setWidgetResizable(True)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    # A click on the panel (a button, a label) must not pull the keyboard focus into the
    # scroll area: Qt gives a click's focus to the nearest ancestor that takes clicks.
    scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    scroll.setMinimumWidth(panel.sizeHint().width() + 24)
    dock = QDockWidget("Generate", window)
    dock.setObjectName("GenerateDock")
    dock.setWidget(scroll)
    # Closable, so View > Generation Panel can hide and show it (a disabled, always-checked
    # menu item is what a fixed dock offers).
    dock.setFeatures(
        QDockWidget.DockWidgetFeature.DockWidgetMovable
        | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        | QDockWidget.DockWidgetFeature.DockWidgetClosable
    )
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    toggle = dock.toggleViewAction()
    toggle.setText("&Generation Panel")
    toggle.setShortcut(QKeySequence("Ctrl+Shift+P"))
    toggle.setStatusTip("Show or hide the continuation controls.")
    return dock


class ToolbarRows(QObject):
    """Wraps the top toolbars onto more rows when the window is too narrow for one, as text
    wraps: no toolbar hides its last buttons (Panic) in an overflow menu at 1024 pixels."""

    MARGIN = 16  # pixels the main window's layout keeps beside a row of toolbars

    def __init__(self, window: QMainWindow, toolbars: list[QToolBar]):
        super().__init__(window)
        self.window, self.toolbars = window, toolbars
        window.installEventFilter(self)
        self.wrap()

    def add(self, toolbars: list[QToolBar]) -> None:
        self.toolbars += toolbars
        self.wrap()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self.wrap()
        return False

    def wrap(self) -> None:
        """A break before each toolbar that would run past the window's right edge."""
        window, room = self.window, self.window.width() - self.MARGIN
        used = 0
        for toolbar in self.toolbars:
            width = toolbar.sizeHint().width()
            wanted = used > 0 and used + width > room
            if wanted != window.toolBarBreak(toolbar):
                if wanted:
                    window.insertToolBarBreak(toolbar)
                else:
                    window.removeToolBarBreak(toolbar)
            used = width if wanted else used + width


def keep_space_for_play(panel: QWidget, owner: QObject) -> None:
    """Space plays from the panel's number boxes and lists too, as in a DAW."""
    space_filter = SpaceStillPlays(owner)
    for box in panel.findChildren(QAbstractSpinBox):
        box.installEventFilter(space_filter)
        box.findChild(QLineEdit).installEventFilter(space_filter)
    for combo in panel.findChildren(QComboBox):
        if not combo.isEditable():
            combo.installEventFilter(space_filter)


class StatusFields(QObject):
    """The status bar's permanent fields: "Model: folk | CPU | Call & response… | MIDI out: …"."""

    def __init__(self, window: QMainWindow):
        super().__init__(window)
        bar = window.statusBar()
        self.model_label = QLabel(NO_MODEL_TEXT)
        self.device_label = QLabel("")
        self.device_label.hide()  # until a model has loaded
        self.call_response_label = QLabel("")
        self.call_response_label.hide()
        self.midi_label = QLabel("MIDI out: off")
        for label, tip in (
            (self.model_label, "The model that writes continuations."),
            (self.device_label,
             "Where the model runs: the graphics card (GPU) or the processor (CPU)."),
            (self.call_response_label, "What call and response is doing."),
            (self.midi_label, "Where auditions and playback are sent."),
        ):
            label.setToolTip(tip)
            bar.addPermanentWidget(label)
        # A little air and a rule between the fields. (The style sheet's palette() colours draw
        # no border here, hence the colour's name.)
        rule = window.palette().color(QPalette.ColorRole.Mid).name()
        self.model_label.setStyleSheet(f"QLabel {{ padding: 0 {STATUS_FIELD_MARGIN}px; }}")
        for label in (self.device_label, self.call_response_label, self.midi_label):
            label.setStyleSheet(
                f"QLabel {{ border: none; border-left: 1px solid {rule}; "
                f"padding: 0 {STATUS_FIELD_MARGIN}px; }}"
            )

    def show_model(self, text: str, tooltip: str | None, device: str | None) -> None:
        """The model field; a None tooltip or device stays as it is, '' hides the device."""
        self.model_label.setText(text)
        if tooltip is not None:
            self.model_label.setToolTip(tooltip)
        if device is not None:
            self.device_label.setText(device)
            self.device_label.setVisible(bool(device))  # no empty field between two rules

    def show_output(self, text: str, tooltip: str) -> None:
        """Where auditions and playback go ('MIDI out: FluidSynth', 'MIDI: unavailable')."""
        self.midi_label.setText(text)
        self.midi_label.setToolTip(tooltip)

    def show_call_response(self, text: str) -> None:
        self.call_response_label.setText(text)
        self.call_response_label.setVisible(bool(text))


class NoSoundNotice(QToolBar):
    """A row under the toolbars saying, once, why nothing can sound and what to do, with
    "Audio Settings…" (Edit > Preferences) and "Dismiss". It goes when an output opens and does
    not come back in this run; the technical reason is its tooltip.

    ``NoSoundNotice.under_toolbars(window, live)`` adds it to ``window`` and shows what ``live``
    (:class:`gui.window.live.LiveController`) says on ``no_sound``.
    """

    def __init__(self, window: QMainWindow, open_settings):
        super().__init__("No sound", window)
        self.setObjectName("NoSoundNotice")
        self.setMovable(False)
        self.setFloatable(False)
        self.toggleViewAction().setVisible(False)  # not a toolbar to hide from the menus
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.settings_button = QPushButton("Audio Settings…")
        self.settings_button.clicked.connect(lambda: open_settings())
        self.dismiss_button = QPushButton("Dismiss")
        self.dismiss_button.clicked.connect(self.dismiss)
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(STATUS_FIELD_MARGIN, 2, STATUS_FIELD_MARGIN, 2)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.settings_button)
        layout.addWidget(self.dismiss_button)
        self.addWidget(row)
        window.addToolBarBreak(Qt.ToolBarArea.TopToolBarArea)
        window.addToolBar(Qt.ToolBarArea.TopToolBarArea, self)
        self._said = False  # said once in this run: never again
        self._wanted = False
        self.hide()
        # The window restores its toolbars' last visibility after it is built; this row shows
        # only what this run has to say, so it is set again once that is done.
        QTimer.singleShot(0, self, self._apply)

    @classmethod
    def under_toolbars(cls, window: QMainWindow, live) -> NoSoundNotice:
        from segue.gui.window.preferences import show_preferences  # noqa: PLC0415

        notice = cls(window, lambda: show_preferences(window))
        live.no_sound.connect(notice.show_reason)
        return notice

    def show_reason(self, text: str, details: str) -> None:
        """Say ``text`` (``details`` as the tooltip), once; '' takes it away (an output opened)."""
        if not text:
            self._wanted = False
        elif not self._said:
            self._said = self._wanted = True
            self.text.setText(text)
            self.text.setToolTip(details)
        self._apply()

    def dismiss(self) -> None:
        self._wanted = False
        self._apply()

    def _apply(self) -> None:
        self.setVisible(self._wanted)
