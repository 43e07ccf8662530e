"""The synthetic demo dataset: deterministic, idempotent, seasonal, and clearly not real."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import UTC, datetime

import pytest

from ruralwatch.core import geo, times
from ruralwatch.core.incident import IncidentFilter, IncidentInput, validate_incident
from ruralwatch.core.vrm import parse_vrm, vrm_format
from ruralwatch.services.changes import Change
from ruralwatch.services.demo import demo_incidents, load_demo
from ruralwatch.services.incidents import IncidentService
from ruralwatch.store import Store

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
SEED = 2026


@pytest.fixture(scope="module")
def dataset() -> list[tuple[str, IncidentInput]]:
    return list(demo_incidents(SEED, 1800, NOW))


@pytest.fixture
def service(store: Store) -> IncidentService:
    return IncidentService(store, clock=lambda: NOW)


def as_plain(pairs: list[tuple[str, IncidentInput]]) -> list[tuple[str, dict[str, object]]]:
    return [(incident_id, dataclasses.asdict(inp)) for incident_id, inp in pairs]


def local_month(inp: IncidentInput) -> int:
    assert isinstance(inp.occurred_start, datetime)
    return times.to_local(inp.occurred_start).month


def test_same_seed_and_now_give_the_same_data() -> None:
    first = as_plain(list(demo_incidents(7, 300, NOW)))
    second = as_plain(list(demo_incidents(7, 300, NOW)))
    assert first == second
    assert len({incident_id for incident_id, _ in first}) == 300


def test_a_different_seed_gives_different_data() -> None:
    first = as_plain(list(demo_incidents(7, 50, NOW)))
    other = as_plain(list(demo_incidents(8, 50, NOW)))
    assert {i for i, _ in first}.isdisjoint({i for i, _ in other})
    assert [d for _, d in first] != [d for _, d in other]


def test_a_shorter_run_is_a_prefix_of_a_longer_one() -> None:
    short = as_plain(list(demo_incidents(7, 20, NOW)))
    long = as_plain(list(demo_incidents(7, 40, NOW)))
    assert long[:20] == short


def test_every_demo_incident_is_valid_and_in_the_past(dataset: list[tuple[str, IncidentInput]]) -> None:
    for _, inp in dataset:
        valid = validate_incident(inp, now=NOW)
        assert valid.values["occurred_start"] <= times.to_storage(NOW)


def test_all_kinds_appear(dataset: list[tuple[str, IncidentInput]]) -> None:
    kinds = Counter(inp.kind for _, inp in dataset)
    assert len(kinds) == 11
    assert kinds.most_common(1)[0][0] == "hare_coursing"


def test_hare_coursing_is_concentrated_in_september_to_march(dataset: list[tuple[str, IncidentInput]]) -> None:
    months = [local_month(inp) for _, inp in dataset if inp.kind == "hare_coursing"]
    assert len(months) > 300
    in_season = sum(m in (9, 10, 11, 12, 1, 2, 3) for m in months)
    assert in_season / len(months) > 0.75


def test_encampments_are_mostly_may_to_september(dataset: list[tuple[str, IncidentInput]]) -> None:
    months = [local_month(inp) for _, inp in dataset if inp.kind == "unlawful_encampment"]
    assert len(months) > 50
    in_season = sum(m in (5, 6, 7, 8, 9) for m in months)
    assert in_season / len(months) > 0.65


def test_every_point_is_inside_great_britain(dataset: list[tuple[str, IncidentInput]]) -> None:
    for _, inp in dataset:
        assert isinstance(inp.lat, float) and isinstance(inp.lon, float)
        geo.check_lat_lon(inp.lat, inp.lon)
        assert 51.4 < inp.lat < 52.3 and -0.2 < inp.lon < 1.5  # rural Essex


def test_every_vrm_is_a_valid_current_plate_with_age_identifier_00(
    dataset: list[tuple[str, IncidentInput]],
) -> None:
    vrms = [v.vrm for _, inp in dataset for v in inp.vehicles]
    assert len(vrms) > 100
    for vrm in vrms:
        assert parse_vrm(vrm) == vrm
        assert vrm_format(vrm) == "current"
        assert vrm[2:4] == "00"
    repeats = Counter(vrms).most_common(1)[0][1]
    assert repeats >= 10  # suspect vehicles recur


def test_reporters_are_obviously_fictional(dataset: list[tuple[str, IncidentInput]]) -> None:
    for _, inp in dataset:
        assert inp.reporter_name.startswith("Demo reporter ")
        assert inp.reporter_phone.startswith("01632 960")


def test_load_demo_is_idempotent_and_synthetic(service: IncidentService) -> None:
    published: list[Change] = []
    service.hub.subscribe(published.append)
    assert load_demo(service, seed=SEED, count=300, now=NOW) == 300
    assert load_demo(service, seed=SEED, count=300, now=NOW) == 0
    assert service.count() == 300
    assert published == [Change("incidents", "bulk")]
    assert service.store.meta("demo_seed") == str(SEED)
    rows = service.rows(IncidentFilter(), limit=-1)
    assert len(rows) == 300 and all(row.synthetic for row in rows)
    assert service.store.db.execute("SELECT COUNT(*) FROM incidents WHERE synthetic != 1").fetchone()[0] == 0


def test_loaded_demo_matches_the_generator(service: IncidentService) -> None:
    load_demo(service, seed=SEED, count=40, now=NOW)
    for incident_id, inp in demo_incidents(SEED, 40, NOW):
        incident = service.get(incident_id)
        assert incident.kind == inp.kind
        assert incident.place == inp.place
        assert [v["vrm"] for v in incident.vehicles] == [v.vrm for v in inp.vehicles]
        geo.check_lat_lon(incident.lat, incident.lon)


def test_a_bigger_load_with_the_same_seed_adds_only_the_new_ones(service: IncidentService) -> None:
    assert load_demo(service, seed=SEED, count=100, now=NOW) == 100
    assert load_demo(service, seed=SEED, count=150, now=NOW) == 50
    assert service.count() == 150
