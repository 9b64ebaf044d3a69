"""Performance timing: swing and humanize move where notes are played, never the grid, and
playback, audio export, MIDI export and sessions all play and keep the same times."""

from __future__ import annotations

import io

import mido
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segue.engine import session as fmt
from segue.engine import transforms
from segue.engine.audio.rendering import melody_events
from segue.engine.live.timeline import NOTE_OFF, NOTE_ON, Timeline
from segue.engine.melody import Melody, Note
from segue.engine.midi_io.writing import EXPORT_TICKS_PER_BEAT, melody_to_midi_bytes
from segue.engine.performance import performed_events, performed_notes, swung_step
from segue.engine.piece import Piece

SIXTEENTHS = Melody([Note(60 + i % 3, i, 1) for i in range(8)], tempo=110.0)
MS_PER_STEP = 60_000 / 110 / 4  # one sixteenth at 110 BPM: 136.4 ms


def ons(melody, **kwargs):
    return [note.on for note in performed_notes(melody, **kwargs)]


# --- swing ------------------------------------------------------------------------------------


def test_swing_is_continuous_from_straight_to_dotted():
    straight = ons(SIXTEENTHS)
    assert straight == list(range(8))
    # 60 %: every sixteenth off-beat is played a fifth of a sixteenth late.
    sixty = ons(SIXTEENTHS.replace(swing=0.6, swing_unit=1))
    assert sixty == pytest.approx([0, 1.2, 2, 3.2, 4, 5.2, 6, 7.2])
    # 2/3: the off-beat falls on the triplet; 75 %: a dotted sixteenth and a thirty-second.
    assert ons(SIXTEENTHS.replace(swing=2 / 3, swing_unit=1))[1] == pytest.approx(4 / 3)
    dotted = performed_notes(SIXTEENTHS.replace(swing=0.75, swing_unit=1))
    assert [t for n in dotted[:2] for t in (n.on, n.off)] == pytest.approx([0, 1.5, 1.5, 2])
    # Swinging eighths leaves sixteenth on-beats of each eighth alone, moves the one between.
    eighths = SIXTEENTHS.replace(swing=0.75, swing_unit=2)
    assert ons(eighths)[:4] == pytest.approx([0, 1.5, 3, 3.5])
    # The notes themselves stay on the grid.
    assert [n.start for n in eighths.notes] == list(range(8))


def test_swung_step_maps_pairs_onto_themselves():
    for swing in (0.5, 0.6, 2 / 3, 0.75):
        for pair_start in (0, 4, 8):
            assert swung_step(pair_start, swing, 2) == pytest.approx(pair_start)
        assert swung_step(2, swing, 2) == pytest.approx(4 * swing)


def test_swing_and_its_unit_are_checked():
    for bad in (dict(swing=0.4), dict(swing=0.8), dict(swing=True),
                dict(swing=0.6, swing_unit=0), dict(swing=0.6, swing_unit=5)):
        with pytest.raises(ValueError, match="swing"):
            Melody(**bad)
    assert Melody(swing=0.5, swing_unit=2) == Melody()  # straight has no unit


# --- humanize ---------------------------------------------------------------------------------


def test_humanize_offsets_are_milliseconds_within_the_bound_and_keep_the_grid():
    result = transforms.humanize(SIXTEENTHS, None, timing=12, velocity=0, seed=5)
    again = transforms.humanize(SIXTEENTHS, None, timing=12, velocity=0, seed=5)
    assert result.melody == again.melody  # the same seed, the same offsets
    offsets = [note.offset_ms for note in result.melody.notes]
    assert all(abs(offset) <= 12 for offset in offsets) and len(set(offsets)) > 4
    # Grid steps and lengths unchanged: no note moves a step and no neighbour is shortened.
    assert [(n.start, n.length) for n in result.melody.notes] == [
        (n.start, n.length) for n in SIXTEENTHS.notes
    ]
    played = performed_notes(result.melody)
    for note, performed in zip(result.melody.notes, played):
        assert performed.on == pytest.approx(note.start + note.offset_ms / MS_PER_STEP)


def test_humanize_at_its_widest_still_plays_in_the_written_order():
    fast = Melody([Note(60, i, 1) for i in range(64)], steps_per_quarter=8, tempo=400.0)
    played = performed_notes(transforms.humanize(fast, None, timing=50, seed=2).melody)
    assert all(a.on < b.on and a.off <= b.on for a, b in zip(played, played[1:]))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.builds(Note, pitch=st.integers(40, 90), start=st.integers(0, 48),
                       length=st.integers(1, 6)), max_size=12),
    st.integers(0, 50), st.integers(0, 1000), st.sampled_from([0.5, 0.6, 2 / 3, 0.75]),
)
def test_any_performance_stays_one_voice_from_time_zero(notes, timing, seed, swing):
    melody = Melody(notes, swing=swing, swing_unit=2)
    humanized = transforms.humanize(melody, None, timing, 10, seed).melody
    assert [(n.start, n.length, n.pitch) for n in humanized] == [
        (n.start, n.length, n.pitch) for n in melody
    ]
    played = performed_notes(humanized)
    assert all(0 <= n.on <= n.off for n in played)
    assert all(a.off <= b.on and a.on < b.on for a, b in zip(played, played[1:]))


