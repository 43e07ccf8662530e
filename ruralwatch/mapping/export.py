"""A map that stands alone: one HTML file with Leaflet, the plugins and the incidents inlined.

It opens in any browser with no network (nothing is fetched from a CDN) and no RuralWatch; basemap tiles are
not included (they live in MBTiles files), so the map shows the plain background and the boundaries.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlparse

from ruralwatch.mapping.geography import Geography
from ruralwatch.mapping.page import build_map_html

_SCRIPT = re.compile(r'<script src="(file://[^"]+)"( defer)?></script>')
_STYLESHEET = re.compile(r'<link rel="stylesheet" href="(file://[^"]+)"\s*/?>')


def _read(url: str) -> str:
    return Path(unquote(urlparse(url).path)).read_text(encoding="utf-8")


def standalone_map_html(rows_json: str, geography: Geography | None = None) -> str:
    """`rows_json`: the incidents as IncidentService.map_json gives them; `geography`: the force (Essex if None)."""
    html = build_map_html((), geography=geography)

    def inline_script(match: re.Match[str]) -> str:
        code = _read(match.group(1))
        if match.group(2):  # a deferred script must still run after the map exists
            return f"<script>document.addEventListener('DOMContentLoaded', function () {{\n{code}\n}});</script>"
        return f"<script>\n{code}\n</script>"

    html = _SCRIPT.sub(inline_script, html)
    html = _STYLESHEET.sub(lambda m: f"<style>\n{_read(m.group(1))}\n</style>", html)
    loader = (
        "<script>window.addEventListener('load', function () { rw.setIncidents("
        + rows_json.replace("</", "<\\/")
        + "); });</script>"
    )
    return html.replace("</html>", loader + "\n</html>")
