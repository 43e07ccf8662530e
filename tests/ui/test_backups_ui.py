"""File ▸ Backups and restore: backing up (here or to a stick) with progress and Cancel, the checked list, a folder
checked like `backups --in`, and restoring by closing the window, restoring with the database closed and signing in
again. Real encrypted databases, the same services as the CLI, work off the UI thread, no sleeps."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fixtures.accounts import add_account
from fixtures.damaged_backups import DAMAGE_KINDS, damage, says_it_in_user_words
from PySide6.QtWidgets import QDialog

from ruralwatch.services import backups as service_backups
from ruralwatch.services.accounts import create_database, sign_in
from ruralwatch.services.container import Services
from ruralwatch.services.demo import load_demo
from ruralwatch.store import backups as store_backups
from ruralwatch.store.audit import AuditLog
from ruralwatch.store.database import Store
from ruralwatch.store.keyring import TEST_PARAMS, keyring_path
from ruralwatch.ui.backups_dialog import BackupsDialog, RestoreDialog
from ruralwatch.ui.restoring import RestoreRequest, restore_after_close

PASSWORD = "correct horse battery"
THEN = datetime(2026, 11, 20, tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "rw.db"
    store = create_database(path, "admin", PASSWORD, TEST_PARAMS)
    try:
        load_demo(Services.build(store).incidents, count=60, now=THEN)
        add_account(store, "coord", "coordinator", "coordinator password")  # past its one-time password
    finally:
        store.close()
    return path


@pytest.fixture
def admin(db: Path) -> Iterator[Store]:
    store = sign_in(db, "admin", PASSWORD)
    yield store
    store.close()


def _dialog(qtbot, services: Services) -> BackupsDialog:
    dialog = BackupsDialog(services)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.listed, timeout=30_000):  # the first listing, started by the constructor
        pass
    return dialog


def _cells(dialog: BackupsDialog) -> list[list[str]]:
    table = dialog.table
    return [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and not p.name.endswith("-shm")}


class Gate:
    """Holds a copy (backup or restore) at its start until the test has pressed Cancel: no race with a fast copy."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, module: object) -> None:
        self.started, self.go = threading.Event(), threading.Event()
        real = module.copy_database  # type: ignore[attr-defined]

        def gated(conn, target, key, progress=None):  # noqa: ANN001, ANN202
            self.started.set()
            assert self.go.wait(30), "the test never let the copy go on"
            real(conn, target, key, progress)

        monkeypatch.setattr(module, "copy_database", gated)


def test_back_up_now_is_listed_checked_and_audited(qtbot, admin: Store) -> None:
    services = Services.build(admin)
    dialog = _dialog(qtbot, services)
    assert dialog.table.rowCount() == 0 and "No backups of rw.db" in dialog.message.text()
    assert not dialog.restore_button.isEnabled()
    with qtbot.waitSignal(dialog.backed_up, timeout=30_000) as made:
        dialog.backup_button.click()
    with qtbot.waitSignal(dialog.listed, timeout=30_000):
        pass
    info = made.args[0]
    assert info.path.parent == admin.path.parent / "backups" and keyring_path(info.path).is_file()
    rows = _cells(dialog)
    assert len(rows) == 1 and rows[0][1] == "Manual" and rows[0][4] == "Verified" and rows[0][3] == info.path.name
    assert "Backed up" in dialog.message.text()
    assert dialog.selected() is not None and dialog.restore_button.isEnabled()  # the new one, selected
    assert AuditLog(admin).entries(action="backup")[0].changes["reason"] == "manual"  # type: ignore[index]
    with qtbot.waitSignal(dialog.listed, timeout=30_000):
        dialog.refresh()
    assert dialog.message.text() == "1 backup; it opens and passes its check."  # not '1 backup(s); each one …'


