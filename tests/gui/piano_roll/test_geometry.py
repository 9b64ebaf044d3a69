"""Steps and pitches <-> pixels, zoom around an anchor, fit."""

import pytest

from segue.engine.melody import Note
from segue.gui.piano_roll.geometry import MAX_STEP_WIDTH, MIN_KEY_HEIGHT, RollGeometry


def test_x_and_step_are_inverse_with_scroll():
    geometry = RollGeometry(step_width=20, key_height=10, scroll_x=35)
    assert geometry.x_of(4) == 45
    assert geometry.step_at(45) == 4
    assert geometry.step_at(0) == pytest.approx(1.75)


def test_pitch_rows_run_from_127_at_the_top():
    geometry = RollGeometry(step_width=20, key_height=10, scroll_y=0)
    assert geometry.pitch_at(0) == 127
    assert geometry.pitch_at(9.9) == 127
    assert geometry.pitch_at(10) == 126
    assert geometry.y_of(127) == 0
    assert geometry.y_of(60) == 670
    geometry.scroll_y = 600
    assert geometry.y_of(60) == 70
    assert geometry.pitch_at(75) == 60


def test_pitch_at_clamps_to_the_midi_range():
    geometry = RollGeometry(key_height=10)
    assert geometry.pitch_at(-50) == 127
    assert geometry.pitch_at(10_000) == 0


def test_note_rect():
    geometry = RollGeometry(step_width=12, key_height=8, scroll_x=24, scroll_y=400)
    assert geometry.note_rect(Note(72, 4, 3)) == (24, (127 - 72) * 8 - 400, 36, 8)


def test_visible_ranges():
    geometry = RollGeometry(step_width=10, key_height=10, scroll_x=100, scroll_y=500)
    assert geometry.visible_steps(200) == (10, 30)
    assert geometry.visible_pitches(100) == (68, 77)


def test_zoom_time_keeps_the_step_under_the_anchor():
    geometry = RollGeometry(step_width=10, scroll_x=50)
    before = geometry.step_at(300)
    geometry.zoom_time(2.0, 300)
    assert geometry.step_width == 20
    assert geometry.step_at(300) == pytest.approx(before)


def test_zoom_pitch_keeps_the_row_under_the_anchor_and_clamps():
    geometry = RollGeometry(key_height=10, scroll_y=500)
    pitch = geometry.pitch_at(205)
    geometry.zoom_pitch(1.5, 205)
    assert geometry.key_height == 15
    assert geometry.pitch_at(205) == pitch
    geometry.zoom_pitch(0.001, 0)
    assert geometry.key_height == MIN_KEY_HEIGHT


def test_zoom_clamps_step_width():
    geometry = RollGeometry(step_width=300)
    geometry.zoom_time(100, 0)
    assert geometry.step_width == MAX_STEP_WIDTH


def test_fit_fills_the_view_with_the_range():
    geometry = RollGeometry()
    geometry.fit(16, 80, 60, 71, width=640, height=240)
    assert geometry.step_width == 10
    assert geometry.x_of(16) == 0
    assert geometry.x_of(80) == 640
    assert geometry.key_height == 20
    assert geometry.pitch_at(1) == 71
    assert geometry.pitch_at(239) == 60


def test_fit_rejects_empty_ranges():
    geometry = RollGeometry()
    with pytest.raises(ValueError, match="cannot fit"):
        geometry.fit(8, 8, 60, 70, 100, 100)
    with pytest.raises(ValueError, match="view"):
        geometry.fit(0, 8, 60, 70, 0, 100)
