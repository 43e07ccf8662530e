"""Start-up with accounts: first run, sign-in, encrypting an old plain file, the idle lock and what a role sees.

Every test makes its own database with the cheap test KDF (keyring.TEST_PARAMS); no sleeps.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fixtures.accounts import add_account
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QMessageBox

from ruralwatch.core.incident import IncidentInput
from ruralwatch.services.accounts import AccountService, create_database, sign_in
from ruralwatch.services.container import Services
from ruralwatch.services.incidents import IncidentService
from ruralwatch.store import Store, open_store
from ruralwatch.store.audit import AuditLog
from ruralwatch.store.database import SQLITE_HEADER, is_encrypted
from ruralwatch.store.keyring import TEST_PARAMS, keyring_path
from ruralwatch.ui import signin
from ruralwatch.ui.application import run_gui
from ruralwatch.ui.idle_lock import IDLE_MINUTES
from ruralwatch.ui.signin import (
    ENCRYPTED,
    NEW,
    PLAIN,
    UNUSABLE,
    EncryptDialog,
    FirstRunDialog,
    SignInDialog,
    inspect_database,
    open_database,
    remember_account,
)

ADMIN_PASSWORD = "correct horse battery"
SPECIAL_PASSWORD = "special constable 42"


def _new_encrypted(path: Path) -> None:
    create_database(path, "admin", ADMIN_PASSWORD, TEST_PARAMS, display_name="Admin Person").close()


@pytest.fixture
def messages(monkeypatch) -> list[str]:
    """Critical message boxes, captured instead of shown."""
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", staticmethod(lambda _parent, title, text: shown.append(
        f"{title}: {text}")))
    return shown


def _open_window(qtbot, store: Store, tmp_path: Path):
    from ruralwatch.ui.main_window import MainWindow
    from ruralwatch.ui.map_view import offline_guard

    guard = offline_guard()
    guard.requested.clear()
    guard.blocked.clear()
    win = MainWindow(Services.build(store), tmp_path / "page")
    problems: list[str] = []
    win.report_problem = lambda title, message: problems.append(f"{title}: {message}")
    win.problems = problems
    with qtbot.waitSignal(win.map.incidents_shown, timeout=30_000):
        win.show()
    return win


@pytest.fixture
def admin_window(qtbot, tmp_path: Path) -> Iterator:
    path = tmp_path / "enc.db"
    _new_encrypted(path)
    store = sign_in(path, "admin", ADMIN_PASSWORD)
    win = _open_window(qtbot, store, tmp_path)
    yield win
    win.dispose()
    store.close()


# --- what is at the path --------------------------------------------------------------------------------


def test_inspect_database_tells_new_plain_encrypted_and_unusable(tmp_path: Path):
    assert inspect_database(tmp_path / "none.db").state == NEW
    plain = tmp_path / "plain.db"
    open_store(plain).close()
    assert inspect_database(plain).state == PLAIN
    encrypted = tmp_path / "enc.db"
    _new_encrypted(encrypted)
    found = inspect_database(encrypted)
    assert (found.state, found.usernames) == (ENCRYPTED, ("admin",))

    garbage = tmp_path / "notes.db"
    garbage.write_bytes(b"these are not the droids" * 100)
    assert inspect_database(garbage).state == UNUSABLE
    assert "keyring" in inspect_database(garbage).problem
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE recipes(name TEXT)")
    assert inspect_database(other).state == UNUSABLE
    assert "not a RuralWatch" in inspect_database(other).problem
    assert inspect_database(tmp_path).state == UNUSABLE  # a folder
    keyring_path(tmp_path / "gone.db").write_text("{}")
    assert "missing" in inspect_database(tmp_path / "gone.db").problem
    # Looking changed nothing.
    assert other.read_bytes().startswith(SQLITE_HEADER) and garbage.read_bytes().startswith(b"these")


def test_an_unusable_file_gives_one_message_and_exit_code_2(qtbot, tmp_path: Path, messages):
    path = tmp_path / "damaged.db"
    path.write_bytes(b"\x00\x01garbage" * 500)
    dialogs: list[QDialog] = []
    assert run_gui(path, exec_dialog=lambda d: dialogs.append(d) or 0) == 2
    assert dialogs == []
    assert len(messages) == 1 and str(path) in messages[0]


# --- first run ------------------------------------------------------------------------------------------


def test_first_run_creates_an_encrypted_database_and_opens_the_window_as_administrator(qtbot, tmp_path: Path):
    path = tmp_path / "new" / "ruralwatch.db"
    seen: dict = {}

    def fill(dialog: QDialog) -> int:
        assert isinstance(dialog, FirstRunDialog)
        dialog.username.setText("jsmith")
        dialog.display_name.setText("PC Jo Smith")
        dialog.password.setText("short")
        dialog.password_again.setText("short")
        dialog.submit()
        assert "at least 10 characters" in dialog.error_label.text()
        assert not path.exists()
        dialog.password.setText(ADMIN_PASSWORD)
        dialog.password_again.setText(ADMIN_PASSWORD + "!")
        dialog.submit()
        assert "differ" in dialog.error_label.text()
        assert dialog.username.text() == "jsmith" and dialog.password.text() == ADMIN_PASSWORD  # input kept
        dialog.password_again.setText(ADMIN_PASSWORD)
        qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
        return dialog.result()

    def look(_app, window) -> int:
        with qtbot.waitSignal(window.map.incidents_shown, timeout=30_000):
            pass
        store = window.services.store
        seen.update(actor=store.actor, encrypted=store.encrypted, title=window.windowTitle(),
                    account=window.account_label.text(), accounts=window.accounts_action.isEnabled(),
                    audit=window.audit_action.isEnabled(), lock=window.idle_lock is not None)
        return 0

    assert run_gui(path, params=TEST_PARAMS, exec_dialog=fill, event_loop=look) == 0
    assert path.read_bytes()[:16] != SQLITE_HEADER and is_encrypted(path)
    assert keyring_path(path).exists()
    assert seen["actor"].username == "jsmith" and seen["actor"].role == "administrator"
    assert seen["encrypted"] and seen["lock"] and seen["accounts"] and seen["audit"]
    assert "jsmith (Administrator)" in seen["title"] and "jsmith (Administrator)" in seen["account"]
    assert signin.last_account() == "jsmith"
    store = sign_in(path, "jsmith", ADMIN_PASSWORD)
    try:
        assert store.db.execute("SELECT display_name FROM accounts").fetchone()[0] == "PC Jo Smith"
    finally:
        store.close()


def test_quitting_the_first_run_leaves_no_file(qtbot, tmp_path: Path):
    path = tmp_path / "ruralwatch.db"
    assert open_database(path, TEST_PARAMS, exec_dialog=lambda d: d.reject() or d.result()) == 0
    assert not path.exists() and not keyring_path(path).exists()


# --- signing in -----------------------------------------------------------------------------------------


def test_sign_in_with_a_wrong_password_shows_the_error_and_keeps_the_dialog(qtbot, tmp_path: Path):
    path = tmp_path / "enc.db"
    _new_encrypted(path)
    remember_account("admin")
    dialog = SignInDialog(path, ("admin",))
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.username.text() == "admin"  # the last account used
    qtbot.keyClicks(dialog.password, "not the password")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)  # Enter signs in
    assert dialog.isVisible() and dialog.store is None
    assert dialog.error_label.text() == "Wrong password for admin: 4 tries left before the account locks."
    assert dialog.password.text() == "" and dialog.username.text() == "admin"
    qtbot.keyClicks(dialog.password, ADMIN_PASSWORD)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    try:
        assert dialog.store.actor.username == "admin" and dialog.store.encrypted
    finally:
        dialog.store.close()


def test_sign_in_prefills_the_last_account_and_quit_returns_0(qtbot, tmp_path: Path):
    path = tmp_path / "enc.db"
    _new_encrypted(path)
    remember_account("someone")
    names: list[str] = []

    def cancel(dialog: QDialog) -> int:
        assert isinstance(dialog, SignInDialog)
        names.append(dialog.username.text())
        dialog.cancel_button.click()
        return dialog.result()

    assert open_database(path, exec_dialog=cancel) == 0
    assert names == ["someone"]


def test_a_locked_account_is_told_so(qtbot, tmp_path: Path):
    path = tmp_path / "enc.db"
    _new_encrypted(path)
    dialog = SignInDialog(path)
    qtbot.addWidget(dialog)
    dialog.username.setText("admin")
    for _ in range(5):
        dialog.password.setText("wrong wrong wrong")
        dialog.submit()
    assert "now locked" in dialog.error_label.text()
    dialog.password.setText(ADMIN_PASSWORD)
    dialog.submit()
    assert "locked" in dialog.error_label.text() and dialog.store is None


def test_a_damaged_keyring_is_said_at_the_sign_in_which_stays_for_a_restore(qtbot, tmp_path: Path, messages):
    path = tmp_path / "enc.db"
    _new_encrypted(path)
    keyring_path(path).write_text('{"format": "something else"}')
    said: list[str] = []

    def fill(dialog: QDialog) -> int:
        assert isinstance(dialog, SignInDialog) and dialog.restore_button.isEnabled()
        said.append(dialog.error_label.text())
        dialog.ask = lambda box: said.append(box.text()) or box.buttons()[-1]  # no backup to offer: Quit
        dialog.username.setText("admin")
        dialog.password.setText(ADMIN_PASSWORD)
        dialog.submit()
        return dialog.result()

    assert open_database(path, exec_dialog=fill) == 2
    assert "its keyring enc.db.keys, which holds the key to open it, is damaged" in said[0]
    assert "Restore a backup…" in said[0]
    assert "no good backup" in said[1] and len(messages) == 1 and "keyring" in messages[0]


# --- a plain database from before encryption ------------------------------------------------------------


def test_a_plain_database_is_offered_encryption_and_is_encrypted_afterwards(qtbot, tmp_path: Path):
    path = tmp_path / "old.db"
    plain = open_store(path)
    IncidentService(plain).record(IncidentInput(kind="hare_coursing", occurred_start="2026-01-05 07:00",
                                                grid_ref="TL 61234 32456", place="Brook Farm"))
    plain.close()

    def fill(dialog: QDialog) -> int:
        assert isinstance(dialog, EncryptDialog)
        assert "not encrypted" in dialog.intro.text()
        dialog.username.setText("boss")
        dialog.password.setText(ADMIN_PASSWORD)
        dialog.password_again.setText("something else entirely")
        dialog.submit()
        assert "differ" in dialog.error_label.text() and not is_encrypted(path)
        dialog.password_again.setText(ADMIN_PASSWORD)
        dialog.submit()
        return dialog.result()

    store = open_database(path, TEST_PARAMS, exec_dialog=fill)
    assert isinstance(store, Store)
    try:
        assert is_encrypted(path) and store.encrypted
        assert (store.actor.username, store.actor.role) == ("boss", "administrator")
        assert IncidentService(store).count() == 1
    finally:
        store.close()
    assert inspect_database(path).state == ENCRYPTED


def test_declining_encryption_quits_and_leaves_the_file_alone(qtbot, tmp_path: Path):
    path = tmp_path / "old.db"
    open_store(path).close()
    before = path.read_bytes()
    assert open_database(path, TEST_PARAMS, exec_dialog=lambda d: d.reject() or d.result()) == 0
    assert path.read_bytes() == before


# --- idle lock ------------------------------------------------------------------------------------------


def test_the_idle_lock_hides_the_data_and_unlocks_with_the_right_password_only(qtbot, admin_window):
    win = admin_window
    lock = win.idle_lock
    assert lock is not None and lock.timer.isActive()
    assert lock.timer.interval() == IDLE_MINUTES * 60_000
    form = win.new_incident()
    win.roster_dock.show()
    assert form.isVisible()

    lock.on_timeout()  # what the timer does after IDLE_MINUTES without input
    assert lock.is_locked and lock.screen.isVisible()
    assert win.centralWidget().isHidden() and win.roster_dock.widget().isHidden()
    assert not form.isVisible()
    assert not win.new_action.isEnabled() and not win.menuBar().isEnabled()
    assert lock.screen.geometry() == win.rect()
    assert not lock.timer.isActive()

    qtbot.keyClicks(lock.screen.password, "not my password")
    qtbot.keyClick(lock.screen.password, Qt.Key.Key_Return)  # Enter submits
    assert lock.is_locked and win.centralWidget().isHidden()
    # Named as at the sign-in, so someone else who typed theirs sees at once whose lock screen it is.
    assert lock.screen.error_label.text() == "Wrong password for admin: 4 tries left before the account locks."
    assert "Signed in as <b>admin</b>" in lock.screen.who.text() and lock.screen.who.isVisible()
    assert lock.screen.sign_out_button.text() == "&Not admin? Sign out"  # Alt+N, as the sign-in's other account

    qtbot.keyClicks(lock.screen.password, ADMIN_PASSWORD)
    qtbot.keyClick(lock.screen.password, Qt.Key.Key_Return)
    assert not lock.is_locked and not lock.screen.isVisible()
    # As before the lock: the roster's contents back, and (in front) the window's width still its own.
    assert win.roster_has_the_width() and not win.roster_dock.widget().isHidden()
    assert form.isVisible() and win.new_action.isEnabled() and win.menuBar().isEnabled()
    win.roster_dock.hide()
    assert not win.centralWidget().isHidden()  # the incidents and the map were only aside, never lost
    assert lock.timer.isActive()
    # The wrong password is in the audit log now, not only in the keyring.
    assert "failed_login" in [e.action for e in AuditLog(win.services.store).entries()]


def test_the_lock_screen_says_the_idle_time_in_force(qtbot, admin_window):
    lock = admin_window.idle_lock
    assert f"after {IDLE_MINUTES:g} minutes" in lock.screen.explanation.text()
    lock.set_minutes(1)  # changed in Settings
    lock.on_timeout()
    assert "after 1 minute without use" in lock.screen.explanation.text()
    assert lock.try_unlock(ADMIN_PASSWORD)


def test_lock_now_is_ctrl_l_and_the_only_ctrl_l(qtbot, admin_window):
    from PySide6.QtGui import QAction

    win = admin_window
    assert win.lock_action.shortcut() == QKeySequence("Ctrl+L")
    taken = [a for a in win.findChildren(QAction) if a.shortcut() == QKeySequence("Ctrl+L")]
    assert taken == [win.lock_action]
    win.lock_action.trigger()
    assert win.idle_lock.is_locked
    assert win.idle_lock.try_unlock(ADMIN_PASSWORD)


def test_a_plain_test_store_gets_no_lock_and_no_accounts(qtbot, window):
    assert window.idle_lock is None
    assert not window.lock_action.isEnabled() and not window.change_password_action.isEnabled()
    assert not window.accounts_action.isEnabled()
    assert window.demo_action.isEnabled()  # the system actor may do everything


# --- what a role sees ------------------------------------------------------------------------------------


def test_a_special_sees_admin_menus_disabled_and_no_reporter_details(qtbot, tmp_path: Path):
    path = tmp_path / "enc.db"
    admin = create_database(path, "admin", ADMIN_PASSWORD, TEST_PARAMS)
    add_account(admin, "sc1", "special", SPECIAL_PASSWORD)
    incident = IncidentService(admin).record(IncidentInput(
        kind="hare_coursing", occurred_start=datetime(2026, 1, 5, 7, tzinfo=UTC), grid_ref="TL 61234 32456",
        place="Brook Farm", reporter_name="Farmer Giles", reporter_phone="07700 900123"))
    admin.close()

    store = sign_in(path, "sc1", SPECIAL_PASSWORD)
    win = _open_window(qtbot, store, tmp_path)
    try:
        assert "sc1 (Special Constable)" in win.windowTitle()
        for action in (win.accounts_action, win.audit_action, win.demo_action, win.import_action,
                       win.harm_action, win.delete_action, win.analysis_toggle):
            assert not action.isEnabled(), action.text()
        assert win.new_action.isEnabled() and win.lock_action.isEnabled()
        assert win.change_password_action.isEnabled()
        form = win.open_incident(incident.id)
        assert form is not None
        assert form.place.text() == "Brook Farm"
        assert form.reporter_name.text() == "" and form.reporter_phone.text() == ""
        form.close()
    finally:
        win.dispose()
        store.close()


def test_unlocking_gives_the_panels_back_their_sizes(qtbot, admin_window):
    """A walk-through found a 540 px panel at 235 px after unlocking, its buttons cut off: hiding the panels'
    contents while locked let the dock areas shrink."""
    win = admin_window
    win.resize(1366, 740)
    win.roster_dock.show()
    win.resizeDocks([win.roster_dock], [540], Qt.Orientation.Horizontal)
    qtbot.waitUntil(lambda: abs(win.roster_dock.width() - 540) < 40, timeout=5_000)
    before = win.roster_dock.width()
    win.idle_lock.lock()
    qtbot.waitUntil(lambda: win.roster_dock.width() < before, timeout=5_000)  # the shrink the fix undoes
    assert win.idle_lock.try_unlock(ADMIN_PASSWORD)
    qtbot.waitUntil(lambda: win.roster_dock.width() >= before - 2, timeout=5_000)


def test_an_error_appearing_or_going_does_not_move_the_fields(qtbot, tmp_path: Path) -> None:
    """The message grows the dialog below the form: the fields a person is looking at stay where they were."""
    dialog = FirstRunDialog(tmp_path / "new" / "ruralwatch.db", TEST_PARAMS, choose_folder=True)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)

    def rows() -> list[int]:
        return [field.mapTo(dialog, field.rect().topLeft()).y() for field in (dialog.folder, dialog.username)]

    before = rows()
    dialog.show_error("Enter an account name for the administrator. " * 4, dialog.username)
    qtbot.waitUntil(lambda: dialog.error_label.isVisible())
    assert rows() == before
    dialog.username.setText("jsmith")
    dialog.field_edited(dialog.username)
    assert not dialog.error_label.isVisible()
    assert rows() == before


def test_signing_out_brings_the_sign_in_back_for_someone_else(qtbot, tmp_path: Path):
    """A shared vehicle laptop: the officer signs out (Account ▸ Sign out), the Special signs in as themselves in
    the same run; the lock screen's Sign out does the same for a window someone left locked."""
    path = tmp_path / "enc.db"
    admin = create_database(path, "admin", ADMIN_PASSWORD, TEST_PARAMS)
    add_account(admin, "sc1", "special", SPECIAL_PASSWORD)
    admin.close()
    remember_account("admin")
    accounts = iter([("admin", ADMIN_PASSWORD), ("sc1", SPECIAL_PASSWORD), ("admin", ADMIN_PASSWORD)])
    intros: list[tuple[str, str]] = []
    windows: list[str] = []

    def fill(dialog: QDialog) -> int:
        assert isinstance(dialog, SignInDialog)
        intros.append((dialog.username.text(), dialog.findChild(QLabel).text()))
        name, password = next(accounts)
        dialog.username.setText(name)
        dialog.password.setText(password)
        dialog.submit()
        return dialog.result()

    def look(_app, window) -> int:
        with qtbot.waitSignal(window.map.incidents_shown, timeout=30_000):
            pass
        windows.append(window.windowTitle())
        if len(windows) == 1:
            assert window.sign_out_action.isEnabled()
            window.new_incident()
            answers: list[str] = []
            QTimer.singleShot(0, lambda: answers.append(_answer_question(QMessageBox.StandardButton.No)))
            assert not window.sign_out()  # an open form: asked first, and No keeps the window
            assert answers == ["Sign out"] and window.isVisible()
            QTimer.singleShot(0, lambda: _answer_question(QMessageBox.StandardButton.Yes))
            assert window.sign_out()
        elif len(windows) == 2:
            window.lock_now()
            assert window.idle_lock.is_locked
            window.idle_lock.screen.sign_out_button.click()  # no question: the form's owner is not there
        else:
            window.close()
        return 0

    assert run_gui(path, params=TEST_PARAMS, exec_dialog=fill, event_loop=look) == 0
    assert [title.split("— ")[-1] for title in windows] == ["admin (Administrator)", "sc1 (Special Constable)",
                                                           "admin (Administrator)"]
    assert intros[0][0] == "admin" and "signed out" not in intros[0][1]
    assert intros[1][0] == "" and "admin has signed out" in intros[1][1]  # the next person types their name
    assert intros[2][0] == "" and "sc1 has signed out" in intros[2][1]