def test_cancel_keeps_nothing(qtbot, admin: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    dialog = _dialog(qtbot, Services.build(admin))
    gate = Gate(monkeypatch, store_backups)
    task = dialog.back_up()
    assert gate.started.wait(30)
    assert not dialog.backup_button.isEnabled()  # one thing at a time
    task.dialog.canceled.emit()  # the progress dialog's Cancel
    gate.go.set()
    with qtbot.waitSignal(task.finished, timeout=30_000):
        pass
    assert "Backup cancelled: nothing was kept" in dialog.message.text()
    folder = admin.path.parent / "backups"
    assert not folder.exists() or list(folder.iterdir()) == []
    assert AuditLog(admin).entries(action="backup") == []
    assert dialog.backup_button.isEnabled()


def test_back_up_to_a_stick_and_check_it_like_backups_in(qtbot, admin: Store, tmp_path: Path) -> None:
    dialog = _dialog(qtbot, Services.build(admin))
    stick = tmp_path / "usb"
    stick.mkdir()
    dialog.choose_folder = lambda title: stick / "RW"
    with qtbot.waitSignal(dialog.listed, timeout=30_000):
        dialog.backup_to_button.click()
    assert dialog.folder == stick / "RW" and str(stick / "RW") in dialog.where.text()
    assert [row[4] for row in _cells(dialog)] == ["Verified"]
    # A broken copy on the stick: listed as not usable, with the reason, and never offered for a restore.
    good = next((stick / "RW").glob("*.db"))
    broken = damage(good, good.with_name(good.name.replace("-manual", "-manual-2")), "bytes changed")
    with qtbot.waitSignal(dialog.listed, timeout=30_000):
        dialog.check_folder_button.click()  # the same folder, checked again
    rows = _cells(dialog)
    assert sorted(row[4][:10] for row in rows) == ["Not usable", "Verified"]
    dialog.select(broken)
    assert not dialog.restore_button.isEnabled()
    assert dialog.ask_restore() is None and "cannot be restored" in dialog.message.text()
    # A stick that is not connected: the service's one message.
    dialog.choose_folder = lambda title: tmp_path / "not-mounted"
    dialog.check_folder_button.click()
    qtbot.waitUntil(lambda: dialog.task is None, timeout=30_000)
    assert "not-mounted is not a folder (a USB stick not connected?)" in dialog.message.text()
    with qtbot.waitSignal(dialog.listed, timeout=30_000):
        dialog.usual_button.click()
    assert dialog.folder is None and dialog.table.rowCount() == 0


def test_a_role_the_services_refuse_gets_their_message_and_nothing_is_made(qtbot, db: Path) -> None:
    store = sign_in(db, "coord", "coordinator password")
    try:
        services = Services.build(store)
        dialog = BackupsDialog(services)
        qtbot.addWidget(dialog)
        qtbot.waitUntil(lambda: dialog.task is None, timeout=30_000)
        assert "may not" in dialog.message.text() and "backups" in dialog.message.text()
        dialog.backup_button.click()
        qtbot.waitUntil(lambda: dialog.task is None, timeout=30_000)
        assert dialog.message.text().startswith("No backup was made") and "may not" in dialog.message.text()
        assert not (db.parent / "backups").exists()
    finally:
        store.close()


def _made_backup(admin: Store) -> Path:
    return Services.build(admin).backups.backup_now().path


def test_the_restore_dialog_names_the_date_checks_the_password_and_refuses_a_broken_file(
        qtbot, admin: Store) -> None:
    services = Services.build(admin)
    good = _made_backup(admin)
    info = store_backups.info_for(good)
    assert info is not None
    before = _files(admin.path.parent)
    dialog = RestoreDialog(services, info)
    qtbot.addWidget(dialog)
    intro = dialog.intro.text()
    assert info.made_local in intro and str(admin.path) in intro and "before-restore" in intro
    dialog.submit()
    assert "Enter your password" in dialog.error_label.text()
    dialog.password.setText("not my password at all")
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.task is None, timeout=30_000)
    assert "wrong password" in dialog.error_label.text() and dialog.password.text() == ""
    assert dialog.request is None and _files(admin.path.parent) == before
    # A backup file damaged after it was listed: one clear message, nothing changed, the dialog stays open.
    with good.open("r+b") as handle:
        handle.seek(good.stat().st_size // 2)
        handle.write(b"\xa5" * 4096)
    damaged = _files(admin.path.parent)
    dialog.password.setText(PASSWORD)
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.task is None, timeout=30_000)
    assert dialog.error_label.text() == (f"The backup {good.name} is damaged (part of it cannot be read): choose "
                                         "another backup; nothing was changed.")
    assert dialog.request is None and dialog.result() == 0 and _files(admin.path.parent) == damaged


