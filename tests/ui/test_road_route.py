"""A patrol planned across the river of the test road network: the plan says "by road", and the map draws the
road route over the one bridge (not a straight line over the water) with the OpenStreetMap attribution."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import osm_fixture as town
import pytest
from map_helpers import run_js, shown_map
from PySide6.QtCore import QCoreApplication, QEvent

from ruralwatch.core.patrol import PatrolInput
from ruralwatch.core.people import PersonInput
from ruralwatch.patrols.plan import Candidate
from ruralwatch.services.container import Services
from ruralwatch.ui.operations import Operations
from ruralwatch.ui.patrol_panel import PatrolPanel

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def map_view(qtbot, tmp_path: Path) -> Iterator:
    with shown_map(qtbot, tmp_path / "page") as view:
        yield view


def _js(qtbot, view, script: str):
    return run_js(qtbot, view, script)


def test_the_map_draws_the_road_route_over_the_bridge(qtbot, services: Services, map_view, tmp_path: Path,
                                                      monkeypatch) -> None:
    monkeypatch.setattr(PatrolPanel, "confirm", lambda self, title, question: True)
    officer = services.people.add(PersonInput(name="PC Road", role="officer", collar_number="PC9")).id
    record, _ = services.patrols.create(PatrolInput(
        day="2026-11-27", start="18:00", end="22:00", area="Uttlesford", purpose="general_rural_patrol",
        crew=[officer], start_lat=town.SOUTH_STOP[0], start_lon=town.SOUTH_STOP[1],
    ))
    stops = [Candidate("south", *town.LOOP_STOP, 5.0, "Loop Close", ""),
             Candidate("north", *town.NORTH_STOP, 4.0, "North Lane", "")]
    straight = services.patrols.edit_plan(record.id, stops)
    assert straight.basis == "straight line × 1.4"

    # File ▸ Import road network… runs this use case off the UI thread.
    ops = Operations(services, None, lambda title, message: pytest.fail(message))
    imported: list[object] = []
    task = ops.run("Importing the road network…",
                   lambda svc, progress: svc.roads.import_file(town.write_river_town(tmp_path / "river.osm"),
                                                               progress), imported.append)
    qtbot.waitUntil(lambda: bool(imported), timeout=30_000)
    del task

    panel = PatrolPanel(services, map_view, ops)
    panel.resize(900, 800)
    panel.show()
    try:
        panel.open_patrol(record.id)
        assert "Travel timed by road" in panel.plan.totals.text()
        assert "OpenStreetMap" in panel.plan.totals.text()
        qtbot.waitUntil(lambda: _js(qtbot, map_view, "rw.routeStopCount()") == 2, timeout=10_000)
        # The road route: many points (along both banks and over Mill Bridge), not base-stop-stop-base.
        qtbot.waitUntil(lambda: _js(qtbot, map_view, "rw.routePathPoints()") > 10, timeout=10_000)
        assert panel.plan.plan is not None and (town.RIVER_LAT, town.BRIDGE_LON) in panel.plan.plan.route_path
        assert "OpenStreetMap contributors" in _js(qtbot, map_view, "rw.attributionText()")
        # The saved times follow the roads once the plan is saved again.
        retimed = services.patrols.edit_plan(record.id, stops)
        assert retimed.by_road and retimed.travel_minutes > 3 * straight.travel_minutes
    finally:
        qtbot.waitUntil(lambda: not ops.running, timeout=30_000)
        panel.dispose()
        panel.close()
        panel.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
