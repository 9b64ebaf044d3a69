"""Edit > Preferences: the settings that belong to the app rather than to a piece.

``show_preferences(window)`` opens :class:`PreferencesDialog` (one at a time, not modal). It is a
view over controls that live elsewhere, so a change here is the same change as from a menu and
takes effect at once, as in a DAW's preferences:

- the built-in instrument's SoundFont (any ``.sf2``/``.sf3`` the user owns, or the bank shipped
  with Segue), through :class:`gui.window.soundfont.SoundFontChooser`, which names a file it
  cannot use and keeps the bank in use;
- the built-in instrument's audio buffer size, as in a DAW's audio settings: larger buffers
  survive a busy machine without dropouts, smaller ones sound sooner (a size the device refuses
  is named and the instrument plays on as it was);
- the audio device the built-in instrument plays on (the system's default, or one PortAudio
  lists: :func:`engine.audio.devices.output_devices` asks a short-lived process, in the worker,
  so neither this process nor the window waits on PortAudio); the choice is remembered
  (``instrument/device``), and the instrument reopens on it at once;
- note preview (the View menu's "Preview Notes" action, remembered).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from segue.engine.audio import devices
from segue.engine.audio.instrument import BUFFER_SIZES, BUILT_IN_PORT, DEFAULT_RATE
from segue.engine.audio.soundfont import BUILT_IN_SOUNDFONT
from segue.engine.audio.system import AudioSystem
from segue.gui import settings as prefs
from segue.gui.worker import Worker

BUILT_IN_NAME = "Built-in General MIDI bank"
SYSTEM_DEFAULT_LABEL = "The system's default output"
LOOKING = "Looking for audio devices…"
_LOOKS: set[Worker] = set()  # device listings under way, kept until their threads end


def _look_ended(worker: Worker) -> None:
    _LOOKS.discard(worker)
    worker.deleteLater()


def chosen_audio_system() -> AudioSystem:
    """The built-in instrument's audio system on the device chosen in Preferences."""
    return AudioSystem(device=prefs.read(prefs.AUDIO_DEVICE) or None)


def use_audio_device(playback, setting: str, refresh=None) -> None:
    """Play the built-in instrument on ``setting`` ('' : the system's default): reopened there at
    once when it is the output (a fresh audio process), else ``refresh()`` looks again, since
    the instrument may sound on this device."""
    playback.audio.device = setting or None
    if playback.output_port == BUILT_IN_PORT:
        playback.open_output(BUILT_IN_PORT)
    elif refresh is not None:
        refresh()


def _wait_for_looks() -> None:
    for worker in list(_LOOKS):  # each ends within the listing's own timeout
        worker.wait(int(devices.LIST_TIMEOUT * 1000) + 2000)


def soundfont_label(path: str) -> str:
    return Path(path).name if path else BUILT_IN_NAME


def buffer_label(frames: int, rate: int = DEFAULT_RATE) -> str:
    if not frames:
        return "Automatic (the device's low latency)"
    return f"{frames} samples ({1000 * frames / rate:.1f} ms)"


