"""Accounts: administrators add accounts, change roles, disable, reset passwords and lift lock-outs; everyone
changes their own password.

Everything goes through AccountService, which checks the signed-in role too: the dialog only opens for
`accounts.manage`, and whatever the service refuses is shown in the dialog, in words, never as a crash.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ruralwatch.core import times
from ruralwatch.core.errors import RuralWatchError, ValidationError
from ruralwatch.core.permissions import ACCOUNT_ROLES
from ruralwatch.services.accounts import Account, AccountService, KdfParams, check_new_account, check_password
from ruralwatch.store.database import DatabaseError
from ruralwatch.ui import theme
from ruralwatch.ui.signin import PASSWORD_HINT, FormDialog, busy_cursor, password_edit
from ruralwatch.ui.widgets.field_marks import MarkedFields
from ruralwatch.ui.widgets.message_area import MessageArea
from ruralwatch.ui.widgets.tables import make_table

COLUMNS = ("Account", "Name", "Role", "State", "Password set", "Person in the roster")


def _sentence(message: str) -> str:
    message = message.strip()
    if not message:
        return message
    message = message[:1].upper() + message[1:]
    return message if message.endswith((".", ")", "!")) else message + "."


def initial_size(available: QSize | None) -> QSize:
    """Wide enough for every column with Larger text, and never past a laptop's free screen (room for the frame)."""
    wanted = QSize(1200, 720)
    if available is None:
        return wanted
    return QSize(min(wanted.width(), available.width() - 40), min(wanted.height(), available.height() - 60))


def _role_combo() -> QComboBox:
    combo = QComboBox()
    for key, name in ACCOUNT_ROLES:
        combo.addItem(name, key)
    return combo


