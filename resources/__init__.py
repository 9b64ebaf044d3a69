"""Files the app needs at run time (demo seed, icon, SoundFont), installed as the package
``segue.resources`` (see engine/data_files.py). No code lives here."""
