"""Add, list and remove offline basemaps (MBTiles files). A bad file is refused and nothing changes."""

from __future__ import annotations

import json
import os
import re
import stat
from contextlib import suppress
from pathlib import Path

from ruralwatch.core import times
from ruralwatch.core.errors import CancelledError, ProgressCallback, RuralWatchError, ValidationError, noted
from ruralwatch.mapping.mbtiles import MBTilesError, TileSetInfo, inspect_mbtiles
from ruralwatch.services.changes import Change, ChangeHub
from ruralwatch.store.audit import record_event
from ruralwatch.store.basemaps import FOLDER_NAME, Basemap, BasemapRepository, basemaps_folder
from ruralwatch.store.database import Store


class BasemapError(RuralWatchError):
    pass


COPY_CHUNK = 8 * 1024 * 1024  # bytes per read when copying a basemap: progress a few times a second on a USB stick


def _megabytes(size: int) -> str:
    if size >= 10_000_000:
        return f"{size / 1_000_000:,.0f} MB"
    return f"{size / 1_000_000:.1f} MB" if size >= 100_000 else f"{size:,} bytes"


def copy_file(source: Path, target: Path, progress: ProgressCallback | None = None) -> None:
    """Copy `source` to `target` through a temporary file beside it, reporting bytes; a False from `progress`
    cancels (CancelledError) and leaves no file behind."""
    # O_NONBLOCK and fstat: a FIFO swapped in after the check is refused at once, never waited on.
    fd = os.open(source, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    status = os.fstat(fd)
    if not stat.S_ISREG(status.st_mode):
        os.close(fd)
        raise BasemapError(f"{source} is not a regular file; nothing was added")
    total = status.st_size
    progress = noted(progress, f"Copying {Path(source).name} ({_megabytes(total)})")
    part = target.with_name(f".{target.name}.part")
    done = 0
    try:
        with os.fdopen(fd, "rb") as reader, part.open("wb") as writer:
            while chunk := reader.read(COPY_CHUNK):
                writer.write(chunk)
                done += len(chunk)
                if progress is not None and not progress(done, total):
                    raise CancelledError("cancelled: the basemap was not added")
            writer.flush()
            os.fsync(writer.fileno())
        os.replace(part, target)
    finally:
        with suppress(FileNotFoundError):
            part.unlink()


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

    def add(self, path: Path | str, name: str | None = None, copy: bool = False,
            progress: ProgressCallback | None = None) -> Basemap:
        """Check the file is a readable MBTiles set, then register it under a unique name.

        With `copy` the file is first copied into the basemaps folder beside the database (and checked again
        there), so the map keeps working once a USB stick is out, and the copy moves with the data folder.
        `progress(bytes_done, bytes_total)` may cancel the copy (False); nothing is then registered."""
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
        stored, change = str(path), {"name": name, "path": str(path)}
        copied: Path | None = None
        if copy:
            copied = self._copy_in(path, basemap_id, progress)
            stored = f"{FOLDER_NAME}/{copied.name}"  # relative: it moves with the data folder
            change = {"name": name, "path": str(copied), "copied_from": str(path)}
        try:
            with self.store.transaction():
                self.repo.insert({
                    "id": basemap_id, "name": name, "path": stored, "format": info.format,
                    "minzoom": info.minzoom, "maxzoom": info.maxzoom,
                    "bounds": json.dumps(list(info.bounds)) if info.bounds else None,
                    "attribution": info.attribution, "added_at": times.to_storage(times.utc_now()),
                })
                record_event(self.store, "create", "basemaps", basemap_id, change)
        except BaseException:
            if copied is not None:
                copied.unlink(missing_ok=True)
            raise
        self.hub.publish(Change("basemaps", "created", (basemap_id,)))
        return self.get(basemap_id)

    def _copy_in(self, source: Path, basemap_id: str, progress: ProgressCallback | None) -> Path:
        folder = basemaps_folder(self.store.path)
        target = folder / f"{basemap_id}.mbtiles"
        if target.exists():
            raise BasemapError(f"{target} is in the way (a copy from an earlier basemap?): move it away first")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            copy_file(source, target, progress)
        except OSError as exc:
            raise BasemapError(f"the basemap could not be copied into {folder}: {exc.strerror or exc}") from None
        try:
            inspect_mbtiles(target)
        except MBTilesError as exc:
            target.unlink(missing_ok=True)
            raise BasemapError(f"the copy in {folder} does not read back ({exc}); nothing was added") from None
        return target

    def remove(self, id_or_name: str) -> Basemap:
        self.store.actor.require("basemap.manage")
        basemap = self.get(id_or_name)
        with self.store.transaction():
            self.repo.delete(basemap.id)
            record_event(self.store, "delete", "basemaps", basemap.id, {"name": basemap.name})
        if basemap.managed:  # RuralWatch's own copy goes with it; a file the user pointed at is never touched
            with suppress(OSError):
                Path(basemap.path).unlink()
        self.hub.publish(Change("basemaps", "deleted", (basemap.id,)))
        return basemap

    def check(self, basemap: Basemap) -> str | None:
        """Why a registered basemap cannot be shown now (file moved, damaged), or None if it is fine."""
        try:
            inspect_mbtiles(Path(basemap.path))
        except MBTilesError as exc:
            return str(exc)
        return None
