"""`accounts add` and `accounts reset-password` give a one-time password: the command line refuses it in one line,
except for `accounts passwd`, which chooses the account's own password as it signs in."""

from __future__ import annotations

from pathlib import Path

from cli_harness import ADMIN, PASSWORD, Cli, secret_file


def _secret(tmp_path: Path, name: str, text: str) -> Path:
    return secret_file(tmp_path / name, text)


def _only_passwd_opens(cli: Cli, monkeypatch, username: str, one_time: Path, own: Path) -> None:  # noqa: ANN001
    """As `username` with the `one_time` password an administrator gave: every command but `accounts passwd` is
    refused in one line; passwd refuses the same password again, takes `own`, and then only `own` opens."""
    monkeypatch.setenv("RURALWATCH_USER", username)
    monkeypatch.setenv("RURALWATCH_PASSPHRASE_FILE", str(one_time))
    refused = cli("incidents", "list")
    assert refused.code == 2 and refused.out == "" and refused.err.count("\n") == 1
    assert "works only once" in refused.err and "accounts passwd" in refused.err
    same = cli("accounts", "passwd", "--password-file", str(one_time))
    assert same.code == 2 and "of your own" in same.err
    changed = cli("accounts", "passwd", "--password-file", str(own))
    assert changed.code == 0 and "password changed" in changed.out
    assert cli("incidents", "list").code == 2  # the administrator's password no longer opens anything
    monkeypatch.setenv("RURALWATCH_PASSPHRASE_FILE", str(own))
    assert cli("incidents", "list").code == 0


def _as_administrator(monkeypatch, tmp_path: Path) -> None:  # noqa: ANN001
    monkeypatch.setenv("RURALWATCH_USER", ADMIN)
    monkeypatch.setenv("RURALWATCH_PASSPHRASE_FILE", str(_secret(tmp_path, "admin.txt", PASSWORD)))


def test_a_reset_password_opens_only_accounts_passwd(cli: Cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("RURALWATCH_USER", ADMIN)
    first = _secret(tmp_path, "first.txt", "special constable 42")
    reset = _secret(tmp_path, "reset.txt", "set by the administrator")
    own = _secret(tmp_path, "own.txt", "mine and mine alone")
    assert cli("accounts", "add", "sc101", "--role", "special", "--password-file", str(first)).code == 0
    assert cli("accounts", "reset-password", "sc101", "--password-file", str(reset)).code == 0

    _only_passwd_opens(cli, monkeypatch, "sc101", reset, own)
    _as_administrator(monkeypatch, tmp_path)
    entries = cli("audit", "list", "--record", "sc101", "--json").json()
    actions = [e["action"] for e in reversed(entries)]
    assert actions.index("reset_password") < actions.index("change_password")


def test_a_new_accounts_password_opens_only_accounts_passwd(cli: Cli, tmp_path: Path, monkeypatch) -> None:
    """The administrator who added an account knew its password for good; now it works once, as after a reset."""
    monkeypatch.setenv("RURALWATCH_USER", ADMIN)
    given = _secret(tmp_path, "given.txt", "set by the administrator")
    own = _secret(tmp_path, "own.txt", "mine and mine alone")
    added = cli("accounts", "add", "sc102", "--role", "special", "--password-file", str(given))
    assert added.code == 0 and "works once" in added.out and "accounts passwd" in added.out
    listed = {a["username"]: a["state"] for a in cli("accounts", "list", "--json").json()}
    assert listed == {ADMIN: "active", "sc102": "one_time"}  # the first administrator chose their own

    _only_passwd_opens(cli, monkeypatch, "sc102", given, own)
    _as_administrator(monkeypatch, tmp_path)
    entries = cli("audit", "list", "--record", "sc102", "--json").json()
    created = next(e for e in entries if e["action"] == "create")
    assert created["changes"]["one_time_password"] == [None, True]
    assert [e["action"] for e in reversed(entries)].index("change_password") > 0
