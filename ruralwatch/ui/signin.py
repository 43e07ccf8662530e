"""Opening the database at start-up: create it (first run), sign in, or encrypt a file made before accounts.

`inspect_database` (ruralwatch.services.database_files) looks at the file without changing it and says which of
these applies; `open_database`
shows the matching dialog and returns the signed-in Store, or the exit code to quit with (0: the user chose
to quit, 2: the file cannot be used). Every dialog keeps what was typed when something is wrong and shows the
problem inside the dialog, next to the field it concerns.

Deriving a key from a password (Argon2id) takes a few tenths of a second on purpose, and creating, migrating and
checking the database a few seconds more: that work runs on a worker thread (`FormDialog.run_busy`) while the
dialog says what it is doing under a busy bar, with its fields and buttons disabled. Tests pass cheap KdfParams
(keyring.TEST_PARAMS); the application uses the defaults.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from html import escape
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QEvent, QEventLoop, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ruralwatch.core.errors import FieldError, ProgressCallback, RuralWatchError, ValidationError
from ruralwatch.core.words import sentence
from ruralwatch.paths import default_db_path, forget_db_path, remember_db_path, remembered_db_path
from ruralwatch.services.accounts import (
    MIN_PASSWORD,
    KdfParams,
    PasswordChangeRequired,
    SignInError,
    check_new_account,
    check_own_password,
    create_database,
    encrypt_database,
    keyring_path,
    sign_in,
)
from ruralwatch.services.backups import (
    DamagedDatabaseError,
    DatabaseUnavailableError,
    RestoreResult,
    StartupProblem,
    backups_folder,
    check_backup_file,
    restore,
    sign_in_checked,
)
from ruralwatch.services.data_location import DataFolderError, check_data_folder
from ruralwatch.services.database_files import ENCRYPTED, NEW, PLAIN, UNUSABLE, Inspection, inspect_database
from ruralwatch.store.database import DatabaseError, Store
from ruralwatch.ui import settings_keys, theme
from ruralwatch.ui.restoring import RESTORE_FAILURES, outcome_notice, show_restore_failure
from ruralwatch.ui.tasks import BackgroundTask
from ruralwatch.ui.widgets.default_button import settle_default_button
from ruralwatch.ui.widgets.field_marks import MarkedFields

PASSWORD_HINT = f"At least {MIN_PASSWORD} characters; a short phrase of ordinary words is good."

# The dialogs' result when the file turned out to be unusable (damaged, keyring damaged): quit with code 2.
FATAL = 2

ExecDialog = Callable[[QDialog], int]
T = TypeVar("T")


def last_account() -> str:
    return str(settings_keys.LAST_ACCOUNT.read() or "")


def remember_account(username: str) -> None:
    settings_keys.LAST_ACCOUNT.write(username)


WRONG_PASSWORD = "unknown account or wrong password"  # the keyring's words, the same for a name that is no account


def refused_words(name: str, exc: BaseException, known: bool = True) -> str:
    """What the sign-in and the lock screen say when a password is refused, naming the account it was tried for:
    on a shared laptop whoever typed into someone else's sign-in sees at once whose it was. `known`: the name is
    one that signed in here before (remembered, or signed in now); a typed one may be no account at all, and the
    words must not tell which (the keyring answers both alike)."""
    text = str(exc)
    if not text.startswith(WRONG_PASSWORD):
        return sentence(text)  # locked out, disabled: they name the account already
    rest = text[len(WRONG_PASSWORD):].strip().removeprefix("(").removesuffix(")")
    who = name if known else f"{name} (or there is no such account)"
    return sentence(f"Wrong password for {who}" + (f": {rest}" if rest else ""))


@contextmanager
def busy_cursor() -> Iterator[None]:
    """A wait cursor while the UI thread derives a key (a few tenths of a second)."""
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QApplication.restoreOverrideCursor()


def password_edit(placeholder: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setPlaceholderText(placeholder)
    return edit


class FormDialog(QDialog):
    """A small dialog with an introduction, a form, an inline error line and two buttons.

    Slow work (a key from a password, creating or checking a database) goes through `run_busy`: off the UI thread,
    with a busy bar and what is being done under the form, the fields and buttons disabled meanwhile."""

    # True when slow work starts, False when it has ended (its result handled or not yet: tests wait on it).
    busy_changed = Signal(bool)

    def __init__(self, title: str, intro: str, submit_text: str, cancel_text: str = "Cancel",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(480)
        self.store: Store | None = None
        self.fatal = ""
        self.intro = QLabel(intro)
        self.intro.setWordWrap(True)
        self.intro.setTextFormat(Qt.TextFormat.RichText)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.error_label = QLabel()
        self.error_label.setObjectName("errorLabel")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(theme.error_style())
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.hide()
        # Shown while run_busy's work runs: what is being done, and a bar that moves (or fills, given progress).
        self.busy_box = QWidget()
        self.busy_label = QLabel()
        self.busy_label.setWordWrap(True)
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        busy_layout = QVBoxLayout(self.busy_box)
        busy_layout.setContentsMargins(0, 0, 0, 0)
        busy_layout.addWidget(self.busy_label)
        busy_layout.addWidget(self.busy_bar)
        self.busy_box.hide()
        self._busy_task: BackgroundTask | None = None
        self._cancellable = False
        self.buttons = QDialogButtonBox()
        self.submit_button = QPushButton(submit_text)
        self.cancel_button = QPushButton(cancel_text)
        self.buttons.addButton(self.submit_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.submit_button.clicked.connect(self.submit)
        self.cancel_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addSpacing(6)
        layout.addLayout(self.form)
        # Spare height sits below the form, so an error appearing or going takes it there and the fields stay put.
        layout.addStretch(1)
        layout.addWidget(self.error_label)
        layout.addWidget(self.busy_box)
        layout.addWidget(self.buttons)
        # Enter submits. Set once the button is inside the dialog: set before, the dialog never learnt it, and Enter
        # went to the first other button (the first start's Choose…, which opened the folder chooser).
        settle_default_button(self, self.submit_button)
        self.marks = MarkedFields()

    def add_field(self, label: str, widget: QLineEdit, hint: str = "") -> QLineEdit:
        self.form.addRow(label, widget)
        if hint:
            note = QLabel(hint)
            note.setWordWrap(True)
            note.setStyleSheet(theme.hint_style())
            self.form.addRow("", note)
        widget.textEdited.connect(lambda _text, w=widget: self.field_edited(w))
        return widget

    def field_edited(self, widget: QWidget) -> None:
        """Editing the field an error is about takes its mark away, and the message with the last mark."""
        marked = self.marks.is_marked(widget)
        self.marks.unmark(widget)
        if marked and not self.marks.any():
            self.error_label.clear()
            self.error_label.hide()

    def show_error(self, message: str, field: QWidget | None = None) -> None:
        self.clear_error()
        self.error_label.setText(message)
        self.error_label.show()
        # Grow to hold the message rather than squeeze the form above it (which moved every field).
        # The size hint too: the form's height-for-width wraps a field's hint at the whole width, not the field
        # column's, and came out short: the error squeezed the hint under the password box.
        self.resize(self.width(), max(self.height(), self.layout().totalHeightForWidth(self.width()),
                                      self.sizeHint().height()))
        if field is not None:
            self.marks.mark(field, message)
            field.setFocus(Qt.FocusReason.OtherFocusReason)

    def clear_error(self) -> None:
        self.error_label.clear()
        self.error_label.hide()
        self.marks.clear()

    def show_validation(self, exc: ValidationError, fields: dict[str, QWidget]) -> None:
        first = next((fields[e.field] for e in exc.errors if e.field in fields), None)
        self.show_error("\n".join(e.message[:1].upper() + e.message[1:] for e in exc.errors), first)

    def signed_in(self, store: Store) -> None:
        """Done: keep the signed-in store, remember the account name for next time, close."""
        self.store = store
        remember_account(store.actor.username)
        self.accept()

    def submit(self) -> None:  # pragma: no cover - every dialog overrides it
        raise NotImplementedError

    def run_child(self, dialog: QDialog) -> int:
        """Run a dialog opened from this one; tests replace this to fill it in."""
        return dialog.exec()

    def choose_new_password(self, name: str, one_time: str) -> str | None:
        """The password the person chooses in place of the administrator's one-time one; None if they cancel."""
        dialog = NewPasswordDialog(name, one_time, self)
        try:
            if self.run_child(dialog) != QDialog.DialogCode.Accepted:
                return None
            return dialog.chosen
        finally:
            dialog.deleteLater()

    @property
    def busy(self) -> bool:
        return self._busy_task is not None

    def run_busy(self, text: str, work: Callable[[ProgressCallback], T], cancellable: bool = False) -> T:
        """`work(progress)` on a worker thread; its result, or what it raised, raised here. Meanwhile the dialog says
        `text` (or a progress note, once one comes) over a busy bar (filled as `progress(done, total)` reports), every
        field and button is disabled and Escape or closing does nothing, except with `cancellable`, when they (and
        the Cancel button, left enabled) stop the work: it raises CancelledError. Waited for in a local event loop,
        as restoring.run_restore does, so the dialog keeps painting (the screen stayed black for a second after
        Create) while the caller reads like a plain call."""
        if self._busy_task is not None:
            raise RuntimeError("the dialog is busy already")
        outcome: list[Any] = []
        failed: list[BaseException] = []
        task = BackgroundTask(self, text, work, outcome.append, failed.append, quiet=True)
        task.signals.progressed.connect(self._busy_progress)
        self._enter_busy(text, task, cancellable)
        try:
            loop = QEventLoop()
            task.finished.connect(loop.quit)
            task.start()
            loop.exec()  # the outcome comes through this loop (a queued signal), never before it runs
        finally:
            self._leave_busy()
            task.deleteLater()
        if failed:
            raise failed[0]
        return outcome[0]  # type: ignore[no-any-return]

    def open_busy(self, text: str, opening: Callable[[], Store]) -> Store:
        """`run_busy` for work that ends with a signed-in store. A connection serves only the thread that opened it,
        so the worker closes its own and this thread opens the same file, key and account again (a few
        milliseconds: the slow parts, the password's key, migrations and checks, were the worker's)."""
        def work(_progress: ProgressCallback) -> Store:
            store = opening()
            store.close()
            return store

        return self.run_busy(text, work).reopen()

    def _enter_busy(self, text: str, task: BackgroundTask, cancellable: bool) -> None:
        self._busy_task, self._cancellable = task, cancellable
        self._focus_before = self.focusWidget()
        self._disabled: list[QWidget] = []
        for widget in self.findChildren(QWidget):
            # Only this dialog's own (not the task's hidden progress dialog's, which goes before this ends).
            if (isinstance(widget, QLineEdit | QAbstractButton) and widget.isEnabled() and widget.window() is self
                    and not (cancellable and widget is self.cancel_button)):
                widget.setEnabled(False)
                self._disabled.append(widget)
        self._cancel_text = self.cancel_button.text()
        if cancellable:  # it stops the work now ("Quit" at the sign-in would say otherwise)
            self.cancel_button.setText("Cancel")
        self.busy_label.setText(text)
        self.busy_bar.setRange(0, 0)
        self.busy_box.show()
        # Taller to hold it, as for an error: squeezed, the form's hints overlapped the fields below them.
        self.resize(self.width(), max(self.height(), self.layout().totalHeightForWidth(self.width()),
                                      self.sizeHint().height()))
        self.setCursor(Qt.CursorShape.BusyCursor)
        self.busy_changed.emit(True)

    def _leave_busy(self) -> None:
        for widget in self._disabled:
            widget.setEnabled(True)
        self._disabled = []
        self.cancel_button.setText(self._cancel_text)
        self.busy_box.hide()
        self.unsetCursor()
        self._busy_task, self._cancellable = None, False
        if self._focus_before is not None:  # disabling it gave the focus away; an error shown next takes it again
            self._focus_before.setFocus(Qt.FocusReason.OtherFocusReason)
        self.busy_changed.emit(False)

    def _busy_progress(self, done: int, total: int, note: str = "") -> None:
        if note:
            self.busy_label.setText(note)
        if total > 0:
            self.busy_bar.setRange(0, total)
            self.busy_bar.setValue(min(done, total))

    def reject(self) -> None:
        """Escape, Cancel or closing the window: not while work runs (a database half made), unless it can stop."""
        if self._busy_task is not None:
            if self._cancellable:
                self._busy_task.cancelled.set()
                self.busy_label.setText("Stopping…")
            return
        super().reject()


