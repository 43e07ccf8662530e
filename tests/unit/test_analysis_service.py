"""AnalysisService on small hand-built datasets: every expected figure can be worked out on paper.

Published crime is inserted straight into published_crimes at chosen British National Grid cells (250 m cells
have edges on multiples of 250 m, so a point at 570,125 E 206,875 N is the centre of one cell).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

from ruralwatch.analysis import grid as gridmod
from ruralwatch.core.errors import ValidationError
from ruralwatch.core.incident import IncidentInput, StolenItemInput
from ruralwatch.mapping import boundaries
from ruralwatch.services.analysis import AnalysisService, HotspotQuery
from ruralwatch.services.harm import HarmService
from ruralwatch.services.incidents import CancelledError, IncidentService
from ruralwatch.store import Store

_TO_WGS84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
_TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)

# Cell centres inside Essex, far apart: Chelmsford (Waterhouse Farm ward) and Colchester (Birch and Winstree).
CHELMSFORD = (570_125.0, 206_875.0)
COLCHESTER = (590_125.0, 220_125.0)
THAXTED = (51.954, 0.344)  # lat, lon
MANCHESTER = (383_625.0, 398_125.0)


class Published:
    """Inserts published crime rows; coordinates given in BNG (lat/lon derived) or lat/lon (BNG derived)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.count = 0

    def add(self, east: float | None, north: float | None, crime_type: str = "Burglary", month: str = "2024-03",
            location: str = "On or near High Street", lsoa_name: str = "Chelmsford 001A", times: int = 1) -> None:
        for _ in range(times):
            self.count += 1
            lon, lat = _TO_WGS84.transform(east, north) if east is not None else (None, None)
            self.store.db.execute(
                "INSERT INTO published_crimes(dedupe_key, crime_id, month, reported_by, falls_within, lon, lat, "
                "easting, northing, location, lsoa_code, lsoa_name, crime_type) "
                "VALUES (?, ?, ?, 'Essex Police', 'Essex Police', ?, ?, ?, ?, ?, 'E01000001', ?, ?)",
                [f"dedupe-{self.count}", f"crime-{self.count}", month, lon, lat, east, north, location, lsoa_name,
                 crime_type],
            )
        self.store.db.conn.commit()

    def add_lat_lon(self, lat: float, lon: float, crime_type: str, month: str = "2024-03") -> None:
        east, north = _TO_BNG.transform(lon, lat)
        self.add(east, north, crime_type, month)


@pytest.fixture
def published(store: Store) -> Published:
    return Published(store)


@pytest.fixture
def harm(store: Store) -> HarmService:
    return HarmService(store)


@pytest.fixture
def analysis(store: Store, harm: HarmService) -> AnalysisService:
    return AnalysisService(store, harm)


@pytest.fixture
def burglary_and_shoplifting(published: Published) -> Published:
    """One burglary (245.91 days) in one cell, ten shoplifting offences (1 day each) in another."""
    published.add(*CHELMSFORD, "Burglary")
    published.add(*COLCHESTER, "Shoplifting", location="On or near Shopping Area", times=10)
    return published


def _cells(run) -> list[tuple[float, float]]:
    return [(h.easting, h.northing) for h in run.hotspots]


def _in_force_area(lat: float, lon: float) -> bool:
    return boundaries.area_of_point(lat, lon) is not None


# --- grid hotspots: harm versus count ---------------------------------------------------------------------------


def test_harm_weighting_ranks_one_burglary_above_ten_shoplifting(analysis, burglary_and_shoplifting):
    run = analysis.hotspots(HotspotQuery(method="grid", weight="harm", top_n=10))
    assert _cells(run) == [CHELMSFORD, COLCHESTER]
    assert [h.value for h in run.hotspots] == [pytest.approx(245.91), pytest.approx(10.0)]
    assert [h.rank for h in run.hotspots] == [1, 2]
    assert run.points == 11
    assert run.total_weight == pytest.approx(255.91)
    assert run.no_location == 0
    assert run.study_area == "Essex Police force area"
    assert run.areas[0].endswith(", Chelmsford") and run.areas[1].endswith(", Colchester")


def test_count_weighting_ranks_the_burglary_below_the_shoplifting(analysis, burglary_and_shoplifting):
    run = analysis.hotspots(HotspotQuery(method="grid", weight="count", top_n=10))
    assert _cells(run) == [COLCHESTER, CHELMSFORD]
    assert [h.value for h in run.hotspots] == [10.0, 1.0]
    assert run.total_weight == 11.0


def test_anti_social_behaviour_counts_but_carries_no_harm(analysis, published):
    published.add(*CHELMSFORD, "Anti-social behaviour", times=3)
    published.add(*COLCHESTER, "Robbery")
    by_harm = analysis.hotspots(HotspotQuery(method="grid", weight="harm"))
    assert _cells(by_harm) == [COLCHESTER]  # a cell with no harm is never a hotspot
    assert by_harm.total_weight == 365.0
    by_count = analysis.hotspots(HotspotQuery(method="grid", weight="count"))
    assert _cells(by_count) == [CHELMSFORD, COLCHESTER]


# --- the crime type choice ---------------------------------------------------------------------------------------


