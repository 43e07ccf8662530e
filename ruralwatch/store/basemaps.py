"""The basemaps table: which MBTiles files this laptop shows, in which order."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ruralwatch.store.database import Store


@dataclass(frozen=True)
class Basemap:
    id: str
    name: str
    path: str
    format: str
    minzoom: int
    maxzoom: int
    bounds: tuple[float, float, float, float] | None
    attribution: str
    position: int

    @property
    def tile_url(self) -> str:
        """The URL template Leaflet uses; served by the app's tile scheme handler, never over HTTP."""
        return f"rwtiles://{self.id}/{{z}}/{{x}}/{{y}}"


def _from_row(row: dict[str, Any]) -> Basemap:
    bounds = json.loads(row["bounds"]) if row["bounds"] else None
    return Basemap(
        id=row["id"], name=row["name"], path=row["path"], format=row["format"], minzoom=row["minzoom"],
        maxzoom=row["maxzoom"], bounds=tuple(bounds) if bounds else None, attribution=row["attribution"] or "",
        position=row["position"],
    )


class BasemapRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    def all(self) -> list[Basemap]:
        return [_from_row(r) for r in self.store.db.query("SELECT * FROM basemaps ORDER BY position, name")]

    def find(self, id_or_name: str) -> Basemap | None:
        rows = list(self.store.db.query(
            "SELECT * FROM basemaps WHERE id = ? OR name = ? COLLATE NOCASE", [id_or_name, id_or_name]
        ))
        return _from_row(rows[0]) if rows else None

    def insert(self, values: dict[str, Any]) -> None:
        position = self.store.db.execute("SELECT COALESCE(MAX(position), -1) + 1 FROM basemaps").fetchone()[0]
        self.store.db["basemaps"].insert({**values, "position": position})

    def delete(self, basemap_id: str) -> None:
        self.store.db.execute("DELETE FROM basemaps WHERE id = ?", [basemap_id])