class NewAdministratorDialog(FormDialog):
    """The fields both the first run and encrypting an old file need: the first administrator."""

    def __init__(self, title: str, intro: str, submit_text: str, db_path: Path, params: KdfParams | None,
                 parent: QWidget | None = None, ask_display_name: bool = True) -> None:
        super().__init__(title, intro, submit_text, "Quit", parent)
        self.db_path = Path(db_path).expanduser()
        self.params = params
        self.username = self.add_field("&Account name:", QLineEdit(), "No spaces, e.g. jsmith or pc4471.")
        self.username.setPlaceholderText("your account name")
        self.display_name = QLineEdit()
        if ask_display_name:
            self.add_field("Display &name:", self.display_name)
            self.display_name.setPlaceholderText("optional, e.g. PC Jo Smith")
        self.password = self.add_field("&Password:", password_edit(), PASSWORD_HINT)
        self.password_again = self.add_field("Password a&gain:", password_edit())
        self.username.setFocus()

    def checked_input(self) -> tuple[str, str] | None:
        """(account name, password) when they pass the checks that need no database; else shows every mistake, in
        the order of the fields (a name with a space was reported only once the passwords were right)."""
        password = self.password.text()
        try:
            name = check_new_account(self.username.text(), password, self.password_again.text())
        except ValidationError as exc:
            unnamed = not self.username.text().strip()
            errors = [FieldError("username", "enter an account name for the administrator")
                      if error.field == "username" and unnamed else error for error in exc.errors]
            self.show_validation(ValidationError(errors), {
                "username": self.username, "password": self.password, "password_again": self.password_again})
            return None
        return name, password

    @property
    def fields(self) -> dict[str, QWidget]:
        return {"username": self.username, "password": self.password}


