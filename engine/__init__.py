"""Segue's engine: what the music is and what comes next. Plain Python, no Qt.

Public API (the names other code may rely on):

Melody data (``engine.melody``, ``engine.keys``)
    ``Note(pitch, start, length, velocity=100, offset_ms=0.0)``   one note; start and length
        in grid steps, ``offset_ms`` played early or late (humanize)
    ``Melody(notes, steps_per_quarter=4, time_signature=(4, 4), tempo=120.0, key=None,
        swing=0.5, swing_unit=1)``
        immutable monophonic melody with ``.notes``; transpose, shift, quantize, slice,
        concatenate, with_velocity, detect_key, add, remove, replace
    ``performance.performed_notes(melody)``   where each note is played (swing, humanize)
    ``keys.parse_key('F# minor')``, ``keys.scale_pitch_classes(key)``, ``keys.ALL_KEYS``
    ``grid.regrid(melody, steps_per_quarter)``, ``grid.regrid_chords``, ``grid.holds_triplets``,
        ``grid.grid_for_onsets``: a piece with triplets lives on 12 steps per quarter

Chords (``engine.chords``, no music21)
    ``Chord(start, length, symbol)``   a lead-sheet symbol ("Am7", "Bb/D", "N.C.") over steps:
        ``.symbol`` (canonical), ``.root``, ``.bass``, ``.quality`` ("maj", "min", "dim", "aug",
        "sus"), ``.pitch_classes``; ``voicing(chord, previous)``, ``bass_note(chord)``,
        ``majmin(chord)`` ("C:maj", "A:min", "N": evaluation's reduction),
        ``music21_figure(chord)``, ``chords_in``, ``cut_at``
    ``harmonize(melody, *, model=None, key=None, alternatives=0, rng_seed=None)``  suggested
        chords covering the melody (``SuggestedChord``: a Chord with ``probability`` and
        ``alternatives``); the shipped network (``models/harmony``, torch loads on first use)
        or ``model="hmm"``, the baseline (``engine.harmony``, ``engine.harmony_beats``)
    ``accompaniment.accompaniment_notes(chords, melody, AccompanimentSettings(...))``   the
        chords as an accompaniment part (block, boom-chick, waltz, jig, arpeggio) for
        playback, MIDI export (a "Chords" track and chord markers) and audio export

Encoding (``engine.encoding``)
    ``EventEncoding(min_pitch, max_pitch)``   melody <-> one token per step (rest, hold, note-on)
    ``bar_positions(origin, count, steps_per_bar)``, ``fit_to_range(melody, encoding)``

MIDI files (``engine.midi_io``, the only module that reads or writes MIDI files)
    ``read_midi(path, track=None) -> Melody``   best melodic track when ``track`` is None
    ``import_midi(path, track=None) -> ImportResult``   melody plus a report (moved, merged,
        dropped notes, warnings); on 12 steps per quarter when the part plays triplets
    ``list_tracks(path) -> list[TrackInfo]``      name, channel, program, note count, range
    ``best_track(path)``                          the part ``read_midi`` takes by default
    ``write_midi(melody, path, *, continuation=None, separate_tracks=False, ...)``
        type-1 SMF at 480 ticks per beat, written atomically; ``melody_to_midi_bytes`` in memory
    ``MidiImportError``, ``MidiExportError``       one clear message naming file and reason

Corpora (``engine.corpus``, ``engine.corpus_sources``, ``engine.openings``)
    ``build_corpus(name)``, ``load_corpus(name, split=None)``, ``split_of(tune_id)``
    ``corpus_openings(tunes, count=40)``  2-4 bar openings of validation tunes (File > New);
        ``read_openings(model)``, ``random_opening(model)``  the ones shipped beside a model

Files (``engine.files``): ``write_atomically(path, data)``, the one way a save reaches the disk

The model (``engine.ml``: ``model``, ``stepper``, ``checkpoint``, ``catalog``, ``request``,
``sampling``, ``training``, ``evaluation``; torch loads only with the modules that need it)
    ``ModelConfig(...)``, ``create_model(config)``            (``engine.ml.model``)
    ``Stepper(model, batch, offset, meter)``   one step at a time (``engine.ml.stepper``)
    ``save_model(model, path)``, ``load_model(name_or_path)``  (``engine.ml.checkpoint``)
        safetensors + JSON, validated, never unpickled; ``'folk'`` is a shipped or user model's
        name; a wrong or damaged file, or an unknown name, raises ``ModelError`` saying which;
        ``model.straight_model``: the style's model for straight pieces its card names (or None),
        which generation hands a straight piece (``engine.ml.grid_view.model_for``)
    ``DEFAULT_MODEL``, ``models_dir()``, ``shipped_models()``, ``model_path(name_or_path)``
        finding models, no torch (``engine.ml.catalog``)
    ``ContinuationRequest.build(seed, start, settings)``, ``.build_fill(melody, range, settings)``
        what to generate, from the panel's ``GenerationSettings`` (``engine.ml.request``)
    ``GenerationOptions(temperature=1.0, rest_weight=1.0, variations=1, rng_seed=None, key=None,
        pitch_range=None, follow_seed=0.0, top_p=None, adaptive_temperature=None,
        beam_width=None, note_grid=None)``  every generation control, checked; each panel
        control's range and default is a ``Span`` beside it (``engine.ml.options``, no torch);
        ``note_grid`` (steps per quarter, a divisor of the model's) keeps the new notes on a
        coarser grid's snaps: a 12-step model on a straight piece writes straight notes, on a
        triplet piece notes on 1/16 and 1/16T steps (``engine.ml.grid_lock``;
        ``engine.ml.grid_view`` sets it from the piece's grid)
    ``choose_device(preference=None)``             CUDA, then MPS, then CPU (``engine.ml.device``)
    ``generate(model, seed_melody, steps, options=None, *, start=None, should_stop=None,
               chords=None, **controls) -> list[Melody]``  continuations only, on the seed's
        time axis; the controls are ``options`` or its fields as keywords
        (``temperature=0.5``); ``chords`` (``Chord`` values over seed and continuation) are
        heard by a chord-aware model (``nottingham``)
    ``iter_generate(model, seed_melody, steps, options, *, start, should_stop, chords)``  the
        same, yielding ``GenerationUpdate`` progress (for workers); the last carries
        ``.chords``, each variation's: the given ones, else proposed by the harmonizer;
        ``GenerationCancelled``, ``steps_for_bars(melody, bars)``
    ``fill(model, melody, start, end, options=None, *, chords=None, **controls)``  whole
        melodies with new music in [start, end), the rest untouched, ranked by how probable the
        following bars are (``engine.ml.fill``; ``iter_fill`` yields progress)
    ``score(model, melody, chords=None) -> dict``  total_bits, pitch_bits, notes, steps
    ``evaluate(model, corpus, split)``             bits/note on a split beside a Kneser-Ney n-gram
    ``train(TrainOptions(...), out)``              AdamW, schedule, early stopping, DDP-ready
        (``engine.ml.train_options``, ``train_state`` for --resume, ``distributed``)
    ``learn.read_folder(folder)`` -> ``StyleMaterial`` (a tenth held out),
        ``ml.style_learning.iter_learn(model, material, out)``  Learn a Style: minutes of
        fine-tuning, yielding progress, the best weights written all or nothing

Sessions (``engine.session``): ``Session(piece, generation, accompaniment)``,
    ``read_session(path)``, ``write_session(path, piece, generation, accompaniment=None)`` (the
    one way ``.segue`` files are read and written; ``SessionFileError`` names the file),
    ``dumps``, ``loads`` (the JSON schema;
    ``SessionError`` for a broken or newer text). Melody JSON: ``engine.melody_json``

Live MIDI (``engine.live``: the only package that touches MIDI ports; its docstring maps it)
    ``ports.MidiSystem``        which MIDI systems work, their ports, opening one (``PortError``)
    ``timeline.Timeline``       pure: what playback does next, and when
    ``player.Player(output)``   scheduler thread: play, stop, pause, seek, loop, panic, audition
    ``midi_input.Recorder``     a played take -> Melody on the grid (``edits.merge_take`` joins it)
    ``call_response.CallResponse(continue_fn, play_fn)``  listen, answer after a pause
    ``live_session.LiveSession(player)``  recording, input routing, loop rule, call and response

The piece (``engine.piece``): ``Piece``, everything a piece is as one immutable value (melody,
chords, marker, pending variations, fill range, phrase end, loop), answering the piece's
questions: ``seed()``, ``heard()``, ``accepted()``, ``discarded()``, ``export_contents(what)``,
``key_melody()``, ``audition_start()``; on melodies ``seed_of``, ``with_variation``,
``accept`` (what Continue continues, what you hear, what Accept keeps: one rule). Edits (``engine.edits``): pure
functions on melodies. Files (``engine.files``): ``write_atomically``.

Command line: ``segue-cli`` (``engine.cli``): corpus build, train, evaluate, generate, openings.
"""

