"""The keyring at sign-in: a damaged entry is one clear KeyringError, and an unknown account name is answered
exactly as a wrong password (same message, the key derivation run, the failure counted)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ruralwatch.store import keyring as keyring_module
from ruralwatch.store.keyring import TEST_PARAMS, Keyring, KeyringError, SignInError, new_database_key

PASSWORD = "correct horse battery"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "ruralwatch.db"
    keyring = Keyring.create(path)
    keyring.wrap("olive", PASSWORD, new_database_key(), TEST_PARAMS)
    return path


def _damage(db: Path, change: Any) -> None:
    keys = db.with_name(db.name + ".keys")
    data = json.loads(keys.read_text(encoding="utf-8"))
    change(data["accounts"]["olive"])
    keys.write_text(json.dumps(data), encoding="utf-8")


@pytest.mark.parametrize("change", [
    lambda e: e.update(time_cost=0),
    lambda e: e.update(parallelism=0),
    lambda e: e.update(memory_cost=1),
    lambda e: e.update(memory_cost=2**40),
    lambda e: e.update(time_cost="3"),
    lambda e: e.pop("salt"),
    lambda e: e.pop("private"),  # the encrypted part of an entry (its private keys)
    lambda e: e.update(nonce="zz"),
    lambda e: e.update(salt=""),
    lambda e: e.update(kdf="md5"),
    lambda e: e.clear(),
], ids=["time_cost-0", "parallelism-0", "memory-tiny", "memory-huge", "time_cost-text", "no-salt", "no-private",
        "bad-nonce", "empty-salt", "other-kdf", "empty"])
def test_a_damaged_entry_is_one_clear_line(db: Path, change: Any) -> None:
    _damage(db, change)
    with pytest.raises(KeyringError, match=r"the entry for olive is damaged") as caught:
        Keyring.load(db).unlock("olive", PASSWORD, NOW)
    assert "\n" not in str(caught.value)


def test_an_unknown_name_reads_as_a_wrong_password(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    derived: list[Any] = []
    real = keyring_module._derive
    monkeypatch.setattr(keyring_module, "_derive", lambda *args: derived.append(args[2]) or real(*args))
    messages = []
    for name in ("olive", "nobody"):
        with pytest.raises(SignInError) as caught:
            Keyring.load(db).unlock(name, "not the password", NOW)
        messages.append(str(caught.value))
    assert messages[0] == messages[1]
    assert len(derived) == 2 and derived[1] == keyring_module.KdfParams()  # the default cost, as a real account
    for _ in range(4):  # the lock-out comes after as many tries either way
        with pytest.raises(SignInError):
            Keyring.load(db).unlock("nobody", "not the password", NOW)
    with pytest.raises(SignInError, match="locked"):
        Keyring.load(db).unlock("nobody", "not the password", NOW)
    assert Keyring.load(db).unlock("olive", PASSWORD, NOW)  # the real account is not affected


def test_a_locked_account_is_named_as_typed(db: Path) -> None:
    """The lock-out message must not give away the stored spelling of an existing account (found in review)."""
    for _ in range(5):
        with pytest.raises(SignInError):
            Keyring.load(db).unlock("olive", "not the password", NOW)
    with pytest.raises(SignInError, match=r"^OLIVE is locked after"):
        Keyring.load(db).unlock("OLIVE", "not the password", NOW)


def test_two_programs_changing_the_keyring_at_once_both_keep_their_change(db: Path) -> None:
    """The window's lock screen (a failure counted) and `accounts add` in a terminal, each with the keyring loaded
    before the other saved: neither change is lost."""
    window, terminal = Keyring.load(db), Keyring.load(db)
    terminal.wrap("sam", PASSWORD, new_database_key(), TEST_PARAMS)
    with pytest.raises(SignInError):
        window.open("olive", "not the password", NOW)
    again = Keyring.load(db)
    assert again.usernames() == ["olive", "sam"]
    assert again.failures_of("olive")[0] == 1
    Keyring.load(db).open("sam", PASSWORD, NOW)
    window.remove("olive")  # a third change from the stale copy keeps the other two programs' changes
    assert Keyring.load(db).usernames() == ["sam"]