def test_crime_types_chosen_or_left_out_decide_what_counts(analysis, burglary_and_shoplifting):
    """Every Essex hotspot was a town centre's shoplifting: an analyst leaves it out, or counts only burglary."""
    burglary_and_shoplifting.add(None, None, "Shoplifting", times=2)  # published without a location
    burglary_and_shoplifting.add(None, None, "Burglary")
    left_out = analysis.hotspots(HotspotQuery(method="grid", weight="count", exclude_kinds=("shoplifting",)))
    assert _cells(left_out) == [CHELMSFORD] and left_out.points == 1
    assert (left_out.other_types, left_out.no_location) == (10, 1)  # no location: the burglary only
    assert left_out.query.exclude_kinds == ("Shoplifting",)  # the name as the data spells it
    assert left_out.types_words() == "all but Shoplifting"
    assert ("Crime types: all but Shoplifting. Not counted: 1 without a location, 10 of the types not chosen."
            in left_out.counted())
    only = analysis.hotspots(HotspotQuery(method="grid", weight="count", kinds=("Burglary", "Vehicle crime")))
    assert _cells(only) == [CHELMSFORD] and "Crime types: Burglary, Vehicle crime." in only.counted()
    assert only.to_dict()["types"] == "Burglary, Vehicle crime" and only.to_dict()["other_types"] == 10
    everything = analysis.hotspots(HotspotQuery(method="grid", weight="count"))
    assert everything.points == 11 and everything.other_types == 0 and everything.no_location == 3
    assert "Crime types: all. Not counted: 3 without a location." in everything.counted()


def test_incident_kinds_are_the_crime_types_of_our_incidents(analysis, incident_service: IncidentService):
    for kind, lat in (("hare_coursing", 51.954), ("fly_tipping", 51.75)):
        incident_service.record(IncidentInput(kind=kind, occurred_start="2024-03-05 10:00", lat=lat, lon=0.5))
    run = analysis.hotspots(HotspotQuery(method="grid", weight="count", source="incidents",
                                         kinds=("hare coursing",)))
    assert run.points == 1 and run.query.kinds == ("hare_coursing",) and run.other_types == 1
    assert "Crime types: Hare coursing." in run.counted()


@pytest.mark.parametrize("query, field, fragment", [
    (HotspotQuery(kinds=("Burglery",)), "types", "did you mean Burglary?"),
    (HotspotQuery(exclude_kinds=("Hare coursing",)), "exclude_types", "Vehicle crime"),  # a kind, not published
    (HotspotQuery(source="incidents", kinds=("Shoplifting",)), "types", "Fly-tipping"),
])
def test_an_unknown_crime_type_names_the_known_ones(analysis, burglary_and_shoplifting, query, field, fragment):
    with pytest.raises(ValidationError) as caught:
        analysis.hotspots(query)
    assert caught.value.errors[0].field == field
    assert fragment in str(caught.value) and "are:" in str(caught.value)


def test_leaving_every_crime_type_out_is_refused(analysis, burglary_and_shoplifting):
    from ruralwatch.core.crime_types import PUBLISHED_CRIME_TYPES, type_choices

    # Published crime with every type left out (the panel's choice was only Hare coursing, one of our kinds): the
    # refusal says the chosen types are not in published crime, not "every crime type is left out" (a walk's Accuracy).
    with pytest.raises(ValidationError, match="not in published crime") as refused:
        analysis.hotspots(HotspotQuery(exclude_kinds=PUBLISHED_CRIME_TYPES))
    assert "our incidents" in str(refused.value)
    with pytest.raises(ValidationError, match="not in published crime"):
        analysis.evaluate("2024-01", "2024-01", "2024-02", "2024-02", exclude_kinds=PUBLISHED_CRIME_TYPES)
    with pytest.raises(ValidationError, match="choose at least one"):  # both lists: every type there is
        analysis.hotspots(HotspotQuery(source="all", exclude_kinds=tuple(
            key for key, _name in type_choices("all"))))


def test_accuracy_forecasts_and_scores_only_the_crime_types_chosen(analysis, published):
    """An analyst targeting rural patrols measured a forecast of every crime: the town's shoplifting decided which
    cells it chose and was most of what it was scored on. Left out, both periods count the burglaries only."""
    for month in ("2024-01", "2024-02"):
        published.add(*CHELMSFORD, "Burglary", month=month)
        published.add(*COLCHESTER, "Shoplifting", month=month, times=5)
        published.add(None, None, "Shoplifting", month=month)
    result = analysis.evaluate("2024-01", "2024-01", "2024-02", "2024-02", exclude_kinds=("shoplifting",))
    assert (result["train"]["crimes"], result["test"]["crimes"]) == (1, 1)
    assert (result["train"]["other_types"], result["test"]["other_types"]) == (5, 5)
    assert result["train"]["no_location"] == 0  # the unlocated shoplifting is not of the types chosen
    assert (result["types"], result["exclude_kinds"]) == ("all but Shoplifting", ["Shoplifting"])
    assert "Crime types: all but Shoplifting. Not counted: 10 of the types not chosen." in result["counted"]
    everything = analysis.evaluate("2024-01", "2024-01", "2024-02", "2024-02")
    assert everything["test"]["crimes"] == 6 and everything["types"] == "all"
    with pytest.raises(ValidationError, match="did you mean Burglary"):
        analysis.evaluate("2024-01", "2024-01", "2024-02", "2024-02", kinds=("Burglery",))


def test_areas_and_concentration_count_only_the_crime_types_chosen(analysis, published):
    published.add_lat_lon(*THAXTED, "Burglary")
    published.add(*CHELMSFORD, "Shoplifting", times=2)
    published.add(None, None, "Shoplifting")
    frame, counted = analysis.by_area_counted(kinds=("burglary",))
    rows = frame.set_index("area")
    assert rows.loc["Uttlesford", "count"] == 1 and rows.loc["Chelmsford", "count"] == 0
    assert "Crime types: Burglary." in counted and "Not counted: 2 of the types not chosen." in counted
    concentration = analysis.concentration(kinds=("Burglary",))
    assert concentration["crimes"] == 1 and concentration["types"] == "Burglary"
    assert analysis.concentration()["crimes"] == 3
    with pytest.raises(ValidationError, match="not a type"):
        analysis.by_area_counted(source="incidents", kinds=("Burglary",))  # a published type, not our kind


