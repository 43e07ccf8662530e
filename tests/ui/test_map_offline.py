"""The map loads nothing from outside the machine: checked on the requests the page really makes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ruralwatch.mapping.page import build_map_html, external_urls

# rwtiles: basemap tiles, rwrows: the rows the page takes (ui.map_view.RowsSchemeHandler); both answered in process.
LOCAL_SCHEMES = ("file:", "qrc:", "data:", "rwtiles:", "rwrows:")


def test_page_html_names_no_external_resource():
    for boundary in (True, False):
        html = build_map_html(boundary=boundary)
        assert external_urls(html) == []
        assert "leaflet.js" in html and "supercluster.min.js" in html


def test_external_url_check_can_fail():
    html = (
        '<script src="https://cdn.example.org/leaflet.js"></script><a href="https://leafletjs.com">x</a>'
        '<link rel="stylesheet" href="http://cdn.example.org/x.css"/>'
        '<style>b { background: url("https://t.example/i.png") }'
        "</style><img class='tile' src='https://tile.example/1/1/1.png'>"
    )
    assert external_urls(html) == [
        "https://cdn.example.org/leaflet.js", "http://cdn.example.org/x.css", "https://t.example/i.png",
        "https://tile.example/1/1/1.png",
    ]


def test_rendered_map_requests_only_local_resources(qtbot, window):
    guard = window.map.guard
    requested = list(guard.requested)
    assert any(url.endswith("leaflet.js") for url in requested)
    assert any(url.endswith("supercluster.min.js") for url in requested)
    assert any(url.endswith("incidents.js") for url in requested)
    outside = [url for url in requested if not url.startswith(LOCAL_SCHEMES)]
    assert outside == []
    assert guard.blocked == []


def test_guard_blocks_external_request(qtbot, window):
    from PySide6.QtWebEngineCore import QWebEngineSettings

    # The page may not reach remote URLs at all; lift that lock to prove the second one (the guard) holds.
    attribute = QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls
    assert window.map.settings().testAttribute(attribute) is False
    window.map.settings().setAttribute(attribute, True)
    blocked_before = len(window.map.guard.blocked)

    def try_fetch_and_check() -> bool:
        # Retried until seen: the changed setting reaches the renderer asynchronously.
        window.map.run_js("(function(){ fetch('https://tile.example.org/1/1/1.png').catch(() => 0); return 1; })()")
        return len(window.map.guard.blocked) > blocked_before

    qtbot.waitUntil(try_fetch_and_check, timeout=20_000)
    assert window.map.guard.blocked[-1] == "https://tile.example.org/1/1/1.png"


def test_self_test_command_passes(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-m", "ruralwatch", "self-test"],
        capture_output=True, text=True, timeout=180, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("self-test ok")


def test_every_map_variant_requests_only_local_resources(qtbot, window, services, tmp_path: Path):
    """Basemaps (PNG and JPEG), heatmap on, and the exported standalone page: no request leaves the machine."""
    import shutil

    from PySide6.QtCore import QUrl
    from PySide6.QtWebEngineWidgets import QWebEngineView

    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "mbtiles"
    for name in ("plain_3.mbtiles", "geography-class-jpg.mbtiles"):
        shutil.copy(fixtures / name, tmp_path / name)
        with qtbot.waitSignal(window.map.incidents_shown, timeout=30_000):
            services.basemaps.add(tmp_path / name)
    window.map.set_heatmap_visible(True)
    window.map.show_basemap("Geography Class")
    qtbot.waitUntil(lambda: any(u.startswith("rwtiles://geography-class/") for u in window.map.guard.requested),
                    timeout=10_000)
    guard = window.map.guard
    assert [u for u in guard.requested if not u.startswith(LOCAL_SCHEMES)] == []
    assert guard.blocked == []

    with qtbot.waitSignal(window.map_page_exported, timeout=30_000) as written:
        window.export_html(tmp_path / "standalone.html")
    exported = written.args[0]
    before = len(guard.requested)
    view = QWebEngineView()
    try:
        with qtbot.waitSignal(view.loadFinished, timeout=30_000) as loaded:
            view.load(QUrl.fromLocalFile(str(exported)))
        assert loaded.args == [True]
        requested = guard.requested[before:]
        assert requested and all(u.startswith(LOCAL_SCHEMES) for u in requested)
        assert guard.blocked == []
    finally:
        view.close()
        view.deleteLater()
