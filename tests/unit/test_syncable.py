"""Syncable rows: identity, times, writer, clocks per row and per field, tombstones."""

from __future__ import annotations

import json
import types
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ruralwatch.core import clock as clock_module
from ruralwatch.core import times
from ruralwatch.core.clock import Hlc
from ruralwatch.core.errors import NotFoundError
from ruralwatch.core.incident import IncidentInput, VehicleInput
from ruralwatch.services.incidents import IncidentService
from ruralwatch.store import Store, open_store
from ruralwatch.store.audit import audit_for
from ruralwatch.store.syncable import SyncTable

SYNC_COLUMNS = {"id", "created_at", "updated_at", "device_id", "hlc", "field_hlc", "deleted"}
WILDCARD = "*"
T1 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
T2 = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
T3 = datetime(2026, 11, 3, 10, 45, tzinfo=UTC)


class FakeNow:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture
def fake_now() -> FakeNow:
    return FakeNow(T1)


@pytest.fixture
def table(store: Store, fake_now: FakeNow) -> SyncTable:
    """Its created_at/updated_at come from the clock it is given (a service's), moved by the test."""
    return SyncTable(store, "incidents", fake_now)


def clocks(row: dict[str, object]) -> dict[str, str]:
    assert isinstance(row["field_hlc"], str)
    decoded = json.loads(row["field_hlc"])
    assert isinstance(decoded, dict)
    return decoded


def clock_of(row: dict[str, object], field: str) -> str:
    """The clock of a field's latest change. A "*" entry, when present, stands for every field not listed."""
    per_field = clocks(row)
    return per_field[field] if field in per_field else per_field[WILDCARD]


def data_fields(row: dict[str, object]) -> set[str]:
    return set(row) - SYNC_COLUMNS


def insert(store: Store, table: SyncTable, **values: object) -> str:
    with store.transaction():
        return table.insert({"kind": "fly_tipping", "place": "Brook Farm", "status": "open", **values})


def test_inserted_row_has_every_sync_column(store: Store, table: SyncTable, fake_now: FakeNow) -> None:
    row_id = insert(store, table)
    row = table.get_raw(row_id)
    assert uuid.UUID(row["id"]).version == 4
    assert row["created_at"] == row["updated_at"] == "2026-11-01T08:00:00Z"
    assert row["device_id"] == store.device_id
    assert Hlc.decode(row["hlc"]).device == store.device_id
    for field in data_fields(row):  # every column, including those left NULL
        assert clock_of(row, field) == row["hlc"]
    assert set(clocks(row)) <= {"kind", "place", "status", WILDCARD}
    assert row["deleted"] == 0


def test_sync_columns_in_values_are_ignored(store: Store, table: SyncTable) -> None:
    row_id = insert(store, table, deleted=1, device_id="forged", hlc="0", created_at="1970-01-01T00:00:00Z")
    row = table.get_raw(row_id)
    assert row["deleted"] == 0
    assert row["device_id"] == store.device_id
    assert row["created_at"] != "1970-01-01T00:00:00Z"
    assert set(clocks(row)) <= {"kind", "place", "status", WILDCARD}
    assert all(clock_of(row, field) == row["hlc"] for field in ("kind", "place", "status"))


def test_each_insert_gets_a_new_id_and_a_later_clock(store: Store, table: SyncTable) -> None:
    ids = [insert(store, table) for _ in range(5)]
    assert len(set(ids)) == 5
    clocks = [table.get_raw(i)["hlc"] for i in ids]
    assert clocks == sorted(clocks) and len(set(clocks)) == 5


def test_insert_with_a_given_id(store: Store, table: SyncTable) -> None:
    assert insert(store, table) != "fixed-id"
    with store.transaction():
        table.insert({"kind": "fly_tipping"}, row_id="fixed-id")
    assert table.get_raw("fixed-id")["kind"] == "fly_tipping"


def test_get_raw_unknown_id(table: SyncTable) -> None:
    with pytest.raises(NotFoundError):
        table.get_raw("nope")


def test_update_bumps_clocks_only_for_changed_fields(store: Store, table: SyncTable, fake_now: FakeNow) -> None:
    row_id = insert(store, table)
    before = table.get_raw(row_id)
    fake_now.moment = T2
    with store.transaction():
        changes = table.update(row_id, {"kind": "fly_tipping", "place": "Manor Farm", "status": "open"})
    assert changes == {"place": ("Brook Farm", "Manor Farm")}
    after = table.get_raw(row_id)
    assert after["place"] == "Manor Farm"
    assert after["hlc"] > before["hlc"]
    assert clock_of(after, "place") == after["hlc"]
    for field in data_fields(after) - {"place"}:
        assert clock_of(after, field) == clock_of(before, field) == before["hlc"], field
    assert after["created_at"] == "2026-11-01T08:00:00Z"
    assert after["updated_at"] == "2026-11-02T09:30:00Z"


def test_update_adds_a_field_clock_for_a_field_set_later(store: Store, table: SyncTable) -> None:
    row_id = insert(store, table)
    before = table.get_raw(row_id)
    with store.transaction():
        table.update(row_id, {"description": "Tyres"})
    after = table.get_raw(row_id)
    assert clock_of(after, "description") == after["hlc"]
    assert clock_of(after, "place") == clock_of(before, "place")


