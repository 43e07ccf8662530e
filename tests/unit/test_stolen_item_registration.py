"""A stolen vehicle's own registration on its stolen item (migration 23, stolen_items.vrm): checked and stored like
every VRM, found by the incident search and by a check of the registration while the item is not recovered, and
hidden from roles that may not see registrations."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ruralwatch.core.errors import ValidationError
from ruralwatch.core.incident import IncidentFilter, IncidentInput, StolenItemInput, VehicleInput
from ruralwatch.core.permissions import Actor
from ruralwatch.services.container import Services
from ruralwatch.store import Store, open_store
from ruralwatch.store.migrations import MIGRATIONS, stolen_item_registration

NOW = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)


def _theft(*items: StolenItemInput) -> IncidentInput:
    return IncidentInput(kind="equipment_theft", subkind="quad_atv", occurred_start="2026-11-20 07:00", lat=51.95,
                         lon=0.3, place="Brook Farm", items=list(items))


def test_an_items_registration_is_stored_searched_and_checked_until_recovered(store: Store) -> None:
    services = Services.build(store, clock=lambda: NOW)
    incident = services.incidents.record(_theft(StolenItemInput(category="quad_atv", make="Honda", vrm="ab12-cde")))
    assert incident.items[0]["vrm"] == "AB12CDE"
    assert incident.to_input().items[0].vrm == "AB12CDE"  # the form and partial updates keep it
    assert [i.id for i in services.incidents.list(IncidentFilter(text="AB12 CDE"))] == [incident.id]
    check = services.vehicles.check("AB12CDE")
    assert [s.stolen for s in check.sightings] == [True] and check.lines()[0].startswith("reported stolen")

    recovered = incident.to_input()
    recovered.items[0].recovered = True
    services.incidents.update(incident.id, recovered)
    assert not services.vehicles.check("AB12CDE").of_interest  # found again: no longer of interest


def test_a_bad_registration_names_its_item_and_nothing_is_stored(store: Store) -> None:
    services = Services.build(store, clock=lambda: NOW)
    with pytest.raises(ValidationError) as refused:
        services.incidents.record(_theft(StolenItemInput(category="quad_atv"),
                                         StolenItemInput(category="quad_atv", vrm="NOT A PLATE 999")))
    assert [e.field for e in refused.value.errors] == ["items[1].vrm"]
    assert services.incidents.count() == 0


def test_a_role_that_may_not_see_registrations_does_not_see_an_items_or_find_it(store: Store) -> None:
    services = Services.build(store, clock=lambda: NOW)
    incident = services.incidents.record(_theft(StolenItemInput(category="quad_atv", vrm="AB12CDE")))
    store.actor = Actor("analyst1", "analyst")
    assert services.incidents.get(incident.id).items[0]["vrm"] == ""
    assert services.incidents.list(IncidentFilter(text="AB12CDE")) == []


def test_a_database_of_migration_22_gains_the_column(tmp_path: Path) -> None:
    path = tmp_path / "older.db"
    assert MIGRATIONS.index(stolen_item_registration) == 22  # migration 23
    open_store(path, steps=MIGRATIONS[:22]).close()
    upgraded = open_store(path)
    try:
        assert "vrm" in {c.name for c in upgraded.db.table("stolen_items").columns}
        services = Services.build(upgraded, clock=lambda: NOW)
        incident = services.incidents.record(_theft(StolenItemInput(category="quad_atv", vrm="AB12CDE")))
        assert services.incidents.get(incident.id).items[0]["vrm"] == "AB12CDE"
    finally:
        upgraded.close()


def test_retention_removes_a_stolen_vehicles_registration_as_a_victims(store: Store) -> None:
    """It is the victim's registration: due with victim and witness VRMs once the incident has been closed that
    long, and removed through SyncTable (so the removal syncs); the item and its serial number stay."""
    from ruralwatch.core.clock import HybridLogicalClock
    from ruralwatch.services.retention import VICTIM_VRM, RetentionService

    wall = {"millis": int(datetime(2025, 5, 1, 12, tzinfo=UTC).timestamp() * 1000)}
    store.clock = HybridLogicalClock(store.device_id, wall_millis=lambda: wall["millis"])
    services = Services.build(store, clock=lambda: NOW)
    theft = _theft(StolenItemInput(category="quad_atv", serial_number="1HFTE40A123456", vrm="AB12CDE"))
    theft.occurred_start, theft.status = "2025-04-30 22:00", "closed"
    incident = services.incidents.record(theft)
    retention = RetentionService(store, services.hub, clock=lambda: NOW)
    due = [r for r in retention.preview(datetime(2026, 6, 15).date()).records() if r.table == "stolen_items"]
    assert [(r.category, r.record_id) for r in due] == [(VICTIM_VRM, incident.items[0]["id"])]
    assert "stolen vehicle" in due[0].description
    retention.apply(datetime(2026, 6, 15).date())
    item = services.incidents.get(incident.id).items[0]
    assert (item["vrm"], item["serial_number"]) == (None, "1HFTE40A123456")


def test_a_stolen_vehicle_stays_of_interest_until_recovered_however_old_a_sighting_does_not(store: Store) -> None:
    """A quad stolen 400 days ago and not recovered is still wanted (as on the national stolen vehicle record): the
    check, the briefing's vehicles of interest and the patrol log's stop-check all match it; a suspect vehicle on
    the same report keeps the 180-day window of sightings."""
    services = Services.build(store, clock=lambda: NOW)
    theft = _theft(StolenItemInput(category="quad_atv", make="Honda", vrm="AB12CDE"))
    theft.occurred_start = "2025-10-20 07:00"  # 400 days before NOW
    theft.vehicles = [VehicleInput(vrm="KX19ABC", role="suspect", make="Ford")]
    incident = services.incidents.record(theft)

    check = services.vehicles.check("AB12CDE")
    assert [s.stolen for s in check.sightings] == [True]
    assert check.lines()[0].startswith("reported stolen on a equipment theft report 400 days ago")
    assert not services.vehicles.check("KX19ABC").of_interest  # a sighting that old has aged out
    assert [v.vrm for v in services.patrols.vehicles_of_interest(NOW)] == ["AB12 CDE"]

    recovered = incident.to_input()
    recovered.items[0].recovered = True
    services.incidents.update(incident.id, recovered)
    assert not services.vehicles.check("AB12CDE").of_interest
    assert services.patrols.vehicles_of_interest(NOW) == []


def test_a_vehicle_stolen_after_the_moment_checked_is_not_matched(store: Store) -> None:
    services = Services.build(store, clock=lambda: NOW)
    services.incidents.record(_theft(StolenItemInput(category="quad_atv", vrm="AB12CDE")))  # 20 Nov 2026
    assert not services.vehicles.check("AB12CDE", at=datetime(2026, 11, 1, tzinfo=UTC)).of_interest
