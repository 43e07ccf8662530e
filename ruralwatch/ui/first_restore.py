"""The first start's "Restore a backup…": a laptop with no database yet (a replaced one) takes a backup, e.g. from a
USB stick, instead of starting an empty database, then signs in with it: what `ruralwatch restore` does on the
command line, with the same service (services/backups.restore: administrators of the backup only, checked in full
before anything is put in place, nothing left behind on any failure).
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from ruralwatch.core.errors import ProgressCallback, RuralWatchError
from ruralwatch.paths import remember_db_path
from ruralwatch.services.accounts import KdfParams, PasswordChangeRequired
from ruralwatch.services.backups import (
    RestoreResult,
    UnusableBackupError,
    check_backup_file,
    newest_backup_in,
    restore,
    sign_in_checked,
)
from ruralwatch.store.database import DatabaseError
from ruralwatch.ui.restoring import RESTORE_FAILURES, outcome_notice, show_restore_failure
from ruralwatch.ui.signin import FormDialog, password_edit, remember_account


class FirstRestoreDialog(FormDialog):
    """Which backup, and the administrator's account and password as they were in it; restores into `db_path`
    (the data folder being set up) and signs in. `store` is then the signed-in store; when the restore worked but
    the sign-in needs more (a password to choose), `restored` holds the notice for the sign-in dialog instead."""

    def __init__(self, db_path: Path, params: KdfParams | None = None, remember: bool = False,
                 parent: QWidget | None = None) -> None:
        self.db_path = Path(db_path).expanduser()
        intro = (
            "<b>Restore a backup onto this laptop</b><br><br>"
            "Choose a RuralWatch backup, e.g. on a USB stick: a <tt>.db</tt> file with its <tt>.keys</tt> keyring "
            "beside it, or the folder holding them (its newest backup is taken). It is checked in full, then "
            f"becomes the database in <tt>{escape(str(self.db_path.parent))}</tt>, and you are signed in.<br><br>"
            "Only an administrator of the backup can restore it: type the account name and password as they were "
            "when the backup was made."
        )
        super().__init__("RuralWatch: restore a backup", intro, "Restore and sign in", "Cancel", parent)
        self.params = params
        self.remember = remember  # the data folder was chosen: remembered once the restore is done
        self.restored: str | None = None
        self.backup = QLineEdit()
        self.backup.setPlaceholderText("the backup file, or the folder holding it")
        self.backup.setToolTip("A backup file (ruralwatch-…-daily.db, -manual.db) with its .keys file beside it")
        browse = QPushButton("Ch&oose…")
        browse.setAutoDefault(False)  # Enter restores
        browse.clicked.connect(self.browse_backup)
        row = QHBoxLayout()
        row.addWidget(self.backup, 1)
        row.addWidget(browse)
        label = QLabel("&Backup:")
        label.setBuddy(self.backup)
        self.form.addRow(label, row)
        self.backup.textEdited.connect(lambda _text: self.field_edited(self.backup))
        self.username = self.add_field("&Account name:", QLineEdit(), "An administrator's account in the backup.")
        self.password = self.add_field("&Password:", password_edit(), "As it was when the backup was made.")
        self.backup.setFocus()

    def browse_backup(self) -> None:
        chosen = self.choose_backup()
        if chosen is not None:
            self.backup.setText(str(chosen))
            self.field_edited(self.backup)
            (self.username if not self.username.text() else self.password).setFocus()

    def choose_backup(self) -> Path | None:
        """Tests replace this to answer."""
        start = self.backup.text().strip() or str(Path.home())
        chosen, _filter = QFileDialog.getOpenFileName(self, "The backup to restore", start,
                                                      "RuralWatch backups (*.db);;All files (*)")
        return Path(chosen) if chosen else None

    def backup_path(self) -> Path | None:
        """The backup file typed or chosen (a folder's newest), or None after saying why it will not do."""
        text = self.backup.text().strip()
        if not text:
            self.show_error("Choose the backup to restore (Choose…), or type the folder holding it.", self.backup)
            return None
        path = Path(text).expanduser()
        try:
            backup = newest_backup_in(path) if path.is_dir() else path
            check_backup_file(self.db_path, backup)
        except RESTORE_FAILURES as exc:
            show_restore_failure(self, self.password, exc, field=self.backup)
            return None
        return backup

    def submit(self) -> None:
        name, password = self.username.text().strip(), self.password.text()
        if not self.backup.text().strip():
            self.backup_path()  # says what is missing
            return
        if not name:
            self.show_error("Type the administrator's account name as it was in the backup.", self.username)
            return
        if not password:
            self.show_error("Type the password as it was when the backup was made.", self.password)
            return
        self.clear_error()
        backup = self.backup_path()
        if backup is None:
            return
        made_in_name = f"the backup {backup.name}"

        def work(progress: ProgressCallback) -> RestoreResult:
            return restore(self.db_path, backup, name, password, progress=progress)

        try:
            done = self.run_busy(f"Checking and restoring {made_in_name}…", work, cancellable=True)
        except RESTORE_FAILURES as exc:  # a damaged backup found by the full check: the backup's field is marked
            show_restore_failure(self, self.password, exc,
                                 field=self.backup if isinstance(exc, UnusableBackupError) else None)
            return
        if self.remember:
            remember_db_path(self.db_path)
        made = done.made_local or backup.name
        chosen: str | None = None
        if done.password_to_choose:
            # The password typed was one an administrator set (a reset before the backup): as at any sign-in with
            # it, the account chooses its own before it is signed in.
            chosen = self.choose_new_password(name, password)
        try:
            if done.password_to_choose and chosen is None:
                raise PasswordChangeRequired(name)
            store = self.open_busy(f"Restored the backup of {made} ({done.incidents:,} incidents). Signing in…",
                                   lambda: sign_in_checked(self.db_path, name, password, new_password=chosen,
                                                           params=self.params))
        except (RuralWatchError, DatabaseError, OSError):
            # Restored, but not signed in (no password chosen, or a sign-in that needs more): the sign-in dialog
            # takes it from here, saying the backup is in place, with the account name filled in.
            remember_account(name)
            self.restored = outcome_notice(done, made)
            self.accept()
            return
        self.store = store
        self.accept()


__all__ = ["FirstRestoreDialog"]
