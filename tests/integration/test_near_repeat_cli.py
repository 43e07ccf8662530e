"""`ruralwatch analysis near-repeat | zones | zone | zone-settings` run in-process through ruralwatch.app.main."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_harness import open_db
from pyproj import Transformer
from test_analysis_cli import assert_one_line_error

from ruralwatch.core.incident import IncidentInput
from ruralwatch.services.incidents import IncidentService

_TO_WGS84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


@pytest.fixture
def incidents(db_path: Path) -> list[str]:
    """Pairs of farm burglaries 100 m and two days apart, 3 km and weeks from the next pair."""
    store = open_db(db_path)
    ids = []
    try:
        service = IncidentService(store)
        for k in range(30):
            east, north = 570_000.0 + (k % 6) * 3000, 206_000.0 + (k // 6) * 3000
            for offset, day in ((0.0, 1 + k % 25), (100.0, 3 + k % 25)):
                lon, lat = _TO_WGS84.transform(east + offset, north)
                ids.append(service.record(IncidentInput(
                    kind="farm_burglary", occurred_start=f"2024-0{1 + k % 5}-{day:02d} 10:00", lat=lat, lon=lon,
                    place=f"Farm {k}")).id)
    finally:
        store.close()
    return ids


def test_near_repeat_json_finds_the_pairs_and_saves_the_zone(cli, incidents):
    result = cli("analysis", "near-repeat", "--kinds", "farm_burglary,fuel_theft", "--iterations", "39", "--save",
                 "--json")
    assert result.code == 0, result
    data = result.json()
    assert data["incidents"] == 60 and data["pairs"] == 60 * 59 // 2
    assert data["raised"][0][0] and data["p_value"][0][0] == 0.025
    assert data["suggested_zone"] == {"metres": 200.0, "days": 7} and data["saved"]
    assert data["query"]["kinds"] == ["farm_burglary", "fuel_theft"]
    settings = cli("analysis", "zone-settings", "--json").json()
    assert (settings["metres"], settings["days"], settings["source"]) == (200.0, 7, "knox")


def test_near_repeat_names_the_kinds_tested(cli, incidents):
    """The same choice as every analysis: kinds by name (or --types), or left out; the text and JSON say which."""
    text = cli("analysis", "near-repeat", "--types", "Farm burglary", "--iterations", "19").out.splitlines()[0]
    assert text.startswith("Knox test: 60 incidents (") and "; kinds: Farm burglary)" in text
    data = cli("analysis", "near-repeat", "--exclude-kinds", "Fly-tipping", "--iterations", "19", "--json").json()
    assert data["incidents"] == 60 and data["types"] == "all but Fly-tipping"
    assert data["query"]["exclude_kinds"] == ["fly_tipping"]


def test_near_repeat_table_text(cli, incidents):
    result = cli("analysis", "near-repeat", "--iterations", "39", "--from", "2024-01-01", "--to", "2024-03-31")
    assert result.code == 0, result
    assert "0-200 m" in result.out and "> 56 days" in result.out and "*" in result.out
    assert "Near-repeat risk is raised within 200 m" in result.out


@pytest.mark.parametrize("argv, fragment", [
    (("--kinds", "burglary"), "'burglary' is not a type of this data (did you mean Farm burglary"),
    (("--exclude-kinds", "Shoplifting"), "--exclude-kinds: 'Shoplifting' is not a type"),
    (("--from", "2024-13-01"), "is not a date"),
    (("--iterations", "0"), "iterations"),
    (("--distance-bands", "400,200"), "increasing"),
    (("--day-bands", "seven"), "--day-bands"),
])
def test_near_repeat_bad_input_is_one_line(cli, incidents, argv, fragment):
    assert_one_line_error(cli("analysis", "near-repeat", *argv), fragment)


def test_no_incidents_is_one_line(cli, db_path):
    open_db(db_path).close()
    assert_one_line_error(cli("analysis", "near-repeat"), "at least two")


def test_zones_and_zone(cli, incidents):
    assert cli("analysis", "zone-settings", "--metres", "300", "--days", "10").code == 0
    zones = cli("analysis", "zones", "--at", "2024-05-30T12:00", "--json").json()
    # The zones live on 30 May: burglaries from 20 May on (10 days).
    assert zones and all(z["occurred_start"] >= "2024-05-20" for z in zones)
    assert {z["radius_m"] for z in zones} == {300.0}
    one = cli("analysis", "zone", incidents[1], "--json").json()
    assert [e["id"] for e in one["earlier"]] == [incidents[0]] and one["earlier"][0]["days_before"] == 2
    text = cli("analysis", "zone", incidents[1][:8])  # the short id lists print
    assert "1 earlier incident(s) inside" in text.out
    assert cli("analysis", "zone-settings", "--clear").out.startswith("near-repeat zone: 400 m, 14 days")
    assert_one_line_error(cli("analysis", "zone-settings", "--metres", "5"), "--metres: give 50 to 5000 metres")
