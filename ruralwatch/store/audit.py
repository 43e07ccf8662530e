"""The tamper-evident audit log: every change, export, import, merge and sign-in, hash-chained.

Each entry is written in the same transaction as the change it records, and carries the SHA-256 of the
previous entry, so removing or editing an entry breaks the chain at that point. The newest entry's number and
hash are also kept in `meta`, so cutting entries off the end shows too. For syncable rows an entry also holds
the hash of the whole row after the change: `verify` recomputes it for every row this device wrote last, so a
row edited behind the application's back (a raw SQL update) is caught as well.

Personal values (reporters' and volunteers' details, VRMs) are recorded only as "[personal data]": the audit
proves a change happened without keeping data that retention removes (a hash of a phone number could be
reversed by trying every number).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ruralwatch.core import times
from ruralwatch.store.database import SYNCABLE_TABLES, Store

GENESIS = "0" * 64
HEAD_KEY = "audit.head"
PERSONAL_MARK = "[personal data]"
# Columns whose values the audit never records (only that they changed). Keep in step with retention.
PERSONAL_COLUMNS: dict[str, frozenset[str]] = {
    "incidents": frozenset({"reporter_name", "reporter_phone"}),
    "incident_vehicles": frozenset({"vrm"}),
    "people": frozenset({"name", "collar_number", "phone", "email", "notes"}),
    "availability_exceptions": frozenset({"note"}),
    "patrol_events": frozenset({"vrm"}),  # stop-checked registrations
}
# Bookkeeping columns a change record leaves out (the clocks are in the row hash).
_SKIP = frozenset({"created_at", "updated_at", "device_id", "hlc", "field_hlc"})


def audit_for(store: Store) -> AuditLog | None:
    """The store's audit log; None on a schema from before the audit existed (tests open old schemas)."""
    cached = getattr(store, "_audit", False)
    if cached is False:
        has_table = bool(store.db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_log'").fetchone())
        cached = AuditLog(store) if has_table else None
        store._audit = cached  # type: ignore[attr-defined]
    return cached  # type: ignore[return-value]


def record_event(store: Store, action: str, table: str | None = None, record_id: str | None = None,
                 changes: dict[str, Any] | None = None) -> None:
    """An audit entry for something that is not a syncable row write (export, import, merge, settings, login).
    Call inside the transaction of the change, if there is one."""
    audit = audit_for(store)
    if audit is not None:
        audit.record(action, table, record_id, changes)


def row_hash(row: dict[str, Any]) -> str:
    return hashlib.sha256(_canonical(row).encode()).hexdigest()


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain)


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest()
    return str(value)


def _shown(table: str, field: str, value: Any) -> Any:
    if value is not None and field in PERSONAL_COLUMNS.get(table, ()):
        return PERSONAL_MARK
    return value


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: str
    actor: str
    action: str
    table: str | None
    record_id: str | None
    changes: dict[str, Any] | None
    row_hash: str | None
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    entries: int
    rows_checked: int
    first_broken: int | None = None  # seq of the first entry that does not match
    problem: str = ""

    def summary(self) -> str:
        if self.ok:
            return (f"audit log intact: {self.entries:,} entries chained, {self.rows_checked:,} rows match their "
                    "last entry")
        return f"audit log BROKEN: {self.problem}"