def _sign_in_then_quit(qtbot, seen: list[str]) -> Callable[[QDialog], int]:
    """The application's sign-in, answered: the first signs in as the administrator, the next (after the restore)
    quits; each one's introduction is kept in `seen`."""
    from ruralwatch.ui.signin import SignInDialog

    def fill(dialog: QDialog) -> int:
        qtbot.addWidget(dialog)
        assert isinstance(dialog, SignInDialog)
        seen.append(dialog.intro.text())
        if len(seen) > 1:
            return 0  # the sign-in after the restore: Quit
        dialog.username.setText("admin")
        dialog.password.setText(PASSWORD)
        dialog.submit()
        return dialog.result()

    return fill


def test_a_checked_restore_closes_the_window_restores_and_signs_in_again(qtbot, db: Path) -> None:
    from ruralwatch.ui.application import run_gui

    seen: list[str] = []
    fill = _sign_in_then_quit(qtbot, seen)
    counts: dict[str, int] = {}

    def look(_app, window) -> int:  # noqa: ANN001
        counts["before"] = window.service.count()
        backups = window.open_backups()
        qtbot.waitUntil(lambda: backups.task is None, timeout=30_000)
        with qtbot.waitSignal(backups.listed, timeout=30_000):
            backups.back_up()
        counts["backup"] = window.service.count()
        window.services.incidents.delete(window.service.list()[0].id)  # a change after the backup
        counts["after"] = window.service.count()
        restoring = backups.ask_restore()
        assert restoring is not None
        restoring.password.setText(PASSWORD)
        with qtbot.waitSignal(window.closed, timeout=30_000):
            restoring.submit()
        assert isinstance(window.restore_request, RestoreRequest) and not window.isVisible()
        return 0

    assert run_gui(db, params=TEST_PARAMS, exec_dialog=fill, event_loop=look) == 0
    assert len(seen) == 2 and "was restored" in seen[1] and "before-restore" in seen[1], seen
    assert counts["after"] == counts["backup"] - 1
    store = sign_in(db, "admin", PASSWORD)
    try:
        assert Services.build(store).incidents.count() == counts["backup"]  # as it was at the backup
        assert AuditLog(store).entries(action="restore")
    finally:
        store.close()
    assert list(db.parent.glob("rw.db.before-restore-*"))