class AccountsDialog(QDialog):
    """The list of accounts with their role and state, and the actions on them (administrators only)."""

    def __init__(self, service: AccountService, params: KdfParams | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.params = params
        self.accounts: list[Account] = []
        self.people: dict[str, str] = {}  # person id -> "Name, role, collar" for the person boxes
        self.marks = MarkedFields()
        self.setWindowTitle("Accounts")

        self.table = make_table(COLUMNS, stretch_last=False)  # the Name column stretches, as before
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(self.fontMetrics().averageCharWidth() * 8)  # a squeezed name still reads
        self.table.itemSelectionChanged.connect(self._on_selection)

        # The selected account.
        self.selected_box = QGroupBox("Selected account")
        self.role = _role_combo()
        self.role_button = QPushButton("C&hange role")
        self.role_button.clicked.connect(self.change_role)
        self.active_button = QPushButton("Disa&ble")
        self.active_button.clicked.connect(self.toggle_active)
        self.unlock_button = QPushButton("&Unlock")
        self.unlock_button.setToolTip("Lift the lock-out after too many wrong passwords")
        self.unlock_button.clicked.connect(self.unlock_selected)
        self.reset_password = password_edit("new password")
        self.reset_again = password_edit("new password again")
        self.reset_button = QPushButton("Set new pass&word")
        self.reset_button.setToolTip("For a forgotten password; also lifts a lock-out")
        self.reset_button.clicked.connect(self.reset_selected)
        selected = QFormLayout(self.selected_box)
        role_row = QHBoxLayout()
        role_row.addWidget(self.role, 1)
        role_row.addWidget(self.role_button)
        role_label = QLabel("&Role:")
        role_label.setBuddy(self.role)
        selected.addRow(role_label, role_row)
        state_row = QHBoxLayout()
        state_row.addWidget(self.active_button)
        state_row.addWidget(self.unlock_button)
        state_row.addStretch(1)
        access_label = QLabel("Acce&ss:")
        access_label.setBuddy(self.active_button)
        selected.addRow(access_label, state_row)
        selected.addRow("&New password:", self.reset_password)
        reset_row = QHBoxLayout()
        reset_row.addWidget(self.reset_again, 1)
        reset_row.addWidget(self.reset_button)
        reset_again_label = QLabel("A&gain:")
        reset_again_label.setBuddy(self.reset_again)
        selected.addRow(reset_again_label, reset_row)
        self.person = self._person_combo()
        self.person_button = QPushButton("&Link")
        self.person_button.setToolTip("A linked Special or volunteer gives their own availability and sees their "
                                      "own duties")
        self.person_button.clicked.connect(self.link_person)
        person_row = QHBoxLayout()
        person_row.addWidget(self.person, 1)
        person_row.addWidget(self.person_button)
        person_label = QLabel("P&erson:")
        person_label.setBuddy(self.person)
        selected.addRow(person_label, person_row)
        # A Special (or RET officer) linked to no one in the roster cannot give availability: said beside the step
        # that puts it right (a walk added a Special and nothing said so).
        self.person_hint = MessageArea(2)
        self.person_hint.setStyleSheet(theme.warning_style())
        selected.addRow("", self.person_hint)

        # A new account.
        add_box = QGroupBox("Add an account")
        self.new_username = QLineEdit()
        self.new_username.setPlaceholderText("no spaces, e.g. jsmith")
        self.new_display = QLineEdit()
        self.new_display.setPlaceholderText("optional: the roster person's name, or e.g. SC Jo Smith")
        # No role until one is chosen: a preset one (or the last account's) was kept by mistake, and typing "S"
        # on "Special Constable" stepped on to "Specials coordinator". From none, "S" picks Special Constable.
        self.new_role = _role_combo()
        self.new_role.setPlaceholderText("choose a role")
        self.new_role.setCurrentIndex(-1)
        self.new_password = password_edit("password")
        self.new_again = password_edit("password again")
        self.add_button = QPushButton("&Add account")
        self.add_button.clicked.connect(self.add_account)
        add = QFormLayout(add_box)
        add.addRow("Account na&me:", self.new_username)
        add.addRow("Displa&y name:", self.new_display)
        add.addRow("R&ole:", self.new_role)
        self.new_person = self._person_combo()
        add.addRow("Belongs &to:", self.new_person)
        self.new_person_hint = MessageArea(2)
        self.new_person_hint.setStyleSheet(theme.warning_style())
        add.addRow("", self.new_person_hint)
        self.new_role.currentIndexChanged.connect(lambda _i: self._hint_new_person())
        self.new_person.currentIndexChanged.connect(lambda _i: self._hint_new_person())
        add.addRow("&Password:", self.new_password)
        add_row = QHBoxLayout()
        add_row.addWidget(self.new_again, 1)
        add_row.addWidget(self.add_button)
        new_again_label = QLabel("Aga&in:")
        new_again_label.setBuddy(self.new_again)
        add.addRow(new_again_label, add_row)
        hint = QLabel(PASSWORD_HINT + " Tell the person their password in person, not by e-mail.")
        hint.setWordWrap(True)
        hint.setStyleSheet(theme.hint_style())
        add.addRow("", hint)

        for edit in (self.reset_password, self.reset_again, self.new_username, self.new_password, self.new_again):
            edit.textEdited.connect(lambda _text, w=edit: self.marks.unmark(w))
        # No default button (Enter must not change an account by accident), but Enter in the last field of a
        # group does that group's action, as its button would.
        self.new_again.returnPressed.connect(self.add_account)
        self.reset_again.returnPressed.connect(self.reset_selected)

        self.message = MessageArea(2)  # its room kept while empty: the forms above do not move when it speaks
        self.message.setObjectName("accountsMessage")
        self.message.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAutoDefault(False)

        # The list across the whole width, the two forms side by side below it: beside the forms the list had about
        # 500 pixels at 1366x768 and cut Role off and hid State behind a sideways scroll (more so with Larger text).
        forms = QHBoxLayout()
        forms.addWidget(self.selected_box, 1)
        forms.addWidget(add_box, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(forms)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        # None is a default button, Link included: Enter in the Again boxes below would press it too, after adding
        # an account or setting a password (a walk saw "Dhughes belongs to …" replace "Added dhughes").
        for button in (self.role_button, self.active_button, self.unlock_button, self.reset_button,
                       self.person_button, self.add_button):
            button.setAutoDefault(False)
        self.reload()
        self.resize(initial_size(self.screen().availableGeometry().size() if self.screen() else None))

    # --- the list -----------------------------------------------------------------------------------------

    def reload(self, select: str | None = None) -> None:
        select = select or self.selected_username()
        try:
            self.accounts = self.service.list()
            statuses = self.service.statuses()
        except RuralWatchError as exc:
            self.accounts = []
            self.table.setRowCount(0)
            self.show_error(str(exc))
            self._on_selection()
            return
        self._fill_people()
        self.table.setRowCount(len(self.accounts))
        for row, account in enumerate(self.accounts):
            state = statuses[account.username].describe()
            changed = times.format_local(account.password_changed_at) if account.password_changed_at else ""
            person = self.people.get(account.person_id or "", "")
            if self.service.needs_person(account.role, account.person_id):
                person = "⚠ not linked"  # the hint under Person says why it matters
            values = (account.username, account.display_name, account.role_name, state, changed, person)
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                if column == 0:
                    item.setData(Qt.ItemDataRole.UserRole, account.username)
                if not account.active:
                    item.setForeground(theme.hint_colour())
                self.table.setItem(row, column, item)
        self.table.clearSelection()
        if select:
            self.select(select)
        self._on_selection()

    def select(self, username: str) -> bool:
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            if item.data(Qt.ItemDataRole.UserRole).casefold() == username.casefold():
                self.table.selectRow(row)
                return True
        return False

    def selected_username(self) -> str | None:
        if not hasattr(self, "table"):
            return None
        rows = self.table.selectionModel().selectedRows()
        return self.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole) if rows else None

    def selected_account(self) -> Account | None:
        name = self.selected_username()
        return next((a for a in self.accounts if a.username == name), None)

    def _on_selection(self) -> None:
        account = self.selected_account()
        self.selected_box.setEnabled(account is not None)
        if account is None:
            self.selected_box.setTitle("Selected account: choose one in the list")
            self.person_hint.setText("")
            return
        self.selected_box.setTitle(f"Selected account: {account.username}")
        self.role.setCurrentIndex(max(0, self.role.findData(account.role)))
        if account.person_id and self.person.findData(account.person_id) < 0:
            # Linked to someone since removed from the roster: shown as such, so Link does not unlink by surprise.
            self.person.addItem("Someone removed from the roster", account.person_id)
        self.person.setCurrentIndex(max(0, self.person.findData(account.person_id)))
        self.person_hint.setText(
            f"Not linked: {account.username} cannot give their availability or see their own duties until you choose "
            "their entry here and press Link." if self.service.needs_person(account.role, account.person_id) else "")
        self.active_button.setText("Disa&ble" if account.active else "Ena&ble")
        self.active_button.setToolTip("Stop this account signing in" if account.active
                                      else "Let this account sign in again (then set a new password)")
        state = self.table.item(self.table.currentRow(), 3).text() if self.table.currentRow() >= 0 else ""
        self.unlock_button.setEnabled(state.startswith(("Locked", "Active (")))

    def _hint_new_person(self) -> None:
        role = self.new_role.currentData()
        needs = bool(role) and self.service.needs_person(role, self.new_person.currentData())
        name = self.new_role.currentText()
        self.new_person_hint.setText(
            f"A {name} can give availability only once linked to their roster entry: choose it here (add them in "
            "the Roster first)." if needs else "")

    def _person_combo(self) -> QComboBox:
        combo = QComboBox()
        combo.setToolTip("The volunteer or officer in the roster this account belongs to")
        return combo

    def _fill_people(self) -> None:
        """The roster's people for both person boxes ("no one" first), keeping what each box had chosen."""
        try:
            choices = self.service.person_choices()
        except RuralWatchError:
            choices = []
        self.people = dict(choices)
        for combo in (self.person, self.new_person):
            chosen = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem("No one in the roster", None)
            for person_id, label in choices:
                combo.addItem(label, person_id)
            combo.setCurrentIndex(max(0, combo.findData(chosen)))
            combo.blockSignals(False)

    # --- messages -----------------------------------------------------------------------------------------

    def show_error(self, message: str, field: QWidget | None = None) -> None:
        self.marks.clear()
        self.message.setStyleSheet(theme.error_style())
        self.message.setText(_sentence(message))
        self.message.show()
        if field is not None:
            self.marks.mark(field, _sentence(message))
            field.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_done(self, message: str) -> None:
        self.marks.clear()
        self.message.setStyleSheet(theme.ok_style())
        self.message.setText(_sentence(message))
        self.message.show()

    def _show_failure(self, exc: Exception, fields: dict[str, QWidget]) -> None:
        if isinstance(exc, ValidationError):
            field = next((fields[e.field] for e in exc.errors if e.field in fields), None)
            self.show_error("; ".join(e.message for e in exc.errors), field)
            for error in exc.errors:  # every field named is outlined, the first has the focus
                if error.field in fields and fields[error.field] is not field:
                    self.marks.mark(fields[error.field], _sentence(error.message))
        else:
            self.show_error(str(exc))

    def _two_passwords(self, first: QLineEdit, second: QLineEdit) -> str | None:
        password = first.text()
        try:
            check_password(password)
        except ValidationError as exc:
            self.show_error(exc.errors[0].message, first)
            return None
        if password != second.text():
            self.show_error("the two passwords differ: type the same password twice", second)
            return None
        return password

    # --- actions ------------------------------------------------------------------------------------------

    def add_account(self) -> bool:
        fields = {"username": self.new_username, "role": self.new_role, "password": self.new_password,
                  "password_again": self.new_again}
        try:
            # Name, role and passwords checked together, in the order of the fields: the name's space was reported
            # last.
            name = check_new_account(self.new_username.text(), self.new_password.text(), self.new_again.text(),
                                     self.new_role.currentData() or "")
        except ValidationError as exc:
            self._show_failure(exc, fields)
            return False
        password = self.new_password.text()
        role = self.new_role.currentData()
        try:
            with busy_cursor():
                account = self.service.add(name, role, password, self.new_display.text(),
                                           person_id=self.new_person.currentData(), params=self.params)
        except (RuralWatchError, DatabaseError, OSError) as exc:
            self._show_failure(exc, {"username": self.new_username, "role": self.new_role,
                                     "password": self.new_password, "person": self.new_person})
            return False
        for edit in (self.new_username, self.new_display, self.new_password, self.new_again):
            edit.clear()
        self.new_person.setCurrentIndex(0)  # that person has their account now; the next one is someone else
        self.new_role.setCurrentIndex(-1)  # and their role is chosen afresh, not carried over
        self.reload(select=account.username)
        done = (f"Added {account.username} ({account.role_name}); tell them the password in person. It works once: "
                "at their first sign-in they choose their own.")
        if self.service.needs_person(account.role, account.person_id):
            done += " Not linked to the roster yet: choose their entry under Person and press Link."
            self.person.setFocus(Qt.FocusReason.OtherFocusReason)  # the link step, one choice away
        else:  # on the new account (selected), not in the emptied "Again" box it was added from
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        self.show_done(done)
        return True

    def link_person(self) -> bool:
        account = self.selected_account()
        if account is None:
            return False
        try:
            updated = self.service.set_person(account.username, self.person.currentData())
        except (RuralWatchError, DatabaseError) as exc:
            self._show_failure(exc, {"person": self.person})
            return False
        self.reload(select=updated.username)
        who = self.people.get(updated.person_id or "", "no one in the roster")
        self.show_done(f"Account {updated.username} belongs to {who}")
        return True

    def change_role(self) -> bool:
        account = self.selected_account()
        if account is None:
            return False
        role = self.role.currentData()
        if role == account.role:
            self.show_error(f"Account {account.username} already is {account.role_name}", self.role)
            return False
        try:
            changed = self.service.set_role(account.username, role)
        except (RuralWatchError, DatabaseError, OSError) as exc:
            self._show_failure(exc, {"role": self.role})
            return False
        self.reload(select=changed.username)
        self.show_done(f"Account {changed.username} is now {changed.role_name}")
        return True

    def confirm(self, title: str, question: str) -> bool:
        """Ask before a step that locks someone out (tests replace this)."""
        answer = QMessageBox.question(self, title, question, QMessageBox.StandardButton.Yes
                                      | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def toggle_active(self) -> bool:
        account = self.selected_account()
        if account is None:
            return False
        if account.active:
            # One click disabled the selected account at once: its password is gone from the keyring, so even the
            # wrong row, put right with Enable, needs a new password from an administrator.
            try:
                self.service.check_can_disable(account.username)
            except (RuralWatchError, DatabaseError) as exc:
                self._show_failure(exc, {})
                return False
            who = f"{account.username} ({account.display_name})" if account.display_name else account.username
            if not self.confirm("Disable the account?", (
                    f"Disable {who}, {account.role_name}?\n\nThey can no longer sign in, and their password stops "
                    "working for good: to let them back in, Enable the account and set them a new password. The "
                    "database is re-keyed, which can take a moment.")):
                self.show_done(f"Account {account.username} was left as it was")
                return False
        try:
            changed = self.service.set_active(account.username, not account.active)
        except (RuralWatchError, DatabaseError, OSError) as exc:
            self.reload(select=account.username)  # a disabling can stand although the re-key that follows failed
            self._show_failure(exc, {})
            return False
        self.reload(select=changed.username)
        if changed.active:
            self.show_done(f"Account {changed.username} is enabled again: set a new password for it below")
            self.reset_password.setFocus()
        else:
            self.show_done(f"Account {changed.username} is disabled and can no longer sign in; the database was "
                           "re-keyed, so an old copy of its keyring opens nothing new")
        return True

    def unlock_selected(self) -> bool:
        account = self.selected_account()
        if account is None:
            return False
        try:
            self.service.unlock(account.username)
        except (RuralWatchError, DatabaseError, OSError) as exc:
            self._show_failure(exc, {})
            return False
        self.reload(select=account.username)
        self.show_done(f"Account {account.username} is unlocked and can sign in again")
        return True

    def reset_selected(self) -> bool:
        account = self.selected_account()
        if account is None:
            return False
        password = self._two_passwords(self.reset_password, self.reset_again)
        if password is None:
            return False
        try:
            with busy_cursor():
                self.service.reset_password(account.username, password, params=self.params)
        except (RuralWatchError, DatabaseError, OSError) as exc:
            self._show_failure(exc, {"password": self.reset_password, "username": self.reset_password})
            return False
        self.reset_password.clear()
        self.reset_again.clear()
        self.reload(select=account.username)
        self.show_done(f"New password set for {account.username}; tell them in person. It works once: at their "
                       "next sign-in they choose their own")
        return True


class ChangePasswordDialog(FormDialog):
    """Account ▸ Change my password: the current password, then the new one twice."""

    def __init__(self, service: AccountService, params: KdfParams | None = None,
                 parent: QWidget | None = None) -> None:
        self.service = service
        self.params = params
        actor = service.store.actor
        super().__init__("Change my password", f"Change the password of <b>{actor.username}</b>.",
                         "Change password", "Cancel", parent)
        self.current = self.add_field("&Current password:", password_edit())
        self.new = self.add_field("&New password:", password_edit(), PASSWORD_HINT)
        self.again = self.add_field("New password &again:", password_edit())
        self.current.setFocus()

    def submit(self) -> None:
        if not self.current.text():
            self.show_error("Enter your current password.", self.current)
            return
        try:
            check_password(self.new.text())
        except ValidationError as exc:
            self.show_validation(exc, {"password": self.new})
            return
        if self.new.text() != self.again.text():
            self.show_error("The two new passwords differ: type the same password twice.", self.again)
            return
        if self.new.text() == self.current.text():
            self.show_error("The new password is the same as the current one.", self.new)
            return
        self.clear_error()
        try:
            with busy_cursor():
                self.service.change_own_password(self.current.text(), self.new.text(), params=self.params)
        except ValidationError as exc:
            self.show_validation(exc, {"password": self.new})
            return
        except (RuralWatchError, DatabaseError, OSError) as exc:
            # A wrong current password counts towards the lock-out, like a sign-in.
            self.current.clear()
            self.show_error(_sentence(str(exc)), self.current)
            return
        self.accept()


__all__ = ["AccountsDialog", "ChangePasswordDialog"]
