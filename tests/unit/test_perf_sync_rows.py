"""The row check of sync packages: what it accepts and what it refuses (pinned before any speed-up of it)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ruralwatch.sync.package import _row_ok

CLOCK = "001795630869535-000000-374e65d247a14403"


def _row(**changes: Any) -> dict[str, Any]:
    row = {"id": "r1", "hlc": CLOCK, "deleted": 0, "device_id": "374e65d247a14403",
           "field_hlc": json.dumps({"*": CLOCK}), "place": "Barn", "lat": 51.5, "hc_people": 3, "synthetic": True,
           "subkind": None}
    row.update(changes)
    return row


def test_a_well_formed_row_passes() -> None:
    assert _row_ok(_row())
    assert _row_ok(_row(hc_people=2**63 - 1)) and _row_ok(_row(hc_people=-(2**63)))


@pytest.mark.parametrize("changes", [
    {"hc_people": 2**63}, {"hc_people": -(2**63) - 1},  # integers SQLite cannot hold
    {"place": ["a"]}, {"place": {"a": 1}},  # nested values
    {"field_hlc": json.dumps({"*": CLOCK, "place": "yesterday"})},  # a clock that is not a clock
    {"field_hlc": json.dumps({"place": CLOCK})},  # no insert clock
    {"deleted": 2}, {"hlc": "now"}, {"id": ""},
])
def test_malformed_rows_are_refused(changes: dict[str, Any]) -> None:
    assert not _row_ok(_row(**changes))
