"""MIDI import and export: real files built here byte by byte (or with mido), read back."""

from __future__ import annotations

import errno
import os
import stat
import struct
from pathlib import Path

import mido
import pretty_midi
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segue.engine import midi_io
from segue.engine.melody import Melody, Note
from segue.engine.midi_io import MidiExportError, MidiImportError

FIXTURES = Path(__file__).resolve().parent.parent / "data" / "midi"
EOT = "00 FF 2F 00"


def smf(*tracks: str | bytes, fmt: int = 1, division: int = 480, declared: int | None = None) -> bytes:
    """A Standard MIDI File from track bodies written as hex event strings (or raw bytes)."""
    count = len(tracks) if declared is None else declared
    out = b"MThd" + struct.pack(">LHHH", 6, fmt, count, division)
    for body in tracks:
        data = bytes.fromhex(body) if isinstance(body, str) else body
        out += b"MTrk" + struct.pack(">L", len(data)) + data
    return out


def var(value: int) -> str:
    """A variable-length quantity as hex."""
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.insert(0, 0x80 | (value & 0x7F))
        value >>= 7
    return bytes(out).hex(" ")


def notes_track(notes, channel=0, division=480, name=None) -> str:
    """Hex events for (pitch, start beat, length beats) notes, note-offs as note-offs."""
    events = []
    for pitch, start, length in notes:
        events.append((round(start * division), 1, f"{0x90 | channel:02X} {pitch:02X} 64"))
        events.append((round((start + length) * division), 0, f"{0x80 | channel:02X} {pitch:02X} 40"))
    events.sort(key=lambda e: (e[0], e[1]))
    text, now = [], 0
    if name is not None:
        raw = name.encode("utf-8") if isinstance(name, str) else name
        text.append(f"00 FF 03 {var(len(raw))} {raw.hex(' ')}")
    for tick, _, body in events:
        text.append(f"{var(tick - now)} {body}")
        now = tick
    return " ".join(text + [EOT])


def write(tmp_path, data: bytes, name="song.mid") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def pitches_starts_lengths(melody):
    return [(n.pitch, n.start, n.length) for n in melody.notes]


SCALE = [(60, 0, 1), (62, 1, 1), (64, 2, 0.5), (65, 2.5, 0.5), (67, 3, 1)]
SCALE_STEPS = [(60, 0, 4), (62, 4, 4), (64, 8, 2), (65, 10, 2), (67, 12, 4)]


# --- formats, time division, timing ------------------------------------------------------------


def test_format_0_single_track(tmp_path):
    path = write(tmp_path, smf(notes_track(SCALE), fmt=0))
    assert pitches_starts_lengths(midi_io.read_midi(path)) == SCALE_STEPS


def test_format_1_with_conductor_track(tmp_path):
    conductor = "00 FF 58 04 03 02 18 08 00 FF 51 03 07 A1 20 " + EOT  # 3/4, 120 BPM
    path = write(tmp_path, smf(conductor, notes_track(SCALE, name="Tune")))
    melody = midi_io.read_midi(path)
    assert pitches_starts_lengths(melody) == SCALE_STEPS
    assert melody.time_signature == (3, 4)
    assert melody.tempo == 120.0
    assert melody.key is None


def test_format_2_reads_the_first_sequence_with_a_warning(tmp_path):
    other = notes_track([(40, 0, 1)] * 1)
    path = write(tmp_path, smf(EOT, notes_track(SCALE), other, fmt=2))
    result = midi_io.import_midi(path)
    assert pitches_starts_lengths(result.melody) == SCALE_STEPS
    assert any("format-2" in w for w in result.report.warnings)
    assert [t.pitch_range for t in midi_io.list_tracks(path)] == [(60, 67)]


@pytest.mark.parametrize("division", [96, 120, 384, 480, 960, 1024])
def test_any_ticks_per_beat_gives_the_same_melody(tmp_path, division):
    path = write(tmp_path, smf(notes_track(SCALE, division=division), division=division))
    assert pitches_starts_lengths(midi_io.read_midi(path)) == SCALE_STEPS


def test_smpte_time_division_goes_through_the_tempo_map(tmp_path):
    # 25 fps x 40 ticks = 1000 ticks a second. 120 BPM for 2 s (4 beats), then 60 BPM.
    conductor = f"00 FF 51 03 07 A1 20 {var(2000)} FF 51 03 0F 42 40 " + EOT
    events = (
        "00 90 3C 64 "  # beat 0
        f"{var(500)} 80 3C 40 "  # 0.5 s = 1 beat
        f"{var(1500)} 90 3E 64 "  # 2 s = beat 4
        f"{var(1000)} 80 3E 40 "  # 3 s = beat 5 (one beat at 60 BPM)
        + EOT
    )
    path = write(tmp_path, smf(conductor, events, division=0xE728))
    melody = midi_io.read_midi(path)
    assert pitches_starts_lengths(melody) == [(60, 0, 4), (62, 16, 4)]
    assert melody.tempo == 120.0


def test_smpte_fixture_reads_at_its_tempo():
    melody = midi_io.read_midi(FIXTURES / "smpte_timed.mid")
    assert melody.tempo == 150.0
    assert melody.notes[:3] == (Note(72, 0, 4, 96), Note(74, 4, 2, 96), Note(76, 6, 2, 96))


