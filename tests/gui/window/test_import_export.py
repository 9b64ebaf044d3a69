"""Import (menu, open, drop, track chooser, broken files) and export (dialog, drag handle)."""

from pathlib import Path

import mido
import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent

from segue.engine.melody import Melody, Note
from segue.engine.midi_io import list_tracks, read_midi, write_midi
from segue.gui.dialogs import DISCARD
from segue.gui.document import Document
from segue.gui.window.export import (
    PIECE,
    SEED,
    VARIATION,
    DragHandle,
    ExportDialog,
    ExportOptions,
    melodies_to_export,
    suggested_file_name,
    write_drag_file,
)
from segue.gui.window.import_dialog import TrackChooserDialog, candidate_tracks
from tests.engine.notation.tunes import TWO_TUNES
from tests.fakes.dialogs import ScriptedDialogs

PIECE_MELODY = Melody([Note(60, 0, 4), Note(62, 4, 4), Note(64, 8, 4), Note(65, 12, 4), Note(67, 16, 8)])
VARIATION_MELODY = Melody([Note(69, 12, 2), Note(71, 14, 2), Note(72, 16, 8)])


@pytest.fixture(autouse=True)
def isolated(isolated_app, tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))


@pytest.fixture
def make_window(main_window):
    """``make_window(**answers)`` -> (window on the piece, its scripted dialogs)."""

    def make(**answers):
        dialogs = ScriptedDialogs(**answers)
        return main_window(Document(PIECE_MELODY, 12), dialogs=dialogs), dialogs

    return make


def notation_done(qtbot, window):
    """Waits for a notation import or export, which runs in the worker, to end; ``.args[0]``
    says whether its result was taken."""
    return qtbot.waitSignal(window.files.notation.done, timeout=60000)


def write_band(path: Path) -> Path:
    """A type-1 file: a flute melody, a piano part with chords, and drums."""
    midi = mido.MidiFile(type=1, ticks_per_beat=480)
    conductor = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(100))])
    midi.tracks.append(conductor)

    def part(name, channel, program, chords):
        track = mido.MidiTrack([mido.MetaMessage("track_name", name=name),
                                mido.Message("program_change", channel=channel, program=program)])
        for pitches in chords:
            for p in pitches:
                track.append(mido.Message("note_on", channel=channel, note=p, velocity=90, time=0))
            for i, p in enumerate(pitches):
                track.append(mido.Message("note_off", channel=channel, note=p, time=480 if i == 0 else 0))
        midi.tracks.append(track)

    part("Flute", 0, 73, [[72], [74], [76], [77], [79]])
    part("Piano", 1, 0, [[48, 52, 55], [50, 53, 57], [48, 52, 55]])
    part("Drums", 9, 0, [[36], [38], [36], [38]])
    midi.save(path)
    return path


# --- import --------------------------------------------------------------------------------------


def test_import_from_the_menu_is_one_undoable_step(qtbot, tmp_path, make_window):
    source = tmp_path / "line.mid"
    imported = Melody([Note(67, 0, 4), Note(69, 4, 2), Note(71, 6, 2)], tempo=140.0)
    write_midi(imported, source)
    window, dialogs = make_window(open_path=str(source))
    window.document.set_variations([VARIATION_MELODY])
    window.actions["import"].trigger()
    assert dialogs.kinds() == ["open_path"]
    assert window.document.melody.notes == imported.notes
    assert window.document.melody.tempo == 140.0
    assert window.document.marker == imported.end
    assert window.document.variations == []
    assert "line.mid" in window.statusBar().currentMessage()
    window.document.undo_stack.undo()
    assert window.document.melody == PIECE_MELODY and window.document.marker == 12


def test_several_parts_ask_which_one_and_drums_are_never_offered(qtbot, tmp_path, make_window):
    source = write_band(tmp_path / "band.mid")
    window, dialogs = make_window(track=lambda tracks: next(t.index for t in tracks if t.name == "Flute"))
    assert window.files.import_path(str(source))
    kind, file_name, offered = dialogs.asked[0]
    assert (kind, file_name) == ("track", "band.mid")
    assert sorted(t.name for t in offered) == ["Flute", "Piano"]
    assert [n.pitch for n in window.document.melody.notes] == [72, 74, 76, 77, 79]


