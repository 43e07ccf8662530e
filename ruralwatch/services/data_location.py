"""Where the database lives: choosing the data folder at first start, and moving it later.

Moving copies the open, encrypted database with SQLite's online backup API (same key, pages as they are), its
keyring and RuralWatch's own basemap copies into the new folder, checks that the copy opens, and records the new
place for later starts (ruralwatch.paths). The old files are removed only once the database is closed
(`finish_move`): until then the old folder still holds a complete database, so a crash in between loses nothing;
at worst both folders hold it.
"""

from __future__ import annotations

import errno
import os
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from ruralwatch.core.errors import CancelledError, ProgressCallback, RuralWatchError, noted
from ruralwatch.paths import DB_FILE_NAME, remember_db_path
from ruralwatch.services.basemaps import copy_file
from ruralwatch.services.roads import roads_file
from ruralwatch.store.audit import record_event
from ruralwatch.store.backups import backups_folder, check_file, copy_database
from ruralwatch.store.basemaps import basemaps_folder
from ruralwatch.store.database import DatabaseError, Store
from ruralwatch.store.keyring import Keyring, keyring_path

PART_SUFFIX = ".moving"
# Files SQLite keeps beside a database in WAL mode.
SIDE_SUFFIXES = ("-wal", "-shm")


class DataFolderError(RuralWatchError):
    """The chosen folder cannot hold the database. Nothing was changed."""


def check_data_folder(folder: str | Path, file_name: str = DB_FILE_NAME, current: Path | None = None,
                      create: bool = True) -> Path:
    """The database path in `folder`, after refusing a folder that cannot take a new database.

    `current` (the open database) may not be the target itself. The folder is created if missing, unless not
    `create` (a restore makes it only when it succeeds).
    """
    text = str(folder).strip()
    if not text:
        raise DataFolderError("Choose a folder for the data.")
    folder = Path(text).expanduser()
    if not folder.is_absolute():
        raise DataFolderError(f"{folder} is not a full path: choose the folder with Choose… or type it from the "
                              "root (e.g. /home/jo/RuralWatch).")
    if folder.exists() and not folder.is_dir():
        raise DataFolderError(f"{folder} is a file, not a folder.")
    target = folder / file_name
    if current is not None:
        here = Path(current).expanduser().resolve()
        if target.resolve() == here:
            raise DataFolderError(f"The database is already in {folder}.")
        for own in (backups_folder(here), basemaps_folder(here)):  # emptied into the new folder after a move
            if folder.resolve() == own.resolve() or own.resolve() in folder.resolve().parents:
                raise DataFolderError(f"{folder} is inside RuralWatch's own {own.name} folder: choose another.")
    if target.exists() or keyring_path(target).exists():
        raise DataFolderError(f"{folder} already holds a RuralWatch database ({file_name}); choose another "
                              "folder, or start RuralWatch with --db to open that one.")
    if not create and not folder.exists():
        return target
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataFolderError(f"The folder {folder} cannot be created: {exc.strerror or exc}.") from exc
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DataFolderError(f"You may not write in {folder}: choose a folder of your own.")
    return target


@dataclass(frozen=True)
class MovedDatabase:
    """A finished copy: the new database (now the remembered one) and the old files still to remove."""

    old_path: Path
    new_path: Path
    old_files: tuple[Path, ...] = field(default=())
    old_backups: Path | None = None
    upgrade_copies: tuple[Path, ...] = field(default=())


def _data_version(store: Store) -> int:
    return int(store.db.execute("PRAGMA data_version").fetchone()[0])


