"""The background worker: signal order, results, errors as messages, quick cancel, GUI thread."""

import threading
import time

import pytest
from PySide6.QtCore import QThread

from segue.gui.worker import JobCancelled, Worker, describe_error, run_sync


def record(worker):
    """Every signal the worker emits, in order, as (name, value)."""
    seen = []
    worker.started.connect(lambda: seen.append(("started", None)))
    worker.progress.connect(lambda v: seen.append(("progress", v)))
    worker.finished.connect(lambda v: seen.append(("finished", v)))
    worker.errored.connect(lambda v: seen.append(("errored", v)))
    worker.cancelled.connect(lambda: seen.append(("cancelled", None)))
    worker.done.connect(lambda: seen.append(("done", None)))
    return seen


def counting_job(steps=5, pause=0.04):
    def job():
        for i in range(steps):
            time.sleep(pause)
            yield (i + 1) / steps
        return "result"

    return job


def test_signals_arrive_in_strict_order(qtbot):
    worker = Worker()

    def one_step():
        yield 0.5
        return "result"

    with qtbot.waitSignals(
        [worker.started, worker.progress, worker.finished, worker.done],
        order="strict",
        timeout=5000,
        check_params_cbs=[None, lambda v: v == 0.5, lambda v: v == "result", None],
    ):
        worker.start(one_step)
    assert worker.wait(1000)


def test_generator_job_reports_progress_then_result(qtbot):
    worker = Worker()
    seen = record(worker)
    with qtbot.waitSignal(worker.done, timeout=5000):
        worker.start(counting_job())
    names = [name for name, _ in seen]
    assert names[0] == "started" and names[-2:] == ["finished", "done"]
    assert set(names[1:-2]) == {"progress"}
    progress = [v for name, v in seen if name == "progress"]
    assert progress == sorted(progress) and 0 < progress[-1] <= 1.0
    assert seen[-2] == ("finished", "result")
    assert worker.wait(1000)


def test_plain_function_result_arrives(qtbot):
    worker = Worker()
    with qtbot.waitSignal(worker.finished, timeout=5000) as blocker:
        worker.start(lambda: {"answer": 42})
    assert blocker.args == [{"answer": 42}]


def test_signals_arrive_in_the_gui_thread_while_the_job_runs_in_another(qtbot):
    gui_thread = QThread.currentThread()
    job_thread, slot_threads = [], []
    worker = Worker()
    worker.progress.connect(lambda _v: slot_threads.append(QThread.currentThread()))
    worker.finished.connect(lambda _v: slot_threads.append(QThread.currentThread()))

    def job():
        job_thread.append(threading.current_thread())
        yield 0.5
        return None

    with qtbot.waitSignal(worker.done, timeout=5000):
        worker.start(job)
    assert job_thread[0] is not threading.main_thread()
    assert slot_threads and all(t is gui_thread for t in slot_threads)


def test_an_exception_becomes_one_message_and_never_a_crash(qtbot):
    worker = Worker()
    seen = record(worker)

    def job():
        yield 0.1
        raise ValueError("the seed melody is empty: give at least one note")

    with qtbot.waitSignal(worker.done, timeout=5000):
        worker.start(job)
    assert [n for n, _ in seen if n != "progress"] == ["started", "errored", "done"]
    message = dict(seen)["errored"]
    assert message == "the seed melody is empty: give at least one note"
    assert "Traceback" not in message



def test_a_runtime_error_in_a_job_is_reported_like_any_other(qtbot):
    # Torch raises RuntimeError (CUDA out of memory too); superqt's GeneratorWorker drops it
    # without a signal, which is why this module is not built on it (see its docstring).
    worker = Worker()
    seen = record(worker)

    def job():
        yield 0.1
        raise RuntimeError("CUDA out of memory. Tried to allocate 2 GiB")

    with qtbot.waitSignal(worker.done, timeout=5000):
        worker.start(job)
    assert [n for n, _ in seen if n != "progress"] == ["started", "errored", "done"]
    assert dict(seen)["errored"].startswith("Out of memory")


def test_cancel_is_observed_between_yields(qtbot):
    # How fast it is observed is measured in bench/gui_latency.py, not asserted here.
    worker = Worker()
    seen = record(worker)
    yielding = threading.Event()

    def endless():
        while True:
            yielding.set()
            yield None

    with qtbot.waitSignal(worker.started, timeout=5000):
        worker.start(endless)
    assert yielding.wait(5)
    with qtbot.waitSignals([worker.cancelled, worker.done], order="strict", timeout=10000):
        worker.cancel()
    assert not any(name in ("finished", "errored") for name, _ in seen)


