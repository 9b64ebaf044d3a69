"""Live MIDI in the GUI: ``playback.PlaybackBridge`` turns the engine's live session callbacks
into signals; ``transport`` is the toolbar.
"""
