"""The piano roll's view: zoom, scrolling, following the playhead, revealing new material.

:class:`RollView` belongs to :class:`gui.piano_roll.roll.PianoRoll`; it moves the shared
:class:`~gui.piano_roll.geometry.RollGeometry` and keeps the scroll bars in step. A fitted view
(zoom to fit) stays fitted through resizes until the user zooms or scrolls; new ghost notes that
land off screen are brought into view. Folding to the scale (the editor's scale) keeps the pitch
in the middle of the view where it was. Its size is the note grid's (``viewport``).
"""

from __future__ import annotations

import math

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QScrollBar, QWidget

from segue.engine import limits
from segue.gui.document import Document
from segue.gui.piano_roll.editor import RollEditor
from segue.gui.piano_roll.geometry import RollGeometry, clamp_key_height, clamp_step_width

WHEEL_ZOOM_BASE = 1.2  # zoom factor per wheel notch
WHEEL_SCROLL_ROWS = 3  # semitone rows per wheel notch
WHEEL_SCROLL_PX = 80  # pixels per wheel notch, horizontally
EXTRA_BARS = 4  # empty bars to scroll into after the music
MIN_BARS = 16
FOLLOW_LEAD = 0.05  # when following, the playhead lands this far into the view
FOLLOW_EDGE = 0.92  # and the view pages when it passes this far
REVEAL_FILL = 0.95  # a revealed span zoomed out to fit takes this much of the width
REVEAL_MARGIN_ROWS = 2  # semitone rows kept free above and below revealed pitches
REVEAL_SEED_BARS = 2  # a revealed continuation keeps at least this many of the seed's last bars
QT_INT_MAX = 2**31 - 1  # a scroll bar's range is a C int: past it Qt crashes, so it is clamped


