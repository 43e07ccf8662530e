"""Run by test_real_display.py on Xvfb: the map for a patrol as a new user saw it on a laptop's screen. With the
Patrols panel docked beside the map, a plan is fitted into the map's view clear of the key, the attribution does not
cover the scale bar, and closing the panel takes the route off the map."""

from __future__ import annotations

from conftest import screenshot
from PySide6.QtCore import Qt

# A plan around Saffron Walden, about 20 km across, with its base.
ROUTE = {"stops": [{"seq": n, "lat": lat, "lon": lon, "label": f"Stop {n}", "arrive": "06:10", "leave": "06:25"}
                   for n, (lat, lon) in enumerate([(52.02, 0.10), (52.05, 0.28), (51.95, 0.35), (51.90, 0.15)],
                                                  start=1)],
         "base": [52.0226, 0.2395]}


def _js(qtbot, window, script: str):
    result: list[object] = []
    window.map.run_js(script, result.append)
    qtbot.waitUntil(lambda: bool(result), timeout=10_000)
    return result[0]


def _boxes(qtbot, window) -> dict:
    return _js(qtbot, window, """(function () {
        const box = (e) => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
        return {scale: box(document.querySelector('.leaflet-control-scale')),
                attribution: box(document.querySelector('.leaflet-control-attribution')),
                legend: box(document.querySelector('.rw-legend')),
                stops: [...document.querySelectorAll('.rw-route-stop')].map(box),
                map: [0, 0, rw.leafletMap.getSize().x, rw.leafletMap.getSize().y]};
    })()""")


def _overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_a_plan_is_fitted_beside_the_patrols_panel(qtbot, window, shots) -> None:
    window.showMaximized()
    window.patrol_dock.toggleViewAction().trigger()
    qtbot.waitUntil(window.patrol_dock.isVisible, timeout=5_000)
    done: list[object] = []
    window.map.show_route(ROUTE, done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=10_000)
    # The window manager's maximise and the dock arrive as resizes: the route stays fitted through them.
    qtbot.waitUntil(lambda: _js(qtbot, window, "rw.routeInView()") is True, timeout=10_000)
    qtbot.waitUntil(lambda: _js(qtbot, window, "rw.leafletMap.getSize().x") == window.map.width(), timeout=10_000)
    qtbot.waitUntil(lambda: _js(qtbot, window, "rw.routeInView()") is True, timeout=10_000)
    boxes = _boxes(qtbot, window)
    assert len(boxes["stops"]) == 4
    for stop in boxes["stops"]:  # every pin whole on the map, none under the key
        assert boxes["map"][0] <= stop[0] and stop[2] <= boxes["map"][2], boxes
        assert boxes["map"][1] <= stop[1] and stop[3] <= boxes["map"][3], boxes
        assert not _overlap(stop, boxes["legend"]), boxes
    assert not _overlap(boxes["scale"], boxes["attribution"]), boxes
    screen = window.screen().size()
    screenshot(shots, f"map-patrol-{screen.width()}x{screen.height()}")

    # The user drags the panel wider: the map narrows and the plan is fitted into it again.
    before = window.map.width()
    window.resizeDocks([window.patrol_dock], [window.patrol_dock.width() + before // 2], Qt.Orientation.Horizontal)
    qtbot.waitUntil(lambda: window.map.width() <= before - 60, timeout=5_000)
    qtbot.waitUntil(lambda: _js(qtbot, window, "rw.leafletMap.getSize().x") == window.map.width(), timeout=10_000)
    qtbot.waitUntil(lambda: _js(qtbot, window, "rw.routeInView()") is True, timeout=10_000)

    window.patrol_dock.close()
    qtbot.waitUntil(lambda: _js(qtbot, window, "rw.panelLayerOnMap('route')") is False, timeout=10_000)
