"""`ruralwatch data-folder`: where the database is and why, and moving it from the command line."""

from __future__ import annotations

from pathlib import Path

from cli_harness import ADMIN, PASSWORD, Cli

from ruralwatch.paths import remember_db_path, remembered_db_path
from ruralwatch.services.accounts import sign_in
from ruralwatch.store.keyring import keyring_path


def test_it_says_which_database_and_what_chose_it(cli: Cli, encrypted_db: Path) -> None:
    shown = cli("data-folder", "--json")
    assert shown.code == 0
    assert shown.json()["database"] == str(encrypted_db) and shown.json()["chosen_by"] == "--db"
    remember_db_path(encrypted_db)
    text = cli("data-folder", db=None)
    assert text.code == 0
    assert f"database: {encrypted_db.resolve()}" in text.out and "chosen at first start" in text.out


def test_moving_the_remembered_database(cli: Cli, encrypted_db: Path, tmp_path: Path) -> None:
    remember_db_path(encrypted_db)
    target = tmp_path / "moved"
    refused = cli("data-folder", "--move-to", str(target))  # with --db: a named file is moved by hand
    assert refused.code == 2 and "without --db" in refused.err
    assert not target.exists()

    result = cli("--user", ADMIN, "data-folder", "--move-to", str(target), db=None)
    assert result.code == 0, result.err
    new = target / encrypted_db.name
    assert f"moved: {new}" in result.out
    assert remembered_db_path() == new.resolve()
    assert not encrypted_db.exists() and not keyring_path(encrypted_db).exists()
    sign_in(new, ADMIN, PASSWORD).close()

    again = cli("data-folder", "--move-to", str(target), db=None)  # already there: one line, exit 2
    assert again.code == 2 and "already in" in again.err and again.err.count("\n") == 1


def test_a_missing_remembered_database_is_an_error_not_a_new_one(cli: Cli, tmp_path: Path) -> None:
    gone = tmp_path / "stick" / "ruralwatch.db"
    remember_db_path(gone)
    for argv in (("incidents", "list"), ("init", "--admin", "jo"), ("demo",)):
        result = cli(*argv, db=None)
        assert result.code == 2 and "is not there" in result.err and result.err.count("\n") == 1
    assert not gone.parent.exists()
    shown = cli("data-folder", db=None)  # still says where it should be
    assert shown.code == 0 and str(gone.resolve()) in shown.out