def test_job_raising_job_cancelled_is_reported_as_cancelled(qtbot):
    worker = Worker()
    seen = record(worker)

    def job():
        yield 0.2
        raise JobCancelled

    with qtbot.waitSignal(worker.done, timeout=5000):
        worker.start(job)
    assert [n for n, _ in seen if n != "progress"] == ["started", "cancelled", "done"]


def test_is_cancelled_is_visible_to_the_job(qtbot):
    worker = Worker()
    observed = []
    gate = threading.Event()

    def job():
        gate.wait(2)
        observed.append(worker.is_cancelled())
        return "stopped" if worker.is_cancelled() else "ran"

    with qtbot.waitSignal(worker.done, timeout=5000):
        worker.start(job)
        worker.cancel()
        gate.set()
    assert observed == [True]


def test_progress_is_throttled_for_jobs_that_yield_every_step(qtbot):
    worker = Worker()
    seen = record(worker)

    def chatty():
        for i in range(20000):
            yield i / 20000
        return "done"

    with qtbot.waitSignal(worker.done, timeout=10000):
        worker.start(chatty)
    progress = [v for name, v in seen if name == "progress"]
    assert 1 <= len(progress) < 200
    assert seen[-2] == ("finished", "done")


def test_a_worker_runs_one_job(qtbot):
    worker = Worker()
    with qtbot.waitSignal(worker.done, timeout=5000):
        worker.start(lambda: 1)
    with pytest.raises(RuntimeError, match="one job"):
        worker.start(lambda: 2)
    with pytest.raises(ValueError, match="callable"):
        Worker().start("not a job")


@pytest.mark.parametrize(
    "exc, expected",
    [
        (MemoryError(), "Out of memory"),
        (RuntimeError("CUDA out of memory. Tried to allocate 2 GiB"), "Out of memory"),
        (ValueError("the seed is empty"), "the seed is empty"),
        (RuntimeError("CUDA driver version is insufficient"), "The GPU cannot be used"),
        (ZeroDivisionError(), "Unexpected problem (ZeroDivisionError)"),
    ],
)
def test_describe_error_is_one_line_in_plain_words(exc, expected):
    message = describe_error(exc)
    assert expected in message
    assert "\n" not in message


def test_run_sync_drains_generators_and_passes_values():
    assert run_sync(counting_job(3, 0)) == "result"
    assert run_sync(lambda: 7) == 7


def _fail_in_worker(qtbot, error):
    worker = Worker()

    def job():
        raise error

    with qtbot.waitSignal(worker.done, timeout=5000):
        worker.start(job)
    assert worker.wait(1000)


def _expected_errors():
    from segue.engine.corpus_sources import CorpusError
    from segue.engine.live.endpoints import PortError
    from segue.engine.midi_io import MidiExportError, MidiImportError
    from segue.engine.ml.checkpoint import ModelError
    from segue.engine.session import SessionError, SessionFileError

    return [
        MidiImportError("/music/bad.mid", "file is damaged"),
        MidiExportError("/music/out.mid", "disk is full"),
        ModelError("/models/odd.json: invalid model description: hidden size 4096 is outside 1-1024"),
        SessionError("the melody: note 1: pitch 200 is outside 0-127"),
        CorpusError("no melodies in /corpus"),
        PortError("the MIDI port went away"),
        SessionFileError("/music/x.segue", "it is not a Segue session"),
    ]


@pytest.mark.parametrize("error", _expected_errors(), ids=lambda e: type(e).__name__)
def test_an_expected_error_is_logged_as_one_warning_line(qtbot, caplog, error):
    with caplog.at_level("DEBUG", logger="segue.gui.worker"):
        _fail_in_worker(qtbot, error)
    records = [r for r in caplog.records if r.name == "segue.gui.worker"]
    assert [r.levelname for r in records] == ["WARNING"]
    assert records[0].exc_info is None and "\n" not in records[0].getMessage()
    assert str(error).splitlines()[0] in records[0].getMessage()


@pytest.mark.parametrize("error", [ZeroDivisionError("division by zero"), ValueError("oops"),
                                   TypeError("bug")])
def test_a_bug_is_logged_with_its_traceback(qtbot, caplog, error):
    with caplog.at_level("DEBUG", logger="segue.gui.worker"):
        _fail_in_worker(qtbot, error)
    records = [r for r in caplog.records if r.name == "segue.gui.worker"]
    assert [r.levelname for r in records] == ["ERROR"]
    assert records[0].exc_info is not None and records[0].exc_info[1] is error
    assert "Traceback" in caplog.text