class FirstRunDialog(NewAdministratorDialog):
    """No database yet: create an encrypted one with its first administrator, in a folder the user may choose.

    With `choose_folder` (no --db or $RURALWATCH_DB named the file) the data folder is a field of its own, filled
    with the default, and the choice is remembered for later starts and for the command line. A chosen folder
    that already holds a RuralWatch database is offered for signing in instead (`switch_to`)."""

    def __init__(self, db_path: Path, params: KdfParams | None = None, parent: QWidget | None = None,
                 choose_folder: bool = False) -> None:
        path = Path(db_path).expanduser()
        keys = keyring_path(path)
        where = ("Choose where its files are kept (the suggested folder is your own data folder; a folder on an "
                 "encrypted drive is fine)" if choose_folder else f"It will be <tt>{path}</tt>")
        intro = (
            "<b>Welcome to RuralWatch.</b><br><br>"
            "There is no database yet. Create it now: everything in it is encrypted, and you become its first "
            f"<b>administrator</b>, who adds everyone else's accounts. {where}.<br><br>"
            f"The keys are kept in <tt>{keys.name}</tt> beside the database. Back up both files together: without "
            "the keyring, or without a password, nobody can open the data, not even an administrator."
        )
        super().__init__("RuralWatch: create the database", intro, "Create database", path, params, parent)
        self.choose_folder = choose_folder
        self.switch_to: Path | None = None
        self.switch_notice: str | None = None  # what the sign-in of `switch_to` says first (a restore's outcome)
        self.folder = QLineEdit(str(path.parent))
        if choose_folder:
            self.folder.setToolTip("The database, its keyring and its daily backups are kept in this folder")
            browse = QPushButton("C&hoose…")
            browse.setAutoDefault(False)  # Enter creates the database, even after tabbing past this button
            browse.clicked.connect(self.browse_folder)
            row = QHBoxLayout()
            row.addWidget(self.folder, 1)
            row.addWidget(browse)
            label = QLabel("&Data folder:")
            label.setBuddy(self.folder)
            self.form.insertRow(0, label, row)
            self.folder.textEdited.connect(lambda _text: self.field_edited(self.folder))
        # A replaced laptop starts from its backup (on a stick), not from an empty database.
        self.restore_button = QPushButton("Restore a &backup…")
        self.restore_button.setAutoDefault(False)  # Enter creates the database
        self.restore_button.setToolTip("A new or replaced laptop: put a RuralWatch backup (e.g. from a USB stick) "
                                       "in place instead of creating an empty database, and sign in with it")
        self.restore_button.clicked.connect(self.restore_backup)
        self.buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.username.setFocus()

    def restore_target(self) -> Path | None:
        """Where a restored backup goes: the database file in the chosen folder, made only if the restore is done;
        None after saying why the folder will not do."""
        if not self.choose_folder:
            return self.db_path
        try:
            return check_data_folder(self.folder.text(), self.db_path.name, create=False)
        except DataFolderError as exc:
            self.show_error(str(exc), self.folder)
            return None

    def restore_backup(self) -> None:
        """Restore a backup into the data folder being set up (FirstRestoreDialog), then sign in with it."""
        from ruralwatch.ui.first_restore import FirstRestoreDialog  # it builds on this module's FormDialog

        self.clear_error()
        target = self.restore_target()
        if target is None:
            return
        dialog = FirstRestoreDialog(target, self.params, remember=self.choose_folder, parent=self)
        try:
            self.run_child(dialog)
            if dialog.store is not None:
                self.db_path = target
                self.signed_in(dialog.store)
            elif dialog.restored is not None:  # restored; the sign-in dialog asks for what else it needs
                self.switch_to, self.switch_notice = target, dialog.restored
                self.accept()
        finally:
            dialog.deleteLater()

    def browse_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Folder for the RuralWatch data", self.folder.text())
        if chosen:
            self.folder.setText(chosen)
            self.field_edited(self.folder)

    def target_path(self) -> Path | None:
        """The database file in the chosen folder, or None after showing why the folder will not do."""
        if not self.choose_folder:
            return self.db_path
        text = self.folder.text().strip()
        folder = Path(text).expanduser()
        existing = folder / self.db_path.name
        if text and folder.is_absolute() and existing != self.db_path and inspect_database(existing).state == ENCRYPTED:
            if self.confirm_use_existing(existing):
                remember_db_path(existing)
                self.switch_to = existing
                self.accept()
            return None
        if existing == self.db_path and inspect_database(existing).state == NEW:
            folder.mkdir(parents=True, exist_ok=True)
            return existing
        try:
            return check_data_folder(text, self.db_path.name)
        except DataFolderError as exc:
            self.show_error(str(exc), self.folder)
            return None

    def confirm_use_existing(self, existing: Path) -> bool:
        """Tests replace this to answer."""
        answer = QMessageBox.question(
            self, "A database is already there",
            f"{existing.parent} already holds a RuralWatch database. Sign in to that one instead of creating a "
            "new one?")
        return answer == QMessageBox.StandardButton.Yes

    def submit(self) -> None:
        checked = self.checked_input()
        if checked is None:
            return
        name, password = checked
        self.clear_error()
        try:
            target = self.target_path()
        except OSError as exc:
            self.show_error(f"The folder cannot be used: {exc.strerror or exc}.", self.folder)
            return
        if target is None:
            return
        display_name = self.display_name.text()
        try:
            store = self.open_busy(
                "Creating the encrypted database: making its key from your password and setting up its tables…",
                lambda: create_database(target, name, password, self.params, display_name))
        except ValidationError as exc:
            self.show_validation(exc, self.fields)
            return
        except (RuralWatchError, DatabaseError, OSError) as exc:
            self.show_error(f"The database was not created: {exc}")
            return
        if self.choose_folder:
            remember_db_path(target)
        self.db_path = target
        self.signed_in(store)


