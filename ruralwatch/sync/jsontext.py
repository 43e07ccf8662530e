"""json.loads for the many small texts of a merge (a package's lines, every row's field clocks): the same value or
the same error, without the layers of Python calls json.loads puts around the C scanner (a tenth of the time of
parsing a package, one call per row)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

# The decoder's scanner (the C one) and its whitespace, as json.loads uses them (attributes the stubs leave out).
_SCAN: Callable[[str, int], tuple[Any, int]] = getattr(json.JSONDecoder(), "scan_once")  # noqa: B009
_SPACE: Callable[[str, int], Any] = getattr(json.decoder, "WHITESPACE").match  # noqa: B009


def loads(text: str) -> Any:
    """json.loads(text) for a str (anything else raises AttributeError)."""
    if text.startswith("\ufeff"):
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    try:
        value, end = _SCAN(text, _SPACE(text, 0).end())
    except StopIteration as err:
        raise json.JSONDecodeError("Expecting value", text, err.value) from None
    end = _SPACE(text, end).end()
    if end != len(text):
        raise json.JSONDecodeError("Extra data", text, end)
    return value
