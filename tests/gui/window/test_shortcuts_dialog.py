"""Help > Keyboard Shortcuts: every key the window answers, read from its actions, searchable."""

from PySide6.QtWidgets import QApplication

from segue.gui.window.shortcuts_dialog import ROLL, WINDOW, command_name, show_shortcuts


def test_the_list_holds_the_windows_keys_and_the_rolls_own(main_window):
    window = main_window()
    dialog = show_shortcuts(window)
    rows = dialog.rows()
    assert ("Continue", "Ctrl+G", WINDOW) in rows
    assert ("Return to Start", "Home", WINDOW) in rows
    assert ("Play", "Space", WINDOW) in rows  # the transport's, not in window.actions
    assert ("Generation Panel", "Ctrl+Shift+P", WINDOW) in rows  # the dock's toggle
    assert any(keys == "hold Alt" and where == ROLL for _, keys, where in rows)
    assert any(keys.startswith("Shift+Left") and where == ROLL for _, keys, where in rows)
    assert all(keys for _, keys, _ in rows)  # actions without a key are not listed
    assert len({(name, keys) for name, keys, _ in rows}) == len(rows)
    dialog.close()


def test_typing_filters_on_command_and_keys(main_window):
    window = main_window()
    dialog = show_shortcuts(window)
    total = len(dialog.rows())
    dialog.filter_edit.setText("ctrl+g")
    shown = dialog.rows()
    assert ("Continue", "Ctrl+G", WINDOW) in shown
    assert 0 < len(shown) < total
    assert all("ctrl+g" in (name + keys).lower() for name, keys, _ in shown)
    dialog.filter_edit.setText("selected notes bar")  # every word, in any column
    assert [name for name, _, _ in dialog.rows()] == ["Move the selected notes a bar / an octave"]
    dialog.filter_edit.setText("")
    assert len(dialog.rows()) == total
    dialog.close()


def test_the_help_menu_opens_it(main_window):
    window = main_window()
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    item = next(a for a in help_menu.actions() if command_name(a) == "Keyboard Shortcuts")
    assert item is window.actions["shortcuts"]
    item.trigger()
    QApplication.processEvents()
    opened = [w for w in QApplication.topLevelWidgets()
              if w.isVisible() and w.windowTitle() == "Keyboard Shortcuts"]
    assert opened
    for dialog in opened:
        dialog.close()
