"""Premises to visit after an incident nearby: live premises inside a recent theft's near-repeat zone, most recent
incident first, with the last prevention visit and the repeat flag; the premises victimised within the repeat
window; and the map layer's GeoJSON (no contact details, only premises with a place)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from ruralwatch.core.incident import IncidentInput
from ruralwatch.core.permissions import Actor
from ruralwatch.core.premises import PremisesInput, VisitInput
from ruralwatch.mapping.premises_layer import premises_geojson
from ruralwatch.services.container import Services
from ruralwatch.store import Store

NOW = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)


@pytest.fixture
def services(store: Store) -> Services:
    services = Services.build(store, clock=lambda: NOW)
    services.near_repeat.set_zone_settings(400, 14)
    return services


def _farm(services: Services, name: str, grid_ref: str, **more: object) -> str:
    return services.premises.add(PremisesInput(name, "farm", grid_ref, contact_name="Jo Farmer",
                                               contact_phone="01632 960001", **more)).id  # type: ignore[arg-type]


def _theft(services: Services, when: str, grid_ref: str, premises_id: str | None = None,
           kind: str = "equipment_theft") -> str:
    return services.incidents.record(IncidentInput(kind=kind, occurred_start=when, grid_ref=grid_ref,
                                                   place="Hall Farm", premises_id=premises_id)).id


def test_premises_inside_recent_zones_most_recent_incident_first(services: Services) -> None:
    near = _farm(services, "Near Farm", "TL 61234 35778", schemes=["farm_watch"])  # 100 m north of the first theft
    nearer_later = _farm(services, "Brook Farm", "TL 70000 35050")  # 50 m from the second theft
    both = _farm(services, "Both Farm", "TL 70000 35300")  # 300 m from the second, far from the first
    _farm(services, "Far Farm", "TL 62234 35678")  # 1 km away: in no zone
    closed = _farm(services, "Sold Farm", "TL 61234 35700", closed_on="2026-10-01", registered_on="2020-01-01")
    services.premises.add_visit(near, VisitInput("2026-06-01", "PC Olive", "Mark the quad"))
    services.premises.add_visit(near, VisitInput("2026-09-01", "PC Olive", "Lock the yard"))
    first = _theft(services, "2026-11-20 03:00", "TL 61234 35678")
    second = _theft(services, "2026-11-22 03:00", "TL 70000 35000")
    _theft(services, "2026-11-22 04:00", "TL 61234 35678", kind="fly_tipping")  # no zone for fly-tipping
    _theft(services, "2026-10-01 03:00", "TL 62234 35678")  # a theft at Far Farm's place, its zone long over
    earlier = _theft(services, "2026-08-01 03:00", "TL 61234 35778", premises_id=near)  # Near Farm hit before

    found = services.premises.to_visit()
    assert [(v.name, v.incident_id) for v in found] == [
        ("Brook Farm", second), ("Both Farm", second), ("Near Farm", first)]
    assert closed not in {v.premises_id for v in found} and nearer_later == found[0].premises_id
    assert both == found[1].premises_id and found[1].distance_m == pytest.approx(300, abs=3)
    visit = found[2]
    assert visit.last_visit == "2026-09-01" and visit.repeat and visit.repeat_incidents == 1
    assert visit.scheme_names == ["Farm Watch"] and visit.zone_until.startswith("2026-12-04")
    assert not found[0].repeat and found[0].last_visit is None
    assert "REPEAT VICTIM" in visit.line() and "last visited 2026-09-01" in visit.line()
    data = json.dumps([v.to_dict() for v in found])
    assert "Jo Farmer" not in data and "01632" not in data  # never the contact

    # A moment further on: the first zone is over, the second still live; then none.
    assert [v.name for v in services.premises.to_visit(datetime(2026, 12, 5, 12, tzinfo=UTC))] == [
        "Brook Farm", "Both Farm"]
    assert services.premises.to_visit(datetime(2026, 12, 31, tzinfo=UTC)) == []
    # Zone settings follow the near-repeat service: a 150 m zone holds only the nearest.
    services.near_repeat.set_zone_settings(150, 14)
    assert [v.name for v in services.premises.to_visit()] == ["Brook Farm", "Near Farm"]
    # Premises inside one incident's zone (the status-bar note when it is recorded).
    assert [v.name for v in services.premises.in_zone_of(first)] == ["Near Farm"]
    assert services.premises.in_zone_of(earlier)[0].name == "Near Farm"


def test_recent_victims_within_the_repeat_window_and_the_map_layer(services: Services, store: Store) -> None:
    grange = _farm(services, "Grange Farm", "TL 61234 35678", schemes=["farm_watch"])
    moat = _farm(services, "Moat Hall", "TL 68882 32796")
    _farm(services, "Quiet Farm", "TL 64000 33000")
    _theft(services, "2026-05-02 03:00", "TL 61234 35678", grange)
    _theft(services, "2026-11-20 03:00", "TL 61234 35678", grange)
    _theft(services, "2025-01-01 03:00", "TL 68882 32796", moat)  # outside the year's window
    victims = services.premises.recent_victims()
    assert [(v.name, v.incidents) for v in victims] == [("Grange Farm", 2)]
    assert victims[0].latest.startswith("2026-11-20") and victims[0].window_days == 365
    services.premises.set_repeat_window(3650)
    assert [v.name for v in services.premises.recent_victims()] == ["Grange Farm", "Moat Hall"]
    services.premises.set_repeat_window(365)

    collection = premises_geojson(services.premises.map_layer(), 365)
    features = {f["properties"]["name"]: f for f in collection["features"]}
    assert set(features) == {"Grange Farm", "Moat Hall", "Quiet Farm"}
    grange_feature = features["Grange Farm"]
    assert grange_feature["properties"]["repeat"] is True and grange_feature["properties"]["incidents"] == 2
    assert grange_feature["properties"]["schemes"] == ["Farm Watch"] and grange_feature["properties"]["kind"] == "Farm"
    assert features["Moat Hall"]["properties"]["repeat"] is False
    lon, lat = grange_feature["geometry"]["coordinates"]
    assert 51.9 < lat < 52.1 and 0.2 < lon < 0.5
    text = json.dumps(collection)
    assert "Jo Farmer" not in text and "01632" not in text and "http" not in text

    # A Special sees the register but no incidents: every premises, none flagged.
    store.actor = Actor("sc1", "special")
    if not store.actor.can("incident.view"):
        flagged = [f for f in premises_geojson(services.premises.map_layer(), 365)["features"]
                   if f["properties"]["repeat"]]
        assert flagged == []


def test_premises_without_a_place_are_left_off_the_map() -> None:
    from ruralwatch.core.premises import Premises

    def premises(name: str, lat: float | None) -> Premises:
        return Premises(name, name, "church", "TL 1 2", 0.0, 0.0, lat, 0.3, "", "Jo", "0163", "a@b.c",  # type: ignore[arg-type]
                        ("church_watch",), "", None, None, False, "")

    collection = premises_geojson([(premises("A", 51.9), 0), (premises("B", None), 3)], 365)
    assert [f["properties"]["name"] for f in collection["features"]] == ["A"]
    props = collection["features"][0]["properties"]
    assert props == {"id": "A", "name": "A", "kind": "Church / place of worship", "schemes": ["Church Watch"],
                     "repeat": False, "incidents": 0, "window_days": 365}