def test_timing_counts_only_the_crime_types_chosen(analysis, published, incident_service: IncidentService):
    published.add(*CHELMSFORD, "Burglary", month="2024-01")
    published.add(*CHELMSFORD, "Shoplifting", month="2024-01", times=3)
    published.add(None, None, "Shoplifting", month="2024-01")
    incident_service.record(IncidentInput(kind="hare_coursing", occurred_start="2024-01-09 21:00",
                                          lat=THAXTED[0], lon=THAXTED[1]))
    incident_service.record(IncidentInput(kind="fly_tipping", occurred_start="2024-01-10 08:00",
                                          lat=THAXTED[0], lon=THAXTED[1]))
    result = analysis.timing("published", exclude_kinds=("Shoplifting", "Fly-tipping"))
    assert result["monthly_trend"]["count"].tolist() == [1]  # the unlocated shoplifting left out too
    assert result["hour_by_weekday"].to_numpy().sum() == 1  # our hare coursing only
    assert result["types"] == "all but Shoplifting, Fly-tipping"
    assert analysis.timing("published")["monthly_trend"]["count"].tolist() == [5]


def test_top_n_limits_the_ranking(analysis, burglary_and_shoplifting):
    assert _cells(analysis.hotspots(HotspotQuery(method="grid", weight="harm", top_n=1))) == [CHELMSFORD]


def test_grid_hotspot_polygon_is_the_cell_outline(analysis, burglary_and_shoplifting):
    hotspot = analysis.hotspots(HotspotQuery(method="grid", weight="harm", top_n=1)).hotspots[0]
    assert len(hotspot.polygon_wgs84) == 5
    assert hotspot.polygon_wgs84[0] == hotspot.polygon_wgs84[-1]
    corners = [_TO_BNG.transform(lon, lat) for lon, lat in hotspot.polygon_wgs84[:4]]
    expected = [(570_000, 206_750), (570_250, 206_750), (570_250, 207_000), (570_000, 207_000)]
    for (east, north), (want_e, want_n) in zip(corners, expected, strict=True):
        assert east == pytest.approx(want_e, abs=0.5) and north == pytest.approx(want_n, abs=0.5)
    centre_e, centre_n = _TO_BNG.transform(hotspot.centre_lon, hotspot.centre_lat)
    assert (centre_e, centre_n) == (pytest.approx(CHELMSFORD[0], abs=0.5), pytest.approx(CHELMSFORD[1], abs=0.5))


# --- KDE and Gi* --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["kde", "gistar"])
@pytest.mark.parametrize("weight", ["harm", "count"])
def test_kde_and_gistar_find_hotspots_inside_the_force_area(analysis, burglary_and_shoplifting, method, weight):
    run = analysis.hotspots(HotspotQuery(method=method, weight=weight, top_n=8))
    assert run.study_area == "Essex Police force area"
    assert run.area_km2 == pytest.approx(3676, rel=0.02)
    assert 1 <= len(run.hotspots) <= 8
    assert [h.rank for h in run.hotspots] == list(range(1, len(run.hotspots) + 1))
    for hotspot, area in zip(run.hotspots, run.areas, strict=True):
        assert _in_force_area(hotspot.centre_lat, hotspot.centre_lon)
        assert area
        assert len(hotspot.polygon_wgs84) == 5 and hotspot.polygon_wgs84[0] == hotspot.polygon_wgs84[-1]
        # Near one of the two places with crime (within the 750 m bandwidth / radius plus a cell).
        assert min(math.dist((hotspot.easting, hotspot.northing), c) for c in (CHELMSFORD, COLCHESTER)) <= 1000
    if method == "gistar":
        assert all(h.z is not None and h.z > 0 and h.p is not None and h.p < 0.05 for h in run.hotspots)
    else:
        assert all(h.z is None for h in run.hotspots)
        values = [h.value for h in run.hotspots]
        assert values == sorted(values, reverse=True)


def test_kde_peak_follows_the_weight(analysis, burglary_and_shoplifting):
    by_harm = analysis.hotspots(HotspotQuery(method="kde", weight="harm", top_n=1))
    by_count = analysis.hotspots(HotspotQuery(method="kde", weight="count", top_n=1))
    assert _cells(by_harm) == [CHELMSFORD]
    assert _cells(by_count) == [COLCHESTER]


def test_no_published_crime_gives_no_hotspots(analysis):
    for method in ("grid", "kde", "gistar"):
        run = analysis.hotspots(HotspotQuery(method=method))
        assert (run.hotspots, run.points, run.total_weight, run.areas) == ([], 0, 0.0, [])
        assert run.study_area == "Essex Police force area"


def test_progress_is_reported_and_cancel_stops_the_run(analysis, burglary_and_shoplifting):
    seen = []
    analysis.hotspots(HotspotQuery(method="grid"),
                      lambda done, total, note="": seen.append((done, total, note)) or True)
    assert seen == [(1, 4, "Laying the grid over the study area"), (2, 4, "Working out the hotspot surface"),
                    (3, 4, "Ranking the hotspots"), (4, 4, "Naming the areas and counting what was left out")]
    with pytest.raises(CancelledError):
        analysis.hotspots(HotspotQuery(method="grid"), lambda done, total, _note="": False)


