"""The piano roll: ``roll.PianoRoll`` lays out panes (``grid``, ``ruler``, ``velocity``,
``keyboard``, ``header``) around two objects they are given: ``editor.RollEditor`` (selection,
tool, snap, the running gesture, the edit commands; gestures are ``tools`` state classes) and
``view.RollView`` (zoom, scroll, follow, reveal; pixels via ``geometry``).
"""
