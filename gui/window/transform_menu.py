"""Melodic transforms in the menus, and the scale the roll shows.

:class:`TransformMenu` adds to a built main window:

* Edit > Transform (and the same actions in the roll's context menu): transpose by semitones or
  in key, octave up and down (the window's own actions), retrograde, invert, legato, double and
  half speed, quantize with strength and swing, humanize, remove humanize and swing, velocity
  ramp. Each runs an
  :mod:`engine.transforms` function on the selection, or the whole piece when nothing is
  selected, as ONE undo step; a small dialog asks the parameters where there are any
  (``ask``, replaced by tests), remembering the last ones. Swing (50-75 %, the piece's own, on
  the snap grid) and humanize (timing in milliseconds) are performance timing: the notes stay on
  the grid (:mod:`engine.performance`); the Swing field starts at the piece's swing.
* View > Fold to Scale and Snap to Scale, remembered in the settings.
* The key the roll shades: the key lock's key when one is chosen, else the seed's key (its key
  field or the detected one), kept current as the panel's settings and the piece change.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from segue.engine import keys, transforms
from segue.gui import settings as prefs
from segue.gui.piano_roll.transform_dialog import Field, ask_parameters

Ask = Callable[[str, list[Field]], "dict | None"]

# key, menu text, undo text (the first words name it in messages too)
TRANSFORMS = (
    ("transpose", "&Transpose…", "Transpose"),
    ("transpose_in_key", "Transpose in &Key…", "Transpose in Key"),
    ("retrograde", "&Retrograde", "Retrograde"),
    ("invert", "&Invert…", "Invert"),
    ("legato", "&Legato", "Legato"),
    ("double_speed", "&Double Speed", "Double Speed"),
    ("half_speed", "&Half Speed", "Half Speed"),
    ("quantize_groove", "&Quantize with Strength and Swing…", "Quantize"),
    ("humanize", "H&umanize…", "Humanize"),
    ("remove_timing", "Re&move Humanize and Swing", "Remove Humanize and Swing"),
    ("velocity_ramp", "&Velocity Ramp…", "Velocity Ramp"),
)
CONTEXT_EDIT_ACTIONS = ("cut", "copy", "paste", "duplicate", "delete", None, "select_all")


def shown_key(document) -> str | None:
    """The key the roll shows: the locked key, else the piece's own ("auto":
    :meth:`engine.piece.Piece.key_melody` says which notes it is read from)."""
    piece = document.piece
    return piece.resolved_key() or piece.resolved_key("auto")


class TransformMenu(QObject):
    """See the module docstring; ``window`` is a MainWindow with its menus built."""

    def __init__(self, window, ask: Ask | None = None):
        super().__init__(window)
        self.window = window
        self.editor = window.roll.editor
        self.ask: Ask = ask or (lambda title, fields: ask_parameters(window, title, fields))
        self._last: dict[str, dict] = {}  # the parameters each transform last ran with
        self.actions: dict[str, QAction] = {}
        for key, text, undo_text in TRANSFORMS:
            action = QAction(text, window)
            action.setStatusTip(f"{undo_text}: the selected notes, or all when none are selected.")
            action.triggered.connect(lambda _checked=False, k=key, t=undo_text: self.run(k, t))
            self.actions[key] = action
        self.actions["remove_timing"].setStatusTip(
            "Play the selected notes (or all) on the grid again, and the piece without swing.")
        self.menu = self._transform_menu("&Transform")
        window.edit_menu.addSeparator()
        window.edit_menu.addMenu(self.menu)

        self.fold_action = self._toggle("&Fold to Scale", "Show only the rows of the key's scale "
                                        "(and rows holding notes).", "fold")
        self.snap_action = self._toggle("&Snap to Scale", "Drawn and dragged notes land on the "
                                        "key's notes (Alt bypasses).", "snap")
        window.view_menu.addSeparator()
        window.view_menu.addAction(self.fold_action)
        window.view_menu.addAction(self.snap_action)
        self.context_menu: QMenu | None = None

        self.update_scale()
        self.editor.settings_changed.connect(self._show_options)
        self.editor.set_scale_options(
            fold=prefs.read(prefs.FOLD_TO_SCALE), snap=prefs.read(prefs.SNAP_TO_SCALE)
        )
        self.editor.context_menu_requested.connect(self.show_context_menu)
        window.document.key_lock_changed.connect(lambda _lock: self.update_scale())
        window.document.melody_changed.connect(self.update_scale)
        window.document.marker_changed.connect(lambda _marker: self.update_scale())

    # --- the scale ---------------------------------------------------------------------------

    def update_scale(self) -> None:
        self.editor.set_scale(shown_key(self.window.document))

    def _toggle(self, text: str, tip: str, option: str) -> QAction:
        action = QAction(text, self.window)
        action.setCheckable(True)
        action.setStatusTip(tip)
        action.toggled.connect(lambda on: self.editor.set_scale_options(**{option: on}))
        return action

    def _show_options(self) -> None:
        scale = self.editor.scale
        for action, on in ((self.fold_action, scale.fold), (self.snap_action, scale.snap)):
            action.blockSignals(True)
            action.setChecked(on)
            action.blockSignals(False)
        prefs.write(prefs.FOLD_TO_SCALE, scale.fold)
        prefs.write(prefs.SNAP_TO_SCALE, scale.snap)

    # --- menus -------------------------------------------------------------------------------

    def _transform_menu(self, title: str) -> QMenu:
        menu = QMenu(title, self.window)
        for key in ("transpose", "transpose_in_key"):
            menu.addAction(self.actions[key])
        for key in ("octave_up", "octave_down"):
            menu.addAction(self.window.actions[key])
        menu.addSeparator()
        for key in ("retrograde", "invert", "legato", "double_speed", "half_speed"):
            menu.addAction(self.actions[key])
        menu.addSeparator()
        for key in ("quantize_groove", "humanize", "remove_timing", "velocity_ramp"):
            menu.addAction(self.actions[key])
        return menu

    def build_context_menu(self) -> QMenu:
        """The roll's context menu: the transforms, then the note editing commands."""
        menu = QMenu(self.window)
        menu.addMenu(self._transform_menu("&Transform"))
        menu.addSeparator()
        for key in CONTEXT_EDIT_ACTIONS:
            menu.addSeparator() if key is None else menu.addAction(self.window.actions[key])
        return menu

    def show_context_menu(self, position) -> None:
        self.context_menu = self.build_context_menu()
        self.context_menu.popup(position)

    # --- running ---------------------------------------------------------------------------

    def run(self, key: str, text: str) -> bool:
        """Ask the parameters (if any) and apply the transform as one undo step."""
        fields = self._fields(key)
        values: dict = {}
        if fields:
            answer = self.ask(text, fields)
            if answer is None:
                return False
            values = {**{f.name: f.default for f in fields}, **answer}
            self._last[key] = values
        return self.editor.apply_transform(text, self._transform(key, values))

    def _notes(self):
        return self.editor.selected_notes() or list(self.editor.document.melody.notes)

    def _fields(self, key: str) -> list[Field]:
        last = self._last.get(key, {})

        def field(name, label, default, *args, **more) -> Field:
            return Field(name, label, last.get(name, default), *args, **more)

        if key == "transpose":
            return [field("semitones", "Semitones", 2, -48, 48)]
        if key == "transpose_in_key":
            return [field("steps", "Scale steps", 1, -14, 14, tip="Steps of the key's scale")]
        if key == "invert":
            notes = self._notes()
            axis = notes[0].pitch if notes else 60
            if self.editor.scale.key:
                axis = keys.nearest_scale_pitch(axis, self.editor.scale.key)
            return [field("axis", "Around", axis, kind="pitch",
                          tip="The pitch that stays; a key on the roll makes it diatonic")]
        if key == "quantize_groove":
            melody = self.editor.document.melody
            swing = Field("swing", "Swing", melody.swing, 50, 75, kind="percent",
                          tip="The whole piece, on the snap grid: every second grid point is "
                              "played later; 50 % straight, 66 % triplet, 75 % dotted. The "
                              "notes stay on the grid")
            return [field("strength", "Strength", 1.0, kind="percent"), swing]
        if key == "humanize":
            return [field("timing", "Timing (ms)", 10, 0, transforms.MAX_HUMANIZE_MS,
                          tip="Most milliseconds a note is played early or late; the notes "
                              "stay on the grid, 0 puts them back on it"),
                    field("velocity", "Velocity (±)", 12, 0, 64),
                    field("seed", "Seed", 1, 0, 99999, tip="The same seed, the same result")]
        if key == "velocity_ramp":
            return [field("first", "First velocity", 50, 1, 127),
                    field("last", "Last velocity", 110, 1, 127)]
        return []

    def _transform(self, key: str, values: dict):
        """``key``'s engine transform as a function of (melody, notes)."""
        scale_key = self.editor.scale.key
        grid = self.editor.grid()
        calls = {
            "transpose": lambda m, n: transforms.transpose(m, n, values["semitones"]),
            "transpose_in_key": lambda m, n: transforms.transpose_diatonic(
                m, n, values["steps"], scale_key
            ),
            "retrograde": transforms.retrograde,
            "invert": lambda m, n: transforms.invert(m, n, values["axis"], scale_key),
            "legato": transforms.legato,
            "double_speed": transforms.double_speed,
            "half_speed": transforms.half_speed,
            "quantize_groove": lambda m, n: transforms.quantize(
                m, n, grid, values["strength"], values["swing"]
            ),
            "humanize": lambda m, n: transforms.humanize(
                m, n, values["timing"], values["velocity"], values["seed"]
            ),
            "remove_timing": transforms.remove_humanize_and_swing,
            "velocity_ramp": lambda m, n: transforms.velocity_ramp(
                m, n, values["first"], values["last"]
            ),
        }
        return calls[key]
