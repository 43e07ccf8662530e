"""The first start: a new laptop restores a backup (from a stick) instead of creating an empty database, and the
slow parts of creating a database and signing in run off the UI thread with the dialog showing it is busy.
Real encrypted files with the cheap test KDF; no sleeps."""

from __future__ import annotations

import shutil
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fixtures.accounts import add_account
from fixtures.damaged_backups import damage
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from ruralwatch.paths import DB_ENV, remembered_db_path
from ruralwatch.services.accounts import AccountService, SignInError, create_database, sign_in
from ruralwatch.services.backups import backup_now
from ruralwatch.services.container import Services
from ruralwatch.services.demo import load_demo
from ruralwatch.store.database import Store
from ruralwatch.store.keyring import TEST_PARAMS, keyring_path
from ruralwatch.ui import signin
from ruralwatch.ui.first_restore import FirstRestoreDialog
from ruralwatch.ui.signin import FirstRunDialog, SignInDialog, open_database

PASSWORD = "correct horse battery"
THEN = datetime(2026, 11, 20, tzinfo=UTC)


@pytest.fixture(autouse=True)
def no_env_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DB_ENV, raising=False)


@pytest.fixture
def stick(tmp_path: Path) -> tuple[Path, int]:
    """A USB stick holding a manual backup of the old laptop's database (60 demo incidents, an administrator and a
    coordinator), and the number of incidents in it."""
    old = tmp_path / "old-laptop" / "ruralwatch.db"
    store = create_database(old, "admin", PASSWORD, TEST_PARAMS)
    try:
        load_demo(Services.build(store).incidents, count=60, now=THEN)
        add_account(store, "coord", "coordinator", "coordinator password")
        count = Services.build(store).incidents.count()
        backup_now(store, tmp_path / "stick", now=THEN)
    finally:
        store.close()
    return tmp_path / "stick", count


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


def test_a_new_laptop_restores_a_backup_from_a_stick_and_is_signed_in(qtbot, tmp_path: Path, stick) -> None:
    folder, count = stick
    default = tmp_path / "default" / "ruralwatch.db"
    chosen = tmp_path / "laptop" / "RuralWatch"
    seen: list[str] = []

    def restore_from_stick(child: QDialog) -> int:
        assert isinstance(child, FirstRestoreDialog)
        assert str(chosen) in child.intro.text()  # restored into the folder being set up
        child.backup.setText(str(folder))  # the stick's folder: its newest backup is taken
        child.username.setText("admin")
        child.password.setText(PASSWORD)
        qtbot.mouseClick(child.submit_button, Qt.MouseButton.LeftButton)
        return child.result()

    def fill(dialog: QDialog) -> int:
        assert isinstance(dialog, FirstRunDialog)
        qtbot.addWidget(dialog)
        seen.append(type(dialog).__name__)
        dialog.folder.setText(str(chosen))
        dialog.run_child = restore_from_stick
        qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
        return dialog.result()

    store = open_database(default, TEST_PARAMS, fill, choose_folder=True)
    assert isinstance(store, Store), store
    try:
        assert seen == ["FirstRunDialog"]  # signed in straight away, no second dialog
        assert store.path == chosen / "ruralwatch.db" and store.encrypted and keyring_path(store.path).is_file()
        assert store.actor.username == "admin" and store.actor.role == "administrator"
        assert Services.build(store).incidents.count() == count
        assert remembered_db_path() == store.path.resolve()  # later starts open it
        assert signin.last_account() == "admin"
        assert not default.exists() and not default.parent.exists()
    finally:
        store.close()


