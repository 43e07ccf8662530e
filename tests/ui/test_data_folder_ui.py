"""Choosing the data folder at the first start, and moving it from Settings; real encrypted files, no sleeps."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.accounts import add_account
from PySide6.QtWidgets import QDialog

from ruralwatch.paths import DB_ENV, remember_db_path, remembered_db_path
from ruralwatch.services.accounts import create_database, sign_in
from ruralwatch.services.container import Services
from ruralwatch.store.keyring import TEST_PARAMS, keyring_path
from ruralwatch.ui.application import run_window
from ruralwatch.ui.settings_dialog import SettingsDialog
from ruralwatch.ui.signin import FirstRunDialog, SignInDialog, open_database

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def no_env_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DB_ENV, raising=False)


def _fill_administrator(dialog: FirstRunDialog) -> None:
    dialog.username.setText("jsmith")
    dialog.password.setText(PASSWORD)
    dialog.password_again.setText(PASSWORD)


def test_first_start_creates_the_database_in_the_chosen_folder_and_remembers_it(qtbot, tmp_path: Path) -> None:
    default = tmp_path / "default" / "ruralwatch.db"
    chosen = tmp_path / "usb" / "RuralWatch"
    (tmp_path / "a-file").write_text("x", encoding="utf-8")

    def fill(dialog: QDialog) -> int:
        assert isinstance(dialog, FirstRunDialog)
        qtbot.addWidget(dialog)
        assert dialog.folder.text() == str(default.parent)  # the default, suggested
        _fill_administrator(dialog)
        dialog.folder.setText("relative/folder")
        dialog.submit()
        assert "not a full path" in dialog.error_label.text()
        dialog.folder.setText(str(tmp_path / "a-file"))
        dialog.submit()
        assert "is a file" in dialog.error_label.text()
        assert dialog.username.text() == "jsmith" and dialog.password.text() == PASSWORD  # input kept
        dialog.folder.setText(str(chosen))
        dialog.submit()
        return dialog.result()

    store = open_database(default, TEST_PARAMS, fill, choose_folder=True)
    try:
        assert not isinstance(store, int)
        assert store.path == chosen / "ruralwatch.db" and store.encrypted
        assert keyring_path(store.path).exists()
        assert not default.exists()
        assert remembered_db_path() == store.path.resolve()
    finally:
        store.close()


def test_without_a_choice_the_folder_is_not_asked_for_nor_remembered(qtbot, tmp_path: Path) -> None:
    named = tmp_path / "named.db"

    def fill(dialog: QDialog) -> int:
        qtbot.addWidget(dialog)
        assert dialog.form.rowCount() and dialog.folder.parent() is None  # no folder row
        _fill_administrator(dialog)
        dialog.submit()
        return dialog.result()

    store = open_database(named, TEST_PARAMS, fill)
    try:
        assert store.path == named
        assert remembered_db_path() is None
    finally:
        store.close()


def test_a_chosen_folder_holding_a_database_is_offered_for_signing_in(qtbot, tmp_path: Path) -> None:
    existing = tmp_path / "shared" / "ruralwatch.db"
    existing.parent.mkdir()
    create_database(existing, "admin", PASSWORD, TEST_PARAMS).close()
    seen: list[str] = []

    def fill(dialog: QDialog) -> int:
        qtbot.addWidget(dialog)
        seen.append(type(dialog).__name__)
        if isinstance(dialog, FirstRunDialog):
            dialog.confirm_use_existing = lambda path: True
            _fill_administrator(dialog)
            dialog.folder.setText(str(existing.parent))
            dialog.submit()
            return dialog.result()
        assert isinstance(dialog, SignInDialog) and dialog.db_path == existing
        dialog.username.setText("admin")
        dialog.password.setText(PASSWORD)
        dialog.submit()
        return dialog.result()

    store = open_database(tmp_path / "default" / "ruralwatch.db", TEST_PARAMS, fill, choose_folder=True)
    try:
        assert seen == ["FirstRunDialog", "SignInDialog"]
        assert store.path == existing
        assert remembered_db_path() == existing.resolve()
    finally:
        store.close()


def test_moving_from_settings_closes_the_window_then_removes_the_old_files(qtbot, tmp_path: Path) -> None:
    old = tmp_path / "old" / "ruralwatch.db"
    old.parent.mkdir()
    create_database(old, "admin", PASSWORD, TEST_PARAMS).close()
    remember_db_path(old)  # as after a first start that chose this folder
    store = sign_in(old, "admin", PASSWORD)
    new_folder = tmp_path / "new"
    moved_to: list[Path] = []

    def move(_app, window) -> int:
        dialog = window.open_settings()
        assert dialog.move_button.isEnabled()
        dialog.confirm = lambda title, question: True
        form = window.new_incident()  # something typed and not saved: the window must not close under it
        form.place.setText("Stubble field by the church")
        assert dialog.move_to(new_folder) is None
        assert "unsaved changes" in dialog.error.text() and not new_folder.exists()
        form.is_modified = lambda: False  # as after saving it
        form.close()
        with qtbot.waitSignal(dialog.data_moved, timeout=30_000) as moved:
            dialog.move_to(new_folder)
        moved_to.append(moved.args[0].new_path)
        assert window.moved_database is moved.args[0] and not window.isVisible()
        return 0

    assert run_window(store, event_loop=move) == 0
    assert moved_to == [new_folder / "ruralwatch.db"]
    assert not old.exists() and not keyring_path(old).exists()
    assert remembered_db_path() == moved_to[0].resolve()
    sign_in(moved_to[0], "admin", PASSWORD).close()


def test_the_move_button_says_why_it_is_off(qtbot, tmp_path: Path) -> None:
    path = tmp_path / "named.db"
    store = create_database(path, "admin", PASSWORD, TEST_PARAMS)
    try:
        dialog = SettingsDialog(Services.build(store))
        qtbot.addWidget(dialog)
        assert not dialog.move_button.isEnabled()  # named with --db: not the remembered location
        assert "--db" in dialog.move_button.toolTip()
        add_account(store, "sc101", "special", "special constable 42")
    finally:
        store.close()
    remember_db_path(path)
    special = sign_in(path, "sc101", "special constable 42")
    try:
        dialog = SettingsDialog(Services.build(special))
        qtbot.addWidget(dialog)
        assert not dialog.move_button.isEnabled()
        assert "administrator" in dialog.move_button.toolTip()
        dialog.move_to(tmp_path / "elsewhere")  # even if called: refused before anything is asked or copied
        assert not (tmp_path / "elsewhere").exists()
        assert "administrator" in dialog.error.text()
    finally:
        special.close()


def test_a_remembered_database_that_is_missing_is_never_a_first_start(qtbot, tmp_path: Path, monkeypatch) -> None:
    from ruralwatch.ui import signin

    on_stick = tmp_path / "stick" / "RuralWatch" / "ruralwatch.db"
    remember_db_path(on_stick)
    answers = iter([signin.RETRY, signin.QUIT])
    asked: list[Path] = []
    monkeypatch.setattr(signin, "ask_missing", lambda path: asked.append(path) or next(answers))
    shown: list[str] = []
    assert open_database(on_stick.resolve(), TEST_PARAMS, lambda d: shown.append(type(d).__name__) or 0,
                         choose_folder=True) == 0
    assert len(asked) == 2 and shown == []  # Retry (still missing), then Quit: no dialog, nothing made
    assert not on_stick.parent.exists() and remembered_db_path() == on_stick.resolve()

    def plug_in_the_stick(path: Path) -> str:
        on_stick.parent.mkdir(parents=True)
        create_database(on_stick, "admin", PASSWORD, TEST_PARAMS).close()
        return signin.RETRY

    monkeypatch.setattr(signin, "ask_missing", plug_in_the_stick)

    def sign_in_there(dialog: QDialog) -> int:
        qtbot.addWidget(dialog)
        assert isinstance(dialog, SignInDialog)
        dialog.username.setText("admin")
        dialog.password.setText(PASSWORD)
        dialog.submit()
        return dialog.result()

    store = open_database(on_stick.resolve(), TEST_PARAMS, sign_in_there, choose_folder=True)
    try:
        assert not isinstance(store, int) and store.path == on_stick.resolve()
    finally:
        store.close()


def test_starting_anew_when_the_remembered_database_is_gone(qtbot, tmp_path: Path, monkeypatch) -> None:
    from ruralwatch.ui import signin

    gone = tmp_path / "gone" / "ruralwatch.db"
    remember_db_path(gone)
    monkeypatch.setattr(signin, "ask_missing", lambda path: signin.START_NEW)
    monkeypatch.setattr(signin, "default_db_path", lambda: tmp_path / "fresh" / "ruralwatch.db")
    seen: list[str] = []

    def create(dialog: QDialog) -> int:
        qtbot.addWidget(dialog)
        seen.append(dialog.folder.text())
        _fill_administrator(dialog)
        dialog.submit()
        return dialog.result()

    store = open_database(gone.resolve(), TEST_PARAMS, create, choose_folder=True)
    try:
        assert seen == [str(tmp_path / "fresh")] and store.path == tmp_path / "fresh" / "ruralwatch.db"
        assert remembered_db_path() == store.path.resolve()
    finally:
        store.close()


@pytest.mark.parametrize("answer", ["cancel", "save", "discard"])
def test_moving_asks_about_settings_changed_and_not_saved(qtbot, tmp_path: Path, answer: str) -> None:
    """The move closes RuralWatch, and Settings with it: a walk changed a retention period, pressed Move, and the
    change was gone. Now it asks: save them and move, move without them, or cancel with every change kept."""
    old = tmp_path / "old" / "ruralwatch.db"
    old.parent.mkdir()
    create_database(old, "admin", PASSWORD, TEST_PARAMS).close()
    remember_db_path(old)
    store = sign_in(old, "admin", PASSWORD)
    try:
        services = Services.build(store)
        dialog = SettingsDialog(services)
        qtbot.addWidget(dialog)
        saved_months = services.retention.settings().reporter_months
        assert dialog.unsaved_sections() == []
        dialog.reporter_months.setValue(saved_months + 3)
        dialog.idle_minutes.setValue(dialog.idle_minutes.value() + 1)
        asked: list[str] = []
        dialog.ask_unsaved = lambda question: asked.append(question) or answer
        dialog.confirm = lambda title, question: pytest.fail("asked twice")
        new_folder = tmp_path / "new"
        task = dialog.move_to(new_folder)
        assert len(asked) == 1 and "not saved yet: Display and security, Retention of personal data." \
            in asked[0], asked
        if answer == "cancel":
            assert task is None and not (new_folder / "ruralwatch.db").exists()
            assert dialog.reporter_months.value() == saved_months + 3  # kept as typed
            assert services.retention.settings().reporter_months == saved_months
            return
        with qtbot.waitSignal(dialog.data_moved, timeout=30_000):
            pass
        expected = saved_months + 3 if answer == "save" else saved_months
        assert services.retention.settings().reporter_months == expected
        assert (new_folder / "ruralwatch.db").exists()
    finally:
        store.close()
