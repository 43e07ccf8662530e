"""`ruralwatch accounts person NAME PERSON_ID|--none`: the roster record an account belongs to."""

from __future__ import annotations

from pathlib import Path

from cli_harness import ADMIN, Cli


def test_linking_and_unlinking_an_account(cli: Cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("RURALWATCH_USER", ADMIN)  # two accounts soon: sign in as the administrator
    assert cli("people", "add", "--name", "Sam Reed", "--role", "special", "--collar", "SC101").code == 0
    person = next(p for p in cli("people", "list", "--json").json() if p["name"] == "Sam Reed")["id"]
    password = tmp_path / "sc101.txt"
    password.write_text("special constable 42\n", encoding="utf-8")
    password.chmod(0o600)  # owner only, or the sign-in warns on stderr
    assert cli("accounts", "add", "sc101", "--role", "special", "--password-file", str(password)).code == 0

    linked = cli("accounts", "person", "sc101", person)
    assert linked.code == 0 and "sc101 belongs to Sam Reed, Special Constable, SC101" in linked.out
    listed = {a["username"]: a["person_id"] for a in cli("accounts", "list", "--json").json()}
    assert listed["sc101"] == person

    twice = cli("accounts", "person", "admin", person)  # one person, one account: one line, exit 2
    assert twice.code == 2 and "already has an account: sc101" in twice.err and twice.err.count("\n") == 1
    unknown = cli("accounts", "person", "admin", "no-such-person")
    assert unknown.code == 2 and "no person no-such-person" in unknown.err
    neither = cli("accounts", "person", "sc101")
    assert neither.code == 2 and "PERSON_ID or --none" in neither.err

    assert cli("accounts", "person", "sc101", "--none").code == 0
    assert {a["username"]: a["person_id"] for a in cli("accounts", "list", "--json").json()}["sc101"] is None


def test_a_bad_account_name_is_reported_before_the_password(cli: Cli, tmp_path: Path) -> None:
    """`accounts add "two words"` said 'no password given' first (or asked for it twice at a terminal); the name's
    mistake comes first now, and nothing is added."""
    spaced = cli("accounts", "add", "two words", "--role", "special")
    assert spaced.code == 2 and spaced.out == ""
    assert spaced.err == "ruralwatch: error: username: an account name is 1-64 characters without spaces\n"
    taken = cli("accounts", "add", "ADMIN", "--role", "special")
    assert taken.code == 2 and taken.err == "ruralwatch: error: username: ADMIN already exists\n"
    nobody = cli("accounts", "add", "sc102", "--role", "special", "--person", "no-such-person")
    assert nobody.code == 2 and "no person no-such-person" in nobody.err
    missing = cli("accounts", "add", "sc102", "--role", "special")  # a good name: then the password is asked for
    assert missing.code == 2 and "no password given" in missing.err
    assert [a["username"] for a in cli("accounts", "list", "--json").json()] == ["admin"]