class RollView(QObject):
    """Zoom, scroll, follow and reveal for the piano roll (see the module docstring).

    ``viewport`` (the note grid) is set by the roll once the panes, which receive this view,
    are built.
    """

    changed = Signal()  # zoom or scroll changed: every pane repaints
    playhead_moved = Signal()  # only the panes that draw the playhead repaint

    def __init__(
        self,
        document: Document,
        editor: RollEditor,
        geometry: RollGeometry,
        hbar: QScrollBar,
        vbar: QScrollBar,
        parent=None,
    ):
        super().__init__(parent)
        self.document = document
        self.editor = editor
        self.geometry = geometry
        self.hbar = hbar
        self.vbar = vbar
        self.viewport: QWidget | None = None
        self.playhead: float | None = None
        self.follow = True  # page along with the playhead during playback
        self._steps_per_quarter = document.melody.steps_per_quarter
        self._framed = False
        self._fit_pending = False
        self._fit_sticks = False  # refit on resize until the user zooms or scrolls
        hbar.valueChanged.connect(self._horizontal_scrolled)
        vbar.valueChanged.connect(self._vertical_scrolled)
        document.melody_changed.connect(self._melody_changed)
        document.marker_changed.connect(self._marker_changed)
        document.variations_changed.connect(self._variations_changed)
        editor.settings_changed.connect(self._apply_fold)

    def wheel(self, event, time_axis: bool, pitch_axis: bool) -> None:
        """Wheel: scroll pitch; Shift: scroll time; Ctrl: zoom time; Ctrl+Shift: zoom pitch.

        ``time_axis`` / ``pitch_axis``: whether the pane under the wheel runs along time / pitch;
        zooming keeps the point under the pointer in place along those, else the middle.
        """
        angle = event.angleDelta()
        notches = (angle.y() or angle.x()) / 120.0
        if not notches:
            event.ignore()
            return
        modifiers = event.modifiers()
        ctrl = bool(modifiers & Qt.ControlModifier)
        shift = bool(modifiers & Qt.ShiftModifier)
        position = event.position()
        geometry = self.geometry
        self._fit_sticks = False
        if ctrl and shift:
            y = position.y() if pitch_axis else self.viewport.height() / 2
            geometry.zoom_pitch(WHEEL_ZOOM_BASE**notches, y)
        elif ctrl:
            x = position.x() if time_axis else self.viewport.width() / 2
            geometry.zoom_time(WHEEL_ZOOM_BASE**notches, x)
            self.viewport.invalidate_background()
        elif shift or (angle.y() == 0 and angle.x() != 0):
            geometry.scroll_x -= notches * WHEEL_SCROLL_PX
        else:
            geometry.scroll_y -= notches * WHEEL_SCROLL_ROWS * geometry.key_height
        self._sync_scrollbars()
        event.accept()

    def set_view(
        self,
        *,
        step_width: float | None = None,
        key_height: float | None = None,
        scroll_x: float | None = None,
        scroll_y: float | None = None,
    ) -> None:
        """Set zoom (pixels per step / per semitone) and scroll directly, e.g. to restore a view."""
        geometry = self.geometry
        self._fit_sticks = False
        if step_width is not None:
            geometry.step_width = clamp_step_width(step_width)
        if key_height is not None:
            geometry.key_height = clamp_key_height(key_height)
        if scroll_x is not None:
            geometry.scroll_x = float(scroll_x)
        if scroll_y is not None:
            geometry.scroll_y = float(scroll_y)
        self._framed = True
        self._sync_scrollbars()

    def zoom_time(self, factor: float) -> None:
        """Zoom time around the middle of the view (for menu actions: Ctrl+= / Ctrl+-)."""
        self._fit_sticks = False
        self.geometry.zoom_time(factor, self.viewport.width() / 2)
        self._sync_scrollbars()

    def zoom_to_fit(self) -> None:
        """Show the whole melody and pending variation, bar-aligned, filling the view.

        The view stays fitted through window resizes until the user zooms or scrolls.
        """
        width, height = self.viewport.width(), self.viewport.height()
        if not self.viewport.isVisible() or width < 40 or height < 40:
            self._fit_pending = True  # not laid out yet: fit on the first resize
            return
        self._fit_pending = False
        melody = self.document.melody
        bar = melody.steps_per_bar
        notes = list(melody.notes)
        ghost = self.editor.ghost_melody()
        if ghost is not None:
            notes += ghost.notes
        if notes:
            first = melody.bar_start(min(n.start for n in notes))
            last = max(max(n.end for n in notes), first + 1)
            last = melody.bar_end(last)
            low = min(n.pitch for n in notes)
            high = max(n.pitch for n in notes)
        else:
            first, last, low, high = 0, 4 * bar, 60, 72
        first, last = (min(step, limits.MAX_STEPS) for step in (first, last))  # see _content_steps
        last = max(last, first + bar)
        last += max(1, bar // 8)  # a little room after the last bar line, so it shows
        middle = (low + high) / 2
        half = max(10, (high - low) / 2 + 3)
        low, high = max(0, math.floor(middle - half)), min(127, math.ceil(middle + half))
        self.geometry.fit(first, last, low, high, width, height)
        self._fit_sticks = True
        self._sync_scrollbars()

    def set_playhead(self, step: float | None) -> None:
        """Show the playback position (None hides it); pages the view along when following."""
        self.playhead = None if step is None else float(step)
        if self.playhead is not None and self.follow and self.editor.gesture is None:
            geometry = self.geometry
            width = self.viewport.width()
            x = geometry.x_of(self.playhead)
            if x < 0 or x > width * FOLLOW_EDGE:
                self._fit_sticks = False
                geometry.scroll_x = max(
                    0.0, self.playhead * geometry.step_width - width * FOLLOW_LEAD
                )
                self._sync_scrollbars()
                return
        self.playhead_moved.emit()

    def viewport_resized(self) -> None:
        if not self._framed and self.viewport.height() > 40:
            self._framed = True
            self._frame_melody()
        if self._fit_pending or self._fit_sticks:
            self.zoom_to_fit()  # a fitted view stays fitted while the window settles or resizes
        self._sync_scrollbars()

    def _frame_melody(self) -> None:
        """First showing: centre the melody's pitches (or middle C's octave) vertically."""
        low, high = self.document.melody.pitch_range() or (60, 72)
        self.geometry.centre_rows_on(low, high, self.viewport.height())

    def _apply_fold(self) -> None:
        """Show the rows the editor's scale asks for (all, or folded to the scale), keeping the
        pitch in the middle of the view in the middle."""
        pitches = self.editor.folded_pitches()
        geometry = self.geometry
        if pitches == geometry.pitches or self.viewport is None:
            return
        height = self.viewport.height()
        middle = geometry.pitch_at(height / 2)
        geometry.set_rows(pitches)
        geometry.centre_rows_on(middle, middle, height)
        self._sync_scrollbars()

    def _content_steps(self) -> int:
        """Steps the horizontal scroll bar covers: the music plus a few empty bars."""
        melody = self.document.melody
        bar = melody.steps_per_bar
        ends = [melody.end, self.document.marker, self.editor.insert_step or 0]
        ghost = self.editor.ghost_melody()
        if ghost is not None:
            ends.append(ghost.end)
        if self.playhead is not None:
            ends.append(math.ceil(self.playhead))
        # Nothing a piece may hold lies past the longest piece (engine.limits), so the roll
        # scrolls no further: a melody made some other way that runs on is shown up to there,
        # and the scroll range stays within Qt's int.
        end = min(melody.bar_end(min(max(ends), limits.MAX_STEPS)) + EXTRA_BARS * bar,
                  limits.MAX_STEPS)
        return max(end, MIN_BARS * bar)

    def _sync_scrollbars(self) -> None:
        """Clamp the scroll offsets and set the scroll bars to match, then repaint."""
        geometry = self.geometry
        width, height = self.viewport.width(), self.viewport.height()
        max_x = min(QT_INT_MAX, max(0, math.ceil(self._content_steps() * geometry.step_width - width)))
        max_y = min(QT_INT_MAX, max(0, math.ceil(geometry.content_height - height)))
        geometry.scroll_x = float(min(max(0, round(geometry.scroll_x)), max_x))
        geometry.scroll_y = float(min(max(0, round(geometry.scroll_y)), max_y))
        for bar, maximum, page, step, value in (
            (
                self.hbar,
                max_x,
                width,
                max(1, round(geometry.step_width * self.editor.grid())),
                geometry.scroll_x,
            ),
            (self.vbar, max_y, height, max(1, round(geometry.key_height)), geometry.scroll_y),
        ):
            bar.blockSignals(True)
            bar.setRange(0, maximum)
            bar.setPageStep(max(1, page))
            bar.setSingleStep(step)
            bar.setValue(round(value))
            bar.blockSignals(False)
        self.changed.emit()

    def _horizontal_scrolled(self, value: int) -> None:
        self._fit_sticks = False
        self.geometry.scroll_x = float(value)
        self.changed.emit()

    def _vertical_scrolled(self, value: int) -> None:
        self._fit_sticks = False
        self.geometry.scroll_y = float(value)
        self.changed.emit()

    def _melody_changed(self) -> None:
        melody = self.document.melody
        if melody.steps_per_quarter != self._steps_per_quarter:
            # Keep the visual zoom (pixels per quarter) when the grid changes.
            self.geometry.step_width *= self._steps_per_quarter / melody.steps_per_quarter
            self._steps_per_quarter = melody.steps_per_quarter
        self._apply_fold()
        self._sync_scrollbars()

    def _marker_changed(self, _marker: int) -> None:
        self._sync_scrollbars()

    def _variations_changed(self) -> None:
        self._apply_fold()
        self._sync_scrollbars()
        self.reveal_variation()

    def reveal_variation(self) -> None:
        """Bring the pending variation into view with the seed's last bars leading into it.

        Called whenever the variations change: new ghost notes that land off screen (a Continue
        of several bars, a fitted view of the seed alone) would look like nothing happened, and
        a continuation is heard against the bars it continues. The view only moves when some of
        the variation is hidden; it then shows as much of the seed as fits; a fitted view refits.
        """
        ghost = self.editor.ghost_melody()
        if ghost is None or not ghost.notes or self._shows(ghost.start, ghost.end,
                                                           *ghost.pitch_range()):
            return
        bar = ghost.steps_per_bar
        lead = max(0, ghost.bar_start(ghost.start) - REVEAL_SEED_BARS * bar)
        leading = [n for n in self.document.melody.notes if n.end > lead and n.start < ghost.start]
        # The seed's last bars where it has notes there; else the one bar before, leading in.
        lead = max(lead, ghost.bar_start(leading[0].start)) if leading else max(
            0, ghost.bar_start(ghost.start) - bar)
        pitches = [n.pitch for n in leading + list(ghost.notes)]
        low, high = min(pitches), max(pitches)
        if self._fit_sticks:
            self.zoom_to_fit()
            return
        self.reveal(lead, ghost.end, low, high, keep_from=self._seed_start())

    def _seed_start(self) -> int:
        """The bar where the melody starts (0 when empty)."""
        melody = self.document.melody
        return melody.bar_start(melody.start)

    def _shows(self, first_step: int, last_step: int, low_pitch: int, high_pitch: int) -> bool:
        """Whether the view shows all of those steps and pitches."""
        geometry = self.geometry
        view_first, view_last = geometry.visible_steps(self.viewport.width())
        view_low, view_high = geometry.visible_pitches(self.viewport.height())
        return (
            view_first <= first_step
            and last_step <= view_last
            and view_low <= low_pitch
            and high_pitch <= view_high
        )

    def reveal(
        self,
        first_step: int,
        last_step: int,
        low_pitch: int,
        high_pitch: int,
        keep_from: int | None = None,
    ) -> None:
        """Scroll so steps ``[first_step, last_step)`` and the pitches show, zooming out only
        when they cannot fit at the current zoom; nothing moves when they already show.

        ``keep_from`` (at most ``first_step``): show as much from there as fits as well, the
        span's end kept in view (the seed before a continuation)."""
        width, height = self.viewport.width(), self.viewport.height()
        if not self.viewport.isVisible() or width < 40 or height < 40 or last_step <= first_step:
            return
        geometry = self.geometry
        moved = False
        view_first, view_last = geometry.visible_steps(width)
        if first_step < view_first or last_step > view_last:
            usable = width * REVEAL_FILL
            if (last_step - first_step) * geometry.step_width > usable:
                geometry.step_width = clamp_step_width(usable / (last_step - first_step))
            geometry.scroll_x = first_step * geometry.step_width
            if keep_from is not None and keep_from < first_step:
                earliest = last_step * geometry.step_width - usable
                geometry.scroll_x = max(keep_from * geometry.step_width, min(
                    geometry.scroll_x, earliest))
            moved = True
        view_low, view_high = geometry.visible_pitches(height)
        if low_pitch < view_low or high_pitch > view_high:
            rows = geometry.row_of(low_pitch) - geometry.row_of(high_pitch) + 1
            rows += 2 * REVEAL_MARGIN_ROWS
            if rows * geometry.key_height > height:
                geometry.key_height = clamp_key_height(height / rows)
            geometry.centre_rows_on(low_pitch, high_pitch, height)
            moved = True
        if moved:
            self._sync_scrollbars()
