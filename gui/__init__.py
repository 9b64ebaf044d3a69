"""Segue's desktop interface: a thin PySide6 layer over :mod:`engine`.

Nothing musical is decided here; widgets show engine values and send edits through the
document's undo stack. Only :mod:`gui.worker` starts threads.
"""