def test_removing_humanize_and_swing_plays_the_grid_again():
    humanized = transforms.humanize(SIXTEENTHS, None, timing=20, velocity=0, seed=1).melody
    swung = transforms.quantize(humanized, None, 1, strength=0.0, swing=0.7).melody
    assert ons(swung) != list(range(8))
    plain = transforms.remove_humanize_and_swing(swung).melody
    assert plain == SIXTEENTHS and ons(plain) == list(range(8))


def test_moving_a_note_keeps_its_offset():
    from segue.engine import edits

    note = Note(60, 4, 2, offset_ms=-7.5)
    moved = edits.move_notes(Melody([note]), [note], 2, 1).melody.notes[0]
    assert (moved.start, moved.pitch, moved.offset_ms) == (6, 61, -7.5)


def test_offsets_are_checked():
    for bad in (float("nan"), 1000.5, -2000, True, "5"):
        with pytest.raises(ValueError, match="timing offset"):
            Note(60, 0, 1, offset_ms=bad)


# --- every way the piece is played ------------------------------------------------------------

LATE = Melody([Note(60, 0, 2, offset_ms=20.0), Note(62, 2, 2, offset_ms=-10.0), Note(64, 4, 1)],
              tempo=125.0)  # 120 ms per sixteenth


def test_playback_plays_the_offsets_under_an_injected_clock():
    timeline = Timeline(LATE)
    timeline.start(0, 100.0)
    cues = []
    while (when := timeline.next_time()) is not None:
        cues += [(round(c.when - 100.0, 6), c.kind, c.pitch) for c in timeline.advance(when)
                 if c.kind in (NOTE_ON, NOTE_OFF)]
    assert cues == [
        (0.02, NOTE_ON, 60),
        (0.23, NOTE_OFF, 60),  # legato: released as the next note is played, 10 ms early
        (0.23, NOTE_ON, 62),
        (0.48, NOTE_OFF, 62),  # legato again: held to the next note, on the grid
        (0.48, NOTE_ON, 64),
        (0.6, NOTE_OFF, 64),
    ]


def test_audio_export_events_carry_the_offsets_and_the_swing():
    events = [(round(t, 6), m[0] & 0xF0, m[1]) for t, m in melody_events(LATE)[1:]]
    assert (0.02, 0x90, 60) in events and (0.23, 0x90, 62) in events
    swung = melody_events(SIXTEENTHS.replace(swing=0.6, swing_unit=1))
    second_on = [t for t, m in swung if m[0] & 0xF0 == 0x90][1]
    assert second_on == pytest.approx(1.2 * MS_PER_STEP / 1000)
    assert performed_events(LATE)[0][:3] == (pytest.approx(0.02), True, 60)


def midi_note_ons(data: bytes) -> list[tuple[int, int]]:
    track = mido.MidiFile(file=io.BytesIO(data)).tracks[1]
    now, found = 0, []
    for message in track:
        now += message.time
        if message.type == "note_on" and message.velocity:
            found.append((now, message.note))
    return found


def test_midi_export_writes_offsets_and_swing_in_ticks():
    assert EXPORT_TICKS_PER_BEAT == 480
    # 20 ms at 125 BPM (480 ms a beat) is 20 ticks; -10 ms is -10 ticks.
    assert midi_note_ons(melody_to_midi_bytes(LATE)) == [(20, 60), (230, 62), (480, 64)]
    swung = melody_to_midi_bytes(SIXTEENTHS.replace(swing=0.6, swing_unit=1))
    assert [tick for tick, _ in midi_note_ons(swung)][:4] == [0, 144, 240, 384]
    assert midi_note_ons(melody_to_midi_bytes(SIXTEENTHS))[1][0] == 120  # straight as before


def test_a_session_keeps_offsets_and_swing_and_old_files_read_straight():
    melody = LATE.replace(swing=0.62, swing_unit=2)
    session = fmt.Session(Piece.of(melody))
    text = fmt.dumps(session)
    assert fmt.loads(text).piece.melody == melody
    plain = fmt.session_to_dict(fmt.Session(Piece.of(SIXTEENTHS)))
    assert "swing" not in plain["melody"]
    assert all("offset_ms" not in note for note in plain["melody"]["notes"])
    data = fmt.session_to_dict(session)
    data["melody"]["notes"][0]["offset_ms"] = 5000
    with pytest.raises(fmt.SessionError, match="timing offset"):
        fmt.session_from_dict(data)
    data["melody"]["notes"][0]["offset_ms"] = 1.5
    data["melody"]["swing"] = 0.9
    with pytest.raises(fmt.SessionError, match="swing"):
        fmt.session_from_dict(data)


def test_a_variation_heard_in_the_piece_is_played_with_the_piece_swing():
    piece = Piece.of(SIXTEENTHS.replace(swing=0.6, swing_unit=1), marker=4)
    heard = piece.with_variations([Melody([Note(70, 5, 1, offset_ms=3.0)])]).heard()
    assert heard.swing == 0.6
    assert heard.notes[-1].offset_ms == 3.0  # the seed keeps its offsets when sliced too
