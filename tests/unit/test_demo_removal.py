"""Removing the demo data (IncidentService.delete_synthetic) and loading it again afterwards."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from ruralwatch.core.incident import IncidentInput
from ruralwatch.services.changes import Change
from ruralwatch.services.demo import demo_incidents, load_demo
from ruralwatch.services.incidents import CancelledError, IncidentService
from ruralwatch.store import Store

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
SEED = 11


@pytest.fixture
def service(store: Store) -> IncidentService:
    return IncidentService(store, clock=lambda: NOW)


def own_incident(service: IncidentService) -> str:
    inp = IncidentInput(kind="fly_tipping", occurred_start="2026-11-20 09:30", lat=51.9, lon=0.3, place="Mine")
    return service.record(inp).id


def live_ids(service: IncidentService) -> set[str]:
    rows = service.store.db.execute("SELECT id FROM incidents WHERE deleted = 0").fetchall()
    return {row[0] for row in rows}


def test_delete_synthetic_tombstones_only_demo_incidents(service: IncidentService) -> None:
    mine = own_incident(service)
    load_demo(service, seed=SEED, count=40, now=NOW)
    published: list[Change] = []
    service.hub.subscribe(published.append)

    assert service.delete_synthetic() == 40

    assert live_ids(service) == {mine}
    assert published == [Change("incidents", "bulk")]
    tombstones = service.store.db.execute(
        "SELECT COUNT(*) FROM incidents WHERE synthetic = 1 AND deleted = 1"
    ).fetchone()[0]
    assert tombstones == 40  # kept, so the removal can sync


def test_delete_synthetic_with_nothing_to_remove(service: IncidentService) -> None:
    own_incident(service)
    published: list[Change] = []
    service.hub.subscribe(published.append)
    assert service.delete_synthetic() == 0
    assert published == []
    assert service.count() == 1


def test_delete_synthetic_is_one_transaction(service: IncidentService, monkeypatch: pytest.MonkeyPatch) -> None:
    load_demo(service, seed=SEED, count=20, now=NOW)
    real_tombstone = service.repo.tombstone
    calls: list[str] = []

    def failing_tombstone(incident_id: str) -> bool:
        calls.append(incident_id)
        if len(calls) == 10:
            raise RuntimeError("disk full")
        return real_tombstone(incident_id)

    monkeypatch.setattr(service.repo, "tombstone", failing_tombstone)
    with pytest.raises(RuntimeError):
        service.delete_synthetic()
    assert service.count() == 20  # the nine done before the failure were rolled back


def test_loading_again_after_removal_restores_the_same_incidents(service: IncidentService) -> None:
    load_demo(service, seed=SEED, count=30, now=NOW)
    before = {i: service.get(i).to_dict() for i in live_ids(service)}
    service.delete_synthetic()
    published: list[Change] = []
    service.hub.subscribe(published.append)

    assert load_demo(service, seed=SEED, count=30, now=NOW) == 30

    assert published == [Change("incidents", "bulk")]
    after = {i: service.get(i).to_dict() for i in live_ids(service)}
    assert set(after) == set(before)
    for incident_id, data in after.items():
        unchanged = {k: v for k, v in data.items() if k != "updated_at"}
        assert unchanged == {k: v for k, v in before[incident_id].items() if k != "updated_at"}
    # Loading once more is idempotent again.
    assert load_demo(service, seed=SEED, count=30, now=NOW) == 0


def test_the_restore_is_a_stamped_change_so_it_syncs(service: IncidentService) -> None:
    load_demo(service, seed=SEED, count=5, now=NOW)
    incident_id = next(iter(live_ids(service)))
    service.delete_synthetic()
    removed = service.repo.incidents.get_raw(incident_id)
    load_demo(service, seed=SEED, count=5, now=NOW)
    restored = service.repo.incidents.get_raw(incident_id)
    assert restored["deleted"] == 0
    assert restored["hlc"] > removed["hlc"]
    assert json.loads(restored["field_hlc"])["deleted"] == restored["hlc"]


def test_a_bigger_load_after_removal_restores_and_adds(service: IncidentService) -> None:
    load_demo(service, seed=SEED, count=20, now=NOW)
    service.delete_synthetic()
    assert load_demo(service, seed=SEED, count=35, now=NOW) == 35
    assert service.count() == 35
    assert live_ids(service) == {i for i, _ in demo_incidents(SEED, 35, NOW)}


def test_a_deleted_real_incident_is_never_brought_back(service: IncidentService) -> None:
    incident_id, inp = next(demo_incidents(SEED, 1, NOW))
    service.record_many([(incident_id, inp)], synthetic=False)  # a real row that happens to have this id
    service.delete(incident_id)
    assert load_demo(service, seed=SEED, count=3, now=NOW) == 2
    assert incident_id not in live_ids(service)


def test_cancelling_a_reload_rolls_back_the_restores_too(service: IncidentService) -> None:
    load_demo(service, seed=SEED, count=250, now=NOW)
    service.delete_synthetic()
    with pytest.raises(CancelledError):
        load_demo(service, seed=SEED, count=450, now=NOW, progress=lambda done, total, note="": False)
    assert service.count() == 0
