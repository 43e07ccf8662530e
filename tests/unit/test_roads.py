"""Routes on real roads: an OSM file read into a network, shortest-time routes, plans timed by road, and a bad
extract refused with the previous network kept. The OSM files are written by tests/osm_fixture.py."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import osm_fixture as town
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ruralwatch.core.patrol_plan import PlanSettings
from ruralwatch.io.osm_roads import RoadNetworkError, load_network, read_osm
from ruralwatch.patrols.plan import BY_ROAD, Candidate, replan, suggest_plan
from ruralwatch.patrols.roads import (
    CONNECTOR_KMH,
    ROAD_CLASSES,
    RoadRouter,
    build_network,
    segment_metres,
    way_direction,
    way_speed_kmh,
)
from ruralwatch.patrols.route import distance_matrix
from ruralwatch.services.roads import RoadService
from ruralwatch.store import Store

START = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
END = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def router(tmp_path_factory: pytest.TempPathFactory) -> RoadRouter:
    network, ways = read_osm(town.write_river_town(tmp_path_factory.mktemp("osm") / "river.osm"))
    assert ways == 4  # two banks, the road bridge, the loop: the footbridge and the river are not roads
    return RoadRouter(network)


def _minutes(metres: float, kmh: float) -> float:
    return metres / (kmh / 3.6) / 60.0


def test_across_the_river_the_route_follows_the_one_road_bridge(router: RoadRouter) -> None:
    times = router.times([town.SOUTH_STOP, town.NORTH_STOP])
    assert times is not None
    path = times.path(0, 1)
    assert (town.RIVER_LAT, town.BRIDGE_LON) in path  # over Mill Bridge ...
    assert all(lon != town.FOOTBRIDGE_LON or lat != town.RIVER_LAT for lat, lon in path)  # ... not the footbridge
    # By hand: along South Street to the bridge (tertiary), over it, back along North Lane (unclassified),
    # plus the two short drives between each stop and its road.
    along = float(segment_metres(np.array(town.SOUTH_LAT), np.array(0.235), np.array(town.SOUTH_LAT),
                                 np.array(town.BRIDGE_LON)))
    bridge = float(segment_metres(np.array(town.SOUTH_LAT), np.array(town.BRIDGE_LON), np.array(town.NORTH_LAT),
                                  np.array(town.BRIDGE_LON)))
    connectors = float(segment_metres(np.array(town.SOUTH_STOP[0]), np.array(0.235), np.array(town.SOUTH_LAT),
                                      np.array(0.235))) * 2
    expected = (_minutes(along, ROAD_CLASSES["tertiary"].kmh) + _minutes(bridge, ROAD_CLASSES["tertiary"].kmh)
                + _minutes(along, ROAD_CLASSES["unclassified"].kmh) + _minutes(connectors, CONNECTOR_KMH))
    # (The roads follow their 0.005° steps along a parallel; the hand figure takes each bank as one great-circle
    # stretch, which is shorter by about 1 in 10,000.)
    assert times.minutes[0, 1] == pytest.approx(expected, rel=1e-3)
    straight = distance_matrix([town.SOUTH_STOP, town.NORTH_STOP])[0, 1] * 1.4 / (48_000 / 60)
    assert times.minutes[0, 1] > 5 * straight  # the straight line would cross the river where no road does


def test_one_way_roads_are_driven_one_way(router: RoadRouter) -> None:
    times = router.times([town.SOUTH_STOP, town.LOOP_STOP])
    assert times is not None
    # Into Loop Close from its west end; out of it only by its east end and back along South Street.
    assert times.minutes[1, 0] > times.minutes[0, 1] + 0.5
    assert (town.LOOP_LAT, 0.240) in times.path(0, 1)
    assert (town.LOOP_LAT, 0.250) in times.path(1, 0)


def test_two_stops_along_one_lane_are_driven_straight_along_it(router: RoadRouter) -> None:
    west, east = (town.NORTH_LAT + 0.0001, 0.245), (town.NORTH_LAT + 0.0001, 0.265)
    times = router.times([west, east, town.SOUTH_STOP])
    assert times is not None
    lane = float(segment_metres(np.array(town.NORTH_LAT), np.array(0.245), np.array(town.NORTH_LAT), np.array(0.265)))
    connector = float(segment_metres(np.array(west[0]), np.array(0.245), np.array(town.NORTH_LAT), np.array(0.245)))
    expected = _minutes(lane, ROAD_CLASSES["unclassified"].kmh) + _minutes(2 * connector, CONNECTOR_KMH)
    assert times.minutes[0, 1] == pytest.approx(expected, rel=1e-3)
    assert times.minutes[1, 0] == pytest.approx(expected, rel=1e-3)  # a two-way lane
    assert times.path(0, 1) == (west, *((town.NORTH_LAT, lon) for lon in (0.245, 0.25, 0.255, 0.26, 0.265)), east)
    # From the lane to the south bank: east to the bridge, over it, back west.
    assert (town.RIVER_LAT, town.BRIDGE_LON) in times.path(1, 2)


def test_a_place_away_from_every_road_is_not_covered(router: RoadRouter) -> None:
    assert router.times([town.SOUTH_STOP, town.FAR_STOP]) is None
    assert not router.covers([town.FAR_STOP])


def test_a_plan_in_the_network_is_timed_and_drawn_by_road(router: RoadRouter) -> None:
    stops = [Candidate("a", *town.SOUTH_STOP, 5.0, "South bank", ""),
             Candidate("b", *town.NORTH_STOP, 4.0, "North bank", "")]
    plan = replan(stops, START, END, PlanSettings(), start_point=None, roads=router)
    assert plan.basis == BY_ROAD and plan.by_road
    times = router.times([town.SOUTH_STOP, town.NORTH_STOP])
    assert times is not None
    assert plan.stops[1].travel_minutes == pytest.approx(times.minutes[0, 1])
    assert plan.route_path[0] == town.SOUTH_STOP and plan.route_path[-1] == town.NORTH_STOP
    assert (town.RIVER_LAT, town.BRIDGE_LON) in plan.route_path

    suggested = suggest_plan(stops, START, END, PlanSettings(), start_point=town.SOUTH_STOP, roads=router)
    assert suggested.by_road and len(suggested.stops) == 2
    assert suggested.route_path[0] == suggested.route_path[-1] == town.SOUTH_STOP  # out and back to base
    assert suggested.travel_minutes == pytest.approx(times.minutes[0, 1] + times.minutes[1, 0], rel=1e-6)


def test_a_plan_outside_the_network_says_straight_line(router: RoadRouter) -> None:
    stops = [Candidate("a", *town.SOUTH_STOP, 5.0, "South bank", ""), Candidate("far", *town.FAR_STOP, 4.0, "Far", "")]
    plan = replan(stops, START, END, PlanSettings(road_factor=1.3), roads=router)
    assert plan.basis == "straight line × 1.3" and not plan.by_road and plan.route_path == ()
    without = replan(stops, START, END, PlanSettings(road_factor=1.3))
    assert without.travel_minutes == plan.travel_minutes


def test_drivable_ways_speeds_and_one_way_rules() -> None:
    assert way_speed_kmh({"highway": "footway"}) is None
    assert way_speed_kmh({"highway": "bridleway"}) is None
    assert way_speed_kmh({"highway": "track", "access": "private"}) is None
    assert way_speed_kmh({"highway": "secondary", "maxspeed": "30 mph"}) == pytest.approx(30 * 1.609344)
    assert way_speed_kmh({"highway": "secondary", "maxspeed": "national"}) == ROAD_CLASSES["secondary"].kmh
    assert way_speed_kmh({"highway": "unclassified", "motor_vehicle": "yes", "access": "no"}) is not None
    assert way_direction({"highway": "motorway"}) == 1
    assert way_direction({"highway": "primary", "junction": "roundabout"}) == 1
    assert way_direction({"highway": "primary", "oneway": "-1"}) == -1
    assert way_direction({"highway": "motorway", "oneway": "no"}) == 0
    speeds = [c.kmh for c in ROAD_CLASSES.values()]
    assert max(speeds) <= 70 * 1.609344  # never above the national limit


# --- properties of the router -----------------------------------------------------------------------------------


def _grid_network(size: int, seed: int) -> RoadRouter:
    """A size x size street grid ~300 m apart with a shape point half-way along each street, random road classes
    and one street in five one-way."""
    rng = np.random.default_rng(seed)
    step = 0.0027
    lat = np.repeat(52.0 + np.arange(2 * size - 1) * step / 2, 2 * size - 1)
    lon = np.tile(0.3 + np.arange(2 * size - 1) * step / 2 * 1.6, 2 * size - 1)
    index = np.arange(len(lat)).reshape(2 * size - 1, 2 * size - 1)
    froms, tos, kmh = [], [], []
    speeds = [c.kmh for c in ROAD_CLASSES.values()]
    for streets in (index[::2, :], index[:, ::2].T):  # rows of the grid, then its columns
        for row in streets:
            for k in range(0, len(row) - 2, 2):
                chain = row[k:k + 3]
                speed = float(rng.choice(speeds))
                direction = int(rng.integers(0, 5))  # 0: one-way, else both ways
                for u, v in zip(chain[:-1], chain[1:], strict=True):
                    froms.append(u)
                    tos.append(v)
                    kmh.append(speed)
                    if direction:
                        froms.append(v)
                        tos.append(u)
                        kmh.append(speed)
    return RoadRouter(build_network(lat, lon, np.array(froms), np.array(tos), np.array(kmh)))


GRID = _grid_network(8, seed=7)
SOUTH, WEST, NORTH, EAST = GRID.network.extent
points = st.tuples(st.floats(SOUTH, NORTH), st.floats(WEST, EAST))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(points, min_size=3, max_size=6))
def test_routed_times_are_never_faster_than_the_crow_flies_at_top_speed(stops: list[tuple[float, float]]) -> None:
    times = GRID.times(stops)
    assert times is not None
    top_speed = max(c.kmh for c in ROAD_CLASSES.values()) / 3.6 * 60  # metres a minute
    straight = distance_matrix(stops)
    assert np.all(times.minutes + 1e-9 >= straight / top_speed)
    assert np.all(np.diag(times.minutes) == 0)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(points, min_size=3, max_size=6))
def test_routed_times_obey_the_triangle_inequality(stops: list[tuple[float, float]]) -> None:
    times = GRID.times(stops)
    assert times is not None
    m = times.minutes
    n = len(stops)
    via = m[:, :, None] + m[None, :, :]  # via[i, j, k] = i -> j -> k
    direct = m[:, None, :]
    assert np.all(direct <= via + 1e-6 * (1 + via)), "a detour through a third stop is never faster"
    for i in range(n):
        for j in range(n):
            path = times.path(i, j)
            assert path[0] == stops[i] and path[-1] == stops[j]


# --- the network beside the database ---------------------------------------------------------------------------


def test_import_replaces_the_file_and_a_bad_extract_keeps_the_previous(store: Store, tmp_path: Path) -> None:
    service = RoadService(store, clock=lambda: START)
    assert service.info() is None and service.router() is None
    info = service.import_file(town.write_river_town(tmp_path / "river.osm"))
    assert info.source == "river.osm" and info.nodes > 0 and info.edges > 0 and info.ways == 4
    assert service.path is not None and service.path.name == store.path.name + ".roads"
    before = service.path.read_bytes()
    for bad in (town.write_corrupt_pbf(tmp_path / "county.osm.pbf"), town.write_truncated_osm(tmp_path / "cut.osm"),
                tmp_path / "missing.osm.pbf", (tmp_path / "roads.csv")):
        with pytest.raises(RoadNetworkError, match="not") as refused:
            service.import_file(bad)
        assert "\n" not in str(refused.value)
        assert service.path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []
    router = service.router()
    assert router is not None and router.covers([town.SOUTH_STOP])
    assert service.router() is router  # loaded once


def test_a_damaged_network_file_is_named_and_plans_fall_back(store: Store, tmp_path: Path) -> None:
    service = RoadService(store)
    service.import_file(town.write_river_town(tmp_path / "river.osm"))
    assert service.path is not None
    network, info = load_network(service.path)
    assert info.nodes == network.node_count
    service.path.write_bytes(service.path.read_bytes()[:200])
    with pytest.raises(RoadNetworkError, match="damaged"):
        service.info()
    assert service.router() is None


def test_the_briefing_says_by_road_draws_the_road_and_credits_openstreetmap(store: Store, tmp_path: Path) -> None:
    from pypdf import PdfReader

    from ruralwatch.core.patrol import PatrolInput
    from ruralwatch.core.people import PersonInput
    from ruralwatch.services.container import Services

    services = Services.build(store, clock=lambda: START)
    officer = services.people.add(PersonInput(name="PC Road", role="officer", collar_number="PC9")).id
    record, _ = services.patrols.create(PatrolInput(
        day="2026-11-27", start="18:00", end="22:00", area="Uttlesford", purpose="general_rural_patrol",
        crew=[officer], call_sign="RURAL19", start_lat=town.SOUTH_STOP[0], start_lon=town.SOUTH_STOP[1],
    ))
    stops = [Candidate("north", *town.NORTH_STOP, 4.0, "North Lane", "")]
    services.patrols.edit_plan(record.id, stops)
    assert services.patrols.briefing(record.id).travel_basis == "straight line × 1.4"

    services.roads.import_file(town.write_river_town(tmp_path / "river.osm"))
    plan = services.patrols.edit_plan(record.id, stops)
    briefing = services.patrols.briefing(record.id)
    assert briefing.travel_basis == BY_ROAD and briefing.travel_minutes == pytest.approx(plan.travel_minutes)
    assert (town.RIVER_LAT, town.BRIDGE_LON) in briefing.route_path
    target = services.patrols.brief(record.id, tmp_path / "briefing.pdf")
    text = " ".join(page.extract_text() for page in PdfReader(target).pages)
    assert "(by road)" in text and "OpenStreetMap contributors" in text


def test_reading_roads_reports_a_note_and_cancel_changes_nothing(store: Store, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import ruralwatch.io.osm_roads as osm_roads
    from ruralwatch.core.errors import CancelledError

    monkeypatch.setattr(osm_roads, "PROGRESS_EVERY", 1)
    calls: list[tuple[int, int, str]] = []
    read_osm(town.write_river_town(tmp_path / "river.osm"), lambda d, t, n="": calls.append((d, t, n)) or True)
    assert calls[0] == (1, 0, "Reading river.osm: 1 roads read so far")
    service = RoadService(store)
    with pytest.raises(CancelledError):
        service.import_file(tmp_path / "river.osm", lambda _d, _t, _n="": False)
    assert service.info() is None and not service.path.exists()
