"""The basemaps table: which MBTiles files this laptop shows, in which order."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruralwatch.store.database import Store


@dataclass(frozen=True)
class Basemap:
    id: str
    name: str
    path: str  # always absolute here; stored relative to the database's folder for a managed copy
    format: str
    minzoom: int
    maxzoom: int
    bounds: tuple[float, float, float, float] | None
    attribution: str
    position: int
    managed: bool = False  # a copy RuralWatch keeps in its basemaps folder (removed with the basemap)

    @property
    def tile_url(self) -> str:
        """The URL template Leaflet uses; served by the app's tile scheme handler, never over HTTP."""
        return f"rwtiles://{self.id}/{{z}}/{{x}}/{{y}}"


FOLDER_NAME = "basemaps"


def basemaps_folder(db_path: Path) -> Path:
    """Where RuralWatch keeps its own copies of basemaps: beside the database, so they move with it."""
    return Path(db_path).expanduser().parent / FOLDER_NAME


def _from_row(row: dict[str, Any], base: Path) -> Basemap:
    bounds = json.loads(row["bounds"]) if row["bounds"] else None
    stored = Path(row["path"])
    return Basemap(
        id=row["id"], name=row["name"], path=str(stored if stored.is_absolute() else base / stored),
        format=row["format"], minzoom=row["minzoom"], maxzoom=row["maxzoom"],
        bounds=tuple(bounds) if bounds else None, attribution=row["attribution"] or "", position=row["position"],
        managed=not stored.is_absolute(),
    )


class BasemapRepository:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.base = Path(store.path).expanduser().resolve().parent  # managed (relative) paths start here

    def all(self) -> list[Basemap]:
        return [_from_row(r, self.base) for r in self.store.db.query("SELECT * FROM basemaps ORDER BY position, name")]

    def find(self, id_or_name: str) -> Basemap | None:
        rows = list(self.store.db.query(
            "SELECT * FROM basemaps WHERE id = ? OR name = ? COLLATE NOCASE", [id_or_name, id_or_name]
        ))
        return _from_row(rows[0], self.base) if rows else None

    def insert(self, values: dict[str, Any]) -> None:
        position = self.store.db.execute("SELECT COALESCE(MAX(position), -1) + 1 FROM basemaps").fetchone()[0]
        self.store.db.table("basemaps").insert({**values, "position": position})

    def delete(self, basemap_id: str) -> None:
        self.store.db.execute("DELETE FROM basemaps WHERE id = ?", [basemap_id])
