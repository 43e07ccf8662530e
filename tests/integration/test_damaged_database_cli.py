"""The command line on a laptop whose database is damaged or wrong (fixtures/damaged_databases), or that cannot write:
exit code 2, one line in the user's words (the command to restore the latest good backup where that helps), no
traceback, and nothing changed."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from cli_harness import Cli
from fixtures.damaged_databases import (
    ADMIN,
    CONDITIONS,
    DAMAGE_KINDS,
    PASSWORD,
    damage,
    laptop,
    restricted,
    says_it_in_user_words,
    snapshot,
)

from ruralwatch.app import main
from ruralwatch.services.accounts import sign_in
from ruralwatch.store.backups import list_backups


def _one_line(result) -> str:  # noqa: ANN001
    assert result.code == 2, result
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.err, result.err
    assert says_it_in_user_words(lines[0]), lines[0]
    return lines[0]


@pytest.mark.parametrize("kind", DAMAGE_KINDS)
def test_a_damaged_database_is_one_line_naming_the_backup_to_restore(cli: Cli, tmp_path: Path, kind: str) -> None:
    db = laptop(tmp_path / "laptop")
    damage(db, kind, tmp_path / "scratch")
    before = snapshot(db)
    line = _one_line(cli("--user", ADMIN, "incidents", "list", db=db))
    backup = list_backups(db)[0].path
    assert line.startswith(f"ruralwatch: error: the database {db} cannot be used: ")
    assert line.endswith(f"restore it with `ruralwatch --db {db} restore --from {backup} --yes`")
    assert snapshot(db) == before


def _command(db: Path, password_file: Path) -> tuple[int, str]:
    err = io.StringIO()
    with redirect_stderr(err), redirect_stdout(io.StringIO()):
        code = main(["--db", str(db), "--passphrase-file", str(password_file), "incidents", "list"])
    return code, err.getvalue()


@pytest.mark.parametrize("condition", CONDITIONS)
def test_a_laptop_that_cannot_write_is_told_what_to_fix(tmp_path: Path, condition: str) -> None:
    db = laptop(tmp_path / "laptop")
    password_file = db.parent / "password.txt"  # in the folder the child may read
    password_file.write_text(PASSWORD, encoding="utf-8")
    password_file.chmod(0o600)
    assert _command(db, password_file)[0] == 0  # every module the command needs is imported before the child runs
    sign_in(db, ADMIN, PASSWORD).close()
    before = snapshot(db)
    code, err = restricted(db, condition, lambda: _command(db, password_file))
    assert code == 2 and len(err.strip().splitlines()) == 1 and says_it_in_user_words(err), err
    assert err.strip().endswith("; nothing was changed")
    assert ("read-only for you" if "read-only" in condition else f"the disk holding {db} is full") in err
    assert snapshot(db) == before