def test_choosing_a_part_reads_the_file_once(qtbot, tmp_path, make_window, monkeypatch):
    from segue.engine.midi_io import parse

    source = write_band(tmp_path / "band.mid")
    reads = []
    real_read = parse._read_file
    monkeypatch.setattr(parse, "_read_file", lambda path: reads.append(path) or real_read(path))
    window, _ = make_window(track=lambda tracks: next(t.index for t in tracks if t.name == "Flute"))
    assert window.files.import_path(str(source))
    assert reads == [source]  # listed and imported from one parse
    assert [n.pitch for n in window.document.melody.notes] == [72, 74, 76, 77, 79]


def test_cancelling_the_part_choice_keeps_the_piece(qtbot, tmp_path, make_window):
    source = write_band(tmp_path / "band.mid")
    window, dialogs = make_window(track=None)
    assert window.files.import_path(str(source)) is False
    assert window.document.melody == PIECE_MELODY and window.document.undo_stack.count() == 0


@pytest.mark.parametrize(
    "content",
    [b"", b"MThd\x00\x00\x00\x06\x00\x01", b"RIFF....not midi at all", b"MThd\x00\x00\x00\x06\x00\x00\x00\x01\x01\xe0"],
)
def test_a_broken_file_gives_the_engines_message_and_keeps_the_piece(qtbot, tmp_path, content, make_window):
    source = tmp_path / "broken.mid"
    source.write_bytes(content)
    window, dialogs = make_window()
    window.document.set_variations([VARIATION_MELODY])
    before = (window.document.piece, window.document.variations, window.document.undo_stack.count())
    assert window.files.import_path(str(source)) is False
    assert dialogs.kinds() == ["error"]
    message = dialogs.messages()[0]
    assert "broken.mid" in message and "Traceback" not in message
    assert (window.document.piece, window.document.variations, window.document.undo_stack.count()) == before


def test_a_missing_file_is_reported(qtbot, tmp_path, make_window):
    window, dialogs = make_window()
    assert window.files.import_path(str(tmp_path / "gone.mid")) is False
    assert "gone.mid" in dialogs.messages()[0]


def test_opening_a_midi_file_starts_a_new_untitled_piece(qtbot, tmp_path, make_window):
    source = tmp_path / "fresh.mid"
    write_midi(Melody([Note(55, 0, 8), Note(57, 8, 8)]), source)
    window, dialogs = make_window(save_changes=DISCARD)
    window.document.set_melody(PIECE_MELODY.transpose(1), "Transpose")
    assert window.files.open_path(str(source))
    assert dialogs.kinds() == ["save_changes"]
    assert [n.pitch for n in window.document.melody.notes] == [55, 57]
    assert window.document.undo_stack.count() == 0 and window.files.path is None


def drop(window, path):
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPoint(200, 200).toPointF(), Qt.DropAction.CopyAction, data,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    return event


def test_dropping_a_midi_file_on_the_window_imports_it(qtbot, tmp_path, make_window):
    source = tmp_path / "dropped.MID"
    write_midi(Melody([Note(50, 0, 4), Note(52, 4, 4)]), source)
    window, _ = make_window()
    event = drop(window, source)
    assert event.isAccepted()
    qtbot.waitUntil(lambda: [n.pitch for n in window.document.melody.notes] == [50, 52], timeout=3000)
    assert window.document.undo_stack.count() == 1


def test_dropping_other_files_is_refused(qtbot, tmp_path, make_window):
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    source = tmp_path / "after.mid"
    write_midi(Melody([Note(50, 0, 4)]), source)
    window, _ = make_window()
    assert not drop(window, other).isAccepted()
    # A MIDI file dropped next is opened after anything the first drop might have started.
    assert drop(window, source).isAccepted()
    qtbot.waitUntil(lambda: window.document.undo_stack.count() > 0, timeout=3000)
    assert window.document.undo_stack.count() == 1  # only the MIDI file came in
    assert [n.pitch for n in window.document.melody.notes] == [50]


