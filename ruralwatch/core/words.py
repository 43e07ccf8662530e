"""Words in messages: counted ones, "1 row", "2 rows", "1,234 rows" (never "1 rows"), and a service's message made a
sentence for a form. The one place that knows these rules; the services, the window and the command line use it."""

from __future__ import annotations


def plural(count: float, singular: str, many: str | None = None) -> str:
    """`singular` for exactly one, else `many` (default: `singular` + "s"): plural(n, "match", "matches"),
    plural(n, "stays", "stay") for a verb that agrees with a count."""
    return singular if count == 1 else many if many is not None else singular + "s"


def count_of(count: int, singular: str, many: str | None = None) -> str:
    """The count (with thousands separators) and its noun: count_of(1, "row") is "1 row", count_of(1200, "row")
    "1,200 rows", count_of(0, "file") "0 files"."""
    return f"{count:,} {plural(count, singular, many)}"


def sentence(message: str) -> str:
    """A service's message ("the backup is damaged") as a sentence of its own: capital first, full stop last."""
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")
