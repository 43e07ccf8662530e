"""open_store: pragmas, schema version, device identity, refusals, backups and migration rollback."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from ruralwatch.store import NotARuralWatchDatabaseError, SchemaTooNewError, Store, open_store
from ruralwatch.store.database import IntegrityError, migrate
from ruralwatch.store.migrations import LATEST_VERSION, MIGRATIONS


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tables(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        conn.close()


def user_version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


def set_user_version(path: Path, version: int) -> None:
    conn = sqlite3.connect(path)
    try:
        conn.execute(f"PRAGMA user_version = {version}")
        conn.commit()
    finally:
        conn.close()


def backups(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}.schema*.bak"))


def add_meta_row(store: Store, key: str = "marker", value: str = "kept") -> None:
    store.set_meta(key, value)


def test_open_store_sets_pragmas_and_schema_version(store: Store) -> None:
    db = store.db
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert store.schema_version() == LATEST_VERSION == len(MIGRATIONS)
    assert {"meta", "incidents", "incident_vehicles", "stolen_items", "blobs", "attachments"} <= set(
        db.table_names()
    )


def test_foreign_keys_are_enforced(store: Store) -> None:
    with pytest.raises(IntegrityError):
        store.db.execute(
            "INSERT INTO incident_vehicles(id, incident_id, vrm, created_at, updated_at, device_id, hlc, field_hlc) "
            "VALUES ('v1', 'no-such-incident', 'AB12CDE', 'x', 'x', 'd', 'h', '{}')"
        )


def test_a_new_database_gets_a_device_id_and_no_backup(store: Store, db_path: Path) -> None:
    assert store.device_id and "-" not in store.device_id
    assert store.meta("device_id") == store.device_id
    assert store.path == db_path
    assert backups(db_path) == []


def test_reopening_keeps_device_id_and_data(db_path: Path) -> None:
    first = open_store(db_path)
    device_id = first.device_id
    add_meta_row(first)
    first.close()
    second = open_store(db_path)
    try:
        assert second.device_id == device_id
        assert second.meta("marker") == "kept"
        assert second.schema_version() == LATEST_VERSION
        assert backups(db_path) == []
    finally:
        second.close()


def test_open_store_creates_missing_folders(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "rw.db"
    opened = open_store(path)
    opened.close()
    assert path.is_file()


def test_newer_schema_is_refused_and_the_file_is_unchanged(db_path: Path) -> None:
    opened = open_store(db_path)
    add_meta_row(opened)
    opened.close()
    set_user_version(db_path, LATEST_VERSION + 1)
    before = sha256(db_path)
    files_before = sorted(p.name for p in db_path.parent.iterdir())

    with pytest.raises(SchemaTooNewError, match="newer"):
        open_store(db_path)

    assert sha256(db_path) == before
    assert sorted(p.name for p in db_path.parent.iterdir()) == files_before
    assert user_version(db_path) == LATEST_VERSION + 1


def test_a_file_that_is_not_sqlite_is_refused(db_path: Path) -> None:
    db_path.write_bytes(b"Dear diary, today I recorded a fly-tipping incident.\n" * 10)
    before = sha256(db_path)
    with pytest.raises(NotARuralWatchDatabaseError, match="not an SQLite file"):
        open_store(db_path)
    assert sha256(db_path) == before


def test_a_corrupt_sqlite_file_is_refused(db_path: Path) -> None:
    db_path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4096)
    with pytest.raises(NotARuralWatchDatabaseError):
        open_store(db_path)


def test_an_sqlite_file_with_foreign_tables_is_refused(db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE recipes(name TEXT)")
    conn.execute("INSERT INTO recipes VALUES ('scones')")
    conn.commit()
    conn.close()
    with pytest.raises(NotARuralWatchDatabaseError, match="recipes"):
        open_store(db_path)
    assert tables(db_path) == {"recipes"}
    assert user_version(db_path) == 0


def _make_rollback_journal_file(path: Path, case: str) -> None:
    conn = sqlite3.connect(path)
    if case == "foreign tables":
        conn.execute("CREATE TABLE recipes(name TEXT)")
    else:
        conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    conn.commit()
    conn.close()


@pytest.mark.parametrize("case", ["foreign tables", "newer schema"])
def test_a_refused_file_in_rollback_journal_mode_is_left_byte_for_byte_unchanged(db_path: Path, case: str) -> None:
    _make_rollback_journal_file(db_path, case)
    before = sha256(db_path)
    with pytest.raises((NotARuralWatchDatabaseError, SchemaTooNewError)):
        open_store(db_path)
    assert sha256(db_path) == before


# --- migrations --------------------------------------------------------------------------------------------


def test_migrating_to_a_new_version_makes_a_backup_first(db_path: Path) -> None:
    opened = open_store(db_path)
    add_meta_row(opened)
    device_id = opened.device_id
    opened.close()
    assert user_version(db_path) == LATEST_VERSION
    seen_during_step: list[list[Path]] = []

    def add_notes_table(db: sqlite_utils.Database) -> None:
        seen_during_step.append(backups(db_path))
        db["notes"].create({"id": str, "text": str}, pk="id")

    upgraded = open_store(db_path, steps=(*MIGRATIONS, add_notes_table))
    try:
        assert upgraded.schema_version() == LATEST_VERSION + 1
        assert "notes" in upgraded.db.table_names()
        assert upgraded.device_id == device_id
        assert upgraded.meta("marker") == "kept"
    finally:
        upgraded.close()

    made = backups(db_path)
    assert len(made) == 1
    assert seen_during_step == [made]  # the backup existed before the step ran
    backup = made[0]
    assert backup.parent == db_path.parent
    assert backup.name.startswith(f"{db_path.name}.schema{LATEST_VERSION}-")
    assert user_version(backup) == LATEST_VERSION
    assert "notes" not in tables(backup)
    conn = sqlite3.connect(backup)
    try:
        assert conn.execute("SELECT value FROM meta WHERE key = 'marker'").fetchone() == ("kept",)
    finally:
        conn.close()


def test_migrate_returns_the_backup_path(db_path: Path) -> None:
    open_store(db_path).close()
    db = sqlite_utils.Database(sqlite3.connect(db_path))
    try:
        backup = migrate(db, db_path, (*MIGRATIONS, lambda d: d["notes"].create({"id": str}, pk="id")))
        assert backup is not None and backup.is_file()
        assert backup == backups(db_path)[0]
        assert migrate(db, db_path, (*MIGRATIONS, lambda d: None)) is None  # already up to date
    finally:
        db.close()


def test_a_failing_migration_rolls_back(db_path: Path) -> None:
    opened = open_store(db_path)
    add_meta_row(opened)
    opened.close()
    tables_before = tables(db_path)

    def broken(db: sqlite_utils.Database) -> None:
        db["notes"].create({"id": str}, pk="id")
        db["notes"].create_index(["id"], index_name="idx_notes")
        db.execute("INSERT INTO meta(key, value) VALUES ('half', 'done')")
        db.execute("ALTER TABLE incidents ADD COLUMN mood TEXT")
        raise RuntimeError("migration failed halfway")

    with pytest.raises(RuntimeError, match="halfway"):
        open_store(db_path, steps=(*MIGRATIONS, broken))

    assert user_version(db_path) == LATEST_VERSION
    assert tables(db_path) == tables_before
    reopened = open_store(db_path)
    try:
        assert reopened.meta("half") is None
        assert reopened.meta("marker") == "kept"
        assert "mood" not in reopened.db["incidents"].columns_dict
    finally:
        reopened.close()


def test_a_failing_second_step_keeps_the_first(tmp_path: Path) -> None:
    path = tmp_path / "steps.db"

    def broken(db: sqlite_utils.Database) -> None:
        db["notes"].create({"id": str}, pk="id")
        raise RuntimeError("nope")

    with pytest.raises(RuntimeError):
        open_store(path, steps=(*MIGRATIONS, broken))
    assert user_version(path) == LATEST_VERSION
    assert "incidents" in tables(path) and "notes" not in tables(path)


def test_version_1_database_upgrades_to_basemaps_schema_with_backup(db_path: Path) -> None:
    """Migration 2 (basemaps) on a file made by the first release, with an incident in it."""
    first = open_store(db_path, steps=MIGRATIONS[:1])
    first.db.execute(
        "INSERT INTO incidents(id, kind, occurred_start, lat, lon, status, created_at, updated_at, device_id, hlc,"
        " field_hlc) VALUES ('a', 'fly_tipping', '2026-01-01T00:00:00Z', 51.9, 0.5, 'open', 'x', 'x', 'd',"
        " '000000000000001-000000-d', '{}')"
    )
    first.close()
    assert user_version(db_path) == 1
    upgraded = open_store(db_path)
    try:
        assert upgraded.schema_version() == LATEST_VERSION
        assert "basemaps" in upgraded.db.table_names()
        assert upgraded.db.execute("SELECT kind FROM incidents WHERE id = 'a'").fetchone() == ("fly_tipping",)
    finally:
        upgraded.close()
    assert [b.name.split("-")[0] for b in backups(db_path)] == [f"{db_path.name}.schema1"]


def test_a_full_disk_mid_write_is_one_clear_error_and_nothing_is_saved(store: Store, db_path: Path) -> None:
    """SQLite's SQLITE_FULL escaped as a traceback (`ruralwatch demo` or an import onto a full stick, exit 1).
    The database is held at its size with max_page_count: SQLite then fails as on a full disk."""
    from ruralwatch.services.demo import load_demo
    from ruralwatch.services.incidents import IncidentService
    from ruralwatch.store.database import DatabaseFullError

    incidents = IncidentService(store)
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(DatabaseFullError, match=f"the disk holding {db_path} is full: nothing was saved"):
        load_demo(incidents, count=400)
    assert incidents.count() == 0 and not store.db.conn.in_transaction
    store.db.execute("PRAGMA max_page_count = 1073741823")  # space freed: the same write goes through
    load_demo(incidents, count=5)
    assert incidents.count() == 5
