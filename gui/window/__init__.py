"""The main window and the controllers it composes: ``files`` (New, Open, Save, Import, Export),
``models`` (which model writes continuations), ``live`` (transport, play, record, call and
response), plus ``autosave``, ``export``, ``import_dialog``, ``session_file`` and ``layout``.
"""
