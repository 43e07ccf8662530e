"""A new account's name and passwords are checked together, mistakes in the order of the fields (a first start
reported a name with a space only after the password had been put right)."""

from __future__ import annotations

import pytest

from ruralwatch.core.errors import ValidationError
from ruralwatch.services.accounts import check_new_account


def test_every_mistake_at_once_in_the_order_of_the_fields() -> None:
    with pytest.raises(ValidationError) as caught:
        check_new_account("two words", "short", "shirt")
    assert [e.field for e in caught.value.errors] == ["username", "password", "password_again"]
    assert "without spaces" in caught.value.errors[0].message
    assert "at least 10 characters" in caught.value.errors[1].message


def test_a_good_account_gives_its_name_stripped() -> None:
    assert check_new_account("  jsmith ", "a long enough password", "a long enough password") == "jsmith"
    assert check_new_account("jsmith", "a long enough password") == "jsmith"  # no second box: not compared
    with pytest.raises(ValidationError) as caught:
        check_new_account("", "a long enough password")
    assert [e.field for e in caught.value.errors] == ["username"]


def test_a_new_accounts_role_is_checked_in_the_order_of_the_fields() -> None:
    with pytest.raises(ValidationError) as caught:
        check_new_account("two words", "short", role="")
    assert [error.field for error in caught.value.errors] == ["username", "role", "password"]
    assert "choose the account's role" in caught.value.errors[1].message
    assert check_new_account("jsmith", "a long enough password", role="special") == "jsmith"


def test_an_account_for_a_roster_person_is_shown_by_the_person_s_name(tmp_path) -> None:
    """The display name left blank: an account made for Amelia Archer in the roster was listed as "amelia" (a walk);
    an account for no one keeps its account name, and a display name typed is kept."""
    from ruralwatch.core.people import PersonInput
    from ruralwatch.services.accounts import AccountService, create_database
    from ruralwatch.services.container import Services
    from ruralwatch.store.keyring import TEST_PARAMS

    store = create_database(tmp_path / "rw.db", "admin", "a long enough password", TEST_PARAMS)
    try:
        person = Services.build(store).people.add(PersonInput(name="Amelia Archer", role="officer"))
        accounts = AccountService(store)
        assert accounts.add("amelia", "ret_officer", "a long enough password", person_id=person.id,
                            params=TEST_PARAMS).display_name == "Amelia Archer"
        assert accounts.add("nobody", "analyst", "a long enough password",
                            params=TEST_PARAMS).display_name == "nobody"
        other = Services.build(store).people.add(PersonInput(name="Ben Hughes", role="special"))
        assert accounts.add("ben", "special", "a long enough password", display_name="SC Ben", person_id=other.id,
                            params=TEST_PARAMS).display_name == "SC Ben"
    finally:
        store.close()
