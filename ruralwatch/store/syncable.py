"""Writes to syncable tables: every row carries its identity, times, last writer and logical clocks.

- `id`: a UUID, so rows made on different laptops never collide.
- `created_at` / `updated_at`: UTC wall-clock times for people to read.
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
from typing import Any

from ruralwatch.core import times
from ruralwatch.core.errors import NotFoundError
from ruralwatch.store.audit import audit_for
from ruralwatch.store.database import Store

SYNC_FIELDS = frozenset({"id", "created_at", "updated_at", "device_id", "hlc", "field_hlc", "deleted"})
ALL_FIELDS_KEY = "*"


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


class SyncTable:
    """Insert, update and tombstone rows of one syncable table. Call inside `store.transaction()`."""

    def __init__(self, store: Store, table: str) -> None:
        self.store = store
        self.table = table

    def insert(self, values: dict[str, Any], row_id: str | None = None) -> str:
        row_id = row_id or new_id()
        stamp = self.store.clock.now().encode()
        now = times.to_storage(times.utc_now())
        fields = {k: v for k, v in values.items() if k not in SYNC_FIELDS}
        row = {
            "id": row_id,
            **fields,
            "created_at": now,
            "updated_at": now,
            "device_id": self.store.device_id,
            "hlc": stamp,
            "field_hlc": json.dumps({ALL_FIELDS_KEY: stamp}),
            "deleted": 0,
        }
        self.store.db[self.table].insert(row)
        self._audit("create", row_id)
        return row_id

    def get_raw(self, row_id: str) -> dict[str, Any]:
        row = self.store.db.execute(f"SELECT * FROM [{self.table}] WHERE id = ?", [row_id])
        names = [d[0] for d in row.description]
        found = row.fetchone()
        if found is None:
            raise NotFoundError(f"no {self.table} row with id {row_id}")
        return dict(zip(names, found, strict=True))

    def update(self, row_id: str, values: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
        """Write the fields whose value changed; return {field: (before, after)}. No change, no write."""
        current = self.get_raw(row_id)
        changes = {
            k: (current.get(k), v)
            for k, v in values.items()
            if k not in SYNC_FIELDS and current.get(k) != v
        }
        if changes:
            self._write(current, {k: after for k, (_, after) in changes.items()})
            self._audit("update", row_id, changes)
        return changes

    def tombstone(self, row_id: str) -> bool:
        """Mark a row deleted. Returns False if it already was."""
        current = self.get_raw(row_id)
        if current["deleted"]:
            return False
        self._write(current, {"deleted": 1})
        self._audit("delete", row_id, {"deleted": (0, 1)})
        return True

    def restore(self, row_id: str) -> bool:
        """Lift a tombstone with a fresh clock, so the restore syncs. Returns False if the row was live."""
        current = self.get_raw(row_id)
        if not current["deleted"]:
            return False
        self._write(current, {"deleted": 0})
        self._audit("restore", row_id, {"deleted": (1, 0)})
        return True

    def _audit(self, action: str, row_id: str, changes: dict[str, tuple[Any, Any]] | None = None) -> None:
        """The audit entry for this write, in the same transaction (see ruralwatch.store.audit)."""
        audit = audit_for(self.store)
        if audit is not None:
            audit.row_change(action, self.table, self.get_raw(row_id), changes)

    def _write(self, current: dict[str, Any], new_values: dict[str, Any]) -> None:
        stamp = self.store.clock.now().encode()
        field_hlc = json.loads(current["field_hlc"] or "{}")
        field_hlc.update(dict.fromkeys(new_values, stamp))
        self.store.db[self.table].update(
            current["id"],
            {
                **new_values,
                "updated_at": times.to_storage(times.utc_now()),
                "device_id": self.store.device_id,
                "hlc": stamp,
                "field_hlc": json.dumps(field_hlc, sort_keys=True),
            },
        )