# --- filters and missing locations ----------------------------------------------------------------------------


def test_month_filters_include_and_exclude(analysis, published):
    published.add(*CHELMSFORD, "Burglary", month="2024-01")
    published.add(*COLCHESTER, "Robbery", month="2024-02")
    published.add(*COLCHESTER, "Robbery", month="2024-03")

    def run(month_from=None, month_to=None):
        result = analysis.hotspots(HotspotQuery(method="grid", weight="count", month_from=month_from,
                                                month_to=month_to))
        return result.points, _cells(result)

    assert run() == (3, [COLCHESTER, CHELMSFORD])
    assert run("2024-02") == (2, [COLCHESTER])
    assert run(None, "2024-01") == (1, [CHELMSFORD])
    assert run("2024-01", "2024-01") == (1, [CHELMSFORD])
    assert run("2024-02", "2024-02") == (1, [COLCHESTER])
    assert run("2024-04") == (0, [])
    assert run("2023-01", "2023-12") == (0, [])


def test_rows_without_a_location_are_counted_and_left_out(analysis, published):
    published.add(*CHELMSFORD, "Burglary", month="2024-01")
    published.add(None, None, "Robbery", month="2024-01", location="No Location", times=2)
    published.add(None, None, "Robbery", month="2024-02", location="No Location")
    run = analysis.hotspots(HotspotQuery(method="grid", weight="harm"))
    assert (run.points, run.no_location) == (1, 3)
    assert run.total_weight == pytest.approx(245.91)
    assert _cells(run) == [CHELMSFORD]
    assert analysis.hotspots(HotspotQuery(method="grid", month_from="2024-02")).no_location == 1
    assert analysis.hotspots(HotspotQuery(method="grid", month_to="2024-01")).no_location == 2
    assert analysis.hotspots(HotspotQuery(method="grid", source="incidents")).no_location == 0
    points = analysis.points("published")
    assert len(points) == 1 and points["easting"].notna().all()


# --- the officers' incidents --------------------------------------------------------------------------------------


def test_incidents_are_projected_and_weighted_by_kind(analysis, store, incident_service: IncidentService):
    thaxted = incident_service.record(IncidentInput(
        kind="hare_coursing", occurred_start="2024-03-05 10:00", lat=THAXTED[0], lon=THAXTED[1], place="Field"))
    incident_service.record(IncidentInput(
        kind="equipment_theft", subkind="tools", occurred_start="2024-03-07 10:00", lat=51.75, lon=0.55,
        place="Yard", items=[StolenItemInput(category="tools", value_gbp="15000")]))
    deleted = incident_service.record(IncidentInput(
        kind="farm_burglary", occurred_start="2024-03-08 10:00", lat=51.85, lon=0.85, place="Barn"))
    incident_service.delete(deleted.id)

    points = analysis.points("incidents", weight="harm").sort_values("weight", ignore_index=True)
    assert list(points["label"]) == ["hare_coursing", "equipment_theft"]
    assert list(points["weight"]) == [10.0, 365.0]  # hare coursing; theft of £15,000 (£10k to £100k band)
    east, north = _TO_BNG.transform(thaxted.lon, thaxted.lat)
    assert points.loc[0, "easting"] == pytest.approx(east, abs=0.01)
    assert points.loc[0, "northing"] == pytest.approx(north, abs=0.01)
    assert list(points["month"]) == ["2024-03", "2024-03"]

    run = analysis.hotspots(HotspotQuery(method="grid", weight="harm", source="incidents"))
    assert run.points == 2
    assert run.total_weight == 375.0
    assert [h.value for h in run.hotspots] == [365.0, 10.0]
    assert run.areas[1] == "Thaxted, Uttlesford"
    assert analysis.hotspots(HotspotQuery(method="grid", weight="count", source="incidents")).total_weight == 2.0


def test_all_sources_take_each_month_from_one(analysis, published, incident_service: IncidentService):
    """Summed, the March farm burglary we recorded counted twice once March was published (it is in there)."""
    published.add(*CHELMSFORD, "Burglary")  # 2024-03
    for when in ("2024-03-05 10:00", "2024-04-05 10:00"):
        incident_service.record(IncidentInput(kind="farm_burglary", occurred_start=when, lat=THAXTED[0],
                                              lon=THAXTED[1]))
    assert analysis.hotspots(HotspotQuery(method="grid", source="published")).points == 1
    assert analysis.hotspots(HotspotQuery(method="grid", source="incidents")).points == 2
    both = analysis.hotspots(HotspotQuery(method="grid", source="all"))
    assert both.points == 2  # March's published burglary and April's of ours, not March's of ours as well
    assert both.total_weight == pytest.approx(245.91 + 183.5)
    assert both.to_dict()["months"] == {"published": ["2024-03"], "incidents": ["2024-04"]}


