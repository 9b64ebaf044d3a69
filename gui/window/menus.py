"""The window's commands and menus: one QAction per command, then the menu bar built from them.

Kept apart from :mod:`gui.window.main_window` so the window's constructor reads as the wiring it
is. ``build_actions(window)`` fills ``window.actions`` (a key per command: the Edit menu's, the
controllers' and the generation actions, which the panel's buttons show too);
``build_menus(window)`` lays them out.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from segue.gui.window.learn_dialog import show_learn_dialog
from segue.gui.window.preferences import show_preferences
from segue.gui.window.shortcuts_dialog import show_shortcuts

ZOOM_STEP = 1.25  # View > Zoom In / Zoom Out


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


def add_command(window, key: str, text: str, slot, shortcut=None, tip: str = "", scope=None) -> QAction:
    """A menu action; ``scope`` limits its shortcut to that widget (and its children)."""
    action = QAction(text, window)
    if shortcut is not None:
        sequences = shortcut if isinstance(shortcut, list) else [shortcut]
        action.setShortcuts([QKeySequence(s) for s in sequences])
    if tip:
        action.setStatusTip(tip)
        action.setToolTip(tip)
    action.triggered.connect(lambda _checked=False: slot())
    add_action(window, key, action, scope)
    return action

def add_action(window, key: str, action: QAction, scope: QWidget | None = None) -> None:
    window.actions[key] = action
    if scope is None:
        window.addAction(action)  # shortcuts work even while the menu bar is hidden
    else:
        # Note editing keys (arrows, Delete, Ctrl+C) belong to the roll: in a spin box of
        # the panel they must keep their usual meaning.
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        scope.addAction(action)

def build_actions(window) -> None:
    """Every command of the window as one QAction in ``window.actions``, keyed by name."""
    keys = QKeySequence.StandardKey
    a, files = partial(add_command, window), window.files
    a("new", "&New", files.new_piece, keys.New, "Start an empty piece.")
    a("new_from_corpus", "New from &Corpus", files.new_from_corpus, "Ctrl+Shift+N",
      "Start from a random opening phrase of the model's style.")
    a("open", "&Open…", files.open_dialog, keys.Open, "Open a Segue session or a MIDI file.")
    a("save", "&Save", files.save, keys.Save, "Save the session.")
    a("save_as", "Save &As…", files.save_as, keys.SaveAs, "Save the session under a new name.")
    a("import", "&Import…", files.import_dialog, "Ctrl+I",
      "Replace the piece with a melody from a MIDI, ABC or MusicXML file (undoable).")
    a("import_clipboard", "Import ABC from C&lipboard", files.import_clipboard, "Ctrl+Shift+I",
      "Replace the piece with the ABC tune copied to the clipboard (undoable).")
    a("export", "&Export…", files.export_dialog, "Ctrl+E",
      "Write the piece, the seed or the current variation as MIDI, ABC or MusicXML.")
    add_action(window, "export_audio", window.audio_export.action)
    # Some platforms bind no key to Quit (Qt's table is empty there): Ctrl+Q everywhere.
    a("quit", "&Quit", window.close, QKeySequence.keyBindings(keys.Quit) or "Ctrl+Q")

    undo = window.document.undo_stack.createUndoAction(window, "&Undo")
    undo.setShortcuts(QKeySequence.StandardKey.Undo)
    redo = window.document.undo_stack.createRedoAction(window, "&Redo")
    redo.setShortcuts(redo_shortcuts())
    add_action(window, "undo", undo)
    add_action(window, "redo", redo)

    roll, editor = window.roll, window.roll.editor
    for key, text, slot, shortcut, tip in (
        ("cut", "Cu&t", editor.cut, keys.Cut, ""),
        ("copy", "&Copy", editor.copy, keys.Copy, ""),
        ("paste", "&Paste", editor.paste, keys.Paste, ""),
        ("duplicate", "D&uplicate", editor.duplicate, "Ctrl+D", ""),
        ("delete", "&Delete", editor.delete_selection,
         [QKeySequence(keys.Delete), QKeySequence("Backspace")], ""),
        ("select_all", "Select &All", editor.select_all, keys.SelectAll, ""),
        ("quantize", "&Quantize", editor.quantize_selection, "Ctrl+U",
         "Snap the selected notes to the grid."),
        # Plain arrows nudge the selection inside the roll; Ctrl+arrows transpose (the whole
        # melody when nothing is selected).
        ("transpose_up", "Transpose Up a Semitone", lambda: editor.transpose_selection(1),
         "Ctrl+Up", ""),
        ("transpose_down", "Transpose Down a Semitone", lambda: editor.transpose_selection(-1),
         "Ctrl+Down", ""),
        ("octave_up", "Transpose Up an Octave", lambda: editor.transpose_selection(12),
         "Ctrl+Shift+Up", ""),
        ("octave_down", "Transpose Down an Octave", lambda: editor.transpose_selection(-12),
         "Ctrl+Shift+Down", ""),
    ):
        a(key, text, slot, shortcut, tip, scope=roll)
    a("seed_from_selection", "Use Selection as &Seed", lambda: files.use_selection_as_seed(
        editor.selected_notes()), None, "The selected bars become the seed (Continue follows).")
    a("zoom_to_fit", "Zoom to &Fit", roll.zoom_to_fit, "Ctrl+0", "Show the whole piece.")
    a("zoom_in", "Zoom &In", lambda: roll.zoom_time(ZOOM_STEP), ["Ctrl+=", "Ctrl++"],
      "Zoom in on time (Ctrl+wheel over the roll does the same).")
    a("zoom_out", "Zoom &Out", lambda: roll.zoom_time(1 / ZOOM_STEP), "Ctrl+-",
      "Zoom out on time.")

    for key, action in (*window.continuation.actions.items(),
                        *window.chord_suggestion.actions.items()):
        add_action(window, key, action)
    window.actions["audition"].triggered.connect(lambda _checked=False: window.live.audition_variation())
    window.actions["fill"].triggered.connect(lambda _checked=False: window.continuation.fill_from(
        editor.selected_notes()))
    doc = window.document
    for number in range(1, 9):
        a(f"variation_{number}", f"Variation {number}",
          lambda n=number: doc.select_variation(n - 1) if len(doc.variations) >= n else None,
          f"Alt+{number}")
    a("open_model", "Open &Model…", window.model_control.open_model_dialog, None,
      "Load a model file (.safetensors).")
    a("learn_style", "&Learn a Style…", lambda: show_learn_dialog(window), None,
      "Teach a model the style of a folder of your MIDI, ABC or MusicXML files.")
    add_action(window, "return_to_start", window.live.rewind_action)
    a("preferences", "&Preferences…", lambda: show_preferences(window), "Ctrl+,",
      "The built-in instrument's SoundFont, note preview.")
    window.actions["preferences"].setMenuRole(QAction.MenuRole.PreferencesRole)
    add_action(window, "surprise_lane", window.surprise.lane_action)
    add_action(window, "surprise_tint", window.surprise.tint_action)

def build_menus(window) -> None:
    """The menu bar, from ``window.actions`` and the controllers' own actions."""
    def menu(title: str, *keys: str | None) -> QMenu:
        added = window.menuBar().addMenu(title)
        for key in keys:
            added.addSeparator() if key is None else added.addAction(window.actions[key])
        return added

    file_menu = menu("&File", "new", "new_from_corpus", "open")
    window.recent_menu = QMenu("Open &Recent", window)
    window.recent_menu.aboutToShow.connect(lambda: window.files.fill_recent_menu(window.recent_menu))
    file_menu.addMenu(window.recent_menu)
    for key in (None, "save", "save_as", None, "import", "import_clipboard", "export",
                "export_audio", None, "quit"):
        file_menu.addSeparator() if key is None else file_menu.addAction(window.actions[key])
    window.edit_menu = menu("&Edit", "undo", "redo", None, "cut", "copy", "paste", "duplicate", "delete",
         "select_all", "seed_from_selection", None, "quantize", "transpose_up",
         "transpose_down", "octave_up", "octave_down", None, "preferences")
    window.view_menu = menu("&View", "zoom_in", "zoom_out", "zoom_to_fit", None)
    window.view_menu.addAction(window.panel_dock.toggleViewAction())
    window.view_menu.addAction(window.live.preview_action)
    window.view_menu.addSeparator()
    window.view_menu.addAction(window.actions["surprise_lane"])
    window.view_menu.addAction(window.actions["surprise_tint"])
    menu("&Generate", "continue", "fill", "cancel", None, "previous_variation", "next_variation",
         "audition", "accept", "regenerate", "discard", None, "suggest_chords",
         "next_chord_alternative", "previous_chord_alternative", "accept_chords",
         "discard_chords", None, "open_model", "learn_style")
    t = window.transport
    window.transport_menu = window.menuBar().addMenu("&Transport")
    for action in (t.play_action, window.live.rewind_action, t.loop_action, None, t.record_action,
                   t.count_in_action, t.metronome_action, t.call_response_action, None,
                   t.refresh_action, t.panic_action, None, window.soundfont.choose_action,
                   window.soundfont.built_in_action):
        window.transport_menu.addSeparator() if action is None else window.transport_menu.addAction(action)
    help_menu = window.menuBar().addMenu("&Help")
    shortcuts = help_menu.addAction("&Keyboard Shortcuts", lambda: show_shortcuts(window))
    shortcuts.setShortcut(QKeySequence("Ctrl+/"))
    shortcuts.setStatusTip("Every key Segue answers, searchable.")
    window.actions["shortcuts"] = shortcuts
    help_menu.addAction("&About Segue", window.about)