def test_tempo_changes_keep_bar_positions_and_the_first_tempo(tmp_path):
    # 100 BPM, then 60 BPM at beat 2: notes still sit on their beats.
    conductor = f"00 FF 51 03 09 27 C0 {var(960)} FF 51 03 0F 42 40 " + EOT
    path = write(tmp_path, smf(conductor, notes_track(SCALE)))
    result = midi_io.import_midi(path)
    assert pitches_starts_lengths(result.melody) == SCALE_STEPS
    assert result.melody.tempo == 100.0
    assert any("tempo changes 1 time" in w for w in result.report.warnings)


def test_the_first_time_signature_governs(tmp_path):
    conductor = f"00 FF 58 04 06 03 18 08 {var(480 * 6)} FF 58 04 04 02 18 08 " + EOT
    result = midi_io.import_midi(write(tmp_path, smf(conductor, notes_track(SCALE))))
    assert result.melody.time_signature == (6, 8)
    assert any("time signature changes" in w for w in result.report.warnings)


def test_a_time_signature_off_the_grid_falls_back_to_four_four(tmp_path):
    conductor = "00 FF 58 04 03 05 18 08 " + EOT  # 3/32 is one and a half sixteenths
    result = midi_io.import_midi(write(tmp_path, smf(conductor, notes_track(SCALE))))
    assert result.melody.time_signature == (4, 4)
    assert any("3/32" in w for w in result.report.warnings)
    assert midi_io.read_midi(result.report.path, steps_per_quarter=8).time_signature == (3, 32)


def test_an_absurd_tempo_is_clamped_with_a_warning(tmp_path):
    conductor = "00 FF 51 03 00 00 64 " + EOT  # 100 microseconds a beat: 600,000 BPM
    result = midi_io.import_midi(write(tmp_path, smf(conductor, notes_track(SCALE))))
    assert result.melody.tempo == 400.0
    assert any("600000 BPM" in w for w in result.report.warnings)


def test_key_signature_becomes_the_melody_key(tmp_path):
    for key_bytes, expected in (("FD 00", "Eb major"), ("03 01", "F# minor"), ("00 00", "C major")):
        conductor = f"00 FF 59 02 {key_bytes} " + EOT
        path = write(tmp_path, smf(conductor, notes_track(SCALE)))
        assert midi_io.read_midi(path).key == expected


def test_notation_fixture_keeps_key_meter_pickup_and_latin1_name():
    result = midi_io.import_midi(FIXTURES / "notation_keysig.mid")
    melody = result.melody
    assert melody.key == "Eb major"
    assert melody.time_signature == (3, 4) and melody.tempo == 90.0
    assert melody.notes[0] == Note(67, 8, 4, 96)  # the pickup starts on beat 3 of bar 1
    assert result.report.part.name == "Flûte à bec"


# --- events: running status, note-offs, overlaps -----------------------------------------------


def test_running_status_and_velocity_zero_note_offs(tmp_path):
    # One status byte for all: note-on 60, note-on 60 velocity 0, note-on 62, note-on 62 vel 0.
    events = f"00 90 3C 64 {var(480)} 3C 00 00 3E 50 {var(240)} 3E 00 " + EOT
    melody = midi_io.read_midi(write(tmp_path, smf(events, fmt=0)))
    assert melody.notes == (Note(60, 0, 4, 100), Note(62, 4, 2, 80))


def test_running_status_survives_meta_events(tmp_path):
    events = f"00 90 3C 64 00 FF 01 01 41 {var(480)} 3C 00 " + EOT
    assert midi_io.read_midi(write(tmp_path, smf(events))).notes == (Note(60, 0, 4, 100),)


def test_notes_never_released_end_where_their_track_ends(tmp_path):
    events = f"00 90 3C 64 {var(480)} 90 3E 64 {var(960)} FF 2F 00"
    result = midi_io.import_midi(write(tmp_path, smf(events)))
    assert result.melody.notes == (Note(60, 0, 4, 100), Note(62, 4, 8, 100))
    assert any("2 note(s) were never released" in w for w in result.report.warnings)


def test_overlapping_same_pitch_notes_are_matched_first_in_first_out(tmp_path):
    # on 60 @0, on 60 @1 beat, off @2, off @3: the first note ends at 2, the second at 3.
    events = f"00 90 3C 64 {var(480)} 90 3C 50 {var(480)} 80 3C 40 {var(480)} 80 3C 40 " + EOT
    path = write(tmp_path, smf(events))
    assert midi_io.list_tracks(path)[0].note_count == 2
    assert midi_io.read_midi(path).notes == (Note(60, 0, 4, 100), Note(60, 4, 8, 80))


def test_a_stray_note_off_is_ignored(tmp_path):
    events = f"00 80 40 40 00 90 3C 64 {var(480)} 80 3C 40 " + EOT
    assert midi_io.read_midi(write(tmp_path, smf(events))).notes == (Note(60, 0, 4, 100),)


def test_non_ascii_track_names_utf8_and_latin1(tmp_path):
    utf8 = notes_track(SCALE, channel=0, name="Mélodie – Ψ")
    latin1 = notes_track(SCALE, channel=1, name="Flöte".encode("latin-1"))
    names = [t.name for t in midi_io.list_tracks(write(tmp_path, smf(utf8, latin1)))]
    assert names == ["Mélodie – Ψ", "Flöte"]


