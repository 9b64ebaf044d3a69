"""Test configuration: headless Qt for every test, set before any Qt import."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("SEGUE_TESTING", "1")