def test_restore_after_close_cancelled_or_failing_changes_nothing(qtbot, admin: Store,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    made = _made_backup(admin)
    db = admin.path
    admin.close()
    before = _files(db.parent)
    request = RestoreRequest(made, "20 Nov", "admin", PASSWORD)
    gate = Gate(monkeypatch, service_backups)

    def cancel(task) -> None:  # noqa: ANN001
        assert gate.started.wait(30)
        task.dialog.canceled.emit()
        gate.go.set()

    done, notice = restore_after_close(db, request, on_task=cancel)
    assert not done and "Restore cancelled" in notice and "nothing was changed" in notice
    assert _files(db.parent) == before
    monkeypatch.undo()
    done, notice = restore_after_close(db, RestoreRequest(made, "20 Nov", "admin", "a wrong password"))
    assert not done and "not restored" in notice and "nothing was changed" in notice.lower()
    assert _files(db.parent) == before


# --- at the sign-in, before any database is open --------------------------------------------------------------


def _signin_dialog(qtbot, db: Path):  # noqa: ANN202
    from ruralwatch.ui.signin import SignInDialog

    dialog = SignInDialog(db, ("admin", "coord"))
    qtbot.addWidget(dialog)
    dialog.username.setText("admin")
    dialog.password.setText(PASSWORD)
    return dialog


def test_the_sign_in_restores_a_chosen_backup_after_saying_what_it_replaces(qtbot, admin: Store) -> None:
    db = admin.path
    made = _made_backup(admin)
    backed_up = Services.build(admin).incidents.count()
    Services.build(admin).incidents.delete(Services.build(admin).incidents.list()[0].id)
    admin.close()
    dialog = _signin_dialog(qtbot, db)
    dialog.choose_backup = lambda: made
    asked: list[str] = []
    dialog.confirm_restore = lambda question: asked.append(question) or True
    assert dialog.restore_backup()
    assert asked and "Restore the backup of" in asked[0] and f"({backed_up:,} incidents" in asked[0]
    assert f"It replaces {db}" in asked[0] and "before-restore" in asked[0] and "gone from it" in asked[0]
    assert "was restored" in dialog.intro.text()
    dialog.submit()  # the password of the backup's day signs in
    assert dialog.store is not None
    try:
        assert Services.build(dialog.store).incidents.count() == backed_up
    finally:
        dialog.store.close()


def test_an_account_restored_with_an_administrators_password_chooses_its_own_at_the_sign_in(
        qtbot, admin: Store) -> None:
    from ruralwatch.services.accounts import AccountService, SignInError
    from ruralwatch.ui.signin import NewPasswordDialog

    one_time, own = "set by the other administrator", "a password of my own choosing"
    AccountService(admin).add("admin2", "administrator", one_time, params=TEST_PARAMS)
    made = _made_backup(admin)  # admin2 has not signed in yet: its password in the backup is still one-time
    db = admin.path
    admin.close()
    dialog = _signin_dialog(qtbot, db)
    dialog.username.setText("admin2")
    dialog.password.setText(one_time)
    dialog.choose_backup = lambda: made
    dialog.confirm_restore = lambda question: True
    assert dialog.restore_backup()
    assert "was restored" in dialog.intro.text() and "an administrator set for you then" in dialog.intro.text()
    asked: list[str] = []

    def choose(child: QDialog) -> int:
        assert isinstance(child, NewPasswordDialog)
        asked.append(child.intro.text())
        child.new.setText(own)
        child.again.setText(own)
        child.submit()
        return child.result()

    dialog.run_child = choose
    dialog.submit()  # the one-time password of the backup's day: only to choose its own, as after a reset
    assert asked and "Choose your own password, admin2" in asked[0]
    assert dialog.store is not None
    try:
        assert dialog.store.actor.username == "admin2"
    finally:
        dialog.store.close()
    with pytest.raises(SignInError):
        sign_in(db, "admin2", one_time)
    sign_in(db, "admin2", own).close()


def test_the_sign_in_refuses_a_broken_backup_a_non_administrator_and_a_cancel_changing_nothing(
        qtbot, admin: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from PySide6.QtCore import QTimer

    from ruralwatch.ui.tasks import BackgroundTask

    db = admin.path
    made = _made_backup(admin)
    admin.close()
    before = _files(db.parent)
    dialog = _signin_dialog(qtbot, db)
    dialog.show()
    dialog.confirm_restore = lambda question: pytest.fail("never asked: the check failed")
    # A file that is not a backup at all.
    text = tmp_path / "notes.db"
    text.write_text("not a database", encoding="utf-8")
    dialog.choose_backup = lambda: text
    assert not dialog.restore_backup()
    assert "is not a RuralWatch backup" in dialog.error_label.text()
    # A backup damaged in the middle: found by the full check, one line, nothing changed.
    broken = damage(made, made.with_name(made.name.replace("-manual", "-manual-9")), "bytes changed")
    dialog.choose_backup = lambda: broken
    assert not dialog.restore_backup()
    message = dialog.error_label.text()
    assert message == (f"The backup {broken.name} is damaged (part of it cannot be read): choose another backup; "
                       "nothing was changed.")
    assert message.lower().count("nothing was changed") == 1 and "\n" not in message
    # Not an administrator.
    dialog.choose_backup = lambda: made
    dialog.username.setText("coord")
    dialog.password.setText("coordinator password")
    assert not dialog.restore_backup()
    assert "may not" in dialog.error_label.text() and "restore backups" in dialog.error_label.text()
    # Cancel while the backup is being checked: the dialog's own busy bar, its fields greyed from the start and
    # its Quit button, saying Cancel meanwhile, stopping the check.
    dialog.username.setText("admin")
    dialog.password.setText(PASSWORD)
    gate = Gate(monkeypatch, service_backups)
    seen: dict = {}

    def cancel(busy: bool) -> None:
        if not busy:
            return
        seen["enabled"] = [w.isEnabled() for w in (dialog.username, dialog.password, dialog.submit_button,
                                                   dialog.restore_button, dialog.cancel_button)]
        seen["busy"] = (dialog.busy_box.isVisible(), dialog.busy_label.text(), dialog.cancel_button.text())
        seen["pop_ups"] = [t for t in dialog.findChildren(BackgroundTask) if t.dialog.isVisible()]
        QTimer.singleShot(0, press_cancel)  # from the dialog's event loop, once the check has started

    def press_cancel() -> None:
        assert gate.started.wait(30)
        dialog.cancel_button.click()
        seen["stopping"] = dialog.busy_label.text()
        gate.go.set()

    dialog.busy_changed.connect(cancel)
    assert not dialog.restore_backup()
    assert seen["enabled"] == [False, False, False, False, True]
    assert seen["busy"] == (True, f"Checking the backup {made.name} in full…", "Cancel")
    assert seen["stopping"] == "Stopping…" and seen["pop_ups"] == []
    assert dialog.isVisible() and dialog.result() == 0  # Cancel stopped the check, not the sign-in
    assert dialog.cancel_button.text() == "Quit" and dialog.username.isEnabled() and not dialog.busy_box.isVisible()
    assert dialog.error_label.text() == "Check cancelled: nothing was changed."
    assert _files(db.parent) == before  # the database and its keyring, untouched by every refusal


# --- a damaged backup, the same sentence from every place a restore starts ---------------------------------------


@pytest.mark.parametrize("kind", DAMAGE_KINDS)
def test_a_damaged_backup_reads_the_same_from_every_place_a_restore_starts_and_changes_nothing(
        qtbot, admin: Store, tmp_path: Path, kind: str) -> None:
    from html import escape

    from ruralwatch.ui.first_restore import FirstRestoreDialog

    db = admin.path
    good = _made_backup(admin)
    stick = tmp_path / "stick"
    candidate = damage(good, stick / good.name.replace("-manual", "-manual-2"), kind)
    offered = _files(stick)
    seen: dict[str, str] = {}
    # File ▸ Backups and restore: a backup found damaged when listed, never offered...
    backups = _dialog(qtbot, Services.build(admin))
    with qtbot.waitSignal(backups.listed, timeout=30_000):
        backups.show_folder(stick)
    assert backups.select(candidate) and not backups.restore_button.isEnabled()
    listed = _cells(backups)[0][4]
    assert listed.startswith("Not usable: ") and says_it_in_user_words(listed), listed
    assert backups.ask_restore() is None
    assert backups.message.text().endswith("Choose another backup; nothing was changed.")
    assert says_it_in_user_words(backups.message.text()), backups.message.text()
    # ... and one damaged after it was listed: the check before the window closes refuses it.
    info = store_backups.info_for(candidate)
    assert info is not None
    checking = RestoreDialog(Services.build(admin), info)
    qtbot.addWidget(checking)
    checking.password.setText(PASSWORD)
    checking.submit()
    qtbot.waitUntil(lambda: checking.task is None, timeout=30_000)
    seen["backups dialog"] = checking.error_label.text()
    assert checking.request is None and checking.password.text() == PASSWORD  # kept: the password was right
    admin.close()
    before = _files(db.parent)  # closed: its write-ahead log put back into the file
    # The sign-in's Restore a backup…
    signing_in = _signin_dialog(qtbot, db)
    signing_in.choose_backup = lambda: candidate
    signing_in.confirm_restore = lambda question: pytest.fail("never asked: the backup will not do")
    assert not signing_in.restore_backup()
    seen["sign-in"] = signing_in.error_label.text()
    # The first start's Restore a backup… on a new laptop.
    first = FirstRestoreDialog(tmp_path / "new" / "rw.db", TEST_PARAMS)
    qtbot.addWidget(first)
    first.backup.setText(str(candidate))
    first.username.setText("admin")
    first.password.setText(PASSWORD)
    first.submit()
    seen["first start"] = first.error_label.text()
    assert first.store is None and not (tmp_path / "new").exists()
    # The restore after the window closed (the file damaged between the check and the restore).
    done, notice = restore_after_close(db, RestoreRequest(candidate, "20 Nov", "admin", PASSWORD))

    message = seen["sign-in"]
    assert set(seen.values()) == {message}, seen
    assert not done and escape(message) in notice
    assert says_it_in_user_words(message) and candidate.name in message, message
    assert message.endswith("choose another backup; nothing was changed.")
    assert _files(db.parent) == before and _files(stick) == offered


# --- the automatic backup still running when the window closes to restore ------------------------------------


@pytest.mark.parametrize("cancel", [False, True])
def test_closing_to_restore_waits_for_the_automatic_backup_then_restores(
        qtbot, db: Path, monkeypatch: pytest.MonkeyPatch, cancel: bool) -> None:
    from ruralwatch.ui import application

    seen: list[str] = []
    fill = _sign_in_then_quit(qtbot, seen)
    record: dict = {}
    gates: list[Gate] = []
    real_restore = application.restore_after_close

    def look(_app, window) -> int:  # noqa: ANN001
        record["made"] = window.services.backups.backup_now().path  # the backup to restore, made at once
        record["backup"] = window.service.count()
        window.services.incidents.delete(window.service.list()[0].id)
        # The automatic backup's copy held (the restore's own copy goes through services.backups, not gated).
        gates.append(gate := Gate(monkeypatch, store_backups))
        record["task"] = application.automatic_backup(window, "start")
        assert gate.started.wait(30)  # the automatic backup is copying, its connection open
        record["thread"] = record["task"].thread
        record["before"] = _files(db.parent)
        with qtbot.waitSignal(window.closed, timeout=30_000):
            assert window.close_to_restore(RestoreRequest(record["made"], "20 Nov", "admin", PASSWORD))
        return 0

    def waiting(task) -> None:  # noqa: ANN001
        def first(_done: int, _total: int, _note: str = "") -> None:
            if "label" in record:
                return
            record["label"] = task.dialog.labelText()
            record["files"] = _files(db.parent)  # nothing replaced while the backup still runs
            if cancel:
                task.dialog.canceled.emit()  # the progress dialog's Cancel
            gates[0].go.set()  # the automatic backup may finish now

        task.signals.progressed.connect(first)

    def restore_after_close(db_path, request, parent=None, on_task=None, wait_for=()):  # noqa: ANN001, ANN202
        record["waited_for"] = [w.what for w in wait_for]
        try:
            return real_restore(db_path, request, parent, on_task=waiting, wait_for=wait_for)
        finally:
            gates[0].go.set()  # never leave the backup held, whatever happened

    monkeypatch.setattr(application, "restore_after_close", restore_after_close)
    assert application.run_gui(db, params=TEST_PARAMS, exec_dialog=fill, event_loop=look) == 0
    record["thread"].join(30)
    assert record["waited_for"] == ["the automatic backup"]
    assert record["label"].startswith("Waiting for the automatic backup to finish, then: restoring the backup of")
    assert record["files"] == record["before"]
    store = sign_in(db, "admin", PASSWORD)
    try:
        count = Services.build(store).incidents.count()
    finally:
        store.close()
    assert len(seen) == 2
    if cancel:
        assert "Restore cancelled" in seen[1] and "nothing was changed" in seen[1], seen[1]
        assert count == record["backup"] - 1 and not list(db.parent.glob("rw.db.before-restore-*"))
    else:
        assert "was restored" in seen[1], seen[1]
        assert count == record["backup"] and list(db.parent.glob("rw.db.before-restore-*"))
    assert len(list((db.parent / "backups").glob("*.db"))) == 2  # the automatic backup was made all the same