def test_update_with_nothing_changed_writes_nothing(store: Store, table: SyncTable, fake_now: FakeNow) -> None:
    row_id = insert(store, table)
    before = table.get_raw(row_id)
    fake_now.moment = T3
    with store.transaction():
        changes = table.update(row_id, {"kind": "fly_tipping", "place": "Brook Farm", "hlc": "9", "deleted": 1})
    assert changes == {}
    assert table.get_raw(row_id) == before


def test_tombstone_keeps_the_row(store: Store, table: SyncTable, fake_now: FakeNow) -> None:
    row_id = insert(store, table)
    before = table.get_raw(row_id)
    fake_now.moment = T2
    with store.transaction():
        assert table.tombstone(row_id) is True
    after = table.get_raw(row_id)
    assert after["deleted"] == 1
    assert after["place"] == "Brook Farm"
    assert after["hlc"] > before["hlc"]
    assert clock_of(after, "deleted") == after["hlc"]
    assert clock_of(after, "place") == before["hlc"]
    assert after["updated_at"] == "2026-11-02T09:30:00Z"
    with store.transaction():
        assert table.tombstone(row_id) is False
    assert table.get_raw(row_id)["hlc"] == after["hlc"]
    assert store.db.execute("SELECT COUNT(*) FROM incidents").fetchone()[0] == 1


def test_set_deleted_stamps_a_fresh_clock_both_ways(store: Store, table: SyncTable, fake_now: FakeNow) -> None:
    """What a sync conflict resolution on `deleted` writes: the value with a new clock, only when it changes."""
    row_id = insert(store, table)
    before = table.get_raw(row_id)
    audited = store.db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
    fake_now.moment = T2
    with store.transaction():
        assert table.set_deleted(row_id, True) is True
    deleted = table.get_raw(row_id)
    assert deleted["deleted"] == 1 and deleted["hlc"] > before["hlc"]
    assert clock_of(deleted, "deleted") == deleted["hlc"] and clock_of(deleted, "place") == before["hlc"]
    assert deleted["updated_at"] == "2026-11-02T09:30:00Z"
    with store.transaction():
        assert table.set_deleted(row_id, True) is False
    assert table.get_raw(row_id)["hlc"] == deleted["hlc"]
    with store.transaction():
        assert table.set_deleted(row_id, False) is True
    restored = table.get_raw(row_id)
    assert restored["deleted"] == 0 and restored["hlc"] > deleted["hlc"]
    # Each write that changed the row is audited (a delete, then a restore), so verify does not flag it.
    actions = [r[0] for r in store.db.execute("SELECT action FROM audit_log WHERE seq > ? ORDER BY seq", [audited])]
    assert actions == ["delete", "restore"]
    assert audit_for(store).verify().ok


def test_recorded_incident_has_a_field_clock_for_every_column(incident_service: IncidentService) -> None:
    incident = incident_service.record(IncidentInput(
        kind="hare_coursing", occurred_start="2026-11-20 07:00", lat=51.9, lon=0.3,
        details={"hc_dogs": 2}, vehicles=[VehicleInput("AB12CDE")],
    ))
    raw = incident_service.repo.incidents.get_raw(incident.id)
    columns = data_fields(raw)
    assert {"kind", "lat", "hc_dogs", "enc_caravans", "synthetic"} <= columns
    assert set(clocks(raw)) <= columns | {WILDCARD}
    for column in columns:
        assert clock_of(raw, column) == raw["hlc"], column
    vehicle = incident_service.repo.vehicles.get_raw(incident.vehicles[0]["id"])
    assert vehicle["incident_id"] == incident.id
    assert clock_of(vehicle, "incident_id") == clock_of(vehicle, "vrm") == vehicle["hlc"]
    assert vehicle["hlc"] > raw["hlc"]


def test_clock_continues_after_reopening_even_if_the_wall_clock_went_back(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = open_store(db_path)
    table = SyncTable(first, "incidents")
    last = table.get_raw(insert(first, table))["hlc"]
    first.close()

    # The laptop's clock is now set to 1970: the clock must still move on from the stored stamps.
    monkeypatch.setattr(clock_module, "time", types.SimpleNamespace(time_ns=lambda: 1_000_000))
    second = open_store(db_path)
    try:
        table = SyncTable(second, "incidents")
        new = table.get_raw(insert(second, table))["hlc"]
        assert new > last
        assert Hlc.decode(new).millis == Hlc.decode(last).millis
    finally:
        second.close()


def test_a_services_injected_clock_stamps_created_and_updated_at(store: Store) -> None:
    """created_at/updated_at followed the wall clock (tests patched times.utc_now); they come from the clock
    Services.build gives every service, read when the row is written."""
    from ruralwatch.core.people import PersonInput
    from ruralwatch.services.container import Services

    now = FakeNow(T1)
    services = Services.build(store, clock=now)
    incident = services.incidents.record(IncidentInput(kind="fly_tipping", occurred_start="2026-10-30 09:00",
                                                       lat=51.9, lon=0.3, place="Lay-by"))
    person = services.people.add(PersonInput(name="Sam Reed", role="special", station="Maldon"))
    now.moment = T2
    services.incidents.update(incident.id, IncidentInput(kind="fly_tipping", occurred_start="2026-10-30 09:00",
                                                         lat=51.9, lon=0.3, place="Lay-by near the farm"))
    raw = services.incidents.repo.incidents.get_raw(incident.id)
    assert (raw["created_at"], raw["updated_at"]) == (times.to_storage(T1), times.to_storage(T2))
    stored = store.db.execute("SELECT created_at FROM people WHERE id = ?", [person.id]).fetchone()[0]
    assert stored == times.to_storage(T1)