def test_damaged_meta_events_are_ignored_with_a_warning(tmp_path):
    # Key signature with 9 sharps and a tempo with one byte: mido itself would raise.
    conductor = "00 FF 59 02 09 00 00 FF 51 01 07 " + EOT
    result = midi_io.import_midi(write(tmp_path, smf(conductor, notes_track(SCALE))))
    assert result.melody.key is None and result.melody.tempo == 120.0
    assert any("key signature" in w and "tempo" in w for w in result.report.warnings)


def test_out_of_range_data_bytes_are_clipped_with_a_warning(tmp_path):
    events = f"00 90 3C FF {var(480)} 80 3C 40 " + EOT  # velocity 255
    result = midi_io.import_midi(write(tmp_path, smf(events)))
    assert result.melody.notes == (Note(60, 0, 4, 127),)
    assert any("clipped" in w for w in result.report.warnings)


def test_chunks_that_are_not_tracks_are_skipped(tmp_path):
    data = smf(notes_track(SCALE))
    alien = b"XFIH" + struct.pack(">L", 3) + b"abc"
    data = data[:14] + alien + data[14:]
    result = midi_io.import_midi(write(tmp_path, data))
    assert pitches_starts_lengths(result.melody) == SCALE_STEPS
    assert any("Skipped 1 chunk" in w for w in result.report.warnings)


def test_a_track_ending_inside_an_event_loses_only_that_event(tmp_path):
    events = notes_track(SCALE)[: -len(EOT)] + "00 90"  # a note-on cut after its status byte
    result = midi_io.import_midi(write(tmp_path, smf(events)))
    assert pitches_starts_lengths(result.melody) == SCALE_STEPS
    assert any("middle of an event" in w for w in result.report.warnings)


def test_fewer_tracks_than_declared_is_read_with_a_warning(tmp_path):
    result = midi_io.import_midi(write(tmp_path, smf(notes_track(SCALE), declared=3)))
    assert pitches_starts_lengths(result.melody) == SCALE_STEPS
    assert any("declares 3 tracks but holds 1" in w for w in result.report.warnings)


def test_a_riff_rmid_wrapper_is_unwrapped(tmp_path):
    inner = smf(notes_track(SCALE))
    body = b"RMID" + b"data" + struct.pack("<L", len(inner)) + inner
    path = write(tmp_path, b"RIFF" + struct.pack("<L", len(body)) + body, "song.rmi")
    assert pitches_starts_lengths(midi_io.read_midi(path)) == SCALE_STEPS


# --- parts: listing, drums, best part, reduction -----------------------------------------------


def test_list_tracks_separates_channels_of_a_format_0_file():
    parts = midi_io.list_tracks(FIXTURES / "format0_multichannel.mid")
    assert [(p.index, p.channel, p.program_name, p.is_drum) for p in parts] == [
        (0, 0, "Flute", False),
        (1, 1, "Acoustic Grand Piano", False),
        (2, 9, "Drum Kit", True),
    ]
    flute, piano, drums = parts
    assert (flute.note_count, flute.pitch_range, flute.is_polyphonic) == (11, (72, 81), False)
    assert (piano.note_count, piano.is_polyphonic) == (9, True)
    assert drums.pitch_range == (36, 42) and {p.track for p in parts} == {0}


def test_a_parsed_file_lists_and_imports_as_the_path_functions_do():
    path = FIXTURES / "daw_type1.mid"
    parsed = midi_io.parse_midi(path)
    assert parsed.tracks == midi_io.list_tracks(path)
    assert parsed.best_track() == midi_io.best_track(path)
    for track in [None] + [t.index for t in parsed.tracks if not t.is_drum]:
        assert parsed.import_part(track) == midi_io.import_midi(path, track)
        assert parsed.import_part(track, 8, reduction="lowest") == midi_io.import_midi(
            path, track, 8, reduction="lowest"
        )
    with pytest.raises(MidiImportError, match="no part 99"):
        parsed.import_part(98)


def test_list_tracks_of_a_daw_file():
    parts = midi_io.list_tracks(FIXTURES / "daw_type1.mid")
    assert [p.name for p in parts] == ["Bass", "Lead – Synth ♪", "Drums", "Pads"]
    assert [p.program for p in parts] == [33, 81, 0, 89]
    assert [p.track for p in parts] == [1, 2, 3, 4]


def test_a_file_without_notes_lists_no_parts_and_imports_nothing(tmp_path):
    path = write(tmp_path, smf("00 FF 51 03 07 A1 20 " + EOT))
    assert midi_io.list_tracks(path) == []
    with pytest.raises(MidiImportError) as caught:
        midi_io.read_midi(path)
    assert caught.value.reason == "no pitched notes"


def test_best_part_is_the_lead_not_bass_drums_or_pads():
    result = midi_io.import_midi(FIXTURES / "daw_type1.mid")
    assert result.report.part.name == "Lead – Synth ♪"
    assert midi_io.best_track(FIXTURES / "daw_type1.mid") == result.report.part.index == 1
    assert result.melody.pitch_range() == (72, 81)
    assert result.melody.tempo == 124.0
    assert result.report.moved == 11  # the lead is played, not quantized


