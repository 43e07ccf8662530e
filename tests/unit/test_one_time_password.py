"""A password an administrator resets is one-time: it signs in only to choose the account's own password, since the
administrator knows it. The mark is in the keyring entry, bound into its associated data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ruralwatch.core.errors import ValidationError
from ruralwatch.services.accounts import AccountService, create_database, sign_in
from ruralwatch.store.keyring import TEST_PARAMS, Keyring, PasswordChangeRequired, SignInError, keyring_path

ADMIN_PASSWORD = "the administrator's long password"
SPECIAL_PASSWORD = "a special constable's password"
RESET = "the administrator knows this"
OWN = "only the special knows this"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "team.db"
    admin = create_database(path, "admin", ADMIN_PASSWORD, TEST_PARAMS)
    try:
        AccountService(admin).add("sc4125", "special", SPECIAL_PASSWORD, params=TEST_PARAMS)
        AccountService(admin).reset_password("sc4125", RESET, params=TEST_PARAMS)
    finally:
        admin.close()
    return path


def _audit_actions(db: Path, username: str) -> list[str]:
    admin = sign_in(db, "admin", ADMIN_PASSWORD)
    try:
        account_id = AccountService(admin).get(username).id
        return [row[0] for row in admin.db.execute(
            "SELECT action FROM audit_log WHERE record_id = ? ORDER BY seq", [account_id]).fetchall()]
    finally:
        admin.close()


def test_a_reset_password_signs_in_only_to_choose_ones_own(db: Path) -> None:
    assert Keyring.load(db).is_one_time("sc4125")
    with pytest.raises(PasswordChangeRequired, match="accounts passwd"):
        sign_in(db, "sc4125", RESET)
    store = sign_in(db, "sc4125", RESET, new_password=OWN, params=TEST_PARAMS)
    try:
        assert store.actor.username == "sc4125" and store.signer is not None
    finally:
        store.close()
    assert not Keyring.load(db).is_one_time("sc4125")
    with pytest.raises(SignInError, match="wrong password"):  # the administrator's password is gone
        sign_in(db, "sc4125", RESET)
    sign_in(db, "sc4125", OWN).close()  # and their own signs in as usual, with no change asked for
    actions = _audit_actions(db, "sc4125")
    assert actions.index("reset_password") < actions.index("change_password")


def test_the_new_password_must_differ_from_the_administrators_and_a_refusal_changes_nothing(db: Path) -> None:
    before = keyring_path(db).read_text()
    with pytest.raises(ValidationError, match="of your own"):
        sign_in(db, "sc4125", RESET, new_password=RESET, params=TEST_PARAMS)
    with pytest.raises(ValidationError, match="at least"):
        sign_in(db, "sc4125", RESET, new_password="short", params=TEST_PARAMS)
    assert keyring_path(db).read_text() == before
    assert Keyring.load(db).is_one_time("sc4125")
    assert "change_password" not in _audit_actions(db, "sc4125")


def test_a_wrong_password_is_refused_before_any_change(db: Path) -> None:
    with pytest.raises(SignInError, match="wrong password"):
        sign_in(db, "sc4125", "not the reset password", new_password=OWN, params=TEST_PARAMS)
    assert Keyring.load(db).is_one_time("sc4125")


def test_removing_the_mark_from_the_keyring_breaks_the_entry_instead_of_keeping_the_password(db: Path) -> None:
    data = json.loads(keyring_path(db).read_text())
    del data["accounts"]["sc4125"]["one_time"]
    keyring_path(db).write_text(json.dumps(data))
    with pytest.raises(SignInError, match="wrong password"):
        sign_in(db, "sc4125", RESET)


def test_passwords_people_set_themselves_are_not_one_time(db: Path) -> None:
    sign_in(db, "sc4125", RESET, new_password=OWN, params=TEST_PARAMS).close()
    store = sign_in(db, "sc4125", OWN)
    try:
        AccountService(store).change_own_password(OWN, "a third one of my own", params=TEST_PARAMS)
    finally:
        store.close()
    assert not Keyring.load(db).is_one_time("sc4125")
    assert not Keyring.load(db).is_one_time("admin")
    sign_in(db, "sc4125", "a third one of my own").close()
