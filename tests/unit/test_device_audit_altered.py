"""An audit entry altered without re-hashing is alerted once per alteration (device_audit.check_chain, pure, which
both central engines and every laptop run): its sender sends it again with every package until it is put right, and
only a new alteration (or the same one again after it was put right and kept) is a problem again."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ruralwatch.services.device_audit import check_chain, dump_reported, load_reported
from ruralwatch.store.audit import GENESIS, entry_fields, entry_hash

CHAIN = 6


def _chain(altered: dict[int, int]) -> list[dict[str, Any]]:
    """A device's chain of CHAIN entries, each sound, except `altered`: seq -> which alteration (its actor edited
    after it was hashed, as a hand edit of the database does)."""
    entries, prev = [], GENESIS
    for seq in range(1, CHAIN + 1):
        fields = entry_fields(seq, f"2026-11-20T09:{seq:02d}:00Z", "pc1", "create", "incidents", f"id{seq}", None, None)
        own = entry_hash(fields, prev)
        entry = {**fields, "prev_hash": prev, "hash": own, "signer_key": None, "signature": None}
        if seq in altered:
            entry["actor"] = f"intruder {altered[seq]}"
        entries.append(entry)
        prev = own
    return entries


# A package: for each seq of the chain, None (sound) or which of three alterations it carries.
packages = st.lists(st.lists(st.one_of(st.none(), st.integers(0, 2)), min_size=CHAIN, max_size=CHAIN),
                    min_size=1, max_size=8)


@settings(max_examples=150, deadline=None)
@given(packages)
def test_each_alteration_is_reported_once_until_the_entry_is_put_right(sent: list[list[int | None]]) -> None:
    stored = ""  # what the receiver keeps between packages (its meta value), as text: it goes through JSON
    reported_before: dict[int, set[int]] = {}  # the model: alterations of each seq reported and not put right since
    for n, package in enumerate(sent):
        altered = {seq: which for seq, which in enumerate(package, start=1) if which is not None}
        head = {"seq": CHAIN, "hash": "", "made": f"2026-11-20T10:{n:02d}:00.000000Z"}
        check = check_chain(None, {}, head, _chain(altered), reported=load_reported(stored))
        stored = dump_reported(check.reported)
        said = {int(p.split()[2]) for p in check.problems}
        expected = {seq for seq, which in altered.items() if which not in reported_before.get(seq, set())}
        assert said == expected
        for seq in range(1, CHAIN + 1):
            if seq in altered:
                reported_before.setdefault(seq, set()).add(altered[seq])
            else:
                reported_before.pop(seq, None)  # sound and kept: an alteration after this is new
        assert {seq for seq, _ in load_reported(stored).items()} == set(altered)
        assert {e["seq"] for e in check.fresh} == set(range(1, CHAIN + 1)) - set(altered)


def test_without_what_was_reported_every_package_says_it_again() -> None:
    """As before, for a receiver that has reported nothing: the check itself is as strict."""
    entries = _chain({3: 0})
    head = {"seq": CHAIN, "hash": "", "made": "2026-11-20T10:00:00.000000Z"}
    for _ in range(2):
        assert check_chain(None, {}, head, entries).problems == [
            "its entry 3 does not match its own hash (altered without re-hashing)"]
