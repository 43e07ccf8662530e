"""The one place that opens a RuralWatch database.

SQLCipher (through sqlcipher3) for every file: with a key the whole file is encrypted (AES-256, the key is
random and kept wrapped per account by ruralwatch.store.keyring); without one it is a plain SQLite file
(tests, and files made before encryption, which `ruralwatch encrypt` converts). WAL journal, foreign keys on,
full sync; schema version in `PRAGMA user_version`; ordered migrations, each in its own transaction, after a
backup copy of the file; a clear refusal of a newer schema or of a file that is not a RuralWatch database.
Each thread opens its own Store (connections are per thread): `Store.reopen()` gives a worker one with the
same key and the same signed-in actor.
"""

from __future__ import annotations

import os
import uuid
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlite_utils
from sqlcipher3 import dbapi2 as driver

from ruralwatch.core.clock import Hlc, HybridLogicalClock
from ruralwatch.core.errors import RuralWatchError
from ruralwatch.core.permissions import SYSTEM, Actor
from ruralwatch.store import migrations as migrations_module
from ruralwatch.store.field_vault import FieldVault, associated_data, is_sealed
from ruralwatch.store.migrations import Migration

if TYPE_CHECKING:
    import pandas as pd

SQLITE_HEADER = b"SQLite format 3\x00"
KEY_BYTES = 32
# Page cache per connection, in KiB (the build's default is 8,000). SQLCipher decrypts and checks (AES-256 +
# HMAC-SHA512) every page it reads into the cache, so a page evicted and read again costs a decryption, not a
# memory copy: the map's query visits the incidents table in index order and, for 100,000 incidents, re-read
# pages under the small default cache (1.47 s CPU encrypted against 0.75 s plain; 0.79 s with this cache).
# The cache only grows as pages are read: small databases use what they always used. See docs/BENCHMARKS.md.
CACHE_KIB = 65_536
# How long a writer waits for another to finish (an import or a merge holds the write lock for seconds): long
# enough that two RuralWatch programs writing at once simply take turns. Reads never wait (WAL).
BUSY_TIMEOUT_MS = 60_000
# The driver's errors: every layer catches these (not the standard library's sqlite3 ones).
DatabaseError = driver.DatabaseError
IntegrityError = driver.IntegrityError
OperationalError = driver.OperationalError
# Parents before children: a merge inserts in this order, so foreign keys hold.
SYNCABLE_TABLES = (
    "incidents", "incident_vehicles", "stolen_items", "attachments",
    "people", "availability", "availability_exceptions", "duties", "duty_assignments",
    "patrols", "patrol_crew", "patrol_events", "watchlist_vehicles", "patrol_track_points",
    "premises", "premises_visits", "premises_property",
    "community_alerts",
)


class SchemaTooNewError(RuralWatchError):
    pass


class NotARuralWatchDatabaseError(RuralWatchError):
    pass


class EncryptedDatabaseError(NotARuralWatchDatabaseError):
    """The file is encrypted and no (or the wrong) key was given."""


class DatabaseBusyError(RuralWatchError):
    """Another program held the write lock for longer than BUSY_TIMEOUT_MS. Nothing is wrong with the file."""

    def __init__(self, path: Path | str | None = None) -> None:
        where = f" {Path(path).name}" if path else ""
        super().__init__(f"the database{where} is busy: another RuralWatch window or command is writing to it (an "
                         "import or a merge?); nothing was changed, try again when it has finished")


class DatabaseFullError(RuralWatchError):
    """The disk holding the database filled up during a write: the whole transaction was rolled back."""

    def __init__(self, path: Path | str | None = None) -> None:
        where = f" holding {path}" if path else ""
        super().__init__(f"the disk{where} is full: nothing was saved; free some space on it, then try again")


def is_full(exc: BaseException, path: Path | str | None = None) -> bool:
    """SQLITE_FULL, or a write error (SQLite may say "disk I/O error") where the disk is found full by looking."""
    if not isinstance(exc, driver.OperationalError):
        return False
    name = str(getattr(exc, "sqlite_errorname", "") or "")
    if name == "SQLITE_FULL" or "database or disk is full" in str(exc):
        return True
    if name.startswith("SQLITE_IOERR") and path is not None:
        from ruralwatch.store.database_check import disk_is_full  # it imports this module

        return disk_is_full(Path(path).parent)
    return False


def is_busy(exc: BaseException) -> bool:
    """A lock held by another connection (SQLITE_BUSY / SQLITE_LOCKED), as opposed to damage."""
    if isinstance(exc, DatabaseBusyError):
        return True
    return isinstance(exc, driver.OperationalError) and any(
        word in str(exc).lower() for word in ("database is locked", "database table is locked", "busy"))