def test_drums_are_never_taken_as_melody(tmp_path):
    drums = notes_track([(36, b / 2, 0.25) for b in range(32)], channel=9)
    tune = notes_track(SCALE, channel=0)
    path = write(tmp_path, smf(drums, tune))
    assert midi_io.read_midi(path).pitch_range() == (60, 67)
    with pytest.raises(MidiImportError, match="drums"):
        midi_io.read_midi(path, track=0)
    only_drums = write(tmp_path, smf(drums), "drums.mid")
    assert midi_io.best_track(only_drums) is None
    with pytest.raises(MidiImportError) as caught:
        midi_io.read_midi(only_drums)
    assert caught.value.reason == "no pitched notes (only drums)"


def test_a_melody_named_part_beats_a_busier_part(tmp_path):
    busy = notes_track([(64 + b % 5, b / 2, 0.5) for b in range(12)], name="Arp")
    tune = notes_track(SCALE, channel=1, name="Vocal melody")
    assert midi_io.import_midi(write(tmp_path, smf(busy, tune))).report.part.index == 1


def test_a_higher_part_beats_a_busier_bass(tmp_path):
    bass = notes_track([(36 + b % 3, b / 2, 0.5) for b in range(12)])
    tune = notes_track(SCALE, channel=1)
    assert midi_io.read_midi(write(tmp_path, smf(bass, tune))).pitch_range() == (60, 67)


def test_unnamed_chorale_voices_give_the_soprano(tmp_path):
    # The inner voices move more than the tune, as in a Bach chorale; nothing is named.
    soprano = [(p, i, 1) for i, p in enumerate([72, 71, 69, 71, 72, 74, 72, 71])]
    alto = [(p, i * 0.8, 0.8) for i, p in enumerate([64, 65, 64, 62, 64, 65, 67, 65, 64, 62])]
    tenor = [(p, i * 0.7, 0.7) for i, p in enumerate([57, 59, 60, 59, 57, 55, 57, 59, 60, 59, 57])]
    bass = [(48 - i % 5, i, 1) for i in range(8)]
    tracks = [notes_track(v, channel=c) for c, v in enumerate((soprano, alto, tenor, bass))]
    path = write(tmp_path, smf(*tracks))
    assert midi_io.import_midi(path).report.part.index == 0


def test_track_picks_a_part_by_index(tmp_path):
    path = write(tmp_path, smf(notes_track(SCALE), notes_track([(50, 0, 4)], channel=3)))
    assert midi_io.read_midi(path, track=1).notes == (Note(50, 0, 16, 100),)
    with pytest.raises(MidiImportError, match="no part 3"):
        midi_io.read_midi(path, track=2)


def test_chords_reduce_to_the_highest_note_by_default(tmp_path):
    chords = [(p, bar * 2, 2) for bar, chord in enumerate([(60, 64, 67), (62, 65, 69)]) for p in chord]
    path = write(tmp_path, smf(notes_track(chords)))
    result = midi_io.import_midi(path)
    assert pitches_starts_lengths(result.melody) == [(67, 0, 8), (69, 8, 8)]
    assert (result.report.notes_read, result.report.dropped) == (6, 4)
    assert any("chords" in w for w in result.report.warnings)
    lowest = midi_io.read_midi(path, reduction="lowest")
    assert pitches_starts_lengths(lowest) == [(60, 0, 8), (62, 8, 8)]


def test_accompaniment_under_a_held_melody_note_is_dropped(tmp_path):
    # Melody: 72 held for two beats; below it, four eighth notes; then the melody moves on.
    notes = [(72, 0, 2), (74, 2, 1)] + [(48 + i, i * 0.5, 0.5) for i in range(4)]
    result = midi_io.import_midi(write(tmp_path, smf(notes_track(notes))))
    assert pitches_starts_lengths(result.melody) == [(72, 0, 8), (74, 8, 4)]
    assert result.report.dropped == 4


def test_legato_overlap_is_not_polyphony(tmp_path):
    # Each note overlaps the next by a 64th note, as a keyboard player's legato does.
    notes = [(67, 0, 1.06), (60, 1, 1.06), (64, 2, 1)]
    path = write(tmp_path, smf(notes_track(notes)))
    assert not midi_io.list_tracks(path)[0].is_polyphonic
    result = midi_io.import_midi(path)
    assert pitches_starts_lengths(result.melody) == [(67, 0, 4), (60, 4, 4), (64, 8, 4)]
    assert result.report.dropped == 0


def test_report_counts_moved_merged_and_dropped(tmp_path):
    notes = [
        (60, 0, 1),  # on the grid
        (62, 1.05, 0.95),  # late: moved
        (64, 2, 0.1),  # a fast run: two notes within one sixteenth...
        (65, 2.1, 0.9),  # ...the later one is kept at the same step: one merged
        (67, 3, 1),  # a chord of two: the lower one is dropped
        (55, 3, 1),
    ]
    result = midi_io.import_midi(write(tmp_path, smf(notes_track(notes))))
    report = result.report
    assert pitches_starts_lengths(result.melody) == [(60, 0, 4), (62, 4, 4), (65, 8, 4), (67, 12, 4)]
    assert (report.notes_read, report.notes_kept) == (6, 4)
    assert (report.moved, report.merged, report.dropped) == (2, 1, 1)
    assert report.notes_read == report.notes_kept + report.merged + report.dropped
    assert "4 of 6 notes" in report.summary and "1/16 grid" in report.summary