def _answer_question(button: QMessageBox.StandardButton) -> str:
    box = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible())
    title = box.windowTitle()
    box.button(button).click()
    return title


def test_the_first_run_reports_every_mistake_in_the_order_of_the_fields(qtbot, tmp_path: Path):
    """A name with a space was reported only once the passwords were right; now all at once, name first, and
    nothing is made."""
    path = tmp_path / "ruralwatch.db"
    dialog = FirstRunDialog(path, TEST_PARAMS)
    qtbot.addWidget(dialog)
    dialog.username.setText("jo smith")
    dialog.password.setText("short")
    dialog.password_again.setText("shorter")
    dialog.submit()
    lines = dialog.error_label.text().split("\n")
    assert len(lines) == 3 and "space" in lines[0] and "10 characters" in lines[1] and "differ" in lines[2], lines
    assert dialog.username.text() == "jo smith" and not path.exists()
    dialog.username.setText("")
    dialog.submit()
    assert dialog.error_label.text().startswith("Enter an account name for the administrator")


@pytest.mark.parametrize("given_by", ["reset_password", "create"])
def test_a_password_an_administrator_set_asks_for_ones_own_in_the_sign_in(qtbot, tmp_path: Path, given_by: str):
    # An administrator's reset, or the password given with a new account, kept working for good although the
    # administrator knows it; it now signs in once, to choose one.
    path = tmp_path / "enc.db"
    _new_encrypted(path)
    admin = sign_in(path, "admin", ADMIN_PASSWORD)
    try:
        if given_by == "reset_password":
            add_account(admin, "sc1", "special", SPECIAL_PASSWORD)
            AccountService(admin).reset_password("sc1", "set by the administrator", params=TEST_PARAMS)
        else:
            AccountService(admin).add("sc1", "special", "set by the administrator", params=TEST_PARAMS)
    finally:
        admin.close()
    dialog = SignInDialog(path, params=TEST_PARAMS)
    qtbot.addWidget(dialog)
    dialog.show()
    shown: list[str] = []

    def choose(typed: list[tuple[str, str]]):
        def run(child: QDialog) -> int:
            assert isinstance(child, signin.NewPasswordDialog)
            for new, again in typed:
                child.new.setText(new)
                child.again.setText(again)
                child.submit_button.click()
                shown.append(child.error_label.text())
            if child.result() != QDialog.DialogCode.Accepted:
                child.reject()
            return child.result()
        return run

    dialog.username.setText("sc1")
    dialog.password.setText("set by the administrator")
    dialog.run_child = choose([])  # cancelled: not signed in, and told why
    dialog.submit_button.click()
    assert dialog.store is None and dialog.isVisible()
    assert "works only once" in dialog.error_label.text()

    dialog.run_child = choose([("set by the administrator",) * 2, ("mine and mine alone", "mine and mine alon"),
                               ("mine and mine alone",) * 2])
    dialog.submit_button.click()
    assert "of your own" in shown[0] and "differ" in shown[1] and shown[2] == ""
    assert dialog.result() == QDialog.DialogCode.Accepted
    try:
        assert dialog.store.actor.username == "sc1"
        actions = [row[0] for row in dialog.store.db.execute(
            "SELECT action FROM audit_log WHERE record_id = ? ORDER BY seq", [dialog.store.actor.account_id])]
        assert actions[-1] == "change_password" and given_by in actions
    finally:
        dialog.store.close()
    sign_in(path, "sc1", "mine and mine alone").close()