def key_does_not_fit(exc: BaseException) -> bool:
    """SQLITE_NOTADB: the first page does not decrypt with the key (the key of another file, or that page
    damaged), as opposed to damage further in (SQLITE_CORRUPT, or SQLCipher's failed page check)."""
    return isinstance(exc, driver.DatabaseError) and getattr(exc, "sqlite_errorname", None) == "SQLITE_NOTADB"


@contextmanager
def write_transaction(db: sqlite_utils.Database, path: Path | None = None) -> Iterator[sqlite_utils.Database]:
    """A write transaction that takes the write lock first (BEGIN IMMEDIATE), so it waits its turn behind another
    writer under the busy timeout. A deferred BEGIN would start as a reader and fail at once (SQLITE_BUSY, no
    waiting) when it tried to write after another connection had. Nested calls are savepoints."""
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    try:
        db.conn.execute("BEGIN IMMEDIATE")
    except OperationalError as exc:
        if is_busy(exc):
            raise DatabaseBusyError(path) from None
        raise
    try:
        yield db
    except BaseException as exc:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        if is_full(exc, path):  # an insert that needed a page more than the disk has
            raise DatabaseFullError(path) from None
        raise
    try:
        db.conn.execute("COMMIT")
    except BaseException as exc:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        if isinstance(exc, OperationalError) and is_busy(exc):
            raise DatabaseBusyError(path) from None
        if is_full(exc, path):
            raise DatabaseFullError(path) from None
        raise