class PreferencesDialog(QDialog):
    """See the module docstring. ``soundfont`` is the window's SoundFontChooser, ``preview`` the
    checkable Preview Notes action, ``playback`` the window's PlaybackBridge; ``refresh`` looks
    for outputs again (the transport's Refresh Ports), ``list_devices`` lists the audio outputs
    (worker thread)."""

    def __init__(self, soundfont, preview, playback, parent: QWidget | None = None, *,
                 refresh=None, list_devices=None):
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self._chooser, self._playback = soundfont, playback
        self._refresh = refresh
        self._list_devices = list_devices or (lambda: devices.output_devices())
        self._look: Worker | None = None

        self.soundfont_name = QLabel()
        self.soundfont_name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.choose_button = QPushButton("Choose…")
        self.choose_button.setToolTip("Play the built-in instrument (and audio export) with a General "
                                      "MIDI SoundFont you own: an .sf2 or .sf3 file.")
        self.choose_button.clicked.connect(lambda: soundfont.choose())
        self.built_in_button = QPushButton("Use Built-in")
        self.built_in_button.setToolTip("Go back to the bank shipped with Segue.")
        self.built_in_button.clicked.connect(lambda: soundfont.use(None))
        row = QHBoxLayout()
        row.addWidget(self.soundfont_name, 1)
        row.addWidget(self.choose_button)
        row.addWidget(self.built_in_button)
        self.buffer_combo = QComboBox()
        output = playback.player.output
        rate = output.rate if playback.output_port == BUILT_IN_PORT else DEFAULT_RATE
        for frames in (0, *BUFFER_SIZES):
            self.buffer_combo.addItem(buffer_label(frames, rate), frames)
        self.buffer_combo.setToolTip("Raise it if the built-in instrument crackles or drops out "
                                     "while Segue generates; lower it to hear notes sooner.")
        self._show_buffer(prefs.read(prefs.AUDIO_BUFFER))
        self.buffer_combo.activated.connect(self._buffer_chosen)
        instrument = QFormLayout()
        instrument.addRow("SoundFont", row)
        hint = QLabel("The built-in instrument and File > Export Audio play this SoundFont; the "
                      "General MIDI program is chosen in the transport bar.")
        hint.setWordWrap(True)
        instrument.addRow(hint)
        instrument.addRow("Audio buffer", self.buffer_combo)
        self.device_combo = QComboBox()
        self.device_combo.setToolTip("The sound card or audio server the built-in instrument "
                                     "plays on. Start or connect one, then Look Again.")
        self.device_combo.activated.connect(self._device_chosen)
        self.look_button = QPushButton("Look Again")
        self.look_button.setToolTip("List the audio devices again (one started or plugged in "
                                    "since shows up).")
        self.look_button.clicked.connect(self.look_for_devices)
        devices_row = QHBoxLayout()
        devices_row.addWidget(self.device_combo, 1)
        devices_row.addWidget(self.look_button)
        instrument.addRow("Audio device", devices_row)
        self.device_problem = QLabel()
        self.device_problem.setWordWrap(True)
        self.device_problem.hide()
        instrument.addRow(self.device_problem)
        instrument_box = QGroupBox("Built-in instrument")
        instrument_box.setLayout(instrument)

        self.preview = QCheckBox("Sound notes while editing (click, draw, move, transpose)")
        self.preview.setChecked(preview.isChecked())
        self.preview.toggled.connect(preview.setChecked)
        preview.toggled.connect(self.preview.setChecked)
        editing_box = QGroupBox("Editing")
        editing = QVBoxLayout(editing_box)
        editing.addWidget(self.preview)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(instrument_box)
        layout.addWidget(editing_box)
        layout.addWidget(buttons)

        soundfont.changed.connect(self.show_soundfont)
        self.show_soundfont(prefs.read(prefs.SOUNDFONT))
        self.look_for_devices()

    # --- the audio device -------------------------------------------------------------------

    def look_for_devices(self) -> None:
        """List the audio outputs in the worker; the list shows the chosen one meanwhile."""
        if self._look is not None:
            return
        self._show_devices(devices.DeviceList(), looking=True)
        worker = Worker()  # not this dialog's child: it may close first; kept until it ends
        self._look = worker
        _LOOKS.add(worker)
        app = QCoreApplication.instance()
        if app is not None and len(_LOOKS) == 1:
            app.aboutToQuit.connect(_wait_for_looks, Qt.ConnectionType.UniqueConnection)
        # Bound slots only: Qt drops them with the dialog if it closes before the listing ends.
        worker.finished.connect(self._show_devices)
        worker.errored.connect(self._show_problem)
        worker.done.connect(self._look_done)
        worker.done.connect(lambda w=worker: _look_ended(w))
        listing = self._list_devices
        worker.start(lambda: listing())

    def _show_problem(self, message: str) -> None:
        self._show_devices(devices.DeviceList(problem=message))

    def _look_done(self) -> None:
        self._look = None
        self.look_button.setEnabled(True)

    def _show_devices(self, found: devices.DeviceList, looking: bool = False) -> None:
        chosen = prefs.read(prefs.AUDIO_DEVICE)
        combo = self.device_combo
        combo.clear()
        combo.addItem(SYSTEM_DEFAULT_LABEL, devices.SYSTEM_DEFAULT)
        for device in found.devices:
            combo.addItem(device.label, device.setting)
        if chosen and combo.findData(chosen) < 0:  # kept: it may come back
            combo.addItem(f"{chosen} ({'looking…' if looking else 'not found now'})", chosen)
        combo.setCurrentIndex(max(0, combo.findData(chosen)))
        self.look_button.setEnabled(not looking)
        problem = LOOKING if looking else (
            f"No audio device could be listed: {found.problem}." if found.problem else "")
        self.device_problem.setText(problem)
        self.device_problem.setVisible(bool(problem))

    def _device_chosen(self, index: int) -> None:
        setting = self.device_combo.itemData(index)
        if setting is None or setting == prefs.read(prefs.AUDIO_DEVICE):
            return
        prefs.write(prefs.AUDIO_DEVICE, setting)
        use_audio_device(self._playback, setting, self._refresh)

    def _show_buffer(self, frames: int) -> None:
        index = self.buffer_combo.findData(frames)
        self.buffer_combo.setCurrentIndex(max(0, index))

    def _buffer_chosen(self, index: int) -> None:
        frames = self.buffer_combo.itemData(index)
        if self._playback.set_buffer_frames(frames):
            prefs.write(prefs.AUDIO_BUFFER, frames)
        else:  # the device refused it; the bridge has said why
            self._show_buffer(prefs.read(prefs.AUDIO_BUFFER))

    def show_soundfont(self, path: str) -> None:
        self.soundfont_name.setText(soundfont_label(path))
        self.soundfont_name.setToolTip(path or str(BUILT_IN_SOUNDFONT))
        self.built_in_button.setEnabled(bool(path))


def show_preferences(window) -> PreferencesDialog:
    """Open the window's Preferences, or raise the one already open."""
    dialog = getattr(window, "preferences_dialog", None)
    if dialog is None:
        dialog = PreferencesDialog(window.soundfont, window.live.preview_action, window.playback,
                                   window, refresh=window.transport.refresh_ports)
        window.preferences_dialog = dialog
    else:
        dialog.look_for_devices()  # one started since shows up
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog
