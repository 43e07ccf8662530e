"""A wrong password (or a locked account) on the command line: one line that ends "; nothing was changed" as the
windows' messages and the command line's other refusals do, whichever command asked for it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from cli_harness import ADMIN, Cli, open_db

from ruralwatch.services.backups import backup_now
from ruralwatch.store.keyring import MAX_FAILURES

WRONG = "not the password at all"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def wrong_password(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "wrong.txt"
    path.write_text(WRONG + "\n", encoding="utf-8")
    path.chmod(0o600)
    monkeypatch.setenv("RURALWATCH_PASSPHRASE_FILE", str(path))


def _backup(db: Path) -> Path:
    store = open_db(db)
    try:
        return backup_now(store).path
    finally:
        store.close()


def _refusal(result) -> str:  # noqa: ANN001
    assert result.code == 2, result
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.err, result.err
    return lines[0]


COMMANDS = {
    "a command that only reads": ("incidents", "list"),
    "a command that writes": ("incidents", "add", "--kind", "fly_tipping", "--when", "2026-11-20 09:30",
                              "--grid-ref", "TL 61234 32456"),
    "an administrator's command": ("accounts", "list"),
    "changing one's own password": ("accounts", "passwd"),
}


@pytest.mark.parametrize("command", COMMANDS)
def test_a_wrong_password_ends_nothing_was_changed_in_every_command(cli: Cli, wrong_password: None,
                                                                    command: str) -> None:
    before = _digest(cli.db_path)
    line = _refusal(cli("--user", ADMIN, *COMMANDS[command]))
    assert line.startswith("ruralwatch: error: unknown account or wrong password (")
    assert line.endswith(" left before the account locks); nothing was changed")
    assert _digest(cli.db_path) == before


def test_a_wrong_password_for_a_backup_ends_the_same(cli: Cli, wrong_password: None) -> None:
    backup = _backup(cli.db_path)
    line = _refusal(cli("--user", ADMIN, "restore", "--from", str(backup), "--yes"))
    assert line.startswith(f"ruralwatch: error: unknown account or wrong password for the backup {backup.name}")
    assert line.endswith("; nothing was changed")


def test_a_locked_account_ends_the_same(cli: Cli, wrong_password: None) -> None:
    for _ in range(MAX_FAILURES):
        cli("--user", ADMIN, "incidents", "list")
    line = _refusal(cli("--user", ADMIN, "incidents", "list"))
    assert f"{ADMIN} is locked after {MAX_FAILURES} failed sign-ins" in line
    assert line.endswith("ask an administrator, or wait; nothing was changed")
