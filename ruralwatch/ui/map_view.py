"""The embedded offline map: a QWebEngineView over the page built by ruralwatch.mapping.

JavaScript calls are queued until the page has loaded; callbacks arriving after the view is gone are
dropped. Every resource the page requests is recorded, and anything outside the machine is blocked, so
tests and the self-test can prove the map works offline.

Rows (100k incidents are ~7 MB of JSON) never go into the page as script source: the page keeps every script it
was given to run, as UTF-16 text, for as long as it lives, so each push of rows as a literal kept ~20 MB in the
renderer. The rows are offered under a one-time token instead, in parts of 5,000 rows
(IncidentService.map_json_parts) so the page's garbage collector frees each part's text at once; the page fetches
them from `rwrows://<token>/<part>` (RowsSchemeHandler: in process, bytes as they are) and says on the web channel
when they are drawn (MapBridge.rowsShown). Scripts asked for meanwhile wait, so they still run in the order they were
asked for. (The web channel itself carried 7 MB of rows at under 10 MB/s: its messages are JSON, escaped and copied.)
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, QUrl, Signal, Slot
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import (
    QWebEngineProfile,
    QWebEngineSettings,
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
    QWebEngineUrlRequestJob,
    QWebEngineUrlSchemeHandler,
)
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QWidget

from ruralwatch.mapping.geography import Geography
from ruralwatch.mapping.map_page import TileLayerSpec, write_map_page
from ruralwatch.ui.memory import release_free_memory
from ruralwatch.ui.tiles import ROWS_SCHEME, reply_bytes

EXTERNAL_SCHEMES = ("http", "https", "ws", "wss", "ftp")
# On the map while no offline basemap is added (nothing is fetched from the internet, so there is no map under the
# boundaries until one is).
NO_BASEMAP_HINT = ("No basemap yet: the map works offline, so it shows only boundaries until you add one. "
                   "Map ▸ Add basemap (MBTiles)… adds an offline map file.")
# What stays once the note is closed (or has been seen a few times): a line at the map's foot, not a cover over it.
NO_BASEMAP_LINE = "No basemap: boundaries only."


class OfflineGuard(QWebEngineUrlRequestInterceptor):
    """Records every URL the page asks for and blocks any that would leave the machine."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.requested: list[str] = []
        self.blocked: list[str] = []

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:  # noqa: N802 (Qt override)
        url = info.requestUrl()
        self.requested.append(url.toString())
        if url.scheme().lower() in EXTERNAL_SCHEMES:
            self.blocked.append(url.toString())
            info.block(True)


_guard: OfflineGuard | None = None


def offline_guard() -> OfflineGuard:
    """The one interceptor, installed on the default profile the map pages use."""
    global _guard
    if _guard is None:
        profile = QWebEngineProfile.defaultProfile()
        _guard = OfflineGuard(profile)
        profile.setUrlRequestInterceptor(_guard)
    return _guard


class RowsSchemeHandler(QWebEngineUrlSchemeHandler):
    """Answers `rwrows://<token>/<part>` with a part of the rows offered under that token, once; then forgets it."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._offered: dict[str, list[bytes | None]] = {}

    def offer(self, parts: Sequence[str]) -> str:
        token = secrets.token_hex(12)  # not guessable: only the page told it can take the rows
        self._offered[token] = [part.encode("utf-8") for part in parts]
        return token

    def withdraw(self, *tokens: str) -> None:
        for token in tokens:
            self._offered.pop(token, None)

    def requestStarted(self, job: QWebEngineUrlRequestJob) -> None:  # noqa: N802 (Qt override)
        url = job.requestUrl()
        parts = self._offered.get(url.host())
        part = url.path().lstrip("/")
        index = int(part) if part.isdigit() else -1
        data = parts[index] if parts is not None and 0 <= index < len(parts) else None
        if parts is None or data is None:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        parts[index] = None  # not kept once the page has it
        reply_bytes(job, b"application/json", data)
        if not any(p is not None for p in parts):
            del self._offered[url.host()]


_rows_handler: RowsSchemeHandler | None = None


def rows_handler() -> RowsSchemeHandler:
    """The one handler of the rows' scheme, on the default profile the map pages use."""
    global _rows_handler
    if _rows_handler is None:
        profile = QWebEngineProfile.defaultProfile()
        _rows_handler = RowsSchemeHandler(profile)
        profile.installUrlSchemeHandler(ROWS_SCHEME, _rows_handler)
    return _rows_handler


