"""Fakes for tests, benchmarks and scripts: never part of the product.

``live``      MIDI: ``FakeRtmidi``, ``fake_system``, ``FakeOutput``, ``FakeClock``
``audio``     the audio device and synthesizer: ``FakeAudioStream``, ``RecordingSynth``,
              ``FakeSounddevice``, ``fake_audio``
``dialogs``   ``ScriptedDialogs``: the window's questions answered from a script

Product code (``engine/``, ``gui/``) never imports this package (``tests/test_folders.py``
checks); it receives these through constructors.
"""