def test_track_chooser_shows_each_part(qtbot, tmp_path):
    tracks = candidate_tracks(list_tracks(write_band(tmp_path / "band.mid")))
    dialog = TrackChooserDialog("band.mid", tracks)
    qtbot.addWidget(dialog)
    rows = [[dialog.table.item(r, c).text() for c in range(dialog.table.columnCount())]
            for r in range(dialog.table.rowCount())]
    flute = next(row for row in rows if row[1] == "Flute")
    piano = next(row for row in rows if row[1] == "Piano")
    assert flute[2] == "Flute" and flute[4] == "5" and flute[5] == "C5–G5"
    assert piano[2] == "Acoustic Grand Piano" and piano[6] == "chords"
    assert tracks[dialog.table.currentRow()].name == "Flute"  # the single line is preselected
    dialog.select(next(t.index for t in tracks if t.name == "Piano"))
    assert dialog.chosen_track() == next(t.index for t in tracks if t.name == "Piano")


# --- export ----------------------------------------------------------------------------------------


def document_with_variation():
    document = Document(PIECE_MELODY, 12)
    document.set_variations([VARIATION_MELODY, VARIATION_MELODY.transpose(-2)], 1)
    return document


def test_what_each_export_choice_contains(qtbot):
    document = document_with_variation()
    assert melodies_to_export(document.piece, ExportOptions(PIECE)) == (PIECE_MELODY, None)
    assert melodies_to_export(document.piece, ExportOptions(SEED))[0].notes == PIECE_MELODY.notes[:3]
    current = VARIATION_MELODY.transpose(-2)
    merged, none = melodies_to_export(document.piece, ExportOptions(VARIATION))
    assert none is None and merged.notes == PIECE_MELODY.notes[:3] + current.notes
    alone, _ = melodies_to_export(document.piece, ExportOptions(VARIATION, include_piece=False))
    assert alone == current
    seed, continuation = melodies_to_export(document.piece, ExportOptions(VARIATION, separate_tracks=True))
    assert seed.notes == PIECE_MELODY.notes[:3] and continuation == current
    assert document.heard().notes == merged.notes
    with pytest.raises(ValueError, match="no pending variation"):
        melodies_to_export(Document(PIECE_MELODY, 12).piece, ExportOptions(VARIATION))
    with pytest.raises(ValueError, match="seed has no notes"):
        melodies_to_export(Document(PIECE_MELODY, 0).piece, ExportOptions(SEED))
    with pytest.raises(ValueError, match="choice"):
        ExportOptions("everything")


def test_a_pending_fill_exports_on_two_tracks_exactly_what_playback_and_accept_use(
    qtbot, tmp_path, make_window
):
    """With a Fill pending, "the variation with the piece on separate tracks" holds the piece
    around the fill and the fill: not the seed and the variation (which would drop the bars
    after the marker and keep the bars the fill replaces)."""
    window, _ = make_window()
    document = window.document
    document.load(PIECE_MELODY, 12)
    fill = Melody([Note(70, 4, 4), Note(72, 8, 4)])
    document.set_variations([fill], 0, fill_range=(4, 12))
    target = tmp_path / "fill.mid"
    assert window.files.export_to(str(target), ExportOptions(VARIATION, separate_tracks=True))
    tracks = [part.index for part in list_tracks(target)]
    piece_track, fill_track = (read_midi(target, track=index) for index in tracks)
    assert [n.pitch for n in piece_track.notes] == [60, 65, 67]  # around the fill, bars after too
    assert [n.pitch for n in fill_track.notes] == [70, 72]
    with qtbot.waitSignal(window.live.audition_started) as audition:
        window.live.audition_variation()
    heard = audition.args[0]
    assert sorted(n.pitch for n in heard.notes) == sorted(
        n.pitch for n in piece_track.notes + fill_track.notes)
    window.live.stop_playback()
    document.accept_variation()
    assert [n.pitch for n in document.melody.notes] == [60, 70, 72, 65, 67]  # what Accept kept


@pytest.mark.parametrize(
    "options, expected_pitches, tracks",
    [
        (ExportOptions(PIECE), [60, 62, 64, 65, 67], 1),
        (ExportOptions(SEED), [60, 62, 64], 1),
        (ExportOptions(VARIATION), [60, 62, 64, 67, 69, 70], 1),
        (ExportOptions(VARIATION, separate_tracks=True), None, 2),
    ],
)
def test_export_through_the_dialogs_writes_a_readable_file(qtbot, tmp_path, options, expected_pitches, tracks, make_window):
    target = tmp_path / "out"
    window, dialogs = make_window(export=options, save_path=str(target))
    window.document.set_variations([VARIATION_MELODY, VARIATION_MELODY.transpose(-2)], 1)
    assert window.files.export_dialog()
    assert dialogs.kinds() == ["export", "save_path"]
    written = tmp_path / "out.mid"
    parts = list_tracks(written)
    assert len(parts) == tracks
    if expected_pitches is not None:
        assert [n.pitch for n in read_midi(written).notes] == expected_pitches
    else:
        assert [n.pitch for n in read_midi(written, track=1).notes] == [67, 69, 70]


