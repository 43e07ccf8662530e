"""The laptop's syncable tables as the central store must hold them, read from the laptop's own migrations.

A throwaway SQLite database is migrated to the latest laptop schema (ruralwatch.store.migrations, through the one
connection factory) and its tables are read back: column names, declared types, NOT NULL, foreign keys. The
PostgreSQL schema is generated from that, so a column added to a laptop migration appears in the central schema
at the next `central init`, and a test checks the two hold the same columns.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ruralwatch.store.database import SYNCABLE_TABLES, open_store
from ruralwatch.store.migrations import LATEST_VERSION

# Local context data the central store also holds (not synced by packages; loaded from laptops' imports).
CONTEXT_TABLES = ("published_crimes",)
# SQLite's declared types (what sqlite-utils writes) as PostgreSQL types; anything else is text.
PG_TYPES = {"TEXT": "text", "INTEGER": "bigint", "FLOAT": "double precision", "REAL": "double precision",
            "BLOB": "bytea"}


@dataclass(frozen=True)
class Column:
    name: str
    sqlite_type: str
    not_null: bool
    primary_key: bool

    @property
    def pg_type(self) -> str:
        return PG_TYPES.get(self.sqlite_type.upper(), "text")


@dataclass(frozen=True)
class ForeignKey:
    column: str
    table: str
    target: str


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[Column, ...]
    foreign_keys: tuple[ForeignKey, ...]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


@dataclass(frozen=True)
class LaptopSchema:
    version: int
    syncable: tuple[TableSpec, ...]  # parents before children (SYNCABLE_TABLES order)
    context: tuple[TableSpec, ...]

    def table(self, name: str) -> TableSpec:
        for spec in (*self.syncable, *self.context):
            if spec.name == name:
                return spec
        raise KeyError(name)


@cache
def laptop_schema() -> LaptopSchema:
    """Read once per process (a migration run on a temporary file: about a tenth of a second)."""
    with tempfile.TemporaryDirectory(prefix="ruralwatch-schema-") as folder:
        store = open_store(Path(folder) / "schema.db")
        try:
            def read(name: str) -> TableSpec:
                info = store.db.execute(f"PRAGMA table_info([{name}])").fetchall()
                columns = tuple(Column(str(r[1]), str(r[2] or ""), bool(r[3]), bool(r[5])) for r in info)
                keys = store.db.execute(f"PRAGMA foreign_key_list([{name}])").fetchall()
                foreign = tuple(ForeignKey(str(k[3]), str(k[2]), str(k[4])) for k in keys)
                return TableSpec(name, columns, foreign)

            version = store.schema_version()
            if version != LATEST_VERSION:  # the factory migrates to the latest: anything else is a bug
                raise AssertionError(f"laptop schema {version}, expected {LATEST_VERSION}")
            return LaptopSchema(version, tuple(read(t) for t in SYNCABLE_TABLES),
                                tuple(read(t) for t in CONTEXT_TABLES))
        finally:
            store.close()
