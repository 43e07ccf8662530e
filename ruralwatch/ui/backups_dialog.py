"""File ▸ Backups and restore: the same BackupService as `ruralwatch backup`, `backups [--in]` and `restore`.

Backing up and checking the list run off the UI thread with progress and Cancel (ui/operations.py); the rules
(who may, where a copy may go, what counts as a good backup) and the audit entries are the service's. A restore
cannot replace the file under the open window (the service refuses, as it refuses the command line): the window
checks it first with the service's dry run (password as when the backup was made, the role in the backup and
now, the backup's full integrity check), then closes, and ruralwatch.ui.application restores with the store
closed (ui/restoring.py) and brings the sign-in back, saying what happened.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ruralwatch.core.errors import CancelledError, ProgressCallback
from ruralwatch.core.words import count_of
from ruralwatch.services.backups import BackupInfo, BackupStatus, RestoreResult
from ruralwatch.services.container import Services
from ruralwatch.ui import theme
from ruralwatch.ui.operations import Operations
from ruralwatch.ui.restoring import RESTORE_FAILURES, RestoreRequest, show_restore_failure
from ruralwatch.ui.signin import FormDialog, password_edit
from ruralwatch.ui.tasks import BackgroundTask
from ruralwatch.ui.widgets import make_table, settle_default_button
from ruralwatch.ui.widgets.tables import item

COLUMNS = ("Made", "Kind", "Size", "File", "Check")
CHECK_COLUMN = 4
REASON_NAMES = {"start": "Start-up", "daily": "Daily", "manual": "Manual"}


class BackupsDialog(QDialog):
    """The backups of the database (or of a chosen folder: a USB stick), each checked; backing up; restoring."""

    listed = Signal(object)  # list[BackupStatus], once a listing is shown
    backed_up = Signal(object)  # BackupInfo
    restore_requested = Signal(object)  # RestoreRequest: the window closes and the application restores

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Backups and restore")
        self.resize(900, 480)
        self.services = services
        self.ops = Operations(services, self, lambda title, message: self.show_message(f"{title}: {message}", True))
        self.folder: Path | None = None  # None: the database's own backups folder
        self.statuses: list[BackupStatus] = []
        self.task: BackgroundTask | None = None
        self._keep_message = False
        layout = QVBoxLayout(self)
        self.where = QLabel()
        self.where.setWordWrap(True)
        self.where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.where)
        self.table = make_table(COLUMNS, selection=QAbstractItemView.SelectionMode.SingleSelection,
                                stretch_last=True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # A damaged backup's reason is long: it takes the room left, elided (the whole of it is the tooltip), so
        # the file name never goes off the side.
        header.setSectionResizeMode(CHECK_COLUMN, QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(lambda _index: self.ask_restore())
        layout.addWidget(self.table, 1)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        layout.addWidget(self.message)

        row = QHBoxLayout()
        self.backup_button = QPushButton("&Back up now")
        self.backup_button.setToolTip("A manual backup into the backups folder beside the database (never deleted "
                                      "by RuralWatch)")
        self.backup_button.clicked.connect(lambda: self.back_up())
        self.backup_to_button = QPushButton("Back up &to a folder…")
        self.backup_to_button.setToolTip("A manual backup on a USB stick or another drive, with its keyring")
        self.backup_to_button.clicked.connect(self._back_up_to_chosen)
        self.check_folder_button = QPushButton("&Check a folder…")
        self.check_folder_button.setToolTip("List and check the backups in another folder (a USB stick)")
        self.check_folder_button.clicked.connect(self._check_chosen)
        self.usual_button = QPushButton("&Usual folder")
        self.usual_button.setToolTip("List the backups beside the database again")
        self.usual_button.clicked.connect(lambda: self.show_folder(None))
        self.restore_button = QPushButton("&Restore…")
        self.restore_button.setToolTip("Put the selected backup in place of the database (administrators): "
                                       "RuralWatch closes the window, restores it and asks you to sign in again")
        self.restore_button.clicked.connect(self.ask_restore)
        for button in (self.backup_button, self.backup_to_button, self.check_folder_button, self.usual_button):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(self.restore_button)
        layout.addLayout(row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        settle_default_button(self, buttons.button(QDialogButtonBox.StandardButton.Close))  # Enter never restores
        self.refresh()

    # --- the list --------------------------------------------------------------------------------------------

    def shown_folder(self) -> Path:
        return self.folder or self.services.backups.folder()

    def show_folder(self, folder: Path | None) -> BackgroundTask:
        self.folder = folder
        return self.refresh()

    def refresh(self) -> BackgroundTask:
        folder = self.folder
        self.where.setText(f"Backups of <b>{escape(self.services.store.path.name)}</b> in "
                           f"<tt>{escape(str(self.shown_folder()))}</tt>" +
                           ("" if folder is None else " (another folder)"))
        self.table.setRowCount(0)
        self.statuses = []

        def failed(exc: BaseException) -> None:
            if isinstance(exc, CancelledError):
                self.show_message("Checking cancelled: press Usual folder or Check a folder… to list them again.")
            else:
                self.show_message(f"The backups could not be listed: {exc}", error=True)

        return self._run("Checking the backups…", lambda services, progress: services.backups.list(folder, progress),
                         self.show_listing, failed)

    def show_listing(self, statuses: list[BackupStatus]) -> None:
        self.statuses = statuses
        self.table.setRowCount(len(statuses))
        for row, status in enumerate(statuses):
            info = status.info
            check = "Verified" if status.verified else f"Not usable: {status.problem}"
            cells = (item(info.made_local), item(REASON_NAMES.get(info.reason, info.reason)),
                     item(info.size_text, number=True), item(info.path.name), item(check))
            for column, cell in enumerate(cells):
                cell.setToolTip(check if column == CHECK_COLUMN else str(info.path))
                if not status.verified:
                    cell.setForeground(theme.error_colour())
                self.table.setItem(row, column, cell)
        if not statuses:
            self.show_message(f"No backups of {self.services.store.path.name} in {self.shown_folder()}.")
        elif not self._keep_message:  # what a backup just said stays over the count
            bad = sum(not s.verified for s in statuses)
            every = "it opens and passes its check." if len(statuses) == 1 else "each one opens and passes its check."
            self.show_message(f"{count_of(len(statuses), 'backup')}; " + (f"{bad:,} cannot be used." if bad else every),
                              error=bool(bad))
        self._keep_message = False
        self._selection_changed()
        self.listed.emit(statuses)

    def selected(self) -> BackupStatus | None:
        rows = self.table.selectionModel().selectedRows()
        return self.statuses[rows[0].row()] if rows and rows[0].row() < len(self.statuses) else None

    def select(self, path: Path) -> bool:
        for row, status in enumerate(self.statuses):
            if status.info.path == path:
                self.table.selectRow(row)
                return True
        return False

    def _selection_changed(self) -> None:
        chosen = self.selected()
        idle = self.task is None
        self.restore_button.setEnabled(idle and chosen is not None and chosen.verified)

    # --- backing up ------------------------------------------------------------------------------------------

    def back_up(self, folder: Path | None = None) -> BackgroundTask:
        """A manual backup into the backups folder, or `folder`; the list then shows where it went."""

        def done(info: BackupInfo) -> None:
            self.show_message(f"Backed up: {info.path} ({info.size_text}), with its keyring beside it.", ok=True)
            self._keep_message = True
            self.backed_up.emit(info)
            self.folder = folder
            self.refresh().finished.connect(lambda: self.select(info.path))

        def failed(exc: BaseException) -> None:
            if isinstance(exc, CancelledError):
                self.show_message("Backup cancelled: nothing was kept.")
            else:
                self.show_message(f"No backup was made: {exc}", error=True)

        return self._run("Backing up…", lambda services, progress: services.backups.backup_now(folder, progress),
                         done, failed)

    def choose_folder(self, title: str) -> Path | None:
        """Tests replace this to answer."""
        chosen = QFileDialog.getExistingDirectory(self, title, str(self.folder or Path.home()))
        return Path(chosen) if chosen else None

    def _back_up_to_chosen(self) -> None:
        folder = self.choose_folder("Back up to the folder (a USB stick)")
        if folder is not None:
            self.back_up(folder)

    def _check_chosen(self) -> None:
        folder = self.choose_folder("Check the backups in the folder")
        if folder is not None:
            self.show_folder(folder)

    # --- restoring -------------------------------------------------------------------------------------------

    def ask_restore(self) -> RestoreDialog | None:
        """Ask for the password and check the restore; once checked, the window closes to do it."""
        chosen = self.selected()
        if chosen is None or self.task is not None:
            return None
        if not chosen.verified:
            self.show_message(f"This backup cannot be restored: {chosen.problem}. Choose another backup; nothing "
                              "was changed.", error=True)
            return None
        dialog = RestoreDialog(self.services, chosen.info, self)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)  # no backup started under a restore being checked
        dialog.checked.connect(self._restore_checked)
        self.restore_dialog = dialog
        dialog.show()
        return dialog

    def _restore_checked(self, request: RestoreRequest) -> None:
        self.accept()
        self.restore_requested.emit(request)

    # --- shared ----------------------------------------------------------------------------------------------

    def _run(self, title: str, work: Callable[[Services, ProgressCallback], object],
             done: Callable[[object], None], failed: Callable[[BaseException], None]) -> BackgroundTask:
        self._set_busy(True)
        task = self.ops.run(title, work, done, on_failed=failed)
        self.task = task

        def finished() -> None:
            if self.task is task:
                self.task = None
            self._set_busy(False)

        task.finished.connect(finished)
        return task

    def _set_busy(self, busy: bool) -> None:
        for button in (self.backup_button, self.backup_to_button, self.check_folder_button, self.usual_button):
            button.setEnabled(not busy)
        self.restore_button.setEnabled(False)
        if not busy:
            self._selection_changed()

    def show_message(self, text: str, error: bool = False, ok: bool = False) -> None:
        self.message.setStyleSheet(theme.error_style() if error else theme.ok_style() if ok else "")
        self.message.setText(text)
        self.message.show()


class RestoreDialog(FormDialog):
    """The confirmation: which backup (its date), what it replaces, the password as it was then. Submitting runs
    the service's checks (nothing changed); when they pass, `checked` carries the request to the window."""

    checked = Signal(object)  # RestoreRequest

    def __init__(self, services: Services, backup: BackupInfo, parent: QWidget | None = None) -> None:
        store = services.store
        db_path = store.path
        kind = REASON_NAMES.get(backup.reason, backup.reason).lower()
        intro = (
            f"<b>Restore the {kind} backup of {escape(backup.made_local)}?</b><br><br>"
            f"It replaces the database <tt>{escape(str(db_path))}</tt> and its keyring. Everything recorded on "
            f"this laptop since {escape(backup.made_local)} is gone from it, unless it reached the central store or "
            "another laptop (a full package from there brings it back). Accounts and passwords become those of the "
            "backup.<br><br>"
            f"The current files are kept beside it as <tt>{escape(db_path.name)}.before-restore-&lt;time&gt;</tt> "
            "(restore that to undo).<br><br>"
            "RuralWatch checks the backup first; then it closes the window, restores, and asks you to sign in again."
        )
        super().__init__("Restore a backup", intro, "Check and &restore", "Cancel", parent)
        self.setMinimumWidth(560)
        self.services = services
        self.backup = backup
        self.request: RestoreRequest | None = None
        self.result_checked: RestoreResult | None = None
        self.ops = Operations(services, self, lambda title, message: self.show_error(f"{title}: {message}"))
        self.task: BackgroundTask | None = None
        self.password = self.add_field(f"&Password of {store.actor.username} then:", password_edit(),
                                       "Your password as it was when the backup was made.")
        self.password.setFocus()

    def submit(self) -> None:
        if self.task is not None:
            return
        password = self.password.text()
        if not password:
            self.show_error("Enter your password as it was when the backup was made.", self.password)
            return
        self.clear_error()
        path = self.backup.path
        self.submit_button.setEnabled(False)

        def done(result: RestoreResult) -> None:
            self.result_checked = result
            self.request = RestoreRequest(path, self.backup.made_local, result.account, password)
            self.accept()
            self.checked.emit(self.request)

        def failed(exc: BaseException) -> None:
            if isinstance(exc, RESTORE_FAILURES):
                show_restore_failure(self, self.password, exc, "Check cancelled: nothing was changed.")
            else:  # a defect: said to be one, its traceback kept
                self.ops.report_failure("The backup was not checked", exc)

        task = self.ops.run("Checking the backup…", lambda services, progress:
                            services.backups.check_restore(path, password, progress), done, on_failed=failed)
        self.task = task

        def finished() -> None:
            self.task = None
            self.submit_button.setEnabled(True)

        task.finished.connect(finished)
