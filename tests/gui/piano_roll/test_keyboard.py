"""The keyboard column's labels: spelled in the key the roll shows, readable on a black key."""

from PySide6.QtWidgets import QApplication

from segue.engine.melody import Melody, Note
from segue.gui.document import Document
from segue.gui.piano_roll import style
from segue.gui.piano_roll.keyboard import BLACK_KEY_FRACTION

F_SHARP_MAJOR = Melody([Note(p, 4 * i, 4) for i, p in enumerate((66, 68, 70, 71, 73, 75, 77, 78))])


def f_sharp_window(main_window):
    document = Document(F_SHARP_MAJOR, 32)
    window = main_window(document)
    window.document.set_key_lock("F# major")
    roll = window.roll
    roll.resize(1000, 640)
    key_px = 16
    roll.set_view(step_width=12, key_height=key_px, scroll_x=0, scroll_y=(127 - 80) * key_px)
    QApplication.processEvents()
    return window, roll


def test_labels_are_spelled_in_f_sharp_major(qtbot, main_window):
    window, roll = f_sharp_window(main_window)
    assert roll.editor.scale.key == "F# major"
    keyboard = roll.keyboard
    assert [keyboard.label(p) for p in (61, 63, 65, 66, 68, 56)] == [
        "C#4", "D#4", "E#4", "F#4", "G#4", "G#3"
    ]
    window.document.set_key_lock("Db major")
    QApplication.processEvents()
    assert [keyboard.label(p) for p in (61, 63, 66, 68)] == ["Db4", "Eb4", "Gb4", "Ab4"]
    window.document.set_key_lock("off")  # the piece's own key: its notes are in F# major
    QApplication.processEvents()
    assert keyboard.label(65) == "E#4"


def test_the_tonic_on_a_black_key_is_named_readably_inside_it(qtbot, main_window):
    _window, roll = f_sharp_window(main_window)
    keyboard = roll.keyboard
    rect, colour = keyboard.label_place(66)
    black_right = keyboard.width() * BLACK_KEY_FRACTION
    assert rect.right() <= black_right and colour == style.KEY_WHITE
    # Drawn: light text pixels inside the black key of the tonic's row (F#4).
    image = keyboard.grab().toImage()
    scale = image.width() / keyboard.width()
    y0 = roll.roll_geometry.y_of(66)
    light = 0
    for y in range(int(y0 + 2), int(y0 + roll.roll_geometry.key_height - 2)):
        for x in range(2, int(black_right - 1)):
            if image.pixelColor(int(x * scale), int(y * scale)).lightness() > 120:
                light += 1
    assert light > 5
    # White keys keep their dark names right of the black keys.
    rect, colour = keyboard.label_place(65)
    assert rect.right() > black_right and colour == style.KEY_LABEL