def test_steps_per_quarter_sets_the_grid(tmp_path):
    triplets = [(60 + i, i / 3, 1 / 3) for i in range(6)]
    path = write(tmp_path, smf(notes_track(triplets)))
    melody = midi_io.read_midi(path, steps_per_quarter=3)
    assert melody.steps_per_quarter == 3
    assert pitches_starts_lengths(melody) == [(60 + i, i, 1) for i in range(6)]
    result = midi_io.import_midi(path, steps_per_quarter=3)
    assert result.report.moved == 0 and "1/8 triplet" in result.report.summary
    assert midi_io.import_midi(path, steps_per_quarter=4).report.moved == 6
    # Without a grid asked for, triplets are kept on the 12-step grid (engine.grid).
    kept = midi_io.import_midi(path)
    assert kept.melody.steps_per_quarter == 12 and kept.report.moved == 0


def test_import_arguments_are_validated(tmp_path):
    path = write(tmp_path, smf(notes_track(SCALE)))
    for bad in ({"steps_per_quarter": 0}, {"steps_per_quarter": 2.0}, {"track": -1},
                {"track": True}, {"reduction": "loudest"}):
        with pytest.raises(ValueError):
            midi_io.import_midi(path, **bad)


# --- refusals: one MidiImportError naming the file and the reason ------------------------------


def refusal(tmp_path, data: bytes, name="song.mid") -> MidiImportError:
    path = write(tmp_path, data, name)
    with pytest.raises(MidiImportError) as caught:
        midi_io.import_midi(path)
    with pytest.raises(MidiImportError) as listed:
        midi_io.list_tracks(path)
    assert listed.value.reason == caught.value.reason
    assert caught.value.path == os.fspath(path)
    return caught.value


def test_error_message_names_the_file_and_the_reason(tmp_path):
    error = refusal(tmp_path, smf(notes_track(SCALE))[:-6])
    assert str(error) == "Cannot import 'song.mid': file is truncated."
    assert error.reason == "file is truncated"


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "file is empty"),
        (b"MTh", "file is truncated"),
        (b"MThd\x00\x00\x00\x06\x00\x01", "file is truncated"),
        (bytes(range(7, 200)) * 3, "not a MIDI file"),
        (b"ID3\x04 this is an mp3 file really", "not a MIDI file"),
        (smf(notes_track(SCALE))[:30], "file is truncated"),
        (smf(notes_track(SCALE), declared=2)[:-3], "file is truncated"),
        (smf(notes_track(SCALE), fmt=3), "unknown MIDI file format 3"),
        (smf(notes_track(SCALE), division=0), "file has an invalid time division (0 ticks per beat)"),
        (smf(notes_track(SCALE), division=0xE500), "file has an invalid SMPTE time division"),
        (smf("00 FF 51 03 00 00 00 " + notes_track(SCALE)), "file sets a tempo of 0, which no player can play"),
        (smf(f"{var(0x0FFFFFFF)} 90 3C 64 " + EOT, division=96),
         "file is damaged (an event lies more than 100,000 beats from the start)"),
        (smf("00 3C 64 " + EOT), "file is damaged (an event has no status byte)"),
        (smf("00 F4 " + EOT), "file is damaged (it holds an undefined MIDI event)"),
        (smf("FF FF FF FF 7F 90 3C 64 " + EOT),
         "file is damaged (a number is longer than the MIDI standard allows)"),
        (smf(fmt=1, declared=0), "file contains no tracks"),
        (b"MThd\x00\x00\x00\x06\x00\x01\x00\x01\x01\xe0" + b"\x00" * 12,
         "file is damaged (a track header is missing)"),
    ],
)
def test_bad_files_are_refused_with_a_musicians_reason(tmp_path, data, reason):
    assert refusal(tmp_path, data).reason == reason


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(MidiImportError) as caught:
        midi_io.read_midi(tmp_path / "nowhere.mid")
    assert caught.value.reason == "file does not exist"
    with pytest.raises(MidiImportError) as caught:
        midi_io.list_tracks(tmp_path)
    assert caught.value.reason == "it is a folder, not a file"


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads anything")
def test_unreadable_file(tmp_path):
    path = write(tmp_path, smf(notes_track(SCALE)))
    path.chmod(0)
    try:
        with pytest.raises(MidiImportError, match="permission denied"):
            midi_io.read_midi(path)
    finally:
        path.chmod(0o644)


def test_files_over_50_mb_are_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "huge.mid"
    with open(path, "wb") as file:  # sparse: takes no disk space
        file.write(smf(notes_track(SCALE)))
        file.truncate(51 * 1024 * 1024)

    def no_reading(*args, **kwargs):
        raise AssertionError("the file was opened")

    monkeypatch.setattr("builtins.open", no_reading)
    with pytest.raises(MidiImportError) as caught:
        midi_io.read_midi(path)
    assert caught.value.reason == "file is 51 MB; MIDI files over 50 MB are refused"


def test_too_many_events_are_refused_before_mido_parses(tmp_path, monkeypatch):
    events = " ".join(f"00 90 3C 64 {var(10)} 80 3C 40" for _ in range(60)) + " " + EOT
    path = write(tmp_path, smf(events))
    monkeypatch.setattr("segue.engine.midi_io.scan.MAX_EVENTS", 100)  # where the raw walk reads it
    monkeypatch.setattr(mido, "MidiFile", lambda *a, **k: pytest.fail("mido parsed the file"))
    with pytest.raises(MidiImportError) as caught:
        midi_io.read_midi(path)
    assert caught.value.reason == "file has more than 100 events, too many for a melody"


