"""The window's map page on disk, built by folium (ruralwatch.mapping.page) only when what it shows has changed.

folium brings numpy, requests and jinja2 with it: about 40 MB of every window that imports it (issue 21). The
page depends only on the basemaps, whether boundaries are drawn, the force's outline, districts and wards, the
map's vocabularies (kinds, statuses, symbols), the resources' location (the page names them by file URL) and the
versions of RuralWatch and folium: the page built for those is kept in the user's cache folder under a digest of
them all, and a window whose page is the same takes it from there without importing folium. Any change to one of
them is another digest, so a stale page is never shown; an unreadable cache is built again.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from platformdirs import user_cache_dir

from ruralwatch import __version__
from ruralwatch.core.kinds import KINDS
from ruralwatch.core.vocab import STATUSES
from ruralwatch.mapping.geography import DEFAULT_FORCE_CODE, Geography, shipped_geography
from ruralwatch.mapping.symbols import SYMBOLS
from ruralwatch.paths import APP_NAME, resource_path

PAGE_NAME = "map.html"
CACHE_PREFIX = "map-page-"


@dataclass(frozen=True)
class TileLayerSpec:
    """A basemap as the page needs it: a local URL template and its zoom range."""

    id: str
    name: str
    url: str
    minzoom: int
    maxzoom: int
    bounds: tuple[float, float, float, float] | None = None  # west, south, east, north
    attribution: str = ""


def page_cache_folder() -> Path:
    return Path(user_cache_dir(APP_NAME, appauthor=False)) / "map"


def page_digest(basemaps: Sequence[TileLayerSpec], boundary: bool, geography: Geography) -> str:
    """A digest of everything the built page depends on."""
    digest = hashlib.sha256()

    def add(value: object) -> None:
        digest.update(json.dumps(value, sort_keys=True, default=repr).encode())
        digest.update(b"\x00")

    add([__version__, metadata.version("folium"), str(resource_path())])
    add([repr(spec) for spec in basemaps])
    add(boundary)
    add([[k.key, k.name, k.colour, k.icon] for k in KINDS])
    add(list(STATUSES))
    add([[s.key, s.name, s.colour, s.outline] for s in SYMBOLS])
    force = geography.force
    add([force.code, force.name, list(force.centre), force.geometry])
    for areas in (geography.areas.districts(), geography.areas.wards()):
        add([[a.label, a.code, a.geometry] for a in areas])
    return digest.hexdigest()


def write_map_page(folder: Path, basemaps: Sequence[TileLayerSpec] = (), boundary: bool = True,
                   geography: Geography | None = None, cache: Path | None = None) -> Path:
    """Write the page for `geography`'s force (Essex when None) to `folder`/map.html, from the cache when it holds
    this page (`cache`: the folder, default the user's cache folder)."""
    geography = geography or shipped_geography(DEFAULT_FORCE_CODE)
    cache = cache or page_cache_folder()
    cached = cache / f"{CACHE_PREFIX}{page_digest(basemaps, boundary, geography)}.html"
    try:
        html = cached.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        from ruralwatch.mapping.page import build_map_html  # folium: only when the page is new

        html = build_map_html(basemaps, boundary, geography)
        _keep(cached, html)
    folder.mkdir(parents=True, exist_ok=True)
    page = folder / PAGE_NAME
    page.write_text(html, encoding="utf-8")
    return page


def _keep(path: Path, html: str) -> None:
    """Store the page as the only one in the cache (a window shows one force's page); a cache that cannot be
    written (a read-only home, a full disk) only means building the page again next time."""
    temporary: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".map-", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(html)
        os.replace(temporary, path)  # whole or not at all: a window starting meanwhile never reads half a page
        temporary = None
        for old in path.parent.glob(f"{CACHE_PREFIX}*.html"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
