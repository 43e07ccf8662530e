"""Writes to syncable tables: every row carries its identity, times, last writer and logical clocks.

- `id`: a UUID, so rows made on different laptops never collide.
- `created_at` / `updated_at`: UTC wall-clock times for people to read, from the clock of the service writing
  (the one `Services.build` injects; tests fix it).
- `device_id`: the device that wrote the row last.
- `hlc`: the hybrid logical clock of the row's latest change (sync exports rows above a peer's watermark).
- `field_hlc`: JSON object of field -> clock of that field's latest change, so concurrent edits to
  different fields of one record both survive a merge, and edits to the same field resolve per field.
  The key "*" holds the clock of the insert and stands for every field not changed since (this keeps
  a fresh row's bookkeeping to one clock instead of one per column).
- `deleted`: tombstone. Deleting never removes the row, so the delete itself can travel through sync.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import datetime
from typing import Any

from sqlite_utils.db import jsonify_if_needed, quote_identifier

from ruralwatch.core import times
from ruralwatch.core.errors import NotFoundError
from ruralwatch.store.audit import audit_for, record_event, row_hash
from ruralwatch.store.database import Store
from ruralwatch.store.protection import open_values, seal_values

SYNC_FIELDS = frozenset({"id", "created_at", "updated_at", "device_id", "hlc", "field_hlc", "deleted"})
ALL_FIELDS_KEY = "*"


def _insert_clocks(stamp: str) -> str:
    """`field_hlc` of a new row, as json.dumps({"*": stamp}) writes it (a clock is digits, dashes and a device
    id: nothing JSON escapes), without building an encoder per row."""
    return f'{{"{ALL_FIELDS_KEY}": "{stamp}"}}' if stamp.isascii() and stamp.isprintable() and '"' not in stamp \
        and "\\" not in stamp else json.dumps({ALL_FIELDS_KEY: stamp})


def _storable(value: Any) -> Any:
    """A value as SQLite stores it (sqlite-utils' jsonify_if_needed), with the common types passed straight on."""
    if value is None or type(value) in (str, int, float, bytes):
        return value
    return jsonify_if_needed(value)


def new_id() -> str:
    return str(uuid.uuid4())


def resolve_id(store: Store, table: str, text: str, noun: str) -> str:
    """A live row's full id from its id or a unique prefix of it (lists print the first 8 characters)."""
    needle = text.strip().lower()
    if len(needle) < 4:
        raise NotFoundError(f"no {noun} with id {text!r} (give at least 4 characters of the id)")
    rows = store.db.execute(
        f"SELECT id FROM [{table}] WHERE deleted = 0 AND id LIKE ? ESCAPE '\\' LIMIT 2",
        [needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"],
    ).fetchall()
    if len(rows) == 1:
        return str(rows[0][0])
    if not rows:
        raise NotFoundError(f"no {noun} with id {text!r}")
    raise NotFoundError(f"more than one {noun} has an id starting {text!r}: give more of it")


def field_clock(field_hlc: str, field: str) -> str:
    """The clock of the latest change to `field`, from a row's `field_hlc` JSON."""
    clocks = json.loads(field_hlc)
    return str(clocks.get(field, clocks[ALL_FIELDS_KEY]))


# The audit action of a write that settles a sync conflict; its changes name the choice ("resolution").
RESOLVE_ACTION = "resolve_conflict"

class SyncTable:
    """Insert, update and tombstone rows of one syncable table. Call inside `store.transaction()`.

    Writes are plain SQL with `RETURNING *`: the row as stored (after column affinity and defaults) comes back
    from the write itself, for its audit entry, instead of being read again; and no per-row savepoint or schema
    query as sqlite-utils' `insert`/`update` would do. Called outside a transaction, a write opens its own, so
    the row and its audit entry still commit together.
    """

    def __init__(self, store: Store, table: str, clock: Callable[[], datetime] = times.system_clock) -> None:
        self.store = store
        self.table = table
        # Wall-clock time for created_at/updated_at: the service's own clock. The HLC (store.clock) stays real
        # time, since it orders edits across laptops.
        self.clock = clock
        self._quoted = quote_identifier(table)
        self._insert_sql: dict[tuple[str, ...], str] = {}  # column names -> INSERT statement (no RETURNING)

    @contextmanager
    def _atomic(self) -> Iterator[None]:
        with nullcontext() if self.store.db.conn.in_transaction else self.store.transaction():
            yield

    def _returning(self, sql: str, params: list[Any]) -> dict[str, Any]:
        cursor = self.store.db.conn.execute(sql, params)
        found = cursor.fetchall()
        if len(found) != 1:
            raise NotFoundError(f"{self.table}: expected to write one row, wrote {len(found)}")
        return dict(zip([d[0] for d in cursor.description], found[0], strict=True))

    def insert(self, values: dict[str, Any], row_id: str | None = None) -> str:
        row_id = row_id or new_id()
        stamp = self.store.clock.now().encode()
        now = times.to_storage(self.clock())
        fields = seal_values(self.store, self.table, row_id, {k: v for k, v in values.items() if k not in SYNC_FIELDS})
        row = {
            "id": row_id,
            **fields,
            "created_at": now,
            "updated_at": now,
            "device_id": self.store.device_id,
            "hlc": stamp,
            "field_hlc": _insert_clocks(stamp),
            "deleted": 0,
        }
        sql = self._insert_statement(tuple(row))
        params = [_storable(v) for v in row.values()]
        audit = audit_for(self.store)
        if audit is not None and audit.batch is not None:
            # Inside an audit batch the row is hashed when the batch ends (read back with the others), so it
            # need not come back from the insert: a plain INSERT costs half of one with RETURNING.
            self.store.db.conn.execute(sql, params)
            audit.batch.add("create", self.table, row_id)
            return row_id
        with self._atomic():
            stored = self._returning(sql + " RETURNING *", params)
            self._audit("create", stored)
        return row_id

    def _insert_statement(self, names: tuple[str, ...]) -> str:
        sql = self._insert_sql.get(names)
        if sql is None:
            columns = ", ".join(quote_identifier(k) for k in names)
            marks = ", ".join("?" * len(names))
            sql = self._insert_sql[names] = f"INSERT INTO {self._quoted} ({columns}) VALUES ({marks})"
        return sql

    def insert_many(self, rows: list[dict[str, Any]], record_id: str | None = None) -> list[str]:
        """Insert many new rows with one audit entry (their hashes as the entry's side-table lines, as a merge
        records its rows) instead of one entry each: for rows that come in bulk and are never edited one by one
        (track points). `record_id` names what they belong to in the entry. Returns the new ids."""
        if not rows:
            return []
        stamp = self.store.clock.now().encode()
        now = times.to_storage(self.clock())
        ids = [new_id() for _ in rows]
        prepared = [
            {**seal_values(self.store, self.table, row_id, {k: v for k, v in values.items() if k not in SYNC_FIELDS}),
             "id": row_id, "created_at": now, "updated_at": now, "device_id": self.store.device_id, "hlc": stamp,
             "field_hlc": _insert_clocks(stamp), "deleted": 0}
            for row_id, values in zip(ids, rows, strict=True)
        ]
        names = list(prepared[0])
        columns = ", ".join(quote_identifier(k) for k in names)
        sql = f"INSERT INTO {self._quoted} ({columns}) VALUES ({', '.join('?' * len(names))})"
        with self._atomic():
            self.store.db.conn.executemany(sql, [[jsonify_if_needed(r.get(k)) for k in names] for r in prepared])
            self._audit_bulk("create", ids, record_id, {"rows": len(ids)})
        return ids

    def _audit_bulk(self, action: str, ids: list[str], record_id: str | None, changes: dict[str, Any]) -> None:
        """One entry for rows just written in bulk, hashed as stored (read back: column affinity may differ)."""
        lines: dict[tuple[str, str], str | None] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            cursor = self.store.db.conn.execute(
                f"SELECT * FROM {self._quoted} WHERE id IN ({','.join('?' * len(chunk))})", chunk)
            names = [d[0] for d in cursor.description]
            for values in cursor:
                row = dict(zip(names, values, strict=True))
                lines[(self.table, row["id"])] = row_hash(row)
        record_event(self.store, action, self.table, record_id, changes, row_hashes=lines)

    def update_many(self, row_ids: list[str], values: dict[str, Any], record_id: str | None = None,
                    action: str = "update") -> int:
        """Write the same values to many rows with fresh clocks (each field's clock too) and one audit entry:
        retention blanking a track. Returns the number of rows written."""
        if not row_ids:
            return 0
        stamp = self.store.clock.now().encode()
        now = times.to_storage(self.clock())
        clocks = ", ".join(f"'$.{k}', ?" for k in values)
        assignments = ", ".join(f"{quote_identifier(k)} = ?" for k in values)
        sql = (f"UPDATE {self._quoted} SET {assignments}, updated_at = ?, device_id = ?, hlc = ?,"
               f" field_hlc = json_set(field_hlc, {clocks}) WHERE id = ?")
        fixed = [*(jsonify_if_needed(v) for v in values.values()), now, self.store.device_id, stamp,
                 *([stamp] * len(values))]
        with self._atomic():
            self.store.db.conn.executemany(sql, [[*fixed, row_id] for row_id in row_ids])
            self._audit_bulk(action, row_ids, record_id, {"rows": len(row_ids), "fields": sorted(values)})
        return len(row_ids)

    def get_raw(self, row_id: str) -> dict[str, Any]:
        """The whole row, protected fields opened (blank where this session holds no key to them)."""
        row = self.store.db.execute(f"SELECT * FROM [{self.table}] WHERE id = ?", [row_id])
        names = [d[0] for d in row.description]
        found = row.fetchone()
        if found is None:
            raise NotFoundError(f"no {self.table} row with id {row_id}")
        return open_values(self.store, self.table, dict(zip(names, found, strict=True)))

    def update(self, row_id: str, values: dict[str, Any], reason: str | None = None) -> dict[str, tuple[Any, Any]]:
        """Write the fields whose value changed; return {field: (before, after)}. No change, no write.
        `reason`: why, said in the audit entry beside the changes (a correction of a logged record)."""
        current = self.get_raw(row_id)
        changes = {
            k: (current.get(k), v)
            for k, v in values.items()
            if k not in SYNC_FIELDS and current.get(k) != v
        }
        if changes:
            with self._atomic():
                stored = self._write(current, {k: after for k, (_, after) in changes.items()})
                self._audit("update", stored, changes if reason is None else {**changes, "reason": (None, reason)})
        return changes

    def tombstone(self, row_id: str) -> bool:
        """Mark a row deleted. Returns False if it already was."""
        current = self.get_raw(row_id)
        if current["deleted"]:
            return False
        with self._atomic():
            self._audit("delete", self._write(current, {"deleted": 1}), {"deleted": (0, 1)})
        return True

    def restore(self, row_id: str) -> bool:
        """Lift a tombstone with a fresh clock, so the restore syncs. Returns False if the row was live."""
        current = self.get_raw(row_id)
        if not current["deleted"]:
            return False
        with self._atomic():
            self._audit("restore", self._write(current, {"deleted": 0}), {"deleted": (1, 0)})
        return True

    def set_deleted(self, row_id: str, deleted: bool, resolution: str | None = None) -> bool:
        """Sync conflict resolution on the `deleted` field: write the chosen value with a fresh clock, so the
        choice wins and syncs onward. Returns False if the row already has it.

        Audited as a delete or restore like any other write: without its entry, `audit verify` would take the
        resolved row for one changed outside RuralWatch."""
        current = self.get_raw(row_id)
        if bool(current["deleted"]) == deleted:
            return False
        value = 1 if deleted else 0
        with self._atomic():
            stored = self._write(current, {"deleted": value})
            if resolution is not None:  # the audit log says which way the conflict went, not a plain delete
                self._audit(RESOLVE_ACTION, stored, {"deleted": (current["deleted"], value),
                                                     "resolution": (None, resolution)})
            else:
                self._audit("delete" if deleted else "restore", stored, {"deleted": (current["deleted"], value)})
        return True

    def decide(self, row_id: str, field: str, value: Any, resolution: str = "merged") -> None:
        """Write the value chosen to settle a sync conflict with a fresh clock, changed or not, so the decision
        is newer than both conflicting edits, wins everywhere and closes the conflict on the devices it reaches.
        Audited as a conflict resolved, with the choice (mine, theirs, merged), not as a plain change."""
        current = self.get_raw(row_id)
        with self._atomic():
            stored = self._write(current, {field: value})
            self._audit(RESOLVE_ACTION, stored, {field: (current.get(field), value), "resolution": (None, resolution)})

    def _audit(self, action: str, stored: dict[str, Any],
               changes: dict[str, tuple[Any, Any]] | None = None) -> None:
        """The audit entry for this write, in the same transaction (see ruralwatch.store.audit).
        `stored`: the whole row as the write left it."""
        audit = audit_for(self.store)
        if audit is not None:
            audit.row_change(action, self.table, stored, changes)

    def _write(self, current: dict[str, Any], new_values: dict[str, Any]) -> dict[str, Any]:
        """Update the row; returns it as stored after the update."""
        stamp = self.store.clock.now().encode()
        field_hlc = json.loads(current["field_hlc"] or "{}")
        field_hlc.update(dict.fromkeys(new_values, stamp))
        values = {
            **seal_values(self.store, self.table, current["id"], new_values),
            "updated_at": times.to_storage(self.clock()),
            "device_id": self.store.device_id,
            "hlc": stamp,
            "field_hlc": json.dumps(field_hlc, sort_keys=True),
        }
        assignments = ", ".join(f"{quote_identifier(k)} = ?" for k in values)
        return self._returning(f"UPDATE {self._quoted} SET {assignments} WHERE id = ? RETURNING *",
                               [*(jsonify_if_needed(v) for v in values.values()), current["id"]])
