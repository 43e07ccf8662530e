"""The road network beside the database: import an OpenStreetMap extract, describe it, route plans on it.

The network lives in one file next to the database (``ruralwatch.db`` -> ``ruralwatch.db.roads``; the format and
why it is not a table are in ruralwatch.io.osm_roads). It is derived from the extract the user chose, syncs with
nothing and holds nothing about people; importing again replaces it whole (temporary file, then rename), so a
bad extract leaves the previous network in use.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from ruralwatch.core import times
from ruralwatch.core.errors import ProgressCallback
from ruralwatch.io.osm_roads import (
    ATTRIBUTION,
    NetworkInfo,
    RoadNetworkError,
    load_network,
    read_info,
    read_osm,
    save_network,
)
from ruralwatch.patrols.roads import RoadRouter
from ruralwatch.services.changes import Change, ChangeHub
from ruralwatch.store.audit import record_event
from ruralwatch.store.database import Store

TOPIC = "roads"
SUFFIX = ".roads"

__all__ = ["ATTRIBUTION", "NetworkInfo", "RoadNetworkError", "RoadService", "roads_file"]


def roads_file(db_path: Path) -> Path | None:
    """The road network file of the database at ``db_path`` (None for an in-memory database)."""
    path = Path(db_path)
    if str(path) == ":memory:":
        return None
    return path.expanduser().with_name(path.name + SUFFIX)


# Loaded routers, shared by every Services over the same file: each window operation builds its services anew on
# a worker, and loading a county network (and its spatial index) costs a few hundred milliseconds that a plan
# should not pay each time. Keyed by the file's identity, so an import (a new file renamed into place) is seen at
# once; the router is read-only, so sharing it between threads is safe.
_ROUTERS: dict[Path, tuple[tuple[int, int, int], RoadRouter]] = {}
_ROUTERS_LOCK = threading.Lock()


class RoadService:
    def __init__(self, store: Store, hub: ChangeHub | None = None,
                 clock: Callable[[], datetime] = times.system_clock) -> None:
        self.store = store
        self.hub = hub or ChangeHub()
        self._now = clock

    @property
    def path(self) -> Path | None:
        return roads_file(Path(self.store.path))

    def info(self) -> NetworkInfo | None:
        """What was imported and when, or None when there is no network. RoadNetworkError for a damaged file."""
        path = self.path
        if path is None or not path.is_file():
            return None
        return read_info(path)

    def router(self) -> RoadRouter | None:
        """The router over the imported network, or None when there is none (or it cannot be read: the plan is
        then timed on the straight line, and `roads show` names the problem)."""
        path = self.path
        if path is None:
            return None
        try:
            stat = path.stat()
        except OSError:
            return None
        identity = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        with _ROUTERS_LOCK:
            cached = _ROUTERS.get(path)
            if cached is not None and cached[0] == identity:
                return cached[1]
            try:
                network, _ = load_network(path)
            except RoadNetworkError:
                return None
            router = RoadRouter(network)
            _ROUTERS[path] = (identity, router)
            return router

    def import_file(self, source: Path | str, progress: ProgressCallback | None = None) -> NetworkInfo:
        """Read an OSM extract (.osm.pbf or .osm) into the network beside the database, replacing any before.
        RoadNetworkError for a bad file (nothing replaced); CancelledError when `progress` returns False."""
        self.store.actor.require("patrol.plan")
        target = self.path
        if target is None:
            raise RoadNetworkError("an in-memory database keeps no road network")
        source = Path(source).expanduser()
        network, ways = read_osm(source, progress)
        info = NetworkInfo(source.name, times.to_storage(self._now()), network.node_count, network.edge_count,
                           network.point_count, ways, network.extent)
        save_network(network, info, target)
        with self.store.transaction():
            record_event(self.store, "import", TOPIC, None, {"source": str(source), **info.to_dict()})
        self.hub.publish(Change(TOPIC, "updated", ()))
        return info
