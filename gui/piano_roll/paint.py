"""Painting the note grid: cached background, notes batched by colour, overlays.

Speed matters (the goal is a full repaint of 5,000 notes in under 16 ms; ``bench/piano_roll_paint.py``
measures it), so:

* the background (pitch rows, bar/beat/grid lines, continuation tint) is drawn once into a
  QPixmap per view state and blitted on every other repaint;
* only notes in the visible range are touched: starts are sorted and, the melody being
  monophonic, at most one note that starts left of the view reaches into it, so two bisects
  find them all;
* note rectangles are built once per melody, zoom and selection (in content pixels, drawn
  through a translated painter, so scrolling reuses them) and kept sorted into one list per
  velocity-colour bucket: a repaint is one ``drawRects`` call per bucket, not one call per note.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence

from PySide6.QtCore import QLineF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPen, QPixmap

from segue.engine.melody import Melody, Note
from segue.engine.piece import replaced_notes
from segue.gui.piano_roll import style
from segue.gui.piano_roll.geometry import RollGeometry, row_of
from segue.gui.piano_roll.timeline import time_lines

# Note names are written on notes at least this wide and tall (pixels), at most this many.
LABEL_MIN_WIDTH = 26.0
LABEL_MIN_HEIGHT = 11.0
LABEL_MAX_COUNT = 300
LABEL_PADDING = 6.0  # pixels around a name inside a note
LIGHT_LABEL = style.HINT_TEXT  # names on ghost notes and beside short notes: light on dark
# Below this width in pixels per step, note borders would hide the colour: fills only.
BORDER_MIN_STEP_WIDTH = 2.5
# Laid over the notes a pending Accept would replace: the grid's colour, half see-through.
DIMMED = QColor(style.BACKGROUND.red(), style.BACKGROUND.green(), style.BACKGROUND.blue(), 150)


class GridBackground:
    """The grid behind the notes, cached as a pixmap until the view or meter changes."""

    def __init__(self):
        self._key = None
        self._pixmap: QPixmap | None = None

    def invalidate(self) -> None:
        self._key = None

    def pixmap(
        self,
        width: int,
        height: int,
        device_pixel_ratio: float,
        geometry: RollGeometry,
        steps_per_bar: int,
        steps_per_beat: int,
        grid: int,
        scale: frozenset[int] | None,
        marker: int | None,
        tonic: int | None = None,
    ) -> QPixmap:
        key = (
            geometry.pitches,
            tonic,
            width,
            height,
            device_pixel_ratio,
            geometry.step_width,
            geometry.key_height,
            geometry.scroll_x,
            geometry.scroll_y,
            steps_per_bar,
            steps_per_beat,
            grid,
            scale,
            marker,
        )
        if key != self._key or self._pixmap is None:
            pixmap = QPixmap(
                max(1, round(width * device_pixel_ratio)),
                max(1, round(height * device_pixel_ratio)),
            )
            pixmap.setDevicePixelRatio(device_pixel_ratio)
            pixmap.fill(style.BACKGROUND)
            painter = QPainter(pixmap)
            try:
                paint_background(
                    painter,
                    geometry,
                    width,
                    height,
                    steps_per_bar,
                    steps_per_beat,
                    grid,
                    scale,
                    marker,
                    tonic,
                )
            finally:
                painter.end()
            self._pixmap, self._key = pixmap, key
        return self._pixmap


def paint_background(
    painter: QPainter,
    geometry: RollGeometry,
    width: float,
    height: float,
    steps_per_bar: int,
    steps_per_beat: int,
    grid: int,
    scale: frozenset[int] | None,
    marker: int | None,
    tonic: int | None = None,
) -> None:
    """Pitch rows (piano colours, or the key's scale shaded with its tonic rows marked, as in
    Ableton 12 and Cubase), then time lines."""
    key_height = geometry.key_height
    row_lines, c_lines = [], []
    for pitch in geometry.visible_rows(height):
        y = geometry.y_of(pitch)
        painter.fillRect(QRectF(0, y, width, key_height), style.row_colour(pitch, scale, tonic))
        line = QLineF(0, y + key_height - 0.5, width, y + key_height - 0.5)
        (c_lines if pitch % 12 == 0 else row_lines).append(line)
    if key_height >= 6:
        painter.setPen(QPen(style.ROW_LINE, 1))
        painter.drawLines(row_lines)
    painter.setPen(QPen(style.ROW_C_LINE, 1))
    painter.drawLines(c_lines)

    lines = time_lines(geometry, width, steps_per_bar, steps_per_beat, grid)
    for steps, colour in (
        (lines.grid, style.SUB_BEAT_LINE),
        (lines.beats, style.BEAT_LINE),
        (lines.bars, style.BAR_LINE),
    ):
        if steps:
            painter.setPen(QPen(colour, 1))
            xs = [round(geometry.x_of(s)) + 0.5 for s in steps]
            painter.drawLines([QLineF(x, 0, x, height) for x in xs])

    if marker is not None:
        x = geometry.x_of(marker)
        if x < width:
            painter.fillRect(
                QRectF(max(0.0, x), 0, width - max(0.0, x), height), style.CONTINUATION_TINT
            )


def visible_range(starts: Sequence[int], first_step: float, last_step: float) -> range:
    """Indexes of the notes that may show in ``[first_step, last_step)``.

    ``starts`` is sorted; in a monophonic melody only the last note starting before
    ``first_step`` can reach into the view.
    """
    begin = max(0, bisect.bisect_right(starts, first_step) - 1)
    end = bisect.bisect_left(starts, last_step)
    return range(begin, end)


class BucketedShapes:
    """One shape per note in content pixels, plus each note's colour bucket.

    Bucket ``k`` < BUCKETS is an unselected note of velocity ``8k..8k+7``; selected notes add
    BUCKETS. ``full`` holds every shape sorted into its bucket, ready for a full-view repaint.
    """

    def __init__(self, shapes: list, keys: list[int]):
        self.shapes, self.keys = shapes, keys
        self.full: list[list] = [[] for _ in range(2 * style.BUCKETS)]
        for shape, key in zip(shapes, keys):
            self.full[key].append(shape)

    def lists_for(self, indexes: range) -> list[list]:
        """The shapes of the notes at ``indexes``, sorted into buckets."""
        if indexes.start <= 0 and indexes.stop >= len(self.shapes):
            return self.full
        lists: list[list] = [[] for _ in range(2 * style.BUCKETS)]
        shapes, keys = self.shapes, self.keys
        for i in indexes:
            lists[keys[i]].append(shapes[i])
        return lists


def bucket_keys(notes: Sequence[Note], selected_starts) -> list[int]:
    top = style.BUCKETS
    return [(top if n.start in selected_starts else 0) + (n.velocity >> 3) for n in notes]


class ShapeCache:
    """Per-note shapes kept between repaints and reused by note identity.

    ``make_shape(note, *parameters)`` draws one note's shape in content pixels. Notes are
    immutable, and a drag preview's melody shares almost all its Note objects with the melody it
    came from, so a rebuild makes shapes only for the notes that really changed. Changing the
    parameters (the zoom) starts afresh.
    """

    def __init__(self, make_shape):
        self._make_shape = make_shape
        self._parameters: tuple | None = None
        self._by_id: dict[int, tuple[Note, object]] = {}
        self._last: tuple = (None, None, None)  # notes, selected starts, result

    def get(self, notes: Sequence[Note], parameters: tuple, selected_starts) -> BucketedShapes:
        if parameters != self._parameters:
            self._parameters, self._by_id = parameters, {}
            self._last = (None, None, None)
        last_notes, last_selected, last_result = self._last
        if notes is last_notes and selected_starts is last_selected:
            return last_result
        by_id, make = self._by_id, self._make_shape
        if len(by_id) > 3 * len(notes) + 1000:
            by_id.clear()  # old previews: forget them
        shapes = []
        for note in notes:
            entry = by_id.get(id(note))
            if entry is None or entry[0] is not note:
                entry = by_id[id(note)] = (note, make(note, *parameters))
            shapes.append(entry[1])
        result = BucketedShapes(shapes, bucket_keys(notes, selected_starts))
        self._last = (notes, selected_starts, result)
        return result


def note_rect_shape(
    note: Note, step_width: float, key_height: float, pitches: tuple[int, ...] | None = None
) -> QRectF:
    return QRectF(
        note.start * step_width,
        row_of(note.pitch, pitches) * key_height,
        note.length * step_width,
        key_height,
    )


def paint_notes(
    painter: QPainter,
    geometry: RollGeometry,
    notes: Sequence[Note],
    starts: Sequence[int],
    width: float,
    height: float,
    selected_starts: set[int] | frozenset[int],
    cache: ShapeCache | None = None,
    key: str | None = None,
) -> int:
    """Paint the visible notes coloured by velocity; returns how many were painted.

    ``cache`` (a ShapeCache of :func:`note_rect_shape`) keeps the rectangles between repaints;
    names are spelled in ``key`` (the key the roll shows), as on the keyboard.
    """
    step_width, key_height = geometry.step_width, geometry.key_height
    cache = cache or ShapeCache(note_rect_shape)
    shapes = cache.get(notes, (step_width, key_height, geometry.pitches), selected_starts)
    first, last = geometry.visible_steps(width)
    indexes = visible_range(starts, first, last)
    lists = shapes.lists_for(indexes)

    borders = step_width >= BORDER_MIN_STEP_WIDTH and key_height >= 5
    pens = (
        QPen(style.NOTE_BORDER, 1) if borders else Qt.NoPen,
        QPen(style.SELECTED_BORDER, 1) if borders else Qt.NoPen,
    )
    colours = style.bucket_colours(False) + style.bucket_colours(True)
    painter.save()
    painter.translate(-geometry.scroll_x, -geometry.scroll_y)
    current_pen = None
    for bucket, rects in enumerate(lists):
        if rects:
            pen = pens[bucket >= style.BUCKETS]
            if pen is not current_pen:
                painter.setPen(pen)
                current_pen = pen
            painter.setBrush(QBrush(colours[bucket]))
            painter.drawRects(rects)
    if key_height >= LABEL_MIN_HEIGHT and len(indexes) <= LABEL_MAX_COUNT:
        paint_labels(painter, notes, shapes.shapes, indexes, key_height, key=key)
    painter.restore()
    return len(indexes)


def label_spots(
    notes, rects, indexes, text_width: Callable[[str], float], key: str | None = None
) -> list[tuple[QRectF, str, bool]]:
    """Where each note's name goes: ``(rect, name, inside)``.

    Inside the note when the name fits (as Ableton writes it); a note too short for its name
    (a sixteenth at a bar-wide zoom) has it written just after its end, as Reaper does, when
    its row is free that far; otherwise no name. ``rects`` are the notes' rectangles (any
    coordinates), ``text_width(name)`` the name's width in pixels; names are spelled in ``key``.
    """
    spots = []
    for i in indexes:
        rect, name = rects[i], style.note_name(notes[i].pitch, key)
        need = text_width(name) + LABEL_PADDING
        if rect.width() >= max(LABEL_MIN_WIDTH, need):
            spots.append((rect.adjusted(4, 0, -2, 0), name, True))
            continue
        beside = QRectF(rect.right() + 2, rect.top(), need, rect.height())
        blocked = False
        for j in range(i + 1, len(rects)):
            other = rects[j]
            if other.left() >= beside.right():
                break
            blocked = blocked or other.top() == rect.top()
        if not blocked:
            spots.append((beside, name, False))
    return spots


def paint_labels(
    painter: QPainter, notes, rects, indexes: range, key_height: float, ghost: bool = False,
    key: str | None = None,
) -> None:
    """Note names on the notes, or beside the short ones (see :func:`label_spots`)."""
    font = QFont(painter.font())
    font.setPixelSize(max(8, min(12, int(key_height) - 3)))
    painter.setFont(font)
    metrics = QFontMetricsF(font)
    for rect, name, inside in label_spots(notes, rects, indexes, metrics.horizontalAdvance, key):
        # Dark on a real note's colour; light on a ghost note or the dark grid beside a note.
        painter.setPen(style.NOTE_TEXT if inside and not ghost else LIGHT_LABEL)
        painter.drawText(rect, Qt.AlignVCenter | Qt.AlignLeft, name)


def paint_ghost_notes(
    painter: QPainter,
    geometry: RollGeometry,
    notes: Sequence[Note],
    starts: Sequence[int],
    width: float,
    height: float,
    key: str | None = None,
) -> int:
    """Paint a pending variation translucent with a dashed outline; returns the count painted."""
    first, last = geometry.visible_steps(width)
    shown = [notes[i] for i in visible_range(starts, first, last)]
    rects = [QRectF(*geometry.note_rect(note)) for note in shown]
    if rects:
        pen = QPen(style.GHOST_BORDER, 1, Qt.DashLine)
        painter.setPen(pen if geometry.step_width >= BORDER_MIN_STEP_WIDTH else Qt.NoPen)
        painter.setBrush(QBrush(style.GHOST_FILL))
        painter.drawRects(rects)
        if geometry.key_height >= LABEL_MIN_HEIGHT and len(rects) <= LABEL_MAX_COUNT:
            # Named like the seed's notes: a variation is judged by its pitches too.
            paint_labels(painter, shown, rects, range(len(rects)), geometry.key_height, True, key)
    return len(rects)


def notes_to_dim(
    melody: Melody, marker: int, fill_range: tuple[int, int] | None, pending: bool
) -> frozenset[Note]:
    """The notes drawn dimmed: those accepting the pending variation would replace (a fill's
    range, or everything after the marker; :func:`engine.piece.replaced_notes`), so the
    musician sees what goes before choosing. None while nothing is pending."""
    return frozenset(replaced_notes(melody, marker, fill_range)) if pending else frozenset()


def paint_vertical_line(
    painter: QPainter, x: float, height: float, colour, width: float = 1.0
) -> None:
    painter.setPen(QPen(colour, width))
    painter.drawLine(QLineF(x, 0, x, height))


def paint_band(painter: QPainter, band: tuple[float, float, float, float]) -> None:
    """The rubber band of a selection drag."""
    x0, y0, x1, y1 = band
    painter.setPen(QPen(style.BAND_BORDER, 1, Qt.DashLine))
    painter.setBrush(QBrush(style.BAND_FILL))
    painter.drawRect(QRectF(x0, y0, x1 - x0, y1 - y0))


def paint_note_tints(painter: QPainter, geometry: RollGeometry, notes: Sequence[Note],
                     starts: Sequence[int], width: float, colour_of) -> None:
    """A translucent colour over each visible note that ``colour_of(note)`` gives one (the
    surprise tint), one ``drawRects`` per colour."""
    first, last = geometry.visible_steps(width)
    by_colour: dict[int, tuple] = {}
    for i in visible_range(starts, first, last):
        colour = colour_of(notes[i])
        if colour is not None:
            x, y, w, h = geometry.note_rect(notes[i])
            rect = QRectF(x + 1, y + 1, max(1.0, w - 2), max(1.0, h - 2))
            by_colour.setdefault(colour.rgba(), (colour, []))[1].append(rect)
    painter.setPen(Qt.NoPen)
    for colour, rects in by_colour.values():
        painter.setBrush(QBrush(colour))
        painter.drawRects(rects)
