"""The map's popup and the incidents table show the same minute for an incident (seconds dropped in both)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from ruralwatch.core import times
from ruralwatch.core.incident import IncidentFilter, IncidentInput
from ruralwatch.services.container import Services
from ruralwatch.store import open_store


def test_the_map_and_the_table_agree_on_the_minute(tmp_path: Path) -> None:
    store = open_store(tmp_path / "rw.db")
    try:
        services = Services.build(store)
        # 07:54:40 UK time: a time typed as "now" keeps its seconds; rounding would make it 07:55 on the map.
        moment = datetime(2026, 11, 24, 7, 54, 40, tzinfo=UTC)
        services.incidents.record(IncidentInput(kind="fly_tipping", occurred_start=moment, lat=51.9, lon=0.3))
        (row,) = services.incidents.rows(IncidentFilter(), limit=-1)
        (point,) = json.loads(services.incidents.map_json())
        shown_on_map = times.to_local(datetime.fromtimestamp(point[5] * 60, UTC)).strftime("%Y-%m-%d %H:%M")
        assert shown_on_map == times.format_local(row.occurred_start) == "2026-11-24 07:54"
    finally:
        store.close()