def test_a_remembered_account_is_shown_with_the_cursor_in_password_and_one_key_for_anyone_else(
        qtbot, tmp_path: Path):
    """A walk: with the last account's name selected and the cursor in it, an owner who typed their password at once
    put it in plain sight in the name box. As mature sign-in screens do, the remembered account is shown ("Signing in
    as admin") with the cursor in Password, the name box is not there to type into, and "Not admin? Use another
    account" (Alt+N) clears the name and puts the cursor in it."""
    path = tmp_path / "enc.db"
    _new_encrypted(path)
    remember_account("admin")
    owner = SignInDialog(path, ("admin",))
    qtbot.addWidget(owner)
    owner.show()
    qtbot.waitExposed(owner)
    assert owner.focusWidget() is owner.password
    assert owner.signing_in_as.isVisible() and "Signing in as <b>admin</b>" in owner.signing_in_as.text()
    assert owner.other_account_button.isVisible() and owner.other_account_button.text().startswith("&Not admin?")
    assert not owner.username.isVisible()  # no name box for a password typed at once to land in
    qtbot.keyClicks(owner.focusWidget(), ADMIN_PASSWORD)  # the owner types their password straight away
    assert owner.password.text() == ADMIN_PASSWORD and owner.username.text() == "admin"
    qtbot.keyClick(owner.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: owner.result() == QDialog.DialogCode.Accepted, timeout=10_000)
    try:
        assert owner.store.actor.username == "admin"
    finally:
        owner.store.close()

    other = SignInDialog(path, ("admin",))
    qtbot.addWidget(other)
    other.show()
    qtbot.waitExposed(other)
    other.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is other, timeout=5_000)
    qtbot.keyClicks(other.password, "half a pass")  # someone else starts, then sees whose sign-in it is
    qtbot.keyClick(other.focusWidget(), Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: other.focusWidget() is other.username, timeout=5_000)  # a shortcut animates its click
    assert other.username.isVisible()
    assert other.username.text() == "" and other.password.text() == ""  # nothing of the first person's kept
    assert not other.signing_in_as.isVisible() and not other.other_account_button.isVisible()
    qtbot.keyClicks(other.username, "sc4125")
    qtbot.keyClick(other.username, Qt.Key.Key_Return)  # Enter goes on to the password, signs nobody in
    assert other.focusWidget() is other.password and other.isVisible() and not other.error_label.text()


