"""The main window's model: which one loads at start-up, the chooser in the generation panel,
Open Model…, and the status bar's model and device fields.

Loading runs in the background (:class:`gui.generation.model_loader.ModelManager`). A model that fails to
load leaves the one in use loaded and in charge; with none at all the window says so and
Continue explains what to do.
"""

from __future__ import annotations

from pathlib import Path

from gui import dialogs as dialog_names
from gui import settings as prefs
from gui.generation.model_loader import LoadedModel, is_model_file, model_path, shipped_models
from gui.generation.tooltips import rich_tip

NO_MODEL_TEXT = "Model: none"


class ModelsMixin:
    """Model loading for :class:`gui.window.main_window.MainWindow`; a mixin before ``QMainWindow``.

    It relies on the window's ``models`` (:class:`gui.generation.model_loader.ModelManager`), ``panel``,
    ``dialogs``, ``model_label``, ``device_label``, ``_started`` and ``_model_choice``; on
    ``_report_error``; and on ``QMainWindow.statusBar``. The window connects the manager's
    ``loading``, ``loaded`` and ``failed`` signals to :meth:`_model_loading`,
    :meth:`_model_loaded` and :meth:`_model_failed`.
    """

    def _initial_model(self) -> str | None:
        return self._loadable_model(self.panel.settings().model)

    @staticmethod
    def _loadable_model(wanted: str) -> str | None:
        """``wanted`` if it is a shipped model or an existing model file, else the default."""
        available = shipped_models()
        if wanted in available or (is_model_file(wanted) and model_path(wanted).with_suffix(".json").is_file()):
            return wanted
        return available[0] if available else None

    def _refresh_models(self):
        current = self.panel.settings().model
        extra = (current,) if current not in shipped_models() and is_model_file(current) else ()
        self.panel.set_models(shipped_models(), current, extra)
        if not shipped_models() and not extra:
            self._show_no_model("No model found in the models folder.")

    def load_model(self, name_or_path: str | None) -> None:
        if not name_or_path:
            self._show_no_model("No model found in the models folder.")
            return
        self.models.load(name_or_path)

    def _show_no_model(self, reason: str):
        self.model_label.setText(NO_MODEL_TEXT)
        self.model_label.setToolTip(rich_tip(reason))
        self.device_label.setText("")
        self.device_label.hide()  # no empty field between two rules
        self.panel.set_model_state(f"{reason} Use Generate > Open Model… to load one.")

    def _model_loading(self, name: str):
        self.model_label.setText(f"Loading {name}…")
        self.panel.set_model_state(f"Loading model {name}…")

    def _model_loaded(self, loaded: LoadedModel):
        self._model_choice = self.models.requested  # what the chooser calls the working model
        self._show_model(loaded)
        low, high = loaded.pitch_limits()
        self.statusBar().showMessage(f"Model {loaded.name} ready on {loaded.device}.", 5000)
        # Keep the pitch range inside what the model can play.
        settings = self.panel.settings()
        new_low = min(max(low, settings.pitch_low), high)
        new_high = max(min(high, settings.pitch_high), new_low)
        if (new_low, new_high) != (settings.pitch_low, settings.pitch_high):
            self.panel.set_settings(settings.replace(pitch_low=new_low, pitch_high=new_high))

    def _model_failed(self, name: str, message: str):
        working = self.models.current
        requested = self.models.requested
        chosen_file = bool(requested) and is_model_file(requested)
        # The message names the file the user chose (the engine's may name its .json card).
        text = f"Could not load {Path(requested).name if chosen_file else name}: {message}"
        if working is None:
            self._show_no_model(f"Model {name} could not be loaded: {message}")
            if self._started and chosen_file:
                self._report_error("Could not load the model", text)
            return
        # The model in use stays loaded and in charge: the status bar and the chooser go on
        # saying so, and the rejected file leaves the chooser (and the saved settings), all
        # before the message shows, so the window behind it already tells the truth.
        self._show_model(working)
        choice = self._model_choice or working.name
        self.panel.set_settings(self.panel.settings().replace(model=choice))
        self._refresh_models()
        self.statusBar().showMessage(
            f"Model {name} could not be loaded; still using {working.name}.", 8000
        )
        self._report_error(
            "Could not load the model", f"{text}\n\nSegue goes on with the model {working.name}."
        )

    def _show_model(self, loaded: LoadedModel) -> None:
        self.model_label.setText(f"Model: {loaded.name}")
        self.model_label.setToolTip(loaded.path)
        self.device_label.setText(loaded.device)
        self.device_label.show()
        self.panel.set_model_state("")

    def open_model_dialog(self) -> None:
        path = self.dialogs.open_path("Open Model", dialog_names.MODEL_FILTER, prefs.read(prefs.LAST_DIRECTORY))
        if not path:
            return
        self.panel.add_model_path(path)
        self.load_model(path)
