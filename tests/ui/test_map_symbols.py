"""The map for a patrol (issue 18): the route fitted into view, symbols told apart by shape and colour, a panel's
layers going with the panel, and a legend and attribution that leave the map readable when it is narrow."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from map_helpers import run_js, shown_map

from ruralwatch.core.kinds import KINDS
from ruralwatch.mapping.symbols import SYMBOLS

# A plan around Saffron Walden, about 20 km across: it fills a fitted map, so a narrower map cannot still hold it
# unless it is fitted again.
STOPS = [(52.02, 0.10), (52.05, 0.28), (51.95, 0.35), (51.90, 0.15)]
BASE = [52.0226, 0.2395]
ROUTE = {"stops": [{"seq": n, "lat": lat, "lon": lon, "label": f"Stop {n}", "arrive": "06:10", "leave": "06:25"}
                   for n, (lat, lon) in enumerate(STOPS, start=1)], "base": BASE}


def _cell(rank: int, lat: float, lon: float) -> dict:
    d = 0.003
    ring = [[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]
    return {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
            "properties": {"rank": rank, "value": 10.0 / rank, "z": None, "area": "Uttlesford"}}


HOTSPOTS = {"type": "FeatureCollection", "features": [_cell(1, 52.00, 0.20), _cell(2, 51.97, 0.25)]}
ZONES = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "geometry": {"type": "Point", "coordinates": [0.30, 51.93]},
     "properties": {"id": "z1", "kind": "Farm burglary", "place": "Hall Farm", "radius_m": 400.0,
                    "until": "2026-12-08 10:00", "earlier": 1}}]}

PREMISES = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "geometry": {"type": "Point", "coordinates": [0.31, 51.94]},
     "properties": {"id": f"p{n}", "name": f"Farm {n}", "kind": "Farm", "schemes": ["Farm Watch"], "repeat": repeat,
                    "incidents": int(repeat), "window_days": 365}} for n, repeat in enumerate((False, True))]}


@pytest.fixture
def map_view(qtbot, tmp_path: Path) -> Iterator:
    with shown_map(qtbot, tmp_path / "page", (1000, 640)) as view:
        yield view


def _js(qtbot, view, script: str):
    return run_js(qtbot, view, script)


def _show_route(qtbot, view) -> None:
    done: list[object] = []
    view.show_route(ROUTE, done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=10_000)


def _page_size(qtbot, view) -> list[float]:
    return _js(qtbot, view, "[rw.leafletMap.getSize().x, rw.leafletMap.getSize().y]")


def test_a_route_is_fitted_into_view_and_again_when_the_map_narrows(qtbot, map_view):
    map_view.run_js("rw.setView(53.5, -1.5, 9)")  # somewhere else entirely: Yorkshire
    _show_route(qtbot, map_view)
    qtbot.waitUntil(lambda: _js(qtbot, map_view, "rw.routeInView()") is True, timeout=10_000)
    wide_zoom = _js(qtbot, map_view, "rw.leafletMap.getZoom()")
    assert wide_zoom >= 9  # fitted to the route, not the whole county

    # A dock opens beside the map: the same route is fitted into the narrower map.
    map_view.resize(420, 640)
    qtbot.waitUntil(lambda: _page_size(qtbot, map_view)[0] < 500, timeout=10_000)
    qtbot.waitUntil(lambda: _js(qtbot, map_view, "rw.routeInView()") is True, timeout=10_000)
    assert _js(qtbot, map_view, "rw.leafletMap.getZoom()") < wide_zoom

    # Once the user has moved the map, a resize leaves their view alone.
    map_view.run_js("rw.setView(53.5, -1.5, 9)")
    qtbot.waitUntil(lambda: _js(qtbot, map_view, "rw.routeInView()") is False, timeout=10_000)
    map_view.resize(700, 640)
    qtbot.waitUntil(lambda: _page_size(qtbot, map_view)[0] > 600, timeout=10_000)
    assert _js(qtbot, map_view, "rw.routeInView()") is False


def test_the_fit_leaves_the_stops_clear_of_an_open_legend(qtbot, map_view):
    map_view.run_js("rw.setLegendFolded(false)")
    _show_route(qtbot, map_view)
    qtbot.waitUntil(lambda: _js(qtbot, map_view, "rw.routeInView()") is True, timeout=10_000)
    legend_left = _js(qtbot, map_view, "document.querySelector('.rw-legend').getBoundingClientRect().left")
    xs = _js(qtbot, map_view, "[...document.querySelectorAll('.rw-route-stop')]"
                              ".map((e) => e.getBoundingClientRect().right)")
    assert len(xs) == len(STOPS) and max(xs) <= legend_left


def test_stops_hotspots_clusters_and_incidents_differ_by_shape_and_colour(qtbot, map_view):
    # Two incidents at one farm (a cluster when zoomed out) and one on its own, far away.
    rows = [[1, 51.99, 0.22, 0, 0, 29000000, "Farm"], [2, 51.99, 0.2201, 8, 0, 29000000, "Farm"],
            [3, 51.70, 0.70, 9, 0, 29000000, "Lane"]]
    with qtbot.waitSignal(map_view.incidents_shown, timeout=10_000):
        map_view.show_incidents(json.dumps(rows))
    map_view.show_hotspots(HOTSPOTS)
    map_view.show_near_repeat_zones(ZONES)
    map_view.show_premises(PREMISES)
    _show_route(qtbot, map_view)
    map_view.run_js("rw.setView(51.85, 0.45, 9)")
    qtbot.waitUntil(lambda: _js(qtbot, map_view, "[document.querySelectorAll('.marker-cluster').length, "
                                                 "document.querySelectorAll('.rw-pin').length]") == [1, 1],
                    timeout=10_000)
    looks = _js(qtbot, map_view, """(function () {
        const style = (selector) => { const e = document.querySelector(selector); if (!e) return null;
          const s = getComputedStyle(e); return {radius: s.borderTopLeftRadius, fill: s.backgroundColor}; };
        const path = (selector) => { const e = document.querySelector(selector); return e ? {
          shape: e.getAttribute('d'), fill: e.getAttribute('fill')} : null; };
        return {stop: path('.rw-route-stop path'), base: path('.rw-route-base path'),
                hotspot: style('.rw-hotspot-badge .rw-sym-hotspot'), cluster: style('.marker-cluster div'),
                incident: style('.rw-pin span'),
                texts: [...document.querySelectorAll('.rw-route-stop, .rw-route-base, .rw-hotspot-badge')]
                  .map((e) => e.textContent)};
    })()""")
    # Stops are teardrop pins and the base a house (SVG paths, not round badges); hotspots square; clusters and
    # incidents round.
    assert looks["stop"]["shape"].startswith("M14 36.5") and looks["base"]["shape"].startswith("M13 2.5")
    assert looks["hotspot"]["radius"] == "0px"
    assert looks["cluster"]["radius"] not in ("", "0px") and looks["incident"]["radius"] not in ("", "0px")
    colours = {looks["stop"]["fill"].lower(), looks["base"]["fill"].lower(), looks["hotspot"]["fill"],
               looks["cluster"]["fill"]}
    assert len(colours) == 4
    # None of them carries a letter: only numbers (visit order, rank) or nothing (the base).
    letters = {kind.icon for kind in KINDS}
    assert all(text == "" or text.isdigit() for text in looks["texts"]), looks["texts"]
    assert not letters & set("".join(looks["texts"]))

    # The key names every symbol on the map, in the words the briefing pack uses.
    map_view.run_js("rw.setLegendFolded(false)")
    legend = _js(qtbot, map_view, "document.querySelector('.rw-legend').textContent")
    for symbol in SYMBOLS:
        assert symbol.name in legend, symbol.name


def test_the_legend_folds_on_a_narrow_map_and_the_attribution_leaves_the_scale_readable(qtbot, map_view):
    assert _js(qtbot, map_view, "rw.legendFolded()") is False  # 1000 px: room for the key
    map_view.resize(320, 420)
    qtbot.waitUntil(lambda: _page_size(qtbot, map_view)[0] < 400, timeout=10_000)
    qtbot.waitUntil(lambda: _js(qtbot, map_view, "rw.legendFolded()") is True, timeout=10_000)
    boxes = _js(qtbot, map_view, """(function () {
        const box = (s) => { const r = document.querySelector(s).getBoundingClientRect();
          return [r.left, r.top, r.right, r.bottom]; };
        return {scale: box('.leaflet-control-scale'), attribution: box('.leaflet-control-attribution'),
                legend: box('.rw-legend')};
    })()""")
    scale, attribution, legend = boxes["scale"], boxes["attribution"], boxes["legend"]
    assert scale[2] <= attribution[0] or attribution[3] <= scale[1], boxes  # side by side or one above the other
    assert (legend[2] - legend[0]) * (legend[3] - legend[1]) < 0.1 * 320 * 420  # the folded key is small
    map_view.resize(1000, 640)
    qtbot.waitUntil(lambda: _js(qtbot, map_view, "rw.legendFolded()") is False, timeout=10_000)


def test_a_panels_layers_leave_the_map_with_the_panel(qtbot, window):
    window.patrol_dock.toggleViewAction().trigger()
    qtbot.waitUntil(window.patrol_dock.isVisible, timeout=5_000)
    _show_route(qtbot, window.map)
    qtbot.waitUntil(lambda: _js(qtbot, window.map, "rw.panelLayerOnMap('route')") is True, timeout=10_000)
    window.analysis_dock.toggleViewAction().trigger()
    qtbot.waitUntil(window.analysis_dock.isVisible, timeout=5_000)
    window.map.show_hotspots(HOTSPOTS)
    qtbot.waitUntil(lambda: _js(qtbot, window.map, "rw.panelLayerOnMap('hotspots')") is True, timeout=10_000)

    window.patrol_dock.close()
    qtbot.waitUntil(lambda: _js(qtbot, window.map, "rw.panelLayerOnMap('route')") is False, timeout=10_000)
    assert _js(qtbot, window.map, "rw.panelLayerOnMap('hotspots')") is True  # the other panel is still open
    window.analysis_dock.close()
    qtbot.waitUntil(lambda: _js(qtbot, window.map, "rw.panelLayerOnMap('hotspots')") is False, timeout=10_000)

    window.patrol_dock.toggleViewAction().trigger()
    qtbot.waitUntil(lambda: _js(qtbot, window.map, "rw.panelLayerOnMap('route')") is True, timeout=10_000)
    assert _js(qtbot, window.map, "rw.routeStopCount()") == len(STOPS)
    window.analysis_dock.toggleViewAction().trigger()
    qtbot.waitUntil(lambda: _js(qtbot, window.map, "rw.panelLayerOnMap('hotspots')") is True, timeout=10_000)