def test_midi_export_names_the_track_and_writes_the_locked_key(qtbot, tmp_path, make_window):
    target = tmp_path / "Reel in D.mid"
    window, _ = make_window(export=ExportOptions(PIECE), save_path=str(target))
    window.panel.set_settings(window.panel.settings().replace(key_lock="D major"))
    assert window.files.export_dialog()
    metas = [m for track in mido.MidiFile(target).tracks for m in track if m.is_meta]
    assert [m.key for m in metas if m.type == "key_signature"] == ["D"]
    assert any(m.type == "track_name" and m.name == window.files.title() for m in metas)
    window.panel.set_settings(window.panel.settings().replace(key_lock="off"))
    assert window.files.export_dialog()  # no lock, no key of its own: no key signature
    assert not [m for t in mido.MidiFile(target).tracks for m in t if m.type == "key_signature"]


def test_export_suggests_the_format_chosen_last(qtbot, tmp_path, make_window):
    window, dialogs = make_window(export=ExportOptions(PIECE), save_path=str(tmp_path / "tune.abc"))
    with notation_done(qtbot, window):
        assert window.files.export_dialog()
    window2, dialogs2 = make_window(export=ExportOptions(PIECE), save_path=None)
    assert window2.files.export_dialog() is False
    assert dialogs2.asked[1][2].endswith("Untitled.abc")


def test_export_suggests_a_name_from_the_piece(qtbot, tmp_path, make_window):
    window, dialogs = make_window(export=ExportOptions(SEED), save_path=None)
    assert window.files.export_dialog() is False
    assert dialogs.asked[1][2].endswith("Untitled seed.mid")
    assert suggested_file_name("Reel", ExportOptions(VARIATION), 3) == "Reel variation 3.mid"


def test_export_problems_are_messages(qtbot, tmp_path, make_window):
    window, dialogs = make_window()
    assert window.files.export_to(str(tmp_path / "missing" / "x.mid"), ExportOptions(PIECE)) is False
    assert "x.mid" in dialogs.messages()[-1] and "folder does not exist" in dialogs.messages()[-1]
    window.document.load(Melody(), 0)
    assert window.files.export_to(str(tmp_path / "empty.mid"), ExportOptions(PIECE)) is False
    assert "no notes" in dialogs.messages()[-1]
    assert not (tmp_path / "empty.mid").exists()


def test_export_dialog_offers_only_what_exists(qtbot):
    dialog = ExportDialog(has_variation=False, has_seed=True, initial=ExportOptions(VARIATION))
    qtbot.addWidget(dialog)
    assert not dialog.variation.isEnabled() and dialog.options().what == PIECE
    dialog = ExportDialog(has_variation=True)
    qtbot.addWidget(dialog)
    dialog.variation.setChecked(True)
    assert dialog.separate_tracks.isEnabled()
    dialog.include_piece.setChecked(False)
    assert not dialog.separate_tracks.isEnabled()
    assert dialog.options() == ExportOptions(VARIATION, include_piece=False, separate_tracks=False)


def test_drag_handle_offers_a_midi_file_of_what_you_hear(qtbot, tmp_path):
    document = document_with_variation()
    handle = DragHandle(lambda: document.heard(), lambda: "My Reel")
    qtbot.addWidget(handle)
    data = handle.mime_data()
    urls = data.urls()
    assert len(urls) == 1 and urls[0].isLocalFile()
    path = Path(urls[0].toLocalFile())
    assert path.name == "My Reel.mid" and path.is_relative_to(tmp_path / "tmp")
    assert read_midi(path).notes == document.heard().notes
    assert Path(handle.mime_data().urls()[0].toLocalFile()) != path  # each drag gets its own file