# The officers' incidents are read straight into arrays for a hotspot run (no pandas: patrol plans and the demo
# start without it). The ranking must be the one the frames of `points` give, number for number.
@pytest.mark.parametrize("method", ["grid", "kde", "gistar"])
@pytest.mark.parametrize(("weight", "area", "kinds", "months"), [
    ("harm", None, (), (None, None)),
    ("count", "Uttlesford", ("hare_coursing", "equipment_theft"), ("2025-06", "2026-10")),
    ("harm", "Thaxted, Uttlesford", (), ("2025-01", None)),
])
def test_incident_hotspots_from_arrays_are_those_of_the_frames(analysis, incident_service: IncidentService, method,
                                                              weight, area, kinds, months):
    from datetime import UTC, datetime

    from ruralwatch.analysis import hotspots as hs
    from ruralwatch.services.demo import load_demo

    load_demo(incident_service, count=400, now=datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
    query = HotspotQuery(method=method, weight=weight, source="incidents", month_from=months[0], month_to=months[1],
                         top_n=60, cell_m=500, area=area, kinds=kinds)
    run = analysis.hotspots(query)

    points = analysis.points("incidents", query.month_from, query.month_to, weight, area)
    if kinds:
        points = points[points["label"].isin(kinds)].reset_index(drop=True)
    points, outside = analysis.clip_to_force(points)
    grid, mask, _study = analysis.study_area(points, query.cell_m, max(query.bandwidth_m, query.radius_m))
    if area:
        mask = mask & gridmod.study_area_mask(grid, gridmod.geometry_bng(analysis.find_area(area).geometry))
    surface, values = analysis.surface(method, points, grid, mask, query.bandwidth_m, query.radius_m)
    if values is not None:
        surface = np.where(values > 0, surface, np.nan)
    expected = hs.rank_hotspots(surface, mask, grid, query.top_n, {"grid": "count", "kde": "kde", "gistar": "gistar"}[
        method], values=values)
    assert expected
    assert repr(run.hotspots) == repr(expected)  # repr: z and p may be NaN
    assert (run.points, run.outside_force) == (len(points), outside)
    assert run.total_weight == float(points["weight"].sum())


def test_incident_month_filter(analysis, incident_service: IncidentService):
    for when in ("2024-02-10 12:00", "2024-03-10 12:00"):
        incident_service.record(IncidentInput(kind="fly_tipping", occurred_start=when, lat=51.8, lon=0.6))
    assert list(analysis.points("incidents", "2024-03", "2024-03")["month"]) == ["2024-03"]
    assert len(analysis.points("incidents", None, "2024-02")) == 1
    assert len(analysis.points("incidents", "2024-04")) == 0


def test_incident_month_is_the_local_month(analysis, incident_service: IncidentService):
    incident_service.record(IncidentInput(kind="hare_coursing", occurred_start="2024-04-01 00:30",
                                          lat=THAXTED[0], lon=THAXTED[1]))
    april = analysis.points("incidents", "2024-04", "2024-04")
    assert list(april["month"]) == ["2024-04"]


# --- study area ---------------------------------------------------------------------------------------------------


def test_data_outside_the_force_is_left_out_counted_and_said(analysis, published):
    # Issue 17: the study area is the force's, never the data's extent; crime outside it is counted, not mixed in.
    east, north = MANCHESTER
    published.add(east, north, "Burglary", times=3)
    published.add(east + 2000, north + 1000, "Robbery")
    published.add(*CHELMSFORD, "Burglary")  # one Essex crime among four elsewhere
    run = analysis.hotspots(HotspotQuery(method="grid", weight="count", top_n=5))
    assert run.study_area == "Essex Police force area"
    assert run.area_km2 == pytest.approx(3676, rel=0.02)
    assert (run.points, run.outside_force) == (1, 4)
    assert "4 of 5 crimes lie outside the Essex Police force area" in run.warning
    assert _cells(run) == [CHELMSFORD]
    assert run.to_dict()["outside_force"] == 4


def test_data_only_outside_the_force_gives_no_hotspots_and_a_warning(analysis, published):
    east, north = MANCHESTER
    published.add(east, north, "Burglary", times=2)
    published.add(east + 2000, north + 1000, "Robbery")
    run = analysis.hotspots(HotspotQuery(method="kde", weight="count", top_n=3))
    assert run.study_area == "Essex Police force area"
    assert (run.points, run.outside_force, run.hotspots) == (0, 3, [])
    assert "3 of 3 crimes" in run.warning


def test_study_area_keeps_essex_when_most_data_is_inside(analysis, published):
    published.add(*MANCHESTER, "Burglary")
    published.add(*CHELMSFORD, "Burglary", times=2)
    run = analysis.hotspots(HotspotQuery(method="grid", weight="count"))
    assert run.study_area == "Essex Police force area"
    assert _cells(run) == [CHELMSFORD]  # the Manchester crime lies outside the study area


# --- forecast accuracy --------------------------------------------------------------------------------------------


def _repeat_pattern(published: Published) -> list[int]:
    """60 one-km cells near Chelmsford with 1 to 4 crimes each, the same in January and in March."""
    counts = []
    for i in range(10):
        for j in range(6):
            times = 1 + (7 * i + 3 * j) % 4
            for month in ("2024-01", "2024-03"):
                published.add(560_500 + 1000 * i, 200_500 + 1000 * j, "Other theft", month=month, times=times)
            counts.append(times)
    return counts


def test_evaluate_reports_every_method_at_each_area_share(analysis, published):
    per_month = sum(_repeat_pattern(published))
    result = analysis.evaluate("2024-01", "2024-01", "2024-03", "2024-03", cell_m=1000, bandwidth_m=1000,
                               radius_m=1000)
    assert set(result["methods"]) == {"naive", "grid", "kde", "gistar", "blend"}
    for name, figures in result["methods"].items():
        for measure in ("pai", "pei", "hit_rate", "cells"):
            assert set(figures[measure]) == {"0.01", "0.03", "0.05"}, (name, measure)
        for share in ("0.01", "0.03", "0.05"):
            assert 0 <= figures["pei"][share] <= 1 + 1e-9
            assert figures["pai"][share] >= 0
    assert result["cell_m"] == 1000
    assert result["area_km2"] == pytest.approx(3676, rel=0.02)
    assert result["study_area"] == "Essex Police force area"
    assert result["train"] == {"from": "2024-01", "to": "2024-01", "crimes": per_month, "outside_force": 0,
                               "other_forces": 0, "no_location": 0, "other_types": 0}
    assert result["test"] == {"from": "2024-03", "to": "2024-03", "crimes": per_month, "outside_force": 0,
                              "other_forces": 0, "no_location": 0, "other_types": 0}
    assert result["types"] == "all" and "Crime types: all." in result["counted"]
    # About 3,676 one-km cells: 1% is 37 cells, fewer than the 60 with crime, so the choice matters.
    cells = result["methods"]["naive"]["cells"]
    assert cells["0.01"] == math.ceil(0.01 * result["area_km2"])


def test_naive_forecast_is_perfect_when_the_test_repeats_the_training(analysis, published):
    counts = _repeat_pattern(published)
    result = analysis.evaluate("2024-01", "2024-01", "2024-03", "2024-03", cell_m=1000, bandwidth_m=1000,
                               radius_m=1000)
    naive = result["methods"]["naive"]
    assert naive["pei"] == {"0.01": 1.0, "0.03": 1.0, "0.05": 1.0}
    # At 1% (37 one-km cells) the naive forecast picks the 37 busiest of the 60 cells with crime.
    k = naive["cells"]["0.01"]
    assert k == 37
    captured = sum(sorted(counts, reverse=True)[:k])
    assert captured < sum(counts)
    assert naive["hit_rate"]["0.01"] == pytest.approx(captured / sum(counts))
    area_share = k / result["area_km2"]  # one-km cells: cells == km2 (area_km2 is rounded to 0.1)
    assert naive["pai"]["0.01"] == pytest.approx((captured / sum(counts)) / area_share, rel=1e-3)
    # Smoothing spreads the forecast onto empty cells, so KDE cannot beat the perfect naive forecast.
    assert result["methods"]["kde"]["pei"]["0.01"] <= 1.0


def test_evaluate_weights_training_by_harm_when_asked(analysis, published):
    published.add(*CHELMSFORD, "Burglary", month="2024-01")
    published.add(*COLCHESTER, "Shoplifting", month="2024-01", times=3)
    published.add(*CHELMSFORD, "Burglary", month="2024-02")
    by_count = analysis.evaluate("2024-01", "2024-01", "2024-02", "2024-02", weight="count")
    by_harm = analysis.evaluate("2024-01", "2024-01", "2024-02", "2024-02", weight="harm")
    assert by_count["weight"] == "count" and by_harm["weight"] == "harm"
    # Both forecasts' 1% (588 cells) hold both training cells, so the single test crime is always captured.
    assert by_harm["methods"]["grid"]["hit_rate"]["0.01"] == 1.0
    assert by_count["methods"]["grid"]["hit_rate"]["0.01"] == 1.0


@pytest.mark.parametrize(
    "months",
    [
        ("2024-03", "2024-03", "2024-03", "2024-03"),  # the same month
        ("2024-01", "2024-03", "2024-03", "2024-04"),  # overlapping
        ("2024-03", "2024-04", "2024-01", "2024-02"),  # test before training
        ("2024-02", "2024-01", "2024-03", "2024-03"),  # training ends before it starts
        ("2024-01", "2024-01", "2024-03", "2024-02"),  # test ends before it starts
    ],
)
def test_evaluate_requires_the_test_period_after_training(analysis, published, months):
    published.add(*CHELMSFORD, "Burglary", month="2024-01")
    published.add(*CHELMSFORD, "Burglary", month="2024-03")
    with pytest.raises(ValidationError) as caught:
        analysis.evaluate(*months)
    assert caught.value.errors[0].field in {"test_from", "train_from", "train_to", "test_to"}


@pytest.mark.parametrize("bad", ["", "2024-13", "2024-1", "24-01", "2024/01", "January"])
def test_evaluate_rejects_months_that_are_not_months(analysis, bad):
    with pytest.raises(ValidationError):
        analysis.evaluate("2024-01", "2024-01", bad, "2024-04")


def test_evaluate_without_data_in_a_period_is_a_validation_error(analysis, published):
    published.add(*CHELMSFORD, "Burglary", month="2024-01")
    with pytest.raises(ValidationError, match="no data for any test month"):
        analysis.evaluate("2024-01", "2024-01", "2024-02", "2024-02")


# --- harm by area, concentration, repeats -------------------------------------------------------------------------


def test_by_area_puts_thaxted_in_uttlesford_and_sums_harm(analysis, published):
    published.add_lat_lon(*THAXTED, "Burglary")
    published.add_lat_lon(*THAXTED, "Robbery")
    published.add_lat_lon(*THAXTED, "Anti-social behaviour")
    published.add(*CHELMSFORD, "Shoplifting", times=2)
    frame = analysis.by_area()
    assert len(frame) == 14
    rows = frame.set_index("area")
    assert rows.loc["Uttlesford", "count"] == 3
    assert rows.loc["Uttlesford", "harm"] == pytest.approx(245.91 + 365.0, abs=0.05)
    assert rows.loc["Uttlesford", "harm_per_km2"] == pytest.approx((245.91 + 365) / rows.loc["Uttlesford",
                                                                                            "area_km2"], abs=0.01)
    assert rows.loc["Chelmsford", "count"] == 2 and rows.loc["Chelmsford", "harm"] == 2.0
    assert frame.iloc[0]["area"] == "Uttlesford"  # highest harm first
    assert frame["harm"].is_monotonic_decreasing
    others = rows.drop(index=["Uttlesford", "Chelmsford"])
    assert (others["count"] == 0).all() and (others["harm"] == 0).all()


def test_by_area_at_ward_level(analysis, published):
    published.add_lat_lon(*THAXTED, "Burglary")
    frame = analysis.by_area("ward")
    top = frame.iloc[0]
    assert (top["area"], top["count"]) == ("Thaxted, Uttlesford", 1)
    assert top["harm"] == pytest.approx(245.9, abs=0.05)
    assert frame["count"].sum() == 1


def test_by_area_respects_months_and_source(analysis, published, incident_service: IncidentService):
    published.add_lat_lon(*THAXTED, "Burglary", month="2024-01")
    incident_service.record(IncidentInput(kind="hare_coursing", occurred_start="2024-03-05 10:00",
                                          lat=THAXTED[0], lon=THAXTED[1]))
    rows = analysis.by_area(month_from="2024-02").set_index("area")
    assert rows["count"].sum() == 0
    rows = analysis.by_area(source="incidents").set_index("area")
    assert (rows.loc["Uttlesford", "count"], rows.loc["Uttlesford", "harm"]) == (1, 10.0)
    rows = analysis.by_area(source="all").set_index("area")
    assert rows.loc["Uttlesford", "count"] == 2


@pytest.mark.parametrize("bad", ["2024-1", "2019-13", "March"])
def test_by_area_rejects_bad_months(analysis, published, bad):
    published.add_lat_lon(*THAXTED, "Burglary", month="2024-03")
    with pytest.raises(ValidationError):
        analysis.by_area(month_from=bad)


def test_concentration_shares_and_repeat_places(analysis, published):
    # 3 crimes at one place, 2 at another, 1 each at 200 more places, all in different cells.
    published.add(*CHELMSFORD, "Burglary", location="On or near Mill Lane", times=3)
    published.add(*COLCHESTER, "Vehicle crime", location="On or near Station Road", times=2)
    for n in range(200):
        published.add(560_125 + 250 * (n % 20), 195_125 + 250 * (n // 20), "Shoplifting",
                      location=f"On or near Street {n}")
    result = analysis.concentration()
    assert result["crimes"] == 205
    assert result["places"] == 202
    assert result["repeat_places"] == 2
    assert result["crimes_at_repeat_places"] == 5
    assert result["share_at_repeat_places"] == pytest.approx(5 / 205, abs=1e-4)
    total = 3 * 245.91 + 2 * 5.0 + 200 * 1.0
    assert result["total_harm"] == pytest.approx(total, abs=0.05)
    shares = result["harm_share_top_cells"]
    assert set(shares) == {"0.01", "0.05"}
    for share in shares.values():
        assert 0 < share <= 1
    # 1% of about 58,800 cells is far more than the 202 cells with crime: all harm lies in the top cells.
    assert shares["0.01"] == 1.0


def _study_cells(cell_m: float) -> int:
    """Cells of the Essex study area at this cell size (computed independently of the service)."""
    force = gridmod.force_area_bng()
    grid = gridmod.Grid.covering(*gridmod.polygon_bounds(force), cell_m, margin_m=0.0)
    return int(np.count_nonzero(gridmod.study_area_mask(grid, force)))


def test_concentration_share_below_one_when_harm_is_spread(analysis, published):
    # With 5 km cells Essex has about 150 cells: the top 1% is 2 cells, and harm sits in 3 cells.
    published.add(570_500, 207_500, "Robbery")  # 365
    published.add(590_500, 222_500, "Robbery")  # 365
    published.add(560_500, 192_500, "Robbery", times=2)  # 730
    result = analysis.concentration(cell_m=5000)
    n_cells = math.ceil(0.01 * _study_cells(result["cell_m"]))
    assert n_cells == 2
    assert result["harm_share_top_cells"]["0.01"] == pytest.approx((730 + 365) / 1460, abs=1e-4)
    assert result["harm_share_top_cells"]["0.05"] == 1.0


def test_concentration_without_harm_has_no_shares(analysis, published):
    published.add(*CHELMSFORD, "Anti-social behaviour", times=2)
    result = analysis.concentration()
    assert result["total_harm"] == 0
    assert result["harm_share_top_cells"] == {"0.01": None, "0.05": None}
    assert (result["crimes"], result["repeat_places"], result["crimes_at_repeat_places"]) == (2, 1, 2)


def test_concentration_on_an_empty_database(analysis):
    result = analysis.concentration()
    assert (result["crimes"], result["places"], result["share_at_repeat_places"]) == (0, 0, None)


# --- timing -------------------------------------------------------------------------------------------------------


def test_timing_of_published_crime_marks_missing_months(analysis, published):
    published.add(*CHELMSFORD, "Burglary", month="2024-01", times=2)
    published.add(*CHELMSFORD, "Burglary", month="2024-03")
    trend = analysis.timing("published")["monthly_trend"]
    assert list(trend["month"]) == ["2024-01", "2024-02", "2024-03"]
    counts = trend["count"].tolist()
    assert counts[0] == 2 and counts[2] == 1
    assert pd.isna(counts[1])  # no published file for February: unknown, not zero


def test_the_whole_forces_monthly_trend_counts_crimes_published_without_a_location(analysis, published):
    """A Norfolk walk's chart read 6,463 crimes for 2018-10 against the 6,624 rows of that month's file: the 161
    published without a location were left out. They count for the whole force (no district can claim them)."""
    published.add(*CHELMSFORD, "Burglary", month="2024-01", times=2)
    published.add(None, None, "Burglary", month="2024-01", times=3)
    published.add(*CHELMSFORD, "Burglary", month="2024-02")
    trend = analysis.timing("published")["monthly_trend"]
    assert trend["count"].tolist() == [5, 1]
    district = analysis.timing("published", area="Chelmsford")["monthly_trend"]
    assert district["count"].tolist() == [2, 1]


def test_timing_of_incidents(analysis, incident_service: IncidentService):
    incident_service.record(IncidentInput(kind="hare_coursing", occurred_start="2024-01-09 21:00",
                                          lat=THAXTED[0], lon=THAXTED[1]))  # a Tuesday, 21:00 GMT
    incident_service.record(IncidentInput(kind="fly_tipping", occurred_start="2024-01-10 08:00",
                                          lat=THAXTED[0], lon=THAXTED[1]))
    result = analysis.timing("incidents")
    assert result["hour_by_weekday"].loc["Tue", 21] == 1
    assert result["hour_by_weekday"].to_numpy().sum() == 2
    assert result["season"].loc["2023/24", "Jan"] == 1
    assert result["monthly_trend"]["count"].tolist() == [2]
    only_hare = analysis.timing("incidents", kinds=("fly_tipping",))
    assert only_hare["hour_by_weekday"].to_numpy().sum() == 1


# --- query validation ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"method": "hexbin"}, "method"),
        ({"method": "count"}, "method"),
        ({"weight": "cost"}, "weight"),
        ({"source": "twitter"}, "source"),
        ({"month_from": "2019-13"}, "from"),
        ({"month_from": "2019-1"}, "from"),
        ({"month_to": "2019/01"}, "to"),
        ({"month_to": "next month"}, "to"),
        ({"month_from": "2024-03", "month_to": "2024-02"}, "to"),
        ({"top_n": 0}, "top"),
        ({"top_n": -3}, "top"),
        ({"top_n": 1001}, "top"),
        ({"cell_m": 10}, "cell_m"),
        ({"cell_m": 250, "bandwidth_m": 100}, "bandwidth_m"),
        ({"bandwidth_m": 25_000}, "bandwidth_m"),
    ],
)
def test_hotspot_query_checked_rejects_bad_values(changes, field):
    with pytest.raises(ValidationError) as caught:
        HotspotQuery(**changes).checked()
    assert [e.field for e in caught.value.errors] == [field]


