"""Map behaviour a user relies on: basemap tiles from MBTiles, click-to-place, selection in step, export."""

from __future__ import annotations

import base64
import shutil
import sqlite3
from pathlib import Path

import pytest

from ruralwatch.mapping.page import external_urls

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mbtiles"


def _js(qtbot, win, script: str):
    result: list[object] = []
    win.map.run_js(script, result.append)
    qtbot.waitUntil(lambda: bool(result), timeout=10_000)
    return result[0]


def _reload_with_basemap(qtbot, window, services, path: Path, name: str):
    with qtbot.waitSignal(window.map.incidents_shown, timeout=30_000):
        basemap = services.basemaps.add(path, name)
    return basemap


def test_tile_served_through_scheme_is_the_stored_blob(qtbot, window, services, tmp_path: Path):
    copy = tmp_path / "plain_3.mbtiles"
    shutil.copy(FIXTURES / "plain_3.mbtiles", copy)
    basemap = _reload_with_basemap(qtbot, window, services, copy, "Plain")
    assert _js(qtbot, window, "rw.baseLayerNames()") == ["Plain", "Plain background"]
    z, x, y = 8, 128, 84  # covers Essex
    window.map.run_js(
        f"(function(){{ window.__tile = null; fetch('rwtiles://{basemap.id}/{z}/{x}/{y}').then(r => r.arrayBuffer())"
        ".then(b => { let s = ''; new Uint8Array(b).forEach(c => s += String.fromCharCode(c)); "
        "window.__tile = btoa(s); }, e => { window.__tile = 'error ' + e; }); return 1; })()"
    )
    fetched: list[object] = []

    def arrived() -> bool:
        fetched.clear()
        fetched.append(_js(qtbot, window, "window.__tile"))
        return fetched[0] is not None

    qtbot.waitUntil(arrived, timeout=10_000)
    with sqlite3.connect(copy) as conn:
        tms_row = 2**z - 1 - y
        expected = conn.execute(
            "SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?", (z, x, tms_row)
        ).fetchone()[0]
    assert base64.b64decode(str(fetched[0])) == bytes(expected)
    assert window.tile_handler.served >= 1
    assert window.map.guard.blocked == []


def test_a_basemap_mixing_png_and_jpeg_serves_each_tile_with_its_own_type(qtbot, window, services, tmp_path: Path):
    """Some generators mix PNG and JPEG tiles in one file: every tile went out as the file's type (here image/png),
    JPEG ones included. A small file made here: zoom 1, the western tiles PNG, the eastern JPEG."""
    def first_tile(name: str, where: str) -> bytes:  # real tiles: one_tile's PNG, the Geography Class JPEGs
        conn = sqlite3.connect(FIXTURES / name)
        try:
            return bytes(conn.execute(f"SELECT tile_data FROM tiles WHERE {where} LIMIT 1").fetchone()[0])
        finally:
            conn.close()

    png_tile = first_tile("one_tile.mbtiles", "1")
    jpeg_tile = first_tile("geography-class-jpg.mbtiles", "zoom_level = 1")
    assert png_tile.startswith(b"\x89PNG") and jpeg_tile.startswith(b"\xff\xd8")
    mixed = tmp_path / "mixed.mbtiles"
    conn = sqlite3.connect(mixed)
    with conn:
        conn.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
        conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
        conn.executemany("INSERT INTO metadata VALUES (?, ?)", [("name", "Mixed"), ("format", "png")])
        conn.executemany("INSERT INTO tiles VALUES (1, ?, ?, ?)",
                         [(0, 0, png_tile), (0, 1, png_tile), (1, 0, png_tile), (1, 1, jpeg_tile)])
    conn.close()
    basemap = _reload_with_basemap(qtbot, window, services, mixed, "Mixed")
    window.map.run_js(
        "(function(){ window.__types = null; Promise.all(['0/0', '1/0', '1/1'].map(t => "
        f"fetch('rwtiles://{basemap.id}/1/' + t).then(r => r.headers.get('content-type'))))"
        ".then(t => { window.__types = t; }, e => { window.__types = ['error ' + e]; }); return 1; })()")
    types: list[object] = []

    def arrived() -> bool:
        types[:] = [_js(qtbot, window, "window.__types")]
        return types[0] is not None

    qtbot.waitUntil(arrived, timeout=10_000)
    # XYZ row 0 is TMS row 1 at zoom 1: 1/1/0 is the JPEG tile (column 1, TMS row 1), the others PNG.
    assert types[0] == ["image/png", "image/jpeg", "image/png"]


