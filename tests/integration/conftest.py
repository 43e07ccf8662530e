"""Fixtures for the command-line tests: an encrypted database with an administrator, signed in from a file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_harness import ADMIN, PASSWORD, Cli

from ruralwatch.services.accounts import create_database, sign_in
from ruralwatch.store import Store
from ruralwatch.store.keyring import TEST_PARAMS


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Never touch the real user data folder, whatever a test forgets to pass; sign in from a file."""
    monkeypatch.delenv("RURALWATCH_DB", raising=False)
    monkeypatch.delenv("RURALWATCH_USER", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    password_file = tmp_path / "password.txt"
    password_file.write_text(PASSWORD + "\n", encoding="utf-8")
    password_file.chmod(0o600)  # a readable one is used with a warning on stderr
    monkeypatch.setenv("RURALWATCH_PASSPHRASE_FILE", str(password_file))


@pytest.fixture
def encrypted_db(db_path: Path) -> Path:
    """The test's database, created encrypted with the administrator (cheap key derivation: tests only)."""
    if not db_path.exists():
        create_database(db_path, ADMIN, PASSWORD, TEST_PARAMS).close()
    return db_path


@pytest.fixture
def store(encrypted_db: Path) -> Iterator[Store]:
    opened = sign_in(encrypted_db, ADMIN, PASSWORD)
    yield opened
    opened.close()


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], encrypted_db: Path) -> Cli:
    return Cli(capsys, encrypted_db)