@pytest.mark.parametrize("bad", [
    "2019-Q1", "2019-M1", "2019-1 ", " 2019-01", "2019-01 ",
    "2019-01\n",
])
def test_hotspot_query_rejects_text_that_is_not_yyyy_mm(bad):
    with pytest.raises(ValidationError):
        HotspotQuery(month_from=bad).checked()


@pytest.mark.parametrize("call", [
    lambda a: a.by_area(level="county"),
    lambda a: a.points(source="twitter"),
    lambda a: a.concentration(source="twitter"),
    lambda a: a.evaluate("2024-01", "2024-01", "2024-02", "2024-02", weight="cost"),
], ids=["by_area-level", "points-source", "concentration-source", "evaluate-weight"])
def test_other_analyses_reject_unknown_options(analysis, published, call):
    published.add(*CHELMSFORD, "Burglary", month="2024-01")
    published.add(*CHELMSFORD, "Burglary", month="2024-02")
    with pytest.raises(ValidationError):
        call(analysis)


def test_hotspot_query_checked_accepts_good_values():
    query = HotspotQuery(method="gistar", weight="count", source="all", month_from="2019-01", month_to="2019-12",
                         top_n=1000, cell_m=50, bandwidth_m=50)
    assert query.checked() is query
    assert HotspotQuery().checked() == HotspotQuery()