class AuditLog:
    def __init__(self, store: Store) -> None:
        self.store = store

    # --- writing (call inside the transaction that makes the change) ----------------------------------

    def record(self, action: str, table: str | None = None, record_id: str | None = None,
               changes: dict[str, Any] | None = None, row: dict[str, Any] | None = None) -> int:
        db = self.store.db
        seq, prev = self._head()
        entry: dict[str, Any] = {
            "seq": seq + 1,
            "at": times.to_storage(times.utc_now()),
            "actor": self.store.actor.username,
            "action": action,
            "table": table,
            "record_id": record_id,
            "changes": changes,
            "row_hash": row_hash(row) if row is not None else None,
        }
        digest = _entry_hash(entry, prev)
        db.execute(
            "INSERT INTO audit_log(seq, at, actor, action, target_table, record_id, changes, row_hash, prev_hash, hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [entry["seq"], entry["at"], entry["actor"], action, table, record_id,
             _canonical(changes) if changes is not None else None, entry["row_hash"], prev, digest],
        )
        db.execute(
            "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [HEAD_KEY, f"{entry['seq']}:{digest}"],
        )
        return int(entry["seq"])

    def row_change(self, action: str, table: str, row: dict[str, Any],
                   changes: dict[str, tuple[Any, Any]] | None = None) -> None:
        """A create, update, delete or restore of a syncable row; `row` is the whole row after it."""
        if changes is None:  # a create: every field that has a value
            shown = {k: [None, _shown(table, k, v)] for k, v in row.items() if v is not None and k not in _SKIP}
        else:
            shown = {k: [_shown(table, k, b), _shown(table, k, a)] for k, (b, a) in changes.items() if k not in _SKIP}
        self.record(action, table, row["id"], shown, row)

    def _head(self) -> tuple[int, str]:
        found = self.store.db.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
        return (int(found[0]), str(found[1])) if found else (0, GENESIS)

    # --- reading ------------------------------------------------------------------------------------------

    def entries(self, actor: str | None = None, record_id: str | None = None, since: str | None = None,
                until: str | None = None, action: str | None = None, limit: int = 1000) -> list[AuditEntry]:
        where, params = ["1 = 1"], []
        for column, value in (("actor", actor), ("record_id", record_id), ("action", action)):
            if value:
                where.append(f"{column} = ?")
                params.append(value)
        if since:
            where.append("at >= ?")
            params.append(since)
        if until:
            where.append("at < ?")
            params.append(until)
        query = (f"SELECT * FROM audit_log WHERE {' AND '.join(where)} ORDER BY seq DESC LIMIT {int(limit)}")
        return [_entry(row) for row in self.store.db.query(query, params)]

    def count(self) -> int:
        return int(self.store.db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0])

    # --- verifying ----------------------------------------------------------------------------------------

    def verify(self) -> VerifyResult:
        """Walk the chain from the start; then check each row this device wrote last against its last entry."""
        prev, count, last_seq = GENESIS, 0, 0
        for entry in self._all():
            count += 1
            if entry.seq != last_seq + 1:
                return VerifyResult(False, count, 0, entry.seq,
                                    f"entry {last_seq + 1} is missing (next is {entry.seq})")
            if entry.prev_hash != prev:
                return VerifyResult(False, count, 0, entry.seq, f"entry {entry.seq} does not follow entry {last_seq}")
            expected = _entry_hash({
                "seq": entry.seq, "at": entry.at, "actor": entry.actor, "action": entry.action,
                "table": entry.table, "record_id": entry.record_id, "changes": entry.changes,
                "row_hash": entry.row_hash,
            }, prev)
            if expected != entry.hash:
                return VerifyResult(False, count, 0, entry.seq, f"entry {entry.seq} was altered")
            prev, last_seq = entry.hash, entry.seq
        head = self.store.meta(HEAD_KEY)
        if (head or "") != (f"{last_seq}:{prev}" if last_seq else ""):
            return VerifyResult(False, count, 0, last_seq + 1,
                                f"entries after {last_seq} were removed (the log's recorded head is {head})")
        return self._verify_rows(count)

    def _verify_rows(self, count: int) -> VerifyResult:
        latest: dict[tuple[str, str], tuple[str, int]] = {}
        for table, record_id, digest, seq in self.store.db.execute(
            "SELECT target_table, record_id, row_hash, seq FROM audit_log WHERE row_hash IS NOT NULL ORDER BY seq"
        ):
            latest[(table, record_id)] = (digest, seq)
        checked = 0
        for table in SYNCABLE_TABLES:
            cursor = self.store.db.execute(f"SELECT * FROM [{table}] WHERE device_id = ?", [self.store.device_id])
            names = [d[0] for d in cursor.description]
            for values in cursor:
                row = dict(zip(names, values, strict=True))
                recorded = latest.get((table, row["id"]))
                if recorded is None:
                    continue  # written before the audit existed, or merged in from another device
                checked += 1
                if recorded[0] != row_hash(row):
                    return VerifyResult(False, count, checked, recorded[1],
                                        f"{table} row {row['id']} was changed outside RuralWatch after entry "
                                        f"{recorded[1]}")
        return VerifyResult(True, count, checked)

    def _all(self) -> Iterator[AuditEntry]:
        cursor = self.store.db.execute("SELECT * FROM audit_log ORDER BY seq")
        names = [d[0] for d in cursor.description]
        for values in cursor:
            yield _entry(dict(zip(names, values, strict=True)))


def _entry_hash(entry: dict[str, Any], prev: str) -> str:
    return hashlib.sha256((prev + _canonical(entry)).encode()).hexdigest()


def _entry(row: dict[str, Any]) -> AuditEntry:
    return AuditEntry(
        seq=int(row["seq"]), at=row["at"], actor=row["actor"], action=row["action"], table=row["target_table"],
        record_id=row["record_id"], changes=json.loads(row["changes"]) if row["changes"] else None,
        row_hash=row["row_hash"], prev_hash=row["prev_hash"], hash=row["hash"],
    )
