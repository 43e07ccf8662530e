"""JSON for the many small texts of a merge (a package's lines, every row's field clocks), parsed by orjson: about a
third of the standard library's time, which was most of the time of reading a large package.

orjson is stricter than json.loads, which is what untrusted input wants: NaN and Infinity, lone surrogates and
invalid UTF-8 are errors. One difference needs the caller's care: an integer literal outside 64 bits becomes a
float instead of an int (ruralwatch.sync.package refuses floats that large, as it refuses such integers)."""

from __future__ import annotations

from typing import Any

import orjson

# What the parser raises on text that is not JSON (orjson.JSONDecodeError is a json.JSONDecodeError, a ValueError).
JSONError = orjson.JSONDecodeError


def loads(text: str | bytes) -> Any:
    """The value of one JSON text (str, or UTF-8 bytes); anything else raises JSONError too."""
    return orjson.loads(text)