def test_a_broken_or_foreign_file_or_a_wrong_password_gets_one_message_and_creates_nothing(
        qtbot, tmp_path: Path, stick) -> None:
    folder, _count = stick
    backup = next(folder.glob("*.db"))
    target = tmp_path / "new" / "data" / "ruralwatch.db"
    dialog = FirstRestoreDialog(target, TEST_PARAMS)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.username.setText("admin")
    dialog.password.setText(PASSWORD)

    def refused(path: Path | str, field: object) -> str:
        dialog.backup.setText(str(path))
        dialog.submit()
        assert dialog.result() != QDialog.DialogCode.Accepted and dialog.store is None
        assert dialog.marks.is_marked(field)  # type: ignore[arg-type]
        assert _files(tmp_path / "new") == [] and not (tmp_path / "new").exists()  # nothing made on the laptop
        assert dialog.username.text() == "admin"  # what was typed is kept
        message = dialog.error_label.text()
        assert "\n" not in message
        return message

    # Another program's file, a text file, a folder with no backup in it, a backup without its keyring.
    foreign = tmp_path / "notes.db"
    foreign.write_text("shopping list", encoding="utf-8")
    assert "is not a RuralWatch backup" in refused(foreign, dialog.backup)
    assert "stick-not-plugged-in: no such file" in refused(tmp_path / "stick-not-plugged-in", dialog.backup)
    empty = tmp_path / "empty-stick"
    empty.mkdir()
    assert "holds no RuralWatch backup" in refused(empty, dialog.backup)
    lone = tmp_path / "lone" / backup.name
    lone.parent.mkdir()
    shutil.copy(backup, lone)
    assert "has no keyring beside it" in refused(lone, dialog.backup)
    # A backup damaged in the middle: found by the full check before anything is put in place.
    broken = damage(backup, tmp_path / "broken" / backup.name, "bytes changed")
    dialog.backup.setText(str(broken))
    dialog.submit()
    message = dialog.error_label.text()
    assert message == (f"The backup {broken.name} is damaged (part of it cannot be read): choose another backup; "
                       "nothing was changed.")
    assert message.lower().count("nothing was changed") == 1 and "\n" not in message
    assert dialog.marks.is_marked(dialog.backup)  # the backup is what to change
    assert not (tmp_path / "new").exists()
    # Not an administrator of the backup; then a wrong password (cleared, the rest kept).
    dialog.backup.setText(str(backup))
    dialog.username.setText("coord")
    dialog.password.setText("coordinator password")
    dialog.submit()
    assert "may not" in dialog.error_label.text() and not (tmp_path / "new").exists()
    dialog.username.setText("admin")
    dialog.password.setText("not the password")
    dialog.submit()
    assert "wrong password" in dialog.error_label.text() and dialog.marks.is_marked(dialog.password)
    assert dialog.password.text() == "" and dialog.backup.text() == str(backup)
    assert not (tmp_path / "new").exists() and dialog.store is None


def test_the_first_start_offers_restoring_only_into_a_usable_folder(qtbot, tmp_path: Path) -> None:
    existing = tmp_path / "shared" / "ruralwatch.db"
    create_database(existing, "admin", PASSWORD, TEST_PARAMS).close()
    dialog = FirstRunDialog(tmp_path / "default" / "ruralwatch.db", TEST_PARAMS, choose_folder=True)
    qtbot.addWidget(dialog)
    dialog.run_child = lambda child: pytest.fail("no restore into a folder that cannot take it")
    dialog.folder.setText(str(existing.parent))
    dialog.restore_button.click()
    assert "already holds a RuralWatch database" in dialog.error_label.text()
    dialog.folder.setText("relative/folder")
    dialog.restore_button.click()
    assert "not a full path" in dialog.error_label.text()
    assert not (tmp_path / "default").exists()


def _busy_while(dialog: signin.FormDialog, record: dict) -> None:
    """Record, once the dialog's slow work has started, what the user could do then."""
    def started(busy: bool) -> None:
        if not busy:
            return
        record["enabled"] = [w.isEnabled() for w in (dialog.submit_button, dialog.cancel_button,
                                                     dialog.username, dialog.password)]
        record["bar"] = dialog.busy_box.isVisible() and dialog.busy_bar.maximum() == 0  # a moving busy bar
        record["text"] = dialog.busy_label.text()
        # Taller to hold the bar: squeezed, the password's hint overlapped the field below it.
        record["fits"] = dialog.height() >= dialog.layout().totalHeightForWidth(dialog.width())
        dialog.reject()  # Escape or closing the window: ignored while the database is half made
        record["still_open"] = dialog.isVisible()

    dialog.busy_changed.connect(started)


