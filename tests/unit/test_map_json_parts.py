"""The map's rows in parts (what the window hands the page) are map_json's rows, in the same order."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ruralwatch.core.incident import IncidentFilter, IncidentInput
from ruralwatch.services.container import Services
from ruralwatch.store import open_store


def test_parts_hold_the_rows_of_map_json_in_order(tmp_path: Path) -> None:
    store = open_store(tmp_path / "rw.db")
    try:
        service = Services.build(store).incidents
        start = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
        for n in range(7):
            service.record(
                IncidentInput(
                    kind="fly_tipping" if n % 2 else "hare_coursing",
                    occurred_start=start + timedelta(hours=n),
                    lat=51.8 + n / 100,
                    lon=0.5,
                    place=f'Gate "{n}"], [',
                )
            )  # quotes and brackets survive the joins
        whole = json.loads(service.map_json())
        parts = service.repo.map_json_parts(IncidentFilter(), rows_per_part=3)
        assert [len(json.loads(part)) for part in parts] == [3, 3, 1]
        assert [row for part in parts for row in json.loads(part)] == whole
        hare = IncidentFilter(kinds=("hare_coursing",))
        assert [row for part in service.map_json_parts(hare) for row in json.loads(part)] == json.loads(
            service.map_json(hare)
        )
        assert service.map_json_parts(IncidentFilter(kinds=("no_such_kind",))) == ["[]"]
    finally:
        store.close()
