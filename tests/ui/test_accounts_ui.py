"""The accounts dialog, changing one's own password, and the audit log view."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures.accounts import add_account
from font_helpers import text_scaled
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog

from ruralwatch.core.incident import IncidentInput
from ruralwatch.core.people import PersonInput
from ruralwatch.services.accounts import AccountService, create_database, sign_in
from ruralwatch.services.audit import AuditService
from ruralwatch.services.container import Services
from ruralwatch.services.incidents import IncidentService
from ruralwatch.store import Store
from ruralwatch.store.keyring import TEST_PARAMS, PasswordChangeRequired, SignInError
from ruralwatch.ui.accounts_dialog import AccountsDialog, ChangePasswordDialog
from ruralwatch.ui.audit_view import AuditDialog, action_name, describe_changes

ADMIN_PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "enc.db"
    create_database(path, "admin", ADMIN_PASSWORD, TEST_PARAMS).close()
    return path


@pytest.fixture
def admin(db: Path) -> Iterator[Store]:
    store = sign_in(db, "admin", ADMIN_PASSWORD)
    yield store
    store.close()


@pytest.fixture
def dialog(qtbot, admin: Store) -> AccountsDialog:
    opened = AccountsDialog(AccountService(admin), params=TEST_PARAMS)
    qtbot.addWidget(opened)
    opened.show()
    return opened


def _rows(table) -> list[list[str]]:
    return [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]


def _add(dialog: AccountsDialog, name: str, role: str, password: str, again: str | None = None) -> bool:
    dialog.new_username.setText(name)
    dialog.new_role.setCurrentIndex(dialog.new_role.findData(role))
    dialog.new_password.setText(password)
    dialog.new_again.setText(password if again is None else again)
    return dialog.add_account()


# --- accounts -------------------------------------------------------------------------------------------


def test_accounts_dialog_adds_an_account_whose_password_works_once(qtbot, dialog: AccountsDialog, db: Path):
    # The password the administrator typed here kept working for good, although they know it: it is one-time now,
    # as after a reset, and the new account's owner chooses their own at the first sign-in.
    assert _rows(dialog.table)[0][:4] == ["admin", "admin", "Administrator", "Active"]
    dialog.new_display.setText("SC Jo Smith")
    _add(dialog, "jsmith", "special", NEW_PASSWORD)
    assert dialog.message.text().startswith("Added jsmith (Special Constable)")
    assert "works once" in dialog.message.text() and "choose their own" in dialog.message.text()
    rows = {row[0]: row for row in _rows(dialog.table)}
    assert rows["jsmith"][1:4] == ["SC Jo Smith", "Special Constable", "One-time password (chooses own at sign-in)"]
    assert rows["admin"][3] == "Active"  # the first administrator chose their own with the database
    assert dialog.selected_username() == "jsmith"
    assert dialog.new_username.text() == "" and dialog.new_password.text() == ""

    with pytest.raises(PasswordChangeRequired):
        sign_in(db, "jsmith", NEW_PASSWORD)
    store = sign_in(db, "jsmith", NEW_PASSWORD, new_password="jo's very own password", params=TEST_PARAMS)
    try:
        assert (store.actor.username, store.actor.role) == ("jsmith", "special")
    finally:
        store.close()
    dialog.reload()
    assert {row[0]: row[3] for row in _rows(dialog.table)}["jsmith"] == "Active"


def test_a_new_accounts_role_is_chosen_each_time_and_s_picks_special_constable(qtbot, dialog: AccountsDialog):
    # The role box kept the last account's role for the next one, and typing "S" on "Special Constable" (preset)
    # stepped on to "Specials coordinator": a Special could be given a coordinator's rights by a keystroke.
    assert dialog.new_role.currentIndex() == -1 and dialog.new_role.currentData() is None
    dialog.new_username.setText("jsmith")
    dialog.new_password.setText(NEW_PASSWORD)
    dialog.new_again.setText(NEW_PASSWORD)
    assert not dialog.add_account()  # no role chosen: refused, the form kept, nothing added
    assert "Choose the account's role" in dialog.message.text()
    assert dialog.new_role.hasFocus() and dialog.new_username.text() == "jsmith"
    assert dialog.new_password.text() == NEW_PASSWORD and dialog.table.rowCount() == 1
    # Each "S" a search of its own, as a person's keystrokes seconds apart are (not "SS" within 0.4 s).
    interval = QApplication.keyboardInputInterval()
    QApplication.setKeyboardInputInterval(0)
    try:
        _add_with_s(qtbot, dialog)
    finally:
        QApplication.setKeyboardInputInterval(interval)
    assert {row[0]: row[2] for row in _rows(dialog.table)} == {
        "admin": "Administrator", "jsmith": "Special Constable", "pat": "Special Constable"}


def _add_with_s(qtbot, dialog: AccountsDialog) -> None:
    for name in ("jsmith", "pat"):
        dialog.new_username.setText(name)
        dialog.new_password.setText(NEW_PASSWORD)
        dialog.new_again.setText(NEW_PASSWORD)
        dialog.new_role.setFocus()
        qtbot.keyClicks(dialog.new_role, "S")
        assert dialog.new_role.currentData() == "special"
        assert dialog.add_account()
        assert dialog.new_role.currentIndex() == -1  # the next account's role is chosen afresh


def test_accounts_dialog_shows_every_error_inline_and_keeps_the_input(qtbot, dialog: AccountsDialog):
    assert not _add(dialog, "jsmith", "special", "short")
    assert "at least 10 characters" in dialog.message.text()
    assert not _add(dialog, "jsmith", "special", NEW_PASSWORD, again="something different")
    assert "differ" in dialog.message.text()
    assert dialog.new_username.text() == "jsmith" and dialog.new_password.text() == NEW_PASSWORD
    assert not _add(dialog, "two words", "special", NEW_PASSWORD)
    assert "without spaces" in dialog.message.text()
    assert not _add(dialog, "ADMIN", "special", NEW_PASSWORD)
    assert "already exists" in dialog.message.text()
    assert dialog.table.rowCount() == 1

    dialog.select("admin")
    dialog.role.setCurrentIndex(dialog.role.findData("analyst"))
    assert not dialog.change_role()
    assert "last administrator" in dialog.message.text()
    assert not dialog.toggle_active()
    assert "your own account" in dialog.message.text()


def test_change_role_disable_enable_reset_and_unlock(qtbot, dialog: AccountsDialog, db: Path):
    _add(dialog, "pat", "special", NEW_PASSWORD)
    dialog.select("pat")
    dialog.role.setCurrentIndex(dialog.role.findData("coordinator"))
    assert dialog.change_role()
    assert {r[0]: r[2] for r in _rows(dialog.table)}["pat"] == "Specials coordinator"

    assert dialog.toggle_active()
    assert {r[0]: r[3] for r in _rows(dialog.table)}["pat"] == "Disabled"
    assert dialog.active_button.text().replace("&", "") == "Enable"
    with pytest.raises(SignInError):
        sign_in(db, "pat", NEW_PASSWORD)
    assert dialog.toggle_active()
    assert "set a new password" in dialog.message.text()
    assert {r[0]: r[3] for r in _rows(dialog.table)}["pat"] == "Needs a new password"
    dialog.reset_password.setText("pat's second passphrase")
    dialog.reset_again.setText("pat's second passphrase")
    assert dialog.reset_selected()
    assert "It works once" in dialog.message.text()
    assert {r[0]: r[3] for r in _rows(dialog.table)}["pat"] == "One-time password (chooses own at sign-in)"

    for _ in range(5):
        with pytest.raises(SignInError):
            sign_in(db, "pat", "wrong wrong wrong")
    dialog.reload()
    assert {r[0]: r[3] for r in _rows(dialog.table)}["pat"].startswith("Locked until")
    dialog.select("pat")
    assert dialog.unlock_button.isEnabled()
    assert dialog.unlock_selected()
    sign_in(db, "pat", "pat's second passphrase", new_password="pat's own passphrase").close()


def test_disabling_asks_first_and_no_leaves_the_account_able_to_sign_in(qtbot, monkeypatch, dialog: AccountsDialog,
                                                                          db: Path):
    # A walk disabled the selected Special with one click: no question, and their password was gone for good.
    add_account(dialog.service, "pat", "special", NEW_PASSWORD)  # past the first sign-in: their own password
    dialog.reload()
    asked: list[str] = []
    monkeypatch.setattr(AccountsDialog, "confirm", lambda self, title, question: asked.append(question) or False)
    dialog.select("pat")
    assert not dialog.toggle_active()
    assert len(asked) == 1 and "pat" in asked[0] and "Special Constable" in asked[0]
    assert "new password" in asked[0]
    assert {r[0]: r[3] for r in _rows(dialog.table)}["pat"] == "Active"
    assert "left as it was" in dialog.message.text()
    sign_in(db, "pat", NEW_PASSWORD).close()

    asked.clear()
    dialog.select("admin")  # refused before any question: one's own account
    assert not dialog.toggle_active()
    assert asked == [] and "your own account" in dialog.message.text()


def test_change_my_password(qtbot, admin: Store, db: Path):
    change = ChangePasswordDialog(AccountService(admin), params=TEST_PARAMS)
    qtbot.addWidget(change)
    change.show()
    change.current.setText("not my password")
    change.new.setText(NEW_PASSWORD)
    change.again.setText(NEW_PASSWORD)
    qtbot.keyClick(change.again, Qt.Key.Key_Return)  # Enter submits
    assert change.isVisible() and "tries left" in change.error_label.text()
    assert change.new.text() == NEW_PASSWORD  # kept
    change.current.setText(ADMIN_PASSWORD)
    change.again.setText("not the same")
    change.submit()
    assert "differ" in change.error_label.text()
    change.again.setText(NEW_PASSWORD)
    change.submit()
    assert change.result() == QDialog.DialogCode.Accepted
    sign_in(db, "admin", NEW_PASSWORD).close()


def test_the_account_menu_opens_the_dialogs_for_an_administrator(qtbot, monkeypatch, tmp_path: Path, admin: Store):
    from ruralwatch.services.container import Services
    from ruralwatch.ui import main_window as main_window_module

    opened: list[str] = []
    monkeypatch.setattr(AccountsDialog, "exec", lambda self: opened.append("accounts") or 0)
    monkeypatch.setattr(AuditDialog, "exec", lambda self: opened.append(f"audit {self.table.rowCount()}") or 0)
    win = main_window_module.MainWindow(Services.build(admin), tmp_path / "page")
    win.report_problem = lambda title, message: None
    with qtbot.waitSignal(win.map.incidents_shown, timeout=30_000):
        win.show()
    try:
        menu_texts = [a.text() for a in win.account_menu.actions()]
        assert menu_texts[0] == "Signed in as admin (Administrator)"
        assert {"Change my &password…", "&Lock now", "&Accounts…", "A&udit log…"} <= set(menu_texts)
        win.accounts_action.trigger()
        win.audit_action.trigger()
        assert opened[0] == "accounts" and opened[1].startswith("audit ") and opened[1] != "audit 0"
    finally:
        win.dispose()


# --- audit log ------------------------------------------------------------------------------------------


def test_the_audit_view_lists_the_login_and_verify_says_intact(qtbot, admin: Store):
    IncidentService(admin).record(IncidentInput(kind="hare_coursing", occurred_start="2026-01-05 07:00",
                                                grid_ref="TL 61234 32456", place="Brook Farm",
                                                reporter_phone="07700 900123"))
    view = AuditDialog(Services.build(admin))
    qtbot.addWidget(view)
    view.show()
    rows = _rows(view.table)
    seqs = [int(r[0]) for r in rows]
    assert seqs == sorted(seqs, reverse=True)  # newest first
    logins = [r for r in rows if r[3] == "Signed in"]
    assert logins and logins[0][2] == "admin" and logins[0][4].startswith("account ")
    created = next(r for r in rows if r[3] == "Created" and r[4].startswith("incident "))
    assert "place: Brook Farm" in created[5] and "reporter_phone: [personal data]" in created[5]
    assert "07700" not in " ".join(" ".join(r) for r in rows)

    with qtbot.waitSignal(view.verify().finished, timeout=30_000):
        pass
    assert view.last_result is not None and view.last_result.ok
    assert "intact" in view.result_label.text() and "#1b5e20" in view.result_label.styleSheet()


def test_the_audit_view_filters_by_person_record_and_time(qtbot, admin: Store, db: Path):
    add_account(admin, "pat", "analyst", NEW_PASSWORD)
    sign_in(db, "pat", NEW_PASSWORD).close()
    view = AuditDialog(Services.build(admin))
    qtbot.addWidget(view)
    everyone = view.table.rowCount()
    view.set_person("pat")
    assert 0 < view.table.rowCount() < everyone
    assert {r[2] for r in _rows(view.table)} == {"pat"}
    pat_id = AccountService(admin).get("pat").id
    view.set_person(None)
    view.record.setText(pat_id)
    view.reload()
    assert view.table.rowCount() >= 2 and {e.record_id for e in view.entries} == {pat_id}
    view.clear_filters()
    assert view.table.rowCount() == everyone
    view.use_until.setChecked(True)
    view.until.setDateTime(view.until.dateTime().addYears(-5))
    assert view.table.rowCount() == 0
    assert "0 shown of" in view.count_label.text()


def test_the_audit_view_names_accounts_and_enter_in_the_record_box_filters(qtbot, admin: Store):
    # A walk typed an account name into Record and pressed Enter: the log closed (Enter pressed Close), and the
    # entries about accounts named them only by record id, so no name could have matched.
    from PySide6.QtCore import Qt

    AccountService(admin).add("pat", "special", NEW_PASSWORD, params=TEST_PARAMS)
    AccountService(admin).reset_password("pat", "pat's second passphrase", params=TEST_PARAMS)
    view = AuditDialog(Services.build(admin))
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    assert any(r[3] == "Password reset" and r[4] == "account pat" for r in _rows(view.table))
    # Both passwords the administrator set are on record as one-time.
    assert all("one_time_password: yes" in r[5] for r in _rows(view.table)
               if r[3] in ("Created", "Password reset") and r[4] == "account pat")
    view.record.setFocus()
    qtbot.keyClicks(view.record, "pat")
    qtbot.keyClick(view.record, Qt.Key.Key_Return)
    assert view.isVisible()
    rows = _rows(view.table)
    assert rows and {r[4] for r in rows} == {"account pat"}
    assert {r[3] for r in rows} >= {"Created", "Password reset"}


def test_a_broken_audit_chain_shows_red(qtbot, admin: Store):
    admin.db.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1")
    admin.db.conn.commit()
    view = AuditDialog(Services.build(admin))
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.verify().finished, timeout=30_000):
        pass
    assert view.last_result is not None and not view.last_result.ok
    assert "BROKEN" in view.result_label.text() and "#b71c1c" in view.result_label.styleSheet()


def test_audit_verify_runs_off_the_ui_thread_and_can_be_cancelled(qtbot, monkeypatch, admin: Store):
    # A walk pressed Verify on a large database: the window froze for seconds (it ran on the UI thread).
    import threading

    from ruralwatch.core.errors import CancelledError

    threads: list[threading.Thread] = []
    gate = threading.Event()
    original = AuditService.verify

    def gated(self, progress=None):
        threads.append(threading.current_thread())
        gate.wait(timeout=10)  # held until the test has pressed Cancel
        if progress is not None and not progress(0, 1):
            raise CancelledError("audit verify cancelled")
        return original(self, progress)

    monkeypatch.setattr(AuditService, "verify", gated)
    view = AuditDialog(Services.build(admin))
    qtbot.addWidget(view)
    view.show()
    task = view.verify()
    assert task is not None and not view.verify_button.isEnabled() and view.verify() is None  # one at a time
    from PySide6.QtWidgets import QPushButton

    task.dialog.findChild(QPushButton).click()  # the progress dialog's Cancel
    gate.set()
    with qtbot.waitSignal(task.finished, timeout=30_000):
        pass
    assert threads and threads[0] is not threading.main_thread()
    assert view.last_result is None and "cancelled" in view.result_label.text().lower()
    assert view.verify_button.isEnabled()
    with qtbot.waitSignal(view.verify().finished, timeout=30_000):  # and again, to the end
        gate.set()
    assert view.last_result is not None and view.last_result.ok


def test_changes_are_shown_readably():
    assert describe_changes({"role": ["special", "analyst"], "active": [True, False]}) == (
        "role: special → analyst; active: yes → no")
    assert describe_changes({"username": [None, "pat"]}) == "username: pat"
    assert describe_changes({"id": [None, "x1"], "place": [None, "Brook Farm"], "deleted": [None, 0],
                             "crime_reference": [None, ""]}) == "place: Brook Farm"
    assert describe_changes({"note": ["old", None]}) == "note: old → (cleared)"
    assert describe_changes({"account": "pat", "at": "2026-01-01T00:00:00Z"}) == (
        "account: pat; at: 2026-01-01T00:00:00Z")
    assert describe_changes(None) == ""
    assert action_name("failed_login") == "Wrong password" and action_name("odd_thing") == "Odd thing"
    # A settled sync conflict read as a plain "Changed"; a device's key replaced as a plain "Device trusted".
    assert action_name("resolve_conflict", {"place": ["a", "b"], "resolution": [None, "theirs"]}) == (
        "Conflict resolved: kept theirs")
    assert action_name("resolve_conflict", {"resolution": [None, "merged"]}) == "Conflict resolved: merged value"
    assert action_name("trust", {"public_key": "ab", "replaced_key": "cd"}) == "Device key replaced"
    assert action_name("trust", {"public_key": "ab"}) == "Device trusted"


# --- the person an account belongs to ---------------------------------------------------------------------


def test_linking_an_account_to_its_person_in_the_roster(qtbot, admin: Store, dialog: AccountsDialog) -> None:
    from ruralwatch.core.people import PersonInput
    from ruralwatch.services.people import PeopleService

    people = PeopleService(admin)
    jo = people.add(PersonInput(name="Jo Special", role="special", collar_number="SC4471"))
    dialog.reload()
    labels = [dialog.new_person.itemText(i) for i in range(dialog.new_person.count())]
    assert labels == ["No one in the roster", "Jo Special, Special Constable, SC4471"]

    dialog.new_person.setCurrentIndex(dialog.new_person.findData(jo.id))
    assert _add(dialog, "sc4471", "special", NEW_PASSWORD)
    assert AccountService(admin).get("sc4471").person_id == jo.id
    assert ["sc4471", "Jo Special, Special Constable, SC4471"] == [_rows(dialog.table)[1][0],
                                                                   _rows(dialog.table)[1][-1]]

    dialog.select("admin")
    dialog.person.setCurrentIndex(dialog.person.findData(jo.id))
    assert not dialog.link_person()  # one person, one account
    assert "already has an account: sc4471" in dialog.message.text()
    assert AccountService(admin).get("admin").person_id is None

    dialog.select("sc4471")
    assert dialog.person.currentData() == jo.id
    dialog.person.setCurrentIndex(0)
    assert dialog.link_person()
    assert AccountService(admin).get("sc4471").person_id is None
    last = admin.db.execute("SELECT action, changes FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    assert last[0] == "update" and "person_id" in last[1]


def test_enter_in_the_again_box_adds_the_account_and_presses_nothing_else(qtbot, admin: Store,
                                                                          dialog: AccountsDialog) -> None:
    """A walk: Enter after the second password added the account, then also pressed Link (the dialog's default
    button), so "Dhughes belongs to …" replaced "Added dhughes …" and the Belongs to box still named the person."""
    from PySide6.QtTest import QTest

    from ruralwatch.core.people import PersonInput
    from ruralwatch.services.people import PeopleService

    dev = PeopleService(admin).add(PersonInput(name="Dev Hughes", role="special", collar_number="SC4125"))
    dialog.reload()
    dialog.new_username.setText("dhughes")
    dialog.new_person.setCurrentIndex(dialog.new_person.findData(dev.id))
    dialog.new_role.setCurrentIndex(dialog.new_role.findData("special"))
    dialog.new_password.setText(NEW_PASSWORD)
    dialog.new_again.setText(NEW_PASSWORD)
    dialog.new_again.setFocus()
    QTest.keyClick(dialog.new_again, Qt.Key.Key_Return)
    assert AccountService(admin).get("dhughes").person_id == dev.id
    assert dialog.message.text().startswith("Added dhughes (Special Constable)")
    assert dialog.new_person.currentData() is None  # Dev has an account now: the next one is someone else's
    links = admin.db.execute("SELECT count(*) FROM audit_log WHERE action = 'update' AND changes LIKE '%person_id%'")
    assert links.fetchone()[0] == 0  # no second, linking entry
    assert dialog.link_person()
    assert dialog.message.text() == "Account dhughes belongs to Dev Hughes, Special Constable, SC4125."


@pytest.mark.parametrize("scale", [1.0, 4 / 3], ids=["normal text", "larger text"])
def test_every_account_column_shows_at_laptop_size(qtbot, admin: Store, db: Path, scale: float) -> None:
    """At 1366x768 the list sat beside the forms in about 500 pixels: Role was cut off and State hidden behind a
    sideways scroll, worse with View ▸ Larger text. At the size the dialog opens on such a screen every column
    holds its heading and its longest cell, with no sideways scroll."""
    from PySide6.QtCore import QSize

    from ruralwatch.ui.accounts_dialog import initial_size

    service = AccountService(admin)
    service.add("pevans", "coordinator", NEW_PASSWORD, "PC Patricia Evans-Whitfield", params=TEST_PARAMS)
    service.add("jsmith", "special", NEW_PASSWORD, "SC Jo Smith", params=TEST_PARAMS)
    for _ in range(5):  # the longest everyday state: "Locked until 2026-… …"
        with pytest.raises(SignInError):
            sign_in(db, "jsmith", "wrong wrong wrong")
    laptop = initial_size(QSize(1366, 768 - 32))  # less a panel
    assert laptop.width() <= 1366 - 40 and laptop.height() <= 768 - 32 - 60
    with text_scaled(scale):
        dialog = AccountsDialog(service, params=TEST_PARAMS)
        qtbot.addWidget(dialog)
        dialog.resize(laptop)
        dialog.show()
        qtbot.waitUntil(lambda: dialog.table.viewport().width() > 0)
        table, header = dialog.table, dialog.table.horizontalHeader()
        assert {r[0]: r[3] for r in _rows(table)}["jsmith"].startswith("Locked until")
        assert dialog.width() <= laptop.width() and dialog.height() <= laptop.height()
        assert table.horizontalScrollBar().maximum() == 0
        cut = [header.model().headerData(c, Qt.Orientation.Horizontal) for c in range(table.columnCount())
               if table.columnWidth(c) < max(table.sizeHintForColumn(c), header.sectionSizeHint(c))]
        assert cut == []


def test_adding_an_account_reports_every_mistake_in_the_order_of_the_fields(qtbot, dialog: AccountsDialog):
    """A name with a space was reported only after the password checks; now the name, the password and the second
    password are reported together, in that order, each box outlined and the first given the focus."""
    assert not _add(dialog, "two words", "special", "short", again="shirt")
    text = dialog.message.text()
    assert text.index("without spaces") < text.index("at least 10 characters") < text.index("differ")
    assert all("border" in box.styleSheet() for box in (dialog.new_username, dialog.new_password, dialog.new_again))
    assert dialog.new_username.hasFocus() or not dialog.isActiveWindow()
    assert dialog.table.rowCount() == 1


def test_a_message_in_the_accounts_dialog_moves_no_button_or_box(qtbot, dialog: AccountsDialog) -> None:
    """A walk at 1366x768: the message under the forms appeared and pushed them up, so a click meant for a button
    landed on another one. Its room is now kept while it is empty."""
    from test_message_area import where

    dialog.resize(1200, 700)
    qtbot.waitExposed(dialog)
    controls = (dialog.add_button, dialog.new_again, dialog.new_username, dialog.reset_button, dialog.person_button)
    before = where(dialog, *controls)
    assert not _add(dialog, "jsmith", "special", "short")  # refused: the message appears
    assert dialog.message.isVisible() and dialog.message.text()
    assert where(dialog, *controls) == before
    dialog.show_error("A much longer message that would wrap over several lines of the dialog. " * 6)
    assert where(dialog, *controls) == before


def test_a_special_added_without_their_person_is_told_and_the_link_is_one_step_away(qtbot, admin: Store,
                                                                                     dialog: AccountsDialog) -> None:
    """A walk added a Special with no roster person and nothing said they could not give availability."""
    from ruralwatch.services.people import PeopleService

    person = PeopleService(admin).add(PersonInput(name="Sam Lee", role="special", collar_number="SC4125"))
    dialog.reload()
    assert dialog.new_person_hint.text() == ""
    dialog.new_role.setCurrentIndex(dialog.new_role.findData("special"))
    assert "only once linked" in dialog.new_person_hint.text()
    dialog.new_role.setCurrentIndex(dialog.new_role.findData("analyst"))
    assert dialog.new_person_hint.text() == ""  # an analyst is not on the roster
    assert _add(dialog, "sc4125", "special", NEW_PASSWORD)
    assert "Not linked to the roster yet" in dialog.message.text()
    assert dialog.selected_username() == "sc4125" and dialog.focusWidget() is dialog.person
    assert "not linked" in dialog.table.item(dialog.table.currentRow(), 5).text()
    assert "Not linked: sc4125" in dialog.person_hint.text()
    dialog.person.setCurrentIndex(dialog.person.findData(person.id))
    assert dialog.link_person()
    assert dialog.person_hint.text() == "" and "Sam Lee" in dialog.table.item(dialog.table.currentRow(), 5).text()


def test_after_add_account_the_focus_is_on_the_new_account(qtbot, dialog: AccountsDialog) -> None:
    """A walk: after Enter in "Again" added the account, the focus stayed in that emptied box; now it is on the new
    account, selected in the list."""
    from PySide6.QtTest import QTest

    dialog.new_username.setText("reader")
    dialog.new_role.setCurrentIndex(dialog.new_role.findData("analyst"))
    dialog.new_password.setText(NEW_PASSWORD)
    dialog.new_again.setText(NEW_PASSWORD)
    dialog.new_again.setFocus()
    QTest.keyClick(dialog.new_again, Qt.Key.Key_Return)
    assert dialog.message.text().startswith("Added reader")
    assert dialog.selected_username() == "reader"
    assert dialog.focusWidget() is dialog.table