def test_creating_the_database_runs_off_the_ui_thread_with_the_dialog_busy(qtbot, tmp_path: Path,
                                                                          monkeypatch) -> None:
    threads: list[threading.Thread] = []
    real = signin.create_database

    def create(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(signin, "create_database", create)
    path = tmp_path / "rw.db"
    dialog = FirstRunDialog(path, TEST_PARAMS)
    qtbot.addWidget(dialog)
    dialog.show()
    record: dict = {}
    _busy_while(dialog, record)
    dialog.username.setText("jsmith")
    dialog.password.setText(PASSWORD)
    dialog.password_again.setText(PASSWORD)
    qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
    assert threads and threads[0] is not threading.main_thread()
    assert record["enabled"] == [False, False, False, False]
    assert record["bar"] and "Creating the encrypted database" in record["text"] and record["still_open"]
    assert record["fits"]
    assert dialog.result() == QDialog.DialogCode.Accepted and not dialog.busy_box.isVisible()
    try:
        # Opened again on this thread: the window uses it here.
        assert Services.build(dialog.store).incidents.count() == 0
        assert dialog.store.actor.username == "jsmith"
    finally:
        dialog.store.close()


def test_signing_in_runs_off_the_ui_thread_and_a_wrong_password_gives_the_form_back(qtbot, tmp_path: Path,
                                                                                   monkeypatch) -> None:
    path = tmp_path / "rw.db"
    create_database(path, "admin", PASSWORD, TEST_PARAMS).close()
    threads: list[threading.Thread] = []
    real = signin.sign_in_checked

    def checked(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(signin, "sign_in_checked", checked)
    dialog = SignInDialog(path, ("admin",))
    qtbot.addWidget(dialog)
    dialog.show()
    record: dict = {}
    _busy_while(dialog, record)
    dialog.username.setText("admin")
    qtbot.keyClicks(dialog.password, "not the password")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert threads and all(t is not threading.main_thread() for t in threads)
    assert record["enabled"] == [False, False, False, False] and record["still_open"]
    assert "Signing in" in record["text"]
    # The error in the form, the name kept, every field usable again and the focus back in the password.
    assert dialog.error_label.text().startswith("Wrong password for admin") and dialog.username.text() == "admin"
    assert dialog.submit_button.isEnabled() and dialog.password.isEnabled() and dialog.password.hasFocus()
    qtbot.keyClicks(dialog.password, PASSWORD)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    try:
        assert dialog.store.actor.username == "admin"
        assert dialog.store.meta("device_id")  # usable on this thread
    finally:
        dialog.store.close()


def test_a_notice_is_on_the_screen_while_the_window_is_built(qtbot, tmp_path: Path, monkeypatch) -> None:
    """Building the window takes a second or two on the UI thread: the screen was black between the sign-in closing
    and the window appearing."""
    from PySide6.QtWidgets import QApplication, QLabel

    from ruralwatch.ui import application

    path = tmp_path / "rw.db"
    store = create_database(path, "admin", PASSWORD, TEST_PARAMS)
    seen: dict[str, list[str]] = {}
    real = application.MainWindow

    def notices() -> list[str]:
        return [w.text() for w in QApplication.topLevelWidgets() if isinstance(w, QLabel) and w.isVisible()]

    def building(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        seen["building"] = notices()
        return real(*args, **kwargs)

    def look(_app, window) -> int:  # noqa: ANN001
        seen["shown"] = notices()
        return 0

    monkeypatch.setattr(application, "MainWindow", building)
    assert application.run_window(store, event_loop=look) == 0
    assert any("Opening the window" in text for text in seen["building"])
    assert seen["shown"] == []  # gone once the window is up


# --- a backup made while the account's password was one an administrator set ---------------------------------

ONE_TIME = "set by the other administrator"
OWN = "a password of my own choosing"


@pytest.fixture
def reset_stick(tmp_path: Path) -> Path:
    """A stick whose backup was made while `admin2`, an administrator, still had the one-time password another
    administrator gave it (a new account, or a reset), not yet replaced by its own."""
    old = tmp_path / "old-laptop" / "ruralwatch.db"
    store = create_database(old, "admin", PASSWORD, TEST_PARAMS)
    try:
        AccountService(store).add("admin2", "administrator", ONE_TIME, params=TEST_PARAMS)
        backup_now(store, tmp_path / "stick", now=THEN)
    finally:
        store.close()
    return tmp_path / "stick"


def _choose(qtbot, own: str | None):  # noqa: ANN202
    """A run_child that fills in the NewPasswordDialog with `own` (None: Cancel) and records that it was asked."""
    asked: list[str] = []

    def run(child: QDialog) -> int:
        assert isinstance(child, signin.NewPasswordDialog)
        asked.append(child.intro.text())
        if own is None:
            child.reject()
        else:
            child.new.setText(own)
            child.again.setText(own)
            child.submit()
        return child.result()

    run.asked = asked  # type: ignore[attr-defined]
    return run


def _signs_in_only_with_own(path: Path) -> None:
    with pytest.raises(SignInError):  # the administrator's password is spent: it no longer opens the account
        sign_in(path, "admin2", ONE_TIME)
    sign_in(path, "admin2", OWN).close()


def test_a_restored_account_with_an_administrators_password_chooses_its_own_before_it_is_signed_in(
        qtbot, tmp_path: Path, reset_stick: Path) -> None:
    target = tmp_path / "laptop" / "ruralwatch.db"
    dialog = FirstRestoreDialog(target, TEST_PARAMS)
    qtbot.addWidget(dialog)
    choose = _choose(qtbot, OWN)
    dialog.run_child = choose
    dialog.backup.setText(str(reset_stick))
    dialog.username.setText("admin2")
    dialog.password.setText(ONE_TIME)
    dialog.submit()
    assert choose.asked and "Choose your own password, admin2" in choose.asked[0]
    assert dialog.result() == QDialog.DialogCode.Accepted and dialog.store is not None
    try:
        assert dialog.store.actor.username == "admin2"
    finally:
        dialog.store.close()
    _signs_in_only_with_own(target)


def test_a_restored_account_that_chooses_no_password_is_asked_again_at_the_sign_in(
        qtbot, tmp_path: Path, reset_stick: Path) -> None:
    default = tmp_path / "default" / "ruralwatch.db"
    chosen = tmp_path / "laptop" / "RuralWatch"
    seen: list[str] = []

    def restore_from_stick(child: QDialog) -> int:
        assert isinstance(child, FirstRestoreDialog)
        child.run_child = _choose(qtbot, None)  # Cancel: no password of its own yet
        child.backup.setText(str(reset_stick))
        child.username.setText("admin2")
        child.password.setText(ONE_TIME)
        child.submit()
        assert child.store is None and child.restored is not None
        return child.result()

    sign_in_asked = _choose(qtbot, OWN)

    def fill(dialog: QDialog) -> int:
        qtbot.addWidget(dialog)
        seen.append(type(dialog).__name__)
        if isinstance(dialog, FirstRunDialog):
            dialog.folder.setText(str(chosen))
            dialog.run_child = restore_from_stick
            dialog.restore_button.click()
            return dialog.result()
        assert isinstance(dialog, SignInDialog)
        intro = dialog.intro.text()
        assert "was restored" in intro and "an administrator set for you then" in intro
        assert dialog.username.text() == "admin2"  # the account that restored it, filled in
        dialog.run_child = sign_in_asked
        dialog.password.setText(ONE_TIME)
        dialog.submit()
        return dialog.result()

    store = open_database(default, TEST_PARAMS, fill, choose_folder=True)
    assert isinstance(store, Store), store
    try:
        assert seen == ["FirstRunDialog", "SignInDialog"]
        assert sign_in_asked.asked  # asked for its own password, as after a reset
        assert store.actor.username == "admin2" and store.path == chosen / "ruralwatch.db"
    finally:
        store.close()
    _signs_in_only_with_own(chosen / "ruralwatch.db")
