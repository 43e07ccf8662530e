"""A password an administrator sets, adding an account or resetting one, is one-time: it signs in only to choose the
account's own password, since the administrator knows it. The mark is in the keyring entry, bound into its
associated data. The first administrator, made with the database, chooses their own at once."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fixtures.accounts import ADMIN_PASSWORD

from ruralwatch.core import times
from ruralwatch.core.errors import ValidationError
from ruralwatch.services.accounts import ONE_TIME_FIELD, AccountService, create_database, sign_in
from ruralwatch.store.audit import AuditLog
from ruralwatch.store.keyring import TEST_PARAMS, Keyring, PasswordChangeRequired, SignInError, keyring_path

RESET = "the administrator knows this"
ADDED = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
OWN = "only the special knows this"


@pytest.fixture
def db(team_db: Path) -> Path:
    """The team's database with sc4125's password reset by the administrator."""
    admin = sign_in(team_db, "admin", ADMIN_PASSWORD)
    try:
        AccountService(admin).reset_password("sc4125", RESET, params=TEST_PARAMS)
    finally:
        admin.close()
    return team_db


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
    assert "change_password" in actions[actions.index("reset_password"):]


def test_the_new_password_must_differ_from_the_administrators_and_a_refusal_changes_nothing(db: Path) -> None:
    before = keyring_path(db).read_text()
    with pytest.raises(ValidationError, match="of your own"):
        sign_in(db, "sc4125", RESET, new_password=RESET, params=TEST_PARAMS)
    with pytest.raises(ValidationError, match="at least"):
        sign_in(db, "sc4125", RESET, new_password="short", params=TEST_PARAMS)
    assert keyring_path(db).read_text() == before
    assert Keyring.load(db).is_one_time("sc4125")
    actions = _audit_actions(db, "sc4125")
    assert "change_password" not in actions[actions.index("reset_password"):]


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



def _entry_changes(db: Path, username: str, action: str) -> dict:
    admin = sign_in(db, "admin", ADMIN_PASSWORD)
    try:
        account_id = AccountService(admin).get(username).id
        (entry,) = AuditLog(admin).entries(record_id=account_id, action=action)
        return entry.changes
    finally:
        admin.close()


def test_a_password_given_with_a_new_account_signs_in_only_to_choose_ones_own(team_db: Path) -> None:
    """An administrator who added an account knew its password for good: it is one-time, as after a reset."""
    admin = sign_in(team_db, "admin", ADMIN_PASSWORD)
    try:
        made = AccountService(admin, clock=lambda: ADDED).add("sc7", "special", RESET, params=TEST_PARAMS)
        assert made.created_at == made.password_changed_at == times.to_storage(ADDED)  # the service's clock
        assert AccountService(admin).status("sc7").state == "one_time"
    finally:
        admin.close()
    assert Keyring.load(team_db).is_one_time("sc7")
    with pytest.raises(PasswordChangeRequired, match="accounts passwd"):
        sign_in(team_db, "sc7", RESET)
    with pytest.raises(ValidationError, match="of your own"):
        sign_in(team_db, "sc7", RESET, new_password=RESET, params=TEST_PARAMS)
    sign_in(team_db, "sc7", RESET, new_password=OWN, params=TEST_PARAMS).close()
    assert not Keyring.load(team_db).is_one_time("sc7")
    with pytest.raises(SignInError, match="wrong password"):
        sign_in(team_db, "sc7", RESET)
    sign_in(team_db, "sc7", OWN).close()
    actions = _audit_actions(team_db, "sc7")
    assert actions.index("create") < actions.index("change_password")
    # Audited as a reset is: the entry says the password it set is one-time.
    assert _entry_changes(team_db, "sc7", "create")[ONE_TIME_FIELD] == [None, True]


def test_an_administrator_added_by_another_is_one_time_too(team_db: Path) -> None:
    admin = sign_in(team_db, "admin", ADMIN_PASSWORD)
    try:
        AccountService(admin).add("admin2", "administrator", RESET, params=TEST_PARAMS)
    finally:
        admin.close()
    with pytest.raises(PasswordChangeRequired):
        sign_in(team_db, "admin2", RESET)


def test_the_first_administrator_chooses_their_own_password(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    create_database(path, "founder", ADMIN_PASSWORD, TEST_PARAMS).close()
    assert not Keyring.load(path).is_one_time("founder")
    store = sign_in(path, "founder", ADMIN_PASSWORD)  # no change asked for
    try:
        (created,) = AuditLog(store).entries(action="create")
        assert ONE_TIME_FIELD not in created.changes
    finally:
        store.close()


def test_a_reset_is_audited_as_one_time(db: Path) -> None:
    assert _entry_changes(db, "sc4125", "reset_password")[ONE_TIME_FIELD] == [None, True]
