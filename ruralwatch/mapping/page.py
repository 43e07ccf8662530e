"""Build the offline map page with folium (the window takes it through ruralwatch.mapping.map_page, which keeps
the page built and imports this module only when the page has changed).

folium's own CDN assets are swapped for the Leaflet files vendored under resources/vendor, basemap tiles
come through the app's own URL scheme (`rwtiles://`), and boundaries are embedded, so the page works with
the network cable pulled. Incident data is not baked in: the window pushes it into the loaded page, which
avoids rebuilding the page on every change.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any, cast

from ruralwatch.optional_imports import hidden

with hidden("pandas"):  # folium takes DataFrames too; the page never gives it one (about 50 MB a window)
    import folium

from ruralwatch.core.kinds import KINDS
from ruralwatch.core.vocab import STATUSES
from ruralwatch.mapping.boundaries import Area
from ruralwatch.mapping.geography import DEFAULT_FORCE_CODE, Geography, centre_zoom, shipped_geography
from ruralwatch.mapping.map_page import TileLayerSpec
from ruralwatch.mapping.symbols import SYMBOLS
from ruralwatch.paths import resource_path

ESSEX_CENTRE = (51.80, 0.55)  # kept for callers; the page centres on the chosen force (mapping.geography)
DEFAULT_ZOOM = 9
MAX_ZOOM = 18
MIN_ZOOM = 4
BOUNDARY_ATTRIBUTION = "Boundaries: ONS, OGL v3; contains OS data © Crown copyright"
# Elements and CSS that make the browser fetch something. Plain <a href> links are not fetched.
_EXTERNAL_URL = re.compile(
    r"""<(?:script|img|link|iframe|source|embed|object|video|audio)\b[^>]*?\b(?:src|href|data)\s*=\s*["']"""
    r"""(https?://[^"']+)|url\(\s*["']?(https?://[^"')]+)""",
    re.IGNORECASE,
)


def _local(*parts: str) -> str:
    return resource_path(*parts).as_uri()


class OfflineMap(folium.Map):
    """A folium Map whose page loads only the vendored Leaflet and plugins, never a CDN."""

    default_js = [
        ("leaflet", _local("vendor", "leaflet", "leaflet.js")),
        ("supercluster", _local("vendor", "supercluster", "supercluster.min.js")),
        ("leaflet_heat", _local("vendor", "leaflet.heat", "leaflet-heat.js")),
    ]
    default_css = [
        ("leaflet_css", _local("vendor", "leaflet", "leaflet.css")),
        # Only the stylesheet of leaflet.markercluster is used: it styles the cluster badges.
        ("markercluster_default_css", _local("vendor", "leaflet.markercluster", "MarkerCluster.Default.css")),
        ("ruralwatch_css", _local("map", "map.css")),
    ]


def _collection(areas: Sequence[Area]) -> dict[str, Any] | None:
    """Outlines with their names (a ward's "Ward, District") for the page."""
    if not areas:
        return None
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": area.label, "code": area.code}, "geometry": area.geometry}
        for area in areas]}


def _outline_layer(data: dict, name: str, colour: str, weight: float, show: bool) -> folium.GeoJson:
    return folium.GeoJson(
        data,
        name=name,
        show=show,
        style_function=lambda _f: {"color": colour, "weight": weight, "fill": False, "opacity": 0.8},
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False) if data["features"] and
        "name" in data["features"][0]["properties"] else None,
    )


def build_map_html(basemaps: Sequence[TileLayerSpec] = (), boundary: bool = True,
                   geography: Geography | None = None) -> str:
    """The page for `geography`'s force (Essex when None): first view on the force, its outline and districts
    (and wards, hidden at first)."""
    geography = geography or shipped_geography(DEFAULT_FORCE_CODE)
    centre, zoom = centre_zoom(geography.force)
    m = OfflineMap(location=centre, zoom_start=zoom, tiles=None, prefer_canvas=True, control_scale=True)

    base_layers: dict[str, str] = {}
    for index, spec in enumerate(basemaps):
        options: dict[str, Any] = {"minNativeZoom": spec.minzoom}  # Leaflet options folium passes through
        if spec.bounds:
            west, south, east, north = spec.bounds
            options["bounds"] = [[south, west], [north, east]]
        tiles = folium.TileLayer(
            tiles=spec.url, attr=spec.attribution or spec.name, name=spec.name, overlay=False,
            control=False, show=index == 0, max_zoom=MAX_ZOOM, max_native_zoom=spec.maxzoom,
            min_zoom=max(spec.minzoom - 2, 0), **options,
        )
        tiles.add_to(m)
        base_layers[spec.name] = tiles.get_name()

    overlays: dict[str, str] = {}
    visible_outlines: list[str] = []
    if boundary:
        force = {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"name": geography.force.name}, "geometry": geography.force.geometry}]}
        label = geography.force.area_label
        layer = folium.GeoJson(
            force, name=label, interactive=False,
            style_function=lambda _f: {"color": "#3b4a6b", "weight": 2.5, "fill": False, "dashArray": "6 4"},
        )
        layer.add_to(m)
        overlays[label] = layer.get_name()
        visible_outlines.append(layer.get_name())
        districts = _collection(geography.areas.districts())
        if districts:
            layer = _outline_layer(districts, "Districts", "#5c6b8a", 1.2, show=True)
            layer.add_to(m)
            overlays["Districts"] = layer.get_name()
        wards = _collection(geography.areas.wards())
        if wards:
            layer = _outline_layer(wards, "Wards", "#8a94a6", 0.6, show=False)
            layer.add_to(m)
            overlays["Wards"] = layer.get_name()

    config = {
        "mapName": m.get_name(),
        "maxZoom": MAX_ZOOM,
        "minZoom": MIN_ZOOM,
        "baseLayers": base_layers,
        "overlays": overlays,
        "fitTo": visible_outlines[0] if visible_outlines else None,
        # Ordered like the indexes in IncidentRepository.map_json rows.
        "kinds": [{"key": k.key, "name": k.name, "colour": k.colour, "icon": k.icon} for k in KINDS],
        "statuses": [label for _key, label in STATUSES],
        # Stops, base, route, hotspot cells and clusters: drawn like the briefing pack draws them.
        "symbols": {s.key: {"name": s.name, "colour": s.colour, "outline": s.outline} for s in SYMBOLS},
        "attribution": BOUNDARY_ATTRIBUTION if boundary else "",
    }
    root = cast(folium.Figure, m.get_root())  # a Map is always placed in a Figure (folium makes one); typed as Element
    root.script.add_child(folium.Element(f"window.RW_CONFIG = {json.dumps(config)};"))
    # Deferred, so it runs after folium's script has created the map and layers.
    root.html.add_child(folium.Element(f'<script src="{_local("map", "incidents.js")}" defer></script>'))
    return root.render()


def external_urls(html: str) -> list[str]:
    """Every http(s) resource the page would load (links in popups or attributions are not resources)."""
    return [first or second for first, second in _EXTERNAL_URL.findall(html)]