class Store:
    """An open database with its device identity, logical clock, key and the actor doing the work."""

    def __init__(self, db: sqlite_utils.Database, path: Path, device_id: str, clock: HybridLogicalClock,
                 key: bytes | None = None, actor: Actor = SYSTEM) -> None:
        self.db = db
        self.path = path
        self.device_id = device_id
        self.clock = clock
        self.key = key
        self.actor = actor
        # The signed-in account's own keys (ruralwatch.store.identity.AccountKeys): an administrator signs account
        # records with them. None for plain stores, the system actor, and accounts not yet upgraded.
        self.signer: Any = None
        # The field keys this session holds (ruralwatch.store.protection), and the stored key set they were checked
        # against. None until a sign-in (or the first sealed write) loads them.
        # True while the outermost store.transaction() holds the write lock; `checked_vault` is what
        # ruralwatch.store.protection.writing_vault found in it (no other program can change the field keys until
        # it ends). Setting `fields` or `field_keys_text` (this program changing its keys) forgets that check.
        self.in_write = False
        self.field_keys_checked = False
        self.checked_vault: FieldVault | None = None
        self._fields: FieldVault | None = None
        self._field_keys_text: str | None = None
        # SQL reads a protected column through rw_open(value, table, column, id): clear text, or "" without the key.
        db.conn.create_function("rw_open", 4, self.open_field, deterministic=True)
        self.closed = False
        _OPEN_HERE.add(self)

    @property
    def fields(self) -> FieldVault | None:
        return self._fields

    @fields.setter
    def fields(self, vault: FieldVault | None) -> None:
        self._fields, self.field_keys_checked = vault, False

    @property
    def field_keys_text(self) -> str | None:
        return self._field_keys_text

    @field_keys_text.setter
    def field_keys_text(self, text: str | None) -> None:
        self._field_keys_text, self.field_keys_checked = text, False

    def open_field(self, value: Any, table: str, column: str, row_id: str) -> Any:
        """A protected value in clear: "" when this session holds no key to it; any other value as it is."""
        if not is_sealed(value):
            return value
        if self.fields is None:
            return ""
        return self.fields.open(value, associated_data(table, column, str(row_id))) or ""

    @property
    def encrypted(self) -> bool:
        return self.key is not None

    @contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """All writes go through here: everything inside commits together or not at all, after waiting its turn
        behind any other writer (see write_transaction)."""
        if self.in_write:
            with write_transaction(self.db, self.path) as db:  # nested: a savepoint
                yield db
            return
        try:
            with write_transaction(self.db, self.path) as db:
                self.in_write, self.field_keys_checked = True, False
                yield db
        finally:
            self.in_write = self.field_keys_checked = False

    def reopen(self) -> Store:
        """Another connection to the same file, key and actor: for a worker thread. Close it after."""
        store = open_store(self.path, key=self.key, actor=self.actor)
        store.signer = self.signer
        store.fields, store.field_keys_text = self.fields, self.field_keys_text
        return store

    def frame(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        """A query's rows as a DataFrame (pandas' read_sql only knows the standard library's driver)."""
        import pandas as pd  # imported where used, as the analysis modules do
        cursor = self.db.execute(sql, list(params))
        return pd.DataFrame.from_records(cursor.fetchall(), columns=[d[0] for d in cursor.description])

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

    def release_cache(self) -> None:
        """Give the page cache's memory back (up to CACHE_KIB): after a large read, e.g. the map's 100,000 rows,
        whose pages are not read again soon; what is asked for next is read (and decrypted) again."""
        self.db.execute("PRAGMA shrink_memory")

    def close(self) -> None:
        self.closed = True
        _OPEN_HERE.discard(self)
        self.db.close()


# The stores this process has open (a store dropped without close() leaves with its connection).
_OPEN_HERE: weakref.WeakSet[Store] = weakref.WeakSet()


def open_here(path: Path) -> bool:
    """Whether this process has a store open on the database at `path`."""
    target = Path(path).expanduser().resolve()
    return any(not store.closed and Path(store.path).resolve() == target for store in list(_OPEN_HERE))


def shred(path: Path) -> None:
    """Overwrite a file with zeros, then remove it: no readable copy left behind through RuralWatch (a journaling or
    SSD file system may still hold old blocks: the user guide says to encrypt the disk as well)."""
    if path.is_file():
        size = path.stat().st_size
        with path.open("r+b") as handle:
            handle.write(b"\0" * size)
            handle.flush()
        path.unlink()


def schema_copies(path: Path) -> list[Path]:
    """The copies made before schema upgrades (see _backup) of the database at `path`."""
    return sorted(path.parent.glob(f"{path.name}.schema*.bak"))


def _create_private(path: Path) -> None:
    """A new database file is made readable by its owner only (it holds personal data); SQLite gives the -wal and
    -shm files the database file's mode, and backups, copies and staged files are opened through here too."""
    if str(path) == ":memory:" or os.path.exists(path):
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError:
        pass  # already there after all, or a folder missing: the driver reports what is wrong


def connect(path: Path, key: bytes | None) -> Any:
    """A driver connection, keyed when `key` is given (the key must be the first statement)."""
    _create_private(path)
    conn = driver.connect(str(path))
    if key is not None:
        if len(key) != KEY_BYTES:
            conn.close()
            raise ValueError("a database key is 32 bytes")
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    # SQLCipher's memory security wipes (memset) every block SQLite frees and mlocks what it allocates, in the
    # whole process; this build leaves it off, and it is set here so that a build that turned it on could not
    # quietly cost every statement (docs/BENCHMARKS.md, "the driver gap"). The trade-off: with it on, freed
    # page buffers (plain text of decrypted pages) would not linger in the heap for a memory dump or swap to find.
    # Off, they may; but this process holds the same rows as Python objects and the raw key as Python bytes (the
    # keyring unwraps it into one), which nothing can wipe or lock, so turning it on would protect little of what
    # an attacker reading this process's memory gets anyway. SQLCipher wipes its own key material either way.
    conn.execute("PRAGMA cipher_memory_security = OFF")
    return conn


def opens_with(path: Path, key: bytes | None) -> bool:
    """Whether a fresh connection with `key` reads the file (its first page decrypts and checks)."""
    try:
        conn = connect(path, key)
    except (DatabaseError, ValueError):
        return False
    try:
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        return True
    except DatabaseError:
        return False
    finally:
        conn.close()


def in_use_elsewhere(path: Path) -> bool:
    """Whether another connection (this process's or another program's) has the database open; it needs no key.
    Used before replacing the file (restore).

    Asked in this order: a store this process has open; SQLite's lock on the -shm file, which every connection in
    WAL mode holds for as long as it is open; then a lock on the file itself, asked for exclusively without
    waiting. The last alone is not enough: a program that opens and closes the file with its own descriptor
    (POSIX then drops every lock the process holds on it) leaves its connections open without it, and the probe,
    granted the lock, would fold that program's write-ahead log into the file behind its back."""
    if not path.is_file():
        return False
    if open_here(path):
        return True
    # No connection of this process is open on the file, so closing a descriptor of its -shm file here drops no
    # lock that SQLite relies on.
    if _shm_held_elsewhere(path):
        return True
    probe = driver.connect(str(path), timeout=0)
    try:
        probe.execute("PRAGMA locking_mode = EXCLUSIVE")
        probe.execute("BEGIN EXCLUSIVE")
        probe.execute("ROLLBACK")
        return False
    except DatabaseError as exc:
        # Locked: someone has it open. Any other error (no key given, so the first page reads as "not a
        # database") came after the lock was granted: no one has.
        return is_busy(exc)
    finally:
        probe.close()


# SQLite's unix VFS: each connection in WAL mode holds a read lock on this byte of the -shm file while it is open
# (the "DMS" slot, WALINDEX_LOCK_OFFSET 120 + SQLITE_SHM_NLOCK 8); the first to open the file is the one that can
# take it exclusively.
SHM_DMS_BYTE = 128


def _shm_held_elsewhere(path: Path) -> bool:
    """Whether another process has a connection open on the database, from its lock on the -shm file."""
    shm = path.with_name(path.name + "-shm")
    try:
        import fcntl
    except ImportError:  # Windows: its locks are mandatory, and replacing an open file fails there anyway
        return False
    try:
        handle = os.open(shm, os.O_RDWR)
    except OSError:
        return False  # no -shm file: no connection in WAL mode
    try:
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, SHM_DMS_BYTE)
        except OSError:
            return True
        fcntl.lockf(handle, fcntl.LOCK_UN, 1, SHM_DMS_BYTE)
        return False
    finally:
        os.close(handle)


