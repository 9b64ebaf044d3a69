"""Which model writes continuations: the one loaded at start-up, the chooser in the generation
panel, Open Model…, and what the status bar says about it.

Loading runs in the background (:class:`gui.generation.model_loader.ModelManager`). A model that
fails to load leaves the one in use loaded and in charge; with none at all the window says so and
Continue explains what to do. :class:`ModelsController` needs no window: it talks to the manager,
the panel and the dialogs it is given, and reports through signals.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from segue.engine import file_formats
from segue.engine.ml.catalog import available_models, is_model_file, model_path
from segue.engine.session import GenerationSettings
from segue.gui import settings as prefs
from segue.gui.dialogs import Dialogs
from segue.gui.generation.model_loader import LoadedModel, ModelManager
from segue.gui.generation.panel import GenerationPanel
from segue.gui.generation.tooltips import rich_tip

NO_MODEL_TEXT = "Model: none"
NO_MODEL_FOUND = "No model found in the models folder."


def loadable_model(wanted: str) -> str | None:
    """``wanted`` if it is a listed model or an existing model file, else the default."""
    available = available_models()
    if wanted in available or (
        is_model_file(wanted) and model_path(wanted).with_suffix(".json").is_file()
    ):
        return wanted
    return available[0] if available else None


class ModelsController(QObject):
    """The model in use, for one panel; see the module docstring."""

    # The status bar's model field: text, tooltip and device ('' hides the device field); a
    # None tooltip or device leaves that as it is (while another model loads).
    model_shown = Signal(str, object, object)
    status_message = Signal(str, int)  # text, milliseconds

    def __init__(
        self,
        models: ModelManager,
        panel: GenerationPanel,
        dialogs: Dialogs,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.models, self.panel, self.dialogs = models, panel, dialogs
        self.started = False  # after start-up, a model the user chose that fails is a dialog
        self._choice: str | None = None  # the chooser's entry for the loaded model
        models.loading.connect(self._loading)
        models.loaded.connect(self.show_loaded)
        models.failed.connect(self._failed)
        panel.model_chosen.connect(self.load)
        panel.open_model_requested.connect(self.open_model_dialog)

    def start(self, load: bool = True) -> None:
        """Start-up: load the model the settings name (or the default)."""
        self.started = True
        if load:
            self.load(loadable_model(self.panel.settings().model))

    def refresh(self) -> None:
        """Fill the chooser: the shipped models and the user's own, and the panel's model when
        it is a file."""
        current = self.panel.settings().model
        models = available_models()
        extra = (current,) if current not in models and is_model_file(current) else ()
        self.panel.set_models(models, current, extra)
        if not models and not extra:
            self.show_no_model(NO_MODEL_FOUND)

    def use_settings(self, generation: GenerationSettings, load: bool = True) -> None:
        """A session's generation settings: shown, and its model loaded (once) after start-up."""
        self.panel.set_settings(generation)
        self.refresh()
        wanted = loadable_model(generation.model)
        if load and self.started and wanted and wanted != self.models.requested:
            self.load(wanted)

    def load(self, name_or_path: str | None) -> None:
        if not name_or_path:
            self.show_no_model(NO_MODEL_FOUND)
            return
        self.models.load(name_or_path)

    def open_model_dialog(self) -> None:
        path = self.dialogs.open_path(
            "Open Model", file_formats.MODEL_FILTER, prefs.read(prefs.LAST_DIRECTORY)
        )
        if not path:
            return
        self.panel.add_model_path(path)
        self.load(path)

    # --- what is shown ----------------------------------------------------------------------------

    def show_no_model(self, reason: str) -> None:
        self.model_shown.emit(NO_MODEL_TEXT, rich_tip(reason), "")
        self.panel.set_model_state(f"{reason} Use Generate > Open Model… to load one.")

    def show_loaded(self, loaded: LoadedModel) -> None:
        """A model is ready: shown, and the pitch range kept inside what it can play."""
        self._choice = self.models.requested  # what the chooser calls the working model
        self._show(loaded)
        self.status_message.emit(f"Model {loaded.name} ready on {loaded.device}.", 5000)
        low, high = loaded.pitch_limits()
        settings = self.panel.settings()
        new_low = min(max(low, settings.pitch_low), high)
        new_high = max(min(high, settings.pitch_high), new_low)
        if (new_low, new_high) != (settings.pitch_low, settings.pitch_high):
            self.panel.set_settings(settings.replace(pitch_low=new_low, pitch_high=new_high))

    def _show(self, loaded: LoadedModel) -> None:
        self.model_shown.emit(f"Model: {loaded.name}", loaded.path, loaded.device)
        self.panel.set_model_state("")

    def _loading(self, name: str) -> None:
        self.model_shown.emit(f"Loading {name}…", None, None)
        self.panel.set_model_state(f"Loading model {name}…")

    def _failed(self, name: str, message: str) -> None:
        working = self.models.current
        requested = self.models.requested
        chosen_file = bool(requested) and is_model_file(requested)
        # The message names the file the user chose (the engine's may name its .json card).
        text = f"Could not load {Path(requested).name if chosen_file else name}: {message}"
        if working is None:
            self.show_no_model(f"Model {name} could not be loaded: {message}")
            if self.started and chosen_file:
                self.dialogs.error("Could not load the model", text)
            return
        # The model in use stays loaded and in charge: the status bar and the chooser go on
        # saying so, and the rejected file leaves the chooser (and the saved settings), all
        # before the message shows, so the window behind it already tells the truth.
        self._show(working)
        choice = self._choice or working.name
        self.panel.set_settings(self.panel.settings().replace(model=choice))
        self.refresh()
        self.status_message.emit(
            f"Model {name} could not be loaded; still using {working.name}.", 8000
        )
        self.dialogs.error(
            "Could not load the model", f"{text}\n\nSegue goes on with the model {working.name}."
        )