def test_the_time_before_an_unknown_meta_event_counts(tmp_path):
    # Delta 480 (83 60) before a meta event of an unassigned type (0x60), then a note at once:
    # the note starts on beat 1, as in any DAW (mido's own reader dropped that delta).
    data = smf("00 FF 03 04 4C 65 61 64  83 60 FF 60 01 00  00 90 3C 64  83 60 80 3C 40  00 FF 2F 00")
    parsed = midi_io.parse_midi(write(tmp_path, data))
    assert pitches_starts_lengths(parsed.import_part().melody) == [(60, 4, 4)]
    assert parsed.tracks[0].name == "Lead"


def test_whatever_decoding_raises_becomes_a_midi_import_error(tmp_path, monkeypatch):
    from segue.engine.midi_io import parse

    path = write(tmp_path, smf(notes_track(SCALE)))
    for error in (EOFError(), OSError("x"), ValueError("x"), ZeroDivisionError(),
                  mido.midifiles.meta.KeySignatureError("x"), IndexError(), KeyError(1)):
        def broken(*args, error=error, **kwargs):
            raise error

        monkeypatch.setattr(parse, "_events", broken)
        with pytest.raises(MidiImportError) as caught:
            midi_io.import_midi(path)
        assert caught.value.reason == "file is damaged"


def test_import_errors_survive_pickling():
    import pickle

    error = pickle.loads(pickle.dumps(MidiImportError("/a/b.mid", "file is empty")))
    assert (error.path, error.reason, str(error)) == ("/a/b.mid", "file is empty",
                                                      "Cannot import 'b.mid': file is empty.")


def test_every_fixture_imports():
    for path in sorted(FIXTURES.glob("*.mid")):
        assert midi_io.read_midi(path).notes, path


# --- the fast walk (numpy) finds what the careful walk finds ----------------------------------

CLEAN_TRACKS = {
    "running program changes": f"00 C0 05 00 06 {var(10)} 90 3C 64 00 3E 64 {var(480)} 3C 00 "
    "00 3E 00 00 C1 07 " + EOT,
    "pressure, control and sysex": "00 F0 05 7E 7F 09 01 F7 00 D0 40 00 50 00 90 3C 64 "
    "00 B0 07 64 0A 80 3C 40 " + EOT,
    "meta events between running events": f"00 90 3C 64 00 FF 51 03 07 A1 20 {var(480)} 3C 00 "
    "00 FF 01 02 41 42 " + EOT,
    "long delta times": f"{var(2**20)} 90 3C 64 {var(2**21)} 80 3C 40 " + EOT,
}
DAMAGED_TRACKS = {
    "cut inside an event": "00 90 3C 64 00 90 3C",
    "a data byte over 127": "00 90 3C FF " + EOT,
    "a damaged key signature": "00 FF 59 02 09 00 " + EOT,
    "running status first": "00 3C 64 " + EOT,
    "system exclusive with a byte over 127": "00 F0 03 01 FF F7 " + EOT,
    "an event too far away": f"{var(2**27)} 90 3C 64 " + EOT,
}


def track_chunks(data: bytes) -> list[bytes]:
    chunks, pos = [], 14
    while pos + 8 <= len(data):
        size = struct.unpack(">L", data[pos + 4 : pos + 8])[0]
        if data[pos : pos + 4] == b"MTrk":
            chunks.append(data[pos + 8 : pos + 8 + size])
        pos += 8 + size
    return chunks


def both_walks(chunk: bytes):
    """(the fast walk's event starts or None, the careful walk's, whether it repaired anything)."""
    from segue.engine.midi_io import fastwalk, scan

    max_ticks = scan.MAX_BEATS * 480
    fast = fastwalk._walk_clean(chunk, max_ticks, scan._meta_problem)
    layout = scan._Layout(format=1, division=480)
    try:
        repaired, starts = scan._scan_track(chunk, 0, layout, max_ticks)
    except scan._Refused:
        return fast, None, True
    return fast, starts, repaired != chunk or layout.needs_clip or bool(layout.warnings)


def test_the_fast_walk_reads_clean_tracks_as_the_careful_walk_does():
    chunks = [bytes.fromhex(body) for body in CLEAN_TRACKS.values()]
    for path in sorted(FIXTURES.glob("*.mid")):
        chunks += track_chunks(path.read_bytes())
    for chunk in chunks:
        fast, careful, repaired = both_walks(chunk)
        assert not repaired and fast is not None and fast == careful, chunk.hex(" ")


@pytest.mark.parametrize("body", DAMAGED_TRACKS.values(), ids=DAMAGED_TRACKS.keys())
def test_the_careful_walk_reads_what_it_must_repair_or_refuse(body):
    fast, _, repaired = both_walks(bytes.fromhex(body))
    assert repaired and fast is None


def test_the_careful_walk_reads_system_common_messages():
    fast, careful, repaired = both_walks(bytes.fromhex("00 F2 01 02 00 90 3C 64 " + EOT))
    assert fast is None and len(careful) == 3 and not repaired


