"""The one way the window runs a use case off the UI thread (the shape of anki's CollectionOp / QueryOp).

A use case is a function of `(services, progress)`. `Operations.run` reopens the window's store on a worker
thread, builds the services there once with `Services.build`, hands the use case a progress callback that
returns False once the user cancelled, and on the UI thread:

- replays every change the worker's services announced onto the window's change hub (so every view refreshes
  from the one hub, and no caller re-announces what it changed), then
- calls `on_done(result)`, or `on_failed(exc)`: by default one message through the window's problem reporter.
  A `CancelledError` is never reported as a problem: it goes to `on_cancelled` when given, else to `on_failed`
  when given (a widget that shows every outcome in one place), else to a status-bar note.

Example (File ▸ Import published crime)::

    ops.run("Importing published crime…",
            lambda services, progress: services.published.import_paths(paths, progress),
            on_done=lambda report: status(report.summary()),
            failure_title="Published crime not imported")

Use cases get plain values (paths, ids, options), never widgets, and must not touch the window's own services.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from ruralwatch.core.errors import CancelledError, ProgressCallback, RuralWatchError
from ruralwatch.services.changes import Change, ChangeHub
from ruralwatch.services.container import Services
from ruralwatch.ui.tasks import BackgroundTask

T = TypeVar("T")
UseCase = Callable[[Services, ProgressCallback], T]
ProblemReporter = Callable[[str, str], None]
StatusReporter = Callable[[str], None]


class _RecordingHub(ChangeHub):
    """The worker's hub: keeps what the use case announced, for the UI thread to replay once it ends."""

    def __init__(self) -> None:
        super().__init__()
        self.recorded: list[Change] = []

    def publish(self, change: Change) -> None:
        self.recorded.append(change)
        super().publish(change)


class Operations(QObject):
    """Runs use cases for one window: holds the running tasks (so none is collected mid-flight) and knows
    how the window reports a problem and a status note."""

    def __init__(self, services: Services, parent: QWidget | None, report_problem: ProblemReporter,
                 show_status: StatusReporter | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self._parent = parent
        self._report_problem = report_problem
        self._show_status = show_status or (lambda _message: None)
        self.running: list[BackgroundTask] = []

    def run(
        self,
        title: str,
        use_case: UseCase[T],
        on_done: Callable[[T], None] | None = None,
        *,
        on_failed: Callable[[BaseException], None] | None = None,
        on_cancelled: Callable[[CancelledError], None] | None = None,
        failure_title: str | None = None,
        parent: QWidget | None = None,
        quiet: bool = False,
    ) -> BackgroundTask:
        """Start `use_case` on a worker thread; `title` labels the progress dialog (shown only for work that
        outlasts half a second, with Cancel). `parent` is the widget the progress dialog belongs to (a dialog
        that started the work), by default the window. `quiet`: no progress dialog at all (a figure filled in when
        it comes)."""
        source = self.services.store
        recorder = _RecordingHub()

        def work(progress: ProgressCallback) -> T:
            store = source.reopen()
            try:
                return use_case(Services.build(store, hub=recorder), progress)
            finally:
                store.close()

        def replay() -> None:
            changes, recorder.recorded = recorder.recorded, []
            for change in changes:
                self.services.hub.publish(change)

        def succeeded(result: Any) -> None:
            replay()
            if on_done is not None:
                on_done(result)

        def failed(exc: BaseException) -> None:
            replay()  # work committed before the failure (e.g. earlier files of an import) is still shown
            if isinstance(exc, CancelledError):
                if on_cancelled is not None:
                    on_cancelled(exc)
                elif on_failed is not None:
                    on_failed(exc)
                else:
                    self._show_status(f"{title.rstrip('…. ')}: cancelled")
                return
            if on_failed is not None:
                on_failed(exc)
                return
            self.report_failure(failure_title or title.rstrip("…. "), exc)

        task = BackgroundTask(parent or self._parent, title, work, succeeded, failed, quiet=quiet)
        self.running.append(task)
        task.finished.connect(lambda: self.running.remove(task))
        task.start()
        return task

    def still_running(self) -> list[tuple[str, threading.Thread]]:
        """(title, thread) of each use case whose worker has not ended: its store is open on the database until
        then, so whoever replaces the file (a restore after the window closed) waits for these first."""
        return [(task.title, thread) for task in self.running
                if (thread := task.thread) is not None and thread.is_alive()]

    def report_failure(self, title: str, exc: BaseException) -> None:
        """A domain error is the user's to act on: its one line. Anything else is a defect: say so, and keep the
        traceback on stderr for the report."""
        if isinstance(exc, RuralWatchError | OSError):  # a file not there, a full disk: also the user's to fix
            self._report_problem(title, str(exc))
            return
        trace = getattr(exc, "__traceback_text__", None)
        if trace:
            print(trace, file=sys.stderr)
        self._report_problem(title, f"An unexpected error stopped it ({type(exc).__name__}: {exc}).")