def test_bad_basemap_files_are_refused_and_map_still_works(qtbot, window, services, tmp_path: Path):
    not_sqlite = tmp_path / "notes.mbtiles"
    not_sqlite.write_text("this is not a tile set")
    truncated = tmp_path / "broken.mbtiles"
    truncated.write_bytes((FIXTURES / "plain_3.mbtiles").read_bytes()[:300_000])
    for bad in (not_sqlite, truncated, tmp_path / "missing.mbtiles"):
        assert window.add_basemap(bad, bad.stem, copy=False) is False, f"{bad} accepted"
    assert services.basemaps.list() == []
    assert len(window.problems) == 3
    assert all(p.startswith("Basemap not added: ") and "\n" not in p for p in window.problems)

    # A registered basemap whose file later disappears is reported and left out; the map still draws.
    moved = tmp_path / "one_tile.mbtiles"
    shutil.copy(FIXTURES / "one_tile.mbtiles", moved)
    _reload_with_basemap(qtbot, window, services, moved, "Tiny")
    moved.unlink()
    with qtbot.waitSignal(window.map.incidents_shown, timeout=30_000):
        window.map.load_page(window._usable_basemaps())
    assert window.basemap_problems and "Tiny" in window.basemap_problems[0]
    assert _js(qtbot, window, "rw.baseLayerNames()") == ["Plain background"]


def test_click_on_map_places_the_incident_in_the_form(qtbot, window):
    form = window.new_incident()
    form.pick_button.setChecked(True)
    qtbot.waitUntil(lambda: _js(qtbot, window, "rw.leafletMap.getContainer().className").find("rw-picking") >= 0,
                    timeout=10_000)
    window.map.run_js("rw.leafletMap.fire('click', { latlng: L.latLng(51.9540, 0.3440) })")
    qtbot.waitUntil(lambda: form.lat.text() != "", timeout=10_000)
    assert float(form.lat.text()) == pytest.approx(51.954, abs=1e-6)
    assert float(form.lon.text()) == pytest.approx(0.344, abs=1e-6)
    assert form.grid_ref.text().startswith("TL 6")  # Thaxted lies in square TL
    assert not form.pick_button.isChecked()
    assert "rw-picking" not in str(_js(qtbot, window, "rw.leafletMap.getContainer().className"))
    form.close()


def test_table_and_map_selection_stay_in_step(qtbot, window, hub_service):
    from ruralwatch.core.incident import IncidentInput

    first = hub_service.record(IncidentInput(kind="fly_tipping", occurred_start="2026-11-01 10:00",
                                             lat=51.95, lon=0.34, place="Lane A"))
    second = hub_service.record(IncidentInput(kind="fuel_theft", occurred_start="2026-11-02 10:00",
                                              lat=51.70, lon=0.70, place="Yard B"))
    with qtbot.waitSignal(window.map.incidents_shown, timeout=10_000):
        window.refresh()
    first_handle, second_handle = hub_service.map_handle(first.id), hub_service.map_handle(second.id)
    # Table -> map: selecting a row zooms to and highlights its marker.
    window.select_incident(first.id)
    qtbot.waitUntil(lambda: _js(qtbot, window, "rw.highlightedId()") == first_handle, timeout=10_000)
    assert _js(qtbot, window, f"rw.markerFor({first_handle}) !== null") is True
    # Map -> table: clicking a marker selects its row.
    window.map.run_js(f"rw.setView({second.lat}, {second.lon}, 16)")
    # Click it once it is a marker of its own: clustering settles after the move, so a marker found a moment ago
    # can be folded into a cluster again; clicking whatever is there now, until a click arrives, avoids that race.
    clicked: list[object] = []
    window.map.marker_clicked.connect(lambda *args: clicked.append(args))
    click = f"(function () {{ var m = rw.markerFor({second_handle}); if (m) {{ m.fire('click'); }} }})()"
    qtbot.waitUntil(lambda: bool(clicked) or window.map.run_js(click) or False, timeout=10_000)
    assert window.selected_id() == second.id


def test_export_png_and_standalone_html(qtbot, window, hub_service, tmp_path: Path):
    from ruralwatch.core.incident import IncidentInput

    hub_service.record(IncidentInput(kind="hare_coursing", occurred_start="2026-11-01 07:00", lat=51.95, lon=0.34,
                                     place="Stubble field"))
    with qtbot.waitSignal(window.map.incidents_shown, timeout=10_000):
        window.refresh()
    png = window.export_png(tmp_path / "map.png")
    assert png is not None and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with qtbot.waitSignal(window.map_page_exported, timeout=30_000) as exported:
        window.export_html(tmp_path / "map.html")
    html = exported.args[0].read_text(encoding="utf-8")
    assert external_urls(html) == []
    assert "file://" not in html  # everything is inlined, so the file works anywhere
    assert "Supercluster" in html and "Stubble field" in html