class SignInDialog(FormDialog):
    """An encrypted database: the account and its password. The last account used here is shown ("Signing in as
    jsmith", the cursor in Password) with a button for another; with none (or after a sign-out) the name is typed."""

    def __init__(self, db_path: Path, usernames: tuple[str, ...] = (), parent: QWidget | None = None,
                 signed_out: str | None = None, params: KdfParams | None = None, notice: str | None = None) -> None:
        self.db_path = Path(db_path).expanduser()
        self.params = params  # the cost of a password chosen here (tests only)
        intro = f"<b>Sign in to RuralWatch</b><br><br>Database: <tt>{self.db_path}</tt>"
        if notice:  # what happened before this sign-in (a restore from the window), rich text
            intro = f"{notice}<br><br>Database: <tt>{self.db_path}</tt>"
        elif signed_out:
            intro = (f"<b>{escape(signed_out)} has signed out.</b> Sign in as yourself:<br><br>Database: "
                     f"<tt>{self.db_path}</tt>")
        super().__init__("RuralWatch: sign in", intro, "Sign in", "Quit", parent)
        remembered = "" if signed_out else last_account()  # after a sign-out, most likely someone else
        if not remembered and not signed_out and len(usernames) == 1:
            remembered = usernames[0]
        self.remembered = remembered
        # As mature sign-in screens do: a remembered account is shown, large, with the cursor in Password, and one
        # visible button (Alt+N) for anyone else. The cursor once started in a selected account name instead, so an
        # owner who typed their password at once put it in plain sight in the name box.
        self.remembered_box = QWidget()
        self.signing_in_as = QLabel(f"Signing in as <b>{escape(remembered)}</b>")
        self.signing_in_as.setObjectName("signingInAs")
        self.signing_in_as.setStyleSheet("#signingInAs { font-size: 14pt; }")
        self.other_account_button = QPushButton(f"&Not {remembered.replace('&', '&&')}? Use another account")
        self.other_account_button.setAutoDefault(False)  # Enter signs in
        self.other_account_button.setToolTip("Alt+N: sign in as someone else (the account name is cleared and the "
                                             "cursor put there)")
        self.other_account_button.clicked.connect(self.use_another_account)
        box = QHBoxLayout(self.remembered_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.signing_in_as)
        box.addStretch(1)
        box.addWidget(self.other_account_button)
        self.form.addRow(self.remembered_box)
        # The account name holds the remembered one, hidden, until someone chooses another account.
        self.username = self.add_field("&Account name:", QLineEdit())
        self.password = self.add_field("&Password:", password_edit())
        self.username.setText(remembered)
        self.form.setRowVisible(self.username, not remembered)
        self.remembered_box.setVisible(bool(remembered))
        (self.password if remembered else self.username).setFocus()
        self.username.installEventFilter(self)
        # Restoring needs no open database, so it is offered here, before one is opened (the window closes first).
        self.restore_button = QPushButton("Restore a &backup…")
        self.restore_button.setAutoDefault(False)  # Enter signs in
        self.restore_button.setToolTip("Administrators: put a backup (from the backups folder or a USB stick) in "
                                       "place of this database, with the account and password of the backup's day")
        self.restore_button.clicked.connect(self.restore_backup)
        self.buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.ActionRole)

    def use_another_account(self) -> None:
        """Not the remembered account: an empty account name with the cursor in it (and no password half typed)."""
        self.remembered = ""
        self.clear_error()
        self.username.clear()
        self.password.clear()
        self.remembered_box.hide()
        self.form.setRowVisible(self.username, True)
        self.username.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        """Enter in the account name with no password typed goes on to the password, as Tab does, rather than
        saying a password is missing."""
        if (watched is self.username and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent) and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and self.username.text().strip() and not self.password.text()):
            self.password.setFocus(Qt.FocusReason.TabFocusReason)
            return True
        return super().eventFilter(watched, event)

    def choose_backup(self) -> Path | None:
        """Tests replace this to answer."""
        folder = backups_folder(self.db_path)
        chosen, _filter = QFileDialog.getOpenFileName(
            self, "Restore the backup", str(folder if folder.is_dir() else self.db_path.parent),
            "RuralWatch backups (*.db);;All files (*)")
        return Path(chosen) if chosen else None

    def confirm_restore(self, question: str) -> bool:
        """Tests replace this to answer."""
        answer = QMessageBox.question(self, "Restore the backup?", question,
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def restore_backup(self) -> bool:
        """Check a backup with the account and password typed (as they were when it was made), say what it replaces
        and, when the user agrees, restore it; off the UI thread with Cancel. The same `restore` as the command line:
        administrators only, the current files kept beside it, nothing changed on any failure."""
        name, password = self.username.text().strip(), self.password.text()
        if not name:
            self.show_error("Type the administrator's account name first: the backup is restored with the account "
                            "and password as they were when it was made.", self.username)
            return False
        if not password:
            self.show_error("Type the password as it was when the backup was made, then choose the backup.",
                            self.password)
            return False
        backup = self.choose_backup()
        if backup is None:
            return False
        self.clear_error()
        try:
            check_backup_file(self.db_path, backup)
        except RESTORE_FAILURES as exc:
            show_restore_failure(self, self.password, exc)
            return False
        checked = self._run_restore(backup, name, password, f"Checking the backup {backup.name} in full…",
                                    dry_run=True)
        if not isinstance(checked, RestoreResult):
            show_restore_failure(self, self.password, checked, "Check cancelled: nothing was changed.")
            return False
        made = checked.made_local or backup.name
        kept = (f"The current files are kept as {checked.kept_as} (with its keyring; restore that to undo).\n\n"
                if checked.kept_as else "")
        if not self.confirm_restore(
                f"Restore the backup of {made} ({checked.incidents:,} incidents, checked: it opens for "
                f"{checked.account})?\n\nIt replaces {self.db_path} and its keyring. {kept}Everything done on this "
                "laptop since then is gone from it, unless it reached the central store or another laptop. Accounts "
                "and passwords become those of the backup."):
            return False
        done = self._run_restore(backup, name, password, f"Restoring the backup of {made}…")
        if not isinstance(done, RestoreResult):
            show_restore_failure(self, self.password, done)
            return False
        self.intro.setText(f"{outcome_notice(done, made)}<br><br>Database: <tt>{escape(str(self.db_path))}</tt>")
        # Taller to hold the longer text, or its last line (the database) was cut off.
        self.resize(self.width(), max(self.height(), self.layout().totalHeightForWidth(self.width()),
                                      self.sizeHint().height()))
        self.submit_button.setFocus()
        return True

    def _run_restore(self, backup: Path, name: str, password: str, text: str,
                     dry_run: bool = False) -> RestoreResult | BaseException:
        """The service's restore (or its check) under this dialog's busy bar, the fields disabled at once and Cancel
        (the Quit button meanwhile) stopping it; its result, or what it raised."""
        def work(progress: ProgressCallback) -> RestoreResult:
            return restore(self.db_path, backup, name, password, dry_run=dry_run, progress=progress)

        try:
            return self.run_busy(text, work, cancellable=True)
        except RESTORE_FAILURES as exc:
            return exc

    def submit(self) -> None:
        name = self.username.text().strip()
        if not name:
            self.show_error("Enter your account name.", self.username)
            return
        if not self.password.text():
            self.show_error("Enter your password.", self.password)
            return
        self.clear_error()
        self.sign_in(name, self.password.text())

    def sign_in(self, name: str, password: str, new_password: str | None = None) -> None:
        try:
            store = self.open_busy(
                "Signing in: checking your password and the database…",
                lambda: sign_in_checked(self.db_path, name, password, new_password=new_password, params=self.params))
        except PasswordChangeRequired:
            # An administrator set this password and knows it: it only lets the person choose their own.
            chosen = self.choose_new_password(name, password)
            if chosen is None:
                self.show_error("You are not signed in: the password an administrator set works only once, to "
                                "choose your own. Sign in again and choose one.", self.password)
                return
            self.sign_in(name, password, chosen)
            return
        except ValidationError as exc:  # the new password, refused (the dialog checks it first)
            self.show_error(sentence(str(exc)), self.password)
            return
        except DamagedDatabaseError as exc:
            restored = self.offer_restore(exc.problem, name, self.password.text())
            if restored is None:
                self.fatal = getattr(self, "fatal", None) or exc.problem.cli_message()
                self.done(FATAL)
                return
            store = restored
        except SignInError as exc:
            self.password.clear()
            self.show_error(refused_words(name, exc, known=name == self.remembered), self.password)
            return
        except DatabaseUnavailableError as exc:  # a read-only folder, a full disk: fixed outside, then try again
            self.show_error(sentence(str(exc)))
            return
        except (RuralWatchError, DatabaseError, OSError) as exc:
            # A damaged keyring or database, a schema too new: nothing the user can retype.
            self.fatal = str(exc)
            self.done(FATAL)
            return
        self.signed_in(store)

    def offer_restore(self, problem: StartupProblem, name: str, password: str) -> Store | None:
        """The database is damaged: say so and offer its latest good backup. The signed-in store, or None."""
        box = QMessageBox(QMessageBox.Icon.Critical, problem.title, problem.message, parent=self)
        restore_button = box.addButton(problem.button_text, QMessageBox.ButtonRole.AcceptRole) \
            if problem.backup else None
        box.addButton("Quit", QMessageBox.ButtonRole.RejectRole)
        if self.ask(box) is not restore_button or problem.backup is None:
            return None
        backup = problem.backup.path

        def restore_and_sign_in() -> Store:
            restore(self.db_path, backup, name, password)
            return sign_in_checked(self.db_path, name, password)

        try:
            return self.open_busy(f"Restoring the backup of {problem.backup.made_local}, then signing in…",
                                  restore_and_sign_in)
        except (RuralWatchError, DatabaseError, OSError) as exc:
            self.fatal = f"the backup was not restored: {exc}"
            return None

    def ask(self, box: QMessageBox) -> object:
        """Show a question; tests replace this to answer it."""
        box.exec()
        return box.clickedButton()




class NewPasswordDialog(FormDialog):
    """In the sign-in, after a one-time password (a new account's, a reset's): the person chooses their own."""

    def __init__(self, username: str, one_time: str, parent: QWidget | None = None) -> None:
        intro = (f"<b>Choose your own password, {escape(username)}.</b><br><br>The password you typed was set by "
                 "an administrator, who knows it: it works only this once. Choose a new one that only you know; "
                 "you sign in with it from now on.")
        super().__init__("RuralWatch: choose your password", intro, "Sign in", "Cancel", parent)
        self.one_time = one_time
        self.chosen: str | None = None
        self.new = self.add_field("&New password:", password_edit(), PASSWORD_HINT)
        self.again = self.add_field("New password &again:", password_edit())
        self.new.setFocus()

    def submit(self) -> None:
        try:
            check_own_password(self.one_time, self.new.text())
        except ValidationError as exc:
            self.show_validation(exc, {"password": self.new})
            return
        if self.new.text() != self.again.text():
            self.show_error("The two passwords differ: type the same password twice.", self.again)
            return
        self.clear_error()
        self.chosen = self.new.text()
        self.accept()


class EncryptDialog(NewAdministratorDialog):
    """A plain database made before accounts existed: encrypt it now, with a new administrator, or quit."""

    def __init__(self, db_path: Path, params: KdfParams | None = None, parent: QWidget | None = None) -> None:
        path = Path(db_path).expanduser()
        intro = (
            "<b>This database is not encrypted.</b><br><br>"
            f"<tt>{path}</tt> was made by an earlier RuralWatch, before it encrypted its data and had "
            "accounts: anyone who copies the file can read it. This version only opens encrypted databases.<br><br>"
            "Encrypt it now: RuralWatch writes an encrypted copy, checks it, then overwrites the plain file. "
            "You become its first <b>administrator</b> and can then add everyone else's accounts "
            "(Account ▸ Accounts…). If you have no backup of the file yet, quit and make one first."
        )
        super().__init__("RuralWatch: encrypt the database", intro, "Encrypt now", path, params, parent,
                         ask_display_name=False)

    def submit(self) -> None:
        checked = self.checked_input()
        if checked is None:
            return
        name, password = checked
        self.clear_error()
        def encrypt_and_sign_in() -> Store:
            encrypt_database(self.db_path, name, password, self.params)
            return sign_in(self.db_path, name, password)

        try:
            store = self.open_busy("Encrypting the database: writing an encrypted copy and checking it…",
                                   encrypt_and_sign_in)
        except ValidationError as exc:
            self.show_validation(exc, self.fields)
            return
        except (RuralWatchError, DatabaseError, OSError) as exc:
            self.show_error(f"The database was not encrypted: {exc}")
            return
        self.signed_in(store)


def dialog_for(inspection: Inspection, db_path: Path, params: KdfParams | None = None,
               choose_folder: bool = False, signed_out: str | None = None, notice: str | None = None) -> FormDialog:
    if inspection.state == NEW:
        return FirstRunDialog(db_path, params, choose_folder=choose_folder)
    if inspection.state == ENCRYPTED:
        dialog = SignInDialog(db_path, inspection.usernames, signed_out=signed_out, params=params, notice=notice)
        if inspection.problem:  # the keyring: the dialog stays, for Restore a backup…
            dialog.show_error(inspection.problem)
        return dialog
    if inspection.state == PLAIN:
        return EncryptDialog(db_path, params)
    raise ValueError(f"no dialog for a database that is {inspection.state}")


RETRY, START_NEW, QUIT = "retry", "new", "quit"


def ask_missing(db_path: Path) -> str:
    """The remembered database is missing: RETRY (after connecting its drive), START_NEW or QUIT.
    Tests replace this to answer."""
    box = QMessageBox(QMessageBox.Icon.Warning, "RuralWatch: the database is not there",
                      f"RuralWatch keeps its data in\n{db_path}\nbut that file is not there now. If it is on a "
                      "drive or stick that is not connected, connect it and press Retry.\n\nStart a new database "
                      "only if the old one is gone for good.")
    retry = box.addButton("&Retry", QMessageBox.ButtonRole.AcceptRole)
    new = box.addButton("&Start a new database…", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton("&Quit", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(retry)
    box.exec()
    clicked = box.clickedButton()
    return RETRY if clicked is retry else START_NEW if clicked is new else QUIT


def show_unusable(db_path: Path, problem: str) -> None:
    QMessageBox.critical(None, "RuralWatch cannot open its database", f"{db_path}\n\n{problem}")


def open_database(db_path: Path, params: KdfParams | None = None, exec_dialog: ExecDialog | None = None,
                  choose_folder: bool = False, signed_out: str | None = None,
                  notice: str | None = None) -> Store | int:
    """The signed-in store for `db_path` after the right dialog, or an exit code (0 quit, 2 unusable file).

    `exec_dialog` runs a dialog and returns its result (default: `dialog.exec()`; tests fill it in instead).
    `choose_folder`: on a first start the user picks the data folder (not when --db or $RURALWATCH_DB named it).
    `signed_out`: the account that has just signed out: the sign-in says so and leaves the name to type.
    `notice`: what the sign-in says first instead (rich text: a restore's outcome).
    """
    inspection = inspect_database(db_path)
    while choose_folder and inspection.state == NEW and remembered_db_path() == Path(db_path).expanduser().resolve():
        # The database chosen before is not there: never a first start (a drive not connected, most likely).
        answer = ask_missing(db_path)
        if answer == QUIT:
            return 0
        if answer == START_NEW:
            forget_db_path()
            db_path = default_db_path()
        inspection = inspect_database(db_path)
    if inspection.state == UNUSABLE:
        show_unusable(db_path, inspection.problem)
        return FATAL
    dialog = dialog_for(inspection, db_path, params, choose_folder, signed_out, notice)
    try:
        (exec_dialog or QDialog.exec)(dialog)
        if dialog.fatal:
            show_unusable(db_path, dialog.fatal)
            return FATAL
        switch_to = getattr(dialog, "switch_to", None)
        if switch_to is not None:  # the chosen folder already held a database (or a backup was put there): sign in
            return open_database(switch_to, params, exec_dialog, notice=getattr(dialog, "switch_notice", None))
        if dialog.store is None:
            return 0
        return dialog.store
    finally:
        dialog.deleteLater()


__all__ = [
    "ENCRYPTED", "NEW", "PLAIN", "UNUSABLE", "EncryptDialog", "FirstRunDialog", "FormDialog", "Inspection",
    "NewPasswordDialog", "SignInDialog", "busy_cursor", "inspect_database", "last_account", "open_database",
    "password_edit", "refused_words", "remember_account",
]
