"""The thread and progress-dialog mechanics under ruralwatch.ui.operations (use that, not this, from widgets).

The work function receives a `progress(done, total, note="") -> bool` callback (core.errors.ProgressCallback); it
returns False once the user has cancelled, and the work should then stop (and raise CancelledError, so nothing
half-done is kept). A note is shown under the dialog's title; a total of 0 makes the bar a busy one.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from ruralwatch.core.errors import ProgressCallback as Progress

Work = Callable[[Progress], Any]


# Only show a progress dialog for work that outlasts this; short work stays invisible.
SHOW_PROGRESS_AFTER_MS = 500
NEVER_MS = 2**31 - 1
NOTED_WIDTH = 520  # px: a progress dialog that says what it is doing (a file's name) is this wide at least


class _Signals(QObject):
    progressed = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(object)


class _Worker:
    """Runs the work on a thread Python creates: pyproj (PROJ) keeps per-thread state that goes stale on
    reused threads Python did not start (QThreadPool's), which crashed the second analysis run."""

    def __init__(self, work: Work, signals: _Signals, cancelled: threading.Event) -> None:
        self.work = work
        self.signals = signals
        self.cancelled = cancelled

    def run(self) -> None:
        def progress(done: int, total: int, note: str = "", /) -> bool:
            if self.cancelled.is_set():  # the dialog keeps what it said when Cancel was pressed, not a later step
                return False
            self.signals.progressed.emit(done, total, note)
            return True

        try:
            result = self.work(progress)
        except Exception as exc:  # reported to the UI thread, which shows it
            exc.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
            self.signals.failed.emit(exc)
        else:
            self.signals.succeeded.emit(result)


class BackgroundTask(QObject):
    """One piece of background work. Keep a reference until `finished` fires (the window does)."""

    finished = Signal()

    def __init__(
        self,
        parent: QWidget,
        title: str,
        work: Work,
        on_success: Callable[[Any], None],
        on_failure: Callable[[BaseException], None],
        quiet: bool = False,
    ) -> None:
        super().__init__(parent)
        self.title = title
        self.cancelled = threading.Event()
        self.signals = _Signals()
        self.dialog = QProgressDialog(title, "Cancel", 0, 0, parent)
        self.dialog.setWindowTitle("RuralWatch")
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        # Quiet work (a count the panel fills in when it has it) never shows the dialog: it would block the window.
        self.dialog.setMinimumDuration(NEVER_MS if quiet else SHOW_PROGRESS_AFTER_MS)
        # Qt's own timer, started with the dialog, shows it after 4 s; setMinimumDuration restarts it only when the
        # value is at its minimum, and a new dialog's is -1. Without this every dialog came up after 4 s, not half
        # a second, quiet ones too (a walk met the quiet start-up backup's dialog over the window).
        self.dialog.setValue(0)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.canceled.connect(self.cancelled.set)
        self.signals.progressed.connect(self._on_progress)
        self.signals.succeeded.connect(lambda result: self._finish(on_success, result))
        self.signals.failed.connect(lambda exc: self._finish(on_failure, exc))
        self._worker: _Worker | None = _Worker(work, self.signals, self.cancelled)
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        assert self._worker is not None, "a task runs once"
        self._thread = threading.Thread(target=self._worker.run, name="ruralwatch-task", daemon=True)
        self._thread.start()

    @property
    def thread(self) -> threading.Thread | None:
        """The worker's thread while the task has not finished (None before start and once it has)."""
        return self._thread

    def _on_progress(self, done: int, total: int, note: str = "") -> None:
        if not shiboken6.isValid(self.dialog) or self.cancelled.is_set():  # a step reported just before Cancel
            return
        if note:
            # The title, then what is being done now (which file, how many rows): a long import said only its title.
            self.dialog.setMinimumWidth(NOTED_WIDTH)  # a wider label from the start: the dialog does not grow each step
            self.dialog.setLabelText(f"{self.title}\n{note}")
        if total > 0:
            self.dialog.setMaximum(total)
            self.dialog.setValue(min(done, total))
        elif self.dialog.maximum() != 0:
            self.dialog.setRange(0, 0)  # the amount is not known (any more): a busy bar, not a full one standing still

    def _finish(self, callback: Callable[[Any], None], value: Any) -> None:
        # The worker's last act was to emit; wait for its thread to end so no thread outlives its task
        # (a Python thread still alive when the app exits aborts the process).
        if self._thread is not None:
            self._thread.join(timeout=10)
        # Let go of the work: its closure often holds the widget that started it, which (the task being its child)
        # then never went with its last reference (a sign-in dialog outlived its deleteLater as a dead wrapper).
        self._worker = self._thread = None
        if not shiboken6.isValid(self) or not shiboken6.isValid(self.dialog):
            # The widget that started the task was closed and deleted while it ran (a dialog closed at once):
            # there is no one left to show the result to, and its widgets are gone.
            return
        self.dialog.reset()
        self.dialog.hide()
        self.dialog.deleteLater()
        try:
            callback(value)
        finally:
            self.finished.emit()