def _move_file(source: Path, target: Path) -> None:
    """A rename where it can be; across file systems a copy through a temporary name, then the source removed,
    so a file with a backup's name is always whole."""
    try:
        os.replace(source, target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        copy_file(source, target)
        source.unlink()


def move_database(store: Store, folder: Path, progress: ProgressCallback | None = None) -> MovedDatabase:
    """Copy the open database and its keyring into `folder`, check the copy, and make it the one used from the
    next start. Administrators only (the same right as restoring a backup). Call `finish_move` after closing.

    `progress(done_pages, total_pages) -> bool`: a False return cancels (CancelledError), nothing moved."""
    store.actor.require("data.purge")
    if store.key is None or store.path is None:
        raise DataFolderError("Only an encrypted database file can be moved: this one is not encrypted.")
    old_path = Path(store.path)
    target = check_data_folder(folder, old_path.name, current=old_path)
    keyring = Keyring.load(old_path)  # refuse before copying anything if the keys cannot be read
    old_maps, new_maps = basemaps_folder(old_path), basemaps_folder(target)
    maps = sorted(p for p in old_maps.glob("*.mbtiles") if p.is_file()) if old_maps.is_dir() else []
    if maps and new_maps.exists() and any(new_maps.iterdir()):
        raise DataFolderError(f"{new_maps} already holds files: choose an empty folder for the data.")
    staged = target.with_name(target.name + PART_SUFFIX)
    with store.transaction():  # recorded first, so the copy carries the entry too
        record_event(store, "data.move", None, None, {"from": str(old_path.parent), "to": str(target.parent)})
    def still_wanted() -> None:
        if progress is not None and not progress(1, 1):
            raise CancelledError("cancelled: nothing was moved")

    try:
        copy_database(store.db.conn, staged, store.key, noted(progress, f"Copying the database to {target.parent}"))
        # Another connection (a backup, a second window, the command line) writing after the copy would write
        # only to the old file: PRAGMA data_version changes when another connection commits.
        copied_version = _data_version(store)
        problem = check_file(staged, store.key)
        if problem:
            raise DataFolderError(f"The copy in {target.parent} could not be read back ({problem}); nothing moved.")
        for basemap in maps:  # RuralWatch's own basemap copies are stored relative to the data folder
            new_maps.mkdir(parents=True, exist_ok=True)
            copy_file(basemap, new_maps / basemap.name, progress)
        still_wanted()  # a Cancel during the check above still stops the move
        if _data_version(store) != copied_version:
            raise DataFolderError("The database changed while it was being copied (another RuralWatch window or "
                                  "command?); nothing was moved: close the others and try again.")
        os.replace(staged, target)
        keyring.copy_to(target)
        still_wanted()
        remember_db_path(target)
    except (OSError, RuralWatchError, CancelledError) as exc:
        for leftover in (staged, target, keyring_path(target), *(new_maps / m.name for m in maps)):
            with suppress(FileNotFoundError):
                leftover.unlink()
        with suppress(OSError):
            new_maps.rmdir()
        with suppress(RuralWatchError, DatabaseError), store.transaction():
            record_event(store, "data.move.failed", None, None, {"to": str(target.parent), "error": str(exc)})
        if isinstance(exc, DataFolderError | CancelledError):
            raise
        raise DataFolderError(f"The database was not moved to {target.parent}: {exc}") from exc
    old_files = tuple(p for p in (old_path, keyring_path(old_path),
                                  *(old_path.with_name(old_path.name + s) for s in SIDE_SUFFIXES)))
    old_backups = backups_folder(old_path)
    # Copies made before schema upgrades (<db>.schemaN-<time>.bak) belong with the database: moved after closing.
    upgrades = tuple(sorted(old_path.parent.glob(f"{old_path.name}.schema*.bak")))
    # So does the road network (<db>.roads): derived data, moved the same way (after closing, by name).
    roads = roads_file(old_path)
    if roads is not None and roads.is_file():
        upgrades = (*upgrades, roads)
    return MovedDatabase(old_path, target, (*old_files, *maps), old_backups if old_backups.is_dir() else None,
                         upgrades)


def finish_move(moved: MovedDatabase) -> list[str]:
    """After the old database is closed: move its backups and upgrade copies beside the new one, then remove its
    files, but only once the new database and keyring are in place.

    Returns problems worth telling the user (a file that could not be moved or removed); never raises for them,
    since the new database is complete and already in use."""
    if not moved.new_path.is_file() or not keyring_path(moved.new_path).is_file():
        return [f"{moved.new_path} or its keyring is missing, so the old files in {moved.old_path.parent} were kept"]
    keep = {moved.new_path.resolve(), keyring_path(moved.new_path).resolve()}
    problems: list[str] = []
    if moved.old_backups is not None:
        new_backups = backups_folder(moved.new_path)
        new_backups.mkdir(parents=True, exist_ok=True)
        for backup in sorted(moved.old_backups.iterdir()):
            if backup.resolve() in keep or backup.resolve() == new_backups.resolve():
                continue
            try:
                _move_file(backup, new_backups / backup.name)
            except OSError as exc:
                problems.append(f"backup {backup.name} was not moved: {exc}")
        with suppress(OSError):
            moved.old_backups.rmdir()
    for upgrade in moved.upgrade_copies:
        try:
            _move_file(upgrade, moved.new_path.parent / upgrade.name)
        except OSError as exc:
            problems.append(f"{upgrade.name} was not moved: {exc}")
    for old in moved.old_files:
        if old.resolve() in keep:
            continue
        try:
            old.unlink(missing_ok=True)
        except OSError as exc:
            problems.append(f"{old} was not removed: {exc}")
    with suppress(OSError):  # only if now empty: a file the user put there stays
        basemaps_folder(moved.old_path).rmdir()
    return problems
