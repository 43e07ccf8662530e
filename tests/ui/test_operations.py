"""The one way the window runs a use case off the UI thread (ruralwatch.ui.operations)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from PySide6.QtWidgets import QWidget

from ruralwatch.core.errors import CancelledError, NotFoundError
from ruralwatch.core.incident import IncidentInput
from ruralwatch.services.changes import Change
from ruralwatch.services.container import Services
from ruralwatch.ui.operations import Operations


class Recorder:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.notes: list[str] = []


def _ops(qtbot, services: Services) -> tuple[Operations, Recorder]:
    parent = QWidget()
    qtbot.addWidget(parent)
    seen = Recorder()
    ops = Operations(services, parent, lambda title, text: seen.problems.append(f"{title}: {text}"),
                     seen.notes.append)
    return ops, seen


def _incident() -> IncidentInput:
    return IncidentInput(kind="hare_coursing", occurred_start=datetime(2026, 11, 20, 7, 0, tzinfo=UTC),
                         lat=51.95, lon=0.35, place="Brook Farm")


def test_changes_made_on_the_worker_reach_the_windows_hub_before_on_done(qtbot, services: Services) -> None:
    ops, seen = _ops(qtbot, services)
    heard: list[Change] = []
    services.hub.subscribe(heard.append)
    order: list[str] = []
    worker_threads: list[str] = []

    def use_case(worker: Services, _progress) -> str:
        worker_threads.append(threading.current_thread().name)
        assert worker is not services and worker.store is not services.store  # its own connection and services
        return worker.incidents.record(_incident()).id

    def done(incident_id: str) -> None:
        order.append(f"done {incident_id}")
        assert [c.ids for c in heard if c.topic == "incidents"] == [(incident_id,)], "replayed before on_done"

    task = ops.run("Recording…", use_case, done)
    assert ops.running == [task]
    with qtbot.waitSignal(task.finished, timeout=30_000):
        pass
    assert worker_threads == ["ruralwatch-task"]
    assert len(order) == 1 and seen.problems == []
    assert services.incidents.count() == 1  # committed, and visible on the window's own connection
    assert ops.running == []


def test_cancel_goes_to_on_cancelled_and_is_never_reported_as_a_problem(qtbot, services: Services) -> None:
    ops, seen = _ops(qtbot, services)
    go = threading.Event()

    def use_case(_worker: Services, progress) -> None:
        go.wait(30)
        if not progress(1, 2):
            raise CancelledError("stopped by the user")

    task = ops.run("Counting…", use_case, lambda _result: seen.notes.append("done"))
    task.cancelled.set()  # what the progress dialog's Cancel does
    go.set()
    with qtbot.waitSignal(task.finished, timeout=30_000):
        pass
    assert seen.problems == []
    assert seen.notes == ["Counting: cancelled"]


def test_a_users_error_is_its_one_line_and_a_defect_says_it_is_unexpected(qtbot, services: Services) -> None:
    ops, seen = _ops(qtbot, services)

    def missing(_worker: Services, _progress) -> None:
        raise NotFoundError("no incident with id 42")

    def broken(_worker: Services, _progress) -> None:
        raise KeyError("kind")

    for use_case, title in ((missing, "Opening…"), (broken, "Summing…")):
        task = ops.run(title, use_case, lambda _result: None, failure_title=f"{title.rstrip('…')} failed")
        with qtbot.waitSignal(task.finished, timeout=30_000):
            pass
    assert seen.problems[0] == "Opening failed: no incident with id 42"
    assert seen.problems[1].startswith("Summing failed: An unexpected error stopped it (KeyError")


def test_a_failed_use_case_still_replays_what_it_committed(qtbot, services: Services) -> None:
    ops, seen = _ops(qtbot, services)
    heard: list[Change] = []
    services.hub.subscribe(heard.append)

    def use_case(worker: Services, _progress) -> None:
        worker.incidents.record(_incident())
        raise NotFoundError("the second file is not there")

    task = ops.run("Importing…", use_case, lambda _result: None)
    with qtbot.waitSignal(task.finished, timeout=30_000):
        pass
    assert [c.topic for c in heard] == ["incidents"]
    assert seen.problems == ["Importing: the second file is not there"]


def test_a_cancel_goes_to_on_failed_when_there_is_no_on_cancelled(qtbot, services: Services) -> None:
    """A panel that shows every outcome in one place passes only on_failed: the cancel reaches it, unreported."""
    ops, seen = _ops(qtbot, services)
    go, outcomes = threading.Event(), []

    def use_case(_worker: Services, progress) -> None:
        go.wait(30)
        if not progress(1, 2):
            raise CancelledError("auto-fill cancelled")

    task = ops.run("Working out auto-fill…", use_case, lambda _result: None, on_failed=outcomes.append)
    task.cancelled.set()
    go.set()
    with qtbot.waitSignal(task.finished, timeout=30_000):
        pass
    assert [str(exc) for exc in outcomes] == ["auto-fill cancelled"]
    assert seen.problems == [] and seen.notes == []


def test_the_progress_dialog_waits_half_a_second_and_a_quiet_one_never_shows(qtbot, services: Services) -> None:
    """A walk met the quiet start-up backup's window-modal dialog over the window: Qt's own timer, started with the
    dialog, showed every progress dialog after 4 s, whatever its minimum duration (a new dialog's value is -1, and
    setMinimumDuration restarts the timer only at the minimum)."""
    from PySide6.QtCore import QTimer

    from ruralwatch.ui.tasks import NEVER_MS, SHOW_PROGRESS_AFTER_MS

    ops, _seen = _ops(qtbot, services)
    go = threading.Event()
    tasks = [ops.run("Working…", lambda _w, _p: go.wait(30)), ops.run("Quietly…", lambda _w, _p: go.wait(30),
                                                                        quiet=True)]
    try:
        shows = [[t.interval() for t in task.dialog.findChildren(QTimer) if t.isActive()] for task in tasks]
        assert shows == [[SHOW_PROGRESS_AFTER_MS], [NEVER_MS]]
    finally:
        go.set()
        for task in tasks:
            if task in ops.running:
                with qtbot.waitSignal(task.finished, timeout=30_000):
                    pass
