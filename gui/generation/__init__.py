"""Continuations in the GUI: the ``panel`` of controls, its ``actions`` (shared with the
Generate menu), the ``continuation`` workflow and call-and-response answers, ``model_loader``.
"""
