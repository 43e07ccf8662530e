"""NearRepeatService: the Knox test on stored incidents, the zone settings and the zones round incidents."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from ruralwatch.core import times
from ruralwatch.core.errors import ValidationError
from ruralwatch.core.incident import IncidentInput
from ruralwatch.services.container import Services
from ruralwatch.services.near_repeat import DEFAULT_ZONE_DAYS, DEFAULT_ZONE_METRES, KnoxQuery
from ruralwatch.store import Store
from ruralwatch.store.audit import AuditLog

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
_TO_WGS84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
BASE = (570_000.0, 206_000.0)  # near Chelmsford
PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def services(store: Store) -> Services:
    return Services.build(store, clock=lambda: NOW)


def _record(services: Services, kind: str, when: str, east_m: float = 0.0, north_m: float = 0.0,
            place: str = "Farm") -> str:
    lon, lat = _TO_WGS84.transform(BASE[0] + east_m, BASE[1] + north_m)
    return services.incidents.record(IncidentInput(kind=kind, occurred_start=when, lat=lat, lon=lon,
                                                   place=place)).id


def test_knox_on_stored_incidents_counts_pairs_by_uk_day(services: Services) -> None:
    # 23:30 UK time on 1 May (BST) is 22:30 UTC: the same UK day as 08:00 on 1 May, 7 days before 8 May.
    _record(services, "farm_burglary", "2024-05-01 08:00")
    _record(services, "farm_burglary", "2024-05-01 23:30", east_m=150)
    _record(services, "fuel_theft", "2024-05-08 09:00", north_m=300)
    _record(services, "hare_coursing", "2024-05-20 09:00", east_m=5000)
    notes: set[str] = set()
    run = services.near_repeat.knox(KnoxQuery(kinds=("farm_burglary", "fuel_theft"), iterations=9, seed=3),
                                    lambda done, total, note="": notes.add(note) or True)
    assert notes == {"Comparing 3 incidents with 9 random shuffles of their dates"}  # what the wait is for
    assert run.result.incidents == 3 and run.result.pairs == 3
    observed = run.result.observed
    assert observed[0, 0] == 1  # the two burglaries, 150 m, same UK day
    assert observed[1, 0] == 2  # 300 m and 335 m from the fuel theft, 7 days
    assert (run.first, run.last) == ("2024-05-01", "2024-05-08")
    data = run.to_dict()
    assert data["query"]["kinds"] == ["farm_burglary", "fuel_theft"] and data["pairs"] == 3
    # Dates are UK days, inclusive.
    run = services.near_repeat.knox(KnoxQuery(date_from=date(2024, 5, 1), date_to=date(2024, 5, 8), iterations=5))
    assert run.result.incidents == 3


def test_knox_takes_the_panels_crime_type_choice_by_name_or_left_out(services: Services) -> None:
    """The analysis panel's one crime type choice reaches the Knox test: kinds by name in any case, or left out."""
    _record(services, "farm_burglary", "2024-05-01 08:00")
    _record(services, "farm_burglary", "2024-05-02 08:00", east_m=150)
    _record(services, "fly_tipping", "2024-05-03 09:00", north_m=300)
    left_out = services.near_repeat.knox(KnoxQuery(exclude_kinds=("Fly-tipping",), iterations=5))
    assert left_out.result.incidents == 2 and left_out.query.exclude_kinds == ("fly_tipping",)
    assert left_out.to_dict()["types"] == "all but Fly-tipping"
    named = services.near_repeat.knox(KnoxQuery(kinds=("farm BURGLARY",), iterations=5))
    assert named.result.incidents == 2 and named.query.types_words() == "Farm burglary"
    with pytest.raises(ValidationError, match="did you mean Farm burglary"):
        services.near_repeat.knox(KnoxQuery(kinds=("Farm burglery",)))