def test_imports_through_either_walk_agree(tmp_path, monkeypatch):
    from segue.engine.midi_io import scan

    bodies = [notes_track(SCALE, name="Lead"), *CLEAN_TRACKS.values()]
    path = write(tmp_path, smf(*bodies))
    fast = midi_io.parse_midi(path)
    monkeypatch.setattr(scan, "_walk_clean", lambda *args: None)
    careful = midi_io.parse_midi(path)
    assert fast.tracks == careful.tracks
    for part in fast.tracks:
        assert fast.import_part(part.index) == careful.import_part(part.index)


# --- export -------------------------------------------------------------------------------------

SEED = Melody(
    [Note(60, 0, 4, 90), Note(62, 4, 2, 100), Note(64, 6, 2, 110), Note(67, 8, 8, 80)],
    time_signature=(3, 4),
    tempo=97.5,
    key="Eb minor",
)
CONTINUATION = Melody([Note(65, 16, 4), Note(64, 20, 4), Note(60, 24, 12)])


def test_export_reads_back_the_same_with_mido(tmp_path):
    path = tmp_path / "out.mid"
    midi_io.write_midi(SEED, path, program=73, channel=2, track_name="Lead")
    midi = mido.MidiFile(path)
    assert (midi.type, midi.ticks_per_beat, len(midi.tracks)) == (1, 480, 2)
    conductor = {m.type: m for m in midi.tracks[0]}
    assert mido.tempo2bpm(conductor["set_tempo"].tempo) == pytest.approx(97.5, abs=1e-3)
    assert (conductor["time_signature"].numerator, conductor["time_signature"].denominator) == (3, 4)
    assert conductor["key_signature"].key == "Ebm"
    notes, now, sounding = [], 0, {}
    for message in midi.tracks[1]:
        now += message.time
        if message.type == "note_on":
            sounding[message.note] = (now, message.velocity, message.channel)
        elif message.type == "note_off":
            start, velocity, channel = sounding.pop(message.note)
            notes.append((message.note, start, now - start, velocity, channel))
        elif message.type == "program_change":
            assert (message.program, message.channel) == (73, 2)
        elif message.type == "track_name":
            assert message.name == "Lead"
    assert notes == [(n.pitch, n.start * 120, n.length * 120, n.velocity, 2) for n in SEED.notes]


def test_export_reads_back_the_same_with_pretty_midi(tmp_path):
    path = tmp_path / "out.mid"
    midi_io.write_midi(SEED, path, continuation=CONTINUATION)
    pm = pretty_midi.PrettyMIDI(str(path))
    _, tempi = pm.get_tempo_changes()
    assert list(tempi) == [pytest.approx(97.5, abs=1e-3)]
    [instrument] = pm.instruments
    step = SEED.seconds_per_step
    expected = [(n.pitch, n.start * step, n.end * step, n.velocity)
                for n in SEED.notes + CONTINUATION.notes]
    got = [(n.pitch, n.start, n.end, n.velocity) for n in instrument.notes]
    assert len(got) == len(expected)
    for (p, s, e, v), (gp, gs, ge, gv) in zip(expected, got):
        assert (p, v) == (gp, gv)
        assert gs == pytest.approx(s, abs=1e-4) and ge == pytest.approx(e, abs=1e-4)
    assert pm.time_signature_changes[0].numerator == 3
    assert pm.key_signature_changes[0].key_number == pretty_midi.key_name_to_key_number("Eb minor")


def test_export_then_import_gives_the_melody_back(tmp_path):
    path = tmp_path / "out.mid"
    midi_io.write_midi(SEED, path)
    assert midi_io.read_midi(path) == SEED
    result = midi_io.import_midi(path)
    assert (result.report.moved, result.report.merged, result.report.dropped) == (0, 0, 0)


def test_one_track_or_two(tmp_path):
    one, two = tmp_path / "one.mid", tmp_path / "two.mid"
    midi_io.write_midi(SEED, one, continuation=CONTINUATION)
    midi_io.write_midi(SEED, two, continuation=CONTINUATION, separate_tracks=True)
    assert len(mido.MidiFile(one).tracks) == 2 and len(mido.MidiFile(two).tracks) == 3
    assert midi_io.read_midi(one).notes == SEED.notes + CONTINUATION.notes
    parts = midi_io.list_tracks(two)
    assert [p.name for p in parts] == ["Segue (seed)", "Segue (continuation)"]
    assert midi_io.read_midi(two, track=1).notes == CONTINUATION.notes


def test_export_writes_key_signatures_with_the_fewest_accidentals(tmp_path):
    for key, expected in (("Ab minor", "G#m"), ("C# major", "Db"), ("F# major", "F#"),
                          ("A minor", "Am"), ("Bb major", "Bb")):
        data = midi_io.melody_to_midi_bytes(SEED.replace(key=key))
        path = write(tmp_path, data, "k.mid")
        [key_event] = [m for m in mido.MidiFile(path).tracks[0] if m.type == "key_signature"]
        assert key_event.key == expected
        assert midi_io.read_midi(path).key == SEED.replace(key=key).key
    no_key = write(tmp_path, midi_io.melody_to_midi_bytes(SEED.replace(key=None)), "n.mid")
    assert not [m for m in mido.MidiFile(no_key).tracks[0] if m.type == "key_signature"]


def test_export_bytes_match_the_written_file(tmp_path):
    path = tmp_path / "out.mid"
    midi_io.write_midi(SEED, path, continuation=CONTINUATION, track_name="Ünïcödé ♪")
    data = midi_io.melody_to_midi_bytes(SEED, continuation=CONTINUATION, track_name="Ünïcödé ♪")
    assert path.read_bytes() == data
    assert midi_io.list_tracks(path)[0].name == "Ünïcödé ♪"


