"""A trusted key's fingerprint is the whole key in groups of four, as SSH and Signal show theirs, so two people can
compare all of it read aloud: the first and last eight digits alone let two keys share a fingerprint."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ruralwatch.sync.crypto import check_public_key, fingerprint

keys = st.binary(min_size=32, max_size=32).map(bytes.hex)


@given(keys)
def test_the_fingerprint_is_every_digit_of_the_key_in_sixteen_groups_of_four(key: str) -> None:
    shown = fingerprint(key)
    groups = shown.split(" ")
    assert len(groups) == 16 and all(len(group) == 4 for group in groups)
    assert "".join(groups) == key
    assert fingerprint(shown) == shown  # given as shown (copied from a message), it reads the same


@given(keys, st.integers(0, 63), st.sampled_from("0123456789abcdef"))
def test_keys_differing_in_any_one_digit_have_different_fingerprints(key: str, at: int, digit: str) -> None:
    other = key[:at] + digit + key[at + 1:]
    assert (fingerprint(key) == fingerprint(other)) == (key == other)


def test_the_fingerprint_as_shown_is_taken_as_the_key() -> None:
    key = "9ca55e41f3909dc30f43ad4aa218bdab4dea2a45839e6830daf227de2323159a"
    assert fingerprint(key) == "9ca5 5e41 f390 9dc3 0f43 ad4a a218 bdab 4dea 2a45 839e 6830 daf2 27de 2323 159a"
    assert check_public_key(fingerprint(key)) == key
    assert check_public_key(fingerprint(key).replace(" 4dea", "\n4dea")) == key  # the panel's two lines, copied
