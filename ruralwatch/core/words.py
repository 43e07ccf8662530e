"""Counted words in messages: "1 row", "2 rows", "1,234 rows" (never "1 rows"). The one place that knows the rule;
messages in the services, the window and the command line all use it."""

from __future__ import annotations


def plural(count: float, singular: str, many: str | None = None) -> str:
    """`singular` for exactly one, else `many` (default: `singular` + "s"): plural(n, "match", "matches"),
    plural(n, "stays", "stay") for a verb that agrees with a count."""
    return singular if count == 1 else many if many is not None else singular + "s"


def count_of(count: int, singular: str, many: str | None = None) -> str:
    """The count (with thousands separators) and its noun: count_of(1, "row") is "1 row", count_of(1200, "row")
    "1,200 rows", count_of(0, "file") "0 files"."""
    return f"{count:,} {plural(count, singular, many)}"
