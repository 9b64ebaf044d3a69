"""The model and everything torch: the only package that imports torch at module level.

``model`` the LSTM (config, features, network); ``stepper`` one step at a time for generation;
``checkpoint`` safetensors + JSON model files (never unpickled); ``catalog`` finding models and
the default (no torch); ``options`` every generation control, its range and default, and the one
options object generation takes (no torch); ``request`` what to generate, from the panel's
settings (no torch); ``sampling`` the controls applied, and variations; ``fill`` a gap;
``device`` CPU/CUDA/MPS and threads; ``training`` with ``train_options``, ``train_state`` and
``distributed``; ``evaluation`` bits per note beside the ``ngram`` baseline.
"""
