"""Counted words: one rule for every message ("1 row", never "1 rows")."""

from __future__ import annotations

from ruralwatch.core.words import count_of, plural
from ruralwatch.services.sync import demo_stays_note


def test_one_is_singular_and_every_other_count_plural() -> None:
    assert [count_of(n, "row") for n in (0, 1, 2, 1234)] == ["0 rows", "1 row", "2 rows", "1,234 rows"]
    assert count_of(1, "match", "matches") == "1 match" and count_of(3, "match", "matches") == "3 matches"
    assert plural(1, "stays", "stay") == "stays" and plural(2, "stays", "stay") == "stay"


def test_the_sync_messages_count_one_row_as_one_row() -> None:
    assert demo_stays_note(1) == "1 demo row stays on this laptop (demo data is never sent)"
    assert demo_stays_note(2) == "2 demo rows stay on this laptop (demo data is never sent)"
    assert demo_stays_note(0) == ""
