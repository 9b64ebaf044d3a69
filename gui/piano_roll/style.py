"""Colours, sizes and note names shared by the piano roll's panes.

A dark, DAW-like palette: grey rows with darker black-key rows, faint sub-beat lines, clearer
beat lines and bright bar lines; notes coloured by velocity from a dim brown (soft) to a bright
orange (loud), selected notes in a blue ramp so the selection reads at any velocity.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtGui import QColor

from segue.engine.keys import spell

KEYBOARD_WIDTH = 64
RULER_HEIGHT = 26
LOOP_STRIP_HEIGHT = 11  # the ruler's upper strip, where a drag sets the loop region
VELOCITY_LANE_HEIGHT = 84

BLACK_KEY_CLASSES = frozenset({1, 3, 6, 8, 10})

BACKGROUND = QColor("#1e2024")
ROW_WHITE = QColor("#2c2f35")
ROW_BLACK = QColor("#24272c")
ROW_OUT_OF_KEY = QColor("#202226")  # rows outside the key shown, when there is one
ROW_TONIC = QColor("#35414f")  # the key's tonic rows: a blue tint, as Ableton marks the root
KEY_SCALE_MARK = QColor("#5b8fc7")  # the keyboard's strip beside the scale's keys
KEY_TONIC_MARK = QColor("#ff9d3c")
HINT_TEXT = QColor(220, 224, 232, 150)  # the empty roll's one-line hint
ROW_C_LINE = QColor("#3a3e46")  # the line under each C row: octave boundaries
ROW_LINE = QColor("#272a30")
SUB_BEAT_LINE = QColor("#33363d")
BEAT_LINE = QColor("#41454e")
BAR_LINE = QColor("#6b717e")
CONTINUATION_TINT = QColor(70, 140, 200, 22)  # over the area after the continue marker

NOTE_BORDER = QColor("#120d08")
SELECTED_BORDER = QColor("#f4f8ff")
GHOST_FILL = QColor(190, 200, 255, 70)
GHOST_BORDER = QColor(200, 210, 255, 170)
NOTE_TEXT = QColor(20, 14, 8, 220)

MARKER = QColor("#45d483")
PLAYHEAD = QColor("#f2f2f2")
INSERT_LINE = QColor(255, 255, 255, 70)
BAND_FILL = QColor(255, 255, 255, 28)
BAND_BORDER = QColor(255, 255, 255, 170)

KEY_WHITE = QColor("#e4e4e4")
KEY_BLACK = QColor("#16171a")
KEY_LINE = QColor("#9a9a9a")
KEY_PRESSED = QColor("#ff9d3c")
KEY_LABEL = QColor("#2a2a2a")

RULER_BACKGROUND = QColor("#25282d")
RULER_TEXT = QColor("#c9ccd3")
RULER_TICK = QColor("#5a5f6a")
LOOP_ON = QColor(74, 144, 217, 170)
LOOP_OFF = QColor(140, 146, 156, 80)

LANE_BACKGROUND = QColor("#1b1d21")
LANE_GUIDE = QColor("#2c2f35")
LANE_TEXT = QColor("#7d828d")


def note_name(pitch: int, key: str | None = None) -> str:
    """``60 -> 'C4'`` (scientific pitch notation: middle C is C4, as in Reaper and MIDI docs),
    spelled in ``key`` when one is shown (``65 -> 'E#4'`` in F# major; :func:`engine.keys.spell`)."""
    return spell(pitch, key)


def is_black_key(pitch: int) -> bool:
    return pitch % 12 in BLACK_KEY_CLASSES


def row_colour(pitch: int, scale: frozenset[int] | None, tonic: int | None) -> QColor:
    """A pitch row's colour: piano colours without a key, else the scale shaded, tonic marked."""
    if scale is None:
        return ROW_BLACK if is_black_key(pitch) else ROW_WHITE
    if tonic is not None and pitch % 12 == tonic:
        return ROW_TONIC
    return ROW_WHITE if pitch % 12 in scale else ROW_OUT_OF_KEY


@lru_cache(maxsize=2)
def velocity_colours(selected: bool) -> tuple[QColor, ...]:
    """128 fill colours indexed by velocity (index 0 unused but present)."""
    colours = []
    for velocity in range(128):
        t = velocity / 127
        if selected:
            colour = QColor.fromHsvF(0.57, 0.25 + 0.45 * t, 0.62 + 0.38 * t)
        else:
            colour = QColor.fromHsvF(0.075, 0.35 + 0.55 * t, 0.45 + 0.55 * t)
        colours.append(colour)
    return tuple(colours)


BUCKETS = 16  # velocities grouped 8 to a bucket, so a repaint batches notes by colour


@lru_cache(maxsize=2)
def bucket_colours(selected: bool) -> tuple[QColor, ...]:
    """One colour per velocity bucket: the colour of the bucket's middle velocity."""
    table = velocity_colours(selected)
    return tuple(table[min(127, b * 8 + 4)] for b in range(BUCKETS))