def test_drag_handle_carries_the_chords_accept_would_keep(qtbot):
    from segue.engine.chords import Chord
    from segue.engine.midi_io import import_midi

    document = document_with_variation()
    document.set_chords([Chord(0, 16, "C"), Chord(16, 16, "G7")])
    handle = DragHandle(lambda: document.heard(), lambda: "Chords",
                        chords_source=lambda: document.piece.accepted().chords)
    qtbot.addWidget(handle)
    path = Path(handle.mime_data().urls()[0].toLocalFile())
    assert "Chords" in [track.name for track in list_tracks(path)]
    assert [c.symbol for c in import_midi(path).chords if not c.is_no_chord] == ["C", "G7"]


def test_drag_handle_refuses_an_empty_piece(qtbot):
    handle = DragHandle(lambda: Melody(), lambda: "Empty")
    qtbot.addWidget(handle)
    with pytest.raises(ValueError, match="no notes"):
        handle.mime_data()


def test_drag_file_names_are_safe(tmp_path):
    path = write_drag_file(PIECE_MELODY, 'a/b:c*"d', root=tmp_path)
    assert path.name == "bcd.mid"
    assert path.exists() and path.parent.parent == tmp_path


def test_the_chooser_preselects_the_lead_not_the_busier_bass(qtbot):
    fixture = Path(__file__).resolve().parents[2] / "data" / "midi" / "daw_type1.mid"
    tracks = candidate_tracks(list_tracks(fixture))
    bass = next(t for t in tracks if t.name == "Bass")
    lead = next(t for t in tracks if t.name.startswith("Lead"))
    assert bass.note_count > lead.note_count  # the old guess, "most notes", took the bass
    dialog = TrackChooserDialog(fixture.name, tracks)
    qtbot.addWidget(dialog)
    assert dialog.chosen_track() == lead.index


def test_the_export_dialog_remembers_the_last_choice(qtbot, monkeypatch):
    from segue.gui.dialogs import Dialogs

    chosen = []

    def choose_variation_on_its_own_track(dialog):
        qtbot.addWidget(dialog)
        chosen.append(dialog.options())  # what the dialog opened on
        dialog.variation.setChecked(True)
        dialog.separate_tracks.setChecked(True)
        return 1

    monkeypatch.setattr(ExportDialog, "exec", choose_variation_on_its_own_track)
    first = Dialogs().export_options(has_variation=True, has_seed=True)
    assert first == ExportOptions(VARIATION, True, True)
    def look_and_cancel(dialog):
        qtbot.addWidget(dialog)
        chosen.append(dialog.options())
        return 0

    monkeypatch.setattr(ExportDialog, "exec", look_and_cancel)
    assert Dialogs().export_options(has_variation=True, has_seed=True) is None  # cancelled
    assert chosen == [ExportOptions(PIECE), ExportOptions(VARIATION, True, True)]


def test_the_whole_piece_says_it_leaves_out_a_pending_variation(qtbot):
    with_variation = ExportDialog(has_variation=True)
    without = ExportDialog(has_variation=False)
    qtbot.addWidget(with_variation)
    qtbot.addWidget(without)
    assert "without the pending variation" in with_variation.piece.text()
    assert without.piece.text() == "The whole piece"


# --- ABC and MusicXML ------------------------------------------------------------------------------



def test_an_abc_file_with_two_tunes_asks_which_one(qtbot, tmp_path, make_window):
    pytest.importorskip("music21")
    source = tmp_path / "book.abc"
    source.write_text(TWO_TUNES)
    window, dialogs = make_window(track=1)
    window.document.set_variations([VARIATION_MELODY])
    with notation_done(qtbot, window) as done:
        assert window.files.import_path(str(source))
    assert done.args == [True]
    kind, file_name, offered = dialogs.asked[0]
    assert (kind, file_name) == ("track", "book.abc")
    assert [(t.name, t.kind) for t in offered] == [("The Kesh", "tune"), ("Morrison's", "tune")]
    assert [n.pitch for n in window.document.melody.notes] == [64, 71, 71, 69, 71, 69, 67]
    assert window.document.melody.time_signature == (6, 8)
    assert "tune 2 'Morrison's'" in window.statusBar().currentMessage()
    window.document.undo_stack.undo()  # the import's undo brings back what it discarded
    assert window.document.melody == PIECE_MELODY
    assert window.document.variations == [VARIATION_MELODY]


