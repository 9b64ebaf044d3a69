"""``segue --startup-report`` (bench/startup.py reads it): the window's first paint, the model
ready, then quit."""

from segue.gui.generation.model_loader import LoadedModel
from segue.gui.startup_report import StartupReport


def reported(text: str) -> list[str]:
    return [line.split()[1] for line in text.splitlines() if line.startswith("startup ")]


def test_it_reports_the_first_paint_and_the_model_then_quits(main_window, qtbot, capsys):
    window = main_window()
    quits = []
    StartupReport(window, quit=lambda: quits.append(True))
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: "window_shown" in capsys.readouterr().out)
    assert quits == []  # the model is not ready yet
    window.models.loaded.emit(LoadedModel("folk", "/models/folk", object(), "CPU"))
    window.models.loaded.emit(LoadedModel("folk", "/models/folk", object(), "CPU"))
    qtbot.waitUntil(lambda: quits == [True])
    assert reported(capsys.readouterr().out) == ["model_ready"]  # once, even if told twice


def test_a_model_that_fails_to_load_is_reported_too(main_window, qtbot, capsys):
    window = main_window()
    quits = []
    StartupReport(window, quit=lambda: quits.append(True))
    window.models.failed.emit("folk", "damaged")
    window.show()
    qtbot.waitUntil(lambda: quits == [True])
    assert reported(capsys.readouterr().out) == ["model_failed", "window_shown"]