def is_encrypted(path: Path) -> bool:
    """A non-empty file without the plain SQLite header: an encrypted database (or not a database at all)."""
    if not path.is_file() or path.stat().st_size == 0:
        return False
    with path.open("rb") as handle:
        return handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER


def check_plain_database(path: Path) -> None:
    """Refuse a plain SQLite file that is not a RuralWatch database (an MBTiles file, another program's data) or
    is newer than this RuralWatch, read-only and without changing it: before telling the user to encrypt it."""
    conn: Any = driver.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        check_openable(sqlite_utils.Database(conn, execute_plugins=False), path, len(migrations_module.MIGRATIONS))
    except driver.DatabaseError as exc:
        raise NotARuralWatchDatabaseError(f"{path} cannot be read as a database: {exc}") from None
    finally:
        conn.close()


def _check_file(path: Path, key: bytes | None) -> None:
    if path.is_dir():
        raise NotARuralWatchDatabaseError(f"{path} is a folder, not a database file")
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header == SQLITE_HEADER and key is not None:
        raise EncryptedDatabaseError(
            f"{path} is not encrypted; convert it first with `ruralwatch --db {path} encrypt --admin NAME`"
        )
    if header != SQLITE_HEADER and key is None:
        raise EncryptedDatabaseError(
            f"{path} is encrypted, or not a RuralWatch database (not an SQLite file): sign in to open it"
        )


def _backup(conn: Any, path: Path, version: int, key: bytes | None) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.schema{version}-{stamp}.bak")
    copy = type(conn)(str(target))  # the same driver as the source (tests migrate plain sqlite3 connections)
    if key is not None:  # same key: SQLCipher's backup copies pages as they are
        copy.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    try:
        conn.backup(copy)
    finally:
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
    key = getattr(db, "ruralwatch_key", None)
    backup = _backup(db.conn, path, current, key) if (path and 0 < current < latest) else None
    for version in range(current + 1, latest + 1):
        with write_transaction(db, path):
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


def open_store(path: str | Path, steps: Sequence[Migration] | None = None, key: bytes | None = None,
               actor: Actor = SYSTEM) -> Store:
    """Open (creating if needed) and migrate the database at `path`; encrypted with `key` when given."""
    path = Path(path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    if not open_here(path):
        # Read with a descriptor of our own, which drops this process's locks on the file when it closes: so not
        # when a store is open on it here already (a worker's reopen), whose file was checked when it opened.
        _check_file(path, key)
    conn = connect(path, key)
    try:
        db = sqlite_utils.Database(conn, execute_plugins=False)
        db.ruralwatch_key = key  # type: ignore[attr-defined]  # for the pre-migration backup
        try:
            # Refuse a foreign or newer file before anything (even the journal mode) changes it.
            check_openable(db, path, len(steps if steps is not None else migrations_module.MIGRATIONS))
            db.execute("PRAGMA journal_mode = WAL").fetchone()
        except DatabaseError as exc:
            if key is not None:
                raise EncryptedDatabaseError(f"{path} cannot be opened: wrong key or a damaged file ({exc})") from None
            raise NotARuralWatchDatabaseError(f"{path} cannot be opened as a database: {exc}") from None
        db.execute("PRAGMA foreign_keys = ON")
        # Triggers and views in the file may not call the application's own functions: rw_open (which opens sealed
        # fields with the signed-in account's keys) would otherwise run inside a trigger someone planted.
        db.execute("PRAGMA trusted_schema = OFF")
        db.execute("PRAGMA synchronous = FULL")
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        migrate(db, path, steps if steps is not None else migrations_module.MIGRATIONS)
        device_id = _device_id(db)
        clock = HybridLogicalClock(device_id, _last_clock(db))
    except BaseException:
        conn.close()
        raise
    return Store(db, path, device_id, clock, key, actor)


def _device_id(db: sqlite_utils.Database) -> str:
    row = db.execute("SELECT value FROM meta WHERE key = 'device_id'").fetchone()
    if row:
        return str(row[0])
    device_id = uuid.uuid4().hex[:16]
    with write_transaction(db):
        db.execute("INSERT INTO meta(key, value) VALUES ('device_id', ?)", [device_id])
    return device_id