class MapBridge(QObject):
    """Receives clicks from the page (through QWebChannel), and word that rows it took are drawn. Slot names are
    the ones JavaScript calls."""

    open_requested = Signal(int)
    marker_clicked = Signal(int)
    map_clicked = Signal(float, float)
    rows_taken = Signal(str)  # token: the page has fetched and parsed the rows, and draws them now
    rows_shown = Signal(str, int)  # token, rows drawn (-1: the page failed to take them)
    hint_dismissed = Signal()  # the no-basemap note's × was pressed
    add_basemap_requested = Signal()  # the note's (or line's) "Add basemap…"

    @Slot(str)
    def rowsTaken(self, token: str) -> None:  # noqa: N802
        self.rows_taken.emit(token)

    @Slot(str, int)
    def rowsShown(self, token: str, count: int) -> None:  # noqa: N802
        self.rows_shown.emit(token, count)

    @Slot(int)
    def openIncident(self, handle: int) -> None:  # noqa: N802
        self.open_requested.emit(handle)

    @Slot(int)
    def markerClicked(self, handle: int) -> None:  # noqa: N802
        self.marker_clicked.emit(handle)

    @Slot(float, float)
    def mapClicked(self, lat: float, lon: float) -> None:  # noqa: N802
        self.map_clicked.emit(lat, lon)

    @Slot()
    def hintDismissed(self) -> None:  # noqa: N802
        self.hint_dismissed.emit()

    @Slot()
    def addBasemap(self) -> None:  # noqa: N802
        self.add_basemap_requested.emit()


def _withdraw_all(handler: RowsSchemeHandler, offered: dict[str, Any], *_args: object) -> None:
    if shiboken6.isValid(handler):
        handler.withdraw(*offered)


@dataclass(frozen=True)
class _Call:
    script: str
    callback: Callable[[Any], None] | None = None
    token: str | None = None  # rows offered: later calls wait until the page has drawn them


