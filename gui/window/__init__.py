"""The main window and the controllers it composes: ``files`` (New, Open, Save, Import, Export),
``models`` (which model writes continuations), ``live`` (transport, play, record, call and
response), plus ``autosave``, ``export``, ``import_dialog`` and ``layout`` (session files are read and
written by ``engine.session``).
"""