def test_the_tune_chooser_lists_titles_and_preselects_the_first(qtbot):
    pytest.importorskip("music21")
    from segue.engine.notation import parse_abc_text

    dialog = TrackChooserDialog("book.abc", parse_abc_text(TWO_TUNES).parts)
    qtbot.addWidget(dialog)
    headers = [dialog.table.horizontalHeaderItem(c).text() for c in range(dialog.table.columnCount())]
    assert headers[:4] == ["Tune", "Title", "Key and meter", "Notes"]
    assert dialog.table.item(1, 1).text() == "Morrison's"
    assert dialog.chosen_track() == 0


def test_abc_text_on_the_clipboard_becomes_the_piece(qtbot, make_window):
    pytest.importorskip("music21")
    from PySide6.QtGui import QGuiApplication

    window, dialogs = make_window()
    QGuiApplication.clipboard().setText("X:1\nT:Copied\nL:1/8\nK:D\nd2 e2 f2 g2|\n")
    with notation_done(qtbot, window):
        window.actions["import_clipboard"].trigger()
    assert dialogs.kinds() == []
    assert [n.pitch for n in window.document.melody.notes] == [74, 76, 78, 79]
    assert window.document.undo_stack.undoText() == "Import the clipboard"
    QGuiApplication.clipboard().setText("just a shopping list")
    assert window.files.import_clipboard() is False
    assert "no ABC tune" in dialogs.messages()[0]
    assert [n.pitch for n in window.document.melody.notes] == [74, 76, 78, 79]


@pytest.mark.parametrize("name", ["out.abc", "out.musicxml", "out.mxl"])
def test_export_writes_abc_and_musicxml_from_the_dialog(qtbot, tmp_path, make_window, name):
    pytest.importorskip("music21")
    from segue.engine.notation import import_notation

    window, dialogs = make_window(export=ExportOptions(PIECE), save_path=str(tmp_path / name))
    window.document.set_melody(PIECE_MELODY.replace(key="F major", tempo=90), "Key")
    with notation_done(qtbot, window) as done:
        assert window.files.export_dialog()
    assert done.args == [True] and f"Exported {name}" in window.statusBar().currentMessage()
    result = import_notation(tmp_path / name)
    assert result.melody.notes == PIECE_MELODY.notes
    assert (result.melody.key, result.melody.tempo) == ("F major", 90.0)
    assert result.report.title == "Untitled"


def test_a_broken_abc_file_is_one_message_and_keeps_the_piece(qtbot, tmp_path, make_window):
    pytest.importorskip("music21")
    source = tmp_path / "broken.abc"
    source.write_text("this is not a tune")
    window, dialogs = make_window()
    with notation_done(qtbot, window) as done:
        assert window.files.import_path(str(source))  # started: it ends in the worker
    assert done.args == [False]
    assert dialogs.messages() == [
        "Cannot import 'broken.abc': it holds no ABC tune (a tune needs an X: and a K: line)."
    ]
    assert window.document.melody == PIECE_MELODY


def test_use_selection_as_seed_crops_to_its_bar_and_moves_the_marker(qtbot, make_window):
    window, _ = make_window()
    long_piece = Melody([Note(60 + i, i * 8, 8) for i in range(12)])  # six bars of half notes
    window.document.load(long_piece, long_piece.end)
    chosen = [n for n in long_piece.notes if 36 <= n.start < 52]  # bar 3, second half, to bar 4
    assert window.files.use_selection_as_seed(chosen)
    assert window.document.melody.notes[0] == Note(64, 0, 8)  # bar 3 is now bar 1
    assert window.document.marker == 56 - 32  # after the last chosen note
    assert len(window.document.melody.notes) == 8  # the notes after the seed stay
    assert "bars 3-4" in window.statusBar().currentMessage()
    window.document.undo_stack.undo()
    assert window.document.melody == long_piece
    assert window.files.use_selection_as_seed([]) is False


def test_undoing_an_accept_says_so_in_the_status_bar(qtbot, make_window):
    window, _ = make_window()
    window.document.set_variations([VARIATION_MELODY])
    window.document.accept_variation()
    window.statusBar().showMessage("Variation accepted.")
    window.actions["undo"].trigger()
    assert window.statusBar().currentMessage() == "Undo: Accept Variation"
    window.actions["redo"].trigger()
    assert window.statusBar().currentMessage() == "Redo: Accept Variation"
