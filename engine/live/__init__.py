"""Live MIDI, no Qt: the only package that touches MIDI ports.

``ports``         MIDI systems and their ports (``MidiSystem``, ``PortInfo``, ``PortError``)
``output``        an open output port (``open_output``, ``MidiOutput``)
``midi_input``    an open input port and the ``Recorder`` that turns a take into a Melody
``messages``      MIDI messages as bytes; the channel and data-byte checks
``timeline``      what happens next in playback, and when (pure: melody, loop, end, tempo,
                  count-in, metronome)
``player``        the ``Player``: scheduler thread, lock, commands, panic
``player_output`` the player's output and the notes sounding on it; replacing and closing it
``scheduler``     the player's thread loop and how it waits (real time or a given ``sleep``)
``clicks``        what a metronome click sounds like
``port_policy``   which ports play and listen: reconnecting by name, a lost MIDI system,
                  restoring the saved ports, the built-in instrument's settings
``call_response`` the call-and-response state machine and ``answer_request``
``live_session``  ``LiveSession``: play while armed, input routing, the loop rule, call and
                  response's lifecycle (the GUI's ``PlaybackBridge`` only adds signals)
``deferred``      callbacks collected under a lock and made after it
"""
