"""Add, list and remove offline basemaps (MBTiles files). A bad file is refused and nothing changes."""

from __future__ import annotations

import json
import re
from pathlib import Path

from ruralwatch.core import times
from ruralwatch.core.errors import RuralWatchError, ValidationError
from ruralwatch.mapping.mbtiles import MBTilesError, TileSetInfo, inspect_mbtiles
from ruralwatch.services.changes import Change, ChangeHub
from ruralwatch.store.audit import record_event
from ruralwatch.store.basemaps import Basemap, BasemapRepository
from ruralwatch.store.database import Store


class BasemapError(RuralWatchError):
    pass


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug or "basemap"


class BasemapService:
    def __init__(self, store: Store, hub: ChangeHub | None = None) -> None:
        self.store = store
        self.repo = BasemapRepository(store)
        self.hub = hub or ChangeHub()

    def list(self) -> list[Basemap]:
        return self.repo.all()

    def get(self, id_or_name: str) -> Basemap:
        basemap = self.repo.find(id_or_name)
        if basemap is None:
            known = ", ".join(b.name for b in self.repo.all()) or "none"
            raise BasemapError(f"no basemap called {id_or_name!r} (known: {known})")
        return basemap

    def add(self, path: Path | str, name: str | None = None) -> Basemap:
        """Check the file is a readable MBTiles set, then register it under a unique name."""
        self.store.actor.require("basemap.manage")
        path = Path(path).expanduser().resolve()
        try:
            info: TileSetInfo = inspect_mbtiles(path)
        except MBTilesError as exc:
            raise BasemapError(str(exc)) from None
        name = (name or info.name).strip()
        if not name:
            raise ValidationError.single("name", "a basemap needs a name")
        if self.repo.find(name):
            raise BasemapError(f"a basemap called {name!r} already exists; choose another --name")
        basemap_id = _slug(name)
        suffix = 2
        while self.repo.find(basemap_id):
            basemap_id = f"{_slug(name)}-{suffix}"
            suffix += 1
        with self.store.transaction():
            self.repo.insert({
                "id": basemap_id, "name": name, "path": str(path), "format": info.format,
                "minzoom": info.minzoom, "maxzoom": info.maxzoom,
                "bounds": json.dumps(list(info.bounds)) if info.bounds else None,
                "attribution": info.attribution, "added_at": times.to_storage(times.utc_now()),
            })
            record_event(self.store, "create", "basemaps", basemap_id, {"name": name, "path": str(path)})
        self.hub.publish(Change("basemaps", "created", (basemap_id,)))
        return self.get(basemap_id)

    def remove(self, id_or_name: str) -> Basemap:
        self.store.actor.require("basemap.manage")
        basemap = self.get(id_or_name)
        with self.store.transaction():
            self.repo.delete(basemap.id)
            record_event(self.store, "delete", "basemaps", basemap.id, {"name": basemap.name})
        self.hub.publish(Change("basemaps", "deleted", (basemap.id,)))
        return basemap

    def check(self, basemap: Basemap) -> str | None:
        """Why a registered basemap cannot be shown now (file moved, damaged), or None if it is fine."""
        try:
            inspect_mbtiles(Path(basemap.path))
        except MBTilesError as exc:
            return str(exc)
        return None
