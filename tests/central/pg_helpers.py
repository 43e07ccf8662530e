"""What the PostgreSQL central-store tests share: a central store made in a fresh database, its rows in the shape
tests/unit/test_sync_merge.syncable_rows gives a SQLite store's (so the two compare table by table), and a dump of
every table to tell "unchanged" from "changed"."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import psycopg

from ruralwatch.central.laptop_schema import laptop_schema
from ruralwatch.central.pg_merge import PgMerger
from ruralwatch.central.pg_schema import quote
from ruralwatch.central.postgres import PgCentral
from ruralwatch.central.target import PgTarget
from ruralwatch.services.sync import ImportResult


def new_central(dsn: str) -> PgCentral:
    central, _ = PgCentral.init(PgTarget(dsn))
    return central


def merge(central: PgCentral, path: Path, passphrase: str | None = None) -> ImportResult:
    """One package, as `central merge` applies each of a folder's (refusals raise PackageError)."""
    return PgMerger(central.conn, central.device_id).merge_package(path, passphrase)


def pg_rows(conn: psycopg.Connection) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for spec in laptop_schema().syncable:
        columns = spec.names
        found = conn.execute(f"SELECT {', '.join(quote(c) for c in columns)} FROM {quote(spec.name)} "
                             f"ORDER BY id COLLATE \"C\"".encode()).fetchall()
        out[spec.name] = [dict(zip(columns, row, strict=True)) for row in found]
    out["blobs"] = [{"sha256": r[0], "size": r[1], "data": bytes(r[2])}
                    for r in conn.execute("SELECT sha256, size, data FROM blobs ORDER BY sha256 COLLATE \"C\"")]
    return out


def conflict_set(rows: list[tuple[Any, ...]]) -> set[tuple[Any, ...]]:
    return {tuple(row) for row in rows}


CONFLICT_COLUMNS = "table_name, row_id, field, local_value, local_hlc, incoming_value, incoming_hlc, winner, kind, " \
                   "resolution"


def dump(dsn: str, leave_out: tuple[str, ...] = ("merge_audit",)) -> str:
    """A digest of every row of every table of the central store (all but `leave_out`)."""
    with psycopg.connect(dsn) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND "
            "table_type = 'BASE TABLE' AND table_name <> 'spatial_ref_sys' ORDER BY table_name")]
        rows = [(t, sorted(repr(r) for r in conn.execute(f"SELECT * FROM {quote(t)}".encode())))
                for t in tables if t not in leave_out]
    return hashlib.sha256(repr(rows).encode()).hexdigest()
