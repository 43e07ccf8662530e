"""The one place that opens a RuralWatch database.

WAL journal, foreign keys on, full sync; schema version in `PRAGMA user_version`; ordered migrations, each
in its own transaction, after a backup copy of the file; a clear refusal of a newer schema or of a file
that is not a RuralWatch database. Each thread opens its own Store (sqlite3 connections are per thread).
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from ruralwatch.core.clock import Hlc, HybridLogicalClock
from ruralwatch.core.errors import RuralWatchError
from ruralwatch.store import migrations as migrations_module
from ruralwatch.store.migrations import Migration

SQLITE_HEADER = b"SQLite format 3\x00"
# Parents before children: a merge inserts in this order, so foreign keys hold.
SYNCABLE_TABLES = (
    "incidents", "incident_vehicles", "stolen_items", "attachments",
    "people", "availability", "availability_exceptions", "duties", "duty_assignments",
    "patrols", "patrol_crew", "patrol_events",
)


class SchemaTooNewError(RuralWatchError):
    pass


class NotARuralWatchDatabaseError(RuralWatchError):
    pass


class Store:
    """An open database with its device identity and logical clock."""

    def __init__(self, db: sqlite_utils.Database, path: Path, device_id: str, clock: HybridLogicalClock):
        self.db = db
        self.path = path
        self.device_id = device_id
        self.clock = clock

    @contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """All writes go through here: everything inside commits together or not at all."""
        with self.db.atomic() as db:
            yield db

    def meta(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction():
            self.db.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [key, value],
            )

    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        self.db.close()


def _check_is_sqlite(path: Path) -> None:
    if path.is_dir():
        raise NotARuralWatchDatabaseError(f"{path} is a folder, not a database file")
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise NotARuralWatchDatabaseError(f"{path} is not a RuralWatch database (not an SQLite file)")


def _backup(conn: sqlite3.Connection, path: Path, version: int) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.schema{version}-{stamp}.bak")
    with sqlite3.connect(target) as copy:
        conn.backup(copy)
    copy.close()
    return target


def check_openable(db: sqlite_utils.Database, path: Path | None, latest: int) -> int:
    """The file's schema version, after refusing a newer schema or another application's database."""
    current = int(db.execute("PRAGMA user_version").fetchone()[0])
    if current > latest:
        raise SchemaTooNewError(
            f"this database has schema version {current}, newer than this RuralWatch understands "
            f"({latest}); update RuralWatch to open it"
        )
    if current == 0 and db.table_names():
        raise NotARuralWatchDatabaseError(
            f"{path or 'the file'} is an SQLite database but not a RuralWatch one (it has tables: "
            f"{', '.join(db.table_names()[:5])})"
        )
    return current


def migrate(db: sqlite_utils.Database, path: Path | None, steps: Sequence[Migration]) -> Path | None:
    """Bring the schema up to len(steps). Returns the backup made before migrating, if any."""
    current = check_openable(db, path, len(steps))
    latest = len(steps)
    backup = _backup(db.conn, path, current) if (path and 0 < current < latest) else None
    for version in range(current + 1, latest + 1):
        with db.atomic():
            steps[version - 1](db)
            db.execute(f"PRAGMA user_version = {version}")
    return backup


def _last_clock(db: sqlite_utils.Database) -> Hlc | None:
    latest: str | None = None
    existing = set(db.table_names())  # an older schema (tests open one on purpose) lacks later tables
    for table in (t for t in SYNCABLE_TABLES if t in existing):
        row = db.execute(f"SELECT MAX(hlc) FROM {table}").fetchone()
        if row and row[0] and (latest is None or row[0] > latest):
            latest = row[0]
    return Hlc.decode(latest) if latest else None


def open_store(path: str | Path, steps: Sequence[Migration] | None = None) -> Store:
    """Open (creating if needed) and migrate the database at `path`."""
    path = Path(path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    _check_is_sqlite(path)
    conn = sqlite3.connect(path)
    try:
        db = sqlite_utils.Database(conn, execute_plugins=False)
        try:
            # Refuse a foreign or newer file before anything (even the journal mode) changes it.
            check_openable(db, path, len(steps if steps is not None else migrations_module.MIGRATIONS))
            db.execute("PRAGMA journal_mode = WAL").fetchone()
        except sqlite3.DatabaseError as exc:
            raise NotARuralWatchDatabaseError(f"{path} cannot be opened as a database: {exc}") from None
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA synchronous = FULL")
        db.execute("PRAGMA busy_timeout = 5000")
        migrate(db, path, steps if steps is not None else migrations_module.MIGRATIONS)
        device_id = _device_id(db)
        clock = HybridLogicalClock(device_id, _last_clock(db))
    except BaseException:
        conn.close()
        raise
    return Store(db, path, device_id, clock)


def _device_id(db: sqlite_utils.Database) -> str:
    row = db.execute("SELECT value FROM meta WHERE key = 'device_id'").fetchone()
    if row:
        return str(row[0])
    device_id = uuid.uuid4().hex[:16]
    with db.atomic():
        db.execute("INSERT INTO meta(key, value) VALUES ('device_id', ?)", [device_id])
    return device_id
