"""Sound without a MIDI synth: a General MIDI SoundFont synthesizer, offline rendering to audio
files, and the built-in instrument that plays live through the audio device. No Qt.

``soundfont``   :class:`SoundFontSynth` (MIDI messages in, samples out), :class:`SoundFontError`,
    ``BUILT_IN_SOUNDFONT`` (the public-domain GM bank in ``resources/``)
``rendering``   ``melody_events``, ``iter_render`` / ``render`` / ``render_melody`` -> ``Rendering``
``audio_files``   ``write_audio`` (WAV; FLAC with soundfile), ``AudioExportError``
``instrument``   :class:`BuiltInInstrument` (an output for the player), ``audio_available``
``host``   :class:`InstrumentHost`: the built-in instrument in a process of its own, so no thread
    of Segue's holds the GIL its audio callback needs (what ``AudioSystem`` opens on a device)
``system``   :class:`AudioSystem`: whether the instrument can sound here; opening it, with a
    SoundFont fallback
``instrument_settings``   :class:`InstrumentSettings`: the user's SoundFont, buffer and volume
``midi_render``   ``render_midi_file``: the body of ``segue-cli render``

Only ``instrument`` touches the audio device (sounddevice/PortAudio, imported when opened), in
the process ``host`` starts.
"""
