"""Sound without a MIDI synth: a General MIDI SoundFont synthesizer, offline rendering to audio
files, and the built-in instrument that plays live through the audio device. No Qt.

``soundfont``   :class:`SoundFontSynth` (MIDI messages in, samples out), :class:`SoundFontError`,
    ``BUILT_IN_SOUNDFONT`` (the public-domain GM bank in ``resources/``)
``rendering``   ``melody_events``, ``stream_render`` (blocks to a writer, memory independent of
    length), ``iter_render`` / ``render`` / ``render_melody`` -> ``Rendering``
``audio_files``   ``AudioStream`` (WAV or FLAC written block by block), ``write_audio``,
    ``AudioExportError``
``soundfont_check``   ``check_soundfont(path)``: a user's SoundFont parsed in a short-lived child
    process (a damaged file can crash the native parser: that child's death is "it is damaged")
``render_process``   ``render_to_file``: Export Audio and ``segue-cli render`` in a child process
    that loads the SoundFont and streams the file; cancellable, atomic
``instrument``   :class:`BuiltInInstrument` (an output for the player), ``audio_available``
``host``   :class:`InstrumentHost`: the built-in instrument in a process of its own, so no thread
    of Segue's holds the GIL its audio callback needs (what ``AudioSystem`` opens on a device)
``host_pipe``   the framed records of the pipe to that process (a torn one is skipped, whole
    ones found again), and what the child refuses to play
``system``   :class:`AudioSystem`: whether the instrument can sound here (asked of a
    short-lived process); opening it, with a SoundFont fallback
``instrument_settings``   :class:`InstrumentSettings`: the user's SoundFont, buffer and volume
``midi_render``   ``render_midi_file``: the body of ``segue-cli render``

Only ``instrument`` touches the audio device (sounddevice/PortAudio, imported when opened), in
the process ``host`` starts; Segue's own process never loads PortAudio (``system`` and
``devices`` ask short-lived processes), so a JACK server that goes away cannot hang or crash it
at quit. A user's SoundFont is parsed only in a child process (the checker, the renderer, the
instrument's host), never in the app's or the command line's own.
"""
