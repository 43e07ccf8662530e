"""Build the offline map page with folium.

folium's own CDN assets are swapped for the Leaflet files vendored under resources/vendor, and everything
the page needs is a local file, so the map works with the network cable pulled. Incident data is not baked
in: the window pushes it into the loaded page, which avoids rebuilding the page on every change.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import folium

from ruralwatch.core.kinds import KINDS
from ruralwatch.paths import resource_path

ESSEX_CENTRE = (51.80, 0.55)
DEFAULT_ZOOM = 9
BOUNDARY_ATTRIBUTION = "Boundary: ONS, OGL v3; contains OS data © Crown copyright"
_EXTERNAL_URL = re.compile(r"""(?:src|href)\s*=\s*["'](https?://[^"']+)""", re.IGNORECASE)


def _local(*parts: str) -> str:
    return resource_path(*parts).as_uri()


class OfflineMap(folium.Map):
    """A folium Map whose page loads only the vendored Leaflet, never a CDN."""

    default_js = [
        ("leaflet", _local("vendor", "leaflet", "leaflet.js")),
        ("markercluster", _local("vendor", "leaflet.markercluster", "leaflet.markercluster.js")),
    ]
    default_css = [
        ("leaflet_css", _local("vendor", "leaflet", "leaflet.css")),
        ("markercluster_css", _local("vendor", "leaflet.markercluster", "MarkerCluster.css")),
        ("markercluster_default_css", _local("vendor", "leaflet.markercluster", "MarkerCluster.Default.css")),
        ("ruralwatch_css", _local("map", "map.css")),
    ]


def build_map_html(boundary: bool = True) -> str:
    m = OfflineMap(location=ESSEX_CENTRE, zoom_start=DEFAULT_ZOOM, tiles=None, prefer_canvas=True,
                   control_scale=True)
    boundary_name = None
    if boundary:
        data = json.loads(resource_path("geo", "essex-police-force-area.geojson").read_text(encoding="utf-8"))
        layer = folium.GeoJson(
            data,
            name="Essex Police force area",
            style_function=lambda _feature: {"color": "#3b4a6b", "weight": 2, "fill": False, "dashArray": "6 4"},
            interactive=False,
        )
        layer.add_to(m)
        boundary_name = layer.get_name()

    config = {
        "mapName": m.get_name(),
        "boundaryName": boundary_name,
        "kinds": {k.key: {"name": k.name, "colour": k.colour} for k in KINDS},
        "attribution": BOUNDARY_ATTRIBUTION if boundary else "",
    }
    script = m.get_root().script
    script.add_child(folium.Element(f"window.RW_CONFIG = {json.dumps(config)};"))
    # Loaded after folium's own script so the map and boundary variables exist.
    m.get_root().html.add_child(folium.Element(
        f'<script src="{_local("map", "incidents.js")}" defer></script>'
    ))
    return m.get_root().render()


def write_map_page(folder: Path, boundary: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    page = folder / "map.html"
    page.write_text(build_map_html(boundary), encoding="utf-8")
    return page


def external_urls(html: str) -> list[str]:
    """Every http(s) resource the page would load (links in popups or attributions are not resources)."""
    return _EXTERNAL_URL.findall(html)
