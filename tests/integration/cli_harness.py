"""Running `ruralwatch ...` in-process for the integration tests (shared by every CLI test file)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ruralwatch.app import main
from ruralwatch.services.accounts import create_database, sign_in
from ruralwatch.store import Store
from ruralwatch.store.database import connect
from ruralwatch.store.keyring import TEST_PARAMS, Keyring

DEFAULT_DB = "default"
ADMIN = "admin"
PASSWORD = "correct horse battery staple"  # noqa: S105 (a test database's password)


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


class Cli:
    """Runs `ruralwatch ...` in-process and captures its exit code and output."""

    def __init__(self, capsys: pytest.CaptureFixture[str], db_path: Path) -> None:
        self.capsys = capsys
        self.db_path = db_path

    def __call__(self, *argv: str, db: Path | str | None = DEFAULT_DB) -> Result:
        database = self.db_path if db == DEFAULT_DB else db
        args = [*(["--db", str(database)] if database is not None else []), *argv]
        try:
            code = main(args)
        except SystemExit as exc:  # argparse exits for usage mistakes and --version
            code = exc.code if isinstance(exc.code, int) else 1
        out, err = self.capsys.readouterr()
        return Result(code, out, err)


def secret_file(path: Path, text: str) -> Path:
    """A password file at `path` holding `text`, readable by its owner only (else the sign-in warns on stderr)."""
    path.write_text(text + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


def open_db(path: Path) -> Store:
    """The test database opened as the administrator (created encrypted first if it does not exist yet)."""
    if not path.exists():
        return create_database(path, ADMIN, PASSWORD, TEST_PARAMS)
    return sign_in(path, ADMIN, PASSWORD)


def raw_connection(path: Path) -> Any:
    """A plain driver connection to the encrypted test database, for checks below the services."""
    key = Keyring.load(path).unlock(ADMIN, PASSWORD)
    return connect(path, key)
