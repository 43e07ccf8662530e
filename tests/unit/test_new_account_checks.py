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
