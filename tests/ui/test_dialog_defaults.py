"""Enter in a dialog does what a person means: the first-start dialog creates the database (Choose… was the
default button and opened the folder chooser), and an error goes once the field it is about is fixed."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFileDialog, QPushButton

from ruralwatch.paths import DB_ENV
from ruralwatch.store.keyring import TEST_PARAMS
from ruralwatch.ui.signin import FirstRunDialog

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def no_env_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DB_ENV, raising=False)


@pytest.fixture
def folder_chooser(monkeypatch) -> list[str]:
    asked: list[str] = []
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *args, **kwargs: asked.append("folder") or ""))
    return asked


def _first_run(qtbot, tmp_path: Path) -> FirstRunDialog:
    dialog = FirstRunDialog(tmp_path / "data" / "ruralwatch.db", TEST_PARAMS, choose_folder=True)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=5_000)
    return dialog


def _type(qtbot, dialog: FirstRunDialog) -> None:
    for field, text in ((dialog.username, "jsmith"), (dialog.password, PASSWORD), (dialog.password_again, PASSWORD)):
        field.setFocus()
        qtbot.keyClicks(field, text)


def test_enter_in_the_first_start_dialog_creates_the_database(qtbot, tmp_path, folder_chooser) -> None:
    dialog = _first_run(qtbot, tmp_path)
    _type(qtbot, dialog)
    defaults = [b.text() for b in dialog.findChildren(QPushButton) if b.isDefault()]
    assert defaults == ["Create database"]
    with qtbot.waitSignal(dialog.finished, timeout=30_000):
        qtbot.keyClick(dialog.password_again, Qt.Key.Key_Return)
    assert folder_chooser == []
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.store is not None
    dialog.store.close()


def test_enter_in_the_folder_field_creates_too_and_choose_is_never_the_default(qtbot, tmp_path,
                                                                              folder_chooser) -> None:
    dialog = _first_run(qtbot, tmp_path)
    _type(qtbot, dialog)
    choose = next(b for b in dialog.findChildren(QPushButton) if b.text() == "C&hoose…")
    choose.setFocus()  # a person tabbing through the form passes the button
    dialog.folder.setFocus()
    assert not choose.isDefault()
    with qtbot.waitSignal(dialog.finished, timeout=30_000):
        qtbot.keyClick(dialog.folder, Qt.Key.Key_Return)
    assert folder_chooser == []
    dialog.store.close()


def test_the_error_goes_once_its_field_is_fixed(qtbot, tmp_path, folder_chooser) -> None:
    dialog = _first_run(qtbot, tmp_path)
    dialog.username.setFocus()
    qtbot.keyClicks(dialog.username, "jsmith")
    dialog.password.setFocus()
    qtbot.keyClicks(dialog.password, PASSWORD)
    dialog.password_again.setFocus()
    qtbot.keyClicks(dialog.password_again, PASSWORD + "x")
    qtbot.keyClick(dialog.password_again, Qt.Key.Key_Return)
    assert dialog.error_label.isVisible() and "differ" in dialog.error_label.text()
    qtbot.keyClick(dialog.password_again, Qt.Key.Key_Backspace)
    assert not dialog.error_label.isVisible()
    assert folder_chooser == []


def _defaults(dialog) -> list[str]:
    return [b.text() for b in dialog.findChildren(QPushButton) if b.isDefault() and b.isVisible()]


def test_every_dialog_of_the_window_has_the_default_button_it_means(qtbot, window, services) -> None:
    """The button set as default before it was inside its dialog was not the dialog's: Enter went elsewhere."""
    from ruralwatch.ui.harm_dialog import HarmWeightsDialog
    from ruralwatch.ui.retention_dialog import RetentionDialog

    export = window.open_export()
    retention = RetentionDialog(services, window)
    harm = HarmWeightsDialog(services.harm, window)
    expected = {export: ["&Export"], retention: ["Close"], harm: ["&Save weight"]}
    for dialog, default in expected.items():
        dialog.show()
        qtbot.waitExposed(dialog)
        qtbot.waitUntil(lambda d=dialog: not d.findChildren(QPushButton) or _defaults(d) != [], timeout=2_000)
        assert _defaults(dialog) == default, type(dialog).__name__
        dialog.close()
