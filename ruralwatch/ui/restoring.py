"""Restoring a backup where no store is open (after the window closed, or at the sign-in): the service's `restore`
on a worker thread with progress and Cancel, waited for in a local event loop, so the caller reads like a plain
call while the screen stays alive. Failures change nothing (services/backups.restore); they come back as one line.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QLineEdit, QWidget

from ruralwatch.core.errors import CancelledError, ProgressCallback, RuralWatchError
from ruralwatch.core.words import sentence
from ruralwatch.services.accounts import SignInError
from ruralwatch.services.backups import RestoreResult, UnusableBackupError, restore
from ruralwatch.store.database import DatabaseError
from ruralwatch.ui.tasks import BackgroundTask

if TYPE_CHECKING:
    from ruralwatch.ui.signin import FormDialog

# What a restore, or its check, fails with on purpose (a cancel, a refusal, a file that will not do); anything else
# is a defect and is left to go up with its traceback.
RESTORE_FAILURES = (CancelledError, RuralWatchError, DatabaseError, OSError)
CANCELLED = "Restore cancelled: nothing was changed."
NOT_RESTORED = "The backup was not restored:"


@dataclass(frozen=True)
class RestoreRequest:
    """A restore checked in the window, to be done once the window has closed the database."""

    backup: Path
    made: str  # when the backup was made, local time, for the messages
    username: str
    password: str


# How often a restore waiting for other work to end looks at Cancel (a join's timeout, not a sleep: it returns as
# soon as that work ends).
WAIT_STEP_S = 0.1


@dataclass(frozen=True)
class StillRunning:
    """Work of the closed window still running on its own connection to the database (the automatic backup)."""

    what: str  # for the message: "the automatic backup"
    thread: threading.Thread


def _wait_for(running: Sequence[StillRunning], progress: ProgressCallback) -> None:
    for work in running:
        while work.thread.is_alive():
            if not progress(0, 0):
                raise CancelledError("restore cancelled while waiting; nothing was changed")
            work.thread.join(WAIT_STEP_S)


def run_restore(db_path: Path, backup: Path, username: str, password: str, *, dry_run: bool = False,
                title: str = "Restoring the backup…", parent: QWidget | None = None,
                on_task: Callable[[BackgroundTask], None] | None = None,
                wait_for: Sequence[StillRunning] = ()) -> RestoreResult | BaseException:
    """`restore(...)` off the UI thread (a progress dialog after half a second, with Cancel); its result, or the
    exception it raised (CancelledError after Cancel). `on_task` sees the running task (tests cancel it).
    `wait_for`: work whose connection must close first (the restore refuses a file open elsewhere); the dialog says
    it is waiting for it, and Cancel stops the wait, changing nothing."""
    outcome: list[RestoreResult | BaseException] = []

    def work(progress: ProgressCallback) -> RestoreResult:
        _wait_for(wait_for, progress)
        return restore(db_path, backup, username, password, dry_run=dry_run, progress=progress)

    waiting = [w for w in wait_for if w.thread.is_alive()]
    shown = (f"Waiting for {' and '.join(dict.fromkeys(w.what for w in waiting))} to finish, then: {title[:1].lower()}"
             f"{title[1:]}" if waiting else title)
    task = BackgroundTask(parent, shown, work, outcome.append, outcome.append)  # type: ignore[arg-type]
    if waiting:
        def restoring(_done: int, total: int, _note: str = "") -> None:
            if total > 0 and shiboken6.isValid(task.dialog):  # the copy reports its pages: the wait is over
                task.dialog.setLabelText(title)

        task.signals.progressed.connect(restoring)
    loop = QEventLoop()
    task.finished.connect(loop.quit)
    task.start()
    if on_task is not None:
        on_task(task)
    if not outcome:  # the result comes through the event loop, never before it runs
        loop.exec()
    task.deleteLater()
    return outcome[0]


def failure_text(exc: BaseException, cancelled: str = CANCELLED) -> str:
    """What a restore (or its check) that did not happen says, in one line that says once that nothing was changed:
    the same at the sign-in, the first start, File ▸ Backups and restore and the sign-in after the window closed.
    A wrong password and a file that will not do (damaged, empty, not a backup) say so in their own words; other
    refusals (a role that may not restore, a database in use) follow "The backup was not restored:"."""
    if isinstance(exc, CancelledError):
        return cancelled
    text = sentence(str(exc))
    if not isinstance(exc, SignInError | UnusableBackupError):
        text = f"{NOT_RESTORED} {text}"
    return text if "nothing was changed" in text.lower() else f"{text} Nothing was changed."


def show_restore_failure(dialog: FormDialog, password: QLineEdit, exc: BaseException,
                         cancelled: str = CANCELLED, field: QWidget | None = None) -> None:
    """`failure_text` under a restore form's fields, `field` marked (the backup chosen, when it is the file that will
    not do); a wrong password is cleared and its field marked; the rest of what was typed is kept."""
    if isinstance(exc, SignInError):
        password.clear()
        field = password
    dialog.show_error(failure_text(exc, cancelled), field)


def outcome_notice(outcome: RestoreResult | BaseException, made: str) -> str:
    """What the sign-in says after a restore (rich text)."""
    if isinstance(outcome, RestoreResult):
        kept = (f" The previous database is kept as <tt>{escape(str(outcome.kept_as))}</tt>."
                if outcome.kept_as else "")
        how = ("Sign in with the password an administrator set for you then: it works once more, to choose your "
               "own." if outcome.password_to_choose else "Sign in with your password as it was then.")
        return f"<b>The backup of {escape(made)} was restored.</b> {how}{kept}"
    if isinstance(outcome, CancelledError):
        return "<b>Restore cancelled:</b> nothing was changed."
    # A notice of what happened, so it always opens by saying the restore did not (a wrong password too).
    return f"<b>{NOT_RESTORED}</b> {escape(failure_text(outcome).removeprefix(NOT_RESTORED + ' '))}"


def restore_after_close(db_path: Path, request: RestoreRequest, parent: QWidget | None = None,
                        on_task: Callable[[BackgroundTask], None] | None = None,
                        wait_for: Sequence[StillRunning] = ()) -> tuple[bool, str]:
    """Restore once the window has closed the database, and `wait_for` has ended (the automatic backup, still
    copying, has it open): (done, a notice for the sign-in)."""
    outcome = run_restore(db_path, request.backup, request.username, request.password,
                          title=f"Restoring the backup of {request.made}…", parent=parent, on_task=on_task,
                          wait_for=wait_for)
    return isinstance(outcome, RestoreResult), outcome_notice(outcome, request.made)
