"""The sign-in on a laptop whose database is damaged or wrong (fixtures/damaged_databases), or that cannot write: it
says what is wrong in the user's words (never SQLite's), offers the latest good backup where restoring helps, keeps
itself open with what to fix where it would not, and changes nothing until asked."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.damaged_databases import (
    ADMIN,
    CONDITIONS,
    DAMAGE_KINDS,
    INCIDENTS,
    PASSWORD,
    damage,
    laptop,
    restricted,
    says_it_in_user_words,
    snapshot,
)
from PySide6.QtWidgets import QMessageBox

from ruralwatch.services.backups import DatabaseUnavailableError, sign_in_checked
from ruralwatch.services.database_files import inspect_database
from ruralwatch.ui import signin
from ruralwatch.ui.signin import FATAL, SignInDialog, dialog_for


def _dialog(qtbot, db: Path) -> SignInDialog:  # noqa: ANN001
    dialog = dialog_for(inspect_database(db), db)
    assert isinstance(dialog, SignInDialog)
    qtbot.addWidget(dialog)
    dialog.username.setText(ADMIN)
    dialog.password.setText(PASSWORD)
    return dialog


@pytest.mark.parametrize("kind", DAMAGE_KINDS)
def test_each_damage_offers_the_backup_in_the_users_words_and_quit_changes_nothing(qtbot, tmp_path: Path,
                                                                                  kind: str) -> None:
    db = laptop(tmp_path / "laptop")
    damage(db, kind, tmp_path / "scratch")
    before = snapshot(db)
    dialog = _dialog(qtbot, db)
    asked: list[QMessageBox] = []
    dialog.ask = lambda box: asked.append(box) or next(b for b in box.buttons() if b.text() == "Quit")
    dialog.submit()
    assert len(asked) == 1 and dialog.result() == FATAL and dialog.store is None
    box = asked[0]
    assert box.windowTitle() == "The database cannot be used"
    assert says_it_in_user_words(box.text().replace("\n", " ")), box.text()
    assert any(b.text().startswith("Restore the backup of ") for b in box.buttons())
    assert says_it_in_user_words(dialog.fatal), dialog.fatal
    assert snapshot(db) == before


def test_the_offered_backup_is_restored_and_signed_in(qtbot, tmp_path: Path) -> None:
    db = laptop(tmp_path / "laptop")
    damage(db, "keyring missing", tmp_path / "scratch")
    dialog = _dialog(qtbot, db)
    assert "is missing" in dialog.error_label.text() and "Restore a backup…" in dialog.error_label.text()
    dialog.ask = lambda box: next(b for b in box.buttons() if b.text().startswith("Restore the backup of "))
    dialog.submit()
    assert dialog.store is not None, dialog.fatal
    try:
        assert dialog.store.db.execute("SELECT COUNT(*) FROM incidents").fetchone()[0] == INCIDENTS
    finally:
        dialog.store.close()


def _problem(db: Path) -> str:
    try:
        sign_in_checked(db, ADMIN, PASSWORD).close()
    except DatabaseUnavailableError as exc:
        return exc.problem
    return "signed in"


@pytest.mark.parametrize("condition", CONDITIONS)
def test_a_laptop_that_cannot_write_keeps_the_sign_in_open_saying_what_to_fix(qtbot, tmp_path: Path,
                                                                            monkeypatch, condition: str) -> None:
    db = laptop(tmp_path / "laptop")
    sign_in_checked(db, ADMIN, PASSWORD).close()
    problem = restricted(db, condition, lambda: _problem(db))  # the service, in a process that cannot write
    assert problem != "signed in"

    def cannot_write(*_args, **_kwargs):  # noqa: ANN002, ANN003, ANN202
        raise DatabaseUnavailableError(problem)

    monkeypatch.setattr(signin, "sign_in_checked", cannot_write)
    dialog = _dialog(qtbot, db)
    dialog.ask = lambda box: pytest.fail(f"no backup is offered for this: {box.text()}")
    dialog.submit()
    text = dialog.error_label.text()
    assert text.endswith("; nothing was changed.") and says_it_in_user_words(text), text
    assert dialog.result() == 0 and not dialog.fatal and dialog.password.text() == PASSWORD