class MapView(QWebEngineView):
    """Incidents are known to the page by a numeric handle (IncidentService.map_handle), not their UUID."""

    ready = Signal()
    incidents_shown = Signal(int)
    open_requested = Signal(int)
    marker_clicked = Signal(int)
    map_clicked = Signal(float, float)
    hint_dismissed = Signal()
    add_basemap_requested = Signal()

    def __init__(
        self, page_folder: Path, basemaps: Sequence[TileLayerSpec] = (), parent: QWidget | None = None,
        geography: Geography | None = None,
    ) -> None:
        super().__init__(parent)
        self.geography = geography  # the force's outline, districts and first view (Essex when None)
        self.guard = offline_guard()
        self.page_folder = page_folder
        self.is_ready = False
        # Scripts in the order asked for, run once the page is ready and no rows are on their way to it.
        self._pending: list[_Call] = []
        self._awaiting: str | None = None  # the token of rows the page is taking now
        self._row_callbacks: dict[str, Callable[[int], None] | None] = {}
        self._when_taken: dict[str, Callable[[], None]] = {}
        self.rows = rows_handler()
        # Rows offered and not yet drawn are withdrawn with the view (the handler outlives it).
        self.destroyed.connect(partial(_withdraw_all, self.rows, self._row_callbacks))
        # Whether the route and the hotspot cells may be on the map (their panels are open); kept here so a
        # rebuilt page starts the same way.
        self.panel_layers: dict[str, bool] = {"route": True, "hotspots": True}
        self.bridge = MapBridge(self)
        self.bridge.open_requested.connect(self.open_requested)
        self.bridge.marker_clicked.connect(self.marker_clicked)
        self.bridge.map_clicked.connect(self.map_clicked)
        # With no basemap: the note (False) or only the line (True); the window decides, and a closed note stays
        # closed when the page is rebuilt.
        self.hint_compact = False
        self.bridge.hint_dismissed.connect(self._on_hint_dismissed)
        self.bridge.hint_dismissed.connect(self.hint_dismissed)
        # Queued: the file dialog it opens is not run inside the web channel's message.
        self.bridge.add_basemap_requested.connect(self.add_basemap_requested, Qt.ConnectionType.QueuedConnection)
        self.bridge.rows_taken.connect(self._on_rows_taken)
        self.bridge.rows_shown.connect(self._on_rows_shown)
        self.channel = QWebChannel(self.page())
        self.channel.registerObject("rwBridge", self.bridge)
        self.page().setWebChannel(self.channel)
        # Two locks on the door: a local page may not reach remote URLs at all, and the guard blocks any
        # request that still tries.
        self.settings().setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls, False)
        self.loadFinished.connect(self._on_load_finished)
        self.setMinimumSize(300, 240)
        self.load_page(basemaps)

    def load_page(self, basemaps: Sequence[TileLayerSpec] = ()) -> None:
        """(Re)build the page, e.g. when basemaps change. Data is pushed again once it is ready."""
        self.is_ready = False
        if self._awaiting is not None:  # a page being replaced will not take them, nor say it has drawn them
            self.rows.withdraw(self._awaiting)
            self._row_callbacks.pop(self._awaiting, None)
            self._when_taken.pop(self._awaiting, None)
            self._awaiting = None
        self.basemap_names = [b.name for b in basemaps]
        self.load(QUrl.fromLocalFile(str(write_map_page(self.page_folder, basemaps, geography=self.geography))))

    def _on_load_finished(self, ok: bool) -> None:
        if not ok:
            return
        self.is_ready = True
        self._pending[:0] = [_Call(f"rw.setPanelLayer({json.dumps(name)}, {json.dumps(on)})")
                             for name, on in self.panel_layers.items()]
        if not self.basemap_names:  # a first start shows a blank map but for the boundaries: say what is missing
            self._pending.insert(0, _Call(f"rw.showHint({json.dumps(NO_BASEMAP_HINT)}, "
                                          f"{json.dumps(NO_BASEMAP_LINE)}, {json.dumps(self.hint_compact)})"))
        self._drain()
        self.ready.emit()

    def _on_hint_dismissed(self) -> None:
        self.hint_compact = True

    def run_js(self, script: str, callback: Callable[[Any], None] | None = None) -> None:
        """Run `script` now, or once the page has loaded (and taken rows on their way). A callback gets the
        JSON-decoded result."""
        self._pending.append(_Call(script, callback))
        self._drain()

    def _push_rows(self, target: str, rows_json: str | Sequence[str],
                   callback: Callable[[int], None] | None = None, taken: Callable[[], None] | None = None) -> None:
        """Offer rows (a JSON array, or parts that are each one) to the page for `target` ("incidents" or
        "context"); `callback` gets the count drawn, `taken` is called once the page has fetched and parsed them
        (or failed to), as it starts drawing them."""
        parts = [rows_json] if isinstance(rows_json, str) else list(rows_json) or ["[]"]
        token = self.rows.offer(parts)
        self._row_callbacks[token] = callback
        if taken is not None:
            self._when_taken[token] = taken
        self._pending.append(_Call(f"rw.loadRows({json.dumps(token)}, {json.dumps(target)}, {len(parts)})",
                                   token=token))
        self._drain()

    def _drain(self) -> None:
        while self.is_ready and self._awaiting is None and self._pending:
            call = self._pending.pop(0)
            if call.token is not None:
                self._awaiting = call.token
            self._run(call.script, call.callback)

    def _on_rows_taken(self, token: str) -> None:
        taken = self._when_taken.pop(token, None)
        if taken is not None:
            taken()

    def _on_rows_shown(self, token: str, count: int) -> None:
        self.rows.withdraw(token)  # parts the page did not take (it failed) are not kept either
        self._on_rows_taken(token)  # if it failed before taking them all
        callback = self._row_callbacks.pop(token, None)
        if token == self._awaiting:
            self._awaiting = None
        release_free_memory()  # the rows' text, taken by the page, is garbage in this process now
        if callback is not None and count >= 0:
            callback(count)
        self._drain()

    def _run(self, script: str, callback: Callable[[Any], None] | None) -> None:
        if callback is None:
            self.page().runJavaScript(script)
            return

        def deliver(raw: Any) -> None:
            # Qt returns '' for JS objects, so scripts return JSON text; the view may be gone by now.
            if not shiboken6.isValid(self):
                return
            callback(json.loads(raw) if isinstance(raw, str) and raw else raw)

        self.page().runJavaScript(f"JSON.stringify((function(){{ return {script}; }})())", deliver)

    def show_incidents(self, rows_json: str | Sequence[str], taken: Callable[[], None] | None = None) -> None:
        """Push incidents (the JSON array from IncidentService.map_json, or the parts from map_json_parts) into the
        page; emits incidents_shown. The page fetches them through this thread (which reads the parts out to it):
        work that goes with the push can wait for `taken`, called as the page starts drawing them, and so run while
        it draws instead of holding up the fetching."""
        self._push_rows("incidents", rows_json, self.incidents_shown.emit, taken)

    def focus_incident(self, handle: int, open_popup: bool = True) -> None:
        self.run_js(f"rw.focus({int(handle)}, {json.dumps(open_popup)})")

    def leave_focus(self, callback: Callable[[bool], None] | None = None) -> None:
        """The focused incident is gone: back to the view from before `focus_incident` zoomed in (unless the user
        has moved the map since); `callback` gets whether it went back."""
        self.run_js("rw.leaveFocus()", None if callback is None else lambda value: callback(bool(value)))

    def marker_count(self, callback: Callable[[int], None]) -> None:
        self.run_js("rw.markerCount()", lambda value: callback(int(value)))

    def set_pick_mode(self, on: bool) -> None:
        self.run_js(f"rw.setPickMode({json.dumps(on)})")

    def set_heatmap_visible(self, on: bool) -> None:
        self.run_js(f"rw.setHeatVisible({json.dumps(on)})")

    def show_context(self, rows_json: str) -> None:
        """Published crime rows ([id, lat, lon, crime type, month] JSON) for the grey context layer."""
        self._push_rows("context", rows_json)

    def set_context_visible(self, on: bool) -> None:
        self.run_js(f"rw.setContextVisible({json.dumps(on)})")

    def show_hotspots(self, collection: dict[str, Any], callback: Callable[[int], None] | None = None) -> None:
        self.run_js(f"rw.setHotspots({json.dumps(collection, separators=(',', ':'))})", callback)

    def show_near_repeat_zones(self, collection: dict[str, Any],
                               callback: Callable[[int], None] | None = None) -> None:
        """Near-repeat risk zones (NearRepeatService.zones_geojson): dashed rings of their radius, in the legend."""
        self.run_js(f"rw.setNearRepeatZones({json.dumps(collection, separators=(',', ':'))})", callback)

    def set_near_repeat_visible(self, on: bool) -> None:
        self.run_js(f"rw.setNearRepeatVisible({json.dumps(on)})")

    def show_premises(self, collection: dict[str, Any], callback: Callable[[int], None] | None = None) -> None:
        """Registered premises (ruralwatch.mapping.premises_layer): house squares, red-outlined for a repeat victim,
        their own layer and rows in the legend."""
        self.run_js(f"rw.setPremises({json.dumps(collection, separators=(',', ':'))})", callback)

    def set_premises_visible(self, on: bool) -> None:
        self.run_js(f"rw.setPremisesVisible({json.dumps(on)})")

    def focus_hotspot(self, rank: int) -> None:
        self.run_js(f"rw.focusHotspot({int(rank)})")

    def fit_incidents(self, callback: Callable[[bool], None] | None = None) -> None:
        """Zoom to every incident shown (the callback gets False when there is none)."""
        self.run_js("rw.fitIncidents()", callback)

    def show_route(self, route: dict[str, Any], callback: Callable[[int], None] | None = None) -> None:
        """Draw a patrol plan: {"stops": [{"seq", "lat", "lon", "label", "arrive", "leave"}], "base": [lat, lon] or
        None}. Numbered pins, a line in visiting order (from and back to the base), the view fitted to it (and fitted
        again when the map changes size, until the user moves it)."""
        self.run_js(f"rw.setRoute({json.dumps(route, separators=(',', ':'))})", callback)

    def clear_route(self) -> None:
        self.run_js("rw.clearRoute()")

    def show_position(self, lat: float, lon: float, accuracy_m: float | None,
                      callback: Callable[[Any], None] | None = None) -> None:
        """The receiver's position: a dot and a circle of its horizontal accuracy (metres; none when unknown)."""
        self.run_js(f"rw.setPosition({float(lat)!r}, {float(lon)!r}, {float(accuracy_m or 0)!r})", callback)

    def clear_position(self) -> None:
        self.run_js("rw.clearPosition()")

    def show_track(self, segments: list[list[tuple[float, float]]],
                   callback: Callable[[Any], None] | None = None) -> None:
        """The open patrol's recorded track: a line per segment (a receiver's drop-out stays a gap). Shown with the
        route, while the patrol panel is open."""
        rounded = [[[round(lat, 6), round(lon, 6)] for lat, lon in segment] for segment in segments]
        self.run_js(f"rw.setTrack({json.dumps(rounded, separators=(',', ':'))})", callback)

    def set_panel_layer(self, name: str, on: bool) -> None:
        """Put the "route" or "hotspots" layers on the map (True) or take them off while their panel is closed.
        The data stays in the page, so reopening the panel shows them again."""
        self.panel_layers[name] = on
        if self.is_ready:
            self.run_js(f"rw.setPanelLayer({json.dumps(name)}, {json.dumps(on)})")

    def show_basemap(self, name: str) -> None:
        self.run_js(f"rw.showBaseLayer({json.dumps(name)})")