def test_export_arguments_are_validated(tmp_path):
    for bad in ({"program": 128}, {"channel": 16}, {"channel": -1}, {"track_name": 3},
                {"continuation": "notes"},
                {"continuation": Melody([Note(60, 0, 1)], steps_per_quarter=3)}):
        with pytest.raises(ValueError):
            midi_io.write_midi(SEED, tmp_path / "x.mid", **bad)
    with pytest.raises(ValueError):
        midi_io.melody_to_midi_bytes([Note(60, 0, 1)])
    assert not list(tmp_path.iterdir())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    notes=st.lists(
        st.builds(Note, st.integers(0, 127), st.integers(0, 200), st.integers(1, 40),
                  st.integers(1, 127)),
        max_size=30,
    ),
    steps_per_quarter=st.sampled_from([1, 2, 3, 4, 6, 7, 8, 12, 24]),
    tempo=st.floats(10, 400),
    key=st.sampled_from((None, "C major", "F# minor", "Bb major")),
)
def test_any_melody_survives_a_round_trip(tmp_path, notes, steps_per_quarter, tempo, key):
    melody = Melody(notes, steps_per_quarter=steps_per_quarter, tempo=tempo, key=key)
    path = write(tmp_path, midi_io.melody_to_midi_bytes(melody), "round.mid")
    if not melody.notes:
        assert midi_io.list_tracks(path) == []
        return
    back = midi_io.read_midi(path, steps_per_quarter=steps_per_quarter)
    assert back.notes == melody.notes
    assert back.tempo == pytest.approx(tempo, rel=1e-5)
    assert back.key == melody.key


# --- atomic writing -----------------------------------------------------------------------------


def test_a_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "song.mid"
    path.write_bytes(b"the musician's old file")

    def disk_full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(MidiExportError) as caught:
        midi_io.write_midi(SEED, path)
    assert str(caught.value) == "Cannot save 'song.mid': disk is full."
    assert caught.value.path == os.fspath(path)
    assert path.read_bytes() == b"the musician's old file"
    assert [p.name for p in tmp_path.iterdir()] == ["song.mid"]  # no temporary file left


def test_a_failed_write_in_the_middle_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "song.mid"
    path.write_bytes(b"old")
    monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(errno.EIO, "I/O error")))
    with pytest.raises(MidiExportError, match="could not be written"):
        midi_io.write_midi(SEED, path)
    assert path.read_bytes() == b"old" and len(list(tmp_path.iterdir())) == 1


def test_writing_into_a_missing_folder(tmp_path):
    with pytest.raises(MidiExportError) as caught:
        midi_io.write_midi(SEED, tmp_path / "no" / "song.mid")
    assert caught.value.reason == "folder does not exist"
    with pytest.raises(MidiExportError) as caught:
        midi_io.write_midi(SEED, tmp_path)
    assert caught.value.reason == "a folder of that name exists"


def test_permission_denied_when_creating_the_file(tmp_path, monkeypatch):
    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "open", denied)
    with pytest.raises(MidiExportError) as caught:
        midi_io.write_midi(SEED, tmp_path / "song.mid")
    assert str(caught.value) == "Cannot save 'song.mid': permission denied."
    assert not list(tmp_path.iterdir())


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes anywhere")
def test_writing_into_a_read_only_folder(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    (folder / "song.mid").write_bytes(b"old")
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(MidiExportError) as caught:
            midi_io.write_midi(SEED, folder / "song.mid")
        assert caught.value.reason == "permission denied"
        assert (folder / "song.mid").read_bytes() == b"old"
    finally:
        folder.chmod(stat.S_IRWXU)


def test_a_read_only_file_is_refused_not_replaced(tmp_path):
    # Checked by the permission bits: the tests may run as root, whom the OS lets write anything.
    path = tmp_path / "song.mid"
    path.write_bytes(b"old")
    path.chmod(0o444)
    try:
        with pytest.raises(MidiExportError) as caught:
            midi_io.write_midi(SEED, path)
    finally:
        path.chmod(0o644)
    assert str(caught.value) == "Cannot save 'song.mid': file is read-only."
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["song.mid"]


def test_overwriting_keeps_the_old_files_permissions(tmp_path):
    path = tmp_path / "song.mid"
    path.write_bytes(b"old")
    path.chmod(0o640)
    midi_io.write_midi(SEED, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert midi_io.read_midi(path) == SEED


def test_files_that_crash_midos_own_reader_import_with_a_warning():
    crashers = sorted((FIXTURES / "crashers").glob("mido_*.mid"))
    assert len(crashers) == 6
    for path in crashers:
        with pytest.raises(Exception):  # noqa: B017 - each raises something different
            mido.MidiFile(path)
        result = midi_io.import_midi(path)
        notes = result.melody.notes
        assert (notes[0].pitch, notes[0].start, notes[-1].pitch, notes[-1].length) == (60, 0, 62, 4)
        assert result.report.warnings, path


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX thing")
def test_a_named_pipe_is_refused_without_blocking(tmp_path):
    pipe = tmp_path / "pipe.mid"
    os.mkfifo(pipe)
    with pytest.raises(MidiImportError) as caught:
        midi_io.read_midi(pipe)
    assert caught.value.reason == "it is not a regular file"