@pytest.mark.parametrize("query, field", [
    (KnoxQuery(kinds=("burglary",)), "kinds"),
    (KnoxQuery(date_from=date(2024, 5, 2), date_to=date(2024, 5, 1)), "to"),
    (KnoxQuery(iterations=0), "iterations"),
    (KnoxQuery(distance_m=(400.0, 200.0)), "bands"),
    (KnoxQuery(), "kinds"),  # no incidents: nothing to pair
])
def test_bad_knox_queries(services: Services, query: KnoxQuery, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        services.near_repeat.knox(query)
    assert caught.value.errors[0].field == field


def test_too_few_incidents_says_why_in_words(services: Services) -> None:
    """A new force's analyst with published crime only read '0 incident(s) with a place in that selection': now it
    says none of our own are recorded and that published crime (months only) cannot stand in; with some recorded,
    how many the choice kept of how many, counted in words."""
    with pytest.raises(ValidationError) as caught:
        services.near_repeat.knox(KnoxQuery())
    message = caught.value.errors[0].message
    assert message.startswith("no incidents of our own with a place are recorded yet")
    assert "published crime cannot stand in" in message and "(s)" not in message
    _record(services, "farm_burglary", "2024-05-01 08:00")
    _record(services, "hare_coursing", "2024-05-02 08:00")
    with pytest.raises(ValidationError) as caught:
        services.near_repeat.knox(KnoxQuery(kinds=("farm_burglary",)))
    assert caught.value.errors[0].message == (
        "1 incident of ours with a place in these kinds and dates (of 2 in all): the Knox test needs at least two "
        "(it counts pairs); choose more kinds or a longer period")


def test_zone_settings_default_then_knox_then_setting(services: Services) -> None:
    nr = services.near_repeat
    settings = nr.zone_settings()
    assert (settings.metres, settings.days, settings.source) == (DEFAULT_ZONE_METRES, DEFAULT_ZONE_DAYS, "default")
    # A saved Knox result becomes the default...
    for k in range(40):
        east, north = (k % 8) * 3000.0, (k // 8) * 3000.0
        _record(services, "farm_burglary", f"2024-0{1 + k % 4}-{1 + k % 20:02d} 10:00", east, north)
        _record(services, "farm_burglary", f"2024-0{1 + k % 4}-{3 + k % 20:02d} 10:00", east + 100, north)
    run = nr.knox(KnoxQuery(iterations=39, seed=2))
    assert run.result.suggested_zone() == (200.0, 7)
    saved = nr.save_knox_zone(run)
    assert saved.metres == 200.0 and saved.days == 7 and saved.run_at == "2024-06-01T12:00:00Z"
    settings = nr.zone_settings()
    assert (settings.metres, settings.days, settings.source) == (200.0, 7, "knox")
    # ...and a setting wins over it; clearing it goes back.
    assert nr.set_zone_settings("500", "21").source == "setting"
    assert (nr.zone_settings().metres, nr.zone_settings().days) == (500.0, 21)
    assert nr.set_zone_settings(None, None).source == "knox"
    actions = [e.action for e in AuditLog(services.store).entries() if e.action == "settings"]
    assert len(actions) == 3
    with pytest.raises(ValidationError):
        nr.set_zone_settings("10", 5)
    with pytest.raises(ValidationError):
        nr.set_zone_settings(400, "two weeks")


def test_zone_for_an_incident_lists_earlier_ones_inside_it(services: Services) -> None:
    services.near_repeat.set_zone_settings(400, 14)
    first = _record(services, "equipment_theft", "2024-05-01 10:00", place="Hall Farm")
    _record(services, "equipment_theft", "2024-05-02 10:00", east_m=1000)  # too far
    _record(services, "equipment_theft", "2024-04-01 10:00", east_m=100)  # too long before
    second = _record(services, "fuel_theft", "2024-05-10 10:00", east_m=250, place="Grange")
    _record(services, "fuel_theft", "2024-05-11 10:00", east_m=50)  # after: not earlier
    zone = services.near_repeat.zone_for(second)
    assert zone.radius_m == 400.0 and zone.days == 14 and zone.until == "2024-05-24T09:00:00Z"
    assert [e.id for e in zone.earlier] == [first]
    assert zone.earlier[0].days_before == 9 and zone.earlier[0].distance_m == pytest.approx(250, abs=0.5)
    with pytest.raises(ValidationError):
        services.near_repeat.zone_for("nope")


def test_active_zones_are_thefts_within_the_days(services: Services) -> None:
    services.near_repeat.set_zone_settings(400, 14)
    live = _record(services, "farm_burglary", "2024-05-25 10:00")
    _record(services, "farm_burglary", "2024-05-01 10:00")  # over 14 days before NOW
    _record(services, "hare_coursing", "2024-05-30 10:00")  # not a theft kind
    zones = services.near_repeat.active_zones()
    assert [z.incident_id for z in zones] == [live]
    geojson = services.near_repeat.zones_geojson(zones)
    assert geojson["features"][0]["properties"]["radius_m"] == 400.0
    assert geojson["features"][0]["properties"]["kind"] == "Farm burglary"
    assert services.near_repeat.active_zones(now=datetime(2024, 7, 1, tzinfo=UTC)) == []


def test_the_note_on_recording_names_the_zone_and_the_latest_earlier_incident(services: Services) -> None:
    services.near_repeat.set_zone_settings(400, 14)
    _record(services, "equipment_theft", "2024-05-01 10:00", place="Hall Farm")
    second = _record(services, "fuel_theft", "2024-05-10 10:00", east_m=250, place="Grange")
    assert services.near_repeat.note_on_recording(second) == (
        "Near-repeat risk zone: 400 m round it until 2024-05-24 10:00; 1 earlier incident(s) inside it, the latest "
        "equipment theft at Hall Farm 250 m away, 9 day(s) before.")
    alone = _record(services, "farm_burglary", "2024-05-20 10:00", east_m=5000)
    assert services.near_repeat.note_on_recording(alone).endswith("; no earlier incidents inside it.")
    assert services.near_repeat.note_on_recording(_record(services, "fly_tipping", "2024-05-21 10:00")) == ""


def test_the_demo_has_a_near_repeat_pattern_the_knox_test_finds_and_live_zones(store: Store) -> None:
    from ruralwatch.services.demo import NEAR_REPEAT_COUNT, load_demo

    now = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
    services = Services.build(store, clock=lambda: now)
    assert load_demo(services.incidents, count=600, now=now) == 600
    run = services.near_repeat.knox(KnoxQuery(kinds=("equipment_theft",), iterations=99))
    assert run.result.observed[0, 0] >= 3 * 6  # three series of four farms: six close pairs each
    assert run.result.suggested_zone() == (200.0, 7)
    services.near_repeat.save_knox_zone(run)
    zones = services.near_repeat.active_zones()
    latest = max(zones, key=lambda z: z.occurred_start)
    assert "near Radwinter" in latest.place and len(latest.earlier) == 3
    assert latest.radius_m == 200.0 and NEAR_REPEAT_COUNT == 12


@settings(max_examples=300, deadline=None)
@given(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2060, 12, 31), timezones=st.just(UTC)))
def test_the_zones_uk_day_is_the_knox_tests_uk_day(moment: datetime) -> None:
    """The zones count days without pandas, the Knox test with it: the same UK calendar day for any moment, the
    hours round the clock changes included."""
    from ruralwatch.services.near_repeat import _day_number, _day_numbers

    stored = times.to_storage(moment)
    assert _day_number(stored) == int(_day_numbers(pd.Series([stored]))[0])


def test_the_live_zones_need_no_pandas(tmp_path: Path) -> None:
    """The window draws the live zones at every start: pandas (a third of a second and ~40 MB) stays unloaded."""
    from ruralwatch.services.demo import load_demo
    from ruralwatch.store import open_store

    now = datetime(2026, 11, 24, 15, tzinfo=UTC)
    demo = open_store(tmp_path / "zones.db")
    load_demo(Services.build(demo, clock=lambda: now).incidents, seed=2026, now=now)
    demo.close()
    script = (
        "import sys\n"
        "from datetime import UTC, datetime\n"
        "from ruralwatch.services.container import Services\n"
        "from ruralwatch.store import open_store\n"
        f"store = open_store({str(tmp_path / 'zones.db')!r})\n"
        "now = datetime(2026, 11, 24, 15, tzinfo=UTC)\n"
        "zones = Services.build(store, clock=lambda: now).near_repeat.active_zones()\n"
        "assert zones and any(z.earlier for z in zones), zones\n"
        "print(sorted(m for m in ('pandas', 'numpy') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                          cwd=PROJECT_ROOT, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}, timeout=120)
    assert done.stdout.strip() == "['numpy']"  # the distances: numpy alone
