"""Live MIDI, no Qt: the only package that touches MIDI ports.

``ports``         MIDI systems and their ports (``MidiSystem``, ``PortInfo``, ``PortError``)
``output``        an open output port (``open_output``, ``MidiOutput``)
``midi_input``    an open input port and the ``Recorder`` that turns a take into a Melody
``messages``      MIDI messages as bytes; the channel and data-byte checks
``timeline``      what happens next in playback, and when (pure: melody, loop, end, tempo,
                  count-in, metronome)
``player``        the ``Player``: scheduler thread, output, sounding notes, panic
``call_response`` the call-and-response state machine and ``answer_request``
``live_session``  ``LiveSession``: play while armed, input routing, the loop rule, call and
                  response's lifecycle (the GUI's ``PlaybackBridge`` only adds signals)
``deferred``      callbacks collected under a lock and made after it
``testing``       fakes for tests and for running without MIDI (``FakeRtmidi``, ``fake_system``,
                  ``FakeOutput``, ``FakeClock``)
"""