def test_hotspots_checks_the_query_first(analysis):
    with pytest.raises(ValidationError):
        analysis.hotspots(HotspotQuery(month_from="2019-13"))


def test_hotspots_and_areas_each_say_what_they_counted_and_left_out(store: Store) -> None:
    """A Norfolk walk read 30,061 crimes in Hotspots and 30,313 in Areas for the same data, and neither said why:
    hotspots count inside the force outline (ONS 2020), areas every located crime in the districts held (2013)."""
    from pathlib import Path

    from ruralwatch.services.container import Services

    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "police-uk-other-forces"
    services = Services.build(store)
    services.published.import_paths(sorted(fixtures.glob("*.csv")))  # Suffolk's three months and Norfolk's one
    services.geography.use_force("Suffolk")
    run = services.analysis.hotspots(HotspotQuery())
    frame, counted = services.analysis.by_area_counted()
    # The same crimes, told apart: the areas' total is the hotspots' plus those outside the force outline.
    assert int(frame["count"].sum()) == run.points + run.outside_force == 1291 and run.outside_force == 11
    assert run.counted() == (
        "Counted: 1,280 crimes inside the Suffolk Police force area (its outline: ONS Police Force Areas, December "
        "2020). Crime types: all. Not counted: 11 outside the force outline, 21 without a location, 220 of other "
        "forces.")
    assert counted == (
        "Counted: 1,291 crimes with a location in the districts held (ONS local authority districts (2013), "
        "shipped), 10 of them outside every district (the last row); 11 of them lie outside the force outline (ONS "
        "Police Force Areas, December 2020), which Hotspots counts within. Crime types: all. Not counted: 21 without a "
        "location, 220 of other forces.")
    assert frame.iloc[-1]["area"] == "(outside every district)" and frame.iloc[-1]["count"] == 10
    ipswich = services.analysis.hotspots(HotspotQuery(area="Ipswich")).counted()
    assert ipswich.startswith("Counted: 424 crimes in Ipswich, inside the force area")
    assert "21 without a location (force-wide)" in ipswich
