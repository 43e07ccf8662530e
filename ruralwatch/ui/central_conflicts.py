"""File ▸ Central store conflicts…: the central store's open conflicts, settled from the window as `central
conflicts` / `central resolve` settle them (ruralwatch.central.review: the same interface methods), on the PostgreSQL
central store set in Settings (none set: greyed, saying how to set one), each step off the UI thread through the
window's Operations (a PostgreSQL server may be slow to answer)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton, QVBoxLayout, QWidget

from ruralwatch.central import review
from ruralwatch.central.target import PgTarget
from ruralwatch.core.permissions import Actor, role_may_not
from ruralwatch.core.words import count_of
from ruralwatch.services.container import Services
from ruralwatch.services.sync import Conflict
from ruralwatch.ui import theme
from ruralwatch.ui.conflict_review import ConflictReview, MergeDialog, run_merge_dialog
from ruralwatch.ui.operations import Operations

TIP = ("The central store's conflicts: both values side by side, who wrote each; keep the central store's, the "
       "incoming one or a merged value")


def why_not(actor: Actor, dsn: str) -> str:
    """Why they cannot be reviewed from here ("" when they can): the role, in the catalogue's words as the services
    refuse it, else no central store set (review.window_target's words)."""
    if not actor.can(review.PERMISSION):
        return role_may_not(review.PERMISSION)
    return "" if dsn.strip() else _sentence(review.NO_CENTRAL_STORE)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


class CentralConflictsDialog(QDialog):
    loaded = Signal(object)  # CentralConflicts, each time the list is read
    settled = Signal(object)  # the Conflict as settled
    failed = Signal(str)  # what went wrong, as said in the dialog

    def __init__(self, ops: Operations, target: PgTarget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Central store conflicts")
        self.ops = ops
        self.target = target
        self.found: review.CentralConflicts | None = None
        self.where = where = QLabel(f"<b>Central store:</b> {_html(review.describe(target))}")
        where.setWordWrap(True)
        note = QLabel("Two laptops changed the same field without seeing each other's change: the newer value stands "
                      "until you choose. <i>Mine</i> is the central store's value, <i>theirs</i> the one that came in. "
                      "Your choice is written as a new edit at the central store, recorded in its audit, and reaches "
                      "every laptop with its next package.")
        note.setWordWrap(True)
        self.review = ConflictReview("Central store's (mine)")
        self.review.chosen.connect(lambda choice: self.resolve_selected(choice))
        self.status = QLabel()
        self.status.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.refresh_button = QPushButton("&Read again")
        buttons.addButton(self.refresh_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.refresh_button.clicked.connect(lambda: self.reload())
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(where)
        layout.addWidget(note)
        layout.addWidget(self.review, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.resize(980, 460)
        self.review.set_choices_enabled(False)
        self.reload()

    def reload(self) -> None:
        self._say("Reading the central store's conflicts…")
        target = self.target
        self.refresh_button.setEnabled(False)

        def read(services: Services, _progress: Any) -> review.CentralConflicts:
            return review.list_conflicts(services.store, target)

        self.ops.run("Reading the central store's conflicts…", read, self._show, on_failed=self._failed,
                     parent=self)

    def _show(self, found: review.CentralConflicts) -> None:
        self.found = found
        self.refresh_button.setEnabled(True)
        self.review.show_conflicts(found.conflicts, [found.records[c.id] for c in found.conflicts])
        self.review.set_choices_enabled(bool(found.conflicts))
        if found.conflicts:
            self.review.table.selectRow(0)
        self._say(f"{count_of(len(found.conflicts), 'open conflict')}." if found.conflicts
                  else "No conflicts to review at the central store.")
        self.loaded.emit(found)

    def _failed(self, exc: BaseException) -> None:
        self.refresh_button.setEnabled(True)
        message = f"Not read: {exc}"
        self._say(message, error=True)
        self.failed.emit(message)

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setStyleSheet(theme.error_style() if error else "")
        self.status.setText(text)

    def run_dialog(self, dialog: QDialog) -> int:
        """Run a dialog opened from here; tests replace this to fill it in."""
        return dialog.exec()

    def _settle(self, conflict: Conflict, choice: str, value: Any, done: Callable[[Conflict], None],
                failed: Callable[[BaseException], None], parent: QWidget) -> None:
        target = self.target

        def work(services: Services, _progress: Any) -> Conflict:
            return review.settle(services.store, target, conflict.id, choice, value)

        self.ops.run("Settling the conflict at the central store…", work, done, on_failed=failed, parent=parent)

    def resolve_selected(self, choice: str) -> bool:
        """Keep mine / theirs at once, or type a merged value; the list is read again after. False: nothing done."""
        chosen = self.review.selected()
        if chosen is None:
            return False
        conflict, record = chosen

        def done(settled: Conflict) -> None:
            self.reload()
            self.settled.emit(settled)

        if choice == "merged":
            def settle(value: str, ok: Callable[[Conflict], None], bad: Callable[[BaseException], None]) -> None:
                self._settle(conflict, "merged", value, ok, bad, dialog)

            dialog = MergeDialog(settle, conflict, record, self, mine="&Mine (central store):")
            if not run_merge_dialog(dialog, self.run_dialog):
                return False
            assert dialog.resolved is not None
            done(dialog.resolved)
            return True
        self.review.set_choices_enabled(False)

        def refused(exc: BaseException) -> None:
            self.review.set_choices_enabled(True)
            message = f"Not resolved: {exc}"
            self._say(message, error=True)
            self.failed.emit(message)

        self._settle(conflict, choice, None, done, refused, self)
        return True


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
