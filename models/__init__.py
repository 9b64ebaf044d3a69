"""The models shipped with Segue, installed as the package ``segue.models`` (a package so
that importlib.resources finds these files in a wheel and in an editable checkout alike; see
engine/data_files.py). No code lives here."""