from segue.engine import keys
from segue.engine.encoding import EventEncoding
from segue.engine.melody import Melody, Note

__version__ = "0.1.0"

# Heavier parts load on first use, so ``import segue.engine`` stays quick and pulls in no torch.
_LAZY = {
    "read_midi": "segue.engine.midi_io",
    "import_midi": "segue.engine.midi_io",
    "write_midi": "segue.engine.midi_io",
    "melody_to_midi_bytes": "segue.engine.midi_io",
    "list_tracks": "segue.engine.midi_io",
    "best_track": "segue.engine.midi_io",
    "TrackInfo": "segue.engine.midi_io",
    "ImportResult": "segue.engine.midi_io",
    "MidiImportError": "segue.engine.midi_io",
    "MidiExportError": "segue.engine.midi_io",
    "build_corpus": "segue.engine.corpus",
    "load_corpus": "segue.engine.corpus",
    "split_of": "segue.engine.corpus",
    "corpus_openings": "segue.engine.openings",
    "Piece": "segue.engine.piece",
    "Chord": "segue.engine.chords",
    "harmonize": "segue.engine.harmony",
    "read_session": "segue.engine.session",
    "write_session": "segue.engine.session",
    "ModelConfig": "segue.engine.ml.model",
    "create_model": "segue.engine.ml.model",
    "ModelError": "segue.engine.ml.checkpoint",
    "save_model": "segue.engine.ml.checkpoint",
    "load_model": "segue.engine.ml.checkpoint",
    "choose_device": "segue.engine.ml.device",
    "GenerationOptions": "segue.engine.ml.options",
    "generate": "segue.engine.ml.sampling",
    "iter_generate": "segue.engine.ml.sampling",
    "GenerationUpdate": "segue.engine.ml.sampling",
    "GenerationCancelled": "segue.engine.ml.sampling",
    "steps_for_bars": "segue.engine.ml.sampling",
    "fill": "segue.engine.ml.fill",
    "score": "segue.engine.ml.evaluation",
    "evaluate": "segue.engine.ml.evaluation",
    "train": "segue.engine.ml.training",
    "TrainOptions": "segue.engine.ml.training",
}

__all__ = ["Melody", "Note", "EventEncoding", "keys", "__version__", *_LAZY]


def __getattr__(name):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'engine' has no attribute {name!r}")