def test_with_no_remembered_account_the_cursor_starts_in_the_name(qtbot, tmp_path: Path):
    path = tmp_path / "enc.db"
    admin = create_database(path, "admin", ADMIN_PASSWORD, TEST_PARAMS)
    add_account(admin, "sc1", "special", SPECIAL_PASSWORD)
    admin.close()
    dialog = SignInDialog(path, ("admin", "sc1"))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.focusWidget() is dialog.username and dialog.username.isVisible() and dialog.username.text() == ""
    assert not dialog.signing_in_as.isVisible() and not dialog.other_account_button.isVisible()
    after = SignInDialog(path, ("admin", "sc1"), signed_out="admin")  # after a sign-out: most likely someone else
    qtbot.addWidget(after)
    after.show()
    qtbot.waitExposed(after)
    assert after.focusWidget() is after.username and not after.signing_in_as.isVisible()


def test_a_wrong_password_names_the_account_and_a_failed_sign_in_is_not_remembered(qtbot, tmp_path: Path):
    """Someone else's password typed into the owner's sign-in: the message says whose it was tried for. A name
    typed with a wrong password is never remembered for the next sign-in."""
    path = tmp_path / "enc.db"
    admin = create_database(path, "admin", ADMIN_PASSWORD, TEST_PARAMS)
    add_account(admin, "sc1", "special", SPECIAL_PASSWORD)
    admin.close()
    remember_account("admin")
    dialog = SignInDialog(path, ("admin", "sc1"))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.password, SPECIAL_PASSWORD)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.error_label.text() == "Wrong password for admin: 4 tries left before the account locks."

    dialog.other_account_button.click()
    qtbot.keyClicks(dialog.username, "sc1")
    qtbot.keyClick(dialog.username, Qt.Key.Key_Tab)
    qtbot.keyClicks(dialog.password, "not my password")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    # A typed name may be no account at all: the words must not tell (the keyring answers both alike).
    assert dialog.error_label.text() == ("Wrong password for sc1 (or there is no such account): 4 tries left before "
                                         "the account locks.")
    assert dialog.store is None and signin.last_account() == "admin"  # the typed name is not remembered
    qtbot.keyClicks(dialog.password, SPECIAL_PASSWORD)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=10_000)
    try:
        assert signin.last_account() == "sc1"  # remembered once signed in
    finally:
        dialog.store.close()