def test_a_basemap_copied_from_a_stick_keeps_working_once_the_stick_is_out(qtbot, window, services, tmp_path: Path):
    stick = tmp_path / "usb" / "essex.mbtiles"
    stick.parent.mkdir()
    shutil.copy(FIXTURES / "one_tile.mbtiles", stick)
    asked: list[Path] = []
    window.ask_copy_basemap = lambda path: asked.append(path) or True
    with qtbot.waitSignal(window.basemap_added, timeout=30_000) as added:
        assert window.add_basemap(stick, "Essex")
    assert asked == [stick] and added.args[0].managed
    stick.unlink()
    with qtbot.waitSignal(window.map.incidents_shown, timeout=30_000):
        window.map.load_page(window._usable_basemaps())
    assert window.basemap_problems == []
    assert "Essex" in _js(qtbot, window, "rw.baseLayerNames()")
    assert any("Essex" in action.text() for action in window.basemap_menu.actions())
    window.ask_copy_basemap = lambda path: None  # Cancel in the question: nothing happens
    assert window.add_basemap(tmp_path / "other.mbtiles") is False


def test_show_all_incidents_brings_every_incident_into_view(qtbot, window, hub_service):
    """A walk zoomed in on one farm had no way back to everything it had recorded but zooming out by hand: Map ▸
    Show all incidents (Ctrl+0) fits them all into the map."""
    from ruralwatch.core.incident import IncidentInput

    for lat, lon, place in ((51.95, 0.34, "Lane A"), (51.70, 0.70, "Yard B"), (51.55, 0.10, "Field C")):
        hub_service.record(IncidentInput(kind="fly_tipping", occurred_start="2026-11-01 10:00", lat=lat, lon=lon,
                                         place=place))
    with qtbot.waitSignal(window.map.incidents_shown, timeout=10_000):
        window.refresh()
    window.map.run_js("rw.setView(51.95, 0.34, 16)")
    qtbot.waitUntil(lambda: _js(qtbot, window, "rw.incidentsInView()") is False, timeout=10_000)
    assert window.fit_action.shortcut().toString() == "Ctrl+0"
    window.fit_action.trigger()
    qtbot.waitUntil(lambda: _js(qtbot, window, "rw.incidentsInView()") is True, timeout=10_000)


def test_a_map_with_no_basemap_says_how_to_add_one_until_one_is_added(qtbot, window, services, tmp_path: Path):
    """A first start showed a blank map but for the boundaries, with nothing saying why (nothing is fetched from
    the internet). A note says how to add a basemap; its × leaves a small line (the note covered the map at every
    sign-in), which stays when the page is rebuilt; both offer Add basemap…; a map with a basemap has neither."""
    from ruralwatch.ui import settings_keys as keys
    from ruralwatch.ui.map_view import NO_BASEMAP_LINE

    assert "Add basemap" in _js(qtbot, window, "rw.hintText()") and _js(qtbot, window, "rw.hintMode()") == "note"
    shown = keys.basemap_note_shown(services.store.actor.username)
    assert shown.read() == 1  # this sign-in showed it
    window.map.run_js("document.querySelector('.rw-hint-close').click()")
    qtbot.waitUntil(lambda: _js(qtbot, window, "rw.hintMode()") == "line", timeout=10_000)
    assert _js(qtbot, window, "rw.hintText()") == NO_BASEMAP_LINE
    qtbot.waitUntil(lambda: shown.read() == keys.BASEMAP_NOTE_SIGNINS, timeout=10_000)  # not again at sign-in
    with qtbot.waitSignal(window.map.ready, timeout=30_000):
        window.map.load_page(window.basemap_actions.usable())
    assert _js(qtbot, window, "rw.hintMode()") == "line"
    asked: list[bool] = []
    window.add_basemap = lambda *args, **kwargs: asked.append(True) or False
    window.map.run_js("document.querySelector('.rw-hint-add').click()")  # one click from the line
    qtbot.waitUntil(lambda: asked == [True], timeout=10_000)
    del window.add_basemap
    copy = tmp_path / "plain_3.mbtiles"
    shutil.copy(FIXTURES / "plain_3.mbtiles", copy)
    _reload_with_basemap(qtbot, window, services, copy, "Plain")
    assert _js(qtbot, window, "rw.hintText()") == "" and _js(qtbot, window, "rw.hintMode()") == ""


def test_after_a_few_sign_ins_the_no_basemap_note_is_only_a_line(qtbot, window, services, tmp_path: Path):
    """Never closed, the note still came back at every sign-in: after BASEMAP_NOTE_SIGNINS it is a line."""
    from ruralwatch.ui import settings_keys as keys
    from ruralwatch.ui.main_window import MainWindow

    shown = keys.basemap_note_shown(services.store.actor.username)
    shown.write(keys.BASEMAP_NOTE_SIGNINS)
    later = MainWindow(services, tmp_path / "page-later")
    later.report_problem = lambda title, message: None
    try:
        with qtbot.waitSignal(later.map.incidents_shown, timeout=30_000):
            later.show()
        assert _js(qtbot, later, "rw.hintMode()") == "line"
        assert _js(qtbot, later, "document.querySelector('.rw-hint-add') !== null") is True
        assert shown.read() == keys.BASEMAP_NOTE_SIGNINS
    finally:
        later.dispose()
