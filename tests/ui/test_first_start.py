"""The first start: the slow parts of creating a database and signing in run off the UI thread with the dialog
showing it is busy. Real encrypted files with the cheap test KDF; no sleeps."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from ruralwatch.services.accounts import create_database
from ruralwatch.services.container import Services
from ruralwatch.store.keyring import TEST_PARAMS
from ruralwatch.ui import signin
from ruralwatch.ui.signin import FirstRunDialog, SignInDialog

PASSWORD = "correct horse battery"


def _busy_while(dialog: signin.FormDialog, record: dict) -> None:
    """Record, once the dialog's slow work has started, what the user could do then."""
    def started(busy: bool) -> None:
        if not busy:
            return
        record["enabled"] = [w.isEnabled() for w in (dialog.submit_button, dialog.cancel_button,
                                                     dialog.username, dialog.password)]
        record["bar"] = dialog.busy_box.isVisible() and dialog.busy_bar.maximum() == 0  # a moving busy bar
        record["text"] = dialog.busy_label.text()
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
    assert "wrong password" in dialog.error_label.text() and dialog.username.text() == "admin"
    assert dialog.submit_button.isEnabled() and dialog.password.isEnabled() and dialog.password.hasFocus()
    qtbot.keyClicks(dialog.password, PASSWORD)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    try:
        assert dialog.store.actor.username == "admin"
        assert dialog.store.meta("device_id")  # usable on this thread
    finally:
        dialog.store.close()
